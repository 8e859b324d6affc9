"""Run an ensemble of seeded runs through the monthly loop, in batches, on every core.

Every run has its own random streams (:mod:`sim.streams`), so results do not
depend on the batch size or on which process ran a batch.  A batch is one
:class:`~sim.loop.MonthlyLoop` watched by a :class:`~sim.recorder.Recorder`.

``workers`` says how many cores a job uses.  ``"auto"`` (the default) uses every core
in this process, one thread per core (:func:`resolve_threads`): whole batches side by
side, one per thread, when there are at least as many batches as cores, else each
month the compiled step and the recorder's compiled pass split a batch's runs across
the threads (:func:`on_threads`, :mod:`sim.parallel`); nothing is started or pickled.
A number ``N`` > 1 runs batches in ``N`` worker processes instead (a loky executor,
from joblib: fresh interpreters, safe whatever threads the parent holds, that do not
re-run the caller's script), each on one thread with BLAS pinned to one thread; a
worker sends back its batch's compact recorded arrays, and the parent builds the
frames, in batch order, while the workers go on.  At most two batches per worker are in
flight, so memory stays that of a few batches however many runs there are.  ``1`` runs
on one thread.  The results are identical whatever the choice (``tests/test_workers.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.arenas import STANDARD_ARENAS
from sim.arenas.base import Arena
from sim.dates import add_months, month_index
from sim.defaults import DEFAULT_START, DEFAULT_WORLD
from sim.loop import MonthlyLoop, one_blas_thread
from sim.params import ModelParameters, RunParameters
from sim.posterior import ParameterDraws
from sim.recorder import Recorder, RecordOptions
from sim.results import FRAMES, Results
from sim.shocks import Shock
from sim.world import World
from sim.world_changes import WorldChange
from sim.world_files import load_world


@dataclass(frozen=True)
class EnsembleSpec:
    """One ensemble: a world, parameters, shocks, a period and a block of runs.

    Attributes:
        world: the starting world.
        params: modelling-choice parameters: one point for every run, or weighted
            posterior draws (one per run, :mod:`sim.posterior`).
        shocks: validated scenario shocks.
        world_changes: validated structural changes (each from its month on).
        start, end: first and last month (``YYYY-MM``), end >= start.
        runs: number of runs; run indices ``first_run .. first_run + runs - 1``.
        seed: master seed.
        batch_size: runs stepped together (memory/speed knob only).
        record: recording options.
        arenas: the arenas the kernel runs.
        workers: cores the job uses: ``"auto"`` (every core, as threads of this process,
            :func:`resolve_threads`), or a number of processes, each on one thread
            (:func:`resolve_workers`; 1 runs in this process on one thread).
    """

    world: World
    params: ModelParameters | ParameterDraws
    start: str
    end: str
    runs: int
    seed: int
    shocks: tuple[Shock, ...] = ()
    world_changes: tuple[WorldChange, ...] = ()
    first_run: int = 0
    batch_size: int = 1000
    record: RecordOptions = field(default_factory=RecordOptions)
    arenas: tuple[Arena, ...] = STANDARD_ARENAS
    workers: int | str = 1

    @property
    def months(self) -> int:
        """Number of monthly steps."""
        return month_index(self.start, self.end)

    @property
    def dates(self) -> list[str]:
        """Recorded dates: the start month and every simulated month."""
        return [add_months(self.start, k) for k in range(self.months + 1)]


def baseline_spec(
    runs: int,
    months: int = 120,
    seed: int = 0,
    batch_size: int = 1000,
    world: World | None = None,
    dyads_every: int = 12,
) -> EnsembleSpec:
    """The baseline ensemble (no shocks, fitted parameters) of the calibrated world from
    its March 2024 state, ``months`` long (or of ``world``): for benchmarks and tests."""
    return EnsembleSpec(
        world=world if world is not None else load_world(DEFAULT_WORLD, start=DEFAULT_START),
        params=ModelParameters.fitted(),
        start=DEFAULT_START,
        end=add_months(DEFAULT_START, months),
        runs=runs,
        seed=seed,
        batch_size=batch_size,
        record=RecordOptions(dyads_every=dyads_every),
    )


def run_parameters(spec: EnsembleSpec, run_ids: np.ndarray) -> ModelParameters | RunParameters:
    """The parameters of the runs ``run_ids``: the point, or each run's posterior draw."""
    if isinstance(spec.params, ParameterDraws):
        return spec.params.for_runs(spec.seed, run_ids)
    return spec.params


