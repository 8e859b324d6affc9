"""Every core in one process: a batch's runs split across threads.

(A job with at least as many batches as cores runs whole batches side by side instead,
:func:`sim.ensemble.on_threads`; this module serves the smaller jobs.)

The compiled monthly step and the recorder's compiled measures are loops over runs that
release the GIL (numba ``nogil``) and touch only their own runs' rows.  :func:`over_runs`
cuts a batch's run axis into contiguous blocks, one per thread, and calls such a loop on
each block at once: the calling thread takes the first block, a pool of ``threads - 1``
threads the others.  A run computes exactly what it would alone (its variates depend on
its own key only, :mod:`sim.rng`), so results do not depend on the number of threads
(``tests/test_workers.py``).

Threads rather than processes: nothing to start, pickle or import twice, and one copy
of the batch in memory.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

#: Fewer runs than this per thread are not worth a hand-off (about 5 microseconds a
#: run-month against some 30 microseconds to wake a thread); modelling-free tuning choice.
MIN_RUNS_PER_THREAD = 16


@functools.cache
def _pool(workers: int) -> ThreadPoolExecutor:
    """A pool of ``workers`` threads, started once per process and size."""
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sim-runs")


def blocks(runs: int, threads: int) -> list[tuple[int, int]]:
    """Contiguous ``(first, stop)`` blocks of ``range(runs)``, at most ``threads`` of
    them and each of at least :data:`MIN_RUNS_PER_THREAD` runs (one block when small)."""
    parts = max(1, min(int(threads), runs // MIN_RUNS_PER_THREAD))
    edges = [runs * k // parts for k in range(parts + 1)]
    return list(itertools.pairwise(edges))


def over_runs(call: Callable[[int, int], None], runs: int, threads: int = 1) -> None:
    """``call(first, stop)`` on every block of :func:`blocks` (runs, threads), at once.

    ``call`` must touch only the rows ``first:stop`` of the run axis of whatever it
    writes.  Returns when every block is done; an exception in any block is raised here.
    """
    parts = blocks(runs, threads)
    if len(parts) == 1:
        call(0, runs)
        return
    pool = _pool(len(parts) - 1)
    futures = [pool.submit(call, first, stop) for first, stop in parts[1:]]
    try:
        call(*parts[0])
    finally:
        for future in futures:
            future.result()
