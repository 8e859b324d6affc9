"""Bounded-rational (logit) choice from uniforms, vectorised over runs."""

from __future__ import annotations

import numpy as np

_TINY = 1e-12


def gumbel(uniforms: np.ndarray) -> np.ndarray:
    """Standard Gumbel variates from uniforms in [0, 1)."""
    clipped = np.clip(uniforms, _TINY, 1.0 - _TINY)
    return -np.log(-np.log(clipped))


def logit_choice(utilities: np.ndarray, temperature: float, uniforms: np.ndarray) -> np.ndarray:
    """Index of the chosen option along the last axis.

    Picks option k with probability ``exp(U_k / T) / sum_j exp(U_j / T)`` (the
    Gumbel-max trick).  Options with utility ``-inf`` are never chosen.

    Args:
        utilities: (..., K) utilities (dimensionless).
        temperature: logit temperature T > 0 (same units as utilities).
        uniforms: (..., K) uniforms in [0, 1).
    """
    return np.argmax(utilities / temperature + gumbel(uniforms), axis=-1)


def poisson_from_uniform(rate: np.ndarray, uniforms: np.ndarray, max_count: int = 6) -> np.ndarray:
    """Poisson counts by inverse CDF, one uniform per count, capped at ``max_count``.

    Args:
        rate: expected counts (any shape), >= 0.
        uniforms: same shape, in [0, 1).
    """
    probability = np.exp(-rate)
    cumulative = probability.copy()
    counts = np.zeros(rate.shape, dtype=np.int64)
    for k in range(max_count):
        counts += uniforms > cumulative
        probability = probability * rate / (k + 1)
        cumulative = cumulative + probability
    return counts
