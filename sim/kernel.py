"""The monthly step: a kernel over arrays with a leading run axis.

A :class:`Kernel` runs a list of arenas (:mod:`sim.arenas`) in order, after the
month's scheduled shocks (:mod:`sim.shocks`).  The standard order:

1. scenario shocks scheduled for the month;
2. security: groups strike, victims answer (:mod:`sim.arenas.security`);
3. the Emirate moves its policy levers (:mod:`sim.arenas.emirate`);
4. recognition: states move on the ladder (:mod:`sim.arenas.recognition`);
5. trade: flows move toward their targets (:mod:`sim.arenas.trade`);
6. alignment: affinities update (:mod:`sim.arenas.relations`).

The same kernel serves one run (the Mesa model) and ten thousand (the ensemble
runner); a run's random numbers come only from its own streams, so both paths give
identical results for the same seed and run index.  Only :mod:`sim.loop` steps it.

Two implementations of the standard arenas: the numpy arenas (:mod:`sim.arenas`, the
reference) and the same five fused into one compiled loop over runs
(:mod:`sim.arenas.compiled`).  A kernel whose arenas begin with
:data:`~sim.arenas.STANDARD_ARENAS` runs them compiled when numba is installed and the
environment does not set ``SIM_NUMBA=0`` (``backend="auto"``), then any added arena on
the numpy path; otherwise everything runs on the numpy path, with a one-line note on
standard error the first time.  Both paths draw the same variates
(:mod:`sim.streams`) and agree to rounding (``tests/test_compiled.py``).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from types import ModuleType
from typing import Literal

import numpy as np

from sim import rng
from sim.arenas import STANDARD_ARENAS
from sim.arenas.base import Arena, Month
from sim.params import ModelParameters
from sim.shocks import Shock, apply_shocks
from sim.state import SimState
from sim.streams import ArenaDraws, DrawLayout, RunStreams
from sim.world import World

Backend = Literal["auto", "numba", "numpy"]

#: Outputs the kernel itself provides before the first arena runs.
KERNEL_OUTPUTS = ("shock_moves",)


@dataclass
class StepRecord:
    """Everything that happened in one month, for all runs.

    Attributes:
        attacks: (R, G, N) attacks by each group on each actor.
        strikes, closures, reopenings, deportations, sanctions, cooperation: (R, N) bool.
        delistings: (R, N) bool: a state took the target off its terror list.
        moves: (R, N) recognition change in {-1, 0, +1} (chosen moves only).
        shock_moves: (R, N) recognition change forced by scheduled events.
        shocks: the shocks applied this month.
        outputs: every arena output of the month by name (including the above).
    """

    attacks: np.ndarray
    strikes: np.ndarray
    closures: np.ndarray
    reopenings: np.ndarray
    deportations: np.ndarray
    sanctions: np.ndarray
    cooperation: np.ndarray
    delistings: np.ndarray
    moves: np.ndarray
    shock_moves: np.ndarray
    shocks: list[Shock]
    outputs: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def from_outputs(cls, outputs: dict[str, np.ndarray], shocks: list[Shock]) -> StepRecord:
        named = {f.name for f in fields(cls)} - {"shocks", "outputs"}
        return cls(**{name: outputs[name] for name in named}, shocks=shocks, outputs=outputs)


def check_arenas(arenas: Sequence[Arena]) -> None:
    """Check that the arenas' declarations fit together (raises ValueError).

    Every output an arena reads must come from an earlier arena (or the kernel);
    state fields read or written must exist; names are unique.
    """
    state_fields = {f.name for f in fields(SimState)} - {"extra"}
    parameters = set(ModelParameters.specs())
    produced = set(KERNEL_OUTPUTS)
    names: set[str] = set()
    own_state: set[str] = set()
    for arena in arenas:
        if arena.name in names:
            raise ValueError(f"two arenas are named {arena.name!r}")
        names.add(arena.name)
        own_state |= set(arena.state)
        for read in arena.reads:
            if read not in state_fields | own_state | produced:
                raise ValueError(
                    f"arena {arena.name!r} reads {read!r}, which is neither a state field nor "
                    "an output of an earlier arena"
                )
        for written in arena.writes:
            if written not in state_fields | own_state:
                raise ValueError(f"arena {arena.name!r} writes {written!r}: not a state field")
        for name in arena.parameters:
            if name not in parameters:
                raise ValueError(f"arena {arena.name!r} uses unknown parameter {name!r}")
        produced |= set(arena.outputs)
    record_fields = {f.name for f in fields(StepRecord)} - {"shocks", "outputs"}
    missing = record_fields - produced
    if missing:
        raise ValueError(f"no arena produces {sorted(missing)} for the month's record")


def _note(message: str) -> None:
    print(f"sim: {message}", file=sys.stderr, flush=True)


@functools.cache
def compiled_arenas() -> ModuleType | None:
    """:mod:`sim.arenas.compiled`, or None (with a one-line note on standard error, once)
    when numba is not installed or ``SIM_NUMBA=0`` switches it off."""
    if os.environ.get("SIM_NUMBA", "1") == "0":
        _note("SIM_NUMBA=0: the monthly step runs on the numpy path (same results, slower)")
        return None
    try:
        from sim.arenas import compiled
    except ImportError:
        _note(
            "numba is not installed: the monthly step runs on the numpy path (same results, slower)"
        )
        return None
    return compiled


def backend_name(backend: Backend = "auto") -> str:
    """``"numba"`` or ``"numpy"``: what a kernel of the standard arenas would run."""
    if backend == "numpy":
        return "numpy"
    return "numba" if compiled_arenas() is not None else "numpy"


class Kernel:
    """The monthly step of a list of arenas (default :data:`STANDARD_ARENAS`).

    Args:
        arenas: the arenas, in order.
        backend: ``"auto"`` (compiled when available), ``"numba"`` (compiled, or
            RuntimeError) or ``"numpy"`` (the reference arenas).
        threads: threads the compiled step splits the runs across (>= 1; the numpy
            path runs on one); results do not depend on it.
    """

    def __init__(
        self,
        arenas: Sequence[Arena] = STANDARD_ARENAS,
        backend: Backend = "auto",
        threads: int = 1,
    ) -> None:
        check_arenas(arenas)
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads={threads!r}: expected a positive integer")
        self.threads = threads
        self.arenas = tuple(arenas)
        standard = len(STANDARD_ARENAS)
        fused = self.arenas[:standard] == STANDARD_ARENAS
        self._compiled: ModuleType | None = None
        if backend not in ("auto", "numba", "numpy"):
            raise ValueError(f"backend={backend!r}: expected auto, numba or numpy")
        if backend == "numba" and not fused:
            raise ValueError("backend='numba' needs the standard arenas first")
        if fused and backend != "numpy":
            self._compiled = compiled_arenas()
            if self._compiled is None and backend == "numba":
                raise RuntimeError("backend='numba': numba is not available (or SIM_NUMBA=0)")
        self._numpy_arenas = self.arenas[standard:] if self._compiled is not None else self.arenas
        self._cache: dict[str, tuple[object, object]] = {}

    @property
    def backend(self) -> str:
        """``"numba"`` when the standard arenas run compiled, else ``"numpy"``."""
        return "numpy" if self._compiled is None else "numba"

    def _cached(self, name: str, key: object, build):
        """``build()``, remembered while ``key`` stays the same object."""
        held = self._cache.get(name)
        if held is None or held[0] is not key:
            held = (key, build())
            self._cache[name] = held
        return held[1]

    def layout(self, world: World) -> DrawLayout:
        """The per-month draw layout of these arenas in ``world``."""
        return DrawLayout(self.arenas, world)

    def extra_state(self, world: World, runs: int) -> dict[str, np.ndarray]:
        """Starting values of the arenas' own state fields."""
        return {
            name: initial(world, runs)
            for arena in self.arenas
            for name, initial in arena.state.items()
        }

    def prepare(self, state: SimState, world: World, params: ModelParameters) -> None:
        """Let each arena set its own state from the starting state (``Arena.prepare``)."""
        for arena in self.arenas:
            if arena.prepare is not None:
                arena.prepare(state, world, params)

    def step(
        self,
        state: SimState,
        world: World,
        params: ModelParameters,
        layout: DrawLayout,
        streams: RunStreams,
        month_index: int,
        shocks: list[Shock] | None = None,
    ) -> StepRecord:
        """Advance ``state`` (in place) by one month and return what happened.

        Args:
            state: R runs of the world.
            world: the world in force this month.
            params: modelling-choice parameters (a point, or :class:`RunParameters`).
            layout: the draw layout of these arenas (:meth:`layout`).
            streams: the runs' streams (:class:`sim.streams.RunStreams`).
            month_index: this month's index (1 = the first simulated month).
            shocks: this month's scheduled shocks.
        """
        levels_before = state.recognition.copy()
        effects = apply_shocks(state, world, shocks or [])
        month = Month(state=state, world=world, params=params, shocks=effects)
        shock_moves = state.recognition - levels_before
        month.outputs["shock_moves"] = shock_moves
        variates = streams.month(month_index)
        if self._compiled is not None:
            month.outputs.update(
                self._compiled_step(
                    state, world, params, layout, streams, month_index, effects, shock_moves
                )
            )
        for arena in self._numpy_arenas:
            month.draws = ArenaDraws(layout, arena.name, variates)
            arena.step(month)
        return StepRecord.from_outputs(month.outputs, effects.applied)

    def _compiled_step(
        self, state, world, params, layout, streams, month_index, effects, shock_moves
    ):
        compiled = self._compiled
        runs = state.runs

        def offsets():
            return (
                compiled.slot_offsets(layout, compiled.UNIFORM_DRAWS),
                compiled.slot_offsets(layout, compiled.NORMAL_DRAWS),
            )

        def words():
            return (
                rng.slot_words(layout.count(0, "uniform")),
                rng.slot_words(layout.count(0, "normal")),
            )

        def keys():
            return (streams.keys[(0, "uniform")], streams.keys[(0, "normal")])

        return compiled.step(
            month_index,
            self._cached("params", params, lambda: compiled.parameter_matrix(params, runs)),
            self._cached("keys", streams, keys),
            self._cached("words", layout, words),
            self._cached("offsets", layout, offsets),
            self._cached("world", world, lambda: compiled.prepare_world(world)),
            state,
            effects,
            shock_moves,
            self.threads,
        )
