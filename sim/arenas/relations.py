"""Alignment: a slow structural part and a fast part, bounded smoothly.

Every pair's affinity is ``a_ij = tanh(s_ij + f_ij)`` in (-1, 1): extremes are
approached, never hit.

* ``s_ij = arctanh(structure_ij)`` is the slow, structural part: lasting rivalries
  and partnerships from the evidence on every pair (:mod:`sim.calibration`); it moves
  only through documented structural change (dated steps of the world) or a
  scenario's structural change.
* ``f_ij`` is the fast part, driven by the Afghanistan arenas.  Each month

  ``f <- (1 - fast_decay) f + alignment_rate (shared_threat_weight T + cooperation_weight K
  - coercion_weight X - influence_rivalry_weight V + balance_weight w B) + affinity_noise e``

  - ``T_ij``: shared threat, bounded and only for the states actually hit:
    ``min(1, sum_g h_ig h_jg)`` with ``h_ig = 1 - exp(-attacks_ig)``;
  - ``K_ij``: cooperation with the target: delivered counter-terrorism cooperation,
    rungs climbed (``ladder_move_weight``) and the Emirate's effort against a state's
    groups (``delivery_warming``) warm the pair (state, Emirate);
  - ``X_ij``: coercion of the target (strikes, closures, deportation waves, sanctions,
    rungs dropped, attacks by groups it shelters) cools the pair (state, Emirate);
  - ``V_ij``: rivalry over influence in Afghanistan: a state's gains with the Emirate
    (rungs climbed on the recognition ladder) cool its documented rivals toward it, in
    proportion to the rivalry ``max(-structure_ij, 0)``;
  - ``B_ij``: structural-balance pressure (the enemy of my enemy), the mean of
    ``a_ik a_kj`` over third parties weighted by their capability (the target counts
    ``target_third_party_weight`` as much): ties to powerful third parties matter more;
    ``w_ij`` caps it where it pushes against a documented structural sign, so that
    balance alone can move a documented tie at most ``BALANCE_MARGIN`` of the way to
    neutral and never flips it; ties without structure move freely (the classroom
    worlds keep showing balance at work);
  - ``e``: standard normal noise, one draw per pair.

With ``fast_decay`` > 0 the fast part relaxes toward zero, i.e. affinity toward the
structural relation, unless the arenas keep it moving.
"""

from __future__ import annotations

import numpy as np

from sim.alignment import balance_pressure
from sim.arenas.base import Arena, Month, normal
from sim.world import latent

#: Threat below which the Emirate's effort against a state's groups earns no warmth.
THREAT_FLOOR = 0.01
#: Sheltered attacks on a state count up to this many a month (a bound).
ATTACK_CAP = 3.0
#: Balance pressure against a documented structural sign may sustain at most this share
#: of the structural part: the tie may weaken, never flip by balance alone (fixed: the
#: guarantee, not a behavioural coefficient).
BALANCE_MARGIN = 0.9


def third_party_weights(world, target_weight: float | np.ndarray) -> np.ndarray:
    """How much each actor counts as a third party in balance pressure: (N,) for a
    scalar ``target_weight``, (R, N) for one weight per run given as (R, 1)."""
    target_weight = np.asarray(target_weight, dtype=float)
    weights = np.array(world.capability, dtype=float) * np.ones_like(target_weight)
    if world.target is not None:
        weights[..., world.target] *= target_weight[..., 0] if target_weight.ndim else target_weight
    return weights


