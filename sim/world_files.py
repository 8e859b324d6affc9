"""World files to :class:`~sim.world.World`: explicit, or calibrated from the evidence.

A world file with a ``calibration:`` key is derived from the evidence base at a
snapshot date (:func:`sim.calibration.calibrated_world`); any other world file gives
every value explicitly (:func:`sim.world.world_from_mapping`).  Both end in the same
builder, so every world is validated the same way; the structural part of a calibrated
world file is checked first (:func:`check_calibrated_structure`), so that no key of it
is ignored.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from sim.calibration import calibrated_world
from sim.defaults import DEFAULT_WORLD
from sim.errors import WorldError
from sim.world import OBJECTIVES, WORLD_DIR, World, read_world_file, world_from_mapping

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CODE = re.compile(r"^[A-Z0-9_]+$")

#: Keys of a calibrated world file (``configs/world/afghanistan.yaml``).
CALIBRATED_KEYS = (
    "name",
    "description",
    "calibration",
    "target",
    "target_since",
    "actors",
    "names",
    "threat_groups",
    "borders_target",
    "transit_capacity",
    "group_sanctuary",
    "emirate",
)
#: Modelling choices of the ``emirate`` node of a calibrated world file.
EMIRATE_CHOICES = (
    "inclusivity_before_takeover",
    "hardliners_before_takeover",
    "border_restraint",
)


def load_world(name_or_path: str | Path = DEFAULT_WORLD, start: str | None = None) -> World:
    """Load and validate a world by name (``configs/world/<name>.yaml``) or path.

    A calibrated world is built at the snapshot ``start`` (``2024-03`` or ``2021-08``
    for the Afghanistan world; default the latest).

    Raises:
        WorldError: one line naming the file and the key at fault.
    """
    data, path = read_world_file(name_or_path)
    return world_from_data(data, path, start)


def load_world_mapping(data: dict[str, Any], start: str | None = None) -> World:
    """Build a world from an already parsed world mapping (e.g. Hydra's ``cfg.world``).

    The mapping must carry ``name``; errors name ``configs/world/<name>.yaml``.
    """
    if not isinstance(data, dict) or not data:
        raise WorldError("world: expected a world mapping (world=<name> selects a world file)")
    name = str(data.get("name", "world"))
    return world_from_data(data, WORLD_DIR / f"{name}.yaml", start)


def world_from_data(data: dict[str, Any], path: Path, start: str | None = None) -> World:
    """The world of a parsed world file found at ``path``."""
    if "calibration" in data:
        check_calibrated_structure(data, str(path))
        return calibrated_world(data, path, start=start)
    return world_from_mapping(data, str(path), name=path.stem)


def _fail(source: str, key: str, problem: str) -> WorldError:
    return WorldError(f"{source}: {key}: {problem}")


def _codes(data: dict[str, Any], key: str, source: str, minimum: int = 0) -> list[str]:
    """A list of unique upper-case codes."""
    value = data.get(key)
    if not isinstance(value, list):
        raise _fail(source, key, f"expected a list of codes, got {type(value).__name__}")
    if len(value) < minimum:
        raise _fail(source, key, f"expected at least {minimum} codes")
    seen: set[str] = set()
    for code in value:
        if not isinstance(code, str) or not _CODE.match(code):
            raise _fail(source, key, f"{code!r} is not a code of upper-case letters and digits")
        if code in seen:
            raise _fail(source, key, f"duplicate code {code!r}")
        seen.add(code)
    return list(value)


def _subset(codes: Any, known: list[str], key: str, source: str, what: str) -> None:
    for code in codes:
        if code not in known:
            raise _fail(source, f"{key}.{code}", f"unknown {what}; known: {', '.join(known)}")


def _choice(spec: Any, key: str, source: str, low: float = 0.0, high: float = 1.0) -> None:
    """A modelling choice ``{value, range: [low, high]}`` (or a bare number) within bounds."""
    if isinstance(spec, dict):
        unknown = set(spec) - {"value", "range"}
        if unknown:
            raise _fail(source, f"{key}.{sorted(unknown)[0]}", "unknown; allowed: value, range")
        numbers = [spec.get("value"), *(spec.get("range") or [])]
        if not isinstance(spec.get("range"), list) or len(spec["range"]) != 2:
            raise _fail(source, key, "expected {value: x, range: [low, high]}")
    else:
        numbers = [spec]
    for number in numbers:
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise _fail(source, key, f"expected a number, got {number!r}")
        if not math.isfinite(number):
            raise _fail(source, key, f"expected a finite number, got {number}")
        if not low <= number <= high:
            raise _fail(source, key, f"{number} out of range [{low}, {high}]")


def check_calibrated_structure(data: dict[str, Any], source: str) -> None:
    """Check every key of a calibrated world file; raise WorldError naming the first fault.

    Every actor list names known actors (no duplicates), threat groups are unique and
    distinct from actors, the modelling choices are finite numbers within their ranges,
    and ``calibration`` names snapshot months and an evidence file.
    """
    for key in data:
        if key not in CALIBRATED_KEYS:
            raise _fail(source, str(key), f"unknown key; allowed: {', '.join(CALIBRATED_KEYS)}")
    calibration = data.get("calibration")
    if not isinstance(calibration, dict):
        raise _fail(source, "calibration", "expected a mapping {evidence, snapshots}")
    for key in calibration:
        if key not in {"evidence", "snapshots"}:
            raise _fail(source, f"calibration.{key}", "unknown; allowed: evidence, snapshots")
    snapshots = calibration.get("snapshots", ["2024-03"])
    if not isinstance(snapshots, list) or not snapshots:
        raise _fail(source, "calibration.snapshots", "expected a list of months YYYY-MM")
    for month in snapshots:
        if not _MONTH.match(str(month)):
            raise _fail(source, "calibration.snapshots", f"{month!r} is not a month YYYY-MM")
    if len(set(map(str, snapshots))) != len(snapshots):
        raise _fail(source, "calibration.snapshots", "duplicate month")
    evidence = calibration.get("evidence")
    if evidence is not None and (not isinstance(evidence, str) or not evidence.strip()):
        raise _fail(source, "calibration.evidence", f"expected a file path, got {evidence!r}")
    actors = _codes(data, "actors", source, minimum=2)
    groups = _codes(data, "threat_groups", source)
    overlap = sorted(set(actors) & set(groups))
    if overlap:
        raise _fail(source, "threat_groups", f"codes used for both actors and groups: {overlap}")
    target = data.get("target")
    if target not in actors:
        raise _fail(
            source, "target", f"{target!r} is not among the actors; known: {', '.join(actors)}"
        )
    since = data.get("target_since")
    if since is not None and not _MONTH.match(str(since)):
        raise _fail(source, "target_since", f"{since!r} is not a month YYYY-MM")
    names = data.get("names") or {}
    if not isinstance(names, dict):
        raise _fail(source, "names", "expected a mapping {CODE: name}")
    _subset(names, actors, "names", source, "actor")
    for code, name in names.items():
        if not isinstance(name, str) or not name.strip():
            raise _fail(source, f"names.{code}", f"expected a name, got {name!r}")
    borders = _codes(data, "borders_target", source)
    _subset(borders, actors, "borders_target", source, "actor")
    if target in borders:
        raise _fail(source, "borders_target", f"the target {target} cannot border itself")
    for key, known, what in (
        ("transit_capacity", actors, "actor"),
        ("group_sanctuary", groups, "threat group"),
    ):
        node = data.get(key) or {}
        if not isinstance(node, dict):
            raise _fail(source, key, "expected a mapping {CODE: {value, range}}")
        _subset(node, known, key, source, what)
        for code, spec in node.items():
            _choice(spec, f"{key}.{code}", source)
    emirate = data.get("emirate")
    if not isinstance(emirate, dict):
        raise _fail(source, "emirate", "expected a mapping")
    allowed = (*EMIRATE_CHOICES, "patron", "objectives")
    for key, spec in emirate.items():
        if key not in allowed:
            raise _fail(source, f"emirate.{key}", f"unknown; allowed: {', '.join(allowed)}")
        if key in EMIRATE_CHOICES:
            _choice(spec, f"emirate.{key}", source)
    patron = emirate.get("patron")
    if patron is not None and (patron not in actors or patron == target):
        raise _fail(source, "emirate.patron", f"{patron!r} is not one of the other actors")
    objectives = emirate.get("objectives") or {}
    if not isinstance(objectives, dict):
        raise _fail(source, "emirate.objectives", "expected a mapping {objective: {value, range}}")
    _subset(objectives, list(OBJECTIVES), "emirate.objectives", source, "objective")
    for objective, spec in objectives.items():
        _choice(spec, f"emirate.objectives.{objective}", source)
