"""Results of an ensemble: tidy pandas frames, their schema, written atomically as parquet.

Six frames, one row per observation (:data:`SCHEMA` lists every column with its
dtype, unit, window and meaning; ``docs/frames.md`` prints it and
:func:`validate_frames` checks a :class:`Results` against it with pandera):

* ``states``: one row per (run, date, actor);
* ``dyads``: one row per (run, date, actor, partner);
* ``events``: one row per event (the kinds are :data:`sim.events.EVENT_KINDS`:
  ``attack``, ``strike``, ``border_closure``, ``border_reopening``,
  ``deportation_wave``, ``sanction``, ``ct_cooperation``, ``recognition_up``,
  ``recognition_down``, ``terror_delisting`` and ``shock:<label>``);
* ``runs``: one row per run, the outcomes sweeps compare (the one per-run table);
* ``groups``: one row per (run, date, threat group);
* ``emirate``: one row per (run, date).

Conventions, the same in every frame:

* ``date`` is a month, ``pandas.Period`` with frequency ``M``; a column of months
  (``date``, ``first_recognition_date``) is ``period[M]`` in every frame.
* Codes and labels (``actor``, ``partner``, ``group``, ``kind``, ``target``,
  ``first_recognizer``, ``top_recognizer_end``, ``blocs_end``) are categorical.
* Flows are US$ million; the window is in the name (``_last12m``) or, for the
  monthly frames, the month of the row.  ``_end`` means "at the last month".
* One spelling: *recognizer*.

On disk (``<frame>.parquet``) months are stored as ``YYYY-MM`` text (dictionary
encoded), which every parquet reader (pandas, polars, R arrow, DuckDB) reads and
filters with a plain string (``filters=[("date", "==", "2029-12")]``);
:meth:`Results.read` and :func:`read_frame` turn them back into ``period[M]``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UserError

FRAMES = ("states", "dyads", "events", "runs", "groups", "emirate")
MONTH = pd.PeriodDtype("M")


@dataclass(frozen=True)
class Column:
    """One column of a frame (or a family of columns, one per state: ``<ISO3>``).

    Attributes:
        name: the column name; ``<ISO3>`` stands for each state's code.
        dtype: the pandas dtype (``period[M]``, ``category``, ``Int8``, ``int64``,
            ``float64``, ``bool``).
        meaning: what one value says.
        unit: unit and window of a quantity (empty for codes and labels).
        low, high: the allowed range of a number (None: unbounded).
        nullable: True if missing values are allowed (and what they mean is in
            ``meaning``).
    """

    name: str
    dtype: str
    meaning: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    nullable: bool = False
    optional: bool = False
    """True if the column may be absent (e.g. ``parameter_draw`` with one point)."""

    @property
    def per_state(self) -> bool:
        return "<ISO3>" in self.name

    def pattern(self) -> str:
        """A regular expression matching the column's name(s)."""
        return "^" + re.escape(self.name).replace(re.escape("<ISO3>"), "[A-Z]{3}") + "$"


RUN = Column("run", "int64", "run index in the ensemble (its random streams)", low=0)
DATE = Column("date", "period[M]", "the month (the state after that month's step)")

