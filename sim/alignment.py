"""Alignment structure of an arbitrary actor set: landscapes, structural balance and blocs.

Three families of tools, all generic (any number of actors, any sizes, any relation
matrix) and numpy-vectorised over configurations and runs:

A. **Landscape theory of aggregation** (Axelrod & Bennett 1993, *British Journal of
   Political Science* 23(2):211-233).  Actors ``i = 0..N-1`` with sizes ``s_i > 0`` and a
   symmetric propensity matrix ``p_ij`` (positive: want to be together, negative: want
   to be apart; the diagonal is ignored).  A *configuration* ``X`` puts every actor in
   one of two blocs, encoded as a 0/1 label per actor.  Its energy ("frustration") is

       E(X) = sum_{i != j} s_i s_j p_ij d_ij(X),   d_ij = 0 if same bloc else 1,

   summed over **ordered** pairs, exactly as in the original paper (which sums over all
   ``i`` and ``j``; the ``i == j`` terms vanish because ``d_ii = 0``).  Every unordered
   pair is therefore counted twice: ``E = 2 * sum_{i<j} s_i s_j p_ij d_ij``.  Units: size
   units squared times propensity units.  Lower energy is better.  Energies are
   invariant under swapping the two bloc labels, so enumerations fix actor 0 in bloc 0
   and list ``2**(N-1)`` configurations.

   Local descent follows Axelrod & Bennett: from a configuration, repeatedly switch the
   single actor whose switch lowers the energy the most (ties: lowest actor index) until
   no single switch lowers it.  The end point is a local minimum; its *basin* is the set
   of configurations whose descent ends there.

B. **Structural balance** (Heider 1946; Cartwright & Harary 1956) of a signed, weighted
   relation matrix ``A`` of shape (N, N): symmetric, entries in [-1, 1], diagonal
   ignored, ``0`` meaning "no tie".  A triad with three non-zero ties is balanced when
   the product of its signs is positive ((+,+,+) and (+,-,-)); (-,-,-) counts as
   unbalanced (strict, two-bloc balance).  The *frustration index* (Harary 1959; Aref &
   Wilson 2018) is the minimum, over two-bloc partitions, of the number (or total
   absolute weight) of negative ties inside blocs plus positive ties across blocs,
   counted over unordered pairs.  It is zero exactly when the signed graph is balanced.
   Up to a constant it is the Axelrod-Bennett energy with unit sizes and ``p = A``:
   ``frustration(X) = sum_{i<j} max(-A_ij, 0) + E(X; s=1, p=A) / 2``.

C. **Bloc detection** by deterministic correlation clustering (Doreian & Mrvar 1996;
   Bansal, Blum & Chawla 2004), which allows more than two blocs (Davis 1967
   clusterability).  See :func:`detect_blocs_batch` for the algorithm.

Configurations and bipartitions are ``np.int8`` arrays of 0/1 labels; the canonical
enumeration order of :func:`all_configurations` is the binary code
``k = sum_{j>=1} x_j 2**(j-1)`` (actor 1 is the least significant bit).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "MAX_BATCH_FRUSTRATION_ACTORS",
    "MAX_ENUMERATION_ACTORS",
    "FrustrationResult",
    "LandscapeResult",
    "LocalMinimaResult",
    "all_configurations",
    "balance_pressure",
    "balanced_triad_share",
    "balanced_triad_share_batch",
    "blocs_to_string",
    "descend",
    "detect_blocs",
    "detect_blocs_batch",
    "frustration_batch",
    "frustration_index",
    "global_minima",
    "landscape_energy",
    "local_minima",
    "relation_graph",
]

MAX_ENUMERATION_ACTORS = 20
"""Largest actor count for exact enumeration (2**19 configurations)."""

MAX_BATCH_FRUSTRATION_ACTORS = 12
"""Largest actor count for :func:`frustration_batch` (2**11 partitions per run)."""

_CONFIGURATION_CHUNK = 1 << 16
"""Configurations evaluated per vectorised chunk (bounds memory to a few MB)."""

_BATCH_CELL_BUDGET = 1 << 22
"""Runs x partitions evaluated per chunk in :func:`frustration_batch` (32 MB of float64)."""

_RELATIVE_TOLERANCE = 1e-10
"""Energy changes smaller than this times the total absolute coupling count as zero."""

_INPUT_TOLERANCE = 1e-9
"""Tolerance for symmetry and range checks of input matrices."""


# --------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LandscapeResult:
    """All tied global minima of an Axelrod-Bennett landscape.

    Attributes:
        configurations: (K, N) int8 array of 0/1 bloc labels, one row per tied global
            minimum, actor 0 always in bloc 0, rows in canonical enumeration order.
        energy: the minimum energy (ordered-pair convention, see module docstring).
    """

    configurations: NDArray[np.int8]
    energy: float


@dataclass(frozen=True, eq=False)
class LocalMinimaResult:
    """All local minima of an Axelrod-Bennett landscape with their basins.

    Attributes:
        configurations: (K, N) int8 array of 0/1 bloc labels of the local minima, actor 0
            in bloc 0, sorted by energy (ascending) then canonical enumeration order.
        energies: (K,) float array of their energies.
        basin_sizes: (K,) int64 array; the number of configurations (out of
            ``2**(N-1)``, actor 0 fixed in bloc 0) whose steepest descent ends at each
            minimum.  Sums to ``2**(N-1)``.
    """

    configurations: NDArray[np.int8]
    energies: NDArray[np.float64]
    basin_sizes: NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class FrustrationResult:
    """Frustration index of a signed relation matrix and one partition attaining it.

    Attributes:
        value: minimum number (unweighted) or total absolute weight (weighted) of
            negative ties inside blocs plus positive ties across blocs; >= 0.
        partition: (N,) int8 array of 0/1 bloc labels attaining ``value``, actor 0 in
            bloc 0; the first minimiser in canonical enumeration order.
    """

    value: float
    partition: NDArray[np.int8]


# --------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------


def _coupling_weights(sizes: ArrayLike, propensity: ArrayLike) -> NDArray[np.float64]:
    """Return ``W_ij = s_i s_j p_ij`` with a zero diagonal, shape (N, N), after checks."""
    size_vector = np.asarray(sizes, dtype=np.float64)
    if size_vector.ndim != 1 or size_vector.size == 0:
        raise ValueError(f"sizes must be a non-empty 1-D array, got shape {size_vector.shape}")
    if not np.all(np.isfinite(size_vector)) or np.any(size_vector <= 0):
        raise ValueError("sizes must be finite and strictly positive")
    n_actors = size_vector.size
    propensity_matrix = np.asarray(propensity, dtype=np.float64)
    if propensity_matrix.shape != (n_actors, n_actors):
        raise ValueError(
            f"propensity must have shape ({n_actors}, {n_actors}) to match sizes, "
            f"got {propensity_matrix.shape}"
        )
    if not np.all(np.isfinite(propensity_matrix)):
        raise ValueError("propensity must be finite")
    scale = max(1.0, float(np.abs(propensity_matrix).max()))
    if not np.allclose(
        propensity_matrix, propensity_matrix.T, rtol=0.0, atol=_INPUT_TOLERANCE * scale
    ):
        raise ValueError("propensity must be symmetric")
    symmetric = 0.5 * (propensity_matrix + propensity_matrix.T)
    weights = np.outer(size_vector, size_vector) * symmetric
    np.fill_diagonal(weights, 0.0)
    return weights


def _validated_assignment(assignment: ArrayLike, n_actors: int) -> NDArray[np.int8]:
    """Return ``assignment`` as int8 0/1 labels of shape (N,) or (M, N), after checks."""
    labels = np.asarray(assignment)
    if labels.ndim not in (1, 2) or labels.shape[-1] != n_actors:
        raise ValueError(
            f"assignment must have shape ({n_actors},) or (M, {n_actors}), got {labels.shape}"
        )
    if not np.all((labels == 0) | (labels == 1)):
        raise ValueError("assignment must contain only 0/1 bloc labels")
    return labels.astype(np.int8)


def _validated_relations(relations: ArrayLike, *, batch: bool) -> NDArray[np.float64]:
    """Return relation matrices as float64 (R, N, N) with zero diagonals, after checks.

    Each matrix must be square, finite, symmetric and within [-1, 1] (up to
    ``_INPUT_TOLERANCE``); it is then symmetrised exactly and clipped to [-1, 1].
    """
    matrices = np.asarray(relations, dtype=np.float64)
    expected_ndim = 3 if batch else 2
    if matrices.ndim != expected_ndim or matrices.shape[-1] != matrices.shape[-2]:
        expected = "(R, N, N)" if batch else "(N, N)"
        raise ValueError(f"relation must have shape {expected}, got {matrices.shape}")
    if matrices.shape[-1] == 0:
        raise ValueError("relation must describe at least one actor")
    if not batch:
        matrices = matrices[None]
    if not np.all(np.isfinite(matrices)):
        raise ValueError("relation must be finite")
    if np.any(np.abs(matrices) > 1.0 + _INPUT_TOLERANCE):
        raise ValueError("relation values must lie in [-1, 1]")
    transposed = np.swapaxes(matrices, 1, 2)
    if not np.allclose(matrices, transposed, rtol=0.0, atol=_INPUT_TOLERANCE):
        raise ValueError("relation must be symmetric")
    symmetric = np.clip(0.5 * (matrices + transposed), -1.0, 1.0)
    diagonal = np.arange(symmetric.shape[-1])
    symmetric[:, diagonal, diagonal] = 0.0
    return symmetric


def _tie_signs(relations: NDArray[np.float64], tie_tolerance: float) -> NDArray[np.float64]:
    """Signs (-1, 0, +1) of ties; entries with ``|A_ij| <= tie_tolerance`` are no tie."""
    if not 0.0 <= tie_tolerance < 1.0:
        raise ValueError(f"tie_tolerance must lie in [0, 1), got {tie_tolerance}")
    return np.where(np.abs(relations) > tie_tolerance, np.sign(relations), 0.0)


def _check_enumerable(n_actors: int, limit: int, caller: str) -> None:
    """Raise ``ValueError`` when exact enumeration over ``n_actors`` is not supported."""
    if n_actors > limit:
        raise ValueError(
            f"{caller} enumerates 2**(N-1) configurations exactly and supports at most "
            f"N = {limit} actors; got N = {n_actors}"
        )


# --------------------------------------------------------------------------------------
# Enumeration helpers
# --------------------------------------------------------------------------------------


def _configurations_from_codes(codes: NDArray[np.int64], n_actors: int) -> NDArray[np.int8]:
    """Decode canonical codes (K,) into 0/1 labels (K, N) with actor 0 in bloc 0."""
    shifts = np.arange(n_actors - 1, dtype=np.int64)
    labels = np.zeros((codes.size, n_actors), dtype=np.int8)
    labels[:, 1:] = (codes[:, None] >> shifts) & 1
    return labels


def _iter_configuration_chunks(n_actors: int) -> Iterator[tuple[int, NDArray[np.int8]]]:
    """Yield ``(start_code, labels)`` chunks covering all 2**(N-1) canonical configurations."""
    n_configurations = 1 << (n_actors - 1)
    for start in range(0, n_configurations, _CONFIGURATION_CHUNK):
        stop = min(start + _CONFIGURATION_CHUNK, n_configurations)
        yield start, _configurations_from_codes(np.arange(start, stop, dtype=np.int64), n_actors)


def _cut_weight(labels: NDArray[np.int8], coupling: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return ``sum_{i in bloc 1, j in bloc 0} C_ij`` per row, shape (M,), for labels (M, N).

    For a symmetric coupling this is the total coupling across the cut counted once per
    unordered pair.  Computed as a sum of products (no subtraction of large totals).
    """
    in_bloc_one = labels.astype(np.float64)
    return np.einsum("mi,mi->m", in_bloc_one, (1.0 - in_bloc_one) @ coupling)


