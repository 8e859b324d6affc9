"""What a history replay records for the scorecard: compact arrays, month by month.

:class:`HistoryRecorder` observes a :class:`~sim.loop.MonthlyLoop` and keeps only what
the stylized facts of :mod:`sim.validate` read, indexed ``[run, month, actor(, partner)]``;
it builds no frames, so a fit can score thousands of parameter points quickly.
:func:`persistence` turns one into the null history in which nothing moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.arenas.trade import transit_shares
from sim.dates import add_months
from sim.events import month_events
from sim.kernel import StepRecord
from sim.loop import MonthlyLoop

#: Event kinds counted per (run, month, actor).
COUNTED = (
    "strike",
    "border_closure",
    "border_reopening",
    "deportation_wave",
    "sanction",
    "ct_cooperation",
    "terror_delisting",
)


@dataclass
class History:
    """Arrays of a replay: levels, affinities, attacks, events, the Emirate's levers.

    Attributes (R runs, T months including the start, N actors, G groups):
        dates: the T months ``YYYY-MM``; codes: actor codes; groups: group codes.
        level: (R, T, N) recognition levels (-1 for the target).
        affinity: (R, T, N, N).
        attacks: (R, T, G, N) attacks by each group on each actor that month.
        events: ``{kind: (R, T, N)}`` counts of the :data:`COUNTED` kinds.
        inclusivity, hardliners, water, border: (R, T) the Emirate's levers.
        effort, strength: (R, T, G).
        imports: (R, T, N) the target's imports from each actor (US$ million/month).
        transit: (R, T, N) transit shares.
    """

    dates: list[str]
    codes: tuple[str, ...]
    groups: tuple[str, ...]
    level: np.ndarray
    affinity: np.ndarray
    attacks: np.ndarray
    events: dict[str, np.ndarray]
    inclusivity: np.ndarray
    hardliners: np.ndarray
    water: np.ndarray
    border: np.ndarray
    effort: np.ndarray
    strength: np.ndarray
    imports: np.ndarray
    transit: np.ndarray

    @property
    def runs(self) -> int:
        return self.level.shape[0]

    def i(self, code: str) -> int:
        return self.codes.index(code)

    def g(self, code: str) -> int:
        return self.groups.index(code)

    def t(self, date: str) -> int:
        return self.dates.index(date)

    def span(self, first: str, last: str) -> slice:
        return slice(self.t(first), self.t(last) + 1)

    def pair(self, a: str, b: str) -> np.ndarray:
        """(R, T) affinity of a pair."""
        return self.affinity[:, :, self.i(a), self.i(b)]

    def count(self, kind: str, actor: str, first: str, last: str) -> np.ndarray:
        """(R,) events of a kind by an actor over a period."""
        return self.events[kind][:, self.span(first, last), self.i(actor)].sum(axis=1)

    def import_share(self, code: str, first: str, last: str) -> np.ndarray:
        """(R,) the partner's share of the target's imports over a period."""
        window = self.imports[:, self.span(first, last), :]
        total = window.sum(axis=(1, 2))
        return window[:, :, self.i(code)].sum(axis=1) / np.maximum(total, 1e-9)

    def select(self, runs: np.ndarray) -> History:
        """The history of some runs (e.g. a bootstrap resample)."""
        return History(
            dates=self.dates,
            codes=self.codes,
            groups=self.groups,
            level=self.level[runs],
            affinity=self.affinity[runs],
            attacks=self.attacks[runs],
            events={k: v[runs] for k, v in self.events.items()},
            inclusivity=self.inclusivity[runs],
            hardliners=self.hardliners[runs],
            water=self.water[runs],
            border=self.border[runs],
            effort=self.effort[runs],
            strength=self.strength[runs],
            imports=self.imports[runs],
            transit=self.transit[runs],
        )


class HistoryRecorder:
    """Observer of a loop that fills a :class:`History` of ``months`` months."""

    def __init__(self, months: int) -> None:
        self.months = months
        self.history: History | None = None

    def on_start(self, loop: MonthlyLoop) -> None:
        world = loop.world
        runs, n, g, t = loop.state.runs, world.n_actors, world.n_groups, self.months + 1
        self.history = History(
            dates=[add_months(loop.start, k) for k in range(t)],
            codes=world.codes,
            groups=world.group_codes,
            level=np.zeros((runs, t, n), dtype=np.int8),
            affinity=np.zeros((runs, t, n, n), dtype=np.float32),
            attacks=np.zeros((runs, t, g, n), dtype=np.int16),
            events={kind: np.zeros((runs, t, n), dtype=np.int16) for kind in COUNTED},
            inclusivity=np.zeros((runs, t)),
            hardliners=np.zeros((runs, t)),
            water=np.zeros((runs, t)),
            border=np.zeros((runs, t)),
            effort=np.zeros((runs, t, g)),
            strength=np.zeros((runs, t, g)),
            imports=np.zeros((runs, t, n)),
            transit=np.zeros((runs, t, n)),
        )
        self._snapshot(0, loop)

    def _snapshot(self, month: int, loop: MonthlyLoop) -> None:
        h, state = self.history, loop.state
        h.level[:, month] = state.recognition
        h.affinity[:, month] = state.affinity
        h.inclusivity[:, month] = state.inclusivity
        h.hardliners[:, month] = state.hardliners
        h.water[:, month] = state.water
        h.border[:, month] = state.border
        h.effort[:, month] = state.effort
        h.strength[:, month] = state.strength
        h.imports[:, month] = state.target_imports
        h.transit[:, month] = transit_shares(state, loop.world)

    def on_month(self, loop: MonthlyLoop, record: StepRecord) -> None:
        month = loop.month
        self._snapshot(month, loop)
        h = self.history
        h.attacks[:, month] = record.attacks
        for rows in month_events(record, loop.world):
            if rows.kind in h.events:
                np.add.at(h.events[rows.kind][:, month], (rows.runs, rows.actors), rows.counts)


def persistence(history: History) -> History:
    """The null history in which nothing moves: every month is the start, no event."""
    t = len(history.dates)

    def hold(array: np.ndarray) -> np.ndarray:
        return np.repeat(array[:, :1], t, axis=1)

    return History(
        dates=history.dates,
        codes=history.codes,
        groups=history.groups,
        level=hold(history.level),
        affinity=hold(history.affinity),
        attacks=np.zeros_like(history.attacks),
        events={k: np.zeros_like(v) for k, v in history.events.items()},
        inclusivity=hold(history.inclusivity),
        hardliners=hold(history.hardliners),
        water=hold(history.water),
        border=hold(history.border),
        effort=hold(history.effort),
        strength=hold(history.strength),
        imports=hold(history.imports),
        transit=hold(history.transit),
    )
