"""Scenario files: their schema, evidence and composition, and each headline effect.

Every effect is measured on a 40-run ensemble (seed 1, 2024-03 to 2027-03, at the
fitted point of the parameters, so that the spread is the model's own and not the
posterior's) against a baseline cached for the module with the same seed, runs and
horizon, so both share their random streams (common random numbers).  Each scenario's
headline outcome (:data:`sim.effects.HEADLINES`), read over the 24 months from the
scenario's first change, must move in the direction of its premise by a substantive
effect size; ``python -m sim.effects`` prints the full table, at the point and across
the posterior (README).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

import sim
from sim.effects import HEADLINES, WINDOW_MONTHS, effect, first_change, scenario_window
from sim.results import Results

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_DIR = ROOT / "configs" / "scenario"
EVIDENCE = ROOT / "seeds" / "evidence.csv"

SCENARIOS = (
    "china_recognizes",
    "us_disengages",
    "us_minerals_deal",
    "ttp_escalation",
    "iskp_mass_casualty",
    "inclusive_emirate",
    "aid_collapse",
    "iran_sanctions_ease",
    "qosh_tepa_dispute",
    "pakistan_mass_expulsion",
    "trans_afghan_corridor",
    "kandahar_kabul_split",
)
ALLOWED_KEYS = {"tags", "evidence", "params", "shocks", "world_changes"}
ENSEMBLE = ["runs=40", "end=2027-03", "seed=1", "parameters=point"]


# ------------------------------------------------------------------------------------
# Ensembles (cached for the module)
# ------------------------------------------------------------------------------------

_CACHE: dict[str, Results] = {}


def ensemble(name: str) -> Results:
    """The 40-run ensemble of a scenario (or the baseline), computed once."""
    if name not in _CACHE:
        _CACHE[name] = sim.simulate([f"scenario={name}", *ENSEMBLE])
    return _CACHE[name]


@pytest.fixture(scope="module")
def baseline() -> Results:
    return ensemble("baseline")


# ------------------------------------------------------------------------------------
# Files: schema, evidence, dates, composition
# ------------------------------------------------------------------------------------


def read_scenario(name: str) -> dict:
    return yaml.safe_load((SCENARIO_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


def evidence_ids() -> set[str]:
    with EVIDENCE.open(encoding="utf-8", newline="") as handle:
        return {row["id"] for row in csv.DictReader(handle)}


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_file_schema(name):
    text = (SCENARIO_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    assert text.startswith("#"), "a scenario file opens with a comment giving its premise"
    data = read_scenario(name)
    assert set(data) <= ALLOWED_KEYS
    assert list(data["tags"]) == [name]
    description = data["tags"][name]
    assert isinstance(description, str) and description and "\n" not in description


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_cites_existing_evidence(name):
    data = read_scenario(name)
    known = evidence_ids()
    cited = list(data["evidence"])
    assert cited, "a scenario cites at least one evidence id"
    for shock in (data.get("shocks") or {}).values():
        cited += list(shock.get("evidence") or [])
    assert set(cited) <= known, sorted(set(cited) - known)


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_changes_start_after_the_baseline(name):
    data = read_scenario(name)
    shocks = list((data.get("shocks") or {}).values())
    changes = list((data.get("world_changes") or {}).values())
    assert shocks or changes
    for entry in shocks + [c for c in changes if "date" in c]:
        assert str(entry["date"]) >= "2024-04", entry


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_composes_with_baseline_and_another(name):
    other = SCENARIOS[(SCENARIOS.index(name) + 1) % len(SCENARIOS)]
    small = ["runs=2", "end=2026-03", "seed=0"]  # covers every shock and change date
    with_baseline = sim.simulate([f"scenario=[baseline,{name}]", *small])
    assert with_baseline.meta["scenario"] == name
    both = sim.simulate([f"scenario=[{name},{other}]", *small])
    assert set(both.meta["scenario"].split("+")) == {name, other}
    shock_labels = {
        f"shock:{label}"
        for scenario in (name, other)
        for label in (read_scenario(scenario).get("shocks") or {})
    }
    assert shock_labels <= set(both.events["kind"])


# ------------------------------------------------------------------------------------
# Each scenario's headline effect: a substantive effect size, in the premise's direction
# ------------------------------------------------------------------------------------
#: Glass's delta (mean paired difference / the baseline's spread across runs) a headline
#: effect must reach: a medium effect (Cohen), far above what a significant-but-tiny
#: shift gives.
MIN_EFFECT_SIZE = 0.5


@pytest.mark.parametrize("name", list(HEADLINES))
def test_scenario_moves_its_headline_substantively(name, baseline):
    headline = HEADLINES[name]
    scenario = ensemble(name)
    measured = effect(baseline, scenario, headline, scenario_window(name, scenario, ENSEMBLE))
    direction = headline.direction
    assert direction * measured["mean_difference"] > 0, measured
    assert direction * measured["effect_size"] >= MIN_EFFECT_SIZE, measured
    interval = (measured["low"], measured["high"])
    assert direction * min(interval, key=lambda x: direction * x) > 0, measured  # CI excludes 0


def test_every_scenario_has_a_headline():
    assert set(HEADLINES) == set(SCENARIOS)


def test_headlines_are_read_from_the_first_change():
    """The window starts at the scenario's earliest shock or world change and lasts
    WINDOW_MONTHS, capped at the end; a scenario that changes nothing has none."""
    assert first_change(["scenario=baseline"]) is None
    assert first_change(["scenario=pakistan_mass_expulsion"]) == "2024-06"
    scenario = ensemble("pakistan_mass_expulsion")
    window = scenario_window("pakistan_mass_expulsion", scenario, ENSEMBLE)
    assert window == ("2024-06", "2026-05")
    assert WINDOW_MONTHS == 24
    late = scenario_window("trans_afghan_corridor", ensemble("trans_afghan_corridor"), ENSEMBLE)
    assert late[1] == "2027-03"  # capped at the run's last month
