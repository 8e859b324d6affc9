"""The evidence base: schema, loading and validation of ``seeds/``.

Files (see ``seeds/README.md``):

* ``sources.yaml``: the five documents and their section keys;
* ``codes.yaml``: the codes an evidence row may name (states, organisations,
  armed groups);
* ``evidence.csv``: one fact a row (columns :data:`COLUMNS`);
* ``capabilities.csv``: economic and military size from named public sources.

A malformed row raises :class:`~sim.errors.EvidenceError` with one line naming
the file, the row id and CSV line, the field and what is allowed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import EvidenceError
from sim.world import read_yaml_file

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"

COLUMNS: tuple[str, ...] = (
    "id",
    "source",
    "section",
    "date",
    "actor",
    "counterpart",
    "arena",
    "kind",
    "concern",
    "sign",
    "strength",
    "value",
    "unit",
    "metric",
    "period",
    "paraphrase",
)
ARENAS: tuple[str, ...] = ("recognition", "trade", "security", "alignment")
CONCERNS: tuple[str, ...] = (
    "terror",
    "trade",
    "norms",
    "rivalry",
    "kin",
    "refugees",
    "water",
    "energy",
)
LADDER_KINDS: tuple[str, ...] = (
    "armed_opposition_support",
    "no_contact",
    "terror_listing",
    "terror_delisting",
    "envoy_contact",
    "technical_mission",
    "embassy_handover",
    "diplomat_accredited",
    "ambassador_accepted",
    "de_jure_recognition",
    "stance_assessment",
)
KINDS: tuple[str, ...] = (
    *LADDER_KINDS,
    "aid",
    "trade_figure",
    "trade_share",
    "project",
    "attack",
    "border_closure",
    "border_reopening",
    "strike",
    "deportation",
    "refugee_figure",
    "security_agreement",
    "military_cooperation",
    "forum_attendance",
    "forum_exclusion",
    "stated_demand",
    "statement",
    "visit",
    "water_dispute",
    "sanction",
    "territorial_control",
    "policy_change",
    "threat_assessment",
    "energy_supply",
    "rivalry",
    "alignment",
)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
_ID = re.compile(r"^E\d{3,5}$")
_METRIC = re.compile(r"^[a-z][a-z0-9_]*[a-zA-Z0-9_]*$")
#: The units an evidence figure may carry and the range a figure in each must lie in
#: (a trade flow of -1e12 or 1e308 US$ million is a typo, not a fact).
UNIT_RANGES: dict[str, tuple[float, float]] = {
    "musd": (0.0, 1e6),  # US$ million (world files cap flows at 1e6)
    "musd_per_year": (0.0, 1e6),
    "busd": (0.0, 1e5),  # US$ billion
    "busd_per_year": (0.0, 1e5),
    "pct": (-100.0, 1000.0),  # per cent, changes included
    "persons": (0.0, 1e10),
    "count": (0.0, 1e7),
    "tonnes": (0.0, 1e10),
    "days": (0.0, 36_600.0),
    "months": (0.0, 1_200.0),
    "years": (0.0, 100.0),
    "mile": (0.0, 25_000.0),
    "km": (0.0, 40_000.0),
    "rank": (1.0, 1_000.0),
    "level": (0.0, 5.0),  # a recognition-ladder level
    "ladder_level": (0.0, 5.0),
}
CAPABILITY_COLUMNS = (
    "code",
    "gdp_busd_2022",
    "military_expenditure_musd_2022",
    "population_millions_2022",
    "gdp_source",
    "military_source",
)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise EvidenceError(f"{path}: file not found")
    data = read_yaml_file(path, EvidenceError)
    if not isinstance(data, dict):
        raise EvidenceError(f"{path}: expected a mapping at top level")
    return data


def load_codes(path: str | Path | None = None) -> dict[str, dict[str, str]]:
    """Codes an evidence row may use: ``{code: {name, type}}``."""
    path = Path(path) if path else SEEDS_DIR / "codes.yaml"
    data = _read_yaml(path)
    for code, entry in data.items():
        if not isinstance(entry, dict) or "name" not in entry or "type" not in entry:
            raise EvidenceError(f"{path}: {code}: expected {{name, type}}")
    return data


def load_sources(path: str | Path | None = None) -> dict[str, set[str]]:
    """``{source id: set of section keys}`` from ``sources.yaml``."""
    path = Path(path) if path else SEEDS_DIR / "sources.yaml"
    data = _read_yaml(path)
    sources: dict[str, set[str]] = {}
    for source, entry in data.items():
        if not isinstance(entry, dict):
            raise EvidenceError(f"{path}: {source}: expected a mapping")
        for required in ("title", "authors", "date", "file"):
            if required not in entry:
                raise EvidenceError(f"{path}: {source}.{required}: missing field")
        sections = set((entry.get("sections") or {}).keys())
        sections |= {str(c.get("key")) for c in entry.get("chapters") or [] if isinstance(c, dict)}
        if not sections:
            raise EvidenceError(f"{path}: {source}: no sections or chapters defined")
        sources[str(source)] = sections
    return sources


def _read_csv(path: Path, expected: str, **options: Any) -> pd.DataFrame:
    """Read a CSV, turning an empty or malformed file into one EvidenceError line."""
    try:
        return pd.read_csv(path, **options)
    except pd.errors.EmptyDataError:
        raise EvidenceError(f"{path}: empty file; expected {expected}") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise EvidenceError(f"{path}: malformed CSV ({' '.join(str(error).split())})") from None


def _blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or str(value).strip() == ""
    )


def load_evidence(
    path: str | Path | None = None,
    sources: dict[str, set[str]] | None = None,
    codes: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Load and validate ``evidence.csv``; return it with typed columns.

    Raises:
        EvidenceError: naming the file, row id (CSV line) and field.
    """
    path = Path(path) if path else SEEDS_DIR / "evidence.csv"
    sources = sources if sources is not None else load_sources()
    codes = codes if codes is not None else load_codes()
    if not path.is_file():
        raise EvidenceError(f"{path}: file not found")
    frame = _read_csv(
        path, f"a header row with columns {', '.join(COLUMNS)}", dtype=str, keep_default_na=False
    )
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise EvidenceError(
            f"{path}: missing column {missing[0]!r}; expected columns {', '.join(COLUMNS)}"
        )
    if frame.empty:
        raise EvidenceError(f"{path}: no evidence rows")
    seen: set[str] = set()
    for position, row in enumerate(frame.itertuples(index=False)):
        record = row._asdict()
        line = position + 2
        row_id = record["id"].strip()

        def fail(field: str, problem: str, row_id: str = row_id, line: int = line) -> EvidenceError:
            return EvidenceError(f"{path}: row {row_id or '?'} (line {line}): {field}: {problem}")

        if not _ID.match(row_id):
            raise fail("id", f"{row_id!r} is not an id like E1001")
        if row_id in seen:
            raise fail("id", "duplicate id")
        seen.add(row_id)
        for field in (
            "source",
            "section",
            "date",
            "actor",
            "arena",
            "kind",
            "sign",
            "strength",
            "paraphrase",
        ):
            if _blank(record[field]):
                raise fail(field, "missing (required)")
        if record["source"] not in sources:
            raise fail(
                "source", f"unknown source {record['source']!r}; known: {', '.join(sources)}"
            )
        if record["section"] not in sources[record["source"]]:
            raise fail(
                "section",
                f"unknown section {record['section']!r} of {record['source']}; known: {', '.join(sorted(sources[record['source']]))}",
            )
        match = _DATE.match(record["date"].strip())
        if (
            not match
            or (match.group(2) and not 1 <= int(match.group(2)) <= 12)
            or not 1900 <= int(match.group(1)) <= 2024
        ):
            raise fail("date", f"{record['date']!r} is not YYYY-MM or YYYY within 1900..2024")
        if record["date"].strip() == "2024":
            raise fail(
                "date", "'2024' without a month may fall after the cut-off 2024-03; give YYYY-MM"
            )
        if record["date"].strip() > "2024-03" and len(record["date"].strip()) == 7:
            raise fail("date", f"{record['date']} is after the evidence cut-off 2024-03")
        for field in ("actor", "counterpart"):
            code = record[field].strip()
            if code and code not in codes:
                raise fail(field, f"unknown code {code!r}; see seeds/codes.yaml")
        if record["arena"] not in ARENAS:
            raise fail("arena", f"unknown arena {record['arena']!r}; allowed: {', '.join(ARENAS)}")
        if record["kind"] not in KINDS:
            raise fail("kind", f"unknown kind {record['kind']!r}; allowed: {', '.join(KINDS)}")
        if record["concern"] and record["concern"] not in CONCERNS:
            raise fail(
                "concern", f"unknown concern {record['concern']!r}; allowed: {', '.join(CONCERNS)}"
            )
        if record["sign"].strip() not in {"-1", "0", "1"}:
            raise fail("sign", f"{record['sign']!r}; allowed: -1, 0, 1")
        if record["strength"].strip() not in {"1", "2", "3"}:
            raise fail("strength", f"{record['strength']!r}; allowed: 1, 2, 3")
        value = record["value"].strip()
        if value:
            try:
                number = float(value)
            except ValueError:
                raise fail("value", f"{value!r} is not a number") from None
            if math.isnan(number) or math.isinf(number):
                raise fail("value", f"{value!r} is not a finite number")
            unit = record["unit"].strip()
            if not unit:
                raise fail("unit", "a value needs a unit")
            if unit not in UNIT_RANGES:
                raise fail("unit", f"unknown unit {unit!r}; known: {', '.join(UNIT_RANGES)}")
        if record["metric"] and not _METRIC.match(record["metric"]):
            raise fail("metric", f"{record['metric']!r} is not a snake_case name")
        if record["kind"] in LADDER_KINDS:
            if record["counterpart"] != "AFG":
                raise fail("counterpart", f"a {record['kind']} fact needs counterpart AFG")
            if codes.get(record["actor"], {}).get("type") != "state":
                raise fail("actor", f"a {record['kind']} fact needs a state as actor")
        if record["kind"] == "stance_assessment" and value not in {str(k) for k in range(6)} | {
            f"{k}.0" for k in range(6)
        }:
            raise fail("value", "a stance_assessment needs a ladder level 0..5")
        if value:
            low, high = UNIT_RANGES[unit]
            if not low <= number <= high:
                raise fail(
                    "value", f"{value} {unit} is outside the plausible range [{low:g}, {high:g}]"
                )
    typed = frame.copy()
    typed["sign"] = typed["sign"].astype(int)
    typed["strength"] = typed["strength"].astype(int)
    typed["value"] = pd.to_numeric(typed["value"].replace("", None), errors="coerce").astype(float)
    for column in ("counterpart", "concern", "unit", "metric", "period"):
        typed[column] = typed[column].replace("", None)
    return typed


