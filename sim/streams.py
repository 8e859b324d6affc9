"""Per-run random streams from :class:`numpy.random.SeedSequence`.

Run ``r`` of an ensemble with master seed ``s`` draws from
``SeedSequence(s, spawn_key=(r, k))`` (``k`` = 0 for uniforms, 1 for normals),
so a run's numbers depend only on (seed, run index), never on how many runs
share a batch, on the batch size, or on which process ran it.  Each stream is
consumed strictly in order, so drawing a block of months at once gives the
same numbers as drawing month by month.
"""

from __future__ import annotations

import numpy as np

#: Months drawn at once per run (a speed knob only: results do not depend on it).
BLOCK_MONTHS = 12


class RunStreams:
    """Uniform and normal variates for a batch of runs, month by month.

    Args:
        seed: master seed (a non-negative int).
        run_ids: (R,) global run indices of the runs in this batch.
        uniforms_per_month: K_u uniforms in [0, 1) each run consumes per month.
        normals_per_month: K_z standard normals each run consumes per month.
    """

    def __init__(
        self,
        seed: int,
        run_ids: np.ndarray,
        uniforms_per_month: int,
        normals_per_month: int,
    ) -> None:
        self.run_ids = np.asarray(run_ids, dtype=np.int64)
        self.uniforms_per_month = uniforms_per_month
        self.normals_per_month = normals_per_month
        self._uniform_generators = [
            np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(int(r), 0)))
            )
            for r in self.run_ids
        ]
        self._normal_generators = [
            np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(int(r), 1)))
            )
            for r in self.run_ids
        ]
        self._uniform_block = np.empty((len(self.run_ids), 0, uniforms_per_month))
        self._normal_block = np.empty((len(self.run_ids), 0, normals_per_month))
        self._cursor = 0

    def _refill(self) -> None:
        runs = len(self.run_ids)
        uniform_block = np.empty((runs, BLOCK_MONTHS, self.uniforms_per_month))
        normal_block = np.empty((runs, BLOCK_MONTHS, self.normals_per_month))
        for r in range(runs):
            self._uniform_generators[r].random(out=uniform_block[r])
            normal_block[r] = self._normal_generators[r].standard_normal(
                (BLOCK_MONTHS, self.normals_per_month)
            )
        self._uniform_block, self._normal_block = uniform_block, normal_block
        self._cursor = 0

    def next_month(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (uniforms (R, K_u), normals (R, K_z)) for the next month."""
        if self._cursor >= self._uniform_block.shape[1]:
            self._refill()
        month = self._cursor
        self._cursor += 1
        return self._uniform_block[:, month, :], self._normal_block[:, month, :]


class Draws:
    """Hands out consecutive slices of one month's variates by name and shape."""

    def __init__(self, uniforms: np.ndarray, normals: np.ndarray) -> None:
        self._uniforms = uniforms
        self._normals = normals
        self._u = 0
        self._z = 0

    def uniform(self, *shape: int) -> np.ndarray:
        """(R, *shape) uniforms in [0, 1)."""
        out = self._take(self._uniforms, self._u, shape, "uniform")
        self._u += int(np.prod(shape))
        return out

    def normal(self, *shape: int) -> np.ndarray:
        """(R, *shape) standard normals."""
        out = self._take(self._normals, self._z, shape, "normal")
        self._z += int(np.prod(shape))
        return out

    @staticmethod
    def _take(block: np.ndarray, cursor: int, shape: tuple[int, ...], what: str) -> np.ndarray:
        size = int(np.prod(shape))
        out = block[:, cursor : cursor + size]
        if out.shape[1] != size:
            raise RuntimeError(f"{what} draws exhausted: the month's layout is miscounted")
        return out.reshape((block.shape[0], *shape))


def draws_per_month(n_actors: int, n_groups: int) -> tuple[int, int]:
    """(uniforms, normals) one run consumes per month for a world of this size.

    Must match the calls the kernel makes on :class:`Draws` (a test checks it).
    """
    n, g = n_actors, n_groups
    uniforms = (
        g * n  # attacks (inverse-CDF Poisson)
        + 3 * n  # victims' response choice (Gumbel)
        + n  # strike vs border closure
        + n  # deportation wave
        + n  # border reopening
        + 3 * (2 + g)  # Emirate's lever choices (Gumbel): inclusivity, water, effort per group
        + n  # recognition review
        + 3 * n  # recognition choice (Gumbel)
    )
    normals = g + 2 * n + n * n
    return uniforms, normals
