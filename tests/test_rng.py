"""The counter-based generator: numpy and compiled code draw the same bits, and the
variates have the distributions they claim."""

from __future__ import annotations

import numpy as np
import pytest

from sim import rng
from sim.kernel import compiled_arenas


def month_keys(runs: int = 64, seed: int = 9, stream: int = 1, month: int = 5) -> np.ndarray:
    return rng.month_keys(rng.stream_keys(rng.run_keys(seed, np.arange(runs)), stream), month)


def test_keys_depend_on_the_run_not_the_batch():
    whole = rng.stream_keys(rng.run_keys(3, np.arange(100)), 0)
    part = rng.stream_keys(rng.run_keys(3, np.array([17, 42, 99])), 0)
    assert np.array_equal(part, whole[[17, 42, 99]])
    assert len(set(whole.tolist())) == 100
    other_stream = rng.stream_keys(rng.run_keys(3, np.arange(100)), 1)
    other_seed = rng.stream_keys(rng.run_keys(4, np.arange(100)), 0)
    assert not set(whole.tolist()) & (set(other_stream.tolist()) | set(other_seed.tolist()))
    assert rng.run_keys(2**70 + 5, [0]) != rng.run_keys(5, [0])
    with pytest.raises(ValueError):
        rng.run_keys(-1, [0])


def test_run_keys_come_from_numpy_seed_sequence():
    """A run's root key is the first word of SeedSequence(seed, spawn_key=(run, ARENA_STREAM))."""
    expected = np.random.SeedSequence(11, spawn_key=(7, rng.ARENA_STREAM)).generate_state(
        1, np.uint64
    )[0]
    assert rng.run_keys(11, np.array([7]))[0] == expected


def test_blocks_are_slices_of_one_sequence():
    keys = month_keys()
    whole = rng.uniforms(keys, 0, 300)
    np.testing.assert_array_equal(rng.uniforms(keys, 120, 50), whole[:, 120:170])
    normals = rng.normals(keys, 0, 300)
    np.testing.assert_array_equal(rng.normals(keys, 7, 13), normals[:, 7:20])


def test_uniforms_and_normals_have_their_distributions():
    from scipy import stats

    keys = month_keys(runs=400)
    u = rng.uniforms(keys, 0, 500).ravel()
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    z = rng.normals(keys, 0, 500).ravel()
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1.0) < 0.01
    # neighbouring slots, months and runs are uncorrelated
    block = rng.uniforms(keys, 0, 500)
    assert abs(np.corrcoef(block[:, :-1].ravel(), block[:, 1:].ravel())[0, 1]) < 0.01
    later = rng.uniforms(month_keys(runs=400, month=6), 0, 500)
    assert abs(np.corrcoef(block.ravel(), later.ravel())[0, 1]) < 0.01
    assert abs(np.corrcoef(block[:-1].ravel(), block[1:].ravel())[0, 1]) < 0.01


def test_normal_quantile_is_accurate_and_the_log_is_exact_enough():
    from scipy.special import ndtri

    p = np.concatenate(
        [
            np.linspace(1e-6, 1 - 1e-6, 200_001),
            np.logspace(-16, -1, 2000),
            1 - np.logspace(-15, -1, 2000),
        ]
    )
    reference = ndtri(p)
    relative = np.abs(rng.normals_from_units(p) - reference) / np.abs(reference).clip(1e-300)
    assert relative.max() < 1e-14
    x = np.logspace(-17, 0, 5000)
    assert (
        np.max(np.abs(rng._log_arith_array(x) - np.log(x)) / np.abs(np.log(x)).clip(1e-300)) < 1e-15
    )
    assert rng.log_arith(0.3) == rng._log_arith_array(np.array([0.3]))[0]
    for value in (1e-3, 0.2, 0.5, 0.93, 1 - 1e-12):
        assert rng.normal_from_unit(value) == rng.normals_from_units(np.array([value]))[0]


@pytest.mark.skipif(compiled_arenas() is None, reason="numba not available")
def test_compiled_code_draws_the_same_bits():
    from sim.arenas import compiled

    keys = month_keys(runs=50)
    size = 3000  # about 450 tail normals per run
    words = rng.slot_words(size + 10)
    units, out, spare = np.empty(size), np.empty(size), np.empty(size + 15)
    tails = np.empty(size, dtype=np.int64)
    expected_normals = rng.normals(keys, 10, size)
    expected_uniforms = rng.uniforms(keys, 10, size)
    for r, month_key in enumerate(keys):
        key = rng.mix(np.array([month_key]))[0]
        compiled._fill_normals(key, words, 10, size, units, out, tails, spare)
        np.testing.assert_array_equal(out, expected_normals[r])
        assert compiled._normal(key, words, 10 + 17) == expected_normals[r, 17]
        assert compiled._uniform(key, words, 10 + 29) == expected_uniforms[r, 29]


@pytest.mark.skipif(compiled_arenas() is None, reason="numba not available")
def test_the_bit_cast_logarithm_is_log_arith_bitwise():
    from sim.arenas import compiled

    values = np.concatenate(
        [
            [
                2.0**-53,
                1e-300,
                1e-12,
                0.5,
                0.7071067811865475,
                0.7071067811865476,
                1.0 - 1e-12,
                1.0,
            ],
            np.random.default_rng(3).uniform(0.0, 1.0, 10_000) + 1e-300,
            [2.0, 3.5, 1e10],
        ]
    )
    for value in values:
        assert compiled._log_normal(value) == rng.log_arith(value)


@pytest.mark.skipif(compiled_arenas() is None, reason="numba not available")
def test_the_gumbel_pass_is_the_scalar_gumbel_within_rounding():
    from sim.arenas import compiled

    keys = month_keys(runs=20)
    size = 45
    words = rng.slot_words(size + 5)
    out = np.empty(size)
    for month_key in keys:
        key = rng.mix(np.array([month_key]))[0]
        compiled._gumbel_pass(key, words, 5, size, out)
        scalar = np.array(
            [compiled._gumbel(compiled._uniform(key, words, 5 + j)) for j in range(size)]
        )
        np.testing.assert_allclose(out, scalar, rtol=4e-16, atol=4e-16)


@pytest.mark.skipif(compiled_arenas() is None, reason="numba not available")
def test_compiled_tanh_is_within_rounding_of_numpy():
    from sim.arenas import compiled

    x = np.concatenate([np.linspace(-25, 25, 100_001), np.linspace(-0.2, 0.2, 10_001), [0.0, -0.0]])
    out = np.empty_like(x)
    compiled._tanh_pass(x, x.size, out)
    assert np.max(np.abs(out - np.tanh(x))) <= 4.5e-16
    assert np.all(np.abs(out) <= 1.0) and np.array_equal(np.sign(out), np.sign(np.tanh(x)))
