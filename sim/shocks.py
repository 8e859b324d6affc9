"""Scenario shocks: scheduled changes to inputs, never to outcomes.

A shock happens at a month and changes the state or the world's inputs:
an attack by a group, a state's recognition decision (a scheduled event, e.g.
China recognising de jure), a border closure or reopening, a strike, a
deportation wave, a jump in a group's strength, a change of an Emirate policy
lever or of humanitarian aid, a change of a pair's affinity.  Everything that
follows from a shock is the model's own response.

Shocks are given as mappings (from scenario YAML, the app, or Python)::

    {date: "2025-01", kind: attack, group: ISKP, target: CHN, count: 2}
    {date: "2025-01", kind: recognition, actor: CHN, level: 5}
    {date: "2025-01", kind: border_closure, actor: PAK}
    {date: "2025-01", kind: group_strength, group: TTP, delta: 0.3}
    {date: "2025-01", kind: policy, lever: inclusivity, value: 0.6}
    {date: "2025-01", kind: aid, value: 0.3}
    {date: "2025-01", kind: affinity, actor: USA, partner: AFG, delta: -0.3}
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import ConfigError
from sim.ladder import MAX_LEVEL
from sim.state import SimState
from sim.world import LATENT_BOUND, World, latent

SHOCK_KINDS: dict[str, tuple[set[str], set[str]]] = {
    # kind: (required fields, optional fields) besides date/kind/label/evidence
    "attack": ({"group", "target"}, {"count"}),
    "recognition": ({"actor", "level"}, set()),
    "border_closure": ({"actor"}, set()),
    "border_reopening": ({"actor"}, set()),
    "strike": ({"actor"}, set()),
    "deportation_wave": ({"actor"}, set()),
    "group_strength": ({"group"}, {"delta", "value"}),
    "policy": ({"lever"}, {"delta", "value"}),
    "aid": (set(), {"delta", "value"}),
    "affinity": ({"actor", "partner"}, {"delta", "value"}),
}
COMMON_FIELDS = {"date", "kind", "label", "evidence"}
LEVERS = ("inclusivity", "water", "border", "hardliners")


@dataclass(frozen=True)
class Shock:
    """One validated shock at a month index (0 = the start month)."""

    month: int
    date: str
    kind: str
    label: str
    actor: int | None = None
    partner: int | None = None
    group: int | None = None
    lever: str | None = None
    value: float | None = None
    delta: float | None = None
    count: int = 1
    evidence: tuple[str, ...] = ()


@dataclass
class ShockEffects:
    """What this month's shocks force into the arenas."""

    extra_attacks: np.ndarray  # (G, N) counts
    strikes: np.ndarray  # (N,) bool
    closures: np.ndarray  # (N,) bool
    reopenings: np.ndarray  # (N,) bool
    deportations: np.ndarray  # (N,) bool
    decided: np.ndarray  # (N,) bool: a scheduled recognition decision this month
    applied: list[Shock] = field(default_factory=list)


