"""World files to :class:`~sim.world.World`: explicit, or calibrated from the evidence.

A world file with a ``calibration:`` key is derived from the evidence base at a
snapshot date (:func:`sim.calibration.calibrated_world`); any other world file gives
every value explicitly (:func:`sim.world.world_from_mapping`).  Both end in the same
builder, so every world is validated the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.calibration import calibrated_world
from sim.defaults import DEFAULT_WORLD
from sim.world import WORLD_DIR, World, read_world_file, world_from_mapping


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
    name = str(data.get("name", "world"))
    return world_from_data(data, WORLD_DIR / f"{name}.yaml", start)


def world_from_data(data: dict[str, Any], path: Path, start: str | None = None) -> World:
    """The world of a parsed world file found at ``path``."""
    if "calibration" in data:
        return calibrated_world(data, path, start=start)
    return world_from_mapping(data, str(path), name=path.stem)
