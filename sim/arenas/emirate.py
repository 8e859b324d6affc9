"""The Emirate answers the others' demands from its own objectives.

Levers (all in [0, 1]): inclusivity / women's rights, counter-terrorism effort
against each group, assertiveness on shared water.  Each month every lever
moves by ``-policy_step``, 0 or ``+policy_step``, chosen by logit on the
marginal utility of a move to the Emirate, whose objectives are
legitimacy, revenue, autonomy from Pakistan and cohesion (weights in the world):

* inclusivity earns legitimacy from states that demand it (capability x demand
  x how much norms weigh for them x how far they are from recognising), and
  costs cohesion in proportion to the hardliners' influence;
* effort against a group earns legitimacy from states that demand it
  (more from those with a grievance), earns cohesion when the group is the
  Emirate's enemy (ISKP), and costs cohesion when it is an ideological ally
  (the TTP); acting on the patron's demands (Pakistan's, against the TTP) also costs autonomy;
* water assertiveness earns revenue (irrigation) and costs legitimacy with
  downstream states that care about water.

Hardliners gain influence when the Emirate is coerced (rally effect) and drift
back to their starting influence otherwise.
"""

from __future__ import annotations

import numpy as np

from sim.arenas.choice import logit_choice
from sim.arenas.security import SecurityOutcome
from sim.params import ModelParameters
from sim.state import SimState
from sim.streams import Draws
from sim.world import CONCERNS, MAX_LEVEL, OBJECTIVES, World

NORMS, WATER = CONCERNS.index("norms"), CONCERNS.index("water")
LEGITIMACY, REVENUE, AUTONOMY, COHESION = (OBJECTIVES.index(o) for o in OBJECTIVES)


def _move_lever(
    lever: np.ndarray, marginal: np.ndarray, params: ModelParameters, uniforms: np.ndarray
) -> np.ndarray:
    """Move a lever by -step/0/+step by logit on ``marginal`` utility per unit."""
    step = params.policy_step
    moves = np.array([-step, 0.0, step])
    utilities = marginal[..., None] * moves
    candidate = lever[..., None] + moves
    utilities = np.where((candidate < -1e-9) | (candidate > 1 + 1e-9), -np.inf, utilities)
    choice = logit_choice(utilities, params.emirate_temperature * step, uniforms)
    return np.clip(lever + moves[choice], 0.0, 1.0)


def emirate_step(
    state: SimState,
    world: World,
    params: ModelParameters,
    draws: Draws,
    security: SecurityOutcome,
) -> None:
    """Update the Emirate's levers and hardliner influence in place."""
    target = world.target
    g = world.n_groups
    if target is None:
        draws.uniform(3 * (2 + g))
        return
    weights = world.objectives
    is_state = world.state_mask.astype(float)
    capability = world.capability * is_state
    total_capability = max(capability.sum(), 1e-9)
    distance = (MAX_LEVEL - np.maximum(state.recognition, 0)) / MAX_LEVEL * is_state  # (R, N)

    # Inclusivity.
    inclusivity_demand = (
        np.einsum(
            "n,rn->r",
            capability * world.demand_inclusivity * (0.5 + world.salience[:, NORMS]),
            distance,
        )
        / total_capability
    )
    marginal_inclusivity = weights[LEGITIMACY] * inclusivity_demand * state.aid - weights[
        COHESION
    ] * state.hardliners * (0.5 + state.inclusivity)

    # Counter-terrorism effort per group.
    grievance_boost = 1.0 + np.minimum(state.grievance, 3.0)  # (R, N, G)
    ct_demand = (
        np.einsum("n,ng,rng->rg", capability, world.demand_counterterror, grievance_boost)
        / total_capability
    )
    stance = world.emirate_stance[None, :]
    attacks_on_emirate = security.attacks[:, :, target]  # (R, G)
    patron_share = 0.0
    if world.patron is not None:
        patron_share = world.demand_counterterror[world.patron] * world.capability[world.patron]
    marginal_effort = (
        weights[LEGITIMACY] * ct_demand
        + weights[COHESION] * (np.maximum(-stance, 0.0) * (1.0 + np.minimum(attacks_on_emirate, 3)))
        - weights[COHESION] * np.maximum(stance, 0.0) * (1.0 + state.hardliners[:, None])
        - weights[AUTONOMY] * patron_share
        - 0.1 * state.effort
    )

    # Water.
    downstream = (capability * world.salience[:, WATER]).sum() / total_capability
    marginal_water = weights[REVENUE] * 0.3 - weights[LEGITIMACY] * downstream * 2.0

    uniforms = draws.uniform(2 + g, 3)
    state.inclusivity = _move_lever(state.inclusivity, marginal_inclusivity, params, uniforms[:, 0])
    state.water = _move_lever(
        state.water, np.broadcast_to(marginal_water, state.water.shape), params, uniforms[:, 1]
    )
    state.effort = _move_lever(state.effort, marginal_effort, params, uniforms[:, 2:])

    coerced = security.coercion.any(axis=1)
    state.hardliners = np.clip(
        state.hardliners
        + params.hardliner_drift * coerced
        - 2.5 * params.hardliner_drift * (state.hardliners - world.hardliner_influence),
        0.0,
        1.0,
    )
