"""A counter-based random generator: every variate is a hash of where it is used.

A variate is a pure function of (seed, run, stream, month, slot): no state is carried
from one draw to the next, so any variate can be produced on its own, in any order,
by any process, and a variate that is not needed is simply not computed.  The
numpy functions here (the reference) and the compiled monthly step
(:mod:`sim.arenas.compiled`) compute the same bits: the scalar functions below are
written so that numba compiles them unchanged, and their numpy counterparts repeat
the same IEEE operations element by element (``tests/test_rng.py`` checks every bit).

The hash is SplitMix64's finaliser (Stafford's "mix13"), a bijection of 64-bit words
with full avalanche, chained over the key's parts::

    combine(h, v) = mix(mix(h) ^ mix(v + GOLDEN))
    run key       = SeedSequence(seed, spawn_key=(run, ARENA_STREAM)).generate_state(1, uint64)
    stream key    = combine(run key, stream)
    month key     = combine(stream key, month)
    bits          = combine(month key, slot)

The run key is numpy's :class:`~numpy.random.SeedSequence` for the run (the same
spawn-key scheme as the run's posterior draw, :mod:`sim.posterior`), computed once per
run in numpy; the counter hash below it needs no state, so the compiled step produces
any month's variates on its own.

(``mix(month key)`` is computed once per run and month, ``mix(slot + GOLDEN)`` once per
slot, so each variate costs one ``mix``.)

A uniform in [0, 1) is the top 53 bits of ``bits`` times 2^-53.  A standard normal is
the inverse normal CDF (Wichura's AS 241, accurate to about 1e-16) of the open uniform
``(top 52 bits + 0.5) x 2^-52``; its tail logarithm is computed here from ``frexp``
and a series, with additions, multiplications and divisions only, so that numpy and
the compiled code round every step identically (the platform ``log`` of numpy and of
libm differ in the last bit for some inputs).
"""

from __future__ import annotations

import math
import os

import numpy as np


def _jitable(function):
    """Mark a scalar function as callable from compiled code (numba's ``register_jitable``),
    unchanged when numba is missing or switched off (``SIM_NUMBA=0``)."""
    if os.environ.get("SIM_NUMBA", "1") == "0":
        return function
    try:
        from numba.extending import register_jitable
    except ImportError:
        return function
    return register_jitable(function)


GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_S11, _S12 = np.uint64(11), np.uint64(12)
_TWO_M53 = 2.0**-53
_TWO_M52 = 2.0**-52
_MASK64 = (1 << 64) - 1