def load_capabilities(path: str | Path | None = None) -> pd.DataFrame:
    """``capabilities.csv``: GDP (US$ bn) and military expenditure (US$ m), 2022."""
    path = Path(path) if path else SEEDS_DIR / "capabilities.csv"
    if not path.is_file():
        raise EvidenceError(f"{path}: file not found")
    frame = _read_csv(path, f"columns {', '.join(CAPABILITY_COLUMNS)}", dtype={"code": str})
    missing = [c for c in CAPABILITY_COLUMNS if c not in frame.columns]
    if missing:
        raise EvidenceError(f"{path}: missing column {missing[0]!r}")
    for position, row in frame.iterrows():
        for column in ("gdp_busd_2022",):
            value = pd.to_numeric(row[column], errors="coerce")
            if pd.isna(value) or not math.isfinite(value) or value <= 0:
                raise EvidenceError(
                    f"{path}: row {row['code']} (line {position + 2}): {column}: expected a positive number"
                )
        military = row["military_expenditure_musd_2022"]
        if not _blank(military):
            number = pd.to_numeric(military, errors="coerce")
            if pd.isna(number) or not math.isfinite(number) or number <= 0:
                raise EvidenceError(
                    f"{path}: row {row['code']} (line {position + 2}): military_expenditure_musd_2022: "
                    "expected a positive number or empty"
                )
        if _blank(row["gdp_source"]):
            raise EvidenceError(
                f"{path}: row {row['code']} (line {position + 2}): gdp_source: missing"
            )
    return frame


