"""Structural scenario changes: validation and effect from their month on."""

from __future__ import annotations

import numpy as np
import pytest

from sim.ensemble import EnsembleSpec, run_ensemble
from sim.errors import ConfigError
from sim.params import ModelParameters
from sim.world_changes import apply_world_changes, parse_world_changes, worlds_by_month


def test_changes_apply_and_renormalise(mechanism_world):
    changes = parse_world_changes(
        {
            "usa_trade": {"field": "salience", "actor": "USA", "concern": "trade", "value": 0.5},
            "chabahar": {"field": "transit_capacity", "actor": "IRN", "delta": 0.2},
            "sanctions": {"field": "imports_musd", "actor": "IRN", "scale": 2.0},
            "thaw": {"field": "structure", "actor": "USA", "partner": "AFG", "value": 0.2},
        },
        mechanism_world,
        "2024-03",
    )
    world = apply_world_changes(mechanism_world, changes)
    usa, irn, afg = (world.index(c) for c in ("USA", "IRN", "AFG"))
    assert np.isclose(world.salience[usa].sum(), 1.0)
    assert world.salience[usa, 1] > mechanism_world.salience[usa, 1]
    assert np.isclose(world.transit_capacity[irn], 0.9)
    assert np.isclose(world.imports_musd[irn], 2 * mechanism_world.imports_musd[irn])
    assert world.structure[usa, afg] == world.structure[afg, usa] == 0.2
    assert mechanism_world.transit_capacity[irn] == 0.7  # the original is untouched


def test_dated_change_takes_effect_from_its_month(mechanism_world):
    changes = parse_world_changes(
        {"rail": {"field": "transit_capacity", "actor": "UZB", "value": 1.0, "date": "2024-09"}},
        mechanism_world,
        "2024-03",
    )
    schedule = worlds_by_month(mechanism_world, changes)
    assert set(schedule) == {0, 6}
    spec = EnsembleSpec(
        world=mechanism_world,
        params=ModelParameters(),
        start="2024-03",
        end="2025-09",
        runs=10,
        seed=2,
        world_changes=tuple(changes),
    )
    with_rail = run_ensemble(spec)
    without = run_ensemble(spec.__class__(**{**spec.__dict__, "world_changes": ()}))
    early = with_rail.states[with_rail.states["date"] == "2024-08"]
    assert early.equals(without.states[without.states["date"] == "2024-08"])
    late = with_rail.states[
        (with_rail.states["date"] == "2025-09") & (with_rail.states["actor"] == "UZB")
    ]
    late_without = without.states[
        (without.states["date"] == "2025-09") & (without.states["actor"] == "UZB")
    ]
    assert late["transit_share"].mean() > late_without["transit_share"].mean()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"field": "colour", "actor": "USA", "value": 1}, "field='colour'"),
        ({"field": "capability", "actor": "XXX", "value": 1}, "actor='XXX'"),
        ({"field": "capability", "actor": "USA"}, "exactly one of"),
        ({"field": "capability", "actor": "USA", "value": "big"}, "expected a number"),
        ({"field": "group_sanctuary", "group": "NOPE", "value": 0.5}, "group='NOPE'"),
        (
            {"field": "salience", "actor": "USA", "concern": "greed", "value": 0.5},
            "concern='greed'",
        ),
        ({"field": "capability", "actor": "USA", "value": 1, "when": 2}, "when"),
        ({"field": "capability", "actor": "USA", "scale": -1}, "scale=-1"),
    ],
)
def test_bad_world_change_names_key(mechanism_world, entry, message):
    with pytest.raises(ConfigError) as error:
        parse_world_changes({"bad": entry}, mechanism_world, "2024-03")
    assert "scenario.world_changes.bad" in str(error.value)
    assert message in str(error.value)


def test_emirate_anchor_and_objectives(mechanism_world):
    changes = parse_world_changes(
        {
            "anchor": {"field": "hardliner_influence", "value": 0.2},
            "cohesion": {"field": "objectives", "objective": "cohesion", "value": 0.7},
        },
        mechanism_world,
        "2024-03",
    )
    world = apply_world_changes(mechanism_world, changes)
    assert world.hardliner_influence == 0.2 and isinstance(world.hardliner_influence, float)
    assert np.isclose(world.objectives.sum(), 1.0)
    assert world.objectives[3] > mechanism_world.objectives[3]
    with pytest.raises(ConfigError, match="objective='greed'"):
        parse_world_changes(
            {"bad": {"field": "objectives", "objective": "greed", "value": 0.5}},
            mechanism_world,
            "2024-03",
        )
