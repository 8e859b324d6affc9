"""A job's ``status.json``: written last, so a directory with an ``ok`` status holds a
complete job; read by resume (:mod:`sim.cli`) and by aggregation (:mod:`sim.aggregate`).

An ``ok`` status lists every result file of the job with its size and SHA-256
(``files``); resume and aggregation verify them (:func:`verify_files`), so a job whose
files were deleted, truncated or altered after it finished is rerun (resume) or
reported as failed (aggregation), never trusted on its status alone.
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


def file_record(path: Path) -> dict[str, Any]:
    """``{bytes, sha256}`` of one file."""
    with Path(path).open("rb") as stream:
        digest = hashlib.file_digest(stream, "sha256").hexdigest()
    return {"bytes": Path(path).stat().st_size, "sha256": digest}


def file_records(directory: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    """``{name: {bytes, sha256}}`` for files of ``directory`` (for ``status.json``)."""
    return {name: file_record(Path(directory) / name) for name in sorted(names)}


def verify_files(directory: Path, status: dict[str, Any]) -> str | None:
    """None if every file ``status`` lists is present with its size and hash, else why not."""
    files = status.get("files")
    if not isinstance(files, dict) or not files:
        return "status.json lists no result files to verify"
    for name, expected in files.items():
        path = Path(directory) / name
        if not path.is_file():
            return f"{name} is missing"
        try:
            if path.stat().st_size != expected.get("bytes"):
                return f"{name} has {path.stat().st_size} bytes, expected {expected.get('bytes')}"
            if file_record(path)["sha256"] != expected.get("sha256"):
                return f"{name} differs from the file the job wrote (checksum)"
        except OSError as error:
            return f"{name} cannot be read ({error.strerror})"
    return None


def read_status(directory: Path) -> dict[str, Any] | None:
    """The job's status record, or None if the job never finished."""
    path = Path(directory) / STATUS_FILE
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) else None


def write_status(directory: Path, record: dict[str, Any]) -> None:
    """Write ``status.json`` atomically (temp file, then rename)."""
    directory = Path(directory)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".status.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(record, stream, indent=2, default=str)
        os.replace(temporary, directory / STATUS_FILE)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def finished(directory: Path, cfg: DictConfig) -> bool:
    """True if this directory holds a finished job with the same config and intact files."""
    status = read_status(directory)
    return bool(
        status
        and status.get("status") == "ok"
        and status.get("config_hash") == config_hash(cfg)
        and verify_files(directory, status) is None
    )