def _flip_gains(labels: NDArray[np.int8], weights: NDArray[np.float64]) -> NDArray[np.float64]:
    """Energy change of switching each actor, shape (M, N), for labels (M, N).

    With spins ``sigma = 1 - 2x`` the ordered-pair energy is
    ``E = (sum W - sigma^T W sigma) / 2``, so switching actor k changes it by
    ``2 sigma_k (W sigma)_k``.
    """
    spins = 1.0 - 2.0 * labels.astype(np.float64)
    return 2.0 * spins * (spins @ weights)


def _steepest_switch(
    gains: NDArray[np.float64], tolerance: float
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Pick the Axelrod-Bennett move per row of ``gains`` (M, N).

    Returns ``(actor, improves)``: the lowest-index actor whose switch gain is within
    ``tolerance`` of the most negative one, and whether that gain is below
    ``-tolerance`` (i.e. the switch lowers the energy).
    """
    best_gain = gains.min(axis=1)
    near_best = gains <= best_gain[:, None] + tolerance
    return np.argmax(near_best, axis=1), best_gain < -tolerance


# --------------------------------------------------------------------------------------
# A. Landscape theory of aggregation
# --------------------------------------------------------------------------------------


def landscape_energy(
    assignment: ArrayLike, sizes: ArrayLike, propensity: ArrayLike
) -> float | NDArray[np.float64]:
    """Axelrod-Bennett energy of one or many two-bloc configurations.

    Args:
        assignment: (N,) or (M, N) array of 0/1 bloc labels.
        sizes: (N,) strictly positive actor sizes.
        propensity: (N, N) symmetric propensity matrix; diagonal ignored.

    Returns:
        ``E(X) = sum_{i != j} s_i s_j p_ij d_ij(X)`` over **ordered** pairs (twice the
        unordered sum): a float for a (N,) assignment, a (M,) array for (M, N).
    """
    weights = _coupling_weights(sizes, propensity)
    labels = _validated_assignment(assignment, weights.shape[0])
    energies = 2.0 * _cut_weight(np.atleast_2d(labels), weights)
    return float(energies[0]) if labels.ndim == 1 else energies


def all_configurations(n: int) -> NDArray[np.int8]:
    """All two-bloc configurations of ``n`` actors up to relabelling of the blocs.

    Args:
        n: number of actors, 1 <= n <= ``MAX_ENUMERATION_ACTORS``.

    Returns:
        (2**(n-1), n) int8 array of 0/1 labels with actor 0 in bloc 0; row ``k`` has
        ``x_j = (k >> (j-1)) & 1`` for ``j >= 1``.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    _check_enumerable(n, MAX_ENUMERATION_ACTORS, "all_configurations")
    return _configurations_from_codes(np.arange(1 << (n - 1), dtype=np.int64), n)


def global_minima(
    sizes: ArrayLike,
    propensity: ArrayLike,
    atol: float = 1e-12,
    rtol: float = _RELATIVE_TOLERANCE,
) -> LandscapeResult:
    """All global minima of the Axelrod-Bennett landscape by exact enumeration.

    Evaluates the 2**(N-1) canonical configurations in vectorised chunks.

    Args:
        sizes: (N,) strictly positive actor sizes, N <= ``MAX_ENUMERATION_ACTORS``.
        propensity: (N, N) symmetric propensity matrix; diagonal ignored.
        atol: absolute energy tolerance for ties.
        rtol: tie tolerance relative to ``sum_{i != j} |s_i s_j p_ij|`` (the largest
            possible energy), absorbing floating-point rounding.

    Returns:
        :class:`LandscapeResult` with every configuration whose energy is within
        ``atol + rtol * scale`` of the minimum, and the minimum energy.

    Raises:
        ValueError: if N > ``MAX_ENUMERATION_ACTORS`` or the inputs are invalid.
    """
    weights = _coupling_weights(sizes, propensity)
    n_actors = weights.shape[0]
    _check_enumerable(n_actors, MAX_ENUMERATION_ACTORS, "global_minima")
    energies = np.empty(1 << (n_actors - 1), dtype=np.float64)
    for start, labels in _iter_configuration_chunks(n_actors):
        energies[start : start + labels.shape[0]] = 2.0 * _cut_weight(labels, weights)
    minimum = float(energies.min())
    tolerance = atol + rtol * float(np.abs(weights).sum())
    tied_codes = np.flatnonzero(energies <= minimum + tolerance)
    return LandscapeResult(
        configurations=_configurations_from_codes(tied_codes, n_actors), energy=minimum
    )


def descend(assignment: ArrayLike, sizes: ArrayLike, propensity: ArrayLike) -> NDArray[np.int8]:
    """Steepest single-actor descent to a local minimum (Axelrod & Bennett 1993).

    Repeatedly switches the one actor whose switch lowers the energy the most (ties
    within rounding tolerance: lowest actor index) until no switch lowers it.  Energy
    strictly decreases at every step, so the descent terminates.  Labels are not
    canonicalised: the returned configuration is in the caller's labelling.

    Args:
        assignment: (N,) or (M, N) array of 0/1 bloc labels (start configurations;
            rows descend independently, vectorised over M).
        sizes: (N,) strictly positive actor sizes.
        propensity: (N, N) symmetric propensity matrix; diagonal ignored.

    Returns:
        int8 array of the same shape as ``assignment``: the local minima reached.
    """
    weights = _coupling_weights(sizes, propensity)
    labels = _validated_assignment(assignment, weights.shape[0])
    current = np.atleast_2d(labels).copy()
    tolerance = _RELATIVE_TOLERANCE * float(np.abs(weights).sum())
    active_rows = np.arange(current.shape[0])
    while active_rows.size:
        actor, improves = _steepest_switch(_flip_gains(current[active_rows], weights), tolerance)
        active_rows = active_rows[improves]
        current[active_rows, actor[improves]] ^= 1
    return current if labels.ndim == 2 else current[0]


def local_minima(sizes: ArrayLike, propensity: ArrayLike) -> LocalMinimaResult:
    """All local minima of the landscape with their energies and basin sizes.

    A configuration is a local minimum when no single-actor switch lowers its energy
    (by more than rounding tolerance).  Basins follow the deterministic steepest
    descent of :func:`descend`: the successor of every canonical configuration is
    computed in vectorised chunks, then followed to its end point by pointer doubling
    (O(log path length) vectorised passes).  A switch of actor 0 is mapped back to the
    canonical labelling (all labels flipped), which leaves energies and later moves
    unchanged.

    Args:
        sizes: (N,) strictly positive actor sizes, N <= ``MAX_ENUMERATION_ACTORS``.
        propensity: (N, N) symmetric propensity matrix; diagonal ignored.

    Returns:
        :class:`LocalMinimaResult` sorted by energy, basin sizes summing to 2**(N-1).
    """
    weights = _coupling_weights(sizes, propensity)
    n_actors = weights.shape[0]
    _check_enumerable(n_actors, MAX_ENUMERATION_ACTORS, "local_minima")
    n_configurations = 1 << (n_actors - 1)
    flip_all_but_actor_zero = n_configurations - 1
    tolerance = _RELATIVE_TOLERANCE * float(np.abs(weights).sum())
    successor = np.empty(n_configurations, dtype=np.int64)
    energies = np.empty(n_configurations, dtype=np.float64)
    for start, labels in _iter_configuration_chunks(n_actors):
        codes = np.arange(start, start + labels.shape[0], dtype=np.int64)
        actor, improves = _steepest_switch(_flip_gains(labels, weights), tolerance)
        switch_mask = np.where(
            actor == 0, flip_all_but_actor_zero, np.left_shift(1, np.maximum(actor, 1) - 1)
        )
        successor[codes] = np.where(improves, codes ^ switch_mask, codes)
        energies[codes] = 2.0 * _cut_weight(labels, weights)
    while True:
        jumped = successor[successor]
        if np.array_equal(jumped, successor):
            break
        successor = jumped
    minimum_codes, basin_sizes = np.unique(successor, return_counts=True)
    minimum_energies = energies[minimum_codes]
    order = np.lexsort((minimum_codes, minimum_energies))
    return LocalMinimaResult(
        configurations=_configurations_from_codes(minimum_codes[order], n_actors),
        energies=minimum_energies[order],
        basin_sizes=basin_sizes[order].astype(np.int64),
    )


# --------------------------------------------------------------------------------------
# B. Structural balance
# --------------------------------------------------------------------------------------


def balance_pressure(relations: ArrayLike, weights: ArrayLike | None = None) -> NDArray[np.float64]:
    """Structural-balance pressure on every tie: the weighted mean over third parties
    ``k`` of ``A_ik A_kj``.

    Positive where i and j share friends or share enemies (the enemy of my enemy
    is my friend), negative where one's friend is the other's enemy.  ``weights``
    (N,), or (R, N) for a batch, says how much each third party counts (default: all
    equally, i.e.
    ``sum_k A_ik A_kj / (N - 2)``); the result lies in [-1, 1] when the relations do.
    Shape (N, N) or a batch (R, N, N); the diagonal of ``relations`` must be zero.
    """
    relations = np.asarray(relations, dtype=float)
    n = relations.shape[-1]
    if weights is None:
        return (relations @ relations) / max(n - 2, 1)
    weights = np.asarray(weights, dtype=float)
    if weights.ndim == 2:  # one weight vector per run of a batch (R, N)
        others = weights.sum(axis=1)[:, None, None] - weights[:, :, None] - weights[:, None, :]
        return ((relations * weights[:, None, :]) @ relations) / np.maximum(others, 1e-12)
    others = weights.sum() - weights[:, None] - weights[None, :]
    return ((relations * weights) @ relations) / np.maximum(others, 1e-12)


def balanced_triad_share_batch(
    relations: ArrayLike, tie_tolerance: float = 0.0
) -> NDArray[np.float64]:
    """Share of balanced triads for a batch of signed relation matrices.

    Uses traces of matrix products: with ``S`` the tie signs and ``T = |S|``, the
    number of triads with three ties is ``tr(T^3) / 6`` and the sum of their sign
    products is ``tr(S^3) / 6``; balanced = (count + signed sum) / 2.

    Args:
        relations: (R, N, N) symmetric matrices with values in [-1, 1]; diagonals
            ignored.
        tie_tolerance: entries with ``|A_ij| <= tie_tolerance`` count as no tie
            (default 0: only exact zeros).

    Returns:
        (R,) float array in [0, 1]; NaN for a run with no triad of three ties.
    """
    signs = _tie_signs(_validated_relations(relations, batch=True), tie_tolerance)
    present = np.abs(signs)
    closed_triads = np.einsum("rij,rij->r", present @ present, present) / 6.0
    signed_triads = np.einsum("rij,rij->r", signs @ signs, signs) / 6.0
    balanced = 0.5 * (closed_triads + signed_triads)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(closed_triads > 0, balanced / closed_triads, np.nan)


def balanced_triad_share(relation: ArrayLike, tie_tolerance: float = 0.0) -> float:
    """Share of triads with three non-zero ties whose sign product is positive.

    Args:
        relation: (N, N) symmetric matrix with values in [-1, 1]; diagonal ignored.
        tie_tolerance: entries with ``|A_ij| <= tie_tolerance`` count as no tie.

    Returns:
        Share in [0, 1]; NaN if no triad has three ties.  (+,+,+) and (+,-,-) are
        balanced; (+,+,-) and (-,-,-) are not.
    """
    matrix = _validated_relations(relation, batch=False)
    return float(balanced_triad_share_batch(matrix, tie_tolerance)[0])


def frustration_index(
    relation: ArrayLike, weighted: bool = False, tie_tolerance: float = 0.0
) -> FrustrationResult:
    """Exact frustration index of a signed relation matrix by vectorised enumeration.

    Minimises, over the 2**(N-1) two-bloc partitions, the number (``weighted=False``)
    or total ``|A_ij|`` (``weighted=True``) of negative ties inside blocs plus positive
    ties across blocs, over unordered pairs.  Computed as
    ``sum_{i<j} max(-C_ij, 0) + cut(C)`` with ``C = sign(A)`` or ``A``.

    Args:
        relation: (N, N) symmetric matrix with values in [-1, 1], N <=
            ``MAX_ENUMERATION_ACTORS``; diagonal ignored.
        weighted: count ties (False) or sum their absolute weights (True).
        tie_tolerance: entries with ``|A_ij| <= tie_tolerance`` count as no tie.

    Returns:
        :class:`FrustrationResult`: the index (an integer-valued float when
        unweighted) and the first minimising partition in enumeration order.
    """
    matrix = _validated_relations(relation, batch=False)
    n_actors = matrix.shape[-1]
    _check_enumerable(n_actors, MAX_ENUMERATION_ACTORS, "frustration_index")
    signs = _tie_signs(matrix, tie_tolerance)[0]
    coupling = signs if not weighted else signs * np.abs(matrix[0])
    negative_total = float(np.triu(np.maximum(-coupling, 0.0), k=1).sum())
    best_cut, best_code = np.inf, 0
    for start, labels in _iter_configuration_chunks(n_actors):
        cuts = _cut_weight(labels, coupling)
        position = int(np.argmin(cuts))
        if cuts[position] < best_cut:
            best_cut, best_code = float(cuts[position]), start + position
    value = max(negative_total + best_cut, 0.0)
    if not weighted:
        value = float(round(value))
    partition = _configurations_from_codes(np.array([best_code], dtype=np.int64), n_actors)[0]
    return FrustrationResult(value=value, partition=partition)


def frustration_batch(
    relations: ArrayLike, weighted: bool = True, tie_tolerance: float = 0.0
) -> NDArray[np.float64]:
    """Exact frustration index for a batch of small signed relation matrices.

    With spins ``sigma = +-1`` per bloc, a pair is frustrated iff
    ``sign(C_ij) sigma_i sigma_j = -1``, so
    ``F(sigma) = (sum_{i<j} |C_ij| - sum_{i<j} C_ij sigma_i sigma_j) / 2``.  The second
    sum over all runs and all 2**(N-1) partitions is one matrix product of the runs'
    upper-triangle couplings (R, N(N-1)/2) with the partitions' pair products
    (N(N-1)/2, 2**(N-1)), evaluated in run chunks of bounded memory.

    Args:
        relations: (R, N, N) symmetric matrices with values in [-1, 1], N <=
            ``MAX_BATCH_FRUSTRATION_ACTORS``; diagonals ignored.
        weighted: sum absolute weights (True, default) or count ties (False).
        tie_tolerance: entries with ``|A_ij| <= tie_tolerance`` count as no tie.

    Returns:
        (R,) float array of frustration indices (>= 0).
    """
    matrices = _validated_relations(relations, batch=True)
    n_runs, n_actors = matrices.shape[0], matrices.shape[-1]
    _check_enumerable(n_actors, MAX_BATCH_FRUSTRATION_ACTORS, "frustration_batch")
    signs = _tie_signs(matrices, tie_tolerance)
    coupling = signs * np.abs(matrices) if weighted else signs
    upper_i, upper_j = np.triu_indices(n_actors, k=1)
    pair_coupling = coupling[:, upper_i, upper_j]
    spins = 1.0 - 2.0 * all_configurations(n_actors).astype(np.float64)
    pair_agreement = (spins[:, upper_i] * spins[:, upper_j]).T
    absolute_total = np.abs(pair_coupling).sum(axis=1)
    best_agreement = np.empty(n_runs, dtype=np.float64)
    runs_per_chunk = max(1, _BATCH_CELL_BUDGET // spins.shape[0])
    for start in range(0, n_runs, runs_per_chunk):
        chunk = slice(start, start + runs_per_chunk)
        best_agreement[chunk] = (pair_coupling[chunk] @ pair_agreement).max(axis=1)
    values = np.maximum(0.5 * (absolute_total - best_agreement), 0.0)
    return values if weighted else np.round(values)


# --------------------------------------------------------------------------------------
# C. Bloc detection
# --------------------------------------------------------------------------------------


def _canonical_labels(labels: NDArray[np.int64]) -> NDArray[np.int64]:
    """Renumber bloc labels (R, N) so blocs are numbered by their lowest-index member."""
    n_runs, n_actors = labels.shape
    membership = labels[:, :, None] == np.arange(n_actors)
    has_member = membership.any(axis=1)
    first_member = np.where(has_member, np.argmax(membership, axis=1), n_actors)
    runs = np.arange(n_runs)[:, None]
    rank = np.empty_like(first_member)
    rank[runs, np.argsort(first_member, axis=1, kind="stable")] = np.arange(n_actors)
    return np.take_along_axis(rank, labels, axis=1)


def _local_move_sweep(
    weights: NDArray[np.float64], labels: NDArray[np.int64], tolerance: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """One in-place Gauss-Seidel sweep of single-actor moves over actors 0..N-1.

    Actor ``i`` moves to the bloc with the largest total tie weight to it (lowest label
    among near-ties) if that beats staying by more than ``tolerance``; if no bloc has a
    positive total, an actor whose current bloc has a negative total becomes a
    singleton (lowest empty label).  Returns (r,) flags of runs where an actor moved.
    """
    n_runs, n_actors = labels.shape
    runs = np.arange(n_runs)
    offsets = runs[:, None] * n_actors
    cells = n_runs * n_actors
    moved = np.zeros(n_runs, dtype=bool)
    for actor in range(n_actors):
        # Each actor's tie weights summed per bloc label (sequential sums in actor order,
        # as np.bincount adds them).
        flat_index = (offsets + labels).ravel()
        affinity = np.bincount(
            flat_index, weights=weights[:, actor, :].ravel(), minlength=cells
        ).reshape(n_runs, n_actors)
        current = labels[:, actor]
        stay = affinity[runs, current]
        best = affinity.max(axis=1)
        best_label = np.argmax(affinity >= (best - tolerance)[:, None], axis=1)
        joins = (best > tolerance) & (best > stay + tolerance)
        leaves = (best <= tolerance) & (stay < -tolerance)
        if leaves.any():  # rare: only then look for the lowest empty label
            occupied = np.bincount(flat_index, minlength=cells).reshape(n_runs, n_actors) > 0
            current = np.where(leaves, np.argmin(occupied, axis=1), current)
        labels[:, actor] = np.where(joins, best_label, current)
        moved |= joins | leaves
    return moved


def _merge_best_pair(
    weights: NDArray[np.float64], labels: NDArray[np.int64], tolerance: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Merge, in place, the pair of blocs with the largest positive total tie weight.

    Ties between pairs go to the lowest (label, label) pair.  Returns (r,) flags of runs
    where a merge happened.
    """
    n_runs, n_actors = labels.shape
    flat_index = (
        np.arange(n_runs)[:, None, None] * n_actors * n_actors
        + labels[:, :, None] * n_actors
        + labels[:, None, :]
    ).ravel()
    between = np.bincount(
        flat_index, weights=weights.ravel(), minlength=n_runs * n_actors * n_actors
    ).reshape(n_runs, n_actors * n_actors)
    upper = np.triu(np.ones((n_actors, n_actors), dtype=bool), k=1).ravel()
    between[:, ~upper] = -np.inf
    best_pair = np.argmax(between, axis=1)
    merges = between[np.arange(n_runs), best_pair] > tolerance
    keep_label, absorbed_label = np.divmod(best_pair, n_actors)
    absorbed = merges[:, None] & (labels == absorbed_label[:, None])
    labels[absorbed] = np.broadcast_to(keep_label[:, None], labels.shape)[absorbed]
    return merges


def detect_blocs_batch(relations: ArrayLike, threshold: float = 0.0) -> NDArray[np.int64]:
    """Deterministic correlation clustering of a batch of signed relation matrices.

    Method (vectorised over runs; identical per run to :func:`detect_blocs`):

    1. Ties with ``|A_ij| <= threshold`` are dropped; remaining weights ``w_ij = A_ij``.
       The objective is to maximise ``sum_{i<j, same bloc} w_ij`` (equivalently minimise
       negative weight inside blocs plus positive weight across, the Doreian-Mrvar
       criterion with equal penalties); the number of blocs is free.
    2. Start with every actor a singleton.  Sweep actors in index order; each moves to
       the bloc with the largest positive total weight to it, or leaves to a new
       singleton if its bloc pulls negatively and no bloc pulls positively; repeat
       sweeps until no actor moves.
    3. Merge the pair of blocs with the largest positive total weight between them, then
       return to step 2; stop when no pair attracts.

    Every change increases the objective by more than a rounding tolerance, so the
    procedure terminates at a partition where no single move and no merge helps.
    Actors without a positive tie above the threshold always end as singletons.  For
    a balanced complete signed graph the result is the balancing bipartition.

    Steps 2-3 run compiled (numba, one run at a time: :func:`_bloc_kernel`) when
    numba is installed and ``SIM_NUMBA`` is not ``0``, else vectorised with numpy
    (:func:`_detect_blocs_numpy`); both add the same numbers in the same order, so
    the labels are identical (``tests/test_speed_paths.py``).

    Args:
        relations: (R, N, N) symmetric matrices with values in [-1, 1]; diagonals
            ignored.
        threshold: ties with absolute value at or below it count as absent, in [0, 1).

    Returns:
        (R, N) int64 canonical labels: blocs numbered 0, 1, ... in order of their
        lowest-index member.
    """
    if not 0.0 <= threshold < 1.0:
        raise ValueError(f"threshold must lie in [0, 1), got {threshold}")
    weights = _exact_weights(relations, threshold)
    if weights is None:
        matrices = _validated_relations(relations, batch=True)
        weights = np.where(np.abs(matrices) > threshold, matrices, 0.0)
    tolerance = _RELATIVE_TOLERANCE * np.abs(weights).sum(axis=(1, 2))
    compiled = _compiled_bloc_kernel()
    if compiled is None:
        return _detect_blocs_numpy(weights, tolerance)
    labels = np.empty(weights.shape[:2], dtype=np.int64)
    compiled(weights, tolerance, labels)
    return labels


def _exact_weights(relations: ArrayLike, threshold: float) -> NDArray[np.float64] | None:
    """Tie weights of matrices that are already exactly valid, else None.

    For a float64 (R, N, N) batch that is exactly symmetric with entries in [-1, 1]
    (what the kernel keeps), :func:`_validated_relations` changes nothing but the
    diagonal, so the weights follow with three cheap passes instead of its checks
    and copies; the result is identical.  Anything else (NaN, asymmetry within the
    tolerance, values just outside the range, other shapes) returns None and takes
    the full validation.
    """
    matrices = np.asarray(relations)
    if (
        matrices.dtype != np.float64
        or matrices.ndim != 3
        or matrices.shape[1] != matrices.shape[2]
        or matrices.size == 0
    ):
        return None
    magnitude = np.abs(matrices)
    if not magnitude.max() <= 1.0 or not np.array_equal(matrices, matrices.transpose(0, 2, 1)):
        return None
    weights = np.where(magnitude > threshold, matrices, 0.0)
    diagonal = np.arange(matrices.shape[1])
    weights[:, diagonal, diagonal] = 0.0
    return weights


def _detect_blocs_numpy(
    weights: NDArray[np.float64], tolerance: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Steps 2-3 of :func:`detect_blocs_batch` vectorised over runs with numpy."""
    n_runs, n_actors = weights.shape[:2]
    labels = np.tile(np.arange(n_actors, dtype=np.int64), (n_runs, 1))
    unsettled = np.arange(n_runs)
    while unsettled.size:
        moving = unsettled
        while moving.size:
            sub_labels = labels[moving]
            moved = _local_move_sweep(weights[moving], sub_labels, tolerance[moving])
            labels[moving] = sub_labels
            moving = moving[moved]
        sub_labels = labels[unsettled]
        merged = _merge_best_pair(weights[unsettled], sub_labels, tolerance[unsettled])
        labels[unsettled] = sub_labels
        unsettled = unsettled[merged]
    return _canonical_labels(labels)


def _bloc_kernel(
    weights: NDArray[np.float64], tolerance: NDArray[np.float64], out: NDArray[np.int64]
) -> None:
    """Steps 2-3 of :func:`detect_blocs_batch`, one run at a time, as plain loops.

    The same decisions as :func:`_detect_blocs_numpy` from the same sums: each
    bloc total adds the tie weights in actor order starting from 0.0, exactly as
    ``np.bincount`` does there, so the labels are identical, not just close.
    Written for numba (:func:`_compiled_bloc_kernel` compiles it); it also runs
    uncompiled (slowly), which the tests use.  Writes canonical labels to ``out``.
    """
    n_runs, n_actors = weights.shape[0], weights.shape[1]
    size = np.uint64(n_actors)
    affinity = np.empty(n_actors)
    between = np.empty(n_actors * n_actors)
    occupied = np.empty(n_actors, dtype=np.bool_)
    relabel = np.empty(n_actors, dtype=np.int64)
    # unsigned labels: indexing with them needs no test for negative indices
    labels = np.empty(n_actors, dtype=np.uint64)
    for run in range(n_runs):
        w = weights[run]
        tol = tolerance[run]
        for i in range(n_actors):
            labels[i] = i
        merged = True
        while merged:
            moved = True
            while moved:  # sweeps of single-actor moves until none moves
                moved = False
                for actor in range(n_actors):
                    for b in range(n_actors):
                        affinity[b] = 0.0
                    for j in range(n_actors):
                        affinity[labels[j]] += w[actor, j]
                    stay = affinity[labels[actor]]
                    best = affinity[0]
                    for b in range(1, n_actors):
                        if affinity[b] > best:
                            best = affinity[b]
                    near_best = best - tol
                    best_label = 0
                    for b in range(n_actors):
                        if affinity[b] >= near_best:
                            best_label = b
                            break
                    if best > tol and best > stay + tol:
                        labels[actor] = best_label
                        moved = True
                    elif best <= tol and stay < -tol:
                        for b in range(n_actors):
                            occupied[b] = False
                        for j in range(n_actors):
                            occupied[labels[j]] = True
                        empty = 0  # np.argmin of an all-occupied row
                        for b in range(n_actors):
                            if not occupied[b]:
                                empty = b
                                break
                        labels[actor] = empty
                        moved = True
            # Merge the most attracted pair of blocs (first maximum in (label, label) order).
            for k in range(n_actors * n_actors):
                between[k] = 0.0
            for i in range(n_actors):
                row = labels[i] * size
                for j in range(n_actors):
                    between[row + labels[j]] += w[i, j]
            best_pair = -1
            best_value = 0.0
            for keep in range(n_actors):
                for absorbed in range(keep + 1, n_actors):
                    value = between[keep * n_actors + absorbed]
                    if best_pair < 0 or value > best_value:
                        best_pair = keep * n_actors + absorbed
                        best_value = value
            merged = best_pair >= 0 and best_value > tol
            if merged:
                keep, absorbed = best_pair // n_actors, best_pair % n_actors
                for j in range(n_actors):
                    if labels[j] == absorbed:
                        labels[j] = keep
        # Canonical labels: blocs numbered in order of their lowest-index member.
        for b in range(n_actors):
            relabel[b] = -1
        next_label = 0
        for i in range(n_actors):
            if relabel[labels[i]] < 0:
                relabel[labels[i]] = next_label
                next_label += 1
            out[run, i] = relabel[labels[i]]


_COMPILED_BLOC_KERNEL: list = []


def _compiled_bloc_kernel():  # -> Callable | None
    """:func:`_bloc_kernel` compiled by numba, or None.

    None when numba is not installed or the environment sets ``SIM_NUMBA=0``;
    :func:`detect_blocs_batch` then uses the numpy path, with identical results.
    Compiled once per process on first use (cached on disk where numba can).
    """
    if not _COMPILED_BLOC_KERNEL:
        import os

        compiled = None
        if os.environ.get("SIM_NUMBA", "1") != "0":
            try:
                import numba
            except ImportError:
                pass
            else:
                compiled = numba.njit(cache=True, nogil=True)(_bloc_kernel)
        _COMPILED_BLOC_KERNEL.append(compiled)
    return _COMPILED_BLOC_KERNEL[0]


def bloc_detection_backend() -> str:
    """``"numba"`` if :func:`detect_blocs_batch` runs compiled, else ``"numpy"``."""
    return "numpy" if _compiled_bloc_kernel() is None else "numba"


def detect_blocs(relation: ArrayLike, threshold: float = 0.0) -> NDArray[np.int64]:
    """Partition actors into blocs with positive ties inside and negative ties across.

    Deterministic correlation clustering (local moves plus bloc merges); see
    :func:`detect_blocs_batch` for the algorithm.  The number of blocs is not fixed;
    actors without a positive tie above ``threshold`` form singletons.

    Args:
        relation: (N, N) symmetric matrix with values in [-1, 1]; diagonal ignored.
        threshold: ties with ``|A_ij| <= threshold`` count as absent, in [0, 1).

    Returns:
        (N,) int64 canonical labels (blocs numbered by their lowest-index member).
    """
    matrix = _validated_relations(relation, batch=False)
    return detect_blocs_batch(matrix, threshold)[0]


def blocs_to_string(labels: ArrayLike, codes: Sequence[str]) -> str:
    """Render a bloc partition as text, e.g. ``"CHN+PAK+RUS|IND+IRN+TJK|USA"``.

    Members of a bloc are sorted by code and joined with ``+``; blocs are sorted by their
    first (alphabetical) member and joined with ``|``.  Labels need not be canonical.

    Args:
        labels: (N,) integer bloc labels.
        codes: N actor codes, aligned with ``labels``.
    """
    label_vector = np.asarray(labels)
    if label_vector.ndim != 1 or label_vector.size != len(codes):
        raise ValueError(
            f"labels must be 1-D with one entry per code ({len(codes)}), "
            f"got shape {label_vector.shape}"
        )
    members: dict[int, list[str]] = {}
    for label, code in zip(label_vector.tolist(), codes, strict=True):
        members.setdefault(int(label), []).append(str(code))
    blocs = sorted(sorted(bloc) for bloc in members.values())
    return "|".join("+".join(bloc) for bloc in blocs)


def relation_graph(relation: ArrayLike, codes: Sequence[str] | None = None) -> nx.Graph:
    """Signed weighted graph of a relation matrix.

    Args:
        relation: (N, N) symmetric matrix with values in [-1, 1]; diagonal ignored.
        codes: optional N node names (default: actor indices 0..N-1).

    Returns:
        Undirected graph with one node per actor and one edge per non-zero tie, with
        attributes ``weight`` (A_ij, in [-1, 1]) and ``sign`` (+1 or -1).
    """
    matrix = _validated_relations(relation, batch=False)[0]
    n_actors = matrix.shape[0]
    names: list[str] | list[int] = list(codes) if codes is not None else list(range(n_actors))
    if len(names) != n_actors:
        raise ValueError(f"codes must have {n_actors} entries, got {len(names)}")
    graph = nx.Graph()
    graph.add_nodes_from(names)
    upper_i, upper_j = np.nonzero(np.triu(matrix, k=1))
    graph.add_edges_from(
        (names[i], names[j], {"weight": float(matrix[i, j]), "sign": int(np.sign(matrix[i, j]))})
        for i, j in zip(upper_i.tolist(), upper_j.tolist(), strict=True)
    )
    return graph
