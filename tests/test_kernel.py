"""The monthly kernel: invariants, random-stream layout, determinism."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.arenas import STANDARD_ARENAS
from sim.ensemble import EnsembleSpec, run_ensemble
from sim.kernel import Kernel
from sim.loop import MonthlyLoop
from sim.params import ModelParameters
from sim.streams import ArenaDraws, RunStreams
from sim.world import synthetic_world


def check_invariants(state, world):
    mask = world.state_mask
    assert np.all((state.recognition[:, mask] >= 0) & (state.recognition[:, mask] <= 5))
    if world.target is not None:
        assert np.all(state.recognition[:, world.target] == -1)
    assert np.all(np.abs(state.affinity) <= 1.0)
    assert np.allclose(state.affinity, state.affinity.transpose(0, 2, 1))
    assert np.all(np.diagonal(state.affinity, axis1=1, axis2=2) == 0)
    for name in ("target_imports", "target_exports", "grievance", "confrontation"):
        assert np.all(getattr(state, name) >= 0), name
    for name in ("strength", "effort", "inclusivity", "hardliners", "water"):
        values = getattr(state, name)
        assert np.all((values >= 0) & (values <= 1)), name
    for name in ("affinity", "target_imports", "target_exports", "strength", "effort", "grievance"):
        assert np.all(np.isfinite(getattr(state, name))), name


@settings(max_examples=15, deadline=None)
@given(
    n_actors=st.integers(2, 14),
    n_groups=st.integers(0, 5),
    world_seed=st.integers(0, 10_000),
    run_seed=st.integers(0, 2**32),
    params_scale=st.floats(0.0, 1.0),
)
def test_invariants_hold_every_month(n_actors, n_groups, world_seed, run_seed, params_scale):
    world = synthetic_world(n_actors, n_groups, seed=world_seed)
    specs = ModelParameters.specs()
    params = ModelParameters.from_mapping(
        {name: spec.low + params_scale * (spec.high - spec.low) for name, spec in specs.items()}
    )
    loop = MonthlyLoop(world, params, seed=run_seed, run_ids=range(4), start="2024-03")
    for _ in range(24):
        loop.step()
        check_invariants(loop.state, world)


def test_every_declared_draw_is_used_by_its_arena(mechanism_world, params, monkeypatch):
    used: set[tuple[str, str]] = set()
    original = ArenaDraws.__getitem__

    def spy(self, name):
        used.add((self._arena, name))
        return original(self, name)

    monkeypatch.setattr(ArenaDraws, "__getitem__", spy)
    loop = MonthlyLoop(
        mechanism_world, params, seed=0, run_ids=range(3), start="2024-03", backend="numpy"
    )
    loop.run(3)
    declared = {(arena.name, draw.name) for arena in STANDARD_ARENAS for draw in arena.draws}
    assert used == declared


def test_layout_is_derived_from_the_declarations(mechanism_world):
    world = mechanism_world
    n, g = world.n_actors, world.n_groups
    layout = Kernel().layout(world)
    # the layout the arenas declare, family 0: uniforms then normals, in arena order
    # security: attacks, response (2), levers (4), reopening; emirate: 3 levers x 3 options
    # and effort per group; recognition: review, choice (3)
    assert layout.count(0, "uniform") == g * n + 2 * n + 4 * n + n + 9 + 3 * g + n + 3 * n
    assert layout.count(0, "normal") == g + 2 * n + n * (n - 1) // 2  # one noise draw a pair
    assert layout.slots[("emirate", "effort")].offset == g * n + 7 * n + 9


def spec(world, params, runs=6, seed=3, batch_size=1000):
    return EnsembleSpec(
        world=world,
        params=params,
        start="2024-03",
        end="2025-09",
        runs=runs,
        seed=seed,
        batch_size=batch_size,
    )


def test_same_seed_same_frames_and_batch_size_irrelevant(mechanism_world, params):
    first = run_ensemble(spec(mechanism_world, params))
    again = run_ensemble(spec(mechanism_world, params))
    batched = run_ensemble(spec(mechanism_world, params, batch_size=2))
    for name in ("states", "dyads", "events", "runs"):
        a, b, c = (getattr(r, name) for r in (first, again, batched))
        assert a.equals(b), name
        assert a.reset_index(drop=True).equals(c.reset_index(drop=True)), name


def test_different_seeds_differ(mechanism_world, params):
    a = run_ensemble(spec(mechanism_world, params, seed=1))
    b = run_ensemble(spec(mechanism_world, params, seed=2))
    assert not a.states["affinity_afg"].equals(b.states["affinity_afg"])
    runs = a.states.groupby("run")["affinity_afg"].sum()
    assert runs.nunique() == len(runs)


def test_run_streams_independent_of_block(mechanism_world):
    layout = Kernel().layout(mechanism_world)
    together = RunStreams(5, np.array([0, 7]), layout)
    alone = RunStreams(5, np.array([7]), layout)
    for month in range(1, 16):
        both, one = together.month(month), alone.month(month)
        for slot in layout.slots.values():
            assert np.array_equal(both.block(slot)[1], one.block(slot)[0])
