"""Recognition arena: each state weighs one rung up, staying, or one rung down.

A state reviews its level with probability ``review_rate`` a month.  For each
candidate level ``l`` (engagement ``e = l / 5``) its utility is the sum of
(all terms dimensionless, scaled by the state's salience weights):

* access: trade and transit bought by engagement,
  ``access_weight * s_trade * (0.5 * trade share + 0.5 * transit + 0.1) * e``;
* counter-terrorism: ``s_terror * (counterterror_weight * threat * (2 * delivered - 1)
  - grievance_weight * grievance) * e``, where ``delivered`` is the Emirate's effort
  against the groups that threaten the state, so engagement pays only when the Emirate
  delivers; a grievance from recent attacks subtracts;
* rival denial: ``rival_denial_weight * s_rivalry * (rivals' capability-weighted engagement) * e``;
* norms: ``-s_norms * (1 - inclusivity) * (0.3 + consensus_weight * C(l)) * e``, where
  ``C(l)`` is the capability-weighted share of the other states still below ``l``:
  the non-recognition consensus, which erodes as others move (cascades);
* ethnic kin and water: ``-s_kin * (1 - inclusivity) * e`` and ``-s_water * water * e``;
* refugees: engagement to manage returns, ``+refugee_engagement * s_refugees * e``;
* bandwagon: ``bandwagon_weight * sum_{k=1..l} B(k) / 5``, where ``B(k)`` is the
  capability-weighted share of others already at rung ``k`` or above;
* affinity: ``affinity_weight * affinity_to_emirate * e``;
* barriers: ``-level_barrier * max(l - 2, 0)`` (a standing cost of high levels),
  ``-de_jure_barrier`` for granting or withdrawing de jure recognition (a one-off,
  sticky act), and ``-move_cost * |l - current|``.

The state picks by logit (``choice_temperature``).  Nothing here is scripted:
scenario shocks may only change inputs (parameters, levers, a state's level as
a scheduled event); a state whose level a scheduled event set this month does not
review it again in the same month.
"""

from __future__ import annotations

import numpy as np

from sim.arenas.base import Arena, Month, uniform
from sim.arenas.choice import logit_choice
from sim.ladder import DE_JURE, MAX_LEVEL, WORKING_CONTACTS
from sim.params import ModelParameters
from sim.state import SimState
from sim.world import CONCERNS, World

_CONCERN = {name: CONCERNS.index(name) for name in CONCERNS}
_MOVES = np.array([-1, 0, 1])
#: Access value of engagement: ``TRADE_SHARE_WEIGHT x trade share + TRANSIT_WEIGHT x
#: transit capacity + ACCESS_FLOOR`` (fixed shape; its weight is ``access_weight``).
TRADE_SHARE_WEIGHT = 0.5
TRANSIT_WEIGHT = 0.5
ACCESS_FLOOR = 0.1
#: Grievance counts up to this much: a bound on the utility scale.
GRIEVANCE_CAP = 5.0
#: The norms cost of engagement with a permissive Emirate before any consensus term
#: (fixed shape; its weight is the state's norms salience).
NORMS_FLOOR = 0.3