#: Every frame's columns, in order.  The public contract (README, docs/frames.md).
SCHEMA: dict[str, tuple[Column, ...]] = {
    "states": (
        RUN,
        DATE,
        Column("actor", "category", "ISO 3166 alpha-3 code of the state"),
        Column(
            "recognition",
            "Int8",
            "the state's level on the recognition ladder (0 hostile ... 5 de jure); "
            "NA for the target (AFG)",
            "level 0..5",
            0,
            5,
            nullable=True,
        ),
        Column(
            "affinity_afg",
            "float64",
            "the state's affinity toward the target; NaN for the target",
            "-1 hostile .. +1 friendly",
            -1,
            1,
            nullable=True,
        ),
        Column(
            "exports_to_afg_musd",
            "float64",
            "the state's exports to Afghanistan (Afghanistan's imports from it); NaN for the target",
            "US$ million in that month",
            0,
            None,
            nullable=True,
        ),
        Column(
            "imports_from_afg_musd",
            "float64",
            "the state's imports from Afghanistan; NaN for the target",
            "US$ million in that month",
            0,
            None,
            nullable=True,
        ),
        Column(
            "attacks", "int64", "attacks by threat groups on the state", "count in that month", 0
        ),
        Column("bloc", "int64", "the state's bloc label that month (labels are per month)", "", 0),
        Column("border_open", "bool", "the state's border with the target is open"),
        Column(
            "transit_share",
            "float64",
            "share of Afghanistan's third-country trade on the state's routes",
            "share 0..1, that month",
            0,
            1,
        ),
        Column("confrontation", "bool", "border closed or coercion toward the target that month"),
    ),
    "dyads": (
        RUN,
        DATE,
        Column("actor", "category", "ISO3 code of one state"),
        Column("partner", "category", "ISO3 code of the other state"),
        Column("affinity", "float64", "the pair's affinity", "-1 hostile .. +1 friendly", -1, 1),
    ),
    "events": (
        RUN,
        Column("date", "period[M]", "the month the event happened in"),
        Column(
            "kind",
            "category",
            "what happened: a kind of sim.events.EVENT_KINDS, or shock:<label> for a "
            "scenario shock",
        ),
        Column(
            "actor",
            "category",
            "who acted: a state, or the threat group for attacks; NA when no one",
            nullable=True,
        ),
        Column("target", "category", "who it was aimed at; NA when no one", nullable=True),
        Column("count", "int64", "how many (attacks in the month; 1 otherwise)", "count", 1),
    ),
    "runs": (
        RUN,
        Column("seed", "int64", "the ensemble's master seed", low=0),
        Column(
            "parameter_draw",
            "int64",
            "which posterior draw the run's parameters came from (absent with parameters=point)",
            low=0,
            optional=True,
        ),
        Column(
            "first_recognizer",
            "category",
            "the first state to recognise the target de jure (ties in a month go to the "
            "most capable state); NA if none within the horizon",
            nullable=True,
        ),
        Column(
            "first_recognition_date",
            "period[M]",
            "the month of the first de jure recognition; NaT if none",
            nullable=True,
        ),
        Column(
            "months_to_first_recognition",
            "float64",
            "months from the start to the first de jure recognition; NaN if none within "
            "the horizon (censored)",
            "months",
            0,
            None,
            nullable=True,
        ),
        Column("n_de_jure_end", "int64", "states at level 5 (de jure) at the end", "count", 0),
        Column(
            "n_recognizers_end",
            "int64",
            "states at level 4 or 5 (an ambassador accepted, or de jure) at the end",
            "count",
            0,
        ),
        Column(
            "max_level_end", "int64", "the highest level any state holds at the end", "level", 0, 5
        ),
        Column(
            "top_recognizer_end",
            "category",
            "the state holding that level (the first in the world's order)",
        ),
        Column(
            "level_end_<ISO3>",
            "int64",
            "the state's recognition level at the end",
            "level 0..5",
            0,
            5,
        ),
        Column("n_blocs_end", "int64", "number of blocs at the end (singletons count)", "count", 1),
        Column(
            "blocs_end",
            "category",
            "the blocs at the end as text, members joined by + and blocs by |",
        ),
        Column(
            "bloc_with_afg_end_<ISO3>",
            "bool",
            "the state ends in the target's (AFG's) bloc",
        ),
        Column(
            "balanced_triads_end",
            "float64",
            "share of closed triads that are balanced at the end; NaN if none",
            "share 0..1",
            0,
            1,
            nullable=True,
        ),
        Column(
            "frustration_end",
            "float64",
            "weighted frustration of the bloc partition at the end",
            "sum of |affinity|",
            0,
        ),
        Column(
            "confrontation_months_<ISO3>",
            "int64",
            "months in which the state confronted the target (border closed or coercion)",
            "months, whole horizon",
            0,
        ),
        Column(
            "afg_imports_musd_last12m_<ISO3>",
            "float64",
            "Afghanistan's imports from the state over the last 12 months of the horizon "
            "(mean month x 12 if the horizon is shorter)",
            "US$ million, last 12 months",
            0,
        ),
    ),
    "groups": (
        RUN,
        DATE,
        Column("group", "category", "the threat group (ISKP, TTP, ...)"),
        Column("strength", "float64", "the group's strength", "0..1", 0, 1),
        Column(
            "effort", "float64", "the Emirate's counter-terrorism effort against it", "0..1", 0, 1
        ),
    ),
    "emirate": (
        RUN,
        DATE,
        Column(
            "inclusivity",
            "float64",
            "the Emirate's inclusivity (rights, women's education)",
            "0..1",
            0,
            1,
        ),
        Column(
            "hardliner_influence", "float64", "influence of Kandahar's hardliners", "0..1", 0, 1
        ),
        Column(
            "water_assertiveness",
            "float64",
            "assertiveness on shared water (Qosh Tepa, Helmand)",
            "0..1",
            0,
            1,
        ),
        Column(
            "aid_level", "float64", "international aid, relative to the 2021 level", "relative", 0
        ),
        Column(
            "border_restraint",
            "float64",
            "the Emirate's restraint on the border lever",
            "0..1",
            0,
            1,
        ),
        Column(
            "balanced_triads",
            "float64",
            "share of closed triads that are balanced; NaN if none",
            "share 0..1, that month",
            0,
            1,
            nullable=True,
        ),
        Column(
            "frustration",
            "float64",
            "weighted frustration of the month's bloc partition",
            "sum of |affinity|, that month",
            0,
        ),
    ),
}

