"""Recognition arena: each state weighs one rung up, staying, or one rung down.

A state reviews its level with probability ``review_rate`` a month and picks among
``level - 1, level, level + 1`` by logit (``choice_temperature``).  With engagement
``e = l / 5`` its utility of a level ``l`` is

``U(l) = b e - (k / 2) e^2 - consensus_weight C(l) e + bandwagon_weight W(l) + O(l) - D(l)
- X(l) - move_cost |l - current|``

* ``b``, the value of engagement, per unit (all dimensionless):

  - conduct: ``conduct_weight x intensity x (2 compliance - 1)``: how far the Emirate
    meets the state's *documented* demands (``sim.world.DEMANDS`` and counter-terrorism
    against the groups that threaten it).  ``compliance`` is the demand-weighted mean of
    what the Emirate delivers on each: inclusivity and rights (its inclusivity lever),
    counter-terrorism (its threat-weighted effort against the state's groups), border
    restraint, water (1 - its water assertiveness), refugees (fewer outflows:
    inclusivity x aid); ``intensity`` is the sum of the state's demand weights, capped
    at 1.  A state with no demands on record is indifferent to conduct;
  - access to trade and transit, ``access_weight x s_trade x (0.5 trade share + 0.5
    transit + 0.1)``;
  - rival denial, ``rival_denial_weight x s_rivalry x`` the capability-weighted
    engagement of the state's current rivals, where a rival's de jure recognition counts
    ``1 + de_jure_signal``: a first recognition is a signal rivals answer;
  - managing refugee returns, ``refugee_engagement x s_refugees``;
  - affinity toward the Emirate, ``affinity_weight x tanh(s + affinity_feedback x f)``:
    recognition reads only part of the fast, event-driven relation, so the
    affinity-recognition loop (rungs climbed warm affinity) is damped;
  - recent attacks by groups the Emirate shelters, ``-grievance_weight x s_terror x grievance``;
  - the Emirate's durability, ``durability_weight x (1 - exp(-tenure / durability_months))``:
    the longer it has held power, the more every state has to deal with the authority
    that controls the territory (the documents' "pragmatic engagement": E1030, E2054,
    E2097, E2142, E3272); it saturates, so normalisation slows as the years pass;

* ``k = level_curvature + norms_curvature x s_norms x (1 - inclusivity)``: engagement
  costs more the higher it goes, so utility is concave in the level and a state stops
  where the marginal value of a rung meets its marginal cost, not at an end of the ladder;
* ``C(l)``: the capability-weighted share of the other states still below ``l``, raised
  to ``CONSENSUS_SHAPE``: the non-recognition consensus, which erodes fastest at its
  first breaches (cascades are possible);
* ``W(l) = sum_{k=1..l} B(k) / 5``: each rung climbed is worth the share ``B(k)`` of
  the state's friends (capability x positive affinity) already at rung ``k`` or above:
  states bandwagon with the recognisers they are aligned with;
* ``O(0) = opposition_kin_weight x s_kin x (1 - inclusivity) - opposition_cost``: backing
  the armed opposition (rung 0) has a cost and one documented motive, co-ethnics under a
  repressive Emirate (Tajikistan); ``O(l) = 0`` above rung 0;
* ``D(l) = delisting_cost`` for a state that still lists the Emirate as terrorist and
  considers a level of de facto recognition or more: delisting is a step of its own,
  taken on the way (the state is delisted once it gets there).

* a state's *revealed motive*: ``motive_weight`` times the constant that would make its
  documented starting level the peak of its utility (:func:`revealed_motive`), standing
  for what the modelled terms leave out.  With ``motive_weight`` = 1 only change moves a
  state; with 0 the modelled terms alone decide where it settles.

* ``X(l) = withdrawal_cost`` for a state at de jure recognition that considers stepping
  down: recognition once granted is an act between states, undone only at a price (the
  documents record three de jure recognitions of the first Emirate, E2185-E2187, and
  public sources their withdrawal only after September 2001, P128-P129).

De jure recognition is the top of the same ladder: no barrier keeps it out of reach;
its value comes from engagement, its cost from the concave cost and the consensus,
which a first recognizer erodes for the others, and the signal it sends to rivals;
once granted it is kept unless the reasons to withdraw outweigh ``withdrawal_cost``.
Nothing here is scripted: a state whose level a scheduled event set this month does
not review it again in the same month.
"""