def loop_for(spec: EnsembleSpec, run_ids: np.ndarray, threads: int = 1) -> MonthlyLoop:
    """The monthly loop of the runs ``run_ids`` of ``spec`` (no observers yet), its
    runs split across ``threads`` threads."""
    return MonthlyLoop(
        spec.world,
        run_parameters(spec, run_ids),
        seed=spec.seed,
        run_ids=run_ids,
        start=spec.start,
        shocks=spec.shocks,
        world_changes=spec.world_changes,
        arenas=spec.arenas,
        threads=threads,
    )


def record_batch(spec: EnsembleSpec, run_ids: np.ndarray, threads: int = 1) -> Recorder:
    """Simulate the runs ``run_ids`` of ``spec`` together (split across ``threads``
    threads); return what was recorded."""
    loop = loop_for(spec, run_ids, threads)
    recorder = Recorder(loop.world, run_ids, spec.dates, spec.record, threads=threads)
    loop.attach(recorder)
    loop.run(spec.months)
    return recorder


def batch_results(spec: EnsembleSpec, run_ids: np.ndarray, recorder: Recorder) -> Results:
    """The frames of a recorded batch, each built when first read."""
    frames = {name: functools.partial(recorder.frame, name, spec.seed) for name in FRAMES}
    frames["runs"] = functools.partial(_runs_with_draws, spec, run_ids, recorder)
    return Results.from_frames(frames, meta={})


def _runs_with_draws(spec: EnsembleSpec, run_ids: np.ndarray, recorder: Recorder) -> pd.DataFrame:
    """The batch's ``runs`` frame, with each run's posterior draw when there are draws."""
    runs = recorder.frame("runs", spec.seed)
    if isinstance(spec.params, ParameterDraws):  # which posterior draw each run used
        runs.insert(
            runs.columns.get_loc("seed") + 1,
            "parameter_draw",
            spec.params.draw_indices(spec.seed, run_ids),
        )
    return runs


def run_batch(spec: EnsembleSpec, run_ids: np.ndarray, threads: int = 1) -> Results:
    """Simulate the runs ``run_ids`` of ``spec`` together and return their frames."""
    return batch_results(spec, run_ids, record_batch(spec, run_ids, threads))


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def resolve_workers(spec: EnsembleSpec) -> int:
    """The number of worker processes for ``spec`` (1: run in this process).

    ``"auto"`` is 1 (every core is used by threads, :func:`resolve_threads`); a number
    is taken as given, but never more workers than batches, and 1 inside a pool's
    worker.
    """
    import multiprocessing

    if spec.workers == "auto" or multiprocessing.current_process().daemon:
        return 1  # a pool's worker may not start processes of its own
    batches = max(math.ceil(spec.runs / max(spec.batch_size, 1)), 1)
    return max(1, min(int(spec.workers), batches))


def resolve_threads(spec: EnsembleSpec) -> int:
    """Threads splitting each batch's runs in this process: every core
    (:func:`available_cores`) for ``workers="auto"``, else 1 (a worker process each)."""
    return available_cores() if spec.workers == "auto" else 1


def _start_worker() -> None:
    """Pool initializer: the compiled step loaded, then one BLAS thread per worker."""
    from sim.kernel import compiled_arenas

    compiled_arenas()  # loads the BLAS the compiled step calls, so the limit covers it
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
    except ImportError:
        pass


def _record_in_worker(spec: EnsembleSpec, run_ids: np.ndarray) -> Recorder:
    return record_batch(spec, run_ids)


def _recorded(spec: EnsembleSpec, workers: int) -> Iterator[tuple[np.ndarray, Recorder]]:
    """Every batch's (run ids, recorder), in batch order, from ``workers`` processes."""
    from joblib.externals.loky import ProcessPoolExecutor

    # an executor of our own, not joblib's shared reusable one (which joblib.Parallel, and
    # so Hydra's joblib launcher, expects to configure itself)
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker)
    try:
        yield from _in_batch_order(
            lambda run_ids: pool.submit(_record_in_worker, spec, run_ids),
            iter_batches(spec),
            2 * workers,
        )
    finally:
        pool.shutdown(wait=True)