#: Outcomes compared across scenarios (sweep plots, reports): column -> label.
HEADLINE_OUTCOMES: dict[str, str] = {
    "months_to_first_recognition": "months to the first de jure recognition",
    "n_recognizers_end": "recognizers at the end (level 4 or 5)",
    "n_de_jure_end": "de jure recognizers at the end",
    "max_level_end": "highest recognition level at the end",
    "confrontation_months_PAK": "months of Pakistan-Emirate confrontation",
    "balanced_triads_end": "share of balanced triads at the end",
}

#: Columns holding months (``period[M]``) in any frame.
MONTH_COLUMNS = frozenset(
    c.name for cols in SCHEMA.values() for c in cols if c.dtype == "period[M]"
)


def schema_columns(frame: str, codes: list[str] | None = None) -> list[str]:
    """The column names of ``frame``, with per-state families expanded for ``codes``."""
    names = []
    for column in SCHEMA[frame]:
        if column.per_state:
            names += [column.name.replace("<ISO3>", code) for code in codes or []]
        else:
            names.append(column.name)
    return names


def schema_markdown(frame: str) -> str:
    """The schema of ``frame`` as a Markdown table (docs, reports)."""
    lines = ["| column | dtype | unit and window | range | meaning |", "|---|---|---|---|---|"]
    for c in SCHEMA[frame]:
        span = "" if c.low is None and c.high is None else f"{_num(c.low)} .. {_num(c.high)}"
        if c.nullable:
            span = f"{span} (may be missing)".strip()
        lines.append(f"| `{c.name}` | {c.dtype} | {c.unit} | {span} | {c.meaning} |")
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def pandera_schema(frame: str) -> Any:
    """A ``pandera`` DataFrameSchema of ``frame`` (strict: no other columns).

    Requires pandera (a dev dependency): ``pip install -e '.[dev]'``.
    """
    import pandera.pandas as pa

    columns = {}
    for c in SCHEMA[frame]:
        checks = []
        if c.low is not None:
            checks.append(pa.Check.ge(c.low))
        if c.high is not None:
            checks.append(pa.Check.le(c.high))
        columns[c.pattern() if c.per_state else c.name] = pa.Column(
            c.dtype,
            checks=checks,
            nullable=c.nullable,
            regex=c.per_state,
            required=not (c.per_state or c.optional),
        )
    return pa.DataFrameSchema(columns, strict=True, name=frame)


def validate_frames(results: Results) -> None:
    """Check every frame of ``results`` against :data:`SCHEMA` (pandera; raises
    ``pandera.errors.SchemaError`` naming the frame, column and failing values)."""
    for name in FRAMES:
        pandera_schema(name).validate(getattr(results, name))


# ----------------------------------------------------------------------------------
# Months: period[M] in memory, YYYY-MM text on disk
# ----------------------------------------------------------------------------------


def months_from_ordinals(ordinals: np.ndarray) -> pd.arrays.PeriodArray:
    """A ``period[M]`` array from month ordinals (months since 1970-01; NaT where < -10**17)."""
    return pd.arrays.PeriodArray(np.asarray(ordinals, dtype=np.int64), dtype=MONTH)


def month_ordinal(month: str) -> int:
    """The ordinal of a ``YYYY-MM`` month (months since 1970-01)."""
    return pd.Period(month, freq="M").ordinal


