"""The compiled monthly step: the five standard arenas fused into one loop over runs.

:func:`step` runs security, the Emirate, recognition, trade and alignment for every run
of a batch in one call to a numba-compiled function.  It computes what the numpy arenas
compute (they stay the reference: ``tests/test_compiled.py`` checks that both paths
agree), with three differences of *how*, none of *what*:

* **run-outer, fused loops.** The batch is a loop over runs (the leading axis of every
  state array, so a run's data is contiguous); each run goes through the five arenas in
  turn with its small actor and group axes as inner loops, writing the state in place.
  The alternative, the run axis as the inner vectorised loop, was measured
  (``benchmarks/bench.py --only layout``): on the arithmetic-dense relations update alone
  it is about 1.6x faster (its inner loops are 1,000 runs long instead of 12 actors).
  It was not taken: most of a month is per-run branching (a choice only for a state
  that reviews, a variate only where a lever exists, sparse attacks), which a run-inner
  loop turns into masks over every run; the state would have to be stored transposed
  against the (R, ...) layout that the numpy reference, the recorder and the Mesa agents
  read (a transpose of the affinities each month costs about what the relations update
  would gain); and the step already runs one run's five arenas out of L1 cache.  The
  dense part that remains (tanh, normals, the Emirate's lever choices) is written as
  vectorisable passes instead: the normals' tails gathered and their logarithms taken
  from the bits of the float (:func:`_log_normal`, bitwise :func:`sim.rng.log_arith`)
  rather than through a ``frexp`` call each, and the 9 + 3G Gumbel variates of the
  levers in one pass rather than one ``log`` call pair at a time.
* **only the variates that are used.** Each variate is a counter-based hash of (seed,
  run, stream, month, slot) (:mod:`sim.rng`), computed where it is needed: a state that
  does not review its level draws no choice, a lever with a zero documented rate or an
  unexposed target draws nothing, an open border no reopening, the Emirate's own trade
  no noise.  The values of the variates that are drawn are bitwise those of the numpy
  path (same slots of the same layout), so skipping the others changes nothing.
* **symmetry.** Balance pressure, the drive and the fast part of a pair are computed
  once per unordered pair (balance pressure by one BLAS product per run from 24 actors
  on, so the cubic term stays small next to the quadratic ones).

Continuous results agree with the numpy path to rounding (sums taken in another order,
numpy's SIMD ``exp``/``tanh``/``log`` against libm's): about 1e-15 after a month and
below 1e-12 after ten years; discrete choices are identical unless a utility falls
within rounding of a threshold.  Parameters are one row per run (``RunParameters``) or
the same row repeated (``ModelParameters``).

This module imports numba: :mod:`sim.kernel` imports it only when numba is installed
and ``SIM_NUMBA`` is not ``0``.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg.cython_blas  # noqa: F401  (the BLAS numba calls: loaded before it is pinned)
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from sim import rng
from sim.arenas import emirate, recognition, relations, security, trade
from sim.ladder import DE_FACTO, DE_JURE, HOSTILE, MAX_LEVEL
from sim.parallel import over_runs
from sim.params import ModelParameters
from sim.world import CONCERNS, LEVERS, OBJECTIVES, World, latent

#: Column of each parameter in the (R, P) parameter matrix.
PARAMETER_NAMES: tuple[str, ...] = tuple(ModelParameters.specs())
_P = {name: k for k, name in enumerate(PARAMETER_NAMES)}
REVIEW_RATE = _P["review_rate"]
CHOICE_TEMPERATURE = _P["choice_temperature"]
MOVE_COST = _P["move_cost"]
LEVEL_CURVATURE = _P["level_curvature"]
NORMS_CURVATURE = _P["norms_curvature"]
CONDUCT_WEIGHT = _P["conduct_weight"]
CONSENSUS_WEIGHT = _P["consensus_weight"]
BANDWAGON_WEIGHT = _P["bandwagon_weight"]
ACCESS_WEIGHT = _P["access_weight"]
RIVAL_DENIAL_WEIGHT = _P["rival_denial_weight"]
DE_JURE_SIGNAL = _P["de_jure_signal"]
AFFINITY_WEIGHT = _P["affinity_weight"]
AFFINITY_FEEDBACK = _P["affinity_feedback"]
GRIEVANCE_WEIGHT = _P["grievance_weight"]
REFUGEE_ENGAGEMENT = _P["refugee_engagement"]
OPPOSITION_COST = _P["opposition_cost"]
OPPOSITION_KIN_WEIGHT = _P["opposition_kin_weight"]
DELISTING_COST = _P["delisting_cost"]
WITHDRAWAL_COST = _P["withdrawal_cost"]
DURABILITY_WEIGHT = _P["durability_weight"]
DURABILITY_MONTHS = _P["durability_months"]
ATTACK_RATE = _P["attack_rate"]
GROUP_GROWTH = _P["group_growth"]
SUPPRESSION_RATE = _P["suppression_rate"]
COERCION_SENSITIVITY = _P["coercion_sensitivity"]
EFFORT_BITE = _P["effort_bite"]
STRIKE_SUPPRESSION = _P["strike_suppression"]
GROUP_NOISE = _P["group_noise"]
GRIEVANCE_MEMORY = _P["grievance_memory"]
BORDER_REOPEN_RATE = _P["border_reopen_rate"]
TRADE_ADJUSTMENT = _P["trade_adjustment"]
TRADE_AFFINITY_ELASTICITY = _P["trade_affinity_elasticity"]
DIVERSION_SHARE = _P["diversion_share"]
ENGAGEMENT_TRADE_GAIN = _P["engagement_trade_gain"]
AID_IMPORT_SHARE = _P["aid_import_share"]
TRADE_NOISE = _P["trade_noise"]
ALIGNMENT_RATE = _P["alignment_rate"]
FAST_DECAY = _P["fast_decay"]
SHARED_THREAT_WEIGHT = _P["shared_threat_weight"]
COERCION_WEIGHT = _P["coercion_weight"]
COOPERATION_WEIGHT = _P["cooperation_weight"]
INFLUENCE_RIVALRY_WEIGHT = _P["influence_rivalry_weight"]
BALANCE_WEIGHT = _P["balance_weight"]
TARGET_THIRD_PARTY_WEIGHT = _P["target_third_party_weight"]
AFFINITY_NOISE = _P["affinity_noise"]
LADDER_MOVE_WEIGHT = _P["ladder_move_weight"]
DELIVERY_WARMING = _P["delivery_warming"]
DEPORTATION_COOLING = _P["deportation_cooling"]
SANCTION_COOLING = _P["sanction_cooling"]
SHELTERED_ATTACK_COOLING = _P["sheltered_attack_cooling"]
POLICY_STEP = _P["policy_step"]
EMIRATE_TEMPERATURE = _P["emirate_temperature"]
HARDLINER_DRIFT = _P["hardliner_drift"]
HARDLINER_REVERSION_RATIO = _P["hardliner_reversion_ratio"]
EFFORT_COST = _P["effort_cost"]
WATER_REVENUE = _P["water_revenue"]
WATER_LEGITIMACY_COST = _P["water_legitimacy_cost"]

# Concerns, levers and objectives by position.
TERROR = CONCERNS.index("terror")
TRADE_CONCERN = CONCERNS.index("trade")
NORMS = CONCERNS.index("norms")
RIVALRY = CONCERNS.index("rivalry")
KIN = CONCERNS.index("kin")
REFUGEES = CONCERNS.index("refugees")
STRIKE, CLOSURE, DEPORTATION, SANCTION = (LEVERS.index(lever) for lever in LEVERS)
N_LEVERS = len(LEVERS)
LEGITIMACY, REVENUE, AUTONOMY, COHESION = (OBJECTIVES.index(o) for o in OBJECTIVES)

# The arenas' fixed shapes (their modules document them), read from the modules at every
# step (as the numpy arenas read them), passed as one array: (module, name) by position.
ARENA_CONSTANTS = (
    ("security", "GRIEVANCE_CAP"),
    ("security", "PRESSURE_REFERENCE"),
    ("security", "DELIVERY_GAIN"),
    ("security", "COOPERATION_OFFSET"),
    ("security", "WARMTH_TILT"),
    ("security", "MIN_STRENGTH"),
    ("emirate", "TRADE_OFFER"),
    ("emirate", "INCLUSIVITY_BASE"),
    ("emirate", "BORDER_NATIONALISM"),
    ("emirate", "EVENT_CAP"),
    ("recognition", "TRADE_SHARE_WEIGHT"),
    ("recognition", "TRANSIT_WEIGHT"),
    ("recognition", "ACCESS_FLOOR"),
    ("recognition", "GRIEVANCE_CAP"),
    ("recognition", "CONSENSUS_SHAPE"),
    ("trade", "CLOSED_BORDER_RETAINED"),
    ("relations", "THREAT_FLOOR"),
    ("relations", "ATTACK_CAP"),
    ("relations", "BALANCE_MARGIN"),
)
S_GRIEVANCE_CAP = 0
S_PRESSURE_REFERENCE = 1
S_DELIVERY_GAIN = 2
S_COOPERATION_OFFSET = 3
S_WARMTH_TILT = 4
S_MIN_STRENGTH = 5
E_TRADE_OFFER = 6
E_INCLUSIVITY_BASE = 7
E_BORDER_NATIONALISM = 8
E_EVENT_CAP = 9
R_TRADE_SHARE_WEIGHT = 10
R_TRANSIT_WEIGHT = 11
R_ACCESS_FLOOR = 12
R_GRIEVANCE_CAP = 13
R_CONSENSUS_SHAPE = 14
T_CLOSED_BORDER_RETAINED = 15
A_THREAT_FLOOR = 16
A_ATTACK_CAP = 17
A_BALANCE_MARGIN = 18
_ARENA_MODULES = {
    "security": security,
    "emirate": emirate,
    "recognition": recognition,
    "trade": trade,
    "relations": relations,
}


def arena_constants() -> np.ndarray:
    """The current values of :data:`ARENA_CONSTANTS`."""
    return np.array(
        [getattr(_ARENA_MODULES[module], name) for module, name in ARENA_CONSTANTS], dtype=float
    )


#: From this many actors on, balance pressure is one BLAS product per run.
BLAS_MIN_ACTORS = 24
POISSON_MAX = 6  # sim.arenas.choice.poisson_from_uniform's cap
TINY = 1e-12  # sim.arenas.choice's clip of uniforms before the Gumbel transform

#: Slots of the standard arenas' draws, in the order :func:`step` passes them.
UNIFORM_DRAWS = (
    ("security", "attacks"),
    ("security", "response"),
    ("security", "levers"),
    ("security", "reopening"),
    ("emirate", "policy"),
    ("emirate", "effort"),
    ("recognition", "review"),
    ("recognition", "choice"),
)
NORMAL_DRAWS = (("security", "strength_noise"), ("trade", "flow_noise"), ("relations", "noise"))
U_ATTACKS, U_RESPONSE, U_LEVERS, U_REOPENING, U_POLICY, U_EFFORT, U_REVIEW, U_CHOICE = range(8)
N_STRENGTH, N_FLOW, N_PAIRS = range(3)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _uniform(key, words, slot):
    return rng.unit(rng.mix(key ^ words[slot]))


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _normal(key, words, slot):
    return rng.normal_from_unit(rng.open_unit(rng.mix(key ^ words[slot])))


@intrinsic
def _bits(typingctx, x):
    """The 64 bits of the float64 ``x`` as a uint64 (a bit cast, no conversion)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.uint64(types.float64), codegen


