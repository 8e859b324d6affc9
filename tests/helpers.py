"""Small helpers shared by tests: calibrated ensembles, the loop without a recorder,
and an ensemble split over fresh processes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from sim.ensemble import EnsembleSpec, baseline_spec, loop_for
from sim.state import SimState

calibrated_spec = baseline_spec


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
