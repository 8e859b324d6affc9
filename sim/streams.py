"""Per-run random streams from :class:`numpy.random.SeedSequence`, laid out by the arenas.

Run ``r`` of an ensemble with master seed ``s`` draws from
``SeedSequence(s, spawn_key=(r, 2f))`` (uniforms) and ``SeedSequence(s, spawn_key=(r,
2f + 1))`` (normals) for each stream family ``f`` (family 0 is shared by the standard
arenas; an added arena has a family of its own, :attr:`sim.arenas.base.Arena.family`), so a run's numbers depend only on
(seed, run index), never on how many runs share a batch, on the batch size, or on which
process ran it.  Each stream is consumed strictly in order, so drawing a block of months
at once gives the same numbers as drawing month by month.

Each month a run takes, from each family, the variates its arenas declare
(:class:`sim.arenas.base.Draw`), laid out in arena order: :class:`DrawLayout` derives
the layout from the declarations and :class:`ArenaDraws` hands each arena its blocks by
name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.arenas.base import Arena, Distribution
from sim.world import World

#: Months drawn at once per run (a speed knob only: results do not depend on it).
BLOCK_MONTHS = 12
_DISTRIBUTIONS: tuple[Distribution, ...] = ("uniform", "normal")


@dataclass(frozen=True)
class Slot:
    """Where one declared draw lies in its family's monthly block."""

    arena: str
    name: str
    family: int
    distribution: Distribution
    offset: int
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))


class DrawLayout:
    """The per-month layout of every arena's draws for one world.

    Attributes:
        slots: ``{(arena, draw name): Slot}``.
        counts: ``{(family, distribution): variates per run and month}``.
    """

    def __init__(self, arenas: Sequence[Arena], world: World) -> None:
        self.slots: dict[tuple[str, str], Slot] = {}
        self.counts: dict[tuple[int, Distribution], int] = {}
        for arena in arenas:
            for draw in arena.draws:
                key = (arena.family, draw.distribution)
                offset = self.counts.get(key, 0)
                slot = Slot(
                    arena.name,
                    draw.name,
                    arena.family,
                    draw.distribution,
                    offset,
                    draw.shape(world),
                )
                if (arena.name, draw.name) in self.slots:
                    raise ValueError(f"arena {arena.name!r} declares draw {draw.name!r} twice")
                self.slots[(arena.name, draw.name)] = slot
                self.counts[key] = offset + slot.size

    @property
    def families(self) -> list[int]:
        """The stream families in use."""
        return sorted({family for family, _ in self.counts})

    def count(self, family: int, distribution: Distribution) -> int:
        """Variates of a family and distribution per run and month."""
        return self.counts.get((family, distribution), 0)


def _generator(seed: int, run: int, key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(run, key))))


class RunStreams:
    """The variates of a batch of runs, month by month, in a :class:`DrawLayout`.

    Args:
        seed: master seed (a non-negative int).
        run_ids: (R,) global run indices of the runs in this batch.
        layout: what each run consumes per month.
    """

    def __init__(self, seed: int, run_ids: np.ndarray, layout: DrawLayout) -> None:
        self.run_ids = np.asarray(run_ids, dtype=np.int64)
        self.layout = layout
        self._generators = {
            (family, distribution): [_generator(seed, int(r), 2 * family + k) for r in self.run_ids]
            for family in layout.families
            for k, distribution in enumerate(_DISTRIBUTIONS)
            if layout.count(family, distribution)
        }
        self._blocks: dict[tuple[int, Distribution], np.ndarray] = {}
        self._cursor = BLOCK_MONTHS

    def _refill(self) -> None:
        runs = len(self.run_ids)
        for (family, distribution), generators in self._generators.items():
            width = self.layout.count(family, distribution)
            block = np.empty((runs, BLOCK_MONTHS, width))
            for r, generator in enumerate(generators):
                if distribution == "uniform":
                    generator.random(out=block[r])
                else:
                    block[r] = generator.standard_normal((BLOCK_MONTHS, width))
            self._blocks[(family, distribution)] = block
        self._cursor = 0

    def next_month(self) -> dict[tuple[int, Distribution], np.ndarray]:
        """``{(family, distribution): (R, K) variates}`` for the next month."""
        if self._cursor >= BLOCK_MONTHS:
            self._refill()
        month = self._cursor
        self._cursor += 1
        return {key: block[:, month, :] for key, block in self._blocks.items()}


class ArenaDraws:
    """One arena's view of a month's variates: ``draws["attacks"]`` is (R, *shape)."""

    def __init__(
        self,
        layout: DrawLayout,
        arena: str,
        month: dict[tuple[int, Distribution], np.ndarray],
    ) -> None:
        self._layout = layout
        self._arena = arena
        self._month = month

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            slot = self._layout.slots[(self._arena, name)]
        except KeyError:
            raise KeyError(f"arena {self._arena!r} did not declare a draw named {name!r}") from None
        block = self._month[(slot.family, slot.distribution)]
        values = block[:, slot.offset : slot.offset + slot.size]
        return values.reshape((block.shape[0], *slot.shape))