@intrinsic
def _from_bits(typingctx, x):
    """The float64 whose 64 bits are the uint64 ``x`` (a bit cast, no conversion)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.uint64), codegen


@intrinsic
def _popcount(typingctx, x):
    """The number of set bits of the uint64 ``x`` (LLVM's ``ctpop``)."""

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


_EXPONENT = np.uint64(0x7FF0000000000000)
_HALF_EXPONENT = np.uint64(0x3FE0000000000000)  # the exponent bits of [0.5, 1)
_S52 = np.uint64(52)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _log_normal(x):
    """:func:`sim.rng.log_arith` of a positive normal double, its ``frexp`` parts taken
    from the bits (equal to ``math.frexp``'s there) so that a loop of it vectorises; the
    same series (:func:`sim.rng.log_from_frexp`), hence bitwise the same value."""
    b = _bits(x)
    return rng.log_from_frexp(
        _from_bits((b & ~_EXPONENT) | _HALF_EXPONENT), np.int64(b >> _S52) - 1022
    )


@njit(cache=True, nogil=True, error_model="numpy")
def _fill_normals(key, words, offset, count, units, out, tails, spare):
    """``out[:count]`` = the normals of slots ``offset ..``, bitwise
    :func:`sim.rng.normal_from_unit`, in vectorisable passes: the central formula for
    all, then the tails (about 15 %) gathered and computed together, their logarithm
    from the bits (:func:`_log_normal`) instead of a ``frexp`` call each.  ``tails``
    (int64) and ``spare`` (float64) are scratch of at least ``count`` and ``count + 15``."""
    for j in range(count):
        z = key ^ words[offset + j]
        units[j] = rng.open_unit(rng.mix(z))
    for j in range(count):
        q = units[j] - 0.5
        r = 0.180625 - q * q
        out[j] = q * rng._poly(rng._A, r) / rng._poly(rng._B, r)
    m = 0
    for j in range(count):
        if abs(units[j] - 0.5) > 0.425:
            tails[m] = j
            p = units[j]
            spare[m] = p if p - 0.5 < 0.0 else 1.0 - p
            m += 1
    # whole vectors (no scalar remainder) once there are enough tails to fill them
    padded = m if m < 8 else (m + 15) // 16 * 16
    for t in range(m, padded):
        spare[t] = 0.01
    for t in range(padded):
        spare[t] = _log_normal(spare[t])
    for t in range(padded):
        r = math.sqrt(-spare[t])
        if r <= 5.0:
            value = rng._poly(rng._C, r - 1.6) / rng._poly(rng._D, r - 1.6)
        else:
            value = rng._poly(rng._E, r - 5.0) / rng._poly(rng._F, r - 5.0)
        spare[t] = value
    for t in range(m):
        j = tails[t]
        out[j] = -spare[t] if units[j] - 0.5 < 0.0 else spare[t]


#: exp(-k / 4) for k = 0 .. 160: the table of :func:`_tanh_pass`.
_EXP_QUARTERS = np.exp(-np.arange(161) / 4.0)
#: Taylor coefficients of exp(-r), r in [0, 1/4): (-1)^k / k!, k = 0 .. 12.
_EXP_SERIES = tuple((-1.0) ** k / math.factorial(k) for k in range(13))
#: Taylor coefficients of tanh(x) / x in x^2, for |x| < 1/8: up to x^14.
_TANH_SERIES = (
    1.0,
    -1.0 / 3.0,
    2.0 / 15.0,
    -17.0 / 315.0,
    62.0 / 2835.0,
    -1382.0 / 155925.0,
    21844.0 / 6081075.0,
    -929569.0 / 638512875.0,
)


@njit(cache=True, nogil=True, error_model="numpy")
def _tanh_pass(x, count, out):
    """``out[:count] = tanh(x[:count])`` in one vectorisable pass (no libm call):
    ``(1 - e) / (1 + e)`` with ``e = exp(-2|x|)`` from a table of quarters and a Taylor
    series, and the Taylor series of tanh itself below |x| = 1/8.  Absolute error about
    1e-16 (libm's tanh differs from numpy's by as much)."""
    table = _EXP_QUARTERS
    c = _EXP_SERIES
    t = _TANH_SERIES
    for j in range(count):
        v = x[j]
        a = abs(v)
        y = min(a + a, 40.0)
        k = int(y * 4.0)
        r = y - k * 0.25
        series = c[12] * r + c[11]
        series = series * r + c[10]
        series = series * r + c[9]
        series = series * r + c[8]
        series = series * r + c[7]
        series = series * r + c[6]
        series = series * r + c[5]
        series = series * r + c[4]
        series = series * r + c[3]
        series = series * r + c[2]
        series = series * r + c[1]
        series = series * r + c[0]
        e = table[k] * series
        large = (1.0 - e) / (1.0 + e)
        s = a * a
        small = a * (
            ((((((t[7] * s + t[6]) * s + t[5]) * s + t[4]) * s + t[3]) * s + t[2]) * s + t[1]) * s
            + t[0]
        )
        value = small if a < 0.125 else large
        out[j] = value if v >= 0.0 else -value


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _gumbel(u):
    clipped = min(max(u, TINY), 1.0 - TINY)
    return -math.log(-math.log(clipped))


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _poisson_count(rate, u):
    """:func:`sim.arenas.choice.poisson_from_uniform` of one uniform ``u`` in [0, 1):
    the count of cumulative probabilities below ``u``, at most ``POISSON_MAX``.  It stops
    at the first one above ``u`` (the sum only grows), and for ``u < 1 - rate`` less a
    margin over rounding it answers 0 without the ``exp`` (``exp(-x) >= 1 - x``): the
    same count either way, with no ``exp`` in most months of most pairs."""
    if u < 1.0 - rate - 1e-15:
        return 0
    probability = math.exp(-rate)
    cumulative = probability
    count = 0
    for j in range(POISSON_MAX):
        if u <= cumulative:
            break
        count += 1
        probability = probability * rate / (j + 1)
        cumulative = cumulative + probability
    return count


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _hazard_hit(exponent, u):
    """``u < 1 - exp(-exponent)``, for ``exponent >= 0`` and ``u`` in [0, 1): without
    the ``exp`` when ``u`` is above ``exponent`` by a margin over rounding
    (``1 - exp(-x) <= x``), the same answer either way."""
    if u >= exponent + 1e-15:
        return False
    return u < 1.0 - math.exp(-exponent)


@njit(cache=True, nogil=True, error_model="numpy")
def _gumbel_pass(key, words, offset, count, out):
    """``out[:count]`` = the Gumbel variates of slots ``offset ..`` in one vectorisable
    pass (:func:`_gumbel` with the logarithms of :func:`_log_normal`: they differ from
    libm's in the last bit at most, which changes a choice only at an exact tie)."""
    for j in range(count):
        clipped = min(max(_uniform(key, words, offset + j), TINY), 1.0 - TINY)
        out[j] = -_log_normal(-_log_normal(clipped))


@njit(cache=True, nogil=True, error_model="numpy")
def _move_lever(lever, marginal, step, temperature, gumbels, first):
    """A lever moved by -step/0/+step by logit (emirate._move_lever), the moves' Gumbel
    variates at ``gumbels[first:first + 3]``; a move outside [0, 1] is never taken."""
    best = -np.inf
    chosen = 0.0
    scale = temperature * step
    for k in range(3):
        move = step * (k - 1.0)
        candidate = lever + move
        if candidate < -1e-9 or candidate > 1 + 1e-9:
            continue
        score = marginal * move / scale + gumbels[first + k]
        if score > best:
            best = score
            chosen = move
    return min(max(lever + chosen, 0.0), 1.0)


@njit(cache=True, nogil=True, error_model="numpy")
def _runs(
    month, const, prm, keys_u, keys_n, words_u, words_n, uoff, noff, world, state, shock, out
):
    (
        is_state,
        capability,
        cap_s,
        capsum_s,
        salience,
        world_rec,
        world_aff_t,
        borders,
        base_imp,
        base_exp,
        transit,
        d_incl,
        d_border,
        d_water,
        d_ref,
        d_ct,
        ct_weight,
        share,
        total5,
        rates,
        sanctuary,
        exposure,
        stance,
        anchor,
        objectives,
        patron_border,
        patron_share,
        target,
        structural,
        structural_t,
        rivalry_s,
    ) = world
    (
        recognition_,
        affinity,
        fast,
        imports,
        exports,
        border_open,
        strength,
        grievance,
        inclusivity,
        effort,
        hardliners,
        water,
        border,
        listed,
        aid,
        confrontation,
        motive,
        tenure,
    ) = state
    extra_attacks, s_strikes, s_closures, s_reopenings, s_deportations, decided, shock_moves = shock
    (
        attacks,
        cooperation,
        delivered,
        strikes,
        closures,
        reopenings,
        deportations,
        sanctions,
        coercion,
        moves,
        delistings,
    ) = out
    s_grievance_cap = const[S_GRIEVANCE_CAP]
    s_pressure_reference = const[S_PRESSURE_REFERENCE]
    s_delivery_gain = const[S_DELIVERY_GAIN]
    s_cooperation_offset = const[S_COOPERATION_OFFSET]
    s_warmth_tilt = const[S_WARMTH_TILT]
    s_min_strength = const[S_MIN_STRENGTH]
    e_trade_offer = const[E_TRADE_OFFER]
    e_inclusivity_base = const[E_INCLUSIVITY_BASE]
    e_border_nationalism = const[E_BORDER_NATIONALISM]
    e_event_cap = const[E_EVENT_CAP]
    r_trade_share_weight = const[R_TRADE_SHARE_WEIGHT]
    r_transit_weight = const[R_TRANSIT_WEIGHT]
    r_access_floor = const[R_ACCESS_FLOOR]
    r_grievance_cap = const[R_GRIEVANCE_CAP]
    r_consensus_shape = const[R_CONSENSUS_SHAPE]
    t_closed_border_retained = const[T_CLOSED_BORDER_RETAINED]
    a_threat_floor = const[A_THREAT_FLOOR]
    a_attack_cap = const[A_ATTACK_CAP]
    a_balance_margin = const[A_BALANCE_MARGIN]
    runs = recognition_.shape[0]
    n = recognition_.shape[1]
    g = strength.shape[1]
    month_word = np.uint64(month)
    has_target = target >= 0
    wl, wr, wa, wc = (
        objectives[LEGITIMACY],
        objectives[REVENUE],
        objectives[AUTONOMY],
        objectives[COHESION],
    )
    # scratch, reused run after run
    sheltered_effort = np.empty(g)
    weights = np.empty((n, g))
    eog = np.empty(n)
    pressure = np.empty(n)
    offer = np.empty(n)
    m_effort = np.empty(g)
    level = np.empty(n, dtype=np.int64)
    mass = np.empty(MAX_LEVEL + 2)
    friend_mass = np.empty(MAX_LEVEL + 2)
    reviewing = np.empty(n, dtype=np.bool_)
    hit = np.zeros((g, n))
    struck = np.empty(n, dtype=np.bool_)
    warming = np.zeros(n)
    cooling = np.zeros(n)
    climbed = np.zeros(n)
    third = np.empty(n)
    acc = np.empty(n)
    pressures = np.empty((n, n))
    weighted_rows = np.empty((n, n))
    n_pairs = n * (n - 1) // 2
    pair_i = np.empty(n_pairs, dtype=np.uint64)  # unsigned: no wraparound test per index
    pair_j = np.empty(n_pairs, dtype=np.uint64)
    q = 0
    for i in range(n):
        for j in range(i + 1, n):
            pair_i[q] = i
            pair_j[q] = j
            q += 1
    width = max(n_pairs, 2 * n, g, 1)
    units = np.empty(width)
    normals = np.empty(width)
    tails = np.empty(width, dtype=np.int64)
    spare = np.empty(width + 15)
    lever_gumbels = np.empty(9 + 3 * g)
    linked = np.empty(n_pairs)
    used = np.empty(N_LEVERS, dtype=np.bool_)
    for r in range(runs):
        p = prm[r]
        ku = rng.mix(rng.combine(keys_u[r], month_word))  # each variate: mix(ku ^ word)
        kn = rng.mix(rng.combine(keys_n[r], month_word))
        aff = affinity[r]
        fst = fast[r]
        gr = grievance[r]
        st = strength[r]
        ef = effort[r]
        att = attacks[r]
        # ---------------- security ---------------------------------------------------
        attack_rate = p[ATTACK_RATE]
        bite = p[EFFORT_BITE]
        for k in range(g):
            sheltered_effort[k] = ef[k] * sanctuary[k]
            scale = attack_rate * st[k]
            damp = 1.0 - bite * sheltered_effort[k]
            for i in range(n):
                rate = scale * exposure[k, i] * damp
                count = 0
                if rate != 0.0:  # a zero rate gives no attack whatever the uniform
                    u = _uniform(ku, words_u, uoff[U_ATTACKS] + k * n + i)
                    count = _poisson_count(rate, u)
                att[k, i] = count + extra_attacks[k, i]
        memory = p[GRIEVANCE_MEMORY]
        temperature = p[CHOICE_TEMPERATURE]
        sensitivity = p[COERCION_SENSITIVITY]
        reopen_rate = p[BORDER_REOPEN_RATE]
        for i in range(n):
            total = 0.0
            struck[i] = False
            for k in range(g):
                sheltered = att[k, i] * sanctuary[k]
                if sheltered > 0.0:
                    struck[i] = True
                gr[i, k] = memory * gr[i, k] + sheltered
                total += gr[i, k]
            denominator = max(total, 1e-9)
            delivered_i = 0.0
            for k in range(g):
                weights[i, k] = gr[i, k] / denominator
                delivered_i += weights[i, k] * ef[k]
            eog[i] = delivered_i
            pressure[i] = min(total, s_grievance_cap) / s_grievance_cap
        for i in range(n):
            cooperates = False
            if is_state[i] and struck[i]:
                warmth = max(aff[i, target], 0.0) if has_target else 0.0
                felt = salience[i, TERROR] * s_grievance_cap * pressure[i]
                utility = felt * (
                    s_delivery_gain * eog[i] - s_cooperation_offset + s_warmth_tilt * warmth
                )
                slot = uoff[U_RESPONSE] + 2 * i
                stay = 0.0 / temperature + _gumbel(_uniform(ku, words_u, slot))
                answer = utility / temperature + _gumbel(_uniform(ku, words_u, slot + 1))
                cooperates = answer > stay
            cooperation[r, i] = cooperates
            delivered[r, i] = eog[i]
            used[:] = False
            if is_state[i]:
                lift = -1.0  # the pressure's lift of the hazards: computed if a lever needs it
                was_open = border_open[r, i]
                for lever in range(N_LEVERS):
                    if rates[i, lever] == 0.0:
                        continue  # no such lever on record: zero hazard
                    if lever == CLOSURE and not (borders[i] and was_open):
                        continue  # no shared open border to close
                    if lift < 0.0:
                        lift = math.exp(
                            sensitivity * (pressure[i] * (1.0 - eog[i]) - s_pressure_reference)
                        )
                    exponent = rates[i, lever] * lift
                    slot = uoff[U_LEVERS] + N_LEVERS * i + lever
                    used[lever] = _hazard_hit(exponent, _uniform(ku, words_u, slot))
            strike = used[STRIKE] or s_strikes[i]
            closure = used[CLOSURE] or s_closures[i]
            deportation = used[DEPORTATION] or s_deportations[i]
            sanction = used[SANCTION]
            is_open = border_open[r, i]
            reopening = False
            if not is_open and not closure:
                reopening = _uniform(ku, words_u, uoff[U_REOPENING] + i) < reopen_rate
            reopening = reopening or s_reopenings[i]
            now_open = (is_open and not closure) or reopening
            border_open[r, i] = now_open
            coerced = strike or closure or sanction
            if coerced or not now_open:
                confrontation[r, i] = confrontation[r, i] + 1.0
            else:
                confrontation[r, i] = 0.0
            strikes[r, i] = strike
            closures[r, i] = closure
            reopenings[r, i] = reopening
            deportations[r, i] = deportation
            sanctions[r, i] = sanction
            coercion[r, i] = coerced
        growth_rate = p[GROUP_GROWTH]
        suppression_rate = p[SUPPRESSION_RATE]
        strike_suppression = p[STRIKE_SUPPRESSION]
        group_noise = p[GROUP_NOISE]
        _fill_normals(kn, words_n, noff[N_STRENGTH], g, units, normals, tails, spare)
        for k in range(g):
            strike_pressure = 0.0
            for i in range(n):
                if strikes[r, i]:
                    strike_pressure += weights[i, k]
            s = st[k]
            growth = growth_rate * s * (1.0 - s) * (1.0 - sheltered_effort[k])
            suppression = suppression_rate * sheltered_effort[k] * s
            noise = group_noise * s * normals[k]
            value = s + growth - suppression - strike_suppression * strike_pressure + noise
            st[k] = min(max(value, s_min_strength), 1.0)
        if has_target:
            for k in range(g):
                gr[target, k] = 0.0
        # ---------------- the Emirate -----------------------------------------------
        if has_target:
            flows_total = 0.0
            for i in range(n):
                if is_state[i]:
                    flows_total += imports[r, i] + exports[r, i]
            flows_total = max(flows_total, 1e-9)
            capsum = max(capsum_s, 1e-9)
            paid_incl = paid_ref = paid_border = paid_water = 0.0
            for i in range(n):
                if is_state[i]:
                    room = (MAX_LEVEL - max(recognition_[r, i], 0)) / MAX_LEVEL
                    trade_share = (imports[r, i] + exports[r, i]) / flows_total
                else:
                    room = 0.0
                    trade_share = 0.0
                offer[i] = cap_s[i] * (room + e_trade_offer * trade_share) / capsum
                paid_incl += offer[i] * (d_incl[i] * share[i])
                paid_ref += offer[i] * (d_ref[i] * share[i])
                paid_border += offer[i] * (d_border[i] * share[i])
                paid_water += offer[i] * (d_water[i] * share[i])
            hard = hardliners[r]
            incl = inclusivity[r]
            aid_r = aid[r]
            capped_aid = min(aid_r, 1.0)
            m_inclusivity = wl * (paid_incl + capped_aid * paid_ref) * aid_r - wc * hard * (
                e_inclusivity_base + incl
            )
            m_border = wl * paid_border - wc * hard * e_border_nationalism - wa * patron_border
            m_water = wr * p[WATER_REVENUE] - wl * p[WATER_LEGITIMACY_COST] * paid_water
            effort_cost = p[EFFORT_COST]
            for k in range(g):
                ct_offer = 0.0
                for i in range(n):
                    boost = 1.0 + min(gr[i, k], e_event_cap)
                    ct_offer += offer[i] * (d_ct[i, k] * share[i]) * boost
                enemy = max(-stance[k], 0.0) * (1.0 + min(att[k, target], e_event_cap))
                m_effort[k] = (
                    wl * ct_offer
                    + wc * enemy
                    - wc * max(stance[k], 0.0) * (1.0 + hard)
                    - wa * patron_share[k]
                    - effort_cost * ef[k]
                )
            step_size = p[POLICY_STEP]
            lever_temperature = p[EMIRATE_TEMPERATURE]
            _gumbel_pass(ku, words_u, uoff[U_POLICY], 9, lever_gumbels)
            _gumbel_pass(ku, words_u, uoff[U_EFFORT], 3 * g, lever_gumbels[9:])
            inclusivity[r] = _move_lever(
                incl, m_inclusivity, step_size, lever_temperature, lever_gumbels, 0
            )
            water[r] = _move_lever(
                water[r], m_water, step_size, lever_temperature, lever_gumbels, 3
            )
            border[r] = _move_lever(
                border[r], m_border, step_size, lever_temperature, lever_gumbels, 6
            )
            for k in range(g):
                ef[k] = _move_lever(
                    ef[k], m_effort[k], step_size, lever_temperature, lever_gumbels, 9 + 3 * k
                )
            coerced_any = 0.0
            for i in range(n):
                if coercion[r, i]:
                    coerced_any = 1.0
            drift = p[HARDLINER_DRIFT]
            value = (
                hard + drift * coerced_any - p[HARDLINER_REVERSION_RATIO] * drift * (hard - anchor)
            )
            hardliners[r] = min(max(value, 0.0), 1.0)
        # ---------------- recognition -----------------------------------------------
        if has_target:
            tenure[r] += 1.0
            review_rate = p[REVIEW_RATE]
            any_review = False
            for i in range(n):
                reviewing[i] = False
                if is_state[i] and not decided[i]:
                    reviewing[i] = _uniform(ku, words_u, uoff[U_REVIEW] + i) < review_rate
                    any_review = any_review or reviewing[i]
            for i in range(n):
                level[i] = recognition_[r, i] if is_state[i] else 0
                moves[r, i] = 0
            if any_review:
                incl = inclusivity[r]
                permissive = 1.0 - incl
                capped_aid = min(aid[r], 1.0)
                flows_max = 0.0
                for i in range(n):
                    if is_state[i]:
                        flows_max = max(flows_max, imports[r, i] + exports[r, i])
                flows_max = max(flows_max, 1e-9)
                for lv in range(MAX_LEVEL + 2):
                    total = 0.0
                    for i in range(n):
                        if level[i] >= lv:
                            total += cap_s[i]
                    mass[lv] = total
                signal = p[DE_JURE_SIGNAL]
                capsum = max(capsum_s, 1e-9)
                for i in range(n):
                    if not reviewing[i]:
                        continue
                    # compliance with the state's documented demands
                    wanted_total = 0.0
                    wanted_effort = 0.0
                    for k in range(g):
                        threat = exposure[k, i] * st[k] * sanctuary[k]
                        wanted = d_ct[i, k] * (threat + 1e-6)
                        wanted_effort += wanted * ef[k]
                        wanted_total += wanted
                    met_ct = wanted_effort / max(wanted_total, 1e-12)
                    if total5[i] > 0:
                        met = (
                            incl * d_incl[i]
                            + met_ct * ct_weight[i]
                            + border[r] * d_border[i]
                            + (1.0 - water[r]) * d_water[i]
                            + incl * capped_aid * d_ref[i]
                        ) / max(total5[i], 1e-12)
                    else:
                        met = 0.5
                    intensity = min(total5[i], 1.0)
                    conduct = p[CONDUCT_WEIGHT] * intensity * (2.0 * met - 1.0)
                    flow = (imports[r, i] + exports[r, i]) / flows_max
                    access = (
                        p[ACCESS_WEIGHT]
                        * salience[i, TRADE_CONCERN]
                        * (
                            r_trade_share_weight * flow
                            + r_transit_weight * transit[i]
                            + r_access_floor
                        )
                    )
                    rival = 0.0
                    for j in range(n):
                        if is_state[j]:
                            rivalry = max(-aff[i, j], 0.0)
                            rival_level = level[j] / MAX_LEVEL
                            if level[j] == DE_JURE:
                                rival_level = rival_level * (1.0 + signal)
                            rival += rivalry * cap_s[j] * rival_level
                    denial = p[RIVAL_DENIAL_WEIGHT] * salience[i, RIVALRY] * (rival / capsum)
                    felt = math.tanh(structural_t[i] + p[AFFINITY_FEEDBACK] * fst[i, target])
                    grievance_total = 0.0
                    for k in range(g):
                        grievance_total += gr[i, k]
                    value = (
                        conduct
                        + access
                        + denial
                        + p[AFFINITY_WEIGHT] * felt
                        - p[GRIEVANCE_WEIGHT]
                        * salience[i, TERROR]
                        * min(grievance_total, r_grievance_cap)
                        + p[REFUGEE_ENGAGEMENT] * salience[i, REFUGEES]
                        + p[DURABILITY_WEIGHT] * (1.0 - math.exp(-tenure[r] / p[DURABILITY_MONTHS]))
                        + motive[r, i]
                    )
                    # friends: capability x positive affinity, bandwagon by rung reached
                    friends_total = 0.0
                    for lv in range(MAX_LEVEL + 2):
                        friend_mass[lv] = 0.0
                    for j in range(n):
                        if is_state[j]:
                            friend = max(aff[i, j], 0.0) * cap_s[j]
                            friends_total += friend
                            for lv in range(MAX_LEVEL + 2):
                                if level[j] >= lv:
                                    friend_mass[lv] += friend
                    friends_total = max(friends_total, 1e-9)
                    curvature = p[LEVEL_CURVATURE] + p[NORMS_CURVATURE] * (
                        salience[i, NORMS] * permissive
                    )
                    others = max(capsum_s - cap_s[i], 1e-9)
                    opposition = (
                        p[OPPOSITION_KIN_WEIGHT] * salience[i, KIN] * permissive
                        - p[OPPOSITION_COST]
                    )
                    best = -np.inf
                    chosen = 0
                    for k in range(3):
                        candidate = level[i] + k - 1
                        if candidate < 0 or candidate > MAX_LEVEL:
                            continue
                        engagement = candidate / MAX_LEVEL
                        index = min(max(candidate, 0), MAX_LEVEL + 1)
                        own = cap_s[i] if level[i] >= index else 0.0
                        consensus = (1.0 - (mass[index] - own) / others) ** r_consensus_shape
                        climbed_share = 0.0
                        for lv in range(1, index + 1):
                            climbed_share += friend_mass[lv] / friends_total
                        bandwagon = climbed_share / MAX_LEVEL
                        delisting = 0.0
                        if listed[r, i] and candidate >= DE_FACTO:
                            delisting = p[DELISTING_COST]
                        withdrawal = 0.0
                        if level[i] == DE_JURE and candidate < DE_JURE:
                            withdrawal = p[WITHDRAWAL_COST]
                        utility = (
                            value * engagement
                            - 0.5 * curvature * (engagement * engagement)
                            - p[CONSENSUS_WEIGHT] * consensus * engagement
                            + p[BANDWAGON_WEIGHT] * bandwagon
                            + (opposition if candidate == HOSTILE else 0.0)
                            - delisting
                            - withdrawal
                            - p[MOVE_COST] * abs(k - 1)
                        )
                        score = utility / temperature + _gumbel(
                            _uniform(ku, words_u, uoff[U_CHOICE] + 3 * i + k)
                        )
                        if score > best:
                            best = score
                            chosen = k - 1
                    moves[r, i] = chosen
                for i in range(n):
                    recognition_[r, i] = recognition_[r, i] + moves[r, i]
            for i in range(n):
                delisted = listed[r, i] and recognition_[r, i] >= DE_FACTO
                delistings[r, i] = delisted
                if delisted:
                    listed[r, i] = False
        else:
            for i in range(n):
                moves[r, i] = 0
                delistings[r, i] = False
        # ---------------- trade -----------------------------------------------------
        if has_target:
            elasticity = p[TRADE_AFFINITY_ELASTICITY]
            gain = p[ENGAGEMENT_TRADE_GAIN]
            capacity_total = 0.0
            for i in range(n):
                if border_open[r, i]:
                    capacity_total += transit[i]
            capacity_total = max(capacity_total, 1e-9)
            lost_imports = 0.0
            lost_exports = 0.0
            for i in range(n):
                change = recognition_[r, i] - world_rec[i] if is_state[i] else 0
                factor = max(
                    (1.0 + elasticity * (aff[i, target] - world_aff_t[i])) * (1.0 + gain * change),
                    0.0,
                )
                acc[i] = factor
                if not border_open[r, i]:
                    lost_imports += base_imp[i] * factor * (1.0 - t_closed_border_retained)
                    lost_exports += base_exp[i] * factor * (1.0 - t_closed_border_retained)
            diversion = p[DIVERSION_SHARE]
            aid_factor = (1.0 - p[AID_IMPORT_SHARE]) + p[AID_IMPORT_SHARE] * aid[r]
            adjustment = p[TRADE_ADJUSTMENT]
            trade_noise = p[TRADE_NOISE]
            _fill_normals(kn, words_n, noff[N_FLOW], 2 * n, units, normals, tails, spare)
            for i in range(n):
                if i == target:
                    imports[r, i] = 0.0
                    exports[r, i] = 0.0
                    continue
                openness = 1.0 if border_open[r, i] else t_closed_border_retained
                capacity_share = (transit[i] if border_open[r, i] else 0.0) / capacity_total
                import_target = (
                    base_imp[i] * acc[i] * openness + diversion * lost_imports * capacity_share
                ) * aid_factor
                export_target = (
                    base_exp[i] * acc[i] * openness + diversion * lost_exports * capacity_share
                )
                new_imports = imports[r, i] + adjustment * (import_target - imports[r, i])
                new_exports = exports[r, i] + adjustment * (export_target - exports[r, i])
                z_imports = normals[i]
                z_exports = normals[n + i]
                imports[r, i] = max(new_imports * (1.0 + trade_noise * z_imports), 0.0)
                exports[r, i] = max(new_exports * (1.0 + trade_noise * z_exports), 0.0)
        # ---------------- alignment -------------------------------------------------
        any_hit = False
        for k in range(g):
            for i in range(n):
                if att[k, i] > 0:
                    hit[k, i] = 1.0 - math.exp(-float(att[k, i]))
                    any_hit = True
                else:
                    hit[k, i] = 0.0
        for i in range(n):
            warming[i] = 0.0
            cooling[i] = 0.0
            climbed[i] = 0.0
        ladder = p[LADDER_MOVE_WEIGHT]
        if has_target:
            for i in range(n):
                total_move = moves[r, i] + shock_moves[r, i]
                climbed[i] = max(total_move, 0)
                threat_total = 0.0
                threat_effort = 0.0
                sheltered = 0.0
                for k in range(g):
                    threat = st[k] * exposure[k, i] * sanctuary[k]
                    threat_total += threat
                    threat_effort += threat * ef[k]
                    sheltered += att[k, i] * sanctuary[k]
                delivered_here = threat_effort / max(threat_total, 1e-9)
                warming[i] = (
                    (1.0 if cooperation[r, i] else 0.0) * delivered[r, i]
                    + ladder * climbed[i]
                    + p[DELIVERY_WARMING]
                    * delivered_here
                    * (1.0 if threat_total > a_threat_floor else 0.0)
                )
                cooling[i] = (
                    (1.0 if (strikes[r, i] or closures[r, i]) else 0.0)
                    + p[DEPORTATION_COOLING] * (1.0 if deportations[r, i] else 0.0)
                    + p[SANCTION_COOLING] * (1.0 if sanctions[r, i] else 0.0)
                    + ladder * max(-total_move, 0)
                    + p[SHELTERED_ATTACK_COOLING] * min(sheltered, a_attack_cap)
                )
        weight_total = 0.0
        for k in range(n):
            third[k] = capability[k]
        if has_target:
            third[target] = third[target] * p[TARGET_THIRD_PARTY_WEIGHT]
        for k in range(n):
            weight_total += third[k]
        decay = p[FAST_DECAY]
        rate = p[ALIGNMENT_RATE]
        balance_weight = p[BALANCE_WEIGHT]
        drift_rate = rate * balance_weight
        shared_weight = p[SHARED_THREAT_WEIGHT]
        cooperation_weight = p[COOPERATION_WEIGHT]
        coercion_weight = p[COERCION_WEIGHT]
        influence_weight = p[INFLUENCE_RIVALRY_WEIGHT]
        noise_scale = p[AFFINITY_NOISE]
        # balance pressure of every pair from this month's (old) affinities, (A w) A: the
        # only cubic term; a BLAS product per run for larger worlds (as the numpy arena's
        # matmul), a dot product per pair of the upper triangle for small ones (no call overhead)
        for i in range(n):
            for k in range(n):
                weighted_rows[i, k] = aff[i, k] * third[k]
        if n >= BLAS_MIN_ACTORS:
            products = np.dot(weighted_rows, aff)
            for i in range(n):
                for j in range(i + 1, n):
                    others = max(weight_total - third[i] - third[j], 1e-12)
                    pressures[i, j] = products[i, j] / others
        else:
            # one dot product per pair, its terms in k order as the row-by-row sums
            # would add them (bitwise the same; independent pairs overlap in the CPU
            # instead of each row's sums waiting on the last)
            for i in range(n):
                row = weighted_rows[i]
                for j in range(i + 1, n):
                    u = np.uint64(j)  # an unsigned index: no wraparound test
                    total = 0.0
                    for k in range(n):
                        total += row[k] * aff[k, u]
                    others = max(weight_total - third[i] - third[u], 1e-12)
                    pressures[i, u] = total / others
        _fill_normals(kn, words_n, noff[N_PAIRS], n_pairs, units, normals, tails, spare)
        for q in range(n_pairs):
            i = pair_i[q]
            j = pair_j[q]
            balance_pressure = pressures[i, j]
            s_ij = structural[i, j]
            allowed = a_balance_margin * abs(s_ij) * decay
            if balance_pressure * s_ij < 0:
                cap = min(1.0, allowed / max(drift_rate * abs(balance_pressure), 1e-12))
                balance = balance_pressure * cap
            else:
                balance = balance_pressure * 1.0
            shared = 0.0
            if any_hit:
                for k in range(g):
                    shared += hit[k, i] * hit[k, j]
                shared = min(shared, 1.0)
            coop = 0.0
            coer = 0.0
            if has_target:
                if np.int64(j) == target:
                    coop = warming[i]
                    coer = cooling[i]
                elif np.int64(i) == target:
                    coop = warming[j]
                    coer = cooling[j]
            influence = rivalry_s[i, j] * (climbed[i] + climbed[j])
            drive = (
                shared_weight * shared
                + cooperation_weight * coop
                - coercion_weight * coer
                - influence_weight * influence
                + balance_weight * balance
            )
            value = (1.0 - decay) * fst[i, j] + rate * drive
            value = value + noise_scale * normals[q]
            fst[i, j] = value
            fst[j, i] = value
            units[q] = s_ij + value
        _tanh_pass(units, n_pairs, linked)
        for q in range(n_pairs):
            i = pair_i[q]
            j = pair_j[q]
            aff[i, j] = linked[q]
            aff[j, i] = linked[q]
        for i in range(n):
            fst[i, i] = 0.0
            aff[i, i] = 0.0


def _as_bool(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(array, dtype=np.bool_)


def _as_float(array) -> np.ndarray:
    return np.ascontiguousarray(array, dtype=np.float64)


def prepare_world(world: World) -> tuple:
    """The world's constants as the compiled step reads them (computed once per world)."""
    n, g = world.n_actors, world.n_groups
    target = -1 if world.target is None else int(world.target)
    is_state = world.state_mask
    capability = _as_float(world.capability)
    cap_s = capability * is_state
    ct_weight = np.minimum(world.demand_counterterror.sum(axis=1), 1.0)
    total = (
        world.demand_inclusivity
        + ct_weight
        + world.demand_border
        + world.demand_water
        + world.demand_refugees
    )
    share = 1.0 / np.maximum(total, 1e-12)
    weights5 = np.stack(
        [
            world.demand_inclusivity,
            ct_weight,
            world.demand_border,
            world.demand_water,
            world.demand_refugees,
        ],
        axis=-1,
    )
    total5 = weights5.sum(axis=1)
    if world.patron is None:
        patron_border, patron_share = 0.0, np.zeros(g)
    else:
        patron_border = float(world.demand_border[world.patron])
        patron_share = world.demand_counterterror[world.patron] * world.capability[world.patron]
    structural = latent(world.structure)
    structural_t = structural[:, target] if target >= 0 else np.zeros(n)
    rivalry_s = np.maximum(-world.structure, 0.0) * is_state[:, None] * is_state[None, :]
    world_aff_t = world.affinity[:, target] if target >= 0 else np.zeros(n)
    return (
        _as_bool(is_state),
        capability,
        _as_float(cap_s),
        float(cap_s.sum()),
        _as_float(world.salience),
        np.ascontiguousarray(world.recognition, dtype=np.int64),
        _as_float(world_aff_t),
        _as_bool(world.borders_target),
        _as_float(world.imports_musd / 12.0),
        _as_float(world.exports_musd / 12.0),
        _as_float(world.transit_capacity),
        _as_float(world.demand_inclusivity),
        _as_float(world.demand_border),
        _as_float(world.demand_water),
        _as_float(world.demand_refugees),
        _as_float(world.demand_counterterror.reshape(n, g)),
        _as_float(ct_weight),
        _as_float(share),
        _as_float(total5),
        _as_float(world.coercion_rates.reshape(n, N_LEVERS)),
        _as_float(world.group_sanctuary),
        _as_float(world.group_exposure.reshape(g, n)),
        _as_float(world.emirate_stance),
        float(world.hardliner_influence),
        _as_float(world.objectives),
        patron_border,
        _as_float(patron_share),
        target,
        _as_float(structural),
        _as_float(structural_t),
        _as_float(rivalry_s),
    )


def parameter_matrix(params, runs: int) -> np.ndarray:
    """(R, P) every parameter of every run (columns :data:`PARAMETER_NAMES`)."""
    columns = getattr(params, "columns", None)
    if columns is not None:  # RunParameters: one value per run
        return np.ascontiguousarray(np.stack([columns[name] for name in PARAMETER_NAMES], axis=1))
    row = np.array([getattr(params, name) for name in PARAMETER_NAMES], dtype=np.float64)
    return np.array(np.broadcast_to(row, (runs, row.size)))  # a writable copy: one signature


def slot_offsets(layout, draws) -> np.ndarray:
    return np.array([layout.slots[key].offset for key in draws], dtype=np.int64)


def step(
    month: int,
    params: np.ndarray,
    keys: tuple[np.ndarray, np.ndarray],
    words: tuple[np.ndarray, np.ndarray],
    offsets: tuple[np.ndarray, np.ndarray],
    world: tuple,
    state,
    effects,
    shock_moves: np.ndarray,
    threads: int = 1,
) -> dict[str, np.ndarray]:
    """Run the five standard arenas on every run of ``state`` (in place) for one month.

    Args:
        month: the month index (1 = the first simulated month): part of every variate's key.
        params: (R, P) :func:`parameter_matrix`.
        keys: (R,) uint64 stream keys of family 0's uniforms and normals.
        words: the per-slot words (:func:`sim.rng.slot_words`) of both streams.
        offsets: the layout's slots of :data:`UNIFORM_DRAWS` and :data:`NORMAL_DRAWS`.
        world: :func:`prepare_world` of the world in force.
        state: the runs' :class:`~sim.state.SimState` (its arrays are updated in place).
        effects: this month's :class:`~sim.shocks.ShockEffects`.
        shock_moves: (R, N) recognition changes forced by this month's shocks.
        threads: the runs are split across this many threads (:func:`sim.parallel.over_runs`).

    Returns:
        The month's outputs by name, as the numpy arenas report them.
    """
    runs, n = state.recognition.shape
    g = state.strength.shape[1]
    out = {
        "attacks": np.empty((runs, g, n), dtype=np.int64),
        "cooperation": np.empty((runs, n), dtype=np.bool_),
        "delivered": np.empty((runs, n)),
        "strikes": np.empty((runs, n), dtype=np.bool_),
        "closures": np.empty((runs, n), dtype=np.bool_),
        "reopenings": np.empty((runs, n), dtype=np.bool_),
        "deportations": np.empty((runs, n), dtype=np.bool_),
        "sanctions": np.empty((runs, n), dtype=np.bool_),
        "coercion": np.empty((runs, n), dtype=np.bool_),
        "moves": np.empty((runs, n), dtype=np.int64),
        "delistings": np.empty((runs, n), dtype=np.bool_),
    }
    arrays = (
        state.recognition,
        state.affinity,
        state.fast,
        state.target_imports,
        state.target_exports,
        state.border_open,
        state.strength,
        state.grievance,
        state.inclusivity,
        state.effort,
        state.hardliners,
        state.water,
        state.border,
        state.listed,
        state.aid,
        state.confrontation,
        state.extra["motive"],
        state.extra["tenure"],
    )
    shared_shock = (  # the month's shocks, the same for every run
        np.ascontiguousarray(effects.extra_attacks, dtype=np.int64),
        _as_bool(effects.strikes),
        _as_bool(effects.closures),
        _as_bool(effects.reopenings),
        _as_bool(effects.deportations),
        _as_bool(effects.decided),
    )
    forced_moves = np.ascontiguousarray(shock_moves, dtype=np.int64)
    constants = arena_constants()
    outputs = tuple(out.values())

    def block(first: int, stop: int) -> None:
        rows = slice(first, stop)
        _runs(
            month,
            constants,
            params[rows],
            keys[0][rows],
            keys[1][rows],
            words[0],
            words[1],
            offsets[0],
            offsets[1],
            world,
            tuple(array[rows] for array in arrays),
            (*shared_shock, forced_moves[rows]),
            tuple(array[rows] for array in outputs),
        )

    over_runs(block, runs, threads)
    return out


@njit(cache=True, nogil=True, error_model="numpy")
def _triads_by_signs(a, signs):
    """(closed, signed) triad counts of one run's affinities ``a``, triad by triad (for
    worlds of more than 64 actors; ``signs`` is (N, N) scratch)."""
    n = a.shape[0]
    for i in range(n):
        signs[i, i] = 0.0
        for j in range(i + 1, n):
            value = a[i, j]
            sign = 1.0 if value > 0.0 else (-1.0 if value < 0.0 else 0.0)
            signs[i, j] = sign
            signs[j, i] = sign
    closed = 0.0
    signed = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            s_ij = signs[i, j]
            if s_ij == 0.0:
                continue
            for k in range(j + 1, n):
                s_jk = signs[j, k]
                s_ik = signs[i, k]
                if s_jk != 0.0 and s_ik != 0.0:
                    closed += 1.0
                    signed += s_ij * s_jk * s_ik
    return closed, signed


@njit(cache=True, nogil=True, error_model="numpy")
def _triads_by_bits(a, positive, negative):
    """(closed, signed) triad counts of one run's affinities ``a`` (at most 64 actors):
    per pair (i, j), the k above j by bit counts of each actor's positive and negative
    ties (``positive``, ``negative``: (N,) uint64 scratch).  Integers, so the same totals
    as adding triad by triad."""
    n = a.shape[0]
    one = np.uint64(1)
    for i in range(n):
        positive[i] = 0
        negative[i] = 0
    for i in range(n):
        for j in range(i + 1, n):
            value = a[i, j]
            bit_i = one << np.uint64(i)
            bit_j = one << np.uint64(j)
            if value > 0.0:
                positive[i] |= bit_j
                positive[j] |= bit_i
            elif value < 0.0:
                negative[i] |= bit_j
                negative[j] |= bit_i
    closed = 0.0
    signed = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            bit_j = one << np.uint64(j)
            if positive[i] & bit_j:
                s_ij = 1.0
            elif negative[i] & bit_j:
                s_ij = -1.0
            else:
                continue
            above = ~((bit_j << one) - one)  # the actors k > j
            agree = ((positive[i] & positive[j]) | (negative[i] & negative[j])) & above
            differ = ((positive[i] & negative[j]) | (negative[i] & positive[j])) & above
            same, other = float(_popcount(agree)), float(_popcount(differ))
            closed += same + other
            signed += s_ij * (same - other)
    return closed, signed


@njit(cache=True, nogil=True, error_model="numpy")
def month_measures(affinity, blocs, balanced, frustration):
    """The recorder's monthly measures of every run, in one pass over its pairs:
    ``balanced[r]``, the share of balanced triads among those with three non-zero ties
    (NaN without any; the counts are integers, so the share is exactly
    :func:`sim.recorder.balanced_triad_shares`'), and ``frustration[r]``, the weighted
    frustration of the bloc partition ``blocs[r]`` (:func:`sim.recorder.partition_frustration`,
    summed in another order)."""
    runs, n = affinity.shape[0], affinity.shape[1]
    by_bits = n <= 64  # an actor's ties as the bits of one word
    positive = np.empty(n, dtype=np.uint64)
    negative = np.empty(n, dtype=np.uint64)
    signs = np.empty((0, 0) if by_bits else (n, n))
    for r in range(runs):
        a = affinity[r]
        b = blocs[r]
        violated = 0.0
        for i in range(n):
            for j in range(i + 1, n):
                value = a[i, j]
                if b[i] == b[j]:
                    violated += max(-value, 0.0)
                else:
                    violated += max(value, 0.0)
        if by_bits:
            closed, signed = _triads_by_bits(a, positive, negative)
        else:
            closed, signed = _triads_by_signs(a, signs)
        balanced[r] = 0.5 * (closed + signed) / closed if closed > 0 else np.nan
        frustration[r] = violated


@njit(cache=True, nogil=True, error_model="numpy")
def transit_shares(affinity, border_open, capacity, target, out):
    """:func:`sim.arenas.trade.transit_shares` into ``out`` (R, N), one run at a time."""
    runs, n = border_open.shape
    for r in range(runs):
        total = 0.0
        for i in range(n):
            weight = 0.0
            if border_open[r, i]:
                weight = capacity[i] * max(1.0 + affinity[r, i, target], 0.0)
            out[r, i] = weight
            total += weight
        for i in range(n):
            out[r, i] = out[r, i] / total if total > 0 else 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def copy_month(month, target, dyad_slot, state, out):
    """The recorder's copy of one month of every run's state, in one pass per run.

    ``state`` is (recognition, affinity, target_imports, target_exports, border_open,
    confrontation, strength, effort, inclusivity, hardliners, water, aid, border) and
    ``out`` the recorder's (recognition, affinity_target, target_imports, target_exports,
    border_open, confrontation, strength, effort, emirate, dyads) arrays, each with the
    month as its second axis.  Values are cast as numpy's assignment casts them
    (float64 to float32 rounds to nearest); ``confrontation`` is recorded as ``> 0``;
    ``target < 0`` skips the affinity to the target and ``dyad_slot < 0`` the dyads.
    """
    (rec, aff, imp, exp_, border_open, conf, strength, effort, inc, hard, water, aid, bord) = state
    (o_rec, o_aff, o_imp, o_exp, o_open, o_conf, o_strength, o_effort, o_emirate, o_dyads) = out
    runs, n = rec.shape
    groups = strength.shape[1]
    for r in range(runs):
        for i in range(n):
            o_rec[r, month, i] = rec[r, i]
            o_imp[r, month, i] = imp[r, i]
            o_exp[r, month, i] = exp_[r, i]
            o_open[r, month, i] = border_open[r, i]
            o_conf[r, month, i] = conf[r, i] > 0
            if target >= 0:
                o_aff[r, month, i] = aff[r, i, target]
        for k in range(groups):
            o_strength[r, month, k] = strength[r, k]
            o_effort[r, month, k] = effort[r, k]
        o_emirate[r, month, 0] = inc[r]
        o_emirate[r, month, 1] = hard[r]
        o_emirate[r, month, 2] = water[r]
        o_emirate[r, month, 3] = aid[r]
        o_emirate[r, month, 4] = bord[r]
        if dyad_slot >= 0:
            for i in range(n):
                for j in range(n):
                    o_dyads[r, dyad_slot, i, j] = aff[r, i, j]


@njit(cache=True, nogil=True, error_model="numpy")
def month_event_rows(attacks, masks, attack_totals):
    """The recorder's search of one month's events, in one pass per array.

    ``attacks`` (R, G, N) counts, ``masks`` (R, K, N) the per-state kinds stacked;
    writes ``attack_totals[r, i]`` = attacks on ``i`` summed over groups, and returns
    ``(attack_runs, attack_columns, attack_counts, event_runs, event_kinds,
    event_actors)``: exactly ``np.nonzero`` of ``attacks.reshape(R, -1)`` with the
    counts at those places, and ``np.nonzero(masks)`` (both in C order).
    """
    runs, groups, n = attacks.shape
    kinds = masks.shape[1]
    hits = 0
    events = 0
    for r in range(runs):
        for i in range(n):
            total = 0
            for k in range(groups):
                total += attacks[r, k, i]
                if attacks[r, k, i] != 0:
                    hits += 1
            attack_totals[r, i] = total
        for k in range(kinds):
            for i in range(n):
                if masks[r, k, i]:
                    events += 1
    attack_runs = np.empty(hits, dtype=np.int64)
    attack_columns = np.empty(hits, dtype=np.int64)
    attack_counts = np.empty(hits, dtype=np.int64)
    event_runs = np.empty(events, dtype=np.int64)
    event_kinds = np.empty(events, dtype=np.int64)
    event_actors = np.empty(events, dtype=np.int64)
    hits = 0
    events = 0
    for r in range(runs):
        for k in range(groups):
            for i in range(n):
                if attacks[r, k, i] != 0:
                    attack_runs[hits] = r
                    attack_columns[hits] = k * n + i
                    attack_counts[hits] = attacks[r, k, i]
                    hits += 1
        for k in range(kinds):
            for i in range(n):
                if masks[r, k, i]:
                    event_runs[events] = r
                    event_kinds[events] = k
                    event_actors[events] = i
                    events += 1
    return attack_runs, attack_columns, attack_counts, event_runs, event_kinds, event_actors
