"""Alignment update: affinities move with threats, cooperation, coercion, balance.

For every pair (i, j) the monthly change is

``alignment_rate * (shared_threat_weight * S_ij + cooperation_weight * K_ij
- coercion_weight * X_ij + balance_weight * B_ij)
+ affinity_reversion * (baseline_ij - a_ij) + affinity_noise * noise``

* ``S_ij``: shared threat, ``sum_g T_ig T_jg`` with ``T_ig = strength_g * exposure_gi``,
  doubled for a group that struck this month: rivals hit by the same group drift together;
* ``K_ij``: cooperation with the target: counter-terrorism cooperation warms a
  state toward the Emirate in proportion to what the Emirate delivers against the
  groups that struck it; so do moving up the ladder (``ladder_move_weight``) and the
  Emirate's effort against the groups that threaten the state (``delivery_warming``);
* ``X_ij``: coercion: a strike, border closure or deportation wave
  (``deportation_cooling``) against the target, moving down the ladder, and attacks by
  groups sheltering there (``sheltered_attack_cooling``) push the pair apart;
* ``B_ij = sum_k a_ik a_kj / (N - 2)``: structural-balance pressure (the enemy of my
  enemy); one switchable weighted mechanism, not an assumption: with
  ``balance_weight = 0`` a world may stay frustrated;
* reversion to the structural baseline (rivalries and kinship) keeps relations
  anchored.

The result is symmetric, clipped to [-1, 1], with a zero diagonal.
"""

from __future__ import annotations

import numpy as np

from sim.alignment import balance_pressure
from sim.arenas.base import Arena, Month, normal

#: A group that struck this month counts this many times its standing threat in
#: ``S_ij`` (fixed: a fresh attack is what makes a shared threat felt).
STRUCK_MULTIPLIER = 2.0
#: Threat below which the Emirate's effort against a state's groups earns no warmth.
THREAT_FLOOR = 0.01
#: Sheltered attacks on a state count up to this many a month (a bound).
ATTACK_CAP = 3.0


def _step(month: Month) -> None:
    state, world, params, out = month.state, month.world, month.params, month.outputs
    n = world.n_actors
    affinity = state.affinity
    attacks = out["attacks"]
    moves = out["moves"] + out["shock_moves"]
    exposure = state.strength[:, :, None] * world.group_exposure[None, :, :]  # (R, G, N)
    struck = (attacks.sum(axis=2) > 0)[:, :, None]
    exposure = exposure * (1.0 + (STRUCK_MULTIPLIER - 1.0) * struck)
    shared = np.einsum("rgi,rgj->rij", exposure, exposure)

    cooperation = np.zeros_like(affinity)
    coercion = np.zeros_like(affinity)
    target = world.target
    if target is not None:
        threat = exposure * world.group_sanctuary[None, :, None]
        delivered = np.einsum("rgn,rg->rn", threat, state.effort) / np.maximum(
            threat.sum(axis=1), 1e-9
        )
        warming = (
            out["cooperation"] * out["delivered"]
            + params.ladder_move_weight * np.maximum(moves, 0)
            + params.delivery_warming * delivered * (threat.sum(axis=1) > THREAT_FLOOR)
        )
        cooling = (
            out["strikes"]
            + out["closures"]
            + params.deportation_cooling * out["deportations"]
            + params.ladder_move_weight * np.maximum(-moves, 0)
        ).astype(float)
        sheltered_attacks = np.einsum("rgn,g->rn", attacks, world.group_sanctuary)
        cooling = cooling + params.sheltered_attack_cooling * np.minimum(
            sheltered_attacks, ATTACK_CAP
        )
        cooperation[:, :, target] = warming
        cooperation[:, target, :] = warming
        coercion[:, :, target] = cooling
        coercion[:, target, :] = cooling

    change = params.alignment_rate * (
        params.shared_threat_weight * shared
        + params.cooperation_weight * cooperation
        - params.coercion_weight * coercion
        + params.balance_weight * balance_pressure(affinity)
    ) + params.affinity_reversion * (world.affinity_baseline[None, :, :] - affinity)

    noise = np.triu(month.draws["noise"], 1)
    noise = noise + noise.transpose(0, 2, 1)
    updated = affinity + change + params.affinity_noise * noise
    updated = np.clip((updated + updated.transpose(0, 2, 1)) / 2.0, -1.0, 1.0)
    updated[:, np.arange(n), np.arange(n)] = 0.0
    state.affinity = updated


ARENA = Arena(
    stream=0,  # the standard arenas share the kernel's streams
    name="relations",
    step=_step,
    reads=(
        "affinity",
        "strength",
        "effort",
        "attacks",
        "cooperation",
        "delivered",
        "strikes",
        "closures",
        "deportations",
        "moves",
        "shock_moves",
    ),
    writes=("affinity",),
    parameters=(
        "alignment_rate",
        "affinity_reversion",
        "shared_threat_weight",
        "cooperation_weight",
        "coercion_weight",
        "balance_weight",
        "affinity_noise",
        "ladder_move_weight",
        "delivery_warming",
        "deportation_cooling",
        "sheltered_attack_cooling",
    ),
    draws=(normal("noise", "actors", "actors"),),
)
