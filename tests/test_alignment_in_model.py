"""The alignment machinery inside the model: blocs and frustration every month."""

from __future__ import annotations

import numpy as np

from sim.alignment import detect_blocs, frustration_index
from sim.ensemble import EnsembleSpec, run_ensemble
from sim.params import ModelParameters
from sim.recorder import partition_frustration
from sim.world_files import load_world


def test_blocs_and_frustration_are_recorded_every_month():
    triad = load_world("triad")
    spec = EnsembleSpec(
        world=triad, params=ModelParameters(), start="2024-03", end="2025-03", runs=3, seed=1
    )
    results = run_ensemble(spec)
    assert results.emirate["frustration"].notna().all()
    assert len(results.emirate) == 3 * 13
    assert {"bloc"} <= set(results.states.columns)
    assert "frustration_end" in results.runs


def test_partition_frustration_bounds_the_frustration_index():
    rng = np.random.default_rng(0)
    for _ in range(20):
        a = rng.uniform(-1, 1, (6, 6))
        a = np.triu(a, 1) + np.triu(a, 1).T
        blocs = detect_blocs(a)
        criterion = partition_frustration(a[None], blocs[None])[0]
        assert criterion >= 0
        two = frustration_index(a, weighted=True)
        # The minimising two-bloc partition scores exactly the frustration index.
        assert np.isclose(partition_frustration(a[None], two.partition[None])[0], two.value)
        if blocs.max() <= 1:
            assert criterion >= two.value - 1e-9
    balanced = np.array([[0, 0.5, -0.5], [0.5, 0, -0.5], [-0.5, -0.5, 0]])
    assert partition_frustration(balanced[None], detect_blocs(balanced)[None])[0] == 0.0
