"""Small helpers shared by tests: calibrated ensembles, the loop without a recorder,
and an ensemble split over fresh processes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from sim.dates import add_months
from sim.ensemble import EnsembleSpec, loop_for
from sim.params import ModelParameters
from sim.recorder import RecordOptions
from sim.state import SimState
from sim.world import World
from sim.world_files import load_world

START = "2024-03"


def calibrated_spec(
    runs: int,
    months: int = 120,
    seed: int = 0,
    batch_size: int = 1000,
    world: World | None = None,
    dyads_every: int = 12,
) -> EnsembleSpec:
    """The baseline ensemble (no shocks) of the calibrated world, from 2024-03."""
    return EnsembleSpec(
        world=world if world is not None else load_world("afghanistan", start=START),
        params=ModelParameters.fitted(),
        start=START,
        end=add_months(START, months),
        runs=runs,
        seed=seed,
        batch_size=batch_size,
        record=RecordOptions(dyads_every=dyads_every),
    )


def kernel_run(spec: EnsembleSpec, run_ids: np.ndarray) -> SimState:
    """The final state of the runs ``run_ids`` of ``spec``, stepped without recording."""
    loop = loop_for(spec, run_ids)
    loop.run(spec.months)
    return loop.state


def in_processes(function: Callable, items: list, processes: int) -> list:
    """``[function(item) for item in items]`` in a pool of fresh (spawned) processes."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        return list(pool.map(function, items))
