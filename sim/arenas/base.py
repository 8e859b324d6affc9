"""What an arena is: one module that declares what it reads, writes, tunes and draws.

An arena module ends with one :class:`Arena` value, ``ARENA``, naming

* ``reads``: the state fields (:class:`sim.state.SimState`) and this month's outputs
  of earlier arenas it uses;
* ``writes``: the state fields it changes;
* ``outputs``: what it reports for this month (read by later arenas and the record);
* ``parameters``: the :class:`sim.params.ModelParameters` fields it uses;
* ``draws``: the random variates it consumes per run and month, by name and shape;
* ``state``: fields of its own (beyond :class:`~sim.state.SimState`), with their
  starting values, kept in ``SimState.extra``, and optionally ``prepare``, which sets
  them from the starting state once before the first month;
* ``step``: the function ``step(month)`` that runs it on a :class:`Month`.

The kernel (:mod:`sim.kernel`) runs a list of arenas in order and checks the
declarations against each other: every output read must come from an earlier
arena.  The per-month layout of random draws is derived from the declarations
(:class:`sim.streams.DrawLayout`), so an arena never discards draws to keep counts
aligned.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from sim.params import ModelParameters
from sim.shocks import ShockEffects
from sim.state import SimState
from sim.world import World

Distribution = Literal["uniform", "normal"]


#: Named dimensions a draw's shape may use, resolved against the world.
DIMENSIONS: dict[str, Callable[[World], int]] = {
    "actors": lambda world: world.n_actors,
    "groups": lambda world: world.n_groups,
    "pairs": lambda world: world.n_actors * (world.n_actors - 1) // 2,
}


@dataclass(frozen=True)
class Draw:
    """A block of random variates an arena consumes each month, per run.

    Attributes:
        name: the name the arena asks for (``month.draws["attacks"]``).
        distribution: ``"uniform"`` (in [0, 1)) or ``"normal"`` (standard normal).
        dims: the block's shape per run: numbers, or ``"actors"``, ``"groups"``,
            ``"pairs"`` (unordered pairs of actors, ``N (N - 1) / 2``).
    """

    name: str
    distribution: Distribution
    dims: tuple[int | str, ...]

    def shape(self, world: World) -> tuple[int, ...]:
        """The block's shape per run in ``world``."""
        return tuple(d if isinstance(d, int) else DIMENSIONS[d](world) for d in self.dims)


def uniform(name: str, *dims: int | str) -> Draw:
    """A block of uniforms in [0, 1) of shape ``dims`` per run."""
    return Draw(name, "uniform", dims)


def normal(name: str, *dims: int | str) -> Draw:
    """A block of standard normals of shape ``dims`` per run."""
    return Draw(name, "normal", dims)


class Draws(Protocol):
    """The running arena's variates by name: ``draws["attacks"]`` is (R, *shape)."""

    def __getitem__(self, name: str) -> np.ndarray: ...


@dataclass
class Month:
    """What an arena sees while it runs: one month, all runs.

    Attributes:
        state: the runs' state, changed in place by the arenas in turn.
        world: the world in force this month.
        params: modelling-choice parameters.
        shocks: what this month's scheduled shocks force into the arenas.
        outputs: this month's outputs so far, by name (see each arena's ``outputs``).
        draws: the running arena's random draws (set by the kernel before each arena).
    """

    state: SimState
    world: World
    params: ModelParameters
    shocks: ShockEffects
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    draws: Draws | None = None


@dataclass(frozen=True)
class Arena:
    """The declaration of one arena (see the module docstring)."""

    name: str
    step: Callable[[Month], None]
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()
    draws: tuple[Draw, ...] = ()
    state: dict[str, Callable[[World, int], np.ndarray]] = field(default_factory=dict)
    prepare: Callable[[SimState, World, ModelParameters], None] | None = None
    """Called once on the starting state, before the first month: sets the arena's own
    state fields from it (e.g. motives revealed by the starting positions)."""
    """Own state fields and their starting values ``initial(world, runs)`` (module-level
    functions, so that an ensemble spec can be sent to worker processes)."""
    stream: int | None = None
    """Random-stream family: the standard arenas share family 0; any other arena
    (``None``) draws from a family of its own derived from its name, so adding it never
    shifts the others' draws."""

    @property
    def family(self) -> int:
        """The stream family this arena draws from."""
        if self.stream is not None:
            return self.stream
        return 1 + zlib.crc32(self.name.encode())
