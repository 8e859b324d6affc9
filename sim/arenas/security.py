"""Security arena: threat groups strike, victims answer, groups grow or shrink.

Mechanism (one month, all runs at once):

1. Each group ``g`` attacks each actor ``i`` a Poisson number of times with
   rate ``attack_rate * strength_g * exposure_gi * (1 - effort_bite * effort_g * sanctuary_g)``:
   the Emirate's counter-terrorism effort only bites on the part of a group that
   shelters in Afghanistan.
2. Attacks by sheltered groups add to the victim's grievance against the Emirate
   (decaying with ``grievance_memory``).
3. Each state freshly struck by a sheltered group chooses, by logit, to do nothing, to cooperate
   (demand and reward counter-terrorism; worth it when the Emirate acts against
   the groups that struck) or to coerce.  Coercion is worth more
   to a state that weighs terrorism, is strong, and sees the Emirate lax
   against the groups that hit it; trade dependence holds it back.  A
   neighbour coerces by closing its border or by strikes, a distant great power
   (capability >= STRIKE_CAPABILITY) by strikes only; a coercing neighbour that hosts Afghan
   refugees may also deport them in a wave.
4. Closed borders reopen with probability ``border_reopen_rate`` a month.
5. Group strength grows logistically except where the Emirate's effort denies
   it sanctuary, shrinks with that effort and with strikes (plus noise).

Scheduled shocks add attacks and force strikes, closures, reopenings and
deportations; they count like chosen ones.
"""

from __future__ import annotations

import numpy as np

from sim.arenas.base import Arena, Month, normal, uniform
from sim.arenas.choice import logit_choice, poisson_from_uniform
from sim.world import CONCERNS

TERROR, TRADE, REFUGEES = (CONCERNS.index(c) for c in ("terror", "trade", "refugees"))

#: Capability above which a non-neighbour can strike "over the horizon" (modelling
#: choice, range 0.8-1.0: only global powers).
STRIKE_CAPABILITY = 0.9
#: A coercing neighbour strikes (rather than closing its border) with probability
#: ``NEIGHBOUR_STRIKE_SHARE x capability`` (modelling choice, range 0.2-0.8).
NEIGHBOUR_STRIKE_SHARE = 0.4
#: A coercing neighbour deports a wave of refugees with probability
#: ``DEPORTATION_PROPENSITY x refugee salience`` (modelling choice, range 1-4: a state
#: whose refugee concern is half its salience deports whenever it coerces).
DEPORTATION_PROPENSITY = 2.0
#: Grievance (attack-weighted, decaying) above which the pressure to answer stops
#: growing: a bound on the utility scale, not a behavioural coefficient.
GRIEVANCE_CAP = 5.0
#: Cooperation utility per unit of pressure: ``DELIVERY_GAIN x delivered -
#: COOPERATION_OFFSET + WARMTH_TILT x warmth``; cooperating pays once the Emirate
#: delivers a quarter of full effort against the groups that struck (fixed shape: the
#: weight of the whole term is carried by the state's terror salience).
DELIVERY_GAIN = 2.0
COOPERATION_OFFSET = 0.5
WARMTH_TILT = 0.5
#: Coercion utility per unit of pressure: ``(1 - delivered - WARMTH_TILT x warmth) x
#: (CAPABILITY_BASE + capability)``, less ``coercion_threshold x (1 + TRADE_RESTRAINT x
#: trade salience)`` (fixed shape, as above).
CAPABILITY_BASE = 0.5
TRADE_RESTRAINT = 2.0
#: Groups never vanish entirely: a floor on strength, so that a suppressed group can
#: regrow (structural, not fitted).
MIN_STRENGTH = 0.01