from __future__ import annotations

import numpy as np

from sim.arenas.base import Arena, Month, uniform
from sim.arenas.choice import logit_choice
from sim.dates import month_number
from sim.ladder import DE_FACTO, DE_JURE, HOSTILE, MAX_LEVEL
from sim.params import ModelParameters
from sim.state import SimState
from sim.world import CONCERNS, World, latent

_CONCERN = {name: CONCERNS.index(name) for name in CONCERNS}
_MOVES = np.array([-1, 0, 1])
#: Access value of engagement: ``TRADE_SHARE_WEIGHT x trade share + TRANSIT_WEIGHT x
#: transit capacity + ACCESS_FLOOR`` (fixed shape; its weight is ``access_weight``).
TRADE_SHARE_WEIGHT = 0.5
TRANSIT_WEIGHT = 0.5
ACCESS_FLOOR = 0.1
#: Grievance counts up to this much: a bound on the utility scale.
GRIEVANCE_CAP = 5.0
#: The consensus weighs ``C(l) ** CONSENSUS_SHAPE``: the first departures from a norm
#: erode it most (a taboo, once broken, weighs far less), so a first recogniser matters
#: more than a tenth. Modelling choice, range 1-4.
CONSENSUS_SHAPE = 3.0


def compliance(state: SimState, world: World) -> tuple[np.ndarray, np.ndarray]:
    """How far the Emirate meets each state's documented demands.

    Returns ``(compliance, intensity)``, each (R, N): the demand-weighted mean in [0, 1]
    of what the Emirate delivers (0.5 where a state has no demand on record), and the
    sum of the state's demand weights capped at 1.
    """
    threat = (
        world.group_exposure.T[None, :, :]
        * state.strength[:, None, :]
        * world.group_sanctuary[None, None, :]
    )  # (R, N, G)
    wanted = world.demand_counterterror[None, :, :] * (threat + 1e-6)  # demands on threats
    delivered = np.einsum("rng,rg->rn", wanted, state.effort) / np.maximum(
        wanted.sum(axis=2), 1e-12
    )
    counterterror = np.minimum(world.demand_counterterror.sum(axis=1), 1.0)  # (N,)
    weights = np.stack(
        [
            world.demand_inclusivity,
            counterterror,
            world.demand_border,
            world.demand_water,
            world.demand_refugees,
        ],
        axis=-1,
    )  # (N, 5)
    met = np.stack(
        [
            np.broadcast_to(state.inclusivity[:, None], delivered.shape),
            delivered,
            np.broadcast_to(state.border[:, None], delivered.shape),
            np.broadcast_to(1.0 - state.water[:, None], delivered.shape),
            np.broadcast_to(
                (state.inclusivity * np.minimum(state.aid, 1.0))[:, None], delivered.shape
            ),
        ],
        axis=-1,
    )  # (R, N, 5)
    total = weights.sum(axis=1)
    mean = np.einsum("rnd,nd->rn", met, weights) / np.maximum(total, 1e-12)[None, :]
    mean = np.where(total[None, :] > 0, mean, 0.5)
    return mean, np.broadcast_to(np.minimum(total, 1.0)[None, :], mean.shape)