def _in_batch_order(
    submit: Callable[[np.ndarray], Future], batches: Iterator[np.ndarray], window: int
) -> Iterator[tuple[np.ndarray, Any]]:
    """(run ids, result) of ``submit(run_ids)`` for every batch, in batch order, with at
    most ``window`` batches in flight; stopped early (an error, an interrupt), the rest
    are dropped."""
    pending: deque = deque()
    try:
        for run_ids in itertools.islice(batches, window):
            pending.append((run_ids, submit(run_ids)))
        while pending:
            run_ids, future = pending.popleft()
            result = future.result()
            following = next(batches, None)
            if following is not None:
                pending.append((following, submit(following)))
            yield run_ids, result
    finally:
        for _, future in pending:
            future.cancel()


def on_threads[T](
    spec: EnsembleSpec,
    threads: int,
    work: Callable[[EnsembleSpec, np.ndarray, int], T] | None = None,
) -> Iterator[tuple[np.ndarray, T]]:
    """Every batch's (run ids, ``work(spec, run_ids, threads_per_batch)``), in batch
    order, on ``threads`` threads of this process (``work`` is :func:`run_batch` by
    default, looked up when called; or another step of a batch, such as the bench's
    kernel-only run).

    With at least as many batches as threads, whole batches run side by side, one per
    thread (each month's compiled work releases the GIL; a batch then waits for no
    other between months); with fewer, each batch's runs are split across the threads
    every month (:func:`sim.parallel.over_runs`).  At most two batches per thread are
    in flight.  The results are the same either way (``tests/test_workers.py``).
    """
    if work is None:
        work = run_batch
    n_batches = math.ceil(spec.runs / max(spec.batch_size, 1))
    side_by_side = min(threads, n_batches)
    if side_by_side <= 1:
        for run_ids in iter_batches(spec):
            yield run_ids, work(spec, run_ids, threads)
        return
    per_batch = max(1, threads // side_by_side)
    # BLAS pinned once around all batches: the loops' own pins are then no-ops, so one
    # batch ending cannot lift the limit under another
    with one_blas_thread(), ThreadPoolExecutor(side_by_side, "sim-batches") as pool:
        yield from _in_batch_order(
            lambda run_ids: pool.submit(work, spec, run_ids, per_batch),
            iter_batches(spec),
            2 * side_by_side,
        )


def split_spec(spec: EnsembleSpec, parts: int = 2) -> list[EnsembleSpec]:
    """Split the runs of ``spec`` into up to ``parts`` blocks of run indices, at batch
    boundaries (each block a spec of its own; together they are the same ensemble)."""
    batch = max(spec.batch_size, 1)
    n_batches = math.ceil(spec.runs / batch)
    per_part = math.ceil(n_batches / max(parts, 1))
    blocks, first = [], 0
    while first < spec.runs:
        count = min(per_part * batch, spec.runs - first)
        blocks.append(dataclasses.replace(spec, first_run=spec.first_run + first, runs=count))
        first += count
    return blocks


def iter_batches(spec: EnsembleSpec) -> Iterator[np.ndarray]:
    """Yield the run-index blocks of ``spec`` in order."""
    all_runs = np.arange(spec.first_run, spec.first_run + spec.runs)
    for begin in range(0, spec.runs, max(spec.batch_size, 1)):
        yield all_runs[begin : begin + spec.batch_size]


def iter_results(spec: EnsembleSpec, progress: bool = False) -> Iterator[Results]:
    """Simulate ``spec`` batch by batch, yielding each batch's frames in run order
    (batches run on :func:`resolve_threads` threads, or in :func:`resolve_workers`
    processes)."""
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=spec.runs, unit="run", desc="runs", leave=False)
    workers = resolve_workers(spec)
    try:
        if workers == 1:
            for run_ids, results in on_threads(spec, resolve_threads(spec)):
                yield results
                if bar is not None:
                    bar.update(len(run_ids))
        else:
            for run_ids, recorder in _recorded(spec, workers):
                yield batch_results(spec, run_ids, recorder)
                if bar is not None:
                    bar.update(len(run_ids))
    finally:
        if bar is not None:
            bar.close()


def run_ensemble(spec: EnsembleSpec, progress: bool = False) -> Results:
    """Simulate every run of ``spec`` (in batches) and return all frames in memory."""
    return Results.concat(list(iter_results(spec, progress)))
