"""The monthly step: a kernel over arrays with a leading run axis.

Order within a month (each arena documents its mechanism):

1. scenario shocks scheduled for the month (:mod:`sim.shocks`);
2. security: groups strike, victims answer (:mod:`sim.arenas.security`);
3. the Emirate moves its policy levers (:mod:`sim.arenas.emirate`);
4. recognition: states move on the ladder (:mod:`sim.arenas.recognition`);
5. trade: flows move toward their targets (:mod:`sim.arenas.trade`);
6. alignment: affinities update (:mod:`sim.arenas.relations`).

The same function serves one run (the Mesa model) and ten thousand (the
ensemble runner); a run's random numbers come only from its own streams, so
both paths give identical results for the same seed and run index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.arenas.emirate import emirate_step
from sim.arenas.recognition import recognition_step
from sim.arenas.relations import relations_step
from sim.arenas.security import security_step
from sim.arenas.trade import trade_step
from sim.params import ModelParameters
from sim.shocks import Shock, apply_shocks
from sim.state import SimState
from sim.streams import Draws
from sim.world import World


@dataclass
class StepRecord:
    """Everything that happened in one month, for all runs.

    Attributes:
        attacks: (R, G, N) attacks by each group on each actor.
        strikes, closures, reopenings, deportations, cooperation: (R, N) bool.
        moves: (R, N) recognition change in {-1, 0, +1} (chosen moves only).
        shock_moves: (R, N) recognition change forced by scheduled events.
        shocks: the shocks applied this month.
    """

    attacks: np.ndarray
    strikes: np.ndarray
    closures: np.ndarray
    reopenings: np.ndarray
    deportations: np.ndarray
    cooperation: np.ndarray
    moves: np.ndarray
    shock_moves: np.ndarray
    shocks: list[Shock]


def step(
    state: SimState,
    world: World,
    params: ModelParameters,
    uniforms: np.ndarray,
    normals: np.ndarray,
    shocks: list[Shock] | None = None,
) -> StepRecord:
    """Advance ``state`` (in place) by one month and return what happened.

    Args:
        state: R runs of the world.
        world: the world (shared by all runs).
        params: modelling-choice parameters.
        uniforms, normals: (R, K) this month's variates for each run
            (see :func:`sim.streams.draws_per_month`).
        shocks: this month's scheduled shocks.
    """
    draws = Draws(uniforms, normals)
    levels_before = state.recognition.copy()
    effects = apply_shocks(state, world, shocks or [])
    shock_moves = state.recognition - levels_before

    forced = {
        "strikes": effects.strikes,
        "closures": effects.closures,
        "reopenings": effects.reopenings,
        "deportations": effects.deportations,
    }
    security = security_step(state, world, params, draws, effects.extra_attacks, forced)

    emirate_step(state, world, params, draws, security)
    locked = np.broadcast_to(effects.decided[None, :], state.recognition.shape)
    moves = recognition_step(state, world, params, draws, locked=locked)
    trade_step(state, world, params, draws)
    relations_step(state, world, params, draws, security, moves + shock_moves)
    return StepRecord(
        attacks=security.attacks,
        strikes=security.strikes,
        closures=security.closures,
        reopenings=security.reopenings,
        deportations=security.deportations,
        cooperation=security.cooperation,
        moves=moves,
        shock_moves=shock_moves,
        shocks=effects.applied,
    )