def recognition_utilities(
    state: SimState, world: World, params: ModelParameters, masked: bool = True
) -> np.ndarray:
    """Utilities (R, N, 3) of moving down, staying, moving up, per state.

    Invalid candidates (below 0, above 5) and the target's row are ``-inf`` unless
    ``masked`` is False (then the formula is extended past the ends of the ladder).
    """
    target = world.target
    runs, n = state.recognition.shape
    if target is None:
        return np.full((runs, n, 3), -np.inf)
    salience = world.salience
    is_state = world.state_mask
    p2, p3 = params.at(2), params.at(3)  # per-run, as (R, 1) and (R, 1, 1)
    level = np.where(is_state[None, :], state.recognition, 0)
    candidates = level[:, :, None] + _MOVES  # (R, N, 3)
    engagement = candidates / MAX_LEVEL
    permissive = 1.0 - state.inclusivity[:, None]

    met, intensity = compliance(state, world)
    conduct = p2.conduct_weight * intensity * (2.0 * met - 1.0)

    flows = (state.target_imports + state.target_exports) * is_state
    trade_share = flows / np.maximum(flows.max(axis=1, keepdims=True), 1e-9)
    access = (
        p2.access_weight
        * salience[None, :, _CONCERN["trade"]]
        * (
            TRADE_SHARE_WEIGHT * trade_share
            + TRANSIT_WEIGHT * world.transit_capacity[None, :]
            + ACCESS_FLOOR
        )
    )

    capability = world.capability * is_state
    state_affinity = state.affinity * is_state[None, None, :]
    rivalry = np.maximum(-state_affinity, 0.0)
    rival_level = (level / MAX_LEVEL) * (1.0 + p2.de_jure_signal * (level == DE_JURE))
    rival_engagement = np.einsum("rij,j,rj->ri", rivalry, capability, rival_level) / max(
        capability.sum(), 1e-9
    )
    denial = p2.rival_denial_weight * salience[None, :, _CONCERN["rivalry"]] * rival_engagement

    structural = latent(world.structure[:, target])[None, :]
    felt = np.tanh(structural + p2.affinity_feedback * state.fast[:, :, target])
    affinity = p2.affinity_weight * felt
    grievance = -(
        p2.grievance_weight
        * salience[None, :, _CONCERN["terror"]]
        * np.minimum(state.grievance.sum(axis=2), GRIEVANCE_CAP)
    )
    refugees = p2.refugee_engagement * salience[None, :, _CONCERN["refugees"]]
    tenure = state.extra.get("tenure", np.zeros(runs))[:, None]
    durable = p2.durability_weight * (1.0 - np.exp(-tenure / p2.durability_months))
    motive = state.extra.get("motive", 0.0)
    value = conduct + access + denial + affinity + grievance + refugees + durable + motive
    curvature = p2.level_curvature + p2.norms_curvature * (
        salience[None, :, _CONCERN["norms"]] * permissive
    )

    # Consensus and bandwagon: capability-weighted shares of the *other* states.
    levels = np.arange(MAX_LEVEL + 2)
    at_or_above = (level[:, :, None] >= levels[None, None, :]) * capability[None, :, None]
    mass_at_or_above = at_or_above.sum(axis=1, keepdims=True) - at_or_above  # exclude self
    others = np.maximum(capability.sum() - capability, 1e-9)[None, :, None]
    share_at_or_above = mass_at_or_above / others  # (R, N, L+2)
    index = np.clip(candidates, 0, MAX_LEVEL + 1)
    consensus = (1.0 - np.take_along_axis(share_at_or_above, index, axis=2)) ** CONSENSUS_SHAPE
    # Bandwagon: the share of the state's *friends* (capability x affinity, where positive)
    # already at each rung: states follow the recognisers they are aligned with.
    friends = np.maximum(state_affinity, 0.0) * capability[None, None, :]  # (R, N, N)
    reached = (level[:, :, None] >= levels[None, None, :]).astype(float)  # (R, N, L+2)
    friend_share = (friends @ reached) / np.maximum(friends.sum(axis=2), 1e-9)[:, :, None]
    climbed = np.concatenate(
        [np.zeros_like(friend_share[:, :, :1]), np.cumsum(friend_share[:, :, 1:], axis=2)],
        axis=2,
    )
    bandwagon = np.take_along_axis(climbed, index, axis=2) / MAX_LEVEL

    opposition = (
        p2.opposition_kin_weight * salience[None, :, _CONCERN["kin"]] * permissive
        - p2.opposition_cost
    )
    delisting = p3.delisting_cost * (state.listed[:, :, None] & (candidates >= DE_FACTO))
    withdrawal = p3.withdrawal_cost * ((level == DE_JURE)[:, :, None] & (candidates < DE_JURE))
    utilities = (
        value[:, :, None] * engagement
        - 0.5 * curvature[:, :, None] * engagement**2
        - p3.consensus_weight * consensus * engagement
        + p3.bandwagon_weight * bandwagon
        + np.where(candidates == HOSTILE, opposition[:, :, None], 0.0)
        - delisting
        - withdrawal
        - p3.move_cost * np.abs(_MOVES)[None, None, :]
    )
    if not masked:
        return utilities
    valid = (candidates >= 0) & (candidates <= MAX_LEVEL) & is_state[None, :, None]
    return np.where(valid, utilities, -np.inf)


