"""Calibration: a pure function from the evidence base to world parameters.

``calibrate(base, structure, date)`` turns the evidence base in ``seeds/`` (the facts
in ``evidence.csv``, the structural ties and memberships, capabilities: see
``seeds/README.md``) into every number of the
Afghanistan world at a snapshot date, and records for each parameter the
evidence ids and the method that produced it.  Choices no document fixes are
labelled as modelling choices with a plausible range.

Methods (each parameter's ``method`` field names one):

* ``capability``: ``1 + log10(c / c_max) / decades`` (floor 0.01) of the composite
  ``c = 0.5 x GDP share + 0.5 x military-expenditure share`` of the largest actor
  (World Bank WDI / SIPRI, 2022; ``seeds/capabilities.csv``): power projected in
  a region grows with size, but far less than linearly;
* traits versus positions: concern weights, demands, which groups target whom
  and the Emirate's ties to groups are *traits*, read from the whole evidence
  base (to its March 2024 cut-off); ladder levels, affinities, group strength
  and the Emirate's levers are *positions*, read from facts dated on or before
  the snapshot;
* ``salience``: strength-weighted count of the actor's facts tagged with each
  concern, plus a pseudo-count (modelling choice), normalised to sum 1;
* ``ladder``: the strength-weighted mean of the levels implied by the ladder
  facts dated within ``ladder_window_months`` before the latest one on or before
  the snapshot, rounded half up (conflicting assessments are averaged, not
  cherry-picked); year-only dates count as June;
* ``affinity``: ``sum(w x sign x strength / 3) / (sum(w) + prior)`` over the
  facts linking the pair dated on or before the snapshot, with recency weight
  ``w = strength x exp(-age / tau)``: a shrunk mean in (-1, 1); pairs with no
  fact start neutral (0, a modelling choice);
* ``trade-table``: the ORF table of Afghanistan's imports and exports by
  partner (Apr 2022 - Apr 2023, US$ million a year); partners absent from it
  take other documented figures, else 0;
* ``demand``: strength-weighted stated demands on the Emirate, capped at 1;
* ``exposure``: strength- and recency-weighted threat and attack facts naming
  a group and a target, capped at 1; group strength from the group's facts;
* ``emirate-stance``: mean signed strength of facts linking the Emirate and a group.

Run ``python -m sim.calibration --report`` for the full table.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.dates import month_number, parse_month
from sim.errors import ConfigError, UserError, WorldError
from sim.evidence import CUTOFF, EvidenceBase
from sim.ladder import MAX_LEVEL
from sim.world import (
    CONCERNS,
    LEVERS,
    OBJECTIVES,
    World,
    latent,
    read_world_file,
    world_from_mapping,
)

#: Ladder level implied by each recognition-ladder kind (see :mod:`sim.ladder`).
LADDER_LEVELS: dict[str, int] = {
    "armed_opposition_support": 0,
    "no_contact": 1,
    "terror_listing": 1,
    "terror_delisting": 2,
    "envoy_contact": 2,
    "technical_mission": 2,
    "embassy_handover": 3,
    "diplomat_accredited": 3,
    "ambassador_accepted": 4,
    "de_jure_recognition": 5,
}


@dataclass(frozen=True)
class ModellingChoice:
    """A calibration constant no document fixes: value and plausible range."""

    value: float
    low: float
    high: float
    meaning: str


#: Calibration constants (all labelled modelling choices).
CHOICES: dict[str, ModellingChoice] = {
    "capability_decades": ModellingChoice(
        4.0, 3.0, 6.0, "orders of magnitude of economic-military size mapped onto capability 0..1"
    ),
    "salience_pseudocount": ModellingChoice(0.5, 0.0, 2.0, "pseudo-count added to each concern"),
    "affinity_scale": ModellingChoice(
        2.0, 0.5, 6.0, "neutral prior weight shrinking affinities toward 0"
    ),
    "ladder_window_months": ModellingChoice(
        6.0, 1.0, 12.0, "months of ladder facts averaged at a snapshot"
    ),
    "recency_years": ModellingChoice(
        2.5, 1.0, 6.0, "e-folding age of evidence for affinities (years)"
    ),
    "exposure_scale": ModellingChoice(
        4.0, 1.0, 10.0, "evidence mass giving full exposure to a group"
    ),
    "strength_floor": ModellingChoice(0.15, 0.05, 0.4, "strength of a group with one fact"),
    "structural_scale": ModellingChoice(
        2.0, 1.0, 4.0, "latent scale of structural ties: structure = tanh(sum of ties / scale)"
    ),
}

#: Weight of one structural tie of each kind at strength 3 (a defining fact), before
#: its sign (seeds/structural_ties.csv); modelling choices with ranges.
TIE_WEIGHTS: dict[str, ModellingChoice] = {
    "alliance": ModellingChoice(1.0, 0.6, 1.5, "mutual defence treaty"),
    "strategic_partnership": ModellingChoice(0.7, 0.4, 1.0, "declared strategic partnership"),
    "security_cooperation": ModellingChoice(0.5, 0.2, 0.8, "bases, arms, exercises"),
    "economic_dependence": ModellingChoice(0.4, 0.1, 0.7, "corridor, creditor, main market"),
    "kinship": ModellingChoice(0.3, 0.1, 0.6, "co-ethnics across the border"),
    "sanctions": ModellingChoice(0.7, 0.3, 1.0, "one sanctions the other"),
    "militarised_dispute": ModellingChoice(1.0, 0.6, 1.5, "border clashes, strikes, standoffs"),
    "territorial_dispute": ModellingChoice(0.6, 0.3, 1.0, "contested territory or border"),
    "rivalry": ModellingChoice(0.8, 0.4, 1.2, "documented strategic rivalry"),
    "water_dispute": ModellingChoice(0.4, 0.1, 0.7, "shared-water dispute"),
    "diplomatic_rupture": ModellingChoice(0.6, 0.3, 1.0, "no relations, recognition withheld"),
    "proxy_support": ModellingChoice(0.8, 0.4, 1.2, "backing armed groups against the other"),
}
#: Weight of sharing each organisation (seeds/memberships.csv); modelling choices.
ORGANISATION_WEIGHTS: dict[str, ModellingChoice] = {
    "CSTO": ModellingChoice(0.5, 0.2, 0.8, "collective-defence treaty"),
    "EAEU": ModellingChoice(0.3, 0.1, 0.5, "customs and economic union"),
    "QUAD": ModellingChoice(0.4, 0.2, 0.7, "security dialogue of four democracies"),
    "OTS": ModellingChoice(0.25, 0.1, 0.4, "Organization of Turkic States"),
    "SCO": ModellingChoice(0.15, 0.0, 0.3, "broad security and economic forum"),
    "CIS": ModellingChoice(0.15, 0.0, 0.3, "post-Soviet commonwealth"),
    "BRICS": ModellingChoice(0.1, 0.0, 0.2, "economic grouping"),
    "C5_PLUS_1": ModellingChoice(0.1, 0.0, 0.2, "US-Central Asia dialogue format"),
    "CASPIAN_CONVENTION": ModellingChoice(0.1, 0.0, 0.2, "Caspian Sea legal status convention"),
    "CIS_ASSOC": ModellingChoice(0.05, 0.0, 0.1, "associate status in the CIS"),
}


@dataclass(frozen=True)
class ParameterRecord:
    """Provenance of one calibrated parameter."""

    name: str
    value: float
    evidence: tuple[str, ...]
    method: str
    modelling_choice: bool = False
    low: float | None = None
    high: float | None = None


@dataclass
class Calibration:
    """A calibrated world and the provenance of each of its numbers."""

    world: World
    records: list[ParameterRecord] = field(default_factory=list)

    def report(self) -> pd.DataFrame:
        """Table: parameter, value, evidence ids, method, modelling choice, range."""
        return pd.DataFrame(
            {
                "parameter": [r.name for r in self.records],
                "value": [round(r.value, 4) for r in self.records],
                "evidence": [";".join(r.evidence) for r in self.records],
                "method": [r.method for r in self.records],
                "modelling_choice": [r.modelling_choice for r in self.records],
                "range": ["" if r.low is None else f"[{r.low}, {r.high}]" for r in self.records],
            }
        )


# ----------------------------------------------------------------------------------
def _month_of(date: str) -> int:
    """Month number of a ``YYYY-MM`` or ``YYYY`` date (year-only dates count as June)."""
    text = str(date)
    return month_number(text if "-" in text else f"{text}-06")


def _require_structure(structure: dict[str, Any], source: str) -> dict[str, Any]:
    needed = (
        "target",
        "actors",
        "threat_groups",
        "borders_target",
        "transit_capacity",
        "group_sanctuary",
        "emirate",
    )
    for key in needed:
        if key not in structure:
            raise WorldError(f"{source}: {key}: missing field")
    return structure


class _Builder:
    """Accumulates parameters and their provenance."""

    def __init__(self) -> None:
        self.records: list[ParameterRecord] = []

    def evidence(self, name: str, value: float, ids: list[str] | pd.Series, method: str) -> float:
        ids = tuple(sorted(set(map(str, ids))))
        self.records.append(ParameterRecord(name, float(value), ids, method))
        return float(value)

    def choice(self, name: str, value: float, low: float, high: float, method: str) -> float:
        self.records.append(
            ParameterRecord(
                name, float(value), (), method, modelling_choice=True, low=low, high=high
            )
        )
        return float(value)


@dataclass
class _Inputs:
    """What every calibration step reads: the world's codes and the evidence at a date.

    Attributes:
        facts: evidence dated on or before the snapshot, with a recency ``weight``
            (positions: ladder levels, affinities, group strength, the Emirate's levers).
        traits: all evidence to the base's cut-off, ``weight`` = strength (traits:
            concern weights, demands, who a group targets, the Emirate's ties to
            groups; a 2023 account reveals preferences that already held in 2021).
    """

    structure: dict[str, Any]
    source: str
    date: str
    codes: tuple[str, ...]
    groups: tuple[str, ...]
    target_code: str
    facts: pd.DataFrame
    traits: pd.DataFrame
    evidence: pd.DataFrame

    @property
    def target(self) -> int:
        return self.codes.index(self.target_code)

    @classmethod
    def read(
        cls, evidence: pd.DataFrame, structure: dict[str, Any], date: str, source: str
    ) -> _Inputs:
        codes = tuple(structure["actors"])
        target_code = structure["target"]
        if target_code not in codes:
            raise WorldError(f"{source}: target: {target_code!r} is not among the actors")
        snapshot = month_number(parse_month(date, "start"))
        facts = evidence[evidence["date"].map(_month_of) <= snapshot].copy()
        age_years = (snapshot - facts["date"].map(_month_of)) / 12.0
        facts["weight"] = facts["strength"] * np.exp(-age_years / CHOICES["recency_years"].value)
        traits = evidence.copy()
        traits["weight"] = traits["strength"].astype(float)
        return cls(
            structure=structure,
            source=source,
            date=parse_month(date, "start"),
            codes=codes,
            groups=tuple(structure["threat_groups"]),
            target_code=target_code,
            facts=facts,
            traits=traits,
            evidence=evidence,
        )


def calibrate(
    base: EvidenceBase,
    structure: dict[str, Any],
    date: str,
    source: str = "world",
) -> Calibration:
    """Derive the world at ``date`` from evidence (pure: no I/O, no randomness).

    Each step below reads the evidence and fills its part of a world-file mapping
    (the schema of :func:`sim.world.world_from_mapping`), recording where every
    number came from; the mapping then becomes a World in the one place worlds are
    built.

    Args:
        base: the validated evidence base (:func:`sim.evidence.load_evidence_base`).
        structure: the world file's structural part (actors, target, groups,
            borders, transit capacities, sanctuaries, Emirate choices).
        date: snapshot month ``YYYY-MM``.
    """
    structure = _require_structure(structure, source)
    inputs = _Inputs.read(base.facts, structure, date, source)
    build = _Builder()
    actors: dict[str, dict[str, Any]] = {
        code: {"name": str((structure.get("names") or {}).get(code, code))} for code in inputs.codes
    }
    groups: dict[str, dict[str, Any]] = {group: {} for group in inputs.groups}
    mapping: dict[str, Any] = {
        "name": str(structure.get("name", "afghanistan")),
        "target": inputs.target_code,
        "start": inputs.date,
        "target_since": structure.get("target_since"),
        "actors": actors,
        "threat_groups": groups,
    }
    _capability(inputs, base.capabilities, actors, build)
    _salience(inputs, actors, build)
    _ladder(inputs, actors, build)
    mapping["structure"] = _structure(inputs, base, build)
    mapping["structure_steps"] = _structure_steps(inputs, base)
    mapping["affinity"] = _affinity(inputs, mapping["structure"], build)
    _trade(inputs, actors, build)
    _demands(inputs, actors, build)
    _listings(inputs, base, actors, build)
    _coercion(inputs, actors, build)
    _threat_groups(inputs, groups, build)
    _routes_and_sanctuary(inputs, actors, groups, build)
    mapping["emirate"] = _emirate(inputs, groups, build)
    for name, spec in CHOICES.items():
        build.choice(f"calibration.{name}", spec.value, spec.low, spec.high, spec.meaning)
    for table, weights in (("tie", TIE_WEIGHTS), ("organisation", ORGANISATION_WEIGHTS)):
        for name, spec in weights.items():
            build.choice(
                f"calibration.{table}_weight.{name}", spec.value, spec.low, spec.high, spec.meaning
            )
    world = world_from_mapping(mapping, source, name=mapping["name"])
    world = world.replace(provenance={r.name: (r.evidence, r.method) for r in build.records})
    return Calibration(world=world, records=build.records)


def _capability(inputs: _Inputs, capabilities: pd.DataFrame, actors: dict, build: _Builder) -> None:
    """``capability``: log-scaled composite of GDP and military-expenditure shares."""
    codes = inputs.codes
    caps = capabilities.set_index("code")
    missing = [c for c in codes if c not in caps.index]
    if missing:
        raise WorldError(
            f"{inputs.source}: actors: no capability figures for {missing} in "
            "seeds/capabilities.csv"
        )
    gdp = caps.loc[list(codes), "gdp_busd_2022"].astype(float).to_numpy()
    milex = caps.loc[list(codes), "military_expenditure_musd_2022"].astype(float).to_numpy()
    gdp_share = gdp / np.nanmax(gdp)
    milex_share = np.where(np.isnan(milex), gdp_share, milex / np.nanmax(milex))
    composite = 0.5 * gdp_share + 0.5 * milex_share
    decades = CHOICES["capability_decades"].value
    capability = np.clip(1.0 + np.log10(composite / composite.max()) / decades, 0.01, 1.0)
    for i, code in enumerate(codes):
        actors[code]["capability"] = build.evidence(
            f"capability.{code}",
            capability[i],
            [f"capabilities:{code}"],
            "capability: log-scaled (0.5 GDP share + 0.5 military expenditure share), WDI/SIPRI 2022",
        )


def _salience(inputs: _Inputs, actors: dict, build: _Builder) -> None:
    """``salience``: strength-weighted concern counts plus a pseudo-count (traits).

    The mapping carries the raw weights; the world builder normalises each row.
    """
    pseudo = CHOICES["salience_pseudocount"].value
    traits = inputs.traits
    for i, code in enumerate(inputs.codes):
        if i == inputs.target:
            continue
        own = traits[(traits["actor"] == code) & traits["concern"].isin(CONCERNS)]
        raw = np.array(
            [own[own["concern"] == concern]["strength"].sum() + pseudo for concern in CONCERNS]
        )
        normalised = raw / raw.sum()
        for k, concern in enumerate(CONCERNS):
            rows = own[own["concern"] == concern]
            name = f"salience.{code}.{concern}"
            if rows.empty:
                build.choice(
                    name,
                    normalised[k],
                    0.0,
                    max(normalised[k], 2.0 / (own["strength"].sum() + 14)),
                    "salience: no fact for this concern (pseudo-count only)",
                )
            else:
                build.evidence(
                    name,
                    normalised[k],
                    rows["id"],
                    "salience: strength-weighted concern counts + pseudo-count, normalised",
                )
        actors[code]["salience"] = {c: float(raw[k]) for k, c in enumerate(CONCERNS)}


def _ladder(inputs: _Inputs, actors: dict, build: _Builder) -> None:
    """``ladder``: strength-weighted mean level of recent ladder facts, rounded half up."""
    facts = inputs.facts
    ladder = facts[
        (facts["counterpart"] == inputs.target_code)
        & (facts["kind"].isin(LADDER_LEVELS) | (facts["kind"] == "stance_assessment"))
    ].copy()
    ladder["level"] = np.where(
        ladder["kind"] == "stance_assessment",
        ladder["value"],
        ladder["kind"].map(LADDER_LEVELS),
    )
    ladder["month"] = ladder["date"].map(_month_of)
    window = CHOICES["ladder_window_months"].value
    for i, code in enumerate(inputs.codes):
        if i == inputs.target:
            continue
        rows = ladder[ladder["actor"] == code]
        if rows.empty:
            raise WorldError(
                f"{inputs.source}: actors.{code}: no recognition-ladder evidence on or before "
                f"{inputs.date}"
            )
        recent = rows[rows["month"] > rows["month"].max() - window]
        mean_level = float((recent["level"] * recent["strength"]).sum() / recent["strength"].sum())
        level = int(np.clip(math.floor(mean_level + 0.5), 0, MAX_LEVEL))
        build.evidence(
            f"recognition.{code}",
            level,
            recent["id"],
            "ladder: strength-weighted mean level of the ladder facts in the window before the latest",
        )
        actors[code]["recognition"] = level


def _active(frame: pd.DataFrame, start: str, end: str, date: str) -> pd.DataFrame:
    """Rows holding at ``date``: begun on or before it, not ended by it."""
    return frame[(frame[start] <= date) & (frame[end].isna() | (frame[end] > date))]


def structural_relations(
    codes: tuple[str, ...], base: EvidenceBase, date: str
) -> dict[str, tuple[float, tuple[str, ...]]]:
    """``{"A-B": (structure in (-1, 1), evidence)}`` of every pair with a structural fact
    holding at ``date``: ``tanh(sum(weight x sign x strength / 3) + shared
    organisations' weights) / structural_scale)``."""
    ties = _active(base.ties, "start", "end", date)
    members = _active(base.memberships, "joined", "left", date)
    groups = members.groupby("member")["organisation"].apply(set).to_dict()
    scale = CHOICES["structural_scale"].value
    out = {}
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            rows = ties[
                ((ties["actor"] == a) & (ties["counterpart"] == b))
                | ((ties["actor"] == b) & (ties["counterpart"] == a))
            ]
            shared = sorted(groups.get(a, set()) & groups.get(b, set()))
            if rows.empty and not shared:
                continue
            raw = sum(
                TIE_WEIGHTS[kind].value * sign * strength / 3.0
                for kind, sign, strength in zip(
                    rows["kind"], rows["sign"], rows["strength"], strict=True
                )
            ) + sum(ORGANISATION_WEIGHTS[name].value for name in shared)
            evidence = (*rows["id"], *(f"membership:{name}" for name in shared))
            out[f"{a}-{b}"] = (float(np.tanh(raw / scale)), evidence)
    return out


def _structure(inputs: _Inputs, base: EvidenceBase, build: _Builder) -> dict[str, float]:
    """``structure``: the slow relation of every pair from its structural facts."""
    relations = structural_relations(inputs.codes, base, inputs.date)
    gaps = base.gaps.set_index("pair")
    out = {}
    codes = inputs.codes
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            pair = f"{a}-{b}"
            if pair in relations:
                value, evidence = relations[pair]
                out[pair] = build.evidence(
                    f"structure.{pair}",
                    value,
                    list(evidence),
                    "structure: tanh(weighted structural ties + shared organisations) / scale)",
                )
                continue
            key = "-".join(sorted((a, b)))
            low, high = (
                (gaps.loc[key, "low"], gaps.loc[key, "high"])
                if key in gaps.index
                else (
                    -0.2,
                    0.2,
                )
            )
            build.choice(f"structure.{pair}", 0.0, low, high, "structure: no structural fact")
    return out


def _structure_steps(inputs: _Inputs, base: EvidenceBase) -> list[dict[str, Any]]:
    """Documented structural change after the snapshot, up to the evidence cut-off."""
    dates = {
        str(d)
        for column, frame in (("start", base.ties), ("end", base.ties))
        for d in frame[column].dropna()
    } | {str(d) for column in ("joined", "left") for d in base.memberships[column].dropna()}
    steps = []
    previous = None
    for date in sorted(d for d in dates if inputs.date < d <= CUTOFF):
        relations = structural_relations(inputs.codes, base, date)
        values = {pair: value for pair, (value, _) in relations.items()}
        if values != previous:
            steps.append({"date": date, "structure": values})
            previous = values
    return steps


def _affinity(inputs: _Inputs, structure: dict[str, float], build: _Builder) -> dict[str, float]:
    """``affinity``: the starting relation, the structure plus the documents' reading.

    The documents' reading of a pair at the snapshot is the recency-weighted signed
    strength of the facts linking it, shrunk toward 0 (``d`` in (-1, 1)); the
    starting affinity is ``tanh(arctanh(structure) + arctanh(d))``: its fast part.
    """
    scale = CHOICES["affinity_scale"].value
    codes, facts = inputs.codes, inputs.facts
    pairs: dict[str, float] = {}
    linked = facts[
        facts["actor"].isin(codes) & facts["counterpart"].isin(codes) & (facts["sign"] != 0)
    ]
    for i in range(len(codes)):
        for j in range(i + 1, len(codes)):
            a, b = codes[i], codes[j]
            pair = f"{a}-{b}"
            rows = linked[
                ((linked["actor"] == a) & (linked["counterpart"] == b))
                | ((linked["actor"] == b) & (linked["counterpart"] == a))
            ]
            base_value = structure.get(pair, 0.0)
            if rows.empty:
                if pair in structure:
                    pairs[pair] = base_value
                    continue
                build.choice(
                    f"affinity.{pair}", 0.0, -0.2, 0.2, "affinity: no evidence, neutral start"
                )
                continue
            signed = float((rows["sign"] * rows["weight"] * rows["strength"] / 3.0).sum())
            reading = signed / (float(rows["weight"].sum()) + scale)
            value = float(np.tanh(latent(np.array(base_value)) + np.arctanh(reading)))
            pairs[pair] = build.evidence(
                f"affinity.{pair}",
                value,
                rows["id"],
                "affinity: tanh(arctanh(structure) + arctanh(documents' recency-weighted "
                "reading / (weight + prior)))",
            )
    return pairs


def _trade(inputs: _Inputs, actors: dict, build: _Builder) -> None:
    """``trade-table``: the ORF table of Afghanistan's trade by partner."""
    evidence = inputs.evidence
    for metric, key, label in (
        ("afg_import_musd", "imports_musd", "imports"),
        ("afg_export_musd", "exports_musd", "exports"),
    ):
        table = evidence[evidence["metric"] == metric]
        for i, code in enumerate(inputs.codes):
            if i == inputs.target:
                continue
            rows = table[table["actor"] == code]
            if rows.empty:
                actors[code][key] = build.choice(
                    f"trade.{label}.{code}",
                    0.0,
                    0.0,
                    50.0,
                    "trade-table: partner not in the ORF table (below its smallest entry)",
                )
                continue
            actors[code][key] = build.evidence(
                f"trade.{label}.{code}",
                float(rows["value"].iloc[0]),
                rows["id"],
                "trade-table: ORF table Apr 2022-Apr 2023, US$ million/year (the only bilateral "
                "table; it also sets the 2021-08 start, a modelling choice)",
            )


#: Stated-demand metrics (seeds/README.md) -> the demand they express.
DEMAND_METRICS: dict[str, str] = {
    "inclusivity": "inclusiv|women|girls",
    "border": "^demand_border$",
    "water": "^demand_water$",
    "refugees": "^demand_refugees$",
}


def _demands(inputs: _Inputs, actors: dict, build: _Builder) -> None:
    """``demand``: strength-weighted stated demands on the Emirate, capped at 1 (traits)."""
    traits = inputs.traits
    demands = traits[(traits["kind"] == "stated_demand") & traits["metric"].notna()]
    for code in inputs.codes:
        own = demands[demands["actor"] == code]
        node: dict[str, Any] = {}
        for name, pattern in DEMAND_METRICS.items():
            rows = own[own["metric"].str.contains(pattern, regex=True)]
            node[name] = float(min(1.0, rows["strength"].sum() / 3.0))
            if rows.empty:
                build.choice(f"demand.{name}.{code}", 0.0, 0.0, 0.0, "demand: none on record")
            else:
                build.evidence(
                    f"demand.{name}.{code}",
                    node[name],
                    rows["id"],
                    "demand: stated demands / 3, capped",
                )
        counterterror = {}
        for group in inputs.groups:
            rows = own[own["metric"].str.upper().str.endswith(f"CT_{group}")]
            counterterror[group] = min(1.0, rows["strength"].sum() / 3.0)
            if not rows.empty:
                build.evidence(
                    f"demand.counterterror.{code}.{group}",
                    counterterror[group],
                    rows["id"],
                    "demand: stated demands / 3, capped",
                )
        actors[code]["demands"] = {**node, "counterterror": counterterror}


def _listings(inputs: _Inputs, base: EvidenceBase, actors: dict, build: _Builder) -> None:
    """``listing``: whether a state lists the Emirate as terrorist at the snapshot."""
    active = _active(base.listings, "listed", "delisted", inputs.date)
    for i, code in enumerate(inputs.codes):
        if i == inputs.target:
            continue
        rows = base.listings[base.listings["state"] == code]
        listed = code in set(active["state"])
        actors[code]["terror_listed"] = listed
        if rows.empty:
            build.choice(f"listing.{code}", 0.0, 0.0, 0.0, "listing: no terror listing on record")
        else:
            ids = [i for row in rows["source"] for i in str(row).split(";")]
            build.evidence(
                f"listing.{code}", float(listed), ids, "listing: seeds/terror_listings.csv"
            )


#: The window over which a coercive lever's base rate is counted: the Emirate's first
#: two and a half years, as the documents record them (months, inclusive).
COERCION_WINDOW = ("2021-08", CUTOFF)
#: Evidence kind of each coercive lever (sim.world.LEVERS).
LEVER_KINDS = {
    "strike": "strike",
    "border_closure": "border_closure",
    "deportation": "deportation",
    "sanction": "sanction",
}


def _coercion(inputs: _Inputs, actors: dict, build: _Builder) -> None:
    """``coercion``: each state's documented acts of each lever per month (traits)."""
    first, last = (month_number(d) for d in COERCION_WINDOW)
    months = last - first + 1
    facts = inputs.evidence
    in_window = facts["date"].map(_month_of).between(first, last)
    acts = facts[in_window & (facts["counterpart"] == inputs.target_code) & (facts["sign"] < 0)]
    for i, code in enumerate(inputs.codes):
        if i == inputs.target:
            continue
        node = {}
        for lever in LEVERS:
            rows = acts[(acts["actor"] == code) & (acts["kind"] == LEVER_KINDS[lever])]
            rate = len(rows) / months
            name = f"coercion.{code}.{lever}"
            if rows.empty:
                build.choice(name, 0.0, 0.0, 0.0, "coercion: no such act on record (no lever)")
            else:
                build.evidence(
                    name,
                    rate,
                    rows["id"],
                    f"coercion: documented acts / {months} months ({COERCION_WINDOW[0]}.."
                    f"{COERCION_WINDOW[1]})",
                )
                node[lever] = rate
        actors[code]["coercion"] = node


def _threat_groups(inputs: _Inputs, groups: dict, build: _Builder) -> None:
    """``exposure``, group strength and ``emirate-stance`` of each threat group."""
    codes, facts, traits = inputs.codes, inputs.facts, inputs.traits
    exposure_scale = CHOICES["exposure_scale"].value
    floor = CHOICES["strength_floor"].value
    threat_kinds = ["attack", "threat_assessment"]
    for group in inputs.groups:
        reach = traits[
            (traits["actor"] == group)
            & traits["counterpart"].isin(codes)
            & traits["kind"].isin(threat_kinds)
        ]
        targets = {}
        for code in codes:
            hits = reach[reach["counterpart"] == code]
            if hits.empty:
                continue
            targets[code] = build.evidence(
                f"exposure.{group}.{code}",
                min(1.0, hits["weight"].sum() / exposure_scale),
                hits["id"],
                "exposure: strength of threat facts naming the target / scale (trait)",
            )
        rows = facts[(facts["actor"] == group) & facts["counterpart"].isin(codes)]
        hostile = rows[rows["kind"].isin(threat_kinds)]
        strength = min(0.9, floor + hostile["weight"].sum() / (4 * exposure_scale))
        if hostile.empty:
            spec = CHOICES["strength_floor"]
            build.choice(
                f"group.strength.{group}",
                strength,
                spec.low,
                spec.high,
                "exposure: no threat fact by the snapshot (strength floor)",
            )
        else:
            build.evidence(
                f"group.strength.{group}",
                strength,
                hostile["id"],
                "exposure: group's threat facts / (4 x scale) + floor",
            )
        ties = traits[
            ((traits["actor"] == group) & (traits["counterpart"] == inputs.target_code))
            | ((traits["actor"] == inputs.target_code) & (traits["counterpart"] == group))
        ]
        ties = ties[ties["sign"] != 0]
        stance = 0.0 if ties.empty else float((ties["sign"] * ties["strength"]).mean() / 3.0)
        if ties.empty:
            build.choice(
                f"group.emirate_stance.{group}",
                0.0,
                -0.5,
                0.5,
                "emirate-stance: no evidence, neutral",
            )
        else:
            build.evidence(
                f"group.emirate_stance.{group}",
                stance,
                ties["id"],
                "emirate-stance: mean signed strength / 3",
            )
        groups[group].update(
            strength=float(strength),
            emirate_stance=stance,
            targets=targets,
            stance_evidence=list(ties["id"]),
        )


def _routes_and_sanctuary(inputs: _Inputs, actors: dict, groups: dict, build: _Builder) -> None:
    """Structural modelling choices of the world file: transit, sanctuary, borders."""
    structure, source = inputs.structure, inputs.source

    def choices(key: str, keys: tuple[str, ...], default: float) -> dict[str, float]:
        node = structure.get(key) or {}
        values = dict.fromkeys(keys, default)
        for name, spec in node.items():
            if name not in keys:
                raise WorldError(f"{source}: {key}.{name}: unknown code; known: {', '.join(keys)}")
            value, low, high = _choice_spec(spec, f"{source}: {key}.{name}")
            values[name] = build.choice(f"{key}.{name}", value, low, high, f"world file: {key}")
        return values

    for code, value in choices("transit_capacity", inputs.codes, 0.0).items():
        actors[code]["transit_capacity"] = value
    for group, value in choices("group_sanctuary", inputs.groups, 0.5).items():
        groups[group]["sanctuary"] = value
    bordering = set(structure["borders_target"])
    for code in inputs.codes:
        actors[code]["borders_target"] = code in bordering
    build.evidence(
        "borders_target",
        float(len(bordering & set(inputs.codes))),
        ["geography"],
        "public source: land borders of Afghanistan",
    )


def _emirate(inputs: _Inputs, groups: dict, build: _Builder) -> dict[str, Any]:
    """The Emirate's starting levers and objectives (the ``emirate`` node)."""
    emirate, source, facts = inputs.structure["emirate"], inputs.source, inputs.facts
    restrictive = facts[
        (facts["actor"] == inputs.target_code)
        & (facts["kind"] == "policy_change")
        & (facts["sign"] < 0)
    ]
    base_inclusivity, _, _ = _choice_spec(
        emirate.get("inclusivity_before_takeover", 0.35),
        f"{source}: emirate.inclusivity_before_takeover",
    )
    inclusivity = build.evidence(
        "emirate.inclusivity",
        np.clip(base_inclusivity - 0.05 * restrictive["strength"].sum(), 0.02, 1.0),
        restrictive["id"],
        "emirate: pre-takeover inclusivity - 0.05 x strength of restrictive policy changes",
    )
    base_hardliners, _, _ = _choice_spec(
        emirate.get("hardliners_before_takeover", 0.5),
        f"{source}: emirate.hardliners_before_takeover",
    )
    border_restraint, low, high = _choice_spec(
        emirate.get("border_restraint", 0.5), f"{source}: emirate.border_restraint"
    )
    build.choice(
        "emirate.border_restraint",
        border_restraint,
        low,
        high,
        "world file: the Emirate's starting restraint on the Durand line",
    )
    hardliners = build.evidence(
        "emirate.hardliner_influence",
        np.clip(base_hardliners + 0.03 * restrictive["strength"].sum(), 0.0, 0.95),
        restrictive["id"],
        "emirate: pre-takeover influence + 0.03 x strength of restrictive policy changes",
    )
    effort = {}
    for group in inputs.groups:
        node = groups[group]
        value = float(np.clip(0.5 - 0.5 * node["emirate_stance"], 0.05, 0.95))
        evidence = node.pop("stance_evidence")
        if evidence:
            effort[group] = build.evidence(
                f"emirate.effort.{group}", value, evidence, "emirate: 0.5 - 0.5 x emirate stance"
            )
        else:
            effort[group] = build.choice(
                f"emirate.effort.{group}",
                value,
                0.25,
                0.75,
                "emirate: no evidence on the Emirate's stance toward the group",
            )
    objectives = {}
    for objective in OBJECTIVES:
        value, low, high = _choice_spec(
            emirate.get("objectives", {}).get(objective, 0.25),
            f"{source}: emirate.objectives.{objective}",
        )
        objectives[objective] = build.choice(
            f"emirate.objectives.{objective}",
            value,
            low,
            high,
            "world file: Emirate objective weight",
        )
    node: dict[str, Any] = {
        "inclusivity": inclusivity,
        "border_restraint": border_restraint,
        "hardliner_influence": hardliners,
        "counterterror": effort,
        "objectives": objectives,
    }
    if emirate.get("patron") is not None:
        node["patron"] = emirate["patron"]
    return node


def _choice_spec(spec: Any, where: str) -> tuple[float, float, float]:
    """Read ``{value, range: [low, high]}`` (or a bare number) of a modelling choice."""
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        return float(spec), float(spec), float(spec)
    if not isinstance(spec, dict) or "value" not in spec or "range" not in spec:
        raise WorldError(f"{where}: expected {{value: x, range: [low, high]}}")
    value = spec["value"]
    bounds = spec["range"]
    if (
        not isinstance(value, int | float)
        or not isinstance(bounds, list)
        or len(bounds) != 2
        or not all(isinstance(b, int | float) for b in bounds)
    ):
        raise WorldError(f"{where}: expected numbers: {{value: x, range: [low, high]}}")
    low, high = float(bounds[0]), float(bounds[1])
    if not low <= float(value) <= high:
        raise WorldError(f"{where}: value {value} outside its range [{low}, {high}]")
    return float(value), low, high


#: Calibrations of this process, keyed by everything that determines them: the world
#: file's mapping after overrides, the content of every evidence file read, the date and
#: the file named in errors (see :func:`calibration_key`).
_CACHE: dict[str, Calibration] = {}
#: The project root: a relative ``calibration.evidence`` path is read from here.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The evidence base's companion files, read from ``seeds/`` whatever the facts file.
_COMPANIONS = (
    "capabilities.csv",
    "structural_ties.csv",
    "memberships.csv",
    "structural_gaps.csv",
    "terror_listings.csv",
    "sources.yaml",
    "codes.yaml",
)


def evidence_path(structure: dict[str, Any], source: Path | str) -> Path:
    """The facts file a calibrated world file names (``calibration.evidence``).

    Relative paths are read from the project root; the default is ``seeds/evidence.csv``.

    Raises:
        WorldError: naming the key if the file does not exist.
    """
    from sim.evidence import SEEDS_DIR

    given = (structure.get("calibration") or {}).get("evidence")
    if given is None:
        return SEEDS_DIR / "evidence.csv"
    path = Path(str(given)).expanduser()
    path = path if path.is_absolute() else PROJECT_ROOT / path
    if not path.is_file():
        raise WorldError(f"{source}: calibration.evidence={given}: no such file ({path})")
    return path


def _file_digest(path: Path) -> str:
    import hashlib

    try:
        with path.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError:
        return "missing"  # the loader reports the file by name


def calibration_key(
    structure: dict[str, Any], source: Path | str, date: str, evidence: Path
) -> str:
    """A key for everything a calibration depends on (content, not names or times)."""
    import hashlib
    import json

    from sim.evidence import SEEDS_DIR

    parts = {
        "structure": structure,
        "source": str(source),
        "date": date,
        "evidence": _file_digest(evidence),
        "companions": {name: _file_digest(SEEDS_DIR / name) for name in _COMPANIONS},
    }
    text = json.dumps(parts, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def calibrated(structure: dict[str, Any], source: Path | str, start: str | None) -> Calibration:
    """Load the evidence base and calibrate the world file's structure at ``start``.

    Cached per process by :func:`calibration_key`: a change to the world mapping (a
    ``world.*`` override) or to any evidence file gives a new calibration.
    """
    from sim.evidence import SEEDS_DIR, load_evidence, load_evidence_base

    snapshots = [str(s) for s in (structure.get("calibration") or {}).get("snapshots", ["2024-03"])]
    date = parse_month(start or snapshots[-1], "start")
    if date not in snapshots:
        raise ConfigError(
            f"start={date}: the calibrated world {structure.get('name')!r} has states at "
            f"{', '.join(snapshots)} only (the evidence ends in 2024-03)"
        )
    evidence = evidence_path(structure, source)
    key = calibration_key(structure, source, date, evidence)
    if key not in _CACHE:
        base = load_evidence_base(SEEDS_DIR)
        if evidence != SEEDS_DIR / "evidence.csv":
            base = EvidenceBase(**{**vars(base), "facts": load_evidence(evidence)})
        calibration = calibrate(base, structure, date, str(source))
        for value in vars(calibration.world).values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)  # shared by every caller: read-only
        _CACHE[key] = calibration
    return _CACHE[key]


def calibrated_world(
    structure: dict[str, Any], source: Path | str, start: str | None = None
) -> World:
    """The world of a world file with a ``calibration:`` key (see :func:`calibrate`)."""
    return calibrated(structure, source, start).world


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.calibration --report [--start 2024-03] [--out FILE]``."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.calibration", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--report", action="store_true", help="print the provenance table")
    parser.add_argument("--world", default="afghanistan", help="world name (default afghanistan)")
    parser.add_argument("--start", default=None, help="snapshot month YYYY-MM")
    parser.add_argument("--out", default=None, help="also write the table as CSV here")
    args = parser.parse_args(argv)
    try:
        data, path = read_world_file(args.world)
        calibration = calibrated(data, path, args.start)
        table = calibration.report()
        if args.out:
            from sim.results import ensure_writable

            out = Path(args.out)
            ensure_writable(out.parent if str(out.parent) else Path("."))
            table.to_csv(out, index=False)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.report or not args.out:
        with pd.option_context(
            "display.max_rows", None, "display.width", 200, "display.max_colwidth", 60
        ):
            print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
