"""The timeline's words: one line per event of the month, from :mod:`sim.events`.

Event rows come from :func:`sim.events.month_events`, the same extraction the
recorder stores in the ``events`` frame; here they are narrated for run 0 and
grouped into the timeline rows (``family``) of :data:`sim.events.EVENT_KINDS`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.events import EVENT_KINDS, FAMILIES, kind_of, month_events
from sim.kernel import StepRecord
from sim.ladder import level_label
from sim.shocks import Shock
from sim.world import World

#: The timeline row of the teacher's own actions (start, injections), not a model event.
CONTROL = "control"
CONTROL_LABEL, CONTROL_COLOUR = "teacher actions", "#7f7f7f"
EVENTS_SHOWN = 40


@dataclass(frozen=True)
class Event:
    """One line of the timeline: the month index, its date, its row and a text.

    ``kind`` is a family of :data:`sim.events.FAMILIES` or :data:`CONTROL`.
    """

    month: int
    date: str
    kind: str
    text: str


def family_colour(family: str) -> str:
    """The colour of a timeline row."""
    if family == CONTROL:
        return CONTROL_COLOUR
    return next(k.colour for k in EVENT_KINDS.values() if k.family == family)


def family_label(family: str) -> str:
    """The label of a timeline row."""
    return CONTROL_LABEL if family == CONTROL else FAMILIES[family]


def describe_shock(shock: Shock, world: World) -> str:
    """A one-line description of an applied shock."""
    actor = None if shock.actor is None else world.codes[shock.actor]
    if shock.kind == "attack":
        group = world.group_codes[shock.group] if shock.group is not None else "?"
        detail = f"{group} attack on {actor}" + (f" x{shock.count}" if shock.count > 1 else "")
    elif shock.kind == "recognition":
        detail = f"{actor} set to level {level_label(int(shock.value or 0))}"
    elif shock.kind == "affinity":
        partner = world.codes[shock.partner] if shock.partner is not None else "?"
        change = f"= {shock.value:+.2f}" if shock.value is not None else f"{shock.delta:+.2f}"
        detail = f"affinity {actor}-{partner} {change}"
    elif shock.kind == "group_strength":
        group = world.group_codes[shock.group] if shock.group is not None else "?"
        change = f"= {shock.value:.2f}" if shock.value is not None else f"{shock.delta:+.2f}"
        detail = f"{group} strength {change}"
    elif shock.kind in {"policy", "aid"}:
        change = f"= {shock.value:.2f}" if shock.value is not None else f"{shock.delta:+.2f}"
        detail = f"{shock.lever or 'aid'} {change}"
    else:
        detail = f"{shock.kind.replace('_', ' ')} by {actor}"
    return f"{shock.label}: {detail}" if shock.label != shock.kind else detail


def describe_injection(shock: dict[str, Any]) -> str:
    """A one-line description of a shock mapping about to be injected."""
    kind = shock["kind"]
    if kind == "attack":
        return f"{shock['group']} attack on {shock['target']}"
    if kind == "recognition":
        return f"{shock['actor']} to level {level_label(shock['level'])}"
    if kind == "border_closure":
        return f"{shock['actor']} closes its border"
    if kind == "affinity":
        return f"affinity {shock['actor']}-{shock['partner']} {shock['delta']:+.2f}"
    return kind


def events_from_record(
    month: int,
    date: str,
    record: StepRecord,
    world: World,
    levels: np.ndarray | None = None,
) -> list[Event]:
    """The timeline entries of one month (run 0 of ``record``).

    ``levels`` (the recognition levels after the month) adds the level reached
    to recognition moves.
    """
    names = [*world.codes, *world.group_codes]
    target = world.target_code or "the target"
    texts = {
        "strike": "{actor} strikes in {target}",
        "border_closure": "{actor} closes its border with {target}",
        "border_reopening": "{actor} reopens its border with {target}",
        "deportation_wave": "{actor} deports Afghan refugees (wave)",
        "ct_cooperation": "{actor} cooperates with {target} against terrorism",
        "sanction": "{actor} imposes a sanction or trade restriction on {target}",
        "terror_delisting": "{actor} takes {target} off its terror list",
    }
    events: list[Event] = []
    rows_by_kind = [r for r in month_events(record, world)]
    # Shocks first, as they happened before the arenas ran.
    ordered = [r for r in rows_by_kind if r.shock is not None]
    ordered += [r for r in rows_by_kind if r.shock is None]
    for rows in ordered:
        family = kind_of(rows.kind).family
        for run, actor, target_index, count in zip(
            rows.runs, rows.actors, rows.targets, rows.counts, strict=True
        ):
            if run != 0:
                continue
            code = names[actor] if actor >= 0 else ""
            if rows.shock is not None:
                text = describe_shock(rows.shock, world)
            elif rows.kind == "attack":
                suffix = f" x{int(count)}" if count > 1 else ""
                text = f"{code} attack on {names[target_index]}{suffix}"
            elif rows.kind in {"recognition_up", "recognition_down"}:
                text = _recognition_text(record, actor, code, levels)
            else:
                text = texts[rows.kind].format(actor=code, target=target)
            events.append(Event(month, date, family, text))
    return events


def _recognition_text(record: StepRecord, actor: int, code: str, levels: np.ndarray | None) -> str:
    reached = "" if levels is None else f" to {level_label(int(levels[actor]))}"
    forced = int(record.shock_moves[0, actor])
    if forced:
        rungs = abs(forced)
        direction = "up" if forced > 0 else "down"
        plural = "s" if rungs > 1 else ""
        return f"{code} jumps {direction} {rungs} rung{plural} (scheduled event){reached}"
    direction = "up" if record.moves[0, actor] > 0 else "down"
    return f"{code} moves {direction} the ladder{reached}"


def events_html(events: list[Event], limit: int = EVENTS_SHOWN) -> str:
    """The latest events as an escaped HTML list, newest first."""
    items = []
    for event in reversed(events[-limit:]):
        colour = family_colour(event.kind) if event.kind in {*FAMILIES, CONTROL} else "#424242"
        items.append(
            f'<li><span style="color:{colour};font-weight:600">{html.escape(event.date)}</span> '
            f"{html.escape(event.text)}</li>"
        )
    if not items:
        return "<p>No events yet.</p>"
    return '<ul class="sim-events" style="margin:0;padding-left:18px">' + "".join(items) + "</ul>"
