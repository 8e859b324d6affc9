"""The structural-relations seeds: public sources, memberships, bilateral ties and gaps.

``seeds/public_sources.yaml`` names the public sources (P-ids) used next to the five
documents' evidence rows (E-ids); ``seeds/memberships.csv`` records who belongs to which
organisation and when; ``seeds/structural_ties.csv`` holds the slow, lasting bilateral
facts; ``seeds/structural_gaps.csv`` lists the few pairs with no structural fact at a
snapshot. ``tests/data/structural_expectations.yaml`` holds hand-written expectations for
the calibrated structural relations.

Checks: exact columns, id and vocabulary rules, dates (nothing after 2024-03), that every
cited id exists, that all 66 pairs of the twelve states are covered at both snapshots, that
gaps are few and real, that notes are in our own words (no run of 6+ words shared with the
documents), and that the expectations agree with the sign balance of the ties they cite.
"""

from __future__ import annotations

import csv
import datetime
import os
import re
import unicodedata
from collections import Counter
from itertools import combinations, pairwise
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
EXPECTATIONS = Path(__file__).parent / "data" / "structural_expectations.yaml"

STATES = ("AFG", "PAK", "IND", "IRN", "CHN", "RUS", "USA", "TJK", "UZB", "KAZ", "TKM", "KGZ")
PAIRS = tuple("-".join(sorted(pair)) for pair in combinations(STATES, 2))
SNAPSHOTS = ("2021-08", "2024-03")
CUTOFF = "2024-03"

TIE_COLUMNS = (
    "id",
    "actor",
    "counterpart",
    "kind",
    "sign",
    "strength",
    "start",
    "end",
    "source",
    "note",
)
MEMBERSHIP_COLUMNS = ("organisation", "member", "joined", "left", "source", "note")
GAP_COLUMNS = ("pair", "low", "high", "note")
TIE_KINDS = {
    "alliance",
    "strategic_partnership",
    "security_cooperation",
    "economic_dependence",
    "kinship",
    "sanctions",
    "militarised_dispute",
    "territorial_dispute",
    "rivalry",
    "water_dispute",
    "diplomatic_rupture",
    "proxy_support",
}
SOURCE_KINDS = {"treaty", "membership", "sanctions", "dispute", "statement", "dataset", "reference"}
SOURCE_FIELDS = ("publisher", "title", "date", "kind", "note")
MAX_GAPS = 6

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
P_ID = re.compile(r"^P\d{3}$")
S_ID = re.compile(r"^S\d{3}$")
E_ID = re.compile(r"^E\d{3,5}$")
ORG = re.compile(r"^[A-Z][A-Z0-9_]*$")