def _step(month: Month) -> None:
    state, world, out = month.state, month.world, month.outputs
    p2, p3 = month.params.at(2), month.params.at(3)  # per-run, as (R, 1) and (R, 1, 1)
    n = world.n_actors
    structural = latent(world.structure)[None, :, :]
    attacks = out["attacks"]
    moves = out["moves"] + out["shock_moves"]

    hit = 1.0 - np.exp(-attacks.astype(float))  # (R, G, N)
    shared = np.minimum(hit.transpose(0, 2, 1) @ hit, 1.0)

    cooperation = np.zeros_like(state.fast)
    coercion = np.zeros_like(state.fast)
    influence = np.zeros_like(state.fast)
    target = world.target
    if target is not None:
        exposure = state.strength[:, :, None] * world.group_exposure[None, :, :]  # (R, G, N)
        threat = exposure * world.group_sanctuary[None, :, None]
        delivered = np.einsum("rgn,rg->rn", threat, state.effort) / np.maximum(
            threat.sum(axis=1), 1e-9
        )
        climbed = np.maximum(moves, 0).astype(float)  # rungs up: a state's gains in Kabul
        warming = (
            out["cooperation"] * out["delivered"]
            + p2.ladder_move_weight * climbed
            + p2.delivery_warming * delivered * (threat.sum(axis=1) > THREAT_FLOOR)
        )
        sheltered_attacks = np.einsum("rgn,g->rn", attacks, world.group_sanctuary)
        cooling = (
            out["strikes"]
            + out["closures"]
            + p2.deportation_cooling * out["deportations"]
            + p2.sanction_cooling * out["sanctions"]
            + p2.ladder_move_weight * np.maximum(-moves, 0)
            + p2.sheltered_attack_cooling * np.minimum(sheltered_attacks, ATTACK_CAP)
        )
        cooperation[:, :, target] = cooperation[:, target, :] = warming
        coercion[:, :, target] = coercion[:, target, :] = cooling
        rivalry = np.maximum(-world.structure, 0.0) * world.state_mask[:, None]
        rivalry = rivalry * world.state_mask[None, :]
        influence = rivalry[None, :, :] * (climbed[:, :, None] + climbed[:, None, :])

    pressure = balance_pressure(
        state.affinity, third_party_weights(world, p2.target_third_party_weight)
    )
    drift_rate = p3.alignment_rate * p3.balance_weight
    against = pressure * structural < 0
    allowed = BALANCE_MARGIN * np.abs(structural) * p3.fast_decay
    capped = np.minimum(1.0, allowed / np.maximum(drift_rate * np.abs(pressure), 1e-12))
    balance = pressure * np.where(against, capped, 1.0)

    drive = (
        p3.shared_threat_weight * shared
        + p3.cooperation_weight * cooperation
        - p3.coercion_weight * coercion
        - p3.influence_rivalry_weight * influence
        + p3.balance_weight * balance
    )
    rows, columns = np.triu_indices(n, 1)
    noise = np.zeros_like(state.fast)
    noise[:, rows, columns] = month.draws["noise"]
    noise = noise + noise.transpose(0, 2, 1)
    fast = (1.0 - p3.fast_decay) * state.fast + p3.alignment_rate * drive
    fast = fast + p3.affinity_noise * noise
    fast = (fast + fast.transpose(0, 2, 1)) / 2.0
    fast[:, np.arange(n), np.arange(n)] = 0.0
    state.fast = fast
    affinity = np.tanh(structural + fast)
    affinity[:, np.arange(n), np.arange(n)] = 0.0
    state.affinity = affinity


ARENA = Arena(
    stream=0,  # the standard arenas share the kernel's streams
    name="relations",
    step=_step,
    reads=(
        "affinity",
        "fast",
        "strength",
        "effort",
        "attacks",
        "cooperation",
        "delivered",
        "strikes",
        "closures",
        "deportations",
        "sanctions",
        "moves",
        "shock_moves",
    ),
    writes=("affinity", "fast"),
    parameters=(
        "alignment_rate",
        "fast_decay",
        "shared_threat_weight",
        "cooperation_weight",
        "coercion_weight",
        "influence_rivalry_weight",
        "balance_weight",
        "target_third_party_weight",
        "affinity_noise",
        "ladder_move_weight",
        "delivery_warming",
        "deportation_cooling",
        "sanction_cooling",
        "sheltered_attack_cooling",
    ),
    draws=(normal("noise", "pairs"),),
)
