"""Tests of :mod:`sim.alignment`: landscapes, structural balance and bloc detection.

Hand-computed cases state their arithmetic in comments.  Energy convention: ordered
pairs, E = 2 * sum over unordered cut pairs of s_i s_j p_ij.  Randomised properties use
hypothesis-drawn seeds for numpy generators (fast, reproducible, shrinkable).
"""

from __future__ import annotations

import itertools
import time

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import alignment
from sim.alignment import (
    all_configurations,
    balanced_triad_share,
    balanced_triad_share_batch,
    blocs_to_string,
    descend,
    detect_blocs,
    detect_blocs_batch,
    frustration_batch,
    frustration_index,
    global_minima,
    landscape_energy,
    local_minima,
    relation_graph,
)

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


# --------------------------------------------------------------------------------------
# Helpers: random inputs and slow, loop-based reference implementations
# --------------------------------------------------------------------------------------


def random_landscape(seed: int, n_actors: int) -> tuple[np.ndarray, np.ndarray]:
    """Random sizes (N,) in [0.5, 3) and symmetric propensity (N, N) in [-1, 1)."""
    rng = np.random.default_rng(seed)
    sizes = rng.uniform(0.5, 3.0, n_actors)
    upper = np.triu(rng.uniform(-1.0, 1.0, (n_actors, n_actors)), k=1)
    return sizes, upper + upper.T


