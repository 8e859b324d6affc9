"""The one table of event kinds, and the events of a month's record.

:data:`EVENT_KINDS` is the vocabulary of the ``events`` frame's ``kind`` column, with
a label and a colour for each kind; the recorder (:mod:`sim.recorder`), the frames'
documentation (:mod:`sim.results`, README) and the teaching app's timeline all read
it.  :func:`month_events` turns one month's :class:`~sim.kernel.StepRecord` into event
rows for every run at once; the recorder stores them, the app narrates run 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from sim.kernel import StepRecord
from sim.shocks import Shock
from sim.world import World


@dataclass(frozen=True)
class EventKind:
    """One kind of event.

    Attributes:
        label: plural label (timeline rows, legends).
        family: the timeline row it is drawn in (kinds of one family share a row).
        colour: its colour wherever events are drawn.
        meaning: what one row of the ``events`` frame of this kind says, with what
            ``actor``, ``target`` and ``count`` hold.
    """

    label: str
    family: str
    colour: str
    meaning: str


EVENT_KINDS: dict[str, EventKind] = {
    "attack": EventKind(
        "attacks",
        "attacks",
        "#d62728",
        "a threat group's attacks on a state that month (actor = the group, target = the "
        "state, count = attacks)",
    ),
    "strike": EventKind(
        "strikes",
        "coercion",
        "#ff7f0e",
        "a state's military strike on the target's soil (actor = the state)",
    ),
    "border_closure": EventKind(
        "border closures",
        "coercion",
        "#ff7f0e",
        "a state closes its border with the target (actor = the state)",
    ),
    "border_reopening": EventKind(
        "border reopenings",
        "reopenings",
        "#2ca02c",
        "a state reopens a closed border with the target (actor = the state)",
    ),
    "deportation_wave": EventKind(
        "deportation waves",
        "deportations",
        "#8c564b",
        "a state deports a wave of Afghan refugees (actor = the state)",
    ),
    "sanction": EventKind(
        "sanctions",
        "coercion",
        "#ff7f0e",
        "a state imposes a sanction or trade restriction on the target (actor = the state)",
    ),
    "ct_cooperation": EventKind(
        "counter-terrorism cooperation",
        "cooperation",
        "#17becf",
        "a struck state answers by counter-terrorism cooperation with the target "
        "(actor = the state)",
    ),
    "recognition_up": EventKind(
        "recognition moves up",
        "recognition",
        "#1f77b4",
        "a state moves up the recognition ladder, chosen or scheduled (actor = the state)",
    ),
    "recognition_down": EventKind(
        "recognition moves down",
        "recognition",
        "#1f77b4",
        "a state moves down the recognition ladder (actor = the state)",
    ),
    "terror_delisting": EventKind(
        "terror delistings",
        "recognition",
        "#1f77b4",
        "a state takes the target off its list of terrorist organisations (actor = the state)",
    ),
    "shock": EventKind(
        "scenario / injected shocks",
        "shocks",
        "#9467bd",
        "a scheduled scenario shock, recorded as kind ``shock:<label>`` (actor and target "
        "as the shock names them; a group is the actor of an attack shock)",
    ),
}

#: Timeline rows in display order (bottom to top) with their labels.
FAMILIES: dict[str, str] = {
    "attacks": "attacks",
    "coercion": "strikes & closures",
    "reopenings": "reopenings",
    "deportations": "deportations",
    "cooperation": "counter-terrorism cooperation",
    "recognition": "recognition moves",
    "shocks": "scenario / injected shocks",
}


def kind_of(kind: str) -> EventKind:
    """The table entry of a frame ``kind`` value (``shock:<label>`` -> ``shock``)."""
    return EVENT_KINDS["shock" if kind.startswith("shock:") else kind]


@dataclass(frozen=True)
class EventRows:
    """Events of one kind in one month, for every run.

    Attributes:
        kind: the ``events`` frame's ``kind`` value.
        runs: (E,) run positions in the batch.
        actors, targets: (E,) actor indices: states ``0..N-1``, groups ``N + g``, -1 none.
        counts: (E,) how many (attacks; 1 otherwise).
        shock: the shock, for ``shock:<label>`` rows.
    """

    kind: str
    runs: np.ndarray
    actors: np.ndarray
    targets: np.ndarray
    counts: np.ndarray
    shock: Shock | None = None


def state_event_masks(record: StepRecord) -> dict[str, np.ndarray]:
    """(R, N) boolean masks of the per-state kinds (actor = the state, target = the
    world's target), in the order of :data:`EVENT_KINDS`."""
    total_moves = record.moves + record.shock_moves
    return {
        "strike": record.strikes,
        "border_closure": record.closures,
        "border_reopening": record.reopenings,
        "deportation_wave": record.deportations,
        "sanction": record.sanctions,
        "ct_cooperation": record.cooperation,
        "recognition_up": total_moves > 0,
        "recognition_down": total_moves < 0,
        "terror_delisting": record.delistings,
    }


def shock_ends(shock: Shock, world: World) -> tuple[int, int]:
    """The (actor, target) indices a shock's event row names: a group is the actor of
    an attack shock (coded ``N + group``), -1 for none."""
    target = -1 if world.target is None else world.target
    if shock.group is not None:
        return world.n_actors + shock.group, -1 if shock.actor is None else shock.actor
    actor = -1 if shock.actor is None else shock.actor
    return actor, shock.partner if shock.partner is not None else target


def month_events(record: StepRecord, world: World) -> Iterator[EventRows]:
    """The events of a month, kind by kind, in the order of :data:`EVENT_KINDS`."""
    n, g = world.n_actors, world.n_groups
    runs_in_batch = record.strikes.shape[0]
    target = -1 if world.target is None else world.target

    def rows(kind: str, mask: np.ndarray, actors, targets, counts=None, shock=None):
        runs, columns = np.nonzero(mask)
        if runs.size == 0:
            return None
        return EventRows(
            kind,
            runs,
            np.asarray(actors)[columns],
            np.asarray(targets)[columns],
            np.ones(runs.size, dtype=np.int64) if counts is None else counts[runs, columns],
            shock,
        )

    actor_index = np.arange(n)
    to_target = np.full(n, target)
    attack_flat = record.attacks.reshape(runs_in_batch, g * n)
    candidates = [
        # Attacks: actor = the group (coded n + group index), target = the state.
        rows(
            "attack",
            attack_flat > 0,
            n + np.repeat(np.arange(g), n),
            np.tile(actor_index, g),
            attack_flat,
        ),
        *(
            rows(kind, mask, actor_index, to_target)
            for kind, mask in state_event_masks(record).items()
        ),
    ]
    everyone = np.ones((runs_in_batch, 1), dtype=bool)
    for shock in record.shocks:
        actor, shock_target = shock_ends(shock, world)
        candidates.append(
            rows(f"shock:{shock.label}", everyone, [actor], [shock_target], shock=shock)
        )
    yield from (c for c in candidates if c is not None)
