"""The monthly arenas: each module declares one :class:`~sim.arenas.base.Arena`.

:data:`STANDARD_ARENAS` lists them in the order they run within a month: security,
the Emirate's policy, recognition, trade, alignment.  To add an arena, write its
module (an ``ARENA`` declaration, see :mod:`sim.arenas.base`) and add it to the list
a kernel runs, e.g. ``Kernel((*STANDARD_ARENAS, my_arena.ARENA))``.
"""

from sim.arenas import emirate, recognition, relations, security, trade
from sim.arenas.base import Arena

STANDARD_ARENAS: tuple[Arena, ...] = (
    security.ARENA,
    emirate.ARENA,
    recognition.ARENA,
    trade.ARENA,
    relations.ARENA,
)

__all__ = ["STANDARD_ARENAS", "Arena"]
