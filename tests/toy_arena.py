"""A toy arena for the plug-in test: each state's memory of being attacked.

It reads the security arena's ``attacks``, keeps a state field of its own, draws
from its own random stream and reports an output; it changes nothing the standard
arenas read.
"""

from __future__ import annotations

import numpy as np

from sim.arenas.base import Arena, Month, uniform

DECAY = 0.9  # memory kept from one month to the next
JITTER = 0.01  # how much a month's noise moves it


def _no_memory(world, runs: int) -> np.ndarray:
    return np.zeros((runs, world.n_actors))


def _step(month: Month) -> None:
    hit = month.outputs["attacks"].sum(axis=1) > 0
    memory = DECAY * month.state.extra["memory"] + hit + JITTER * month.draws["jitter"]
    month.state.extra["memory"] = memory
    month.outputs["remembered"] = memory


ARENA = Arena(
    name="memory",
    step=_step,
    reads=("attacks", "memory"),
    writes=("memory",),
    outputs=("remembered",),
    draws=(uniform("jitter", "actors"),),
    state={"memory": _no_memory},
)