def as_months(values: Any) -> pd.Series:
    """``values`` (``period[M]``, ``YYYY-MM`` strings or a categorical of them) as a
    ``period[M]`` series; missing values become NaT."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(series.dtype, pd.PeriodDtype):
        return series
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = pd.PeriodIndex(series.cat.categories.astype(str), freq="M")
        codes = series.cat.codes.to_numpy()
        if len(categories) == 0:  # every value missing
            codes = np.full(len(series), -1)
            categories = pd.PeriodIndex(["1970-01"], freq="M")
        ordinals = np.where(codes >= 0, categories.asi8[np.maximum(codes, 0)], pd.NaT.value)
        return pd.Series(months_from_ordinals(ordinals), index=series.index, name=series.name)
    return pd.Series(
        pd.PeriodIndex(series.astype("string").to_numpy(na_value=None), freq="M"),
        index=series.index,
        name=series.name,
    )


def _months_to_text(values: pd.Series) -> pd.Categorical:
    """An ordered categorical of ``YYYY-MM`` strings with the months of ``values``."""
    ordinals = values.array.asi8
    present = ordinals != pd.NaT.value
    if not present.any():
        codes = np.full(len(values), -1)
        return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(pd.Index([], dtype=str)))
    low, high = int(ordinals[present].min()), int(ordinals[present].max())
    categories = [
        str(p) for p in pd.period_range(pd.Period(ordinal=low, freq="M"), periods=high - low + 1)
    ]
    codes = np.where(present, ordinals - low, -1)
    return pd.Categorical.from_codes(codes, categories=categories, ordered=True)


def to_storage(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as written to parquet: months as ``YYYY-MM`` text (see module docstring)."""
    months = [c for c in frame.columns if isinstance(frame[c].dtype, pd.PeriodDtype)]
    if not months:
        return frame
    return frame.assign(**{c: _months_to_text(frame[c]) for c in months})


