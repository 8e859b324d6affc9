"""The evidence base in ``seeds/``: coverage, originality and loader errors.

(a) the shipped files load and cover what the Afghanistan world needs;
(b) no paraphrase copies a run of 6+ words from the five source documents;
(c) malformed copies written into ``tmp_path`` raise a one-line
    :class:`~sim.errors.EvidenceError` naming the file, row id and field.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.dates import month_number
from sim.errors import EvidenceError
from sim.evidence import (
    ARENAS,
    COLUMNS,
    LADDER_KINDS,
    SEEDS_DIR,
    load_capabilities,
    load_codes,
    load_evidence,
    load_sources,
)

STATES = ("AFG", "PAK", "IND", "IRN", "CHN", "RUS", "USA", "TJK", "UZB", "KAZ", "TKM", "KGZ")
NEIGHBOURS = STATES[1:]

# ORF-2024, russia chapter (Zakharov), Table 1: Afghanistan's largest import
# sources and export destinations, Apr 2022 - Apr 2023, US$ million.
ORF_TABLE: dict[str, dict[str, float]] = {
    "afg_import_musd": {
        "IRN": 1472,
        "PAK": 1164,
        "CHN": 1135,
        "ARE": 831,
        "TKM": 480,
        "KAZ": 281,
        "RUS": 271,
        "UZB": 232,
        "IND": 218,
    },
    "afg_export_musd": {
        "PAK": 1225,
        "IND": 417,
        "UZB": 49,
        "TJK": 39,
        "ARE": 37,
        "IRN": 28,
        "IRQ": 23,
        "TUR": 18,
        "KAZ": 13,
    },
}


def month_of(date: str) -> int:
    """Month number of ``YYYY-MM`` or ``YYYY`` (year-only = June, as in sim.calibration)."""
    return month_number(date if "-" in date else f"{date}-06")


@pytest.fixture(scope="module")
def evidence() -> pd.DataFrame:
    return load_evidence()


# (a) the shipped evidence ----------------------------------------------------------------
def test_shipped_evidence_loads_with_enough_rows(evidence):
    assert len(evidence) >= 150
    assert tuple(evidence.columns) == COLUMNS
    assert evidence["id"].is_unique


@pytest.mark.parametrize("code", STATES)
def test_every_state_appears_as_actor(evidence, code):
    assert (evidence["actor"] == code).any(), f"no evidence row has actor {code}"


def test_all_four_arenas_present(evidence):
    assert set(evidence["arena"]) == set(ARENAS)


@pytest.mark.parametrize(
    ("metric", "partner", "value"),
    [(m, p, v) for m, table in ORF_TABLE.items() for p, v in table.items()],
)
def test_orf_trade_table_partner(evidence, metric, partner, value):
    rows = evidence[(evidence["metric"] == metric) & (evidence["actor"] == partner)]
    assert len(rows) == 1, f"{metric} {partner}: expected one row, found {list(rows['id'])}"
    row = rows.iloc[0]
    assert row["value"] == value
    assert row["source"] == "ORF-2024" and row["counterpart"] == "AFG"
    assert row["unit"] == "musd_per_year"


@pytest.mark.parametrize("metric", sorted(ORF_TABLE))
def test_orf_trade_table_has_no_extra_partners(evidence, metric):
    partners = set(evidence.loc[evidence["metric"] == metric, "actor"])
    assert partners == set(ORF_TABLE[metric])


@pytest.mark.parametrize("code", NEIGHBOURS)
def test_recognition_ladder_covers_both_snapshots(evidence, code):
    ladder = evidence[
        (evidence["actor"] == code)
        & (evidence["counterpart"] == "AFG")
        & evidence["kind"].isin(LADDER_KINDS)
    ]
    months = ladder["date"].map(month_of)
    assert (months <= month_number("2021-08")).any(), f"{code}: no ladder fact up to 2021-08"
    recent = months.between(month_number("2023-09"), month_number("2024-03"))
    assert recent.any(), f"{code}: no ladder fact dated 2023-09..2024-03"


def test_no_month_dated_fact_after_cutoff(evidence):
    dated = evidence[evidence["date"].str.len() == 7]
    late = dated[dated["date"] > "2024-03"]
    assert late.empty, f"dated after 2024-03: {list(late['id'])}"


def test_no_year_only_fact_after_cutoff(evidence):
    late = evidence[evidence["date"].map(month_of) > month_number("2024-03")]
    assert late.empty, f"read as after 2024-03: {list(late['id'])} {list(late['date'])}"


def test_capabilities_cover_every_state():
    capabilities = load_capabilities().set_index("code")
    assert set(STATES) <= set(capabilities.index)
    assert (capabilities.loc[list(STATES), "gdp_busd_2022"] > 0).all()
    military = capabilities.loc[list(STATES), "military_expenditure_musd_2022"].dropna()
    assert (military > 0).all()
    named = capabilities.loc[military.index, "military_source"]
    assert named.str.contains("SIPRI").all()


# Conduct toward the Emirate: demands and coercive levers (seeds/conduct.md) -------------
CT_GROUPS = ("ISKP", "TTP", "AQ", "ETIM", "IMU", "ANTI_IND")
DEMAND_METRICS = frozenset(
    {
        "demand_inclusivity",
        "demand_women_rights",
        "demand_border",
        "demand_water",
        "demand_refugees",
        "demand_narcotics",
    }
    | {f"demand_ct_{group}" for group in CT_GROUPS}
)
LEVERS = ("strike", "border_closure", "border_reopening", "deportation", "sanction")
CONDUCT_WINDOW = (month_number("2021-08"), month_number("2024-03"))
CONDUCT_YEARS = 2.6


def conduct_tables() -> tuple[list[list[str]], list[list[str]]]:
    """The demand rows and the lever rows of the tables in ``seeds/conduct.md``."""
    demands: list[list[str]] = []
    levers: list[list[str]] = []
    for line in (SEEDS_DIR / "conduct.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or cells[0] not in NEIGHBOURS:
            continue
        (demands if cells[1].startswith("demand_") else levers).append(cells)
    return demands, levers


def ids_in(cell: str) -> list[str]:
    return sorted(re.findall(r"E\d+", cell))


def test_state_demands_use_the_demand_vocabulary(evidence):
    rows = evidence[(evidence["kind"] == "stated_demand") & evidence["actor"].isin(NEIGHBOURS)]
    assert (rows["counterpart"] == "AFG").all(), list(rows.loc[rows["counterpart"] != "AFG", "id"])
    outside = rows[~rows["metric"].isin(DEMAND_METRICS)]
    found = dict(zip(outside["id"], outside["metric"], strict=True))
    assert outside.empty, f"metrics outside the vocabulary: {found}"


def test_state_coercive_acts_toward_the_emirate_are_hostile(evidence):
    acts = evidence[
        evidence["kind"].isin([lever for lever in LEVERS if lever != "border_reopening"])
        & evidence["actor"].isin(NEIGHBOURS)
        & (evidence["counterpart"] == "AFG")
    ]
    assert (acts["sign"] == -1).all(), list(acts.loc[acts["sign"] != -1, "id"])


def test_conduct_demand_table_matches_the_rows(evidence):
    demands, _ = conduct_tables()
    table = {(cells[0], cells[1]): cells for cells in demands}
    assert len(table) == len(demands), "a state-metric pair appears twice in conduct.md"
    rows = evidence[(evidence["kind"] == "stated_demand") & evidence["actor"].isin(NEIGHBOURS)]
    pairs = set(zip(rows["actor"], rows["metric"], strict=True))
    assert set(table) == pairs
    for (state, metric), cells in table.items():
        own = rows[(rows["actor"] == state) & (rows["metric"] == metric)]
        listed = dict(re.findall(r"(E\d+) \((\d)\)", cells[2]))
        assert listed == {r.id: str(r.strength) for r in own.itertuples()}, (state, metric)
        total = int(own["strength"].sum())
        assert int(cells[3]) == total, (state, metric)
        assert cells[4] == f"{min(1.0, total / 3):.2f}", (state, metric)


def test_conduct_lever_table_matches_the_rows(evidence):
    _, levers = conduct_tables()
    table = {(cells[0], cells[1]): cells for cells in levers}
    assert set(table) == {(state, lever) for state in NEIGHBOURS for lever in LEVERS}
    assert len(table) == len(levers)
    acts = evidence[evidence["kind"].isin(LEVERS) & (evidence["counterpart"] == "AFG")]
    months = acts["date"].map(month_of)
    for (state, lever), cells in table.items():
        own = (acts["actor"] == state) & (acts["kind"] == lever)
        inside = sorted(acts.loc[own & months.between(*CONDUCT_WINDOW), "id"])
        before = sorted(acts.loc[own & (months < CONDUCT_WINDOW[0]), "id"])
        assert ids_in(cells[2]) == inside, (state, lever)
        assert int(cells[3]) == len(inside), (state, lever)
        assert cells[4] == f"{len(inside) / CONDUCT_YEARS:.2f}", (state, lever)
        assert ids_in(cells[5]) == before, (state, lever)
        assert cells[6] == ("yes" if inside or before else "no"), (state, lever)


# (b) paraphrase originality ----------------------------------------------------------------
RUN = 6


def source_docs_dir() -> Path:
    configured = os.environ.get("SIM_SOURCE_DOCS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "shared" / "seeds"


def words(text: str) -> list[str]:
    """Lower-case words, punctuation stripped (apostrophes dropped, other marks split)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"<[^>]+>", " ", text)  # <sup> footnote markers in the documents
    text = re.sub(r"['’‘`]", "", text)
    return re.findall(r"[^\W_]+", text)