def _step(month: Month) -> None:
    state, world, params, draws = month.state, month.world, month.params, month.draws
    shocks = month.shocks
    sheltered_effort = state.effort * world.group_sanctuary[None, :]  # (R, G)
    rate = (
        params.attack_rate
        * state.strength[:, :, None]
        * world.group_exposure[None, :, :]
        * (1.0 - params.effort_bite * sheltered_effort[:, :, None])
    )
    attacks = poisson_from_uniform(rate, draws["attacks"])
    attacks = attacks + shocks.extra_attacks[None, :, :]

    # Grievance against the Emirate: attacks by groups it shelters.
    sheltered_attacks = attacks.transpose(0, 2, 1) * world.group_sanctuary[None, None, :]
    state.grievance = params.grievance_memory * state.grievance + sheltered_attacks  # (R, N, G)
    grievance_total = state.grievance.sum(axis=2)  # (R, N)
    weights = state.grievance / np.maximum(grievance_total[:, :, None], 1e-9)
    effort_on_grieved = np.einsum("rng,rg->rn", weights, state.effort)  # (R, N)

    is_state = world.state_mask[None, :]
    target = world.target
    affinity_to_target = (
        state.affinity[:, :, target] if target is not None else np.zeros_like(grievance_total)
    )
    warmth = np.maximum(affinity_to_target, 0.0)
    pressure = world.salience[None, :, TERROR] * np.minimum(grievance_total, GRIEVANCE_CAP)
    trade_dependence = world.salience[None, :, TRADE]
    capability = world.capability[None, :]
    utility_none = np.zeros_like(pressure)
    # Cooperation pays when the Emirate acts against the groups that struck;
    # coercion when it does not.  Warm relations tilt toward cooperation.
    utility_cooperate = pressure * (
        DELIVERY_GAIN * effort_on_grieved - COOPERATION_OFFSET + WARMTH_TILT * warmth
    )
    utility_coerce = pressure * (1.0 - effort_on_grieved - WARMTH_TILT * warmth) * (
        CAPABILITY_BASE + capability
    ) - params.coercion_threshold * (1.0 + TRADE_RESTRAINT * trade_dependence)
    borders = world.borders_target[None, :]
    can_coerce = borders | (capability >= STRIKE_CAPABILITY)
    utility_coerce = np.where(can_coerce, utility_coerce, -np.inf)
    utilities = np.stack([utility_none, utility_cooperate, utility_coerce], axis=-1)
    choice = logit_choice(utilities, params.choice_temperature, draws["response"])
    # Only a fresh attack by a sheltered group calls for an answer this month.
    struck_now = sheltered_attacks.sum(axis=2) > 0
    active = is_state & struck_now
    cooperation = active & (choice == 1)
    coerce = active & (choice == 2)

    prefers_strike = np.where(
        borders, draws["strike_or_close"] < NEIGHBOUR_STRIKE_SHARE * capability, True
    )
    strikes = coerce & prefers_strike
    closures = coerce & ~prefers_strike & state.border_open & borders
    deportations = (
        coerce
        & borders
        & (draws["deportation"] < DEPORTATION_PROPENSITY * world.salience[None, :, REFUGEES])
    )

    strikes |= shocks.strikes[None, :]
    closures |= shocks.closures[None, :]
    deportations |= shocks.deportations[None, :]
    reopenings = ~state.border_open & ~closures & (draws["reopening"] < params.border_reopen_rate)
    reopenings |= shocks.reopenings[None, :]
    state.border_open = (state.border_open & ~closures) | reopenings

    coercion = strikes | closures
    state.confrontation = np.where(coercion | ~state.border_open, state.confrontation + 1, 0)

    # Group dynamics.
    strike_pressure = np.einsum("rn,rng->rg", strikes.astype(float), weights)
    growth = (
        params.group_growth * state.strength * (1.0 - state.strength) * (1.0 - sheltered_effort)
    )
    suppression = params.suppression_rate * sheltered_effort * state.strength
    noise = params.group_noise * state.strength * draws["strength_noise"]
    state.strength = np.clip(
        state.strength + growth - suppression - params.strike_suppression * strike_pressure + noise,
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
        "coercion",  # (R, N) bool: strike or closure this month
    ),
    parameters=(
        "attack_rate",
        "effort_bite",
        "grievance_memory",
        "coercion_threshold",
        "choice_temperature",
        "border_reopen_rate",
        "group_growth",
        "suppression_rate",
        "strike_suppression",
        "group_noise",
    ),
    draws=(
        uniform("attacks", "groups", "actors"),
        uniform("response", "actors", 3),
        uniform("strike_or_close", "actors"),
        uniform("deportation", "actors"),
        uniform("reopening", "actors"),
        normal("strength_noise", "groups"),
    ),
)
