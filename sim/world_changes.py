"""Scenario changes to the world's structure, from a month on.

A scenario may change a structural input (never an outcome): a state's
concern weights, a transit route's capacity (Chabahar revives), a base trade
flow (sanctions ease), a group's reach or sanctuary, a demand, a structural
affinity.  Each change applies from its month (default: the start) to the end
of the run::

    {field: transit_capacity, actor: IRN, delta: 0.3, date: "2025-01"}
    {field: salience, actor: USA, concern: trade, value: 0.4}
    {field: imports_musd, actor: IRN, scale: 1.5}
    {field: group_exposure, group: ISKP, actor: CHN, value: 0.9}
    {field: structure, actor: USA, partner: AFG, delta: 0.3}      # the slow structural relation
    {field: hardliner_influence, value: 0.9}             # the anchor hardliners revert to
    {field: objectives, objective: cohesion, value: 0.5}  # the Emirate's weights, renormalised
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.dates import month_index, parse_month
from sim.errors import ConfigError
from sim.world import CONCERNS, OBJECTIVES, World

#: field -> (needs actor, needs partner, needs group, needs concern, low, high)
FIELDS: dict[str, tuple[bool, bool, bool, bool, float, float]] = {
    "salience": (True, False, False, True, 0.0, 1.0),
    "capability": (True, False, False, False, 0.0, 1.0),
    "transit_capacity": (True, False, False, False, 0.0, 1.0),
    "imports_musd": (True, False, False, False, 0.0, 1e6),
    "exports_musd": (True, False, False, False, 0.0, 1e6),
    "demand_inclusivity": (True, False, False, False, 0.0, 1.0),
    "demand_border": (True, False, False, False, 0.0, 1.0),
    "demand_water": (True, False, False, False, 0.0, 1.0),
    "demand_refugees": (True, False, False, False, 0.0, 1.0),
    "demand_counterterror": (True, False, True, False, 0.0, 1.0),
    "group_exposure": (True, False, True, False, 0.0, 1.0),
    "group_sanctuary": (False, False, True, False, 0.0, 1.0),
    "emirate_stance": (False, False, True, False, -1.0, 1.0),
    "structure": (True, True, False, False, -1.0, 1.0),
    "hardliner_influence": (False, False, False, False, 0.0, 1.0),
    "objectives": (False, False, False, False, 0.0, 1.0),
}
OPERATIONS = ("value", "delta", "scale")
#: Largest factor a ``scale`` change may apply (results are still kept within the field's range).
MAX_SCALE = 100.0


@dataclass(frozen=True)
class WorldChange:
    """One validated structural change from month ``month`` on."""

    name: str
    month: int
    field: str
    operation: str
    amount: float
    actor: int | None = None
    partner: int | None = None
    group: int | None = None
    concern: int | None = None
    objective: int | None = None


def parse_world_changes(
    entries: dict[str, Any], world: World, start: str, where: str = "scenario.world_changes"
) -> list[WorldChange]:
    """Validate ``{name: change}`` mappings against the world.

    Raises:
        ConfigError: naming the change, the field and what is allowed.
    """
    changes = []
    for name, entry in (entries or {}).items():
        key = f"{where}.{name}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{key}: expected a mapping with field and value/delta/scale")
        allowed = {
            "field",
            "actor",
            "partner",
            "group",
            "concern",
            "objective",
            "date",
            *OPERATIONS,
        }
        for item in entry:
            if item not in allowed:
                raise ConfigError(f"{key}.{item}: unknown; allowed: {', '.join(sorted(allowed))}")
        field_name = entry.get("field")
        if field_name not in FIELDS:
            raise ConfigError(f"{key}.field={field_name!r}: unknown; allowed: {', '.join(FIELDS)}")
        needs_actor, needs_partner, needs_group, needs_concern, _, _ = FIELDS[field_name]
        used = {
            "actor": needs_actor,
            "partner": needs_partner,
            "group": needs_group,
            "concern": needs_concern,
            "objective": field_name == "objectives",
        }
        for item, needed in used.items():
            if item in entry and not needed:
                raise ConfigError(f"{key}.{item}: not used by field {field_name}; remove it")
        operations = [op for op in OPERATIONS if op in entry]
        if len(operations) != 1:
            raise ConfigError(f"{key}: give exactly one of value, delta or scale")
        operation = operations[0]
        amount = entry[operation]
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            raise ConfigError(f"{key}.{operation}: expected a number, got {amount!r}")
        if not math.isfinite(amount):
            raise ConfigError(f"{key}.{operation}={amount}: expected a finite number")
        low, high = FIELDS[field_name][4:]
        if operation == "value" and not low <= amount <= high:
            raise ConfigError(
                f"{key}.value={amount}: out of range [{low:g}, {high:g}] for {field_name}"
            )
        if operation == "delta" and not -(high - low) <= amount <= high - low:
            raise ConfigError(
                f"{key}.delta={amount}: out of range [{low - high:g}, {high - low:g}] for {field_name}"
            )
        if operation == "scale" and not 0 <= amount <= MAX_SCALE:
            raise ConfigError(f"{key}.scale={amount}: out of range [0, {MAX_SCALE:g}]")
        month = 0
        if "date" in entry:
            month = max(month_index(start, parse_month(str(entry["date"]), f"{key}.date")), 0)
        fields: dict[str, int] = {}
        for item, needed in (("actor", needs_actor), ("partner", needs_partner)):
            if needed:
                code = entry.get(item)
                if code not in world.codes:
                    raise ConfigError(
                        f"{key}.{item}={code!r}: unknown actor; known: {', '.join(world.codes)}"
                    )
                fields[item] = world.codes.index(code)
        if needs_group:
            code = entry.get("group")
            if code not in world.group_codes:
                raise ConfigError(
                    f"{key}.group={code!r}: unknown threat group; known: {', '.join(world.group_codes)}"
                )
            fields["group"] = world.group_codes.index(code)
        if needs_concern:
            concern = entry.get("concern")
            if concern not in CONCERNS:
                raise ConfigError(
                    f"{key}.concern={concern!r}: unknown; allowed: {', '.join(CONCERNS)}"
                )
            fields["concern"] = CONCERNS.index(concern)
        if field_name == "objectives":
            objective = entry.get("objective")
            if objective not in OBJECTIVES:
                raise ConfigError(
                    f"{key}.objective={objective!r}: unknown; allowed: {', '.join(OBJECTIVES)}"
                )
            fields["objective"] = OBJECTIVES.index(objective)
        changes.append(
            WorldChange(
                name=name,
                month=month,
                field=field_name,
                operation=operation,
                amount=float(amount),
                **fields,
            )
        )
    return sorted(changes, key=lambda change: change.month)


def apply_world_changes(world: World, changes: list[WorldChange]) -> World:
    """Return a copy of ``world`` with the changes applied (saliences renormalised)."""
    if not changes:
        return world
    arrays = {
        name: np.array(getattr(world, name), dtype=float, copy=True)
        for name in FIELDS
        if name != "salience"
    }
    salience = world.salience.copy()
    for change in changes:
        *_, low, high = FIELDS[change.field]
        array = salience if change.field == "salience" else arrays[change.field]
        if change.field == "salience":
            index: tuple[int, ...] = (change.actor, change.concern)
        elif change.field in {"demand_counterterror"}:
            index = (change.actor, change.group)
        elif change.field == "group_exposure":
            index = (change.group, change.actor)
        elif change.field in {"group_sanctuary", "emirate_stance"}:
            index = (change.group,)
        elif change.field == "structure":
            index = (change.actor, change.partner)
        elif change.field == "hardliner_influence":
            index = ()
        elif change.field == "objectives":
            index = (change.objective,)
        else:
            index = (change.actor,)
        current = array[index]
        if change.operation == "value":
            new = change.amount
        elif change.operation == "delta":
            new = current + change.amount
        else:
            new = current * change.amount
        array[index] = float(np.clip(new, low, high))
        if change.field == "structure":
            array[change.partner, change.actor] = array[index]
    arrays["hardliner_influence"] = float(arrays["hardliner_influence"])
    objectives = arrays["objectives"]
    if objectives.sum() > 0:
        arrays["objectives"] = objectives / objectives.sum()
    if any(change.field == "salience" for change in changes):
        totals = salience.sum(axis=1, keepdims=True)
        salience = np.where(totals > 0, salience / np.where(totals > 0, totals, 1.0), salience)
    return world.replace(salience=salience, **arrays)


def documented_steps(world: World, start: str) -> list[WorldChange]:
    """The world's documented structural change after ``start``, as changes.

    Each dated step of ``world.structure_steps`` sets every pair whose structural
    relation it changes, from its month on (steps on or before the start are already
    part of the starting structure).
    """
    changes = []
    previous = world.structure
    for date, matrix in world.structure_steps:
        month = month_index(start, date)
        if month > 0:
            for i, j in zip(*np.nonzero(np.triu(matrix != previous, 1)), strict=True):
                changes.append(
                    WorldChange(
                        name=f"documented {date} {world.codes[i]}-{world.codes[j]}",
                        month=month,
                        field="structure",
                        operation="value",
                        amount=float(matrix[i, j]),
                        actor=int(i),
                        partner=int(j),
                    )
                )
        previous = matrix
    return changes


def worlds_by_month(world: World, changes: list[WorldChange]) -> dict[int, World]:
    """``{month: world in force from that month}`` (month 0 always present)."""
    schedule = {0: apply_world_changes(world, [c for c in changes if c.month == 0])}
    for month in sorted({c.month for c in changes if c.month > 0}):
        in_force = [c for c in changes if c.month <= month]
        schedule[month] = apply_world_changes(world, in_force)
    return schedule
