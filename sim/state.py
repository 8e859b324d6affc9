"""The simulation state: numpy arrays with a leading run axis.

One :class:`SimState` holds R independent runs of the same world.  The kernel
(:mod:`sim.kernel`) maps a state to the next month's state; the Mesa model
wraps a state with R = 1, the ensemble runner feeds it many runs at once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from sim.world import World, latent


@dataclass
class SimState:
    """State of R runs at one month.

    Attributes:
        recognition: (R, N) int ladder level 0..5; -1 for the target actor.
        affinity: (R, N, N) symmetric affinities in (-1, 1), zero diagonal:
            ``tanh(arctanh(structure) + fast)``.
        fast: (R, N, N) the fast part of affinity in latent units (0 = the structural
            relation), symmetric, zero diagonal.
        target_imports: (R, N) the target's imports from each actor, US$ million/month
            (the ``exports_to_afg_musd`` column: the same flow, from the partner's side).
        target_exports: (R, N) the target's exports to each actor, US$ million/month.
        border_open: (R, N) False while an actor keeps its border with the target closed.
        strength: (R, G) threat-group strength in [0, 1].
        grievance: (R, N, G) attack-weighted grievance of each actor against each
            group sheltering in the target, >= 0 (decays by ``grievance_memory``).
        inclusivity: (R,) the Emirate's inclusivity / women's-rights lever in [0, 1].
        effort: (R, G) the Emirate's counter-terrorism effort per group in [0, 1].
        hardliners: (R,) Kandahar hardliners' influence in [0, 1].
        water: (R,) the Emirate's assertiveness on shared water (canals, dams) in [0, 1].
        border: (R,) the Emirate's restraint on the disputed border in [0, 1].
        listed: (R, N) True while a state lists the target as terrorist.
        aid: (R,) humanitarian-aid level relative to the starting level (1 = unchanged), >= 0.
        confrontation: (R, N) months in a row an actor has coerced the target, >= 0.
        extra: state fields of added arenas (see ``Arena.state``), each with a leading
            run axis.
    """

    recognition: np.ndarray
    affinity: np.ndarray
    fast: np.ndarray
    target_imports: np.ndarray
    target_exports: np.ndarray
    border_open: np.ndarray
    strength: np.ndarray
    grievance: np.ndarray
    inclusivity: np.ndarray
    effort: np.ndarray
    hardliners: np.ndarray
    water: np.ndarray
    border: np.ndarray
    listed: np.ndarray
    aid: np.ndarray
    confrontation: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        """Number of runs R."""
        return self.recognition.shape[0]

    def copy(self) -> SimState:
        """Deep copy of every array."""
        return self.select(slice(None))

    def select(self, runs: slice | np.ndarray) -> SimState:
        """The sub-state of some runs (copies)."""
        arrays = {
            f.name: getattr(self, f.name)[runs].copy()
            for f in dataclasses.fields(self)
            if f.name != "extra"
        }
        return SimState(**arrays, extra={k: v[runs].copy() for k, v in self.extra.items()})


def fast_part(affinity: np.ndarray, structure: np.ndarray) -> np.ndarray:
    """The fast latent part that makes ``affinity`` from ``structure`` (zero diagonal)."""
    fast = latent(affinity) - latent(structure)
    n = fast.shape[-1]
    fast[..., np.arange(n), np.arange(n)] = 0.0
    return fast


#: The Emirate's starting assertiveness on shared water (canals, dams), in [0, 1]: no
#: document scores it, so it starts midway (modelling choice, range 0.3-0.7).
STARTING_WATER_ASSERTIVENESS = 0.5


def initial_state(world: World, runs: int, extra: dict[str, np.ndarray] | None = None) -> SimState:
    """The world's starting state, repeated for ``runs`` runs (plus arenas' ``extra``)."""
    n, g = world.n_actors, world.n_groups

    def tile(array: np.ndarray, dtype: type = float) -> np.ndarray:
        return np.repeat(np.asarray(array, dtype=dtype)[None, ...], runs, axis=0)

    affinity = tile(world.affinity)
    affinity[:, np.arange(n), np.arange(n)] = 0.0
    return SimState(
        recognition=tile(world.recognition, np.int64),
        affinity=affinity,
        fast=fast_part(affinity, world.structure),
        target_imports=tile(world.imports_musd / 12.0),
        target_exports=tile(world.exports_musd / 12.0),
        border_open=np.ones((runs, n), dtype=bool),
        strength=tile(world.group_strength),
        grievance=np.zeros((runs, n, g)),
        inclusivity=np.full(runs, world.inclusivity),
        effort=tile(world.counterterror_effort),
        hardliners=np.full(runs, world.hardliner_influence),
        water=np.full(runs, STARTING_WATER_ASSERTIVENESS),
        border=np.full(runs, world.border_restraint),
        listed=tile(world.terror_listed, bool),
        aid=np.ones(runs),
        confrontation=np.zeros((runs, n)),
        extra=dict(extra or {}),
    )
