"""Security arena: threat groups strike, victims answer, groups grow or shrink.

Mechanism (one month, all runs at once):

1. Each group ``g`` attacks each actor ``i`` a Poisson number of times with
   rate ``attack_rate * strength_g * exposure_gi * (1 - effort_bite * effort_g * sanctuary_g)``:
   the Emirate's counter-terrorism effort only bites on the part of a group that
   shelters in Afghanistan.
2. Attacks by sheltered groups add to the victim's grievance against the Emirate
   (decaying with ``grievance_memory``).
3. A state freshly struck by a sheltered group chooses, by logit, whether to answer with
   counter-terrorism cooperation: worth it when the Emirate acts against the groups that
   struck, and more so when relations are warm.
4. Coercion follows each state's own record.  A state uses a coercive lever (a strike on
   Afghan soil, a border closure, a deportation wave, a sanction or trade restriction)
   only if the documents record it using that lever, at a monthly hazard
   ``rate x exp(coercion_sensitivity x (pressure - PRESSURE_REFERENCE))``, where ``rate``
   is its documented base rate (acts per month, :mod:`sim.calibration`) and
   ``pressure`` in [0, 1] is its grievance against the Emirate, scaled by how little the
   Emirate does against the groups behind it.  A closure needs a shared, open border.
5. Closed borders reopen with probability ``border_reopen_rate`` a month.
6. Group strength grows logistically except where the Emirate's effort denies
   it sanctuary, shrinks with that effort and with strikes (plus noise).

Scheduled shocks add attacks and force strikes, closures, reopenings and
deportations; they count like chosen ones.
"""

from __future__ import annotations

import numpy as np

from sim.arenas.base import Arena, Month, normal, uniform
from sim.arenas.choice import logit_choice, poisson_from_uniform
from sim.world import CONCERNS, LEVERS

TERROR = CONCERNS.index("terror")
STRIKE, CLOSURE, DEPORTATION, SANCTION = (LEVERS.index(lever) for lever in LEVERS)
#: Grievance (attack-weighted, decaying) at which the pressure to answer is full: a bound
#: on the pressure scale, not a behavioural coefficient.
GRIEVANCE_CAP = 5.0
#: Pressure at which a lever is used at its documented base rate (fixed: the middle of
#: the pressure scale; ``coercion_sensitivity`` sets how far the rate moves around it).
PRESSURE_REFERENCE = 0.5
#: Cooperation utility per unit of pressure: ``DELIVERY_GAIN x delivered -
#: COOPERATION_OFFSET + WARMTH_TILT x warmth``; cooperating pays once the Emirate
#: delivers a quarter of full effort against the groups that struck (fixed shape: the
#: weight of the whole term is carried by the state's terror salience).
DELIVERY_GAIN = 2.0
COOPERATION_OFFSET = 0.5
WARMTH_TILT = 0.5
#: Groups never vanish entirely: a floor on strength, so that a suppressed group can
#: regrow (structural, not fitted).
MIN_STRENGTH = 0.01


def coercion_hazard(
    pressure: np.ndarray, rates: np.ndarray, sensitivity: float | np.ndarray
) -> np.ndarray:
    """(R, N, L) monthly probability of using each lever, from (R, N) pressure, the
    (N, L) documented base rates and the sensitivity (a scalar or (R, 1) per run)."""
    hazard = rates[None, :, :] * np.exp(sensitivity * (pressure - PRESSURE_REFERENCE))[:, :, None]
    return 1.0 - np.exp(-hazard)


