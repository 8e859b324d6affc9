"""Results of an ensemble: tidy pandas frames, written atomically as parquet.

Frames (the public contract, README):

* ``states``: one row per (run, date, actor): ``recognition`` (Int8 0..5, NA for
  the target), ``affinity_afg`` (-1..1), ``exports_to_afg_musd`` and
  ``imports_from_afg_musd`` (US$ million in that month), ``attacks`` (that
  month), ``bloc`` (bloc label that month), ``border_open``, ``transit_share``
  (share of Afghanistan's third-country trade on the actor's routes),
  ``confrontation`` (border closed or coercion that month);
* ``dyads``: one row per (run, date, actor, partner): ``affinity`` (-1..1);
* ``events``: one row per event: (run, date, kind, actor, target, count); the kinds
  and what each row of a kind says are the table :data:`sim.events.EVENT_KINDS`
  (``attack``, with the group as actor, ``strike``, ``border_closure``,
  ``border_reopening``, ``deportation_wave``, ``ct_cooperation``, ``recognition_up``,
  ``recognition_down``, and ``shock:<label>``);
* ``runs``: one row per run: ``first_recognizer`` (ISO3 or NA; ties in a month
  go to the most capable state), ``first_recognition_date``, ``n_de_jure_end``,
  ``n_de_facto_end`` (level >= 4), ``max_level_end``, ``top_recognizer_end``,
  ``blocs_end``, ``balanced_triads_end``, ``frustration_end``,
  ``confrontation_months_<ISO3>``;
* ``groups``: (run, date, group): ``strength``, ``effort`` (the Emirate's);
* ``emirate``: (run, date): ``inclusivity``, ``hardliner_influence``,
  ``water_assertiveness``, ``aid_level``, ``border_restraint``, ``balanced_triads`` (share of balanced
  triads), ``frustration`` (weighted frustration of the month's bloc partition).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import UserError

FRAMES = ("states", "dyads", "events", "runs", "groups", "emirate")


@dataclass
class Results:
    """The frames of one ensemble plus its metadata (config, world, dates)."""

    states: pd.DataFrame
    dyads: pd.DataFrame
    events: pd.DataFrame
    runs: pd.DataFrame
    groups: pd.DataFrame
    emirate: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame], meta: dict[str, Any]) -> Results:
        return cls(**{name: frames[name] for name in FRAMES}, meta=meta)

    @classmethod
    def concat(cls, parts: list[Results]) -> Results:
        """Concatenate batches of the same ensemble (in run order)."""
        frames = {
            name: pd.concat([getattr(p, name) for p in parts], ignore_index=True) for name in FRAMES
        }
        return cls.from_frames(frames, parts[0].meta if parts else {})

    def write(self, directory: str | Path) -> list[Path]:
        """Write every frame as ``<name>.parquet`` atomically (temp file + rename)."""
        directory = ensure_writable(directory)
        written = []
        for name in FRAMES:
            path = directory / f"{name}.parquet"
            write_parquet_atomic(getattr(self, name), path)
            written.append(path)
        return written

    @classmethod
    def read(cls, directory: str | Path) -> Results:
        """Read frames written by :meth:`write`."""
        directory = Path(directory)
        frames = {}
        for name in FRAMES:
            path = directory / f"{name}.parquet"
            if not path.is_file():
                raise UserError(
                    f"{directory}: no {name}.parquet here; is this a results directory?"
                )
            frames[name] = read_parquet_checked(path)
        return cls.from_frames(frames, {})


class StreamingWriter:
    """Append batches of frames to parquet files, so memory stays bounded.

    One ``<name>.parquet`` per frame, one row group per batch, in a directory
    (callers write into a staging directory and move it into place when done).
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = ensure_writable(directory)
        self._writers: dict[str, Any] = {}

    def append(self, frames: dict[str, pd.DataFrame]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for name, frame in frames.items():
            table = pa.Table.from_pandas(frame, preserve_index=False)
            writer = self._writers.get(name)
            if writer is None:
                writer = pq.ParquetWriter(self.directory / f"{name}.parquet", table.schema)
                self._writers[name] = writer
            elif table.schema != writer.schema:
                table = _conform(table, writer.schema)
            writer.write_table(table)

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()


def _conform(table: Any, schema: Any) -> Any:
    """Cast a batch to the first batch's schema (categories and null columns may differ)."""
    import pyarrow as pa

    columns = []
    for schema_field in schema:
        column = table.column(schema_field.name)
        if pa.types.is_dictionary(schema_field.type) or pa.types.is_dictionary(column.type):
            column = column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
            target = (
                schema_field.type.value_type
                if pa.types.is_dictionary(schema_field.type)
                else schema_field.type
            )
            column = column.cast(target)
            if pa.types.is_dictionary(schema_field.type):
                column = column.dictionary_encode()
        else:
            column = column.cast(schema_field.type)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def ensure_writable(directory: str | Path) -> Path:
    """Create ``directory`` if needed and check it is writable; UserError if not."""
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".probe-"):
            pass
    except OSError as error:
        raise UserError(f"output directory {directory} is not writable: {error.strerror}") from None
    return directory


def read_parquet_checked(path: str | Path, **options: Any) -> pd.DataFrame:
    """``pd.read_parquet`` that names the file in a UserError if it is not readable parquet."""
    path = Path(path)
    try:
        return pd.read_parquet(path, **options)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        detail = " ".join(str(error).split())[:160]
        raise UserError(f"{path}: not a readable parquet file ({detail})") from None


def check_creatable(directory: str | Path, key: str) -> None:
    """Check that ``directory`` can be created and written, by trying it, leaving nothing.

    Creates the missing directories and a probe file, then removes what it created.
    Trying (rather than asking ``os.access``) also covers root, read-only mounts and
    pseudo file systems such as ``/proc``.

    Raises:
        UserError: ``<key>=<directory>: cannot write there (<reason>)``.
    """
    directory = Path(directory)
    created: list[Path] = []
    probe = directory
    missing = []
    while not probe.exists() and probe.parent != probe:
        missing.append(probe)
        probe = probe.parent
    try:
        for path in reversed(missing):
            path.mkdir()
            created.append(path)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".probe-"):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        where = f" at {error.filename}" if getattr(error, "filename", None) else ""
        raise UserError(f"{key}={directory}: cannot write there ({reason}{where})") from None
    finally:
        for path in reversed(created):
            with contextlib.suppress(OSError):
                path.rmdir()


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` via a temporary file in the same directory."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        frame.to_parquet(temporary, index=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
