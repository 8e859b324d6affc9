"""The compiled monthly step agrees with the numpy arenas (the reference).

Both paths draw the same variates (:mod:`sim.streams`); they differ only in how sums
are ordered and in the last bit of ``exp``/``tanh``/``log`` (numpy's SIMD functions
against libm's, and the compiled step's own tanh).  So every month of every run must
agree: affinities and every other continuous field within :data:`TOLERANCE`, and
every discrete choice (levels, events, borders, terror lists) identical.  The largest
differences seen here (``-s`` prints them) are about 1e-15 on affinities and 1e-13 on
trade flows in US$ million (1e-16 relative): rounding, far inside the tolerance.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.api import compose_spec
from sim.ensemble import EnsembleSpec, run_parameters
from sim.kernel import compiled_arenas
from sim.loop import MonthlyLoop
from sim.state import SimState
from sim.validate import prior_draws
from sim.world import synthetic_world

pytestmark = pytest.mark.skipif(compiled_arenas() is None, reason="numba not available")

#: Agreement asked of continuous state and outputs after every month.
TOLERANCE = 1e-9
RUNS = 40


def spec_of(overrides: list[str]) -> EnsembleSpec:
    return compose_spec([f"runs={RUNS}", "progress=false", *overrides])[1]


def cases() -> dict[str, tuple[EnsembleSpec, object]]:
    """(spec, parameters) of each case: worlds, scenarios, point and per-run parameters."""
    base = spec_of(["end=2027-03", "parameters=point"])
    posterior = spec_of(["end=2027-03", "seed=3"])  # one posterior draw per run
    history = spec_of(["scenario=history", "seed=1"])  # 2021-08 .. 2024-03, shocks
    china = spec_of(["scenario=china_recognizes", "seed=2", "end=2027-03"])
    expulsion = spec_of(["scenario=pakistan_mass_expulsion", "seed=4", "end=2027-03"])
    triad = spec_of(["world=triad", "seed=5", "end=2026-03", "parameters=point"])
    synthetic = dataclasses.replace(base, world=synthetic_world(20, 6, 7), seed=6)
    large = dataclasses.replace(  # balance pressure by BLAS (compiled.BLAS_MIN_ACTORS)
        base, world=synthetic_world(30, 4, 8), seed=7, end="2025-03"
    )
    run_ids = np.arange(RUNS)
    return {
        "calibrated, point": (base, run_parameters(base, run_ids)),
        "calibrated, posterior draws per run": (posterior, run_parameters(posterior, run_ids)),
        "calibrated, prior draws per run": (base, prior_draws(RUNS, 11)),
        "history replay (shocks)": (history, run_parameters(history, run_ids)),
        "china recognizes (shock)": (china, run_parameters(china, run_ids)),
        "mass expulsion (world changes)": (expulsion, run_parameters(expulsion, run_ids)),
        "triad world (no target)": (triad, run_parameters(triad, run_ids)),
        "synthetic 20 actors, prior draws": (synthetic, prior_draws(RUNS, 12)),
        "synthetic 30 actors, prior draws": (large, prior_draws(RUNS, 13)),
    }


CASES = cases()


def loop(spec: EnsembleSpec, params, backend: str) -> MonthlyLoop:
    return MonthlyLoop(
        spec.world,
        params,
        seed=spec.seed,
        run_ids=np.arange(RUNS),
        start=spec.start,
        shocks=spec.shocks,
        world_changes=spec.world_changes,
        backend=backend,
    )


def state_arrays(state: SimState) -> dict[str, np.ndarray]:
    arrays = {
        f.name: getattr(state, f.name) for f in dataclasses.fields(state) if f.name != "extra"
    }
    return arrays | {f"extra.{k}": v for k, v in state.extra.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_compiled_step_agrees_with_numpy_arenas(name):
    spec, params = CASES[name]
    reference, compiled = loop(spec, params, "numpy"), loop(spec, params, "numba")
    assert compiled.kernel.backend == "numba" and reference.kernel.backend == "numpy"
    worst, worst_affinity = 0.0, 0.0
    for _ in range(spec.months):
        expected, actual = reference.step(), compiled.step()
        pairs = [
            *(
                (k, v, state_arrays(compiled.state)[k])
                for k, v in state_arrays(reference.state).items()
            ),
            *((f"outputs.{k}", v, actual.outputs[k]) for k, v in expected.outputs.items()),
        ]
        assert set(expected.outputs) == set(actual.outputs)
        for key, want, got in pairs:
            assert want.shape == got.shape and want.dtype == got.dtype, key
            if want.dtype.kind == "f":
                gap = float(np.max(np.abs(want - got), initial=0.0))
                worst = max(worst, gap)
                if key in ("affinity", "fast"):
                    worst_affinity = max(worst_affinity, gap)
                assert gap <= TOLERANCE, f"{key} month {reference.month}: {gap:.3g}"
            else:
                assert np.array_equal(want, got), f"{key} month {reference.month}"
    print(
        f"{name}: largest difference over {spec.months} months: {worst:.2g} "
        f"(affinities and fast parts: {worst_affinity:.2g})"
    )
    assert worst_affinity < 1e-12  # far inside the tolerance: only rounding separates them


def test_backends_and_fallback(monkeypatch, capsys):
    from sim import kernel
    from sim.arenas import STANDARD_ARENAS
    from tests import toy_arena

    assert kernel.Kernel().backend == "numba"
    assert kernel.Kernel(backend="numpy").backend == "numpy"
    plugged = kernel.Kernel((*STANDARD_ARENAS, toy_arena.ARENA))
    assert plugged.backend == "numba" and plugged._numpy_arenas == (toy_arena.ARENA,)
    renamed = (*STANDARD_ARENAS[:4], dataclasses.replace(STANDARD_ARENAS[4], name="alignment"))
    assert kernel.Kernel(renamed).backend == "numpy"  # not the standard list: the numpy path
    with pytest.raises(ValueError, match="standard arenas first"):
        kernel.Kernel(renamed, backend="numba")
    monkeypatch.setenv("SIM_NUMBA", "0")
    kernel.compiled_arenas.cache_clear()
    try:
        assert kernel.Kernel().backend == "numpy"
        assert "SIM_NUMBA=0" in capsys.readouterr().err
        with pytest.raises(RuntimeError, match="not available"):
            kernel.Kernel(backend="numba")
    finally:
        monkeypatch.delenv("SIM_NUMBA")
        kernel.compiled_arenas.cache_clear()
    assert kernel.Kernel().backend == "numba"
