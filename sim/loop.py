"""The month: one loop owns the world schedule, the streams, the shocks and the kernel.

:class:`MonthlyLoop` is the only thing that steps the kernel.  The ensemble runner
(:mod:`sim.ensemble`), the Mesa model (:mod:`sim.model`), the teaching app and the
benchmarks all drive one; what watches the runs (the recorder, the Mesa agents)
attaches as an :class:`Observer` and is told of the start and of every month.

Each month, in order: the month index advances, the world in force is taken from the
schedule of structural changes (the world's documented steps after the start, then a
scenario's changes), the kernel steps the state (this month's shocks first, then the
arenas, each drawing its variates for this month index from the runs' streams), and
every observer sees the result.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np

from sim.arenas import STANDARD_ARENAS
from sim.arenas.base import Arena
from sim.dates import add_months
from sim.kernel import Backend, Kernel, StepRecord
from sim.params import ModelParameters
from sim.shocks import Shock
from sim.state import SimState, initial_state
from sim.streams import RunStreams
from sim.world import World
from sim.world_changes import WorldChange, documented_steps, worlds_by_month


@functools.cache
def _blas_controller():
    """threadpoolctl's controller of the BLAS libraries loaded (None without threadpoolctl)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def one_blas_thread() -> contextlib.AbstractContextManager:
    """A context in which BLAS runs on one thread: the kernel's matrix products are
    small, and a threaded BLAS on a busy machine costs far more than it gains."""
    controller = _blas_controller()
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


class Observer(Protocol):
    """Something that watches a loop: told of the start and of every month."""

    def on_start(self, loop: MonthlyLoop) -> None: ...

    def on_month(self, loop: MonthlyLoop, record: StepRecord) -> None: ...


class MonthlyLoop:
    """R runs of one world, stepped month by month.

    Args:
        world: the starting world.
        params: modelling-choice parameters.
        seed: master seed; run ``r`` draws from its own streams (:mod:`sim.streams`).
        run_ids: (R,) global run indices of the runs stepped together.
        start: the first month ``YYYY-MM`` (month index 0).
        shocks: scheduled shocks (validated, :func:`sim.shocks.parse_shocks`).
        world_changes: structural changes, each from its month on.
        arenas: the arenas the kernel runs (default :data:`sim.arenas.STANDARD_ARENAS`).
        observers: watchers attached from the start.
        backend: the kernel's implementation of the standard arenas (``"auto"``:
            compiled when numba is available; see :class:`sim.kernel.Kernel`).
        threads: threads the compiled step splits the runs across (results do not
            depend on it; :mod:`sim.parallel`).
    """

    def __init__(
        self,
        world: World,
        params: ModelParameters,
        seed: int,
        run_ids: Sequence[int] | np.ndarray,
        start: str,
        shocks: Iterable[Shock] = (),
        world_changes: Iterable[WorldChange] = (),
        arenas: Sequence[Arena] = STANDARD_ARENAS,
        observers: Iterable[Observer] = (),
        backend: Backend = "auto",
        threads: int = 1,
    ) -> None:
        self.kernel = Kernel(arenas, backend=backend, threads=threads)
        self.params = params
        self.start = start
        self.run_ids = np.asarray(run_ids, dtype=np.int64)
        changes = sorted(
            [*documented_steps(world, start), *world_changes], key=lambda change: change.month
        )
        self._schedule = worlds_by_month(world, changes)
        self.world = self._schedule[0]
        self.layout = self.kernel.layout(self.world)
        runs = len(self.run_ids)
        self.state: SimState = initial_state(
            self.world, runs, self.kernel.extra_state(self.world, runs)
        )
        self.kernel.prepare(self.state, self.world, self.params)
        self.streams = RunStreams(seed, self.run_ids, self.layout)
        self.month = 0
        self.last_record: StepRecord | None = None
        self._shocks: dict[int, list[Shock]] = {}
        self.schedule(shocks)
        self.observers: list[Observer] = []
        for observer in observers:
            self.attach(observer)

    @property
    def date(self) -> str:
        """The current month ``YYYY-MM``."""
        return add_months(self.start, self.month)

    def attach(self, observer: Observer) -> None:
        """Add an observer; it is told of the start at once."""
        self.observers.append(observer)
        observer.on_start(self)

    def schedule(self, shocks: Iterable[Shock]) -> None:
        """Add validated shocks to the schedule (each at its month index)."""
        for shock in shocks:
            self._shocks.setdefault(shock.month, []).append(shock)

    def step(self) -> StepRecord:
        """Advance every run by one month; returns what happened."""
        with one_blas_thread():
            return self._advance()

    def _advance(self) -> StepRecord:
        """One month, BLAS already pinned by the caller."""
        self.month += 1
        self.world = self._schedule.get(self.month, self.world)
        record = self.kernel.step(
            self.state,
            self.world,
            self.params,
            self.layout,
            self.streams,
            self.month,
            self._shocks.get(self.month),
        )
        self.last_record = record
        for observer in self.observers:
            observer.on_month(self, record)
        return record

    def run(self, months: int) -> None:
        """Step ``months`` months (BLAS pinned to one thread once for all of them)."""
        with one_blas_thread():
            for _ in range(months):
                self._advance()
