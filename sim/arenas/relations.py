"""Alignment update: affinities move with threats, cooperation, coercion, balance.

For every pair (i, j) the monthly change is

``alignment_rate * (shared_threat_weight * S_ij + cooperation_weight * K_ij
- coercion_weight * X_ij + balance_weight * B_ij)
+ affinity_reversion * (baseline_ij - a_ij) + affinity_noise * noise``

* ``S_ij``: shared threat, ``sum_g T_ig T_jg`` with ``T_ig = strength_g * exposure_gi``,
  doubled for a group that struck this month: rivals hit by the same group drift together;
* ``K_ij``: cooperation with the target: counter-terrorism cooperation warms a
  state toward the Emirate in proportion to what the Emirate delivers against the
  groups that struck it; so do moving up the ladder and the Emirate's effort against
  the groups that threaten the state;
* ``X_ij``: coercion: a strike, border closure or deportation wave against the target,
  and attacks by groups sheltering there, push the pair apart;
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
from sim.arenas.security import SecurityOutcome
from sim.params import ModelParameters
from sim.state import SimState
from sim.streams import Draws
from sim.world import World


def relations_step(
    state: SimState,
    world: World,
    params: ModelParameters,
    draws: Draws,
    security: SecurityOutcome,
    moves: np.ndarray,
) -> None:
    """Update ``state.affinity`` in place."""
    n = world.n_actors
    affinity = state.affinity
    exposure = state.strength[:, :, None] * world.group_exposure[None, :, :]  # (R, G, N)
    struck = (security.attacks.sum(axis=2) > 0)[:, :, None]
    exposure = exposure * (1.0 + struck)
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
            security.cooperation * security.delivered
            + 0.5 * np.maximum(moves, 0)
            + 0.3 * delivered * (threat.sum(axis=1) > 0.01)
        )
        cooling = (
            security.strikes
            + security.closures
            + 0.5 * security.deportations
            + 0.5 * np.maximum(-moves, 0)
        ).astype(float)
        sheltered_attacks = np.einsum("rgn,g->rn", security.attacks, world.group_sanctuary)
        cooling = cooling + 0.3 * np.minimum(sheltered_attacks, 3.0)
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

    noise = draws.normal(n, n)
    noise = np.triu(noise, 1)
    noise = noise + noise.transpose(0, 2, 1)
    updated = affinity + change + params.affinity_noise * noise
    updated = np.clip((updated + updated.transpose(0, 2, 1)) / 2.0, -1.0, 1.0)
    updated[:, np.arange(n), np.arange(n)] = 0.0
    state.affinity = updated
