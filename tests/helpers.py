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


def wait_until_serving(process, url: str, log, timeout_s: float) -> None:
    """Poll ``url`` until it answers 200; fail the test if ``process`` exits first or the
    deadline passes (``log``: the server's output file, quoted in the failure)."""
    import time
    import urllib.request

    import pytest

    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            pytest.fail(f"the app exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the app did not answer on {url}:\n{log.read_text()}")
        time.sleep(0.3)


def stop_server(process) -> None:
    """Terminate a server process, killing it if it does not stop within 10 s."""
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