def runs(tokens: list[str], n: int = RUN) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


@pytest.fixture(scope="module")
def document_runs() -> dict[str, set[tuple[str, ...]]]:
    folder = source_docs_dir()
    if not folder.is_dir():
        pytest.skip(f"source documents not found at {folder} (set SIM_SOURCE_DOCS)")
    files = {
        source: entry["file"]
        for source, entry in yaml.safe_load(
            (SEEDS_DIR / "sources.yaml").read_text(encoding="utf-8")
        ).items()
    }
    missing = [name for name in files.values() if not (folder / name).is_file()]
    assert not missing, f"{folder}: missing documents {missing}"
    return {
        source: runs(words((folder / name).read_text(encoding="utf-8")))
        for source, name in files.items()
    }


def test_run_checker_detects_copied_text(document_runs):
    folder = source_docs_dir()
    for source, name in yaml.safe_load((SEEDS_DIR / "sources.yaml").read_text()).items():
        text = (folder / name["file"]).read_text(encoding="utf-8")
        tokens = words(text)[200:210]
        copied = " ".join(tokens).upper() + "!"
        assert runs(words(copied)) & document_runs[source], source
        assert not runs(words(" ".join(tokens[: RUN - 1]))) & document_runs[source]


def test_no_paraphrase_copies_six_words(evidence, document_runs):
    offenders = []
    for row in evidence.itertuples(index=False):
        own = runs(words(row.paraphrase))
        for source, theirs in document_runs.items():
            shared = own & theirs
            if shared:
                offenders.append(f"{row.id} ~ {source}: {' '.join(sorted(shared)[0])!r}")
    assert not offenders, f"paraphrases copying {RUN}+ words:\n" + "\n".join(offenders)


