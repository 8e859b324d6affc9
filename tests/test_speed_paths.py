"""Fast paths give the same results as the plain ones; batching and processes do not matter.

* bloc detection: the numpy path, the per-run loop (:func:`sim.alignment._bloc_kernel`)
  run as plain Python, and the same loop compiled by numba (when installed) give
  identical labels;
* frames: string columns built in arrow and unconsolidated frames equal pandas'
  own conversion (frames and parquet bytes);
* the Mesa model stepping run ``r`` equals run ``r`` of the batched ensemble;
* an ensemble split over two processes equals the one-process ensemble.

No timing here: speed is measured by ``make bench`` (``benchmarks/bench.py``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from sim import DiplomacyModel, alignment, recorder
from sim.alignment import (
    _RELATIVE_TOLERANCE,
    _bloc_kernel,
    _detect_blocs_numpy,
    _validated_relations,
    balanced_triad_share_batch,
    detect_blocs,
    detect_blocs_batch,
)
from sim.ensemble import run_batch, run_ensemble, split_spec
from sim.kernel import compiled_arenas
from sim.results import FRAMES, Results
from sim.state import SimState
from sim.world import synthetic_world
from tests.helpers import calibrated_spec, in_processes, kernel_run


@pytest.fixture(scope="module")
def kernel_affinities() -> list[np.ndarray]:
    """Affinity matrices the kernel produces: calibrated world and a 20-actor synthetic one."""
    months = 6
    calibrated = calibrated_spec(40, months=months, seed=11)
    synthetic = calibrated_spec(40, months=months, seed=12, world=synthetic_world(20, 6, 3))
    out = []
    for spec in (calibrated, synthetic):
        for length in (1, months):
            state = kernel_run(dataclasses.replace(spec, end=spec.dates[length]), np.arange(40))
            out.append(state.affinity)
    return out


def tie_heavy_matrices(n_actors: int, runs: int = 300, seed: int = 0) -> np.ndarray:
    """Random symmetric matrices on a coarse grid: many exact ties and zero ties."""
    rng = np.random.default_rng(seed)
    values = rng.choice([-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0], size=(runs, n_actors, n_actors))
    upper = np.triu(values, 1)
    return upper + upper.transpose(0, 2, 1)


def loop_labels(relations: np.ndarray, threshold: float = 0.0, kernel=_bloc_kernel) -> np.ndarray:
    """Bloc labels from the per-run loop, fed exactly as detect_blocs_batch feeds it."""
    matrices = _validated_relations(relations, batch=True)
    weights = np.where(np.abs(matrices) > threshold, matrices, 0.0)
    tolerance = _RELATIVE_TOLERANCE * np.abs(weights).sum(axis=(1, 2))
    labels = np.empty(weights.shape[:2], dtype=np.int64)
    kernel(weights, tolerance, labels)
    return labels


def numpy_labels(relations: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    matrices = _validated_relations(relations, batch=True)
    weights = np.where(np.abs(matrices) > threshold, matrices, 0.0)
    return _detect_blocs_numpy(weights, _RELATIVE_TOLERANCE * np.abs(weights).sum(axis=(1, 2)))


@pytest.mark.parametrize("threshold", [0.0, 0.2])
def test_bloc_loop_equals_numpy_path_on_kernel_states(kernel_affinities, threshold):
    for affinity in kernel_affinities:
        expected = numpy_labels(affinity, threshold)
        np.testing.assert_array_equal(loop_labels(affinity, threshold), expected)
        np.testing.assert_array_equal(detect_blocs_batch(affinity, threshold), expected)


@pytest.mark.parametrize("n_actors", [1, 2, 3, 5, 9])
def test_bloc_loop_equals_numpy_path_with_ties(n_actors):
    relations = tie_heavy_matrices(n_actors, runs=200, seed=n_actors)
    expected = numpy_labels(relations)
    np.testing.assert_array_equal(loop_labels(relations), expected)
    np.testing.assert_array_equal(detect_blocs_batch(relations), expected)
    np.testing.assert_array_equal(detect_blocs(relations[0]), expected[0])


def test_bloc_detection_input_checks_take_the_full_validation():
    base = tie_heavy_matrices(6, runs=50, seed=3)
    diagonal = base.copy()
    diagonal[:, np.arange(6), np.arange(6)] = 0.7  # ignored, like the full validation does
    nearly_symmetric = base.copy()
    nearly_symmetric[:, 0, 1] += 1e-12
    slightly_out = base.copy()
    slightly_out[:, 2, 3] = slightly_out[:, 3, 2] = 1.0 + 1e-12
    for relations in (base, diagonal, nearly_symmetric, slightly_out, base.astype(np.float32)):
        np.testing.assert_array_equal(detect_blocs_batch(relations), numpy_labels(relations))
    broken = base.copy()
    broken[0, 1, 2] = broken[0, 2, 1] = np.nan
    with pytest.raises(ValueError, match="finite"):
        detect_blocs_batch(broken)
    with pytest.raises(ValueError, match="symmetric"):
        detect_blocs_batch(0.5 * base + np.triu(np.full((6, 6), 0.1), 1))


def test_compiled_bloc_kernel_equals_numpy_path(kernel_affinities):
    pytest.importorskip("numba")
    compiled = alignment._compiled_bloc_kernel()
    if compiled is None:
        pytest.skip("compiled path switched off (SIM_NUMBA=0)")
    assert alignment.bloc_detection_backend() == "numba"
    cases = [*kernel_affinities, *(tie_heavy_matrices(n, 500, seed=n) for n in (1, 2, 4, 8, 13))]
    for relations in cases:
        for threshold in (0.0, 0.3):
            np.testing.assert_array_equal(
                loop_labels(relations, threshold, kernel=compiled),
                numpy_labels(relations, threshold),
            )


def test_ensemble_frames_equal_with_and_without_compiled_blocs(monkeypatch):
    spec = calibrated_spec(12, months=18, seed=5, dyads_every=6)
    default = run_batch(spec, np.arange(12))
    monkeypatch.setattr(alignment, "_compiled_bloc_kernel", lambda: None)
    plain = run_batch(spec, np.arange(12))
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(default, name), getattr(plain, name))


def test_recorder_triad_shares_equal_alignment(kernel_affinities):
    zeros = np.zeros((3, 5, 5))
    signed_zeros = -tie_heavy_matrices(5, runs=40, seed=8)  # -0.0 where a tie is absent
    cases = [*kernel_affinities, zeros, signed_zeros]
    cases += [tie_heavy_matrices(n, runs=200, seed=n) for n in (1, 2, 3, 6, 11)]
    nearly_symmetric = tie_heavy_matrices(6, runs=20, seed=1)
    nearly_symmetric[:, 0, 1] += 1e-12  # takes the plain function
    for relations in [*cases, nearly_symmetric]:
        np.testing.assert_array_equal(
            recorder.balanced_triad_shares(relations), balanced_triad_share_batch(relations)
        )


def test_string_column_equals_pandas_conversion():
    labels = ["AFG", "PAK", "", "ISKP", "2024-03"]
    codes = np.array([0, 4, -1, 3, 3, 1, 2, -5, 0])
    expected = pd.Series(np.array(labels, dtype=object)[codes])
    pd.testing.assert_series_equal(pd.Series(recorder.string_column(labels, codes)), expected)
    assert len(recorder.string_column(labels, np.array([], dtype=np.int64))) == 0


def test_frames_and_parquet_equal_with_and_without_fast_frame_building(monkeypatch, tmp_path):
    spec = calibrated_spec(10, months=24, seed=9)
    fast = run_batch(spec, np.arange(10))
    fast_files = fast.write(tmp_path / "fast")
    monkeypatch.setattr(recorder, "_arrow_string_dtype", lambda: None)
    monkeypatch.setattr(recorder, "_frame", lambda columns: pd.DataFrame(columns))
    plain = run_batch(spec, np.arange(10))
    plain_files = plain.write(tmp_path / "plain")
    assert len(fast.events) > 0
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(plain, name))
    for fast_file, plain_file in zip(fast_files, plain_files, strict=True):
        assert fast_file.read_bytes() == plain_file.read_bytes(), fast_file.name


@pytest.mark.parametrize("run_id", [0, 6])
def test_model_run_equals_ensemble_run(run_id):
    seed, months, runs = 17, 24, 8
    spec = calibrated_spec(runs, months=months, seed=seed, dyads_every=1)
    final = kernel_run(spec, np.arange(runs))
    results = run_batch(spec, np.arange(runs))
    model = DiplomacyModel(rng=seed, run_id=run_id)
    codes = list(model.world.codes)
    states = results.states[results.states["run"] == run_id].set_index(["date", "actor"])
    dyads = results.dyads[results.dyads["run"] == run_id].set_index(["date", "actor", "partner"])
    for _ in range(months):
        model.step()
        date = model.date
        for agent in model.states:
            row = states.loc[(date, agent.code)]
            assert row["recognition"] == agent.recognition_level
            assert row["affinity_afg"] == float(np.float32(agent.affinity_to_emirate))
        recorded = dyads.loc[date]["affinity"].unstack().loc[codes, codes].to_numpy()
        model_affinity = model.state.affinity[0].astype(np.float32).astype(float)
        off_diagonal = ~np.eye(len(codes), dtype=bool)
        np.testing.assert_array_equal(recorded[off_diagonal], model_affinity[off_diagonal])
    for field in dataclasses.fields(SimState):
        if field.name == "extra":
            continue
        np.testing.assert_array_equal(
            getattr(model.state, field.name)[0], getattr(final, field.name)[run_id]
        )


def test_split_spec_covers_runs_at_batch_boundaries():
    spec = calibrated_spec(23, months=2, batch_size=5)
    blocks = split_spec(spec, 2)
    assert [(b.first_run, b.runs) for b in blocks] == [(0, 15), (15, 8)]
    assert split_spec(dataclasses.replace(spec, runs=3), 2)[0].runs == 3


def test_two_processes_equal_one_process():
    spec = calibrated_spec(10, months=12, seed=4, batch_size=3, dyads_every=4)
    blocks = split_spec(spec, 2)
    assert len(blocks) == 2
    parts = in_processes(run_ensemble, blocks, 2)
    one = run_ensemble(spec)
    two = Results.concat(parts)
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(two, name), getattr(one, name))


def test_kernel_blocks_equal_whole_batch():
    spec = calibrated_spec(10, months=12, seed=4, batch_size=3)
    whole = kernel_run(spec, np.arange(10))
    blocks = [
        kernel_run(block, np.arange(block.first_run, block.first_run + block.runs))
        for block in split_spec(spec, 2)
    ]
    for field in dataclasses.fields(SimState):
        if field.name == "extra":
            continue
        joined = np.concatenate([getattr(block, field.name) for block in blocks])
        np.testing.assert_array_equal(joined, getattr(whole, field.name))


def test_frames_are_built_when_first_read_and_equal_eager_ones():
    """An ensemble's frames are built from the recorded arrays when first read, one at
    a time; they equal the frames built at once, and lazy results still pickle."""
    import pickle

    from sim.ensemble import iter_batches, record_batch

    spec = calibrated_spec(6, months=8, seed=3, batch_size=4)
    results = run_ensemble(spec)
    assert results.built() == ()
    assert "not built" in repr(results)
    runs = results.runs
    assert results.built() == ("runs",) and results.runs is runs  # built once, then kept
    recorders = [record_batch(spec, ids) for ids in iter_batches(spec)]
    eager = {
        name: pd.concat([r.frames(spec.seed)[name] for r in recorders], ignore_index=True)
        for name in FRAMES
    }
    copy = pickle.loads(pickle.dumps(results))
    for name in FRAMES:
        frame = getattr(results, name)
        pd.testing.assert_frame_equal(
            frame.drop(columns=["parameter_draw"], errors="ignore"),
            eager[name],
            check_categorical=False,
        )
        pd.testing.assert_frame_equal(getattr(copy, name), frame)
    assert set(results.built()) == set(FRAMES)


def test_posterior_columns_equal_the_draws_run_by_run():
    """``ParameterDraws.for_runs`` builds the per-run columns at once; each run's row
    is exactly the ``ModelParameters`` of its draw (what it built one by one before)."""
    from sim.params import RunParameters
    from sim.posterior import ParameterDraws

    draws = ParameterDraws.load()
    run_ids = np.arange(37, 37 + 61)
    fast = draws.for_runs(7, run_ids)
    slow = RunParameters([draws.draw(int(k)) for k in draws.draw_indices(7, run_ids)])
    assert fast.runs == slow.runs == len(run_ids)
    assert fast.columns.keys() == slow.columns.keys()
    for name, column in slow.columns.items():
        assert np.array_equal(fast.columns[name], column), name
    assert fast.run(5) == draws.draw(int(draws.draw_indices(7, run_ids)[5]))


@pytest.mark.parametrize("bias", [-0.6, -0.2, 0.0, 0.4])
def test_compiled_bloc_kernel_equals_numpy_path_from_hostile_to_friendly(bias):
    """The loop scans only occupied labels: worlds where most actors stay alone (empty
    labels, moves into them) or merge into one bloc give the numpy path's labels."""
    compiled = alignment._compiled_bloc_kernel() or _bloc_kernel
    rng = np.random.default_rng(int(10 * bias) + 50)
    for n in (3, 7, 12, 20):
        upper = np.clip(bias + rng.normal(0.0, 0.5, (300, n, n)), -1.0, 1.0)
        upper[:, :, : n // 3] = np.round(upper[:, :, : n // 3], 1)  # ties
        relations = np.triu(upper, 1) + np.triu(upper, 1).transpose(0, 2, 1)
        for threshold in (0.0, 0.25):
            np.testing.assert_array_equal(
                loop_labels(relations, threshold, kernel=compiled),
                numpy_labels(relations, threshold),
            )


def _plain_poisson_count(rate: float, u: float, cap: int) -> int:
    """The count as the reference takes it: every cumulative probability compared."""
    probability = math.exp(-rate)
    cumulative, count = probability, 0
    for j in range(cap):
        count += u > cumulative
        probability = probability * rate / (j + 1)
        cumulative = cumulative + probability
    return count


@pytest.mark.skipif(compiled_arenas() is None, reason="numba not available")
def test_shortcut_attack_counts_and_lever_draws_decide_as_the_plain_formulas():
    """The compiled step skips the exp where the uniform already decides; at uniforms
    within a few ulps of each threshold the decisions are the plain formulas' ones."""
    from sim.arenas import compiled

    generator = np.random.default_rng(11)
    rates = np.concatenate(
        [[0.0, 1e-300, 1e-16, 1e-9, 0.5, 1.0, 3.0, 7.0], generator.exponential(0.2, 400)]
    )
    for rate in rates:
        first = math.exp(-rate)
        edges = [first, 1.0 - rate, 1.0 - math.exp(-rate), rate]
        near = [np.nextafter(e, d) for e in edges for d in (-1.0, 2.0)] + edges
        uniforms = [u for u in [*near, *generator.uniform(0.0, 1.0, 20)] if 0.0 <= u < 1.0]
        for u in uniforms:
            cap = compiled.POISSON_MAX
            assert compiled._poisson_count(rate, u) == _plain_poisson_count(rate, u, cap), (rate, u)
            assert compiled._hazard_hit(rate, u) == (u < 1.0 - math.exp(-rate)), (rate, u)
