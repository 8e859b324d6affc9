"""Arenas plug in: a new arena is one module plus one line, and changes no other stream."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.arenas import STANDARD_ARENAS
from sim.ensemble import EnsembleSpec, run_ensemble
from sim.kernel import Kernel, check_arenas
from sim.loop import MonthlyLoop
from sim.params import ModelParameters
from sim.results import FRAMES
from tests import toy_arena


def spec(world, arenas=STANDARD_ARENAS) -> EnsembleSpec:
    return EnsembleSpec(
        world=world,
        params=ModelParameters(),
        start="2024-03",
        end="2025-09",
        runs=5,
        seed=13,
        arenas=arenas,
    )


def test_a_toy_arena_is_one_module_and_one_line(mechanism_world):
    arenas = (*STANDARD_ARENAS, toy_arena.ARENA)  # the one registration line
    with_toy = run_ensemble(spec(mechanism_world, arenas))
    without = run_ensemble(spec(mechanism_world))
    for name in FRAMES:  # every other arena's draws and results are unchanged
        pd.testing.assert_frame_equal(getattr(with_toy, name), getattr(without, name))
    loop = MonthlyLoop(
        mechanism_world,
        ModelParameters(),
        seed=13,
        run_ids=range(5),
        start="2024-03",
        arenas=arenas,
    )
    loop.run(18)
    memory = loop.state.extra["memory"]
    assert memory.shape == (5, mechanism_world.n_actors) and np.all(np.isfinite(memory))
    assert memory.max() > 0.5  # attacks were remembered
    assert np.array_equal(loop.last_record.outputs["remembered"], memory)
    # its stream is its own: a different family from the standard arenas'
    assert toy_arena.ARENA.family != 0
    assert {k[0] for k in loop.layout.counts} == {0, toy_arena.ARENA.family}


def test_arena_declarations_are_checked():
    with pytest.raises(ValueError, match="reads 'attacks'"):
        check_arenas((toy_arena.ARENA, *STANDARD_ARENAS))  # before security produces attacks
    bad = dataclasses.replace(toy_arena.ARENA, parameters=("no_such_parameter",))
    with pytest.raises(ValueError, match="unknown parameter"):
        Kernel((*STANDARD_ARENAS, bad))
    with pytest.raises(ValueError, match="no arena produces"):
        Kernel(STANDARD_ARENAS[:2])


def test_every_parameter_belongs_to_an_arena():
    declared = {name for arena in STANDARD_ARENAS for name in arena.parameters}
    assert declared == set(ModelParameters.specs())


def test_event_kinds_are_one_table_for_frames_docs_and_app():
    from pathlib import Path

    from sim import results
    from sim.app.figures import TIMELINE_ROWS
    from sim.events import EVENT_KINDS, FAMILIES

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for kind in EVENT_KINDS:
        shown = "shock:<" if kind == "shock" else f"`{kind}`"
        assert shown in readme, kind
        assert kind in (results.__doc__ or "") or kind == "shock"
    assert {k.family for k in EVENT_KINDS.values()} == set(FAMILIES)
    assert set(FAMILIES) <= set(TIMELINE_ROWS)