def random_relation(seed: int, n_actors: int, zero_share: float = 0.3) -> np.ndarray:
    """Random symmetric relation (N, N) in [-1, 1] with about ``zero_share`` absent ties."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(-1.0, 1.0, (n_actors, n_actors))
    values[rng.random((n_actors, n_actors)) < zero_share] = 0.0
    upper = np.triu(values, k=1)
    return upper + upper.T


def planted_relation(seed: int, labels: np.ndarray) -> np.ndarray:
    """Complete balanced relation: +|w| inside the planted blocs, -|w| across."""
    rng = np.random.default_rng(seed)
    n_actors = labels.size
    magnitudes = rng.uniform(0.2, 1.0, (n_actors, n_actors))
    upper = np.triu(magnitudes, k=1)
    same_bloc = labels[:, None] == labels[None, :]
    relation = np.where(same_bloc, 1.0, -1.0) * (upper + upper.T)
    np.fill_diagonal(relation, 0.0)
    return relation


def reference_energy(labels: np.ndarray, sizes: np.ndarray, propensity: np.ndarray) -> float:
    """Axelrod-Bennett energy by the literal double loop over ordered pairs i != j."""
    n_actors = len(sizes)
    return sum(
        sizes[i] * sizes[j] * propensity[i, j] * (labels[i] != labels[j])
        for i in range(n_actors)
        for j in range(n_actors)
        if i != j
    )


def reference_frustration(relation: np.ndarray, weighted: bool) -> float:
    """Frustration index by looping over every bipartition and every unordered pair."""
    n_actors = relation.shape[0]
    best = np.inf
    for tail in itertools.product((0, 1), repeat=n_actors - 1):
        labels = (0, *tail)
        total = 0.0
        for i, j in itertools.combinations(range(n_actors), 2):
            tie = relation[i, j]
            frustrated = (tie < 0 and labels[i] == labels[j]) or (
                tie > 0 and labels[i] != labels[j]
            )
            if frustrated:
                total += abs(tie) if weighted else 1.0
        best = min(best, total)
    return best


def reference_triad_share(relation: np.ndarray) -> float:
    """Balanced share by looping over all triads with three non-zero ties."""
    n_actors = relation.shape[0]
    products = [
        np.sign(relation[i, j]) * np.sign(relation[j, k]) * np.sign(relation[i, k])
        for i, j, k in itertools.combinations(range(n_actors), 3)
        if relation[i, j] != 0 and relation[j, k] != 0 and relation[i, k] != 0
    ]
    return float(np.mean(np.array(products) > 0)) if products else float("nan")


def bloc_objective(relation: np.ndarray, labels: np.ndarray) -> float:
    """Total tie weight inside blocs over unordered pairs (the detect_blocs objective)."""
    same_bloc = labels[:, None] == labels[None, :]
    return float(np.triu(np.where(same_bloc, relation, 0.0), k=1).sum())


# --------------------------------------------------------------------------------------
# A. Landscape theory: hand-computed cases
# --------------------------------------------------------------------------------------

# Three actors, unit sizes; 0 and 1 like each other, both dislike 2.
THREE_SIZES = np.ones(3)
THREE_PROPENSITY = np.array([[0.0, 1.0, -1.0], [1.0, 0.0, -1.0], [-1.0, -1.0, 0.0]])


def test_three_actor_energies_by_hand() -> None:
    # Canonical configurations (actor 0 in bloc 0) and ordered-pair energies
    # E = 2 * sum over unordered cut pairs of p_ij:
    #   {0,1,2}       no cut                        -> 0
    #   {0,2}|{1}     cut 01 (+1), 12 (-1)          -> 2 * 0  = 0
    #   {0,1}|{2}     cut 02 (-1), 12 (-1)          -> 2 * -2 = -4
    #   {0}|{1,2}     cut 01 (+1), 02 (-1)          -> 2 * 0  = 0
    configurations = all_configurations(3)
    np.testing.assert_array_equal(configurations, [[0, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 1]])
    energies = landscape_energy(configurations, THREE_SIZES, THREE_PROPENSITY)
    np.testing.assert_allclose(energies, [0.0, 0.0, -4.0, 0.0])
    assert landscape_energy([0, 0, 1], THREE_SIZES, THREE_PROPENSITY) == pytest.approx(-4.0)
    assert isinstance(landscape_energy([0, 0, 1], THREE_SIZES, THREE_PROPENSITY), float)


def test_three_actor_global_minimum_by_hand() -> None:
    # From the table above the unique global minimum is {0,1}|{2} with E = -4.
    result = global_minima(THREE_SIZES, THREE_PROPENSITY)
    np.testing.assert_array_equal(result.configurations, [[0, 0, 1]])
    assert result.energy == pytest.approx(-4.0)


def test_sizes_weight_the_energy() -> None:
    # Sizes (2, 1, 3): cut pairs of {0,1}|{2} are 02 and 12:
    # E = 2 * (2*3*(-1) + 1*3*(-1)) = 2 * (-9) = -18.
    energy = landscape_energy([0, 0, 1], [2.0, 1.0, 3.0], THREE_PROPENSITY)
    assert energy == pytest.approx(-18.0)


# Four actors, unit sizes, unordered propensities
#   p01 = -2, p02 = -2, p03 = +1, p12 = -1, p13 = -1, p23 = +3.
FOUR_SIZES = np.ones(4)
FOUR_PROPENSITY = np.array(
    [
        [0.0, -2.0, -2.0, 1.0],
        [-2.0, 0.0, -1.0, -1.0],
        [-2.0, -1.0, 0.0, 3.0],
        [1.0, -1.0, 3.0, 0.0],
    ]
)


def test_four_actor_energies_by_hand() -> None:
    # code  labels  bloc 1   cut pairs                 sum   E = 2*sum
    #  0    0000    {}       -                          0     0
    #  1    0100    {1}      01 12 13: -2-1-1          -4    -8
    #  2    0010    {2}      02 12 23: -2-1+3           0     0
    #  3    0110    {1,2}    01 02 13 23: -2-2-1+3     -2    -4
    #  4    0001    {3}      03 13 23: 1-1+3            3     6
    #  5    0101    {1,3}    01 03 12 23: -2+1-1+3      1     2
    #  6    0011    {2,3}    02 03 12 13: -2+1-1-1     -3    -6
    #  7    0111    {1,2,3}  01 02 03: -2-2+1          -3    -6
    energies = landscape_energy(all_configurations(4), FOUR_SIZES, FOUR_PROPENSITY)
    np.testing.assert_allclose(energies, [0, -8, 0, -4, 6, 2, -6, -6])


def test_four_actor_two_local_minima_and_basins_by_hand() -> None:
    # Neighbours of a canonical code: switch actor 1, 2, 3 (xor bit) or actor 0
    # (equivalent to switching 1, 2 and 3 together).  Steepest descent:
    #   0 (0):  1 (-8), 2 (0), 4 (6), 7 (-6)    -> 1
    #   2 (0):  3 (-4), 0 (0), 6 (-6), 5 (2)    -> 6
    #   3 (-4): 2 (0), 1 (-8), 7 (-6), 4 (6)    -> 1
    #   4 (6):  5 (2), 6 (-6), 0 (0), 3 (-4)    -> 6
    #   5 (2):  4 (6), 7 (-6), 1 (-8), 2 (0)    -> 1
    #   6 (-6): 7 (-6), 4 (6), 2 (0), 1 (-8)    -> 1
    #   1 (-8): 0, 3, 5, 6 all higher           -> local (and global) minimum
    #   7 (-6): 6 (-6, equal, not lower), 5 (2), 3 (-4), 0 (0) -> local minimum
    # Basins: code 1 <- {0,1,2,3,4,5,6} (7 configurations); code 7 <- {7} (1).
    result = local_minima(FOUR_SIZES, FOUR_PROPENSITY)
    np.testing.assert_array_equal(result.configurations, [[0, 1, 0, 0], [0, 1, 1, 1]])
    np.testing.assert_allclose(result.energies, [-8.0, -6.0])
    np.testing.assert_array_equal(result.basin_sizes, [7, 1])
    # Descent from code 4 (0001) goes through code 6 (0011) to code 1 in the
    # relabelled form 1011 (actor 0 switched, which is 0100 up to relabelling).
    np.testing.assert_array_equal(descend([0, 0, 0, 1], FOUR_SIZES, FOUR_PROPENSITY), [1, 0, 1, 1])
    np.testing.assert_array_equal(descend([0, 1, 1, 1], FOUR_SIZES, FOUR_PROPENSITY), [0, 1, 1, 1])


def test_descend_tie_break_lowest_index() -> None:
    # Three mutually hostile actors (p = -1 everywhere, unit sizes).  From 000 every
    # single switch cuts two pairs: gain 2 * (-1 - 1) = -4 for actors 0, 1 and 2 alike;
    # the lowest index (actor 0) moves, giving 100 (E = -4).  From 100, switching 1 or 2
    # gives E = -4 (gain 0) and switching 0 gives 0: a local minimum.
    hostile = -np.ones((3, 3))
    np.fill_diagonal(hostile, 0.0)
    np.testing.assert_array_equal(descend([0, 0, 0], np.ones(3), hostile), [1, 0, 0])
    batch = descend(np.array([[0, 0, 0], [1, 1, 1], [1, 0, 0]]), np.ones(3), hostile)
    np.testing.assert_array_equal(batch, [[1, 0, 0], [0, 1, 1], [1, 0, 0]])


def test_all_configurations_enumerates_each_bipartition_once() -> None:
    for n_actors in range(1, 9):
        configurations = all_configurations(n_actors)
        assert configurations.shape == (2 ** (n_actors - 1), n_actors)
        assert configurations.dtype == np.int8
        assert np.all(configurations[:, 0] == 0)
        assert len({row.tobytes() for row in configurations}) == configurations.shape[0]


def test_enumeration_limits_raise_clear_errors() -> None:
    sizes, propensity = random_landscape(0, 21)
    with pytest.raises(ValueError, match="at most N = 20"):
        global_minima(sizes, propensity)
    with pytest.raises(ValueError, match="at most N = 20"):
        local_minima(sizes, propensity)
    with pytest.raises(ValueError, match="at most N = 20"):
        all_configurations(21)
    with pytest.raises(ValueError, match="at most N = 12"):
        frustration_batch(np.zeros((2, 13, 13)))


def test_invalid_landscape_inputs_raise() -> None:
    with pytest.raises(ValueError, match="strictly positive"):
        landscape_energy([0, 1], [1.0, 0.0], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="symmetric"):
        landscape_energy([0, 1], [1.0, 1.0], [[0.0, 1.0], [0.5, 0.0]])
    with pytest.raises(ValueError, match="0/1"):
        landscape_energy([0, 2], [1.0, 1.0], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="shape"):
        landscape_energy([0, 1, 1], [1.0, 1.0], np.zeros((2, 2)))


def test_single_actor_landscape() -> None:
    result = global_minima([1.0], [[0.0]])
    np.testing.assert_array_equal(result.configurations, [[0]])
    assert result.energy == 0.0
    minima = local_minima([1.0], [[0.0]])
    np.testing.assert_array_equal(minima.basin_sizes, [1])


def test_ties_between_global_minima_are_all_listed() -> None:
    # No propensities at all: every one of the 2**(4-1) = 8 configurations has E = 0.
    result = global_minima(np.ones(4), np.zeros((4, 4)))
    assert result.configurations.shape == (8, 4)
    assert result.energy == 0.0


# --------------------------------------------------------------------------------------
# A. Landscape theory: properties
# --------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, n_actors=st.integers(1, 7))
def test_energy_matches_literal_definition(seed: int, n_actors: int) -> None:
    sizes, propensity = random_landscape(seed, n_actors)
    configurations = all_configurations(n_actors)
    expected = [reference_energy(row, sizes, propensity) for row in configurations]
    np.testing.assert_allclose(
        landscape_energy(configurations, sizes, propensity), expected, atol=1e-12
    )


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, n_actors=st.integers(1, 10))
def test_energy_symmetric_under_bloc_relabelling(seed: int, n_actors: int) -> None:
    sizes, propensity = random_landscape(seed, n_actors)
    configurations = all_configurations(n_actors)
    np.testing.assert_allclose(
        landscape_energy(configurations, sizes, propensity),
        landscape_energy(1 - configurations, sizes, propensity),
        atol=1e-12,
    )


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, n_actors=st.integers(1, 9))
def test_descend_never_increases_energy_and_ends_at_local_minimum(seed: int, n_actors: int) -> None:
    sizes, propensity = random_landscape(seed, n_actors)
    starts = np.random.default_rng(seed).integers(0, 2, (20, n_actors))
    ends = descend(starts, sizes, propensity)
    start_energy = landscape_energy(starts, sizes, propensity)
    end_energy = landscape_energy(ends, sizes, propensity)
    assert np.all(end_energy <= start_energy + 1e-12)
    for end, energy in zip(ends, end_energy, strict=True):
        neighbours = np.tile(end, (n_actors, 1))
        neighbours[np.arange(n_actors), np.arange(n_actors)] ^= 1
        assert np.all(landscape_energy(neighbours, sizes, propensity) >= energy - 1e-9)
    # Single-row calls agree with the vectorised batch.
    np.testing.assert_array_equal(descend(starts[0], sizes, propensity), ends[0])


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n_actors=st.integers(1, 9))
def test_global_minimum_matches_brute_force(seed: int, n_actors: int) -> None:
    sizes, propensity = random_landscape(seed, n_actors)
    energies = [
        reference_energy((0, *tail), sizes, propensity)
        for tail in itertools.product((0, 1), repeat=n_actors - 1)
    ]
    result = global_minima(sizes, propensity)
    assert result.energy == pytest.approx(min(energies), abs=1e-12)
    for row in result.configurations:
        assert reference_energy(row, sizes, propensity) == pytest.approx(min(energies))


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n_actors=st.integers(1, 9))
def test_local_minima_consistent_with_descend_and_global(seed: int, n_actors: int) -> None:
    sizes, propensity = random_landscape(seed, n_actors)
    minima = local_minima(sizes, propensity)
    best = global_minima(sizes, propensity)
    # Basins partition the 2**(N-1) canonical configurations.
    assert minima.basin_sizes.sum() == 2 ** (n_actors - 1)
    # The global minimum is <= every local minimum, and is itself a local minimum.
    assert np.all(best.energy <= minima.energies + 1e-12)
    assert minima.energies[0] == pytest.approx(best.energy)
    minimum_rows = {row.tobytes() for row in minima.configurations}
    assert all(row.tobytes() in minimum_rows for row in best.configurations)
    # Every configuration's descent (canonicalised) ends at its basin's minimum.
    configurations = all_configurations(n_actors)
    ends = descend(configurations, sizes, propensity)
    canonical_ends = np.where(ends[:, :1] == 1, 1 - ends, ends)
    counts = {
        row.tobytes(): int(np.all(canonical_ends == row, axis=1).sum())
        for row in minima.configurations
    }
    assert counts == dict(
        zip(
            (row.tobytes() for row in minima.configurations),
            minima.basin_sizes.tolist(),
            strict=True,
        )
    )
    np.testing.assert_allclose(
        minima.energies, landscape_energy(minima.configurations, sizes, propensity)
    )


def test_chunked_enumeration_matches_single_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes, propensity = random_landscape(7, 9)
    whole = global_minima(sizes, propensity)
    whole_local = local_minima(sizes, propensity)
    relation = random_relation(7, 9)
    whole_frustration = frustration_index(relation, weighted=True)
    monkeypatch.setattr(alignment, "_CONFIGURATION_CHUNK", 5)
    chunked = global_minima(sizes, propensity)
    chunked_local = local_minima(sizes, propensity)
    np.testing.assert_array_equal(chunked.configurations, whole.configurations)
    assert chunked.energy == whole.energy
    np.testing.assert_array_equal(chunked_local.configurations, whole_local.configurations)
    np.testing.assert_array_equal(chunked_local.basin_sizes, whole_local.basin_sizes)
    chunked_frustration = frustration_index(relation, weighted=True)
    assert chunked_frustration.value == pytest.approx(whole_frustration.value)
    np.testing.assert_array_equal(chunked_frustration.partition, whole_frustration.partition)


def test_twenty_actor_enumeration_finds_planted_minimum() -> None:
    # Planted bipartition z: propensity +m_ij inside blocs and -m_ij across (m > 0), so
    # the planted split leaves no pair unsatisfied and is the unique global minimum with
    # E = -2 * sum over cut pairs of s_i s_j m_ij.
    n_actors = 20
    rng = np.random.default_rng(2024)
    planted = np.zeros(n_actors, dtype=np.int8)
    planted[[2, 3, 5, 8, 13, 17, 19]] = 1
    sizes = rng.uniform(0.5, 2.0, n_actors)
    propensity = planted_relation(11, planted)
    started = time.perf_counter()
    result = global_minima(sizes, propensity)
    elapsed = time.perf_counter() - started
    np.testing.assert_array_equal(result.configurations, planted[None])
    cut = planted[:, None] != planted[None, :]
    expected = float(np.sum(np.outer(sizes, sizes) * propensity * cut))
    assert result.energy == pytest.approx(expected)
    assert expected < 0
    assert elapsed < 30.0, f"N = 20 enumeration took {elapsed:.2f} s"


# --------------------------------------------------------------------------------------
# B. Structural balance: hand-computed cases
# --------------------------------------------------------------------------------------


def triad(a: float, b: float, c: float) -> np.ndarray:
    """Relation of three actors with ties 01 = a, 12 = b, 02 = c."""
    return np.array([[0.0, a, c], [a, 0.0, b], [c, b, 0.0]])


@pytest.mark.parametrize(
    ("ties", "share", "frustration"),
    [
        ((1.0, 1.0, 1.0), 1.0, 0.0),  # +++ : product +, all in one bloc, nothing frustrated
        ((1.0, -1.0, -1.0), 1.0, 0.0),  # +-- : product +, {0,1}|{2} satisfies all three
        ((1.0, 1.0, -1.0), 0.0, 1.0),  # ++- : product -, any split frustrates one tie
        ((-1.0, -1.0, -1.0), 0.0, 1.0),  # --- : product -, best split keeps one pair together
    ],
)
def test_single_triad_balance_by_hand(
    ties: tuple[float, float, float], share: float, frustration: float
) -> None:
    relation = triad(*ties)
    assert balanced_triad_share(relation) == share
    assert frustration_index(relation).value == frustration
    assert frustration_index(relation, weighted=True).value == pytest.approx(frustration)


def test_weighted_triad_sign_only_matters_for_share() -> None:
    # (+0.2, +0.9, -0.4): product negative -> share 0.  Weighted frustration: the
    # cheapest tie to violate is 0.2, so the index is 0.2 (split {0}|{1,2}).
    relation = triad(0.2, 0.9, -0.4)
    assert balanced_triad_share(relation) == 0.0
    result = frustration_index(relation, weighted=True)
    assert result.value == pytest.approx(0.2)
    np.testing.assert_array_equal(result.partition, [0, 1, 1])


def test_triad_share_without_complete_triad_is_nan() -> None:
    # A path 0-1-2 has no triad with three ties.
    assert np.isnan(balanced_triad_share(triad(1.0, 1.0, 0.0)))


def test_four_node_triad_share_by_hand() -> None:
    # Ties: 01+, 02+, 03-, 12-, 13-, 23-.  Triads:
    #   012: (+,+,-) unbalanced     013: (+,-,-) balanced
    #   023: (+,-,-) balanced       123: (-,-,-) unbalanced   -> share 2/4 = 0.5
    # Frustration: switching the sign of 12 would give the balanced split {0,1,2}|{3};
    # no split satisfies all ties (the share is < 1), so the index is 1.
    relation = np.array(
        [
            [0.0, 1.0, 1.0, -1.0],
            [1.0, 0.0, -1.0, -1.0],
            [1.0, -1.0, 0.0, -1.0],
            [-1.0, -1.0, -1.0, 0.0],
        ]
    )
    assert balanced_triad_share(relation) == 0.5
    result = frustration_index(relation)
    assert result.value == 1.0


def test_four_node_all_negative_frustration_by_hand() -> None:
    # K4 with six negative ties.  Splits: 4|0 keeps 6 pairs together, 3|1 keeps 3,
    # 2|2 keeps 2 -> frustration 2.  In enumeration order the first 2|2 split is
    # code 3 = labels 0110 ({0,3}|{1,2}).
    relation = -np.ones((4, 4))
    np.fill_diagonal(relation, 0.0)
    result = frustration_index(relation)
    assert result.value == 2.0
    np.testing.assert_array_equal(result.partition, [0, 1, 1, 0])
    assert balanced_triad_share(relation) == 0.0
    # Weighted: |w01| = 0.1, |w23| = 0.2, all others 0.5.  The 2|2 splits cost
    # {01|23}: 0.1 + 0.2 = 0.3, {02|13}: 1.0, {03|12}: 1.0; 3|1 splits keep three
    # ties together (>= 0.1 + 0.5 + 0.5 = 1.1) -> weighted index 0.3 at 0011.
    weighted = relation * 0.5
    weighted[0, 1] = weighted[1, 0] = -0.1
    weighted[2, 3] = weighted[3, 2] = -0.2
    weighted_result = frustration_index(weighted, weighted=True)
    assert weighted_result.value == pytest.approx(0.3)
    np.testing.assert_array_equal(weighted_result.partition, [0, 0, 1, 1])
    assert frustration_batch(weighted[None])[0] == pytest.approx(0.3)
    assert frustration_batch(relation[None], weighted=False)[0] == 2.0


def test_four_cycle_with_one_negative_tie_by_hand() -> None:
    # Cycle 0-1-2-3-0 with ties +, +, +, - (3-0 negative), no chords.  An odd number of
    # negative ties on a cycle is unbalanced: at least one tie is frustrated, and
    # putting everyone together frustrates only 3-0 -> index 1.  No triad exists.
    relation = np.zeros((4, 4))
    for i, j, tie in [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 0, -1.0)]:
        relation[i, j] = relation[j, i] = tie
    assert frustration_index(relation).value == 1.0
    assert np.isnan(balanced_triad_share(relation))


def test_tie_tolerance_drops_weak_ties() -> None:
    # (+1, +1, -0.01): with tolerance 0.05 the weak tie is absent -> no full triad.
    relation = triad(1.0, 1.0, -0.01)
    assert balanced_triad_share(relation) == 0.0
    assert np.isnan(balanced_triad_share(relation, tie_tolerance=0.05))
    assert frustration_index(relation, tie_tolerance=0.05).value == 0.0


def test_invalid_relations_raise() -> None:
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        balanced_triad_share(triad(2.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="symmetric"):
        frustration_index(np.array([[0.0, 1.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="shape"):
        detect_blocs(np.zeros((2, 3)))


# --------------------------------------------------------------------------------------
# B. Structural balance: properties and batch equivalence
# --------------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n_actors=st.integers(1, 8), n_runs=st.integers(1, 5))
def test_triad_share_batch_matches_single_and_reference(
    seed: int, n_actors: int, n_runs: int
) -> None:
    relations = np.stack([random_relation(seed + run, n_actors) for run in range(n_runs)])
    batch = balanced_triad_share_batch(relations)
    assert batch.shape == (n_runs,)
    for run in range(n_runs):
        single = balanced_triad_share(relations[run])
        reference = reference_triad_share(relations[run])
        np.testing.assert_equal(batch[run], single)
        np.testing.assert_allclose(single, reference)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n_actors=st.integers(1, 7), weighted=st.booleans())
def test_frustration_matches_reference(seed: int, n_actors: int, weighted: bool) -> None:
    relation = random_relation(seed, n_actors)
    result = frustration_index(relation, weighted=weighted)
    assert result.value == pytest.approx(reference_frustration(relation, weighted), abs=1e-12)
    # The reported partition attains the value.
    labels = result.partition
    frustrated = np.where(labels[:, None] == labels[None, :], relation < 0, relation > 0)
    costs = np.abs(relation) if weighted else (relation != 0).astype(float)
    assert np.triu(frustrated * costs, k=1).sum() == pytest.approx(result.value, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n_actors=st.integers(1, 9), n_runs=st.integers(1, 6), weighted=st.booleans())
def test_frustration_batch_matches_single(
    seed: int, n_actors: int, n_runs: int, weighted: bool
) -> None:
    relations = np.stack([random_relation(seed + run, n_actors) for run in range(n_runs)])
    batch = frustration_batch(relations, weighted=weighted)
    single = [frustration_index(matrix, weighted=weighted).value for matrix in relations]
    np.testing.assert_allclose(batch, single, atol=1e-12)


def test_frustration_batch_chunks_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    relations = np.stack([random_relation(seed, 6) for seed in range(9)])
    whole = frustration_batch(relations)
    monkeypatch.setattr(alignment, "_BATCH_CELL_BUDGET", 40)  # 40 // 32 = 1 run per chunk
    np.testing.assert_allclose(frustration_batch(relations), whole)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n_actors=st.integers(2, 9))
def test_frustration_is_landscape_energy_with_unit_sizes(seed: int, n_actors: int) -> None:
    # frustration(X) = sum_{i<j} max(-A_ij, 0) + E(X; s = 1, p = A) / 2, so the optimum
    # bipartitions coincide with the landscape's global minima.
    relation = random_relation(seed, n_actors)
    negative_total = np.triu(np.maximum(-relation, 0.0), k=1).sum()
    landscape = global_minima(np.ones(n_actors), relation)
    frustration = frustration_index(relation, weighted=True)
    assert frustration.value == pytest.approx(negative_total + landscape.energy / 2, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, labels=st.lists(st.integers(0, 1), min_size=3, max_size=9))
def test_balanced_planted_relations_have_zero_frustration(seed: int, labels: list[int]) -> None:
    relation = planted_relation(seed, np.array(labels))
    assert balanced_triad_share(relation) == 1.0
    assert frustration_index(relation).value == 0.0
    assert frustration_batch(relation[None])[0] == pytest.approx(0.0, abs=1e-12)


# --------------------------------------------------------------------------------------
# C. Bloc detection
# --------------------------------------------------------------------------------------


def test_detect_blocs_two_clear_blocs() -> None:
    # Blocs {0,2,4} and {1,3,5}: +0.8 inside, -0.6 across -> labels 0,1,0,1,0,1.
    members = np.array([0, 1, 0, 1, 0, 1])
    relation = np.where(members[:, None] == members[None, :], 0.8, -0.6)
    np.fill_diagonal(relation, 0.0)
    np.testing.assert_array_equal(detect_blocs(relation), members)


def test_detect_blocs_three_blocs_and_an_isolate() -> None:
    # Blocs {0,3}, {1,4}, {2,5}: +0.7 inside, -0.5 across (clusterable, not balanced:
    # three blocs), plus actor 6 with no ties at all -> singleton.  Labels are canonical:
    # numbered by the lowest-index member.
    members = np.array([0, 1, 2, 0, 1, 2])
    relation = np.zeros((7, 7))
    relation[:6, :6] = np.where(members[:, None] == members[None, :], 0.7, -0.5)
    np.fill_diagonal(relation, 0.0)
    np.testing.assert_array_equal(detect_blocs(relation), [0, 1, 2, 0, 1, 2, 3])


def test_detect_blocs_actor_with_only_negative_ties_is_singleton() -> None:
    # 0-1-2 friends (+0.9); actor 3 dislikes everyone (-0.3) -> {0,1,2}|{3}.
    relation = np.full((4, 4), 0.9)
    relation[3, :] = relation[:, 3] = -0.3
    np.fill_diagonal(relation, 0.0)
    np.testing.assert_array_equal(detect_blocs(relation), [0, 0, 0, 1])


def test_detect_blocs_threshold_drops_weak_ties() -> None:
    # 0-1 strong (+0.9), 1-2 weak (+0.1): with threshold 0.2 actor 2 has no tie left.
    relation = np.zeros((3, 3))
    relation[0, 1] = relation[1, 0] = 0.9
    relation[1, 2] = relation[2, 1] = 0.1
    np.testing.assert_array_equal(detect_blocs(relation), [0, 0, 0])
    np.testing.assert_array_equal(detect_blocs(relation, threshold=0.2), [0, 0, 1])
    with pytest.raises(ValueError, match="threshold"):
        detect_blocs(relation, threshold=-0.1)


def test_detect_blocs_needs_merges_beyond_single_moves() -> None:
    # Two pairs {0,1} and {2,3} (+1 inside) joined by four weak positive ties (+0.3):
    # single moves stop at {0,1}|{2,3} (moving one actor across gains 0.6 but loses
    # 1.0), yet merging gains 4 * 0.3 = 1.2 > 0 -> one bloc.
    relation = np.full((4, 4), 0.3)
    relation[0, 1] = relation[1, 0] = relation[2, 3] = relation[3, 2] = 1.0
    np.fill_diagonal(relation, 0.0)
    np.testing.assert_array_equal(detect_blocs(relation), [0, 0, 0, 0])


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, labels=st.lists(st.integers(0, 3), min_size=1, max_size=12))
def test_detect_blocs_recovers_planted_blocs(seed: int, labels: list[int]) -> None:
    planted = np.array(labels)
    relation = planted_relation(seed, planted)
    detected = detect_blocs(relation)
    same_detected = detected[:, None] == detected[None, :]
    np.testing.assert_array_equal(same_detected, planted[:, None] == planted[None, :])


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, n_actors=st.integers(1, 10))
def test_detect_blocs_is_locally_optimal_and_canonical(seed: int, n_actors: int) -> None:
    relation = random_relation(seed, n_actors)
    labels = detect_blocs(relation)
    assert labels.dtype == np.int64
    # Canonical: bloc k's lowest-index member comes before bloc k+1's.
    first_members = [int(np.flatnonzero(labels == bloc)[0]) for bloc in np.unique(labels)]
    np.testing.assert_array_equal(np.unique(labels), np.arange(len(first_members)))
    assert first_members == sorted(first_members)
    # No single-actor move (to another bloc or to a new singleton) and no merge helps.
    objective = bloc_objective(relation, labels)
    n_blocs = len(first_members)
    for actor in range(n_actors):
        for target in range(n_blocs + 1):
            moved = labels.copy()
            moved[actor] = target
            assert bloc_objective(relation, moved) <= objective + 1e-9
    for keep, absorb in itertools.combinations(range(n_blocs), 2):
        merged = np.where(labels == absorb, keep, labels)
        assert bloc_objective(relation, merged) <= objective + 1e-9
    # Actors without a positive tie are singletons.
    for actor in np.flatnonzero(~np.any(relation > 0, axis=1)):
        assert np.sum(labels == labels[actor]) == 1


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n_actors=st.integers(1, 12), n_runs=st.integers(1, 8))
def test_detect_blocs_batch_matches_single(seed: int, n_actors: int, n_runs: int) -> None:
    relations = np.stack(
        [random_relation(seed + run, n_actors, zero_share=0.5) for run in range(n_runs)]
    )
    batch = detect_blocs_batch(relations, threshold=0.1)
    assert batch.shape == (n_runs, n_actors)
    for run in range(n_runs):
        np.testing.assert_array_equal(batch[run], detect_blocs(relations[run], threshold=0.1))


def test_detect_blocs_batch_large_runs_quickly() -> None:
    rng = np.random.default_rng(5)
    upper = np.triu(rng.uniform(-1.0, 1.0, (10_000, 12, 12)), k=1)
    relations = upper + np.swapaxes(upper, 1, 2)
    started = time.perf_counter()
    labels = detect_blocs_batch(relations)
    elapsed = time.perf_counter() - started
    assert labels.shape == (10_000, 12)
    assert elapsed < 5.0, f"detect_blocs_batch took {elapsed:.2f} s"


def test_blocs_to_string_sorts_members_and_blocs() -> None:
    codes = ["RUS", "CHN", "IND", "PAK", "IRN", "TJK", "USA"]
    labels = np.array([0, 0, 1, 0, 1, 1, 2])
    assert blocs_to_string(labels, codes) == "CHN+PAK+RUS|IND+IRN+TJK|USA"
    assert blocs_to_string(np.array([5, 5, 2, 5, 2, 2, 9]), codes) == (
        "CHN+PAK+RUS|IND+IRN+TJK|USA"
    )
    with pytest.raises(ValueError, match="one entry per code"):
        blocs_to_string(labels[:3], codes)


def test_relation_graph_has_signed_weighted_edges() -> None:
    relation = triad(0.5, -0.25, 0.0)
    graph = relation_graph(relation, ["A", "B", "C"])
    assert isinstance(graph, nx.Graph)
    assert sorted(graph.nodes) == ["A", "B", "C"]
    assert graph.number_of_edges() == 2
    assert graph["A"]["B"] == {"weight": 0.5, "sign": 1}
    assert graph["B"]["C"] == {"weight": -0.25, "sign": -1}
    assert sorted(relation_graph(relation).nodes) == [0, 1, 2]
