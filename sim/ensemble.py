"""Run an ensemble of seeded runs through the monthly loop, in batches.

Every run has its own random streams (:mod:`sim.streams`), so results do not
depend on the batch size or on which process ran a batch.  A batch is one
:class:`~sim.loop.MonthlyLoop` watched by a :class:`~sim.recorder.Recorder`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from sim.arenas import STANDARD_ARENAS
from sim.arenas.base import Arena
from sim.dates import add_months, month_index
from sim.defaults import DEFAULT_START, DEFAULT_WORLD
from sim.loop import MonthlyLoop
from sim.params import ModelParameters, RunParameters
from sim.posterior import ParameterDraws
from sim.recorder import Recorder, RecordOptions
from sim.results import Results
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


def loop_for(spec: EnsembleSpec, run_ids: np.ndarray) -> MonthlyLoop:
    """The monthly loop of the runs ``run_ids`` of ``spec`` (no observers yet)."""
    return MonthlyLoop(
        spec.world,
        run_parameters(spec, run_ids),
        seed=spec.seed,
        run_ids=run_ids,
        start=spec.start,
        shocks=spec.shocks,
        world_changes=spec.world_changes,
        arenas=spec.arenas,
    )


def run_batch(spec: EnsembleSpec, run_ids: np.ndarray) -> Results:
    """Simulate the runs ``run_ids`` of ``spec`` together and return their frames."""
    loop = loop_for(spec, run_ids)
    recorder = Recorder(loop.world, run_ids, spec.dates, spec.record)
    loop.attach(recorder)
    loop.run(spec.months)
    frames = recorder.frames(spec.seed)
    if isinstance(spec.params, ParameterDraws):  # which posterior draw each run used
        runs = frames["runs"]
        runs.insert(
            runs.columns.get_loc("seed") + 1,
            "parameter_draw",
            spec.params.draw_indices(spec.seed, run_ids),
        )
    return Results.from_frames(frames, meta={})


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