@_jitable
def mix(z):
    """SplitMix64's finaliser of uint64 ``z`` (a numpy uint64 array, or a scalar in numba)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@_jitable
def combine(h, v):
    """Fold the uint64 ``v`` into the key ``h`` (not symmetric in ``h`` and ``v``)."""
    return mix(mix(h) ^ mix(v + GOLDEN))


# -- scalar transforms (numba compiles these; the numpy versions mirror them) ----------


@_jitable
def unit(bits) -> float:
    """A uniform in [0, 1) from 64 random bits (scalar)."""
    return float(bits >> _S11) * _TWO_M53


@_jitable
def open_unit(bits) -> float:
    """A uniform in (0, 1), never 0 or 1, from 64 random bits (scalar)."""
    return (float(bits >> _S12) + 0.5) * _TWO_M52


_SQRT_HALF = 0.70710678118654752440
_LN2_HI = 6.93147180369123816490e-01  # ln 2 split: the high part has trailing zero bits
_LN2_LO = 1.90821492927058770002e-10
_SERIES = tuple(1.0 / (2 * k + 1) for k in range(12))  # 1, 1/3, 1/5, ..., 1/23


@_jitable
def log_from_frexp(m: float, e) -> float:
    """``log(m * 2**e)`` for ``m`` in [0.5, 1) (``math.frexp``'s parts), with +, *, / only."""
    if m < _SQRT_HALF:
        m = m + m
        e = e - 1
    f = (m - 1.0) / (m + 1.0)
    s = f * f
    p = _SERIES[11]
    p = p * s + _SERIES[10]
    p = p * s + _SERIES[9]
    p = p * s + _SERIES[8]
    p = p * s + _SERIES[7]
    p = p * s + _SERIES[6]
    p = p * s + _SERIES[5]
    p = p * s + _SERIES[4]
    p = p * s + _SERIES[3]
    p = p * s + _SERIES[2]
    p = p * s + _SERIES[1]
    p = p * s + _SERIES[0]
    k = float(e)
    return k * _LN2_HI + (k * _LN2_LO + (f + f) * p)


@_jitable
def log_arith(x: float) -> float:
    """``log(x)`` for a normal double ``x > 0`` with +, *, / only (after ``frexp``)."""
    m, e = math.frexp(x)
    return log_from_frexp(m, e)


# AS 241 (PPND16) coefficients.
_A = (
    3.3871328727963666080e0,
    1.3314166789178437745e2,
    1.9715909503065514427e3,
    1.3731693765509461125e4,
    4.5921953931549871457e4,
    6.7265770927008700853e4,
    3.3430575583588128105e4,
    2.5090809287301226727e3,
)
_B = (
    1.0,
    4.2313330701600911252e1,
    6.8718700749205790830e2,
    5.3941960214247511077e3,
    2.1213794301586595867e4,
    3.9307895800092710610e4,
    2.8729085735721942674e4,
    5.2264952788528545610e3,
)
_C = (
    1.42343711074968357734e0,
    4.63033784615654529590e0,
    5.76949722146069140550e0,
    3.64784832476320460504e0,
    1.27045825245236838258e0,
    2.41780725177450611770e-1,
    2.27238449892691845833e-2,
    7.74545014278341407640e-4,
)
_D = (
    1.0,
    2.05319162663775882187e0,
    1.67638483018380384940e0,
    6.89767334985100004550e-1,
    1.48103976427480074590e-1,
    1.51986665636164571966e-2,
    5.47593808499534494600e-4,
    1.05075007164441684324e-9,
)
_E = (
    6.65790464350110377720e0,
    5.46378491116411436990e0,
    1.78482653991729133580e0,
    2.96560571828504891230e-1,
    2.65321895265761230930e-2,
    1.24266094738807843860e-3,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
)
_F = (
    1.0,
    5.99832206555887937690e-1,
    1.36929880922735805310e-1,
    1.48753612908506148525e-2,
    7.86869131145613259100e-4,
    1.84631831751005468180e-5,
    1.42151175831644588870e-7,
    2.04426310338993978564e-15,
)


@_jitable
def _poly(c, x):
    """Horner's rule over the 8 coefficients ``c`` (lowest first)."""
    return (
        (((((c[7] * x + c[6]) * x + c[5]) * x + c[4]) * x + c[3]) * x + c[2]) * x + c[1]
    ) * x + c[0]


@_jitable
def normal_from_unit(p: float) -> float:
    """The standard normal quantile of ``p`` in (0, 1) (AS 241, scalar)."""
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        return q * _poly(_A, r) / _poly(_B, r)
    r = p if q < 0.0 else 1.0 - p
    r = math.sqrt(-log_arith(r))
    if r <= 5.0:
        r = r - 1.6
        value = _poly(_C, r) / _poly(_D, r)
    else:
        r = r - 5.0
        value = _poly(_E, r) / _poly(_F, r)
    return -value if q < 0.0 else value


# -- numpy (the reference) ----------------------------------------------------------


#: The spawn-key slot of the arenas' streams in a run's SeedSequence (the posterior
#: draw of a run uses ``sim.posterior.PARAMETER_STREAM`` = 2**40).
ARENA_STREAM = 2**41


def run_keys(seed: int, run_ids: np.ndarray) -> np.ndarray:
    """(R,) uint64 root key of each run: the first 64-bit word of numpy's
    ``SeedSequence(seed, spawn_key=(run, ARENA_STREAM))``, so it depends on the seed and
    the run alone, never on the batch (about 13 µs a run).

    Args:
        seed: master seed, a non-negative integer of any size.
        run_ids: global run indices, non-negative.
    """
    if seed < 0:
        raise ValueError(f"seed={seed}: expected a non-negative integer")
    runs = np.asarray(run_ids, dtype=np.int64).reshape(-1)
    if runs.size and runs.min() < 0:
        raise ValueError(f"run index {int(runs.min())}: expected non-negative run indices")
    return np.fromiter(
        (
            np.random.SeedSequence(seed, spawn_key=(int(r), ARENA_STREAM)).generate_state(
                1, np.uint64
            )[0]
            for r in runs
        ),
        dtype=np.uint64,
        count=runs.size,
    )


def stream_keys(roots: np.ndarray, stream: int) -> np.ndarray:
    """(R,) uint64 key of stream ``stream`` of each run, from the runs' root keys
    (:func:`run_keys`)."""
    return combine(np.asarray(roots, dtype=np.uint64), np.array([stream], dtype=np.uint64))


def month_keys(keys: np.ndarray, month: int) -> np.ndarray:
    """(R,) uint64 keys of one month (index ``month``) of per-run stream keys."""
    return combine(np.asarray(keys, dtype=np.uint64), np.array([month], dtype=np.uint64))


def slot_words(size: int) -> np.ndarray:
    """(size,) ``mix(slot + GOLDEN)`` for slots ``0 .. size - 1`` (the per-slot half of
    :func:`combine`, the same for every run and month)."""
    return mix(np.arange(size, dtype=np.uint64) + GOLDEN)


def bits(keys: np.ndarray, offset: int, size: int) -> np.ndarray:
    """(R, size) random words of slots ``offset .. offset + size - 1`` for month keys:
    ``combine(month key, slot)``."""
    slots = slot_words(offset + size)[offset:]
    return mix(mix(np.asarray(keys, dtype=np.uint64))[:, None] ^ slots[None, :])


def uniforms(keys: np.ndarray, offset: int, size: int) -> np.ndarray:
    """(R, size) uniforms in [0, 1): see :func:`unit`."""
    return (bits(keys, offset, size) >> _S11).astype(np.float64) * _TWO_M53


def _log_arith_array(x: np.ndarray) -> np.ndarray:
    """:func:`log_arith` element by element (the same operations)."""
    m, e = np.frexp(x)
    small = m < _SQRT_HALF
    m = np.where(small, m + m, m)
    e = e - small.astype(e.dtype)
    f = (m - 1.0) / (m + 1.0)
    s = f * f
    p = np.full_like(s, _SERIES[11])
    for k in range(10, -1, -1):
        p = p * s + _SERIES[k]
    k = e.astype(np.float64)
    return k * _LN2_HI + (k * _LN2_LO + (f + f) * p)


def _poly_array(c, x: np.ndarray) -> np.ndarray:
    value = c[7] * x + c[6]
    for k in range(5, -1, -1):
        value = value * x + c[k]
    return value


def normals_from_units(p: np.ndarray) -> np.ndarray:
    """:func:`normal_from_unit` element by element (the same operations)."""
    q = p - 0.5
    central = np.abs(q) <= 0.425
    r = 0.180625 - q * q
    out = q * _poly_array(_A, r) / _poly_array(_B, r)
    tail = ~central
    if tail.any():
        pt, qt = p[tail], q[tail]
        r = np.where(qt < 0.0, pt, 1.0 - pt)
        r = np.sqrt(-_log_arith_array(r))
        near = r <= 5.0
        value = np.where(
            near,
            _poly_array(_C, r - 1.6) / _poly_array(_D, r - 1.6),
            _poly_array(_E, r - 5.0) / _poly_array(_F, r - 5.0),
        )
        out[tail] = np.where(qt < 0.0, -value, value)
    return out


def normals(keys: np.ndarray, offset: int, size: int) -> np.ndarray:
    """(R, size) standard normals: see :func:`normal_from_unit`."""
    words = bits(keys, offset, size)
    units = ((words >> _S12).astype(np.float64) + 0.5) * _TWO_M52
    return normals_from_units(units)