def _step(month: Month) -> None:
    state, world, draws, shocks = month.state, month.world, month.draws, month.shocks
    p2, p3 = month.params.at(2), month.params.at(3)  # per-run, as (R, 1) and (R, 1, 1)
    sheltered_effort = state.effort * world.group_sanctuary[None, :]  # (R, G)
    rate = (
        p3.attack_rate
        * state.strength[:, :, None]
        * world.group_exposure[None, :, :]
        * (1.0 - p3.effort_bite * sheltered_effort[:, :, None])
    )
    attacks = poisson_from_uniform(rate, draws["attacks"])
    attacks = attacks + shocks.extra_attacks[None, :, :]

    # Grievance against the Emirate: attacks by groups it shelters.
    sheltered_attacks = attacks.transpose(0, 2, 1) * world.group_sanctuary[None, None, :]
    state.grievance = p3.grievance_memory * state.grievance + sheltered_attacks  # (R, N, G)
    grievance_total = state.grievance.sum(axis=2)  # (R, N)
    weights = state.grievance / np.maximum(grievance_total[:, :, None], 1e-9)
    effort_on_grieved = np.einsum("rng,rg->rn", weights, state.effort)  # (R, N)
    pressure = np.minimum(grievance_total, GRIEVANCE_CAP) / GRIEVANCE_CAP

    is_state = world.state_mask[None, :]
    target = world.target
    affinity_to_target = (
        state.affinity[:, :, target] if target is not None else np.zeros_like(grievance_total)
    )
    warmth = np.maximum(affinity_to_target, 0.0)
    felt = world.salience[None, :, TERROR] * GRIEVANCE_CAP * pressure
    utility_cooperate = felt * (
        DELIVERY_GAIN * effort_on_grieved - COOPERATION_OFFSET + WARMTH_TILT * warmth
    )
    utilities = np.stack([np.zeros_like(felt), utility_cooperate], axis=-1)
    choice = logit_choice(utilities, p3.choice_temperature, draws["response"])
    # Only a fresh attack by a sheltered group calls for an answer this month.
    struck_now = sheltered_attacks.sum(axis=2) > 0
    cooperation = is_state & struck_now & (choice == 1)

    hazard = coercion_hazard(
        pressure * (1.0 - effort_on_grieved), world.coercion_rates, p2.coercion_sensitivity
    )
    used = (draws["levers"] < hazard) & is_state[:, :, None]
    borders = world.borders_target[None, :]
    strikes = used[:, :, STRIKE] | shocks.strikes[None, :]
    closures = (used[:, :, CLOSURE] & borders & state.border_open) | shocks.closures[None, :]
    deportations = used[:, :, DEPORTATION] | shocks.deportations[None, :]
    sanctions = used[:, :, SANCTION]

    reopenings = ~state.border_open & ~closures & (draws["reopening"] < p2.border_reopen_rate)
    reopenings |= shocks.reopenings[None, :]
    state.border_open = (state.border_open & ~closures) | reopenings

    coercion = strikes | closures | sanctions
    state.confrontation = np.where(coercion | ~state.border_open, state.confrontation + 1, 0)

    # Group dynamics.
    strike_pressure = np.einsum("rn,rng->rg", strikes.astype(float), weights)
    growth = p2.group_growth * state.strength * (1.0 - state.strength) * (1.0 - sheltered_effort)
    suppression = p2.suppression_rate * sheltered_effort * state.strength
    noise = p2.group_noise * state.strength * draws["strength_noise"]
    state.strength = np.clip(
        state.strength + growth - suppression - p2.strike_suppression * strike_pressure + noise,
        MIN_STRENGTH,
        1.0,
    )
    if target is not None:
        # Attacks inside the target itself are its own concern, not a grievance.
        state.grievance[:, target, :] = 0.0
    month.outputs.update(
        attacks=attacks,
        cooperation=cooperation,
        delivered=effort_on_grieved,
        strikes=strikes,
        closures=closures,
        reopenings=reopenings,
        deportations=deportations,
        sanctions=sanctions,
        coercion=coercion,
    )


ARENA = Arena(
    stream=0,  # the standard arenas share the kernel's streams
    name="security",
    step=_step,
    reads=("strength", "effort", "grievance", "affinity", "border_open", "confrontation"),
    writes=("grievance", "border_open", "confrontation", "strength"),
    outputs=(
        "attacks",  # (R, G, N) counts
        "cooperation",  # (R, N) bool: state chose counter-terrorism cooperation
        "delivered",  # (R, N) the Emirate's effort against the groups that struck each state
        "strikes",  # (R, N) bool
        "closures",  # (R, N) bool: border closed this month
        "reopenings",  # (R, N) bool
        "deportations",  # (R, N) bool
        "sanctions",  # (R, N) bool: a sanction or trade restriction
        "coercion",  # (R, N) bool: strike, closure or sanction this month
    ),
    parameters=(
        "attack_rate",
        "effort_bite",
        "grievance_memory",
        "coercion_sensitivity",
        "choice_temperature",
        "border_reopen_rate",
        "group_growth",
        "suppression_rate",
        "strike_suppression",
        "group_noise",
    ),
    draws=(
        uniform("attacks", "groups", "actors"),
        uniform("response", "actors", 2),
        uniform("levers", "actors", len(LEVERS)),
        uniform("reopening", "actors"),
        normal("strength_noise", "groups"),
    ),
)