# ----------------------------------------------------------------------------------
# Structural relations: bilateral ties, memberships, gaps (seeds/README.md)
# ----------------------------------------------------------------------------------
TIE_COLUMNS: tuple[str, ...] = (
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
MEMBERSHIP_COLUMNS: tuple[str, ...] = ("organisation", "member", "joined", "left", "source", "note")
GAP_COLUMNS: tuple[str, ...] = ("pair", "low", "high", "note")
#: Kinds of structural tie (seeds/README.md, "Structural relations").
TIE_KINDS: tuple[str, ...] = (
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
)
#: Organisations whose shared membership counts toward a structural relation.
ORGANISATIONS: tuple[str, ...] = (
    "SCO",
    "CSTO",
    "EAEU",
    "CIS",
    "CIS_ASSOC",
    "QUAD",
    "BRICS",
    "OTS",
    "C5_PLUS_1",
    "CASPIAN_CONVENTION",
)
_MONTH_DATE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
CUTOFF = "2024-03"


def _check_month(value: Any, where: str, optional: bool = False) -> str | None:
    if _blank(value):
        if optional:
            return None
        raise EvidenceError(f"{where}: missing date")
    text = str(value).strip()
    if not _MONTH_DATE.match(text):
        raise EvidenceError(f"{where}: expected a month YYYY-MM, got {text!r}")
    if text > CUTOFF:
        raise EvidenceError(f"{where}: {text} is after the evidence cut-off {CUTOFF}")
    return text


def _structural_frame(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise EvidenceError(f"{path}: file not found")
    frame = _read_csv(path, f"columns {', '.join(columns)}", dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise EvidenceError(f"{path}: missing column {missing[0]!r}")
    return frame


def load_structural_ties(path: str | Path | None = None) -> pd.DataFrame:
    """``structural_ties.csv``: lasting bilateral facts, typed (``end`` None if open).

    Raises:
        EvidenceError: naming the file, row id (CSV line) and field.
    """
    path = Path(path) if path else SEEDS_DIR / "structural_ties.csv"
    frame = _structural_frame(path, TIE_COLUMNS)
    seen: set[str] = set()
    rows = []
    for position, row in enumerate(frame.itertuples(index=False)):
        where = f"{path}: row {row.id} (line {position + 2})"
        if row.id in seen or not re.match(r"^S\d{3,4}$", row.id):
            raise EvidenceError(f"{where}: id: expected a unique S### id")
        seen.add(row.id)
        if row.kind not in TIE_KINDS:
            raise EvidenceError(f"{where}: kind {row.kind!r}: allowed: {', '.join(TIE_KINDS)}")
        if row.sign not in {"1", "-1"} or row.strength not in {"1", "2", "3"}:
            raise EvidenceError(f"{where}: sign must be 1 or -1 and strength 1, 2 or 3")
        start = _check_month(row.start, f"{where}: start")
        end = _check_month(row.end, f"{where}: end", optional=True)
        if end is not None and end < start:
            raise EvidenceError(f"{where}: end {end} is before start {start}")
        if _blank(row.source):
            raise EvidenceError(f"{where}: source: missing")
        rows.append(
            (
                row.id,
                row.actor,
                row.counterpart,
                row.kind,
                int(row.sign),
                int(row.strength),
                start,
                end,
                row.source,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "actor",
            "counterpart",
            "kind",
            "sign",
            "strength",
            "start",
            "end",
            "source",
        ],
    )


def load_memberships(path: str | Path | None = None) -> pd.DataFrame:
    """``memberships.csv``: who belongs to which organisation, from when to when."""
    path = Path(path) if path else SEEDS_DIR / "memberships.csv"
    frame = _structural_frame(path, MEMBERSHIP_COLUMNS)
    rows = []
    for position, row in enumerate(frame.itertuples(index=False)):
        where = f"{path}: line {position + 2}"
        if row.organisation not in ORGANISATIONS:
            raise EvidenceError(
                f"{where}: organisation {row.organisation!r}: allowed: {', '.join(ORGANISATIONS)}"
            )
        joined = _check_month(row.joined, f"{where}: joined")
        left = _check_month(row.left, f"{where}: left", optional=True)
        rows.append((row.organisation, row.member, joined, left, row.source))
    return pd.DataFrame(rows, columns=["organisation", "member", "joined", "left", "source"])


def load_structure_gaps(path: str | Path | None = None) -> pd.DataFrame:
    """``structural_gaps.csv``: pairs with no structural fact, and their labelled range."""
    path = Path(path) if path else SEEDS_DIR / "structural_gaps.csv"
    frame = _structural_frame(path, GAP_COLUMNS)
    rows = []
    for position, row in enumerate(frame.itertuples(index=False)):
        where = f"{path}: line {position + 2}"
        try:
            low, high = float(row.low), float(row.high)
        except ValueError:
            raise EvidenceError(f"{where}: low and high must be numbers") from None
        if not (-1 <= low <= 0 <= high <= 1):
            raise EvidenceError(f"{where}: expected -1 <= low <= 0 <= high <= 1")
        rows.append((row.pair, low, high))
    return pd.DataFrame(rows, columns=["pair", "low", "high"])


LISTING_COLUMNS: tuple[str, ...] = ("state", "listed", "delisted", "source", "note")


def load_terror_listings(path: str | Path | None = None) -> pd.DataFrame:
    """``terror_listings.csv``: which states list the Taliban as terrorist, from when to when.

    A listing is a precondition on the ladder: a listed state cannot accept an ambassador
    without delisting first (:mod:`sim.arenas.recognition`).
    """
    path = Path(path) if path else SEEDS_DIR / "terror_listings.csv"
    frame = _structural_frame(path, LISTING_COLUMNS)
    rows = []
    for position, row in enumerate(frame.itertuples(index=False)):
        where = f"{path}: line {position + 2}"
        listed = _check_month(row.listed, f"{where}: listed")
        delisted = _check_month(row.delisted, f"{where}: delisted", optional=True)
        if delisted is not None and delisted < listed:
            raise EvidenceError(f"{where}: delisted {delisted} is before listed {listed}")
        if _blank(row.source):
            raise EvidenceError(f"{where}: source: missing")
        rows.append((row.state, listed, delisted, row.source))
    return pd.DataFrame(rows, columns=["state", "listed", "delisted", "source"])


@dataclass(frozen=True)
class EvidenceBase:
    """Everything in ``seeds/`` the calibration reads, loaded and validated.

    Attributes:
        facts: ``evidence.csv`` (:func:`load_evidence`).
        capabilities: ``capabilities.csv``.
        ties: ``structural_ties.csv``; memberships: ``memberships.csv``;
        gaps: ``structural_gaps.csv``; listings: ``terror_listings.csv``.
    """

    facts: pd.DataFrame
    capabilities: pd.DataFrame
    ties: pd.DataFrame
    memberships: pd.DataFrame
    gaps: pd.DataFrame
    listings: pd.DataFrame


def load_evidence_base(directory: str | Path | None = None) -> EvidenceBase:
    """Load every file of the evidence base from ``directory`` (default ``seeds/``)."""
    folder = Path(directory) if directory else SEEDS_DIR
    return EvidenceBase(
        facts=load_evidence(folder / "evidence.csv"),
        capabilities=load_capabilities(folder / "capabilities.csv"),
        ties=load_structural_ties(folder / "structural_ties.csv"),
        memberships=load_memberships(folder / "memberships.csv"),
        gaps=load_structure_gaps(folder / "structural_gaps.csv"),
        listings=load_terror_listings(folder / "terror_listings.csv"),
    )
