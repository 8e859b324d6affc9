"""The Emirate answers what is on offer, from its own objectives.

Levers (all in [0, 1]): inclusivity / women's rights, restraint on the disputed border,
assertiveness on shared water, and counter-terrorism effort against each group.  Each
month every lever moves by ``-policy_step``, 0 or ``+policy_step``, chosen by logit on
the marginal utility of a move to the Emirate, whose objectives are legitimacy,
revenue, autonomy from its patron and cohesion (weights in the world).

What a lever earns is what the states offer for it.  A state's offer is the recognition
it still withholds (``(5 - level) / 5``) plus the trade it could condition
(``TRADE_OFFER x`` its share of the Emirate's trade), times its capability; it is paid
on a lever in proportion to the weight of the matching demand among the state's
documented demands (:func:`sim.arenas.recognition.compliance`):

* inclusivity earns legitimacy from what is offered for rights and for an end to
  refugee outflows (the latter scaled by aid, as aid-financed stability is what keeps
  people home), scaled by the aid on offer, and costs cohesion in proportion to the
  hardliners' hold;
* border restraint earns legitimacy from what is offered for it (Pakistan's demand) and
  costs cohesion with nationalist hardliners (``BORDER_NATIONALISM``) and, when the
  demander is the patron, autonomy;
* water assertiveness earns revenue (irrigation, ``water_revenue``) and costs
  legitimacy with the states that demand water (``water_legitimacy_cost``);
* effort against a group earns legitimacy from what is offered for action against it
  (more from states the group has just hit), earns cohesion when the group is the
  Emirate's enemy (ISKP), costs cohesion when it is an ideological ally (the TTP),
  costs autonomy when it is the patron's demand, and has a running cost ``effort_cost``.

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
from sim.world import OBJECTIVES

LEGITIMACY, REVENUE, AUTONOMY, COHESION = (OBJECTIVES.index(o) for o in OBJECTIVES)
#: A state's trade counts this much of a full recognition as something it can offer or
#: withhold (fixed shape: trade conditioned on conduct, ORF-2024 pakistan E4004).
TRADE_OFFER = 0.5
#: Cohesion cost of inclusivity per unit of hardliner influence is
#: ``INCLUSIVITY_BASE + inclusivity``: each further step costs more (fixed shape).
INCLUSIVITY_BASE = 0.5
#: Cohesion cost of border restraint per unit of hardliner influence: no Afghan
#: government has accepted the Durand line (fixed: the scale of the other cohesion terms).
BORDER_NATIONALISM = 0.5
#: Attacks and grievances count up to this many in a month's marginal utilities: a
#: bound on the utility scale, not a behavioural coefficient.
EVENT_CAP = 3.0


def _move_lever(
    lever: np.ndarray, marginal: np.ndarray, params: ModelParameters, uniforms: np.ndarray
) -> np.ndarray:
    """Move a lever (R,) or (R, G) by -step/0/+step by logit on ``marginal`` utility per unit."""
    per_run = params.at(lever.ndim + 1)
    step = per_run.policy_step
    moves = np.broadcast_to(step * np.array([-1.0, 0.0, 1.0]), (*lever.shape, 3))
    utilities = marginal[..., None] * moves
    candidate = lever[..., None] + moves
    utilities = np.where((candidate < -1e-9) | (candidate > 1 + 1e-9), -np.inf, utilities)
    choice = logit_choice(utilities, per_run.emirate_temperature * step, uniforms)
    chosen = np.take_along_axis(moves, choice[..., None], axis=-1)[..., 0]
    return np.clip(lever + chosen, 0.0, 1.0)


def offers(month: Month) -> np.ndarray:
    """(R, N) what each state can still offer the Emirate, capability-weighted and
    normalised by the states' total capability."""
    state, world = month.state, month.world
    is_state = world.state_mask
    capability = world.capability * is_state
    room = (MAX_LEVEL - np.maximum(state.recognition, 0)) / MAX_LEVEL * is_state
    flows = (state.target_imports + state.target_exports) * is_state
    trade_share = flows / np.maximum(flows.sum(axis=1, keepdims=True), 1e-9)
    return capability[None, :] * (room + TRADE_OFFER * trade_share) / max(capability.sum(), 1e-9)


def _step(month: Month) -> None:
    state, world, params = month.state, month.world, month.params
    target = world.target
    if target is None:
        return
    p1, p2 = params.at(1), params.at(2)
    weights = world.objectives
    offer = offers(month)  # (R, N)
    ct_weight = np.minimum(world.demand_counterterror.sum(axis=1), 1.0)
    total = (
        world.demand_inclusivity
        + ct_weight
        + world.demand_border
        + world.demand_water
        + world.demand_refugees
    )
    share = 1.0 / np.maximum(total, 1e-12)  # each demand's weight per unit, (N,)

    def paid(demand: np.ndarray) -> np.ndarray:
        return offer @ (demand * share)  # (R,)

    aid = np.minimum(state.aid, 1.0)
    marginal_inclusivity = weights[LEGITIMACY] * (
        paid(world.demand_inclusivity) + aid * paid(world.demand_refugees)
    ) * state.aid - weights[COHESION] * state.hardliners * (INCLUSIVITY_BASE + state.inclusivity)

    patron_border = 0.0 if world.patron is None else world.demand_border[world.patron]
    marginal_border = (
        weights[LEGITIMACY] * paid(world.demand_border)
        - weights[COHESION] * state.hardliners * BORDER_NATIONALISM
        - weights[AUTONOMY] * patron_border
    )

    marginal_water = weights[REVENUE] * p1.water_revenue - weights[
        LEGITIMACY
    ] * p1.water_legitimacy_cost * paid(world.demand_water)

    grievance_boost = 1.0 + np.minimum(state.grievance, EVENT_CAP)  # (R, N, G)
    ct_offer = np.einsum(
        "rn,ng,rng->rg", offer, world.demand_counterterror * share[:, None], grievance_boost
    )
    stance = world.emirate_stance[None, :]
    attacks_on_emirate = month.outputs["attacks"][:, :, target]  # (R, G)
    patron_share = 0.0
    if world.patron is not None:
        patron_share = world.demand_counterterror[world.patron] * world.capability[world.patron]
    marginal_effort = (
        weights[LEGITIMACY] * ct_offer
        + weights[COHESION]
        * (np.maximum(-stance, 0.0) * (1.0 + np.minimum(attacks_on_emirate, EVENT_CAP)))
        - weights[COHESION] * np.maximum(stance, 0.0) * (1.0 + state.hardliners[:, None])
        - weights[AUTONOMY] * patron_share
        - p2.effort_cost * state.effort
    )

    policy = month.draws["policy"]
    state.inclusivity = _move_lever(state.inclusivity, marginal_inclusivity, params, policy[:, 0])
    state.water = _move_lever(
        state.water, np.broadcast_to(marginal_water, state.water.shape), params, policy[:, 1]
    )
    state.border = _move_lever(state.border, marginal_border, params, policy[:, 2])
    state.effort = _move_lever(state.effort, marginal_effort, params, month.draws["effort"])

    coerced = month.outputs["coercion"].any(axis=1)
    state.hardliners = np.clip(
        state.hardliners
        + p1.hardliner_drift * coerced
        - p1.hardliner_reversion_ratio
        * p1.hardliner_drift
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
        "border",
        "hardliners",
        "aid",
        "target_imports",
        "target_exports",
        "attacks",
        "coercion",
    ),
    writes=("inclusivity", "water", "border", "effort", "hardliners"),
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
    draws=(uniform("policy", 3, 3), uniform("effort", "groups", 3)),  # inclusivity, water, border
)
