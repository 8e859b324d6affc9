"""The Emirate answers the others' demands from its own objectives.

Levers (all in [0, 1]): inclusivity / women's rights, counter-terrorism effort
against each group, assertiveness on shared water.  Each month every lever
moves by ``-policy_step``, 0 or ``+policy_step``, chosen by logit on the
marginal utility of a move to the Emirate, whose objectives are
legitimacy, revenue, autonomy from its patron and cohesion (weights in the world):

* inclusivity earns legitimacy from states that demand it (capability x demand
  x how much norms weigh for them x how far they are from recognising), and
  costs cohesion in proportion to the hardliners' influence;
* effort against a group earns legitimacy from states that demand it
  (more from those with a grievance), earns cohesion when the group is the
  Emirate's enemy (ISKP), and costs cohesion when it is an ideological ally
  (the TTP); acting on the patron's demands (Pakistan's, against the TTP) also
  costs autonomy; effort has a running cost ``effort_cost`` per unit;
* water assertiveness earns revenue (irrigation, ``water_revenue``) and costs
  legitimacy with downstream states that care about water (``water_legitimacy_cost``).

Hardliners gain influence when the Emirate is coerced (rally effect,
``hardliner_drift``) and drift back to their anchor otherwise
(``hardliner_reversion_ratio x hardliner_drift`` of the gap a month).
"""

from __future__ import annotations

import numpy as np

from sim.arenas.base import Arena, Month, uniform
from sim.arenas.choice import logit_choice
from sim.ladder import MAX_LEVEL
from sim.params import ModelParameters
from sim.world import CONCERNS, OBJECTIVES

NORMS, WATER = CONCERNS.index("norms"), CONCERNS.index("water")
LEGITIMACY, REVENUE, AUTONOMY, COHESION = (OBJECTIVES.index(o) for o in OBJECTIVES)
#: A state's inclusivity demand counts ``NORMS_BASE + norms salience`` times: demands
#: weigh even for states that care little about norms (fixed shape).
NORMS_BASE = 0.5
#: Cohesion cost of inclusivity per unit of hardliner influence is
#: ``INCLUSIVITY_BASE + inclusivity``: each further step costs more (fixed shape).
INCLUSIVITY_BASE = 0.5
#: Attacks and grievances count up to this many in a month's marginal utilities: a
#: bound on the utility scale, not a behavioural coefficient.
EVENT_CAP = 3.0


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


def _step(month: Month) -> None:
    state, world, params = month.state, month.world, month.params
    target = world.target
    if target is None:
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
            capability * world.demand_inclusivity * (NORMS_BASE + world.salience[:, NORMS]),
            distance,
        )
        / total_capability
    )
    marginal_inclusivity = weights[LEGITIMACY] * inclusivity_demand * state.aid - weights[
        COHESION
    ] * state.hardliners * (INCLUSIVITY_BASE + state.inclusivity)

    # Counter-terrorism effort per group.
    grievance_boost = 1.0 + np.minimum(state.grievance, EVENT_CAP)  # (R, N, G)
    ct_demand = (
        np.einsum("n,ng,rng->rg", capability, world.demand_counterterror, grievance_boost)
        / total_capability
    )
    stance = world.emirate_stance[None, :]
    attacks_on_emirate = month.outputs["attacks"][:, :, target]  # (R, G)
    patron_share = 0.0
    if world.patron is not None:
        patron_share = world.demand_counterterror[world.patron] * world.capability[world.patron]
    marginal_effort = (
        weights[LEGITIMACY] * ct_demand
        + weights[COHESION]
        * (np.maximum(-stance, 0.0) * (1.0 + np.minimum(attacks_on_emirate, EVENT_CAP)))
        - weights[COHESION] * np.maximum(stance, 0.0) * (1.0 + state.hardliners[:, None])
        - weights[AUTONOMY] * patron_share
        - params.effort_cost * state.effort
    )

    # Water.
    downstream = (capability * world.salience[:, WATER]).sum() / total_capability
    marginal_water = (
        weights[REVENUE] * params.water_revenue
        - weights[LEGITIMACY] * downstream * params.water_legitimacy_cost
    )

    policy = month.draws["policy"]
    state.inclusivity = _move_lever(state.inclusivity, marginal_inclusivity, params, policy[:, 0])
    state.water = _move_lever(
        state.water, np.broadcast_to(marginal_water, state.water.shape), params, policy[:, 1]
    )
    state.effort = _move_lever(state.effort, marginal_effort, params, month.draws["effort"])

    coerced = month.outputs["coercion"].any(axis=1)
    state.hardliners = np.clip(
        state.hardliners
        + params.hardliner_drift * coerced
        - params.hardliner_reversion_ratio
        * params.hardliner_drift
        * (state.hardliners - world.hardliner_influence),
        0.0,
        1.0,
    )


ARENA = Arena(
    stream=0,  # the standard arenas share the kernel's streams
    name="emirate",
    step=_step,
    reads=(
        "recognition",
        "grievance",
        "inclusivity",
        "effort",
        "water",
        "hardliners",
        "aid",
        "attacks",
        "coercion",
    ),
    writes=("inclusivity", "water", "effort", "hardliners"),
    parameters=(
        "policy_step",
        "emirate_temperature",
        "effort_cost",
        "water_revenue",
        "water_legitimacy_cost",
        "hardliner_drift",
        "hardliner_reversion_ratio",
    ),
    # One row per lever, three options (down, stay, up) each.
    draws=(uniform("policy", 2, 3), uniform("effort", "groups", 3)),  # inclusivity, water
)
