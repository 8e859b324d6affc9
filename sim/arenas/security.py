"""Security arena: threat groups strike, victims answer, groups grow or shrink.

Mechanism (one month, all runs at once):

1. Each group ``g`` attacks each actor ``i`` a Poisson number of times with
   rate ``attack_rate * strength_g * exposure_gi * (1 - 0.8 * effort_g * sanctuary_g)``:
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
   (capability >= 0.9) by strikes only; a coercing neighbour that hosts Afghan
   refugees may also deport them in a wave.
4. Closed borders reopen with probability ``border_reopen_rate`` a month.
5. Group strength grows logistically except where the Emirate's effort denies
   it sanctuary, shrinks with that effort and with strikes (plus noise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.arenas.choice import logit_choice, poisson_from_uniform
from sim.params import ModelParameters
from sim.state import SimState
from sim.streams import Draws
from sim.world import CONCERNS, World

TERROR, TRADE, REFUGEES = (CONCERNS.index(c) for c in ("terror", "trade", "refugees"))
#: Capability above which a non-neighbour can strike "over the horizon" (modelling
#: choice, range 0.8-1.0: only global powers).
STRIKE_CAPABILITY = 0.9
#: A coercing neighbour strikes (rather than closing its border) with probability
#: ``NEIGHBOUR_STRIKE_SHARE x capability`` (modelling choice, range 0.2-0.8).
NEIGHBOUR_STRIKE_SHARE = 0.4


@dataclass
class SecurityOutcome:
    """What happened in the security arena this month (all (R, ...) arrays)."""

    attacks: np.ndarray  # (R, G, N) counts
    cooperation: np.ndarray  # (R, N) bool: state chose counter-terrorism cooperation
    delivered: np.ndarray  # (R, N) the Emirate's effort against the groups that struck each state
    strikes: np.ndarray  # (R, N) bool
    closures: np.ndarray  # (R, N) bool: border closed this month
    reopenings: np.ndarray  # (R, N) bool
    deportations: np.ndarray  # (R, N) bool
    coercion: np.ndarray  # (R, N) bool: strike or closure this month


def security_step(
    state: SimState,
    world: World,
    params: ModelParameters,
    draws: Draws,
    extra_attacks: np.ndarray | None = None,
    forced: dict[str, np.ndarray] | None = None,
) -> SecurityOutcome:
    """Run the security arena; updates ``state`` in place and returns what happened.

    ``forced`` holds (N,) masks of this month's scheduled strikes, closures,
    reopenings and deportations (scenario shocks): they count like chosen ones.
    """
    n, g = world.n_actors, world.n_groups
    sheltered_effort = state.effort * world.group_sanctuary[None, :]  # (R, G)
    rate = (
        params.attack_rate
        * state.strength[:, :, None]
        * world.group_exposure[None, :, :]
        * (1.0 - 0.8 * sheltered_effort[:, :, None])
    )
    attacks = poisson_from_uniform(rate, draws.uniform(g, n))
    if extra_attacks is not None:
        attacks = attacks + extra_attacks[None, :, :]

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
    pressure = world.salience[None, :, TERROR] * np.minimum(grievance_total, 5.0)
    trade_dependence = world.salience[None, :, TRADE]
    capability = world.capability[None, :]
    utility_none = np.zeros_like(pressure)
    # Cooperation pays when the Emirate acts against the groups that struck;
    # coercion when it does not.  Warm relations tilt toward cooperation.
    utility_cooperate = pressure * (2.0 * effort_on_grieved - 0.5 + 0.5 * warmth)
    utility_coerce = pressure * (1.0 - effort_on_grieved - 0.5 * warmth) * (
        0.5 + capability
    ) - params.coercion_threshold * (1.0 + 2.0 * trade_dependence)
    borders = world.borders_target[None, :]
    can_coerce = borders | (capability >= STRIKE_CAPABILITY)
    utility_coerce = np.where(can_coerce, utility_coerce, -np.inf)
    utilities = np.stack([utility_none, utility_cooperate, utility_coerce], axis=-1)
    choice = logit_choice(utilities, params.choice_temperature, draws.uniform(n, 3))
    # Only a fresh attack by a sheltered group calls for an answer this month.
    struck_now = sheltered_attacks.sum(axis=2) > 0
    active = is_state & struck_now
    cooperation = active & (choice == 1)
    coerce = active & (choice == 2)

    strike_draw = draws.uniform(n)
    prefers_strike = np.where(borders, strike_draw < NEIGHBOUR_STRIKE_SHARE * capability, True)
    strikes = coerce & prefers_strike
    closures = coerce & ~prefers_strike & state.border_open & borders
    deportations = coerce & borders & (draws.uniform(n) < 2.0 * world.salience[None, :, REFUGEES])

    reopen_draw = draws.uniform(n)
    if forced is not None:
        strikes |= forced["strikes"][None, :]
        closures |= forced["closures"][None, :]
        deportations |= forced["deportations"][None, :]
    reopenings = ~state.border_open & ~closures & (reopen_draw < params.border_reopen_rate)
    if forced is not None:
        reopenings |= forced["reopenings"][None, :]
    state.border_open = (state.border_open & ~closures) | reopenings

    coercion = strikes | closures
    state.confrontation = np.where(coercion | ~state.border_open, state.confrontation + 1, 0)

    # Group dynamics.
    strike_pressure = np.einsum("rn,rng->rg", strikes.astype(float), weights)
    growth = (
        params.group_growth * state.strength * (1.0 - state.strength) * (1.0 - sheltered_effort)
    )
    suppression = params.suppression_rate * sheltered_effort * state.strength
    noise = 0.02 * state.strength * draws.normal(g)
    state.strength = np.clip(
        state.strength + growth - suppression - 0.05 * strike_pressure + noise, 0.01, 1.0
    )
    if target is not None:
        # Attacks inside the target itself are its own concern, not a grievance.
        state.grievance[:, target, :] = 0.0
    return SecurityOutcome(
        attacks=attacks,
        cooperation=cooperation,
        delivered=effort_on_grieved,
        strikes=strikes,
        closures=closures,
        reopenings=reopenings,
        deportations=deportations,
        coercion=coercion,
    )
