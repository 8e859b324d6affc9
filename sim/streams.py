"""Per-run random streams: rooted in numpy's SeedSequence, counter-based below it, laid
out by the arenas' declarations.

Each run's root key is numpy's ``SeedSequence(seed, spawn_key=(run, ARENA_STREAM))``
(:func:`sim.rng.run_keys`); below it every variate is a hash of where it is used
(:mod:`sim.rng`): variate ``k`` of month
``m`` of run ``r`` in an ensemble with master seed ``s`` is a function of ``(s, r,
stream, m, k)`` alone, where the stream is ``2f`` (uniforms) or ``2f + 1`` (normals) of
stream family ``f`` (family 0 is shared by the standard arenas; an added arena has a
family of its own, :attr:`sim.arenas.base.Arena.family`, so it never shifts the others).
Nothing is carried from one draw to the next, so a run's numbers depend only on (seed,
run index), never on how many runs share a batch, on the batch size, on which process
ran it, or on which other variates were drawn: a variate that a month does not need
(the choice of a state that does not review its level, the lever of a state that has
none) is simply not computed.

Each month a run has, in each family, the variates its arenas declare
(:class:`sim.arenas.base.Draw`), laid out in arena order: :class:`DrawLayout` derives
the slots ``k`` from the declarations, and :class:`ArenaDraws` computes an arena's
blocks by name when it asks for them.  The compiled monthly step
(:mod:`sim.arenas.compiled`) computes the same variates from the same layout inside its
loops, bit for bit (``tests/test_rng.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim import rng
from sim.arenas.base import Arena, Distribution
from sim.world import World

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


def stream_id(family: int, distribution: Distribution) -> int:
    """The stream of a family's uniforms (``2 family``) or normals (``2 family + 1``)."""
    return 2 * family + _DISTRIBUTIONS.index(distribution)


class RunStreams:
    """The variates of a batch of runs, month by month, in a :class:`DrawLayout`.

    Nothing is drawn ahead: :meth:`month` gives the month's keys, and each arena's
    block is computed from them when the arena asks for it (:class:`ArenaDraws`).

    Args:
        seed: master seed (a non-negative int).
        run_ids: (R,) global run indices of the runs in this batch.
        layout: what each run consumes per month.
    """

    def __init__(self, seed: int, run_ids: np.ndarray, layout: DrawLayout) -> None:
        self.seed = int(seed)
        self.run_ids = np.asarray(run_ids, dtype=np.int64)
        self.layout = layout
        roots = rng.run_keys(self.seed, self.run_ids)
        self.keys: dict[tuple[int, Distribution], np.ndarray] = {
            (family, distribution): rng.stream_keys(roots, stream_id(family, distribution))
            for family in layout.families
            for distribution in _DISTRIBUTIONS
        }

    def month(self, month: int) -> MonthVariates:
        """The variates of month index ``month`` (1 = the first simulated month)."""
        return MonthVariates({key: rng.month_keys(keys, month) for key, keys in self.keys.items()})


class MonthVariates:
    """One month's variates of a batch, computed on request from the month's keys."""

    def __init__(self, keys: dict[tuple[int, Distribution], np.ndarray]) -> None:
        self.keys = keys

    def block(self, slot: Slot) -> np.ndarray:
        """(R, *slot.shape) the variates of one declared draw."""
        keys = self.keys[(slot.family, slot.distribution)]
        draw = rng.uniforms if slot.distribution == "uniform" else rng.normals
        return draw(keys, slot.offset, slot.size).reshape((keys.shape[0], *slot.shape))


class ArenaDraws:
    """One arena's view of a month's variates: ``draws["attacks"]`` is (R, *shape)."""

    def __init__(self, layout: DrawLayout, arena: str, month: MonthVariates) -> None:
        self._layout = layout
        self._arena = arena
        self._month = month

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            slot = self._layout.slots[(self._arena, name)]
        except KeyError:
            raise KeyError(f"arena {self._arena!r} did not declare a draw named {name!r}") from None
        return self._month.block(slot)
