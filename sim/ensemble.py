"""Run an ensemble of seeded runs through the array kernel, in batches.

Every run has its own random streams (:mod:`sim.streams`), so results do not
depend on the batch size or on which process ran a batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from sim.dates import add_months, month_index
from sim.kernel import step
from sim.params import ModelParameters
from sim.recorder import Recorder, RecordOptions
from sim.results import Results
from sim.shocks import Shock
from sim.state import initial_state
from sim.streams import RunStreams, draws_per_month
from sim.world import World
from sim.world_changes import WorldChange, worlds_by_month


@dataclass(frozen=True)
class EnsembleSpec:
    """One ensemble: a world, parameters, shocks, a period and a block of runs.

    Attributes:
        world: the starting world.
        params: modelling-choice parameters.
        shocks: validated scenario shocks.
        world_changes: validated structural changes (each from its month on).
        start, end: first and last month (``YYYY-MM``), end >= start.
        runs: number of runs; run indices ``first_run .. first_run + runs - 1``.
        seed: master seed.
        batch_size: runs stepped together (memory/speed knob only).
        record: recording options.
    """

    world: World
    params: ModelParameters
    start: str
    end: str
    runs: int
    seed: int
    shocks: tuple[Shock, ...] = ()
    world_changes: tuple[WorldChange, ...] = ()
    first_run: int = 0
    batch_size: int = 1000
    record: RecordOptions = field(default_factory=RecordOptions)

    @property
    def months(self) -> int:
        """Number of monthly steps."""
        return month_index(self.start, self.end)

    @property
    def dates(self) -> list[str]:
        """Recorded dates: the start month and every simulated month."""
        return [add_months(self.start, k) for k in range(self.months + 1)]


def run_batch(spec: EnsembleSpec, run_ids: np.ndarray) -> Results:
    """Simulate the runs ``run_ids`` of ``spec`` together and return their frames."""
    schedule = worlds_by_month(spec.world, list(spec.world_changes))
    world = schedule[0]
    state = initial_state(world, len(run_ids))
    uniforms_per_month, normals_per_month = draws_per_month(world.n_actors, world.n_groups)
    streams = RunStreams(spec.seed, run_ids, uniforms_per_month, normals_per_month)
    recorder = Recorder(world, run_ids, spec.dates, spec.record)
    recorder.snapshot(0, state)
    by_month: dict[int, list[Shock]] = {}
    for shock in spec.shocks:
        by_month.setdefault(shock.month, []).append(shock)
    for month in range(1, spec.months + 1):
        world = schedule.get(month, world)
        recorder.world = world
        uniforms, normals = streams.next_month()
        record = step(state, world, spec.params, uniforms, normals, by_month.get(month))
        recorder.snapshot(month, state)
        recorder.record_step(month, record)
    return Results.from_frames(recorder.frames(spec.seed), meta={})


def iter_batches(spec: EnsembleSpec) -> Iterator[np.ndarray]:
    """Yield the run-index blocks of ``spec`` in order."""
    all_runs = np.arange(spec.first_run, spec.first_run + spec.runs)
    for begin in range(0, spec.runs, max(spec.batch_size, 1)):
        yield all_runs[begin : begin + spec.batch_size]


def iter_results(spec: EnsembleSpec, progress: bool = False) -> Iterator[Results]:
    """Simulate ``spec`` batch by batch, yielding each batch's frames."""
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=spec.runs, unit="run", desc="runs", leave=False)
    try:
        for run_ids in iter_batches(spec):
            yield run_batch(spec, run_ids)
            if bar is not None:
                bar.update(len(run_ids))
    finally:
        if bar is not None:
            bar.close()


def run_ensemble(spec: EnsembleSpec, progress: bool = False) -> Results:
    """Simulate every run of ``spec`` (in batches) and return all frames in memory."""
    return Results.concat(list(iter_results(spec, progress)))