def _crosses_de_jure(level: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """1 where a candidate grants or withdraws de jure recognition, else 0.

    De jure recognition is a one-off act: its barrier is paid on the way up,
    and withdrawing it again costs as much (it is sticky), but a state that
    stays at 5 pays nothing more each month.
    """
    at_de_jure = (level == DE_JURE)[:, :, None]
    return ((candidates == DE_JURE) != at_de_jure).astype(float)


def recognition_utilities(state: SimState, world: World, params: ModelParameters) -> np.ndarray:
    """Utilities (R, N, 3) of moving down, staying, moving up, per state.

    Invalid candidates (below 0, above 5) and the target's row are ``-inf``.
    """
    target = world.target
    runs, n = state.recognition.shape
    if target is None:
        return np.full((runs, n, 3), -np.inf)
    salience = world.salience
    is_state = world.state_mask
    level = np.where(is_state[None, :], state.recognition, 0)
    candidates = level[:, :, None] + _MOVES  # (R, N, 3)
    engagement = candidates / MAX_LEVEL

    # Access: trade with the target and transit capacity.
    flows = (state.target_imports + state.target_exports) * is_state
    trade_share = flows / np.maximum(flows.max(axis=1, keepdims=True), 1e-9)
    access = (
        params.access_weight
        * salience[None, :, _CONCERN["trade"]]
        * (
            TRADE_SHARE_WEIGHT * trade_share
            + TRANSIT_WEIGHT * world.transit_capacity[None, :]
            + ACCESS_FLOOR
        )
    )

    # Counter-terrorism bought by engagement, if the Emirate delivers.
    threat_weight = (
        world.group_exposure.T[None, :, :]
        * state.strength[:, None, :]
        * world.group_sanctuary[None, None, :]
    )  # (R, N, G)
    threat = threat_weight.sum(axis=2)
    delivered = np.einsum("rng,rg->rn", threat_weight, state.effort) / np.maximum(threat, 1e-9)
    grievance = np.minimum(state.grievance.sum(axis=2), GRIEVANCE_CAP)
    counterterror = salience[None, :, _CONCERN["terror"]] * (
        params.counterterror_weight * threat * (2.0 * delivered - 1.0)
        - params.grievance_weight * grievance
    )

    # Rival denial: match rivals' engagement.
    capability = world.capability * is_state
    state_affinity = state.affinity * is_state[None, None, :]
    rivalry = np.maximum(-state_affinity, 0.0)
    rival_engagement = np.einsum("rij,j,rj->ri", rivalry, capability, level / MAX_LEVEL) / max(
        capability.sum(), 1e-9
    )
    denial = params.rival_denial_weight * salience[None, :, _CONCERN["rivalry"]] * rival_engagement

    permissive = 1.0 - state.inclusivity[:, None]
    refugees = params.refugee_engagement * salience[None, :, _CONCERN["refugees"]]
    kin = -salience[None, :, _CONCERN["kin"]] * permissive
    water = -salience[None, :, _CONCERN["water"]] * state.water[:, None]
    affinity = params.affinity_weight * state.affinity[:, :, target]
    per_engagement = access + counterterror + denial + refugees + kin + water + affinity

    # Consensus and bandwagon: capability-weighted shares of the *other* states.
    levels = np.arange(MAX_LEVEL + 2)
    at_or_above = (level[:, :, None] >= levels[None, None, :]) * capability[None, :, None]
    mass_at_or_above = at_or_above.sum(axis=1, keepdims=True) - at_or_above  # exclude self
    others = np.maximum(capability.sum() - capability, 1e-9)[None, :, None]
    share_at_or_above = mass_at_or_above / others  # (R, N, L+2)
    index = np.clip(candidates, 0, MAX_LEVEL + 1)
    consensus = 1.0 - np.take_along_axis(share_at_or_above, index, axis=2)
    # Bandwagon: each rung k climbed is worth the share of others already at >= k.
    climbed = np.concatenate(
        [
            np.zeros_like(share_at_or_above[:, :, :1]),
            np.cumsum(share_at_or_above[:, :, 1:], axis=2),
        ],
        axis=2,
    )
    bandwagon = np.take_along_axis(climbed, index, axis=2) / MAX_LEVEL
    norms = (
        -salience[None, :, _CONCERN["norms"], None]
        * permissive[:, :, None]
        * (NORMS_FLOOR + params.consensus_weight * consensus)
    )

    utilities = (
        (per_engagement[:, :, None] + norms) * engagement
        + params.bandwagon_weight * bandwagon
        - params.level_barrier * np.maximum(candidates - WORKING_CONTACTS, 0)
        - params.de_jure_barrier * _crosses_de_jure(level, candidates)
        - params.move_cost * np.abs(_MOVES)[None, None, :]
    )
    valid = (candidates >= 0) & (candidates <= MAX_LEVEL) & is_state[None, :, None]
    return np.where(valid, utilities, -np.inf)


def _step(month: Month) -> None:
    state, world, params, draws = month.state, month.world, month.params, month.draws
    if world.target is None:
        month.outputs["moves"] = np.zeros_like(state.recognition)
        return
    reviews = draws["review"] < params.review_rate
    reviews &= ~month.shocks.decided[None, :]
    utilities = recognition_utilities(state, world, params)
    choice = logit_choice(utilities, params.choice_temperature, draws["choice"])
    moves = np.where(reviews & world.state_mask[None, :], _MOVES[choice], 0)
    state.recognition = state.recognition + moves
    month.outputs["moves"] = moves


ARENA = Arena(
    stream=0,  # the standard arenas share the kernel's streams
    name="recognition",
    step=_step,
    reads=(
        "recognition",
        "target_imports",
        "target_exports",
        "strength",
        "effort",
        "grievance",
        "affinity",
        "inclusivity",
        "water",
    ),
    writes=("recognition",),
    outputs=("moves",),  # (R, N) in {-1, 0, +1}: chosen moves only
    parameters=(
        "review_rate",
        "choice_temperature",
        "move_cost",
        "level_barrier",
        "de_jure_barrier",
        "consensus_weight",
        "bandwagon_weight",
        "access_weight",
        "counterterror_weight",
        "grievance_weight",
        "rival_denial_weight",
        "refugee_engagement",
        "affinity_weight",
    ),
    draws=(
        uniform("review", "actors"),
        uniform("choice", "actors", 3),
    ),
)