# loading ---------------------------------------------------------------------------------
def read_csv(name: str) -> tuple[tuple[str, ...], list[dict[str, str]]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return tuple(reader.fieldnames or ()), rows


@pytest.fixture(scope="module")
def ties() -> list[dict[str, str]]:
    columns, rows = read_csv("structural_ties.csv")
    assert columns == TIE_COLUMNS
    return rows


@pytest.fixture(scope="module")
def memberships() -> list[dict[str, str]]:
    columns, rows = read_csv("memberships.csv")
    assert columns == MEMBERSHIP_COLUMNS
    return rows


@pytest.fixture(scope="module")
def gaps() -> list[dict[str, str]]:
    columns, rows = read_csv("structural_gaps.csv")
    assert columns == GAP_COLUMNS
    return rows


@pytest.fixture(scope="module")
def sources() -> dict[str, dict]:
    data = yaml.safe_load((SEEDS / "public_sources.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data
    return data


@pytest.fixture(scope="module")
def evidence_ids() -> set[str]:
    with (SEEDS / "evidence.csv").open(encoding="utf-8", newline="") as handle:
        return {row["id"] for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def expectations() -> dict:
    data = yaml.safe_load(EXPECTATIONS.read_text(encoding="utf-8"))
    assert set(data) == {"sign", "order"}
    return data


# the snapshot rule -------------------------------------------------------------------------
def holds(start: str, end: str, month: str) -> bool:
    """A tie or membership is active at ``month`` if it began by then and had not ended."""
    return start <= month and (end == "" or end > month)


def pair_of(a: str, b: str) -> str:
    return "-".join(sorted((a, b)))


def active_ties(ties, month: str) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for row in ties:
        if holds(row["start"], row["end"], month):
            out.setdefault(pair_of(row["actor"], row["counterpart"]), []).append(row)
    return out


def shared_memberships(memberships, month: str) -> dict[str, set[str]]:
    members: dict[str, set[str]] = {}
    for row in memberships:
        if holds(row["joined"], row["left"], month):
            members.setdefault(row["organisation"], set()).add(row["member"])
    out: dict[str, set[str]] = {}
    for organisation, codes in members.items():
        for a, b in combinations(sorted(codes), 2):
            out.setdefault(pair_of(a, b), set()).add(organisation)
    return out


def tie_balance(ties, memberships, pair: str, month: str) -> int:
    """Signed strength of the active ties plus one per shared organisation.

    A crude tally to check that the hand-written expectations follow from the evidence;
    it is not the model's calibration.
    """
    total = sum(int(r["sign"]) * int(r["strength"]) for r in active_ties(ties, month).get(pair, []))
    return total + len(shared_memberships(memberships, month).get(pair, set()))


def valid_month(text: str) -> bool:
    return bool(MONTH.match(text)) and int(text[:4]) >= 1800 and text <= CUTOFF


def source_date(value) -> str:
    """public_sources dates: YYYY-MM or YYYY-MM-DD (YAML may read the latter as a date)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


# public_sources.yaml ---------------------------------------------------------------------
def test_public_sources_fields_and_ids(sources):
    for key, entry in sources.items():
        assert P_ID.match(key), f"{key}: not an id like P001"
        assert isinstance(entry, dict), key
        missing = [f for f in SOURCE_FIELDS if not str(entry.get(f, "")).strip()]
        assert not missing, f"{key}: missing {missing}"
        assert entry["kind"] in SOURCE_KINDS, f"{key}: kind {entry['kind']!r}"
    numbers = sorted(int(key[1:]) for key in sources)
    assert numbers == list(range(1, len(numbers) + 1)), (
        "P-ids must run P001, P002, ... without gaps"
    )


def test_public_source_dates_before_april_2024(sources):
    for key, entry in sources.items():
        date = source_date(entry["date"])
        if DAY.match(date):
            parsed = datetime.date.fromisoformat(date)
            assert parsed < datetime.date(2024, 4, 1), f"{key}: {date} after the cut-off"
        else:
            assert valid_month(date), f"{key}: date {date!r} not YYYY-MM(-DD) up to {CUTOFF}"


def test_every_public_source_is_cited(sources, ties, memberships):
    cited = {s for row in [*ties, *memberships] for s in row["source"].split(";")}
    # modelling choices cite their precedents in the code (sim/params.py)
    for module in (ROOT / "sim").rglob("*.py"):
        cited |= set(re.findall(r"\bP\d{3}\b", module.read_text(encoding="utf-8")))
    unused = sorted(set(sources) - cited)
    assert not unused, f"public sources never cited: {unused}"


# memberships.csv -------------------------------------------------------------------------
def test_membership_rows(memberships):
    assert memberships
    for line, row in enumerate(memberships, start=2):
        where = f"memberships.csv line {line}"
        assert ORG.match(row["organisation"]), f"{where}: organisation {row['organisation']!r}"
        assert row["member"] in STATES, f"{where}: member {row['member']!r}"
        assert valid_month(row["joined"]), f"{where}: joined {row['joined']!r}"
        if row["left"]:
            assert valid_month(row["left"]), f"{where}: left {row['left']!r}"
            assert row["left"] > row["joined"], f"{where}: left before joined"
        assert row["source"] and row["note"].strip(), where


def test_required_organisations_present(memberships):
    organisations = {row["organisation"] for row in memberships}
    assert {"SCO", "CSTO", "EAEU", "CIS", "QUAD"} <= organisations


def test_membership_spells_do_not_overlap(memberships):
    spells: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for row in memberships:
        spells.setdefault((row["organisation"], row["member"]), []).append(
            (row["joined"], row["left"] or "9999-12")
        )
    for key, periods in spells.items():
        periods.sort()
        for (_, end), (start, _) in pairwise(periods):
            assert end <= start, f"{key}: overlapping membership spells"


@pytest.mark.parametrize(
    ("organisation", "member", "month", "expected"),
    [
        ("SCO", "IND", "2017-06", True),
        ("SCO", "PAK", "2017-05", False),
        ("SCO", "IRN", "2021-08", False),
        ("SCO", "IRN", "2024-03", True),
        ("CSTO", "UZB", "2021-08", False),
        ("CSTO", "TJK", "2024-03", True),
        ("CIS", "TKM", "2021-08", False),
        ("CIS_ASSOC", "TKM", "2021-08", True),
        ("QUAD", "IND", "2024-03", True),
        ("EAEU", "KGZ", "2024-03", True),
        ("EAEU", "TJK", "2024-03", False),
    ],
)
def test_known_memberships(memberships, organisation, member, month, expected):
    found = any(
        r["organisation"] == organisation
        and r["member"] == member
        and holds(r["joined"], r["left"], month)
        for r in memberships
    )
    assert found is expected


def test_emirate_belongs_to_nothing(memberships):
    assert not [r for r in memberships if r["member"] == "AFG"]


# structural_ties.csv ---------------------------------------------------------------------
def test_tie_ids(ties):
    ids = [row["id"] for row in ties]
    assert all(S_ID.match(i) for i in ids)
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]


def test_tie_vocabularies_and_dates(ties):
    for row in ties:
        where = f"structural_ties.csv {row['id']}"
        assert row["actor"] in STATES and row["counterpart"] in STATES, where
        assert row["actor"] != row["counterpart"], where
        assert row["kind"] in TIE_KINDS, f"{where}: kind {row['kind']!r}"
        assert row["sign"] in {"1", "-1"}, f"{where}: sign {row['sign']!r}"
        assert row["strength"] in {"1", "2", "3"}, f"{where}: strength {row['strength']!r}"
        assert valid_month(row["start"]), f"{where}: start {row['start']!r}"
        if row["end"]:
            assert valid_month(row["end"]), f"{where}: end {row['end']!r}"
            assert row["end"] > row["start"], f"{where}: end not after start"
        assert row["note"].strip(), f"{where}: empty note"


def test_ties_not_written_twice(ties):
    keys = Counter(
        (pair_of(r["actor"], r["counterpart"]), r["kind"], r["start"], r["end"]) for r in ties
    )
    assert not [k for k, n in keys.items() if n > 1]


def test_hostile_and_friendly_kinds_have_their_sign(ties):
    hostile = {
        "sanctions",
        "militarised_dispute",
        "territorial_dispute",
        "rivalry",
        "water_dispute",
        "diplomatic_rupture",
        "proxy_support",
    }
    for row in ties:
        expected = "-1" if row["kind"] in hostile else "1"
        assert row["sign"] == expected, f"{row['id']}: {row['kind']} with sign {row['sign']}"


def test_every_cited_id_exists(ties, memberships, sources, evidence_ids):
    for name, rows, key in (
        ("structural_ties.csv", ties, "id"),
        ("memberships.csv", memberships, None),
    ):
        for line, row in enumerate(rows, start=2):
            where = f"{name} {row[key] if key else f'line {line}'}"
            cited = [s.strip() for s in row["source"].split(";")]
            assert cited and all(cited), f"{where}: empty source"
            for ref in cited:
                if E_ID.match(ref):
                    assert ref in evidence_ids, f"{where}: {ref} not in seeds/evidence.csv"
                else:
                    assert P_ID.match(ref), f"{where}: {ref!r} is neither an E- nor a P-id"
                    assert ref in sources, f"{where}: {ref} not in public_sources.yaml"


def test_ties_cite_the_documents_where_they_can(ties):
    with_documents = [r for r in ties if any(s.startswith("E") for s in r["source"].split(";"))]
    assert len(with_documents) >= 50
    emirate = [r for r in ties if "AFG" in (r["actor"], r["counterpart"])]
    assert all(
        any(s.startswith("E") for s in r["source"].split(";")) or r["kind"] == "sanctions"
        for r in emirate
        if r["start"] >= "2021-08"
    )


# coverage and gaps -----------------------------------------------------------------------
@pytest.mark.parametrize("month", SNAPSHOTS)
@pytest.mark.parametrize("pair", PAIRS)
def test_pair_covered(ties, memberships, gaps, pair, month):
    gap_pairs = {row["pair"] for row in gaps}
    covered = (
        pair in active_ties(ties, month)
        or pair in shared_memberships(memberships, month)
        or pair in gap_pairs
    )
    assert covered, f"{pair} has no tie, shared membership or gap at {month}"


def test_gaps_are_few_and_real(ties, memberships, gaps):
    assert len(PAIRS) == 66
    assert len(gaps) <= MAX_GAPS
    seen = set()
    for row in gaps:
        pair = row["pair"]
        assert pair in PAIRS, f"{pair}: not AAA-BBB of two states in alphabetical order"
        assert pair not in seen, f"{pair}: listed twice"
        seen.add(pair)
        low, high = float(row["low"]), float(row["high"])
        assert -1 <= low < high <= 1, f"{pair}: range {low}..{high}"
        assert row["note"].strip(), pair
        uncovered = [
            m
            for m in SNAPSHOTS
            if pair not in active_ties(ties, m) and pair not in shared_memberships(memberships, m)
        ]
        assert uncovered, f"{pair} is covered at both snapshots, so it is not a gap"


# own words -------------------------------------------------------------------------------
RUN = 6


def source_docs_dir() -> Path:
    configured = os.environ.get("SIM_SOURCE_DOCS")
    return Path(configured) if configured else ROOT.parent / "shared" / "seeds"


def words(text: str) -> list[str]:
    """Lower-case words, punctuation stripped (same rule as tests/test_evidence.py)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"['’‘`]", "", text)
    return re.findall(r"[^\W_]+", text)


def runs(tokens: list[str], n: int = RUN) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


@pytest.fixture(scope="module")
def document_runs() -> set[tuple[str, ...]]:
    folder = source_docs_dir()
    if not folder.is_dir():
        pytest.skip(f"source documents not found at {folder} (set SIM_SOURCE_DOCS)")
    files = [e["file"] for e in yaml.safe_load((SEEDS / "sources.yaml").read_text()).values()]
    missing = [name for name in files if not (folder / name).is_file()]
    assert not missing, f"{folder}: missing documents {missing}"
    out: set[tuple[str, ...]] = set()
    for name in files:
        out |= runs(words((folder / name).read_text(encoding="utf-8")))
    return out


def own_texts(ties, memberships, gaps, sources, expectations) -> list[tuple[str, str]]:
    texts = [(f"tie {r['id']}", r["note"]) for r in ties]
    texts += [(f"membership {r['organisation']} {r['member']}", r["note"]) for r in memberships]
    texts += [(f"gap {r['pair']}", r["note"]) for r in gaps]
    texts += [(f"source {k}", v["note"]) for k, v in sources.items()]
    texts += [
        (f"expectation {e.get('pair', e.get('stronger'))}", e["why"])
        for group in expectations.values()
        for e in group
    ]
    return texts


def test_run_checker_detects_six_copied_words(document_runs):
    folder = source_docs_dir()
    name = yaml.safe_load((SEEDS / "sources.yaml").read_text())["ORF-2024"]["file"]
    tokens = words((folder / name).read_text(encoding="utf-8"))[300:306]
    assert runs(words(" ".join(tokens).title() + ".")) & document_runs
    assert not runs(words(" ".join(tokens[:5])))


def test_notes_are_own_words(ties, memberships, gaps, sources, expectations, document_runs):
    offenders = []
    for where, text in own_texts(ties, memberships, gaps, sources, expectations):
        shared = runs(words(text)) & document_runs
        if shared:
            offenders.append(f"{where}: {' '.join(sorted(shared)[0])!r}")
    assert not offenders, "notes sharing 6+ words with the documents:\n" + "\n".join(offenders)


# expectations ----------------------------------------------------------------------------
def test_expectations_shape(expectations):
    assert len(expectations["sign"]) >= 20
    assert len(expectations["order"]) >= 10
    for e in expectations["sign"]:
        assert e["pair"] in PAIRS, e
        assert str(e["snapshot"]) in SNAPSHOTS, e
        assert e["sign"] in (1, -1), e
        assert e["why"].strip(), e
    for e in expectations["order"]:
        assert e["stronger"] in PAIRS and e["weaker"] in PAIRS, e
        assert e["stronger"] != e["weaker"], e
        assert str(e["snapshot"]) in SNAPSHOTS, e
        assert e["why"].strip(), e


def test_sign_expectations_follow_from_the_ties(ties, memberships, expectations):
    wrong = []
    for e in expectations["sign"]:
        balance = tie_balance(ties, memberships, e["pair"], str(e["snapshot"]))
        if balance * e["sign"] <= 0:
            wrong.append(f"{e['pair']} {e['snapshot']}: expected {e['sign']}, tally {balance}")
    assert not wrong, "\n".join(wrong)


def test_order_expectations_follow_from_the_ties(ties, memberships, expectations):
    wrong = []
    for e in expectations["order"]:
        month = str(e["snapshot"])
        strong = tie_balance(ties, memberships, e["stronger"], month)
        weak = tie_balance(ties, memberships, e["weaker"], month)
        if strong <= weak:
            wrong.append(f"{e['stronger']} ({strong}) not above {e['weaker']} ({weak}) at {month}")
    assert not wrong, "\n".join(wrong)