def parse_shocks(
    entries: list[dict[str, Any]], world: World, start: str, months: int, where: str = "shocks"
) -> list[Shock]:
    """Validate shock mappings against a world and the simulated period.

    Raises:
        ConfigError: naming the entry, the field and what is allowed.
    """
    from sim.dates import month_index, parse_month

    shocks: list[Shock] = []
    for position, entry in enumerate(entries or []):
        label = entry.get("label") if isinstance(entry, dict) else None
        key = f"{where}.{label}" if isinstance(label, str) and label else f"{where}[{position}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{key}: expected a mapping with date and kind, got {entry!r}")
        kind = entry.get("kind")
        if kind not in SHOCK_KINDS:
            raise ConfigError(f"{key}.kind={kind!r}: unknown; allowed: {', '.join(SHOCK_KINDS)}")
        required, optional = SHOCK_KINDS[kind]
        allowed = required | optional | COMMON_FIELDS
        for name in entry:
            if name not in allowed:
                raise ConfigError(
                    f"{key}.{name}: unknown field for {kind}; allowed: {', '.join(sorted(allowed))}"
                )
        for name in required | {"date"}:
            if name not in entry:
                raise ConfigError(f"{key}.{name}: missing (required for {kind})")
        date = parse_month(str(entry["date"]), f"{key}.date")
        month = month_index(start, date)
        fields: dict[str, Any] = {}
        for name in ("actor", "partner", "target"):
            if name in entry:
                code = str(entry[name])
                if code not in world.codes:
                    raise ConfigError(
                        f"{key}.{name}={code!r}: unknown actor; known: {', '.join(world.codes)}"
                    )
                fields["partner" if name == "partner" else "actor"] = world.codes.index(code)
        if "group" in entry:
            code = str(entry["group"])
            if code not in world.group_codes:
                raise ConfigError(
                    f"{key}.group={code!r}: unknown threat group; known: {', '.join(world.group_codes)}"
                )
            fields["group"] = world.group_codes.index(code)
        if "lever" in entry:
            lever = str(entry["lever"])
            allowed_levers = (*LEVERS, *(f"effort:{g}" for g in world.group_codes))
            if lever not in allowed_levers:
                raise ConfigError(
                    f"{key}.lever={lever!r}: unknown; allowed: {', '.join(allowed_levers)}"
                )
            fields["lever"] = lever
        for name in ("value", "delta", "level", "count"):
            if name in entry:
                value = entry[name]
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ConfigError(f"{key}.{name}: expected a number, got {value!r}")
                if not math.isfinite(value):
                    raise ConfigError(f"{key}.{name}={value}: expected a finite number")
                fields[name] = value
        if kind in {"group_strength", "policy", "aid", "affinity"} and (
            ("value" in fields) == ("delta" in fields)
        ):
            raise ConfigError(f"{key}: give exactly one of value or delta for {kind}")
        if kind == "recognition":
            level = fields.pop("level")
            if level != int(level) or not 0 <= level <= MAX_LEVEL:
                raise ConfigError(f"{key}.level={level}: expected an integer 0..{MAX_LEVEL}")
            if fields["actor"] == world.target:
                raise ConfigError(f"{key}.actor: the target actor cannot recognise itself")
            fields["value"] = float(level)
        if kind == "attack":
            count = fields.get("count", 1)
            if count != int(count) or not 1 <= count <= 100:
                raise ConfigError(f"{key}.count={count}: expected an integer 1..100")
            fields["count"] = int(count)
        for name, low, high in (("value", -1.0, 1.0), ("delta", -2.0, 2.0)):
            aid_level = kind == "aid" and name == "value" and 0 <= fields.get(name, -1) <= 5
            if (
                name in fields
                and kind != "recognition"
                and not low <= fields[name] <= high
                and not aid_level
            ):
                raise ConfigError(f"{key}.{name}={fields[name]}: out of range [{low}, {high}]")
        if kind in {"group_strength", "policy"} and "value" in fields and fields["value"] < 0:
            raise ConfigError(f"{key}.value={fields['value']}: out of range [0, 1]")
        evidence = entry.get("evidence") or ()
        if isinstance(evidence, str):
            evidence = (evidence,)
        if not isinstance(evidence, list | tuple):
            raise ConfigError(f"{key}.evidence: expected a list of evidence ids, got {evidence!r}")
        if not 0 <= month < months:
            continue  # validated, but outside the simulated period: inert
        shocks.append(
            Shock(
                month=month,
                date=date,
                kind=kind,
                label=str(entry.get("label", kind)),
                evidence=tuple(str(e) for e in evidence),
                **fields,
            )
        )
    return sorted(shocks, key=lambda s: s.month)


def apply_shocks(state: SimState, world: World, shocks: list[Shock]) -> ShockEffects:
    """Apply this month's shocks to ``state`` (all runs) and return forced events."""
    n, g = world.n_actors, world.n_groups
    effects = ShockEffects(
        extra_attacks=np.zeros((g, n), dtype=np.int64),
        strikes=np.zeros(n, dtype=bool),
        closures=np.zeros(n, dtype=bool),
        reopenings=np.zeros(n, dtype=bool),
        deportations=np.zeros(n, dtype=bool),
        decided=np.zeros(n, dtype=bool),
    )

    def updated(current: np.ndarray, shock: Shock, low: float, high: float) -> np.ndarray:
        new = (
            np.full_like(current, shock.value) if shock.value is not None else current + shock.delta
        )
        return np.clip(new, low, high)

    for shock in shocks:
        effects.applied.append(shock)
        if shock.kind == "attack":
            effects.extra_attacks[shock.group, shock.actor] += shock.count
        elif shock.kind == "recognition":
            state.recognition[:, shock.actor] = int(shock.value)
            effects.decided[shock.actor] = True
        elif shock.kind == "border_closure":
            effects.closures[shock.actor] = True
            state.border_open[:, shock.actor] = False
        elif shock.kind == "border_reopening":
            effects.reopenings[shock.actor] = True
            state.border_open[:, shock.actor] = True
        elif shock.kind == "strike":
            effects.strikes[shock.actor] = True
        elif shock.kind == "deportation_wave":
            effects.deportations[shock.actor] = True
        elif shock.kind == "group_strength":
            state.strength[:, shock.group] = updated(
                state.strength[:, shock.group], shock, 0.01, 1.0
            )
        elif shock.kind == "policy":
            if shock.lever == "inclusivity":
                state.inclusivity = updated(state.inclusivity, shock, 0.0, 1.0)
            elif shock.lever == "water":
                state.water = updated(state.water, shock, 0.0, 1.0)
            elif shock.lever == "border":
                state.border = updated(state.border, shock, 0.0, 1.0)
            elif shock.lever == "hardliners":
                state.hardliners = updated(state.hardliners, shock, 0.0, 1.0)
            else:
                j = world.group_codes.index(shock.lever.split(":", 1)[1])
                state.effort[:, j] = updated(state.effort[:, j], shock, 0.0, 1.0)
        elif shock.kind == "aid":
            state.aid = updated(state.aid, shock, 0.0, 5.0)
        elif shock.kind == "affinity":
            i, j = shock.actor, shock.partner
            value = updated(state.affinity[:, i, j], shock, -LATENT_BOUND, LATENT_BOUND)
            state.affinity[:, i, j] = state.affinity[:, j, i] = value
            # the change is to the fast part: the structural relation stays as documented
            fast = latent(value) - latent(world.structure[i, j])
            state.fast[:, i, j] = state.fast[:, j, i] = fast
    return effects
