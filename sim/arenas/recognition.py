"""Recognition arena: each state weighs one rung up, staying, or one rung down.

A state reviews its level with probability ``review_rate`` a month.  For each
candidate level ``l`` (engagement ``e = l / 5``) its utility is the sum of
(all terms dimensionless, scaled by the state's salience weights):

* access: trade and transit bought by engagement, ``access_weight * s_trade * (trade share + transit) * e``;
* counter-terrorism: ``counterterror_weight * s_terror * threat * (2 * delivered - 1) * e``,
  where ``delivered`` is the Emirate's effort against the groups that threaten the
  state, so engagement pays only when the Emirate delivers; a grievance from
  recent attacks subtracts;
* rival denial: ``rival_denial_weight * s_rivalry * (rivals' capability-weighted engagement) * e``;
* norms: ``-s_norms * (1 - inclusivity) * (0.3 + consensus_weight * C(l)) * e``, where
  ``C(l)`` is the capability-weighted share of the other states still below ``l``:
  the non-recognition consensus, which erodes as others move (cascades);
* ethnic kin and water: ``-s_kin * (1 - inclusivity) * e`` and ``-s_water * water * e``;
* refugees: engagement to manage returns, ``+0.3 * s_refugees * e``;
* bandwagon: ``bandwagon_weight * sum_{k=1..l} B(k) / 5``, where ``B(k)`` is the
  capability-weighted share of others already at rung ``k`` or above;
* affinity: ``affinity_weight * affinity_to_emirate * e``;
* barriers: ``-level_barrier * max(l - 2, 0)`` (a standing cost of high levels),
  ``-de_jure_barrier`` for granting or withdrawing de jure recognition (a one-off,
  sticky act), and ``-move_cost * |l - current|``.

The state picks by logit (``choice_temperature``).  Nothing here is scripted:
scenario shocks may only change inputs (parameters, levers, a state's level as
a scheduled event).
"""

from __future__ import annotations

import numpy as np

from sim.arenas.choice import logit_choice
from sim.params import ModelParameters
from sim.state import SimState
from sim.streams import Draws
from sim.world import CONCERNS, MAX_LEVEL, World

_CONCERN = {name: CONCERNS.index(name) for name in CONCERNS}
_MOVES = np.array([-1, 0, 1])


def _crosses_de_jure(level: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """1 where a candidate grants or withdraws de jure recognition, else 0.

    De jure recognition is a one-off act: its barrier is paid on the way up,
    and withdrawing it again costs as much (it is sticky), but a state that
    stays at 5 pays nothing more each month.
    """
    at_de_jure = (level == MAX_LEVEL)[:, :, None]
    return ((candidates == MAX_LEVEL) != at_de_jure).astype(float)


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
    flows = (state.imports + state.exports) * is_state
    trade_share = flows / np.maximum(flows.max(axis=1, keepdims=True), 1e-9)
    access = (
        params.access_weight
        * salience[None, :, _CONCERN["trade"]]
        * (0.5 * trade_share + 0.5 * world.transit_capacity[None, :] + 0.1)
    )

    # Counter-terrorism bought by engagement, if the Emirate delivers.
    threat_weight = (
        world.group_exposure.T[None, :, :]
        * state.strength[:, None, :]
        * world.group_sanctuary[None, None, :]
    )  # (R, N, G)
    threat = threat_weight.sum(axis=2)
    delivered = np.einsum("rng,rg->rn", threat_weight, state.effort) / np.maximum(threat, 1e-9)
    grievance = np.minimum(state.grievance.sum(axis=2), 5.0)
    counterterror = salience[None, :, _CONCERN["terror"]] * (
        params.counterterror_weight * threat * (2.0 * delivered - 1.0) - 0.1 * grievance
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
    refugees = 0.3 * salience[None, :, _CONCERN["refugees"]]
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
        * (0.3 + params.consensus_weight * consensus)
    )

    utilities = (
        (per_engagement[:, :, None] + norms) * engagement
        + params.bandwagon_weight * bandwagon
        - params.level_barrier * np.maximum(candidates - 2, 0)
        - params.de_jure_barrier * _crosses_de_jure(level, candidates)
        - params.move_cost * np.abs(_MOVES)[None, None, :]
    )
    valid = (candidates >= 0) & (candidates <= MAX_LEVEL) & is_state[None, :, None]
    return np.where(valid, utilities, -np.inf)


def recognition_step(
    state: SimState,
    world: World,
    params: ModelParameters,
    draws: Draws,
    locked: np.ndarray | None = None,
) -> np.ndarray:
    """Update recognition levels in place; return moves (R, N) in {-1, 0, 1}.

    ``locked`` (R, N) marks states whose level a scheduled event set this month:
    they do not review it again in the same month.
    """
    n = world.n_actors
    reviews = draws.uniform(n) < params.review_rate
    if locked is not None:
        reviews &= ~locked
    choice_uniforms = draws.uniform(n, 3)
    if world.target is None:
        return np.zeros_like(state.recognition)
    utilities = recognition_utilities(state, world, params)
    choice = logit_choice(utilities, params.choice_temperature, choice_uniforms)
    moves = np.where(reviews & world.state_mask[None, :], _MOVES[choice], 0)
    state.recognition = state.recognition + moves
    return moves