# (c) malformed inputs ----------------------------------------------------------------------
def shipped_frame() -> pd.DataFrame:
    return pd.read_csv(SEEDS_DIR / "evidence.csv", dtype=str, keep_default_na=False)


def write_evidence(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "evidence.csv"
    frame.to_csv(path, index=False)
    return path


def load(path: Path, **kwargs) -> pd.DataFrame:
    kwargs.setdefault("sources", load_sources())
    kwargs.setdefault("codes", load_codes())
    return load_evidence(path, **kwargs)


def expect_row_error(
    tmp_path: Path, row_id: str, field: str, change: Callable[[pd.DataFrame, int], None]
) -> str:
    """Apply ``change`` to row ``row_id`` of a copy; assert the error names id, line, field."""
    frame = shipped_frame()
    position = int(frame.index[frame["id"] == row_id][0])
    change(frame, position)
    path = write_evidence(tmp_path, frame)
    with pytest.raises(EvidenceError) as caught:
        load(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert f"row {frame.at[position, 'id']} (line {position + 2}): {field}: " in message, message
    return message


def set_cell(column: str, value: str) -> Callable[[pd.DataFrame, int], None]:
    def change(frame: pd.DataFrame, position: int) -> None:
        frame.at[position, column] = value

    return change


# E1179: ORF-2024 Table 1, Iran imports (value and unit); E1041: India stance_assessment.
@pytest.mark.parametrize(
    ("row_id", "field", "column", "value", "phrase"),
    [
        ("E1179", "actor", "actor", "XYZ", "unknown code 'XYZ'"),
        ("E1179", "actor", "actor", "", "missing (required)"),
        ("E1179", "counterpart", "counterpart", "TALIBAN", "unknown code 'TALIBAN'"),
        ("E1179", "date", "date", "2023-13", "not YYYY-MM"),
        ("E1179", "date", "date", "23-01", "not YYYY-MM"),
        ("E1179", "date", "date", "2025-01", "within 1900..2024"),
        ("E1179", "date", "date", "2024-04", "after the evidence cut-off 2024-03"),
        ("E1179", "source", "source", "ORF-2025", "unknown source 'ORF-2025'"),
        ("E1179", "section", "section", "europe", "unknown section 'europe' of ORF-2024"),
        ("E1179", "section", "section", "", "missing (required)"),
        ("E1179", "kind", "kind", "gossip", "unknown kind 'gossip'"),
        ("E1179", "arena", "arena", "culture", "unknown arena 'culture'"),
        ("E1179", "concern", "concern", "weather", "unknown concern 'weather'"),
        ("E1179", "sign", "sign", "2", "allowed: -1, 0, 1"),
        ("E1179", "strength", "strength", "0", "allowed: 1, 2, 3"),
        ("E1179", "value", "value", "about 1472", "is not a number"),
        ("E1179", "value", "value", "inf", "not a finite number"),
        ("E1179", "unit", "unit", "", "a value needs a unit"),
        ("E1179", "paraphrase", "paraphrase", "", "missing (required)"),
        ("E1179", "paraphrase", "paraphrase", "   ", "missing (required)"),
        ("E1179", "metric", "metric", "Import Value", "not a snake_case name"),
        ("E1179", "id", "id", "X17", "not an id like E1001"),
        ("E1041", "counterpart", "counterpart", "PAK", "needs counterpart AFG"),
        ("E1041", "value", "value", "7", "ladder level 0..5"),
        ("E1041", "actor", "actor", "SCO", "needs a state as actor"),
    ],
)
def test_malformed_row(tmp_path, row_id, field, column, value, phrase):
    message = expect_row_error(tmp_path, row_id, field, set_cell(column, value))
    assert phrase in message, message


def test_duplicate_id_names_second_occurrence(tmp_path):
    message = expect_row_error(tmp_path, "E1180", "id", set_cell("id", "E1179"))
    assert "row E1179 (line" in message and "duplicate id" in message


def test_missing_column(tmp_path):
    path = write_evidence(tmp_path, shipped_frame().drop(columns=["concern"]))
    with pytest.raises(EvidenceError, match=r"missing column 'concern'") as caught:
        load(path)
    assert str(path) in str(caught.value)


def test_unbalanced_quote_is_malformed_csv(tmp_path):
    text = (SEEDS_DIR / "evidence.csv").read_text(encoding="utf-8")
    path = tmp_path / "evidence.csv"
    path.write_text(text + 'E9999,"an unterminated quoted field\n')
    with pytest.raises(EvidenceError, match="malformed CSV"):
        load(path)


def test_header_only_file(tmp_path):
    path = tmp_path / "evidence.csv"
    path.write_text(",".join(COLUMNS) + "\n")
    with pytest.raises(EvidenceError, match="no evidence rows"):
        load(path)


def test_empty_file(tmp_path):
    path = tmp_path / "evidence.csv"
    path.write_text("")
    with pytest.raises(EvidenceError, match=re.escape(str(path))):
        load(path)


def test_missing_file(tmp_path):
    with pytest.raises(EvidenceError, match="file not found"):
        load(tmp_path / "nowhere.csv")


def test_year_only_date_in_cutoff_year_is_rejected(tmp_path):
    expect_row_error(tmp_path, "E1179", "date", set_cell("date", "2024"))


# sources.yaml / codes.yaml / capabilities.csv ----------------------------------------------
def write_yaml(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path


def shipped_yaml(name: str) -> dict:
    return yaml.safe_load((SEEDS_DIR / name).read_text(encoding="utf-8"))


def test_malformed_yaml_in_sources(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("ORF-2024: {title: [unclosed\n  file: x.txt\n")
    with pytest.raises(EvidenceError, match="malformed YAML") as caught:
        load_sources(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_empty_sources_file(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("")
    with pytest.raises(EvidenceError, match="expected a mapping"):
        load_sources(path)


def test_source_without_file_field(tmp_path):
    data = shipped_yaml("sources.yaml")
    del data["IDSA-2024"]["file"]
    with pytest.raises(EvidenceError, match=r"IDSA-2024\.file: missing field"):
        load_sources(write_yaml(tmp_path, "sources.yaml", data))


def test_section_removed_from_sources_is_named_by_first_row_citing_it(tmp_path):
    data = shipped_yaml("sources.yaml")
    data["ORF-2024"]["chapters"] = [c for c in data["ORF-2024"]["chapters"] if c["key"] != "iran"]
    sources = load_sources(write_yaml(tmp_path, "sources.yaml", data))
    frame = shipped_frame()
    first = frame[(frame["source"] == "ORF-2024") & (frame["section"] == "iran")].index[0]
    path = write_evidence(tmp_path, frame)
    with pytest.raises(EvidenceError) as caught:
        load(path, sources=sources)
    assert f"row {frame.at[first, 'id']} (line {first + 2}): section: " in str(caught.value)


def test_code_removed_from_codes_is_named_by_first_row_using_it(tmp_path):
    data = shipped_yaml("codes.yaml")
    del data["TKM"]
    codes = load_codes(write_yaml(tmp_path, "codes.yaml", data))
    frame = shipped_frame()
    uses = (frame["actor"] == "TKM") | (frame["counterpart"] == "TKM")
    first = frame[uses].index[0]
    field = "actor" if frame.at[first, "actor"] == "TKM" else "counterpart"
    path = write_evidence(tmp_path, frame)
    with pytest.raises(EvidenceError) as caught:
        load(path, codes=codes)
    assert f"row {frame.at[first, 'id']} (line {first + 2}): {field}: " in str(caught.value)


def test_codes_entry_without_type(tmp_path):
    data = shipped_yaml("codes.yaml")
    data["PAK"] = {"name": "Pakistan"}
    with pytest.raises(EvidenceError, match=r"PAK: expected \{name, type\}"):
        load_codes(write_yaml(tmp_path, "codes.yaml", data))


def write_capabilities(tmp_path: Path, change: Callable[[pd.DataFrame], None]) -> Path:
    frame = pd.read_csv(SEEDS_DIR / "capabilities.csv", dtype=str, keep_default_na=False)
    change(frame)
    path = tmp_path / "capabilities.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("value", ["", "-3", "n/a"])
def test_capabilities_bad_gdp(tmp_path, value):
    def change(frame: pd.DataFrame) -> None:
        frame.loc[frame["code"] == "IRN", "gdp_busd_2022"] = value

    path = write_capabilities(tmp_path, change)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    line = int(frame.index[frame["code"] == "IRN"][0]) + 2
    with pytest.raises(EvidenceError, match=rf"row IRN \(line {line}\): gdp_busd_2022: "):
        load_capabilities(path)


def test_capabilities_missing_source(tmp_path):
    def change(frame: pd.DataFrame) -> None:
        frame.loc[frame["code"] == "KAZ", "gdp_source"] = ""

    with pytest.raises(EvidenceError, match=r"row KAZ \(line \d+\): gdp_source: missing"):
        load_capabilities(write_capabilities(tmp_path, change))


def test_capabilities_missing_column(tmp_path):
    def change(frame: pd.DataFrame) -> None:
        del frame["gdp_source"]

    path = write_capabilities(tmp_path, change)
    with pytest.raises(EvidenceError, match="missing column 'gdp_source'"):
        load_capabilities(path)


def test_capabilities_non_numeric_military_expenditure(tmp_path):
    def change(frame: pd.DataFrame) -> None:
        frame.loc[frame["code"] == "PAK", "military_expenditure_musd_2022"] = "ten billion"

    with pytest.raises(EvidenceError, match=r"row PAK .*military_expenditure_musd_2022"):
        load_capabilities(write_capabilities(tmp_path, change))


def test_capabilities_empty_file(tmp_path):
    path = tmp_path / "capabilities.csv"
    path.write_text("")
    with pytest.raises(EvidenceError):
        load_capabilities(path)
