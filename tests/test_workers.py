"""One ensemble on several threads or worker processes equals the same ensemble on one."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest

from sim.ensemble import (
    iter_results,
    loop_for,
    resolve_threads,
    resolve_workers,
    run_batch,
    run_ensemble,
)
from sim.parallel import MIN_RUNS_PER_THREAD, blocks, over_runs
from sim.results import FRAMES
from tests.helpers import calibrated_spec


def test_two_workers_give_the_frames_of_one():
    spec = calibrated_spec(14, months=14, seed=8, batch_size=3, dyads_every=5)
    one = run_ensemble(dataclasses.replace(spec, workers=1))
    two = run_ensemble(dataclasses.replace(spec, workers=2))
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(two, name), getattr(one, name))
    streamed = list(iter_results(dataclasses.replace(spec, workers=2)))
    assert [int(batch.runs["run"].iloc[0]) for batch in streamed] == [0, 3, 6, 9, 12]


def test_auto_uses_every_core_as_threads_and_a_number_as_processes(monkeypatch):
    from sim import ensemble

    monkeypatch.setattr(ensemble, "available_cores", lambda: 8)
    spec = calibrated_spec(2000, months=12, batch_size=500)
    auto = dataclasses.replace(spec, workers="auto")
    assert (resolve_workers(auto), resolve_threads(auto)) == (1, 8)
    three = dataclasses.replace(spec, workers=3)
    assert (resolve_workers(three), resolve_threads(three)) == (3, 1)
    assert resolve_workers(dataclasses.replace(spec, workers=64)) == 4  # never more than batches
    one = dataclasses.replace(spec, workers=1)
    assert (resolve_workers(one), resolve_threads(one)) == (1, 1)


def test_blocks_cover_the_runs_in_order_and_small_batches_stay_whole():
    assert blocks(10, 4) == [(0, 10)]
    assert blocks(MIN_RUNS_PER_THREAD * 2, 8) == [
        (0, MIN_RUNS_PER_THREAD),
        (MIN_RUNS_PER_THREAD, 2 * MIN_RUNS_PER_THREAD),
    ]
    for runs, threads in ((1000, 2), (1001, 3), (97, 5), (5000, 7)):
        parts = blocks(runs, threads)
        assert parts[0][0] == 0 and parts[-1][1] == runs
        assert all(a[1] == b[0] for a, b in itertools.pairwise(parts))
        assert len(parts) <= threads
        assert min(stop - first for first, stop in parts) >= MIN_RUNS_PER_THREAD


def test_over_runs_runs_blocks_on_other_threads_and_raises_their_errors():
    import threading

    seen: dict[tuple[int, int], str] = {}
    together = threading.Barrier(4, timeout=30)  # passes only if all four run at once

    def call(first, stop):
        seen[(first, stop)] = threading.current_thread().name
        together.wait()

    over_runs(call, 64, 4)
    assert sorted(seen) == blocks(64, 4)
    assert len(set(seen.values())) == 4  # the caller's thread and three of the pool's

    def failing(first, stop):
        if first > 0:
            raise ValueError("block failed")

    with pytest.raises(ValueError, match="block failed"):
        over_runs(failing, 64, 4)


def test_threads_give_the_state_and_frames_of_one_thread():
    """The compiled step and the recorder's compiled measures split over 1, 2 and 3
    threads (uneven blocks) give bitwise the same states, records and frames."""
    spec = calibrated_spec(3 * MIN_RUNS_PER_THREAD + 5, months=14, seed=5, dyads_every=5)
    run_ids = np.arange(spec.runs)
    loops = [loop_for(spec, run_ids, threads) for threads in (1, 2, 3)]
    for loop in loops:
        assert loop.kernel.threads in (1, 2, 3)
        loop.run(spec.months)
    for field in dataclasses.fields(loops[0].state):
        if field.name == "extra":
            continue
        reference = getattr(loops[0].state, field.name)
        for loop in loops[1:]:
            np.testing.assert_array_equal(getattr(loop.state, field.name), reference)
    one = run_batch(spec, run_ids, threads=1)
    for threads in (2, 3):
        split = run_batch(spec, run_ids, threads=threads)
        for name in FRAMES:
            pd.testing.assert_frame_equal(getattr(split, name), getattr(one, name))


@pytest.mark.parametrize("cores", [2, 3, 8])
def test_batches_side_by_side_on_threads_give_the_frames_of_one_thread(monkeypatch, cores):
    """workers=auto with more batches than cores runs whole batches side by side, one
    per thread (with fewer, a batch's runs are split): the same frames, in batch order."""
    from sim import ensemble

    spec = calibrated_spec(2 * MIN_RUNS_PER_THREAD + 9, months=13, seed=4, batch_size=7)
    one = run_ensemble(dataclasses.replace(spec, workers=1))
    monkeypatch.setattr(ensemble, "available_cores", lambda: cores)
    auto = dataclasses.replace(spec, workers="auto")
    streamed = list(iter_results(auto))
    assert [int(batch.runs["run"].iloc[0]) for batch in streamed] == list(range(0, spec.runs, 7))
    threaded = run_ensemble(auto)
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(threaded, name), getattr(one, name))


def test_on_threads_runs_batches_at_once_and_splits_threads_when_batches_are_few():
    import threading

    from sim.ensemble import on_threads

    spec = calibrated_spec(12, months=2, batch_size=4)  # three batches
    barrier = threading.Barrier(3, timeout=30)

    def work(spec, run_ids, threads):  # passes only if all three batches run at once
        barrier.wait()
        return threads, threading.current_thread().name

    done = list(on_threads(spec, 3, work))
    assert [int(run_ids[0]) for run_ids, _ in done] == [0, 4, 8]
    assert all(threads == 1 and name.startswith("sim-batches") for _, (threads, name) in done)
    one_batch = dataclasses.replace(spec, runs=4)
    assert [r for _, r in on_threads(one_batch, 3, lambda s, ids, t: t)] == [3]  # split runs

    def fails(spec, run_ids, threads):
        if run_ids[0] == 4:
            raise RuntimeError("batch 4")
        return 0

    with pytest.raises(RuntimeError, match="batch 4"):
        list(on_threads(spec, 2, fails))


def test_workers_is_a_config_key():
    import pytest

    from sim.api import compose_spec
    from sim.errors import ConfigError

    assert compose_spec([])[1].workers == "auto"
    assert compose_spec(["workers=2"])[1].workers == 2
    assert compose_spec([])[1].record.dyads_every == 12
    for bad in ("workers=0", "workers=many", "workers=1.5"):
        with pytest.raises(ConfigError, match="workers"):
            compose_spec([bad])


def test_joblib_still_works_after_an_ensemble_on_workers():
    """The workers' executor is our own: joblib's shared one (Hydra's joblib launcher,
    SALib) is left for joblib to configure."""
    from joblib import Parallel, delayed

    run_ensemble(dataclasses.replace(calibrated_spec(4, months=2, batch_size=2), workers=2))
    assert Parallel(n_jobs=2)(delayed(abs)(-k) for k in range(3)) == [0, 1, 2]
