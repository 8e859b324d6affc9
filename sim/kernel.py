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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np

from sim.arenas import STANDARD_ARENAS
from sim.arenas.base import Arena, Month
from sim.params import ModelParameters
from sim.shocks import Shock, apply_shocks
from sim.state import SimState
from sim.streams import ArenaDraws, DrawLayout
from sim.world import World

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


class Kernel:
    """The monthly step of a list of arenas (default :data:`STANDARD_ARENAS`)."""

    def __init__(self, arenas: Sequence[Arena] = STANDARD_ARENAS) -> None:
        check_arenas(arenas)
        self.arenas = tuple(arenas)

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
        variates: dict,
        shocks: list[Shock] | None = None,
    ) -> StepRecord:
        """Advance ``state`` (in place) by one month and return what happened.

        Args:
            state: R runs of the world.
            world: the world in force this month.
            params: modelling-choice parameters.
            layout: the draw layout of these arenas (:meth:`layout`).
            variates: this month's variates (:meth:`sim.streams.RunStreams.next_month`).
            shocks: this month's scheduled shocks.
        """
        levels_before = state.recognition.copy()
        effects = apply_shocks(state, world, shocks or [])
        month = Month(state=state, world=world, params=params, shocks=effects)
        month.outputs["shock_moves"] = state.recognition - levels_before
        for arena in self.arenas:
            month.draws = ArenaDraws(layout, arena.name, variates)
            arena.step(month)
        return StepRecord.from_outputs(month.outputs, effects.applied)
