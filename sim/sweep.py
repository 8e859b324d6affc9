"""Sweeps: one Hydra job = a scenario x parameter point x block of seeded runs.

Each job writes its results into its own directory (named by its overrides, so
a re-run finds it again), atomically, and marks completion last with
``status.json``; a job that fails records ``status: failed`` with the error
and the config, and does not spoil the others.  Re-running the same sweep into
the same directory (``hydra.sweep.dir=...``) skips finished jobs.  At the end
of a multirun :class:`AggregateCallback` gathers every finished job into one
tidy table and draws the outcome distributions (``python -m sim.aggregate DIR``
does the same for any directory).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

STATUS_FILE = "status.json"
log = logging.getLogger("sim")
#: Set by :class:`AggregateCallback` in the launching process: (failed jobs, sweep dir).
LAST_SWEEP: dict[str, Any] = {}


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


class AggregateCallback(Callback):
    """At the end of a multirun: aggregate finished jobs and draw distributions."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from sim.aggregate import aggregate

        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            summary = aggregate(sweep_dir, plots=True)
        except Exception as error:  # the jobs' results stay on disk either way
            log.error("aggregation of %s failed: %s", sweep_dir, error)
            return
        LAST_SWEEP.update(failed=summary["failed"], directory=sweep_dir)
        log.info(
            "aggregated %d finished job(s), %d failed, into %s",
            summary["ok"],
            summary["failed"],
            sweep_dir / "aggregate",
        )
