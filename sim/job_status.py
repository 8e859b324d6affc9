"""A job's ``status.json``: written last, so a directory with an ``ok`` status holds a
complete job; read by resume (:mod:`sim.cli`) and by aggregation (:mod:`sim.aggregate`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

STATUS_FILE = "status.json"


def config_hash(cfg: DictConfig) -> str:
    """A stable hash of the job's config (without Hydra's own section)."""
    container = OmegaConf.to_container(cfg, resolve=True)
    if isinstance(container, dict):
        container.pop("hydra", None)
        container.pop("progress", None)
    text = json.dumps(container, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_status(directory: Path) -> dict[str, Any] | None:
    """The job's status record, or None if the job never finished."""
    path = Path(directory) / STATUS_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def write_status(directory: Path, record: dict[str, Any]) -> None:
    """Write ``status.json`` atomically (temp file, then rename)."""
    directory = Path(directory)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".status.", suffix=".tmp")
    with os.fdopen(handle, "w") as stream:
        json.dump(record, stream, indent=2, default=str)
    os.replace(temporary, directory / STATUS_FILE)


def finished(directory: Path, cfg: DictConfig) -> bool:
    """True if this directory holds a finished job with the same config."""
    status = read_status(directory)
    return bool(
        status and status.get("status") == "ok" and status.get("config_hash") == config_hash(cfg)
    )