def from_storage(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame read from parquet with the schema's dtypes: months back to ``period[M]``,
    text columns categorical."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if column in MONTH_COLUMNS and not isinstance(values.dtype, pd.PeriodDtype):
            out[column] = as_months(values)
        elif values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            out[column] = values.astype("category")
    return frame.assign(**out) if out else frame


def read_frame(path: str | Path, **kwargs: Any) -> pd.DataFrame:
    """``pd.read_parquet(path, **kwargs)`` with the schema's dtypes (months as period[M])."""
    return from_storage(pd.read_parquet(path, **kwargs))


def concat_frames(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate frames of one schema, keeping categoricals categorical (their
    categories are united) and months ``period[M]``."""
    parts = [p for p in parts if p is not None]
    if not parts:
        return pd.DataFrame()
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    first = parts[0]
    categorical = [c for c in first.columns if isinstance(first[c].dtype, pd.CategoricalDtype)]
    if categorical:
        united = {}
        for column in categorical:
            categories: dict[Any, None] = {}
            for part in parts:
                if column in part and isinstance(part[column].dtype, pd.CategoricalDtype):
                    categories.update(dict.fromkeys(part[column].cat.categories))
            ordered = bool(first[column].cat.ordered)
            names = list(categories)
            if all(
                list(p[column].cat.categories) == sorted(p[column].cat.categories)
                for p in parts
                if column in p
            ):
                names = sorted(names)  # sorted categories stay sorted: batching does not show
            united[column] = pd.CategoricalDtype(names, ordered=ordered)
        parts = [p.astype({c: t for c, t in united.items() if c in p}) for p in parts]
    return pd.concat(parts, ignore_index=True)


def _concat_named(parts: list[Results], name: str) -> pd.DataFrame:
    """The frame ``name`` of every part, concatenated (:meth:`Results.concat`)."""
    return concat_frames([part._peek(name) for part in parts])


class _Frame:
    """A frame of :class:`Results`, built the first time it is read."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, results: Results | None, owner: type | None = None) -> Any:
        if results is None:
            return self
        return results.frame(self.name)

    def __set__(self, results: Results, frame: pd.DataFrame) -> None:
        results._frames[self.name] = frame


#: A frame, or a call that builds it (``functools.partial`` of a module-level function
#: or a method, so that :class:`Results` still pickles).
FrameSource = pd.DataFrame | Callable[[], pd.DataFrame]


class Results:
    """The frames of one ensemble plus its metadata (config, world, dates).

    A frame is built from the recorded arrays the first time it is read (then kept), so
    a caller who reads only ``runs`` never pays for the 15 million rows of ``states``
    that 10,000 ten-year runs make; :meth:`built` says which are built so far.

    Args:
        frames: every name of :data:`FRAMES` with its frame or a call building it.
        meta: metadata (scenario, world, runs, seed, period, parameters).
    """

    states = _Frame()
    dyads = _Frame()
    events = _Frame()
    runs = _Frame()
    groups = _Frame()
    emirate = _Frame()

    def __init__(self, frames: dict[str, FrameSource], meta: dict[str, Any] | None = None):
        missing = [name for name in FRAMES if name not in frames]
        if missing:
            raise ValueError(f"Results needs every frame; missing {missing}")
        self._frames: dict[str, FrameSource] = {name: frames[name] for name in FRAMES}
        self.meta: dict[str, Any] = dict(meta or {})

    def frame(self, name: str) -> pd.DataFrame:
        """The frame ``name`` (one of :data:`FRAMES`), built now if not yet built."""
        source = self._frames[name]
        if not isinstance(source, pd.DataFrame):
            source = source()
            self._frames[name] = source
        return source

    def built(self) -> tuple[str, ...]:
        """The names of the frames built so far."""
        return tuple(n for n in FRAMES if isinstance(self._frames[n], pd.DataFrame))

    def _peek(self, name: str) -> pd.DataFrame:
        """The frame ``name``, built but not kept if not yet built."""
        source = self._frames[name]
        return source if isinstance(source, pd.DataFrame) else source()

    def __repr__(self) -> str:
        built = self.built()
        shown = ", ".join(
            f"{n}={len(self._frames[n]):,} rows" if n in built else f"{n}=(not built)"
            for n in FRAMES
        )
        return f"Results({shown}, meta keys={sorted(self.meta)})"

    @classmethod
    def from_frames(cls, frames: dict[str, FrameSource], meta: dict[str, Any]) -> Results:
        return cls(frames, meta=meta)

    @classmethod
    def concat(cls, parts: list[Results]) -> Results:
        """Concatenate batches of the same ensemble (in run order); each frame is
        concatenated when first read (a part's unbuilt frame is built then, not kept)."""
        parts = list(parts)
        frames = {name: functools.partial(_concat_named, parts, name) for name in FRAMES}
        return cls.from_frames(frames, parts[0].meta if parts else {})

    def validate(self) -> Results:
        """Check every frame against :data:`SCHEMA` (pandera); returns self."""
        validate_frames(self)
        return self

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
        """Read frames written by :meth:`write` or a run of ``python -m sim``, with the
        schema's dtypes (months as ``period[M]``)."""
        directory = Path(directory)
        frames = {}
        for name in FRAMES:
            path = directory / f"{name}.parquet"
            if not path.is_file():
                raise UserError(
                    f"{directory}: no {name}.parquet here; is this a results directory?"
                )
            frames[name] = from_storage(read_parquet_checked(path))
        return cls.from_frames(frames, {})


class StreamingWriter:
    """Append batches of frames to parquet files, so memory stays bounded.

    One ``<name>.parquet`` per frame, one row group per batch, in a directory
    (callers write into a staging directory and move it into place when done).
    Months are written as ``YYYY-MM`` text (:func:`to_storage`).
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = ensure_writable(directory)
        self._writers: dict[str, Any] = {}

    def append(self, frames: dict[str, pd.DataFrame]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for name, frame in frames.items():
            table = _wide_dictionaries(
                pa.Table.from_pandas(to_storage(frame), preserve_index=False)
            )
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


def _wide_dictionaries(table: Any) -> Any:
    """Dictionary columns with int32 indices, so batches with more categories than the
    first (more months, more kinds of event) still fit the file's schema."""
    import pyarrow as pa

    fields = [
        pa.field(f.name, pa.dictionary(pa.int32(), f.type.value_type, f.type.ordered), f.nullable)
        if pa.types.is_dictionary(f.type)
        else f
        for f in table.schema
    ]
    schema = pa.schema(fields, metadata=table.schema.metadata)
    return table if schema.equals(table.schema) else table.cast(schema)


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
                column = column.dictionary_encode().cast(schema_field.type)
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
    for _ in range(3):  # another process's check may remove a directory it just made
        try:
            _try_creating(directory, key)
            return
        except FileNotFoundError:
            continue
    _try_creating(directory, key, final=True)


def _try_creating(directory: Path, key: str, final: bool = False) -> None:
    """One attempt of :func:`check_creatable`; a vanished directory raises
    FileNotFoundError unless ``final``."""
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
    except FileNotFoundError:
        if not final:
            raise
        raise UserError(
            f"{key}={directory}: cannot write there (No such file or directory)"
        ) from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        where = f" at {error.filename}" if getattr(error, "filename", None) else ""
        raise UserError(f"{key}={directory}: cannot write there ({reason}{where})") from None
    finally:
        for path in reversed(created):
            with contextlib.suppress(OSError):
                path.rmdir()


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` via a temporary file in the same directory
    (months as ``YYYY-MM`` text, :func:`to_storage`)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        to_storage(frame).to_parquet(temporary, index=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