def _no_motive(world: World, runs: int) -> np.ndarray:
    return np.zeros((runs, world.n_actors))


def _tenure_at_start(world: World, runs: int) -> np.ndarray:
    """(R,) months the target has held power at the world's start (0 if unknown)."""
    months = 0
    if world.target_since is not None and world.start is not None:
        months = max(month_number(world.start) - month_number(world.target_since), 0)
    return np.full(runs, float(months))


def revealed_motive(state: SimState, world: World, params: ModelParameters) -> np.ndarray:
    """(R, N) the value of engagement that the modelled terms leave out, revealed by the
    starting levels: the constant that makes each state's documented level the peak of
    its utility at the start (moving up and moving down equally tempting).

    It stands for every motive the documents imply but the model does not spell out;
    the dynamics then come from how conduct, threats, trade and others' moves change.
    """
    state.extra["motive"] = np.zeros_like(state.extra.get("motive", _no_motive(world, state.runs)))
    utilities = recognition_utilities(state, world, params, masked=False)
    down, stay, up = utilities[..., 0], utilities[..., 1], utilities[..., 2]
    # motive m adds m * e: +m/5 to moving up, -m/5 to moving down
    motive = (MAX_LEVEL / 2.0) * ((down - stay) - (up - stay))
    return np.where(world.state_mask[None, :], params.at(2).motive_weight * motive, 0.0)


def _prepare(state: SimState, world: World, params: ModelParameters) -> None:
    if world.target is not None:
        state.extra["motive"] = revealed_motive(state, world, params)


def _step(month: Month) -> None:
    state, world, params, draws = month.state, month.world, month.params, month.draws
    if world.target is None:
        month.outputs["moves"] = np.zeros_like(state.recognition)
        month.outputs["delistings"] = np.zeros_like(state.listed)
        return
    state.extra["tenure"] = state.extra["tenure"] + 1.0
    reviews = draws["review"] < params.at(2).review_rate
    reviews &= ~month.shocks.decided[None, :]
    utilities = recognition_utilities(state, world, params)
    choice = logit_choice(utilities, params.at(3).choice_temperature, draws["choice"])
    moves = np.where(reviews & world.state_mask[None, :], _MOVES[choice], 0)
    state.recognition = state.recognition + moves
    delistings = state.listed & (state.recognition >= DE_FACTO)
    state.listed = state.listed & ~delistings
    month.outputs["moves"] = moves
    month.outputs["delistings"] = delistings


ARENA = Arena(
    stream=0,  # the standard arenas share the kernel's streams
    name="recognition",
    step=_step,
    reads=(
        "recognition",
        "listed",
        "target_imports",
        "target_exports",
        "strength",
        "effort",
        "grievance",
        "affinity",
        "fast",
        "inclusivity",
        "water",
        "border",
        "aid",
        "motive",
        "tenure",
    ),
    writes=("recognition", "listed", "tenure"),
    state={"motive": _no_motive, "tenure": _tenure_at_start},
    prepare=_prepare,
    outputs=(
        "moves",  # (R, N) in {-1, 0, +1}: chosen moves only
        "delistings",  # (R, N) bool: a state took the Emirate off its terror list
    ),
    parameters=(
        "review_rate",
        "choice_temperature",
        "move_cost",
        "level_curvature",
        "norms_curvature",
        "conduct_weight",
        "consensus_weight",
        "bandwagon_weight",
        "access_weight",
        "rival_denial_weight",
        "de_jure_signal",
        "affinity_weight",
        "affinity_feedback",
        "grievance_weight",
        "refugee_engagement",
        "opposition_cost",
        "opposition_kin_weight",
        "delisting_cost",
        "withdrawal_cost",
        "motive_weight",
        "durability_weight",
        "durability_months",
    ),
    draws=(
        uniform("review", "actors"),
        uniform("choice", "actors", 3),
    ),
)
