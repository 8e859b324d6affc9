"""Gather a sweep's finished jobs into one tidy table and plot it.

``python -m sim.aggregate DIR`` (also run automatically at the end of a
multirun) reads every job directory under DIR that finished
(``status.json`` says ok and every result file it lists is intact), concatenates their
per-run outcome tables with the job's scenario and overrides, and writes ``DIR/aggregate/``:

* ``outcomes.parquet`` / ``outcomes.csv``: one row per (job, run), with one typed
  column per override (``bandwagon_weight`` for ``params.bandwagon_weight=0.4``,
  ``seed``, ``first_run``, ``world.<key>`` ...) and a ``label`` naming the ensemble a
  row belongs to: jobs that differ only in their block of runs (``first_run=0,1000``)
  are one ensemble and share a label;
* ``jobs.csv``: one row per job with its status (failed jobs keep their error; a job
  whose files are missing or altered is ``failed`` with the reason);
* the outcome-distribution plots and their numbers (:func:`sim.plots.outcome_distributions`).

The aggregate is built in a temporary folder and moved into place whole; a run that
fails leaves no aggregate at all, never a stale one.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import UserError
from sim.job_status import STATUS_FILE, read_status, verify_files
from sim.results import (
    ensure_writable,
    from_storage,
    read_parquet_checked,
    write_parquet_atomic,
)

log = logging.getLogger("sim")
AGGREGATE_DIR = "aggregate"
#: Overrides that say how a job ran, not what it simulated: no column, no label.
NOT_COLUMNS = {"progress", "record.plots", "batch_size"}
#: Overrides that choose a block of runs: jobs differing only in these are one ensemble.
BLOCK_KEYS = {"first_run", "runs"}


def job_directories(sweep_dir: Path) -> list[Path]:
    """Every directory below ``sweep_dir`` holding a ``status.json``."""
    return sorted(
        path.parent
        for path in Path(sweep_dir).rglob(STATUS_FILE)
        if AGGREGATE_DIR not in path.relative_to(sweep_dir).parts
        and not any(part.startswith(".") for part in path.relative_to(sweep_dir).parts[:-1])
    )


def parse_override(text: str) -> tuple[str, Any]:
    """``("params.x", 0.4)`` from ``"params.x=0.4"``, the value typed as Hydra types it."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    key, _, raw = text.partition("=")
    try:
        value = OverridesParser.create().parse_override(text).value()
    except Exception:  # not Hydra syntax (hand-edited status): keep the text
        value = raw
    if isinstance(value, list | dict):
        value = raw
    return key.lstrip("+~"), value


def column_name(key: str, taken: set[str]) -> str:
    """Column of an override key: ``params.`` dropped, prefixed if it would clash."""
    name = key.removeprefix("params.")
    return f"override.{name}" if name in taken else name


def typed_column(values: list[Any]) -> pd.Series:
    """One column from the values of an override across jobs (None where a job lacks it)."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="boolean")
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="Int64")
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pd.Series([float("nan") if v is None else float(v) for v in values], dtype=float)
    return pd.Series([None if v is None else str(v) for v in values], dtype="string")


def job_labels(jobs: pd.DataFrame, runs: dict[str, pd.Series]) -> dict[str, str]:
    """A short label per job: the scenario, plus the overrides that differ between jobs.

    Blocks of one ensemble (jobs that differ only in ``first_run`` / ``runs``, with
    disjoint runs) share one label; blocks whose runs overlap keep them apart.
    """
    per_job = {
        row.job: {o for o in row.overrides.split() if o.split("=", 1)[0] not in NOT_COLUMNS}
        for row in jobs.itertuples()
    }
    common = set.intersection(*per_job.values()) if per_job else set()
    scenarios = dict(zip(jobs["job"], jobs["scenario"], strict=True))
    one_scenario = len(set(scenarios.values())) == 1

    def label(job: str, keep_blocks: bool) -> str:
        varying = sorted(
            o.removeprefix("params.")
            for o in per_job[job] - common
            if not o.startswith("scenario=")
            and (keep_blocks or o.split("=", 1)[0] not in BLOCK_KEYS)
        )
        parts = varying if (one_scenario and varying) else [scenarios[job], *varying]
        return " ".join(parts) or scenarios[job]

    labels = {job: label(job, keep_blocks=False) for job in per_job}
    for name in set(labels.values()):
        members = [job for job, value in labels.items() if value == name]
        if len(members) > 1:
            ids = pd.concat([runs[job] for job in members if job in runs], ignore_index=True)
            if ids.duplicated().any():  # the same runs twice: not blocks of one ensemble
                for job in members:
                    labels[job] = label(job, keep_blocks=True)
    return labels


def _job_record(directory: Path, sweep_dir: Path) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """The jobs.csv row of one job directory and, if it finished intact, its outcomes."""
    status = read_status(directory) or {}
    record = {
        "job": str(directory.relative_to(sweep_dir)),
        "status": status.get("status", "unknown"),
        "scenario": status.get("scenario", ""),
        "overrides": " ".join(status.get("overrides", [])),
        "runs": status.get("runs"),
        "seconds": status.get("seconds"),
        "error": status.get("error", ""),
    }
    if not status:
        record.update(status="failed", error=f"{STATUS_FILE} is not readable")
        return record, None
    if record["status"] != "ok":
        return record, None
    problem = verify_files(directory, status)
    if problem is None:
        try:
            return record, from_storage(read_parquet_checked(directory / "runs.parquet"))
        except UserError as error:
            problem = str(error)
    record.update(status="failed", error=f"result files do not match {STATUS_FILE}: {problem}")
    return record, None


def aggregate(sweep_dir: str | Path, plots: bool = True) -> dict[str, Any]:
    """Aggregate a sweep directory; returns counts of ok and failed jobs.

    Returns ``{"ok", "failed", "directory", "plots_error"}``; a failure before the
    tables are complete removes any earlier aggregate and raises.
    """
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise UserError(f"{sweep_dir}: no such directory")
    final = sweep_dir / AGGREGATE_DIR
    directories = job_directories(sweep_dir)
    if not directories:
        _remove(final)
        raise UserError(f"{sweep_dir}: no job results here (no {STATUS_FILE} found)")
    ensure_writable(sweep_dir)
    staging = Path(tempfile.mkdtemp(dir=sweep_dir, prefix=".aggregate-"))
    try:
        jobs, tables = [], {}
        for directory in _progress(directories, "verify"):
            record, table = _job_record(directory, sweep_dir)
            jobs.append(record)
            if table is not None:
                tables[record["job"]] = table
        job_table = pd.DataFrame(jobs)
        job_table.to_csv(staging / "jobs.csv", index=False)
        outcomes = _outcomes(job_table, tables) if tables else None
        if outcomes is not None:
            write_parquet_atomic(outcomes, staging / "outcomes.parquet")
            outcomes.to_csv(staging / "outcomes.csv", index=False)
        _remove(final)
        staging.replace(final)
    except BaseException:
        _remove(staging)
        _remove(final)  # never a stale aggregate beside new job results
        raise
    summary: dict[str, Any] = {
        "ok": int((job_table["status"] == "ok").sum()),
        "failed": int((job_table["status"] != "ok").sum()),
        "directory": final,
        "plots_error": None,
    }
    if plots and outcomes is not None:
        summary["plots_error"] = draw_outcome_plots(outcomes, final)
        if summary["plots_error"] is None:
            summary["report_error"] = write_report(Path(sweep_dir))
    return summary


def write_report(sweep_dir: Path) -> str | None:
    """Write the sweep's ``report.html`` (:func:`sim.report.write_sweep_report`) after
    its plots; a failure is logged and leaves the aggregate (returns the error or None)."""
    from sim.report import write_sweep_report

    try:
        write_sweep_report(sweep_dir)
    except Exception as error:
        log.error("report of %s failed: %s", sweep_dir, error)
        return f"{type(error).__name__}: {error}"
    return None


def draw_outcome_plots(outcomes: pd.DataFrame, directory: Path) -> str | None:
    """Draw the outcome distributions into ``directory`` (files appear whole, or not at all).

    Returns None, or the error that stopped the plots (the tables stay in place).
    """
    from sim.plots import outcome_distributions

    staging = Path(tempfile.mkdtemp(dir=directory, prefix=".plots-"))
    try:
        for path in outcome_distributions(outcomes, staging):
            path.replace(directory / path.name)
    except Exception as error:
        log.error("outcome plots of %s failed: %s", directory, error)
        return f"{type(error).__name__}: {error}"
    finally:
        _remove(staging)
    return None


def _outcomes(job_table: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The per-run outcome table of every intact job, with labels and typed overrides."""
    ok = job_table[job_table["job"].isin(tables)]
    labels = job_labels(ok, {job: table["run"] for job, table in tables.items()})
    parsed = {
        row.job: dict(parse_override(o) for o in row.overrides.split()) for row in ok.itertuples()
    }
    keys = sorted(
        {key for values in parsed.values() for key in values}
        - NOT_COLUMNS
        - {"scenario"}
        - {key for key in (k for v in parsed.values() for k in v) if key.startswith("hydra")}
    )
    parts = []
    for row in ok.itertuples():
        table = tables[row.job]
        front = pd.DataFrame(
            {
                "job": row.job,
                "scenario": row.scenario,
                "overrides": row.overrides,
                "label": labels[row.job],
            },
            index=range(len(table)),
        )
        parts.append(pd.concat([front, table.reset_index(drop=True)], axis=1))
    outcomes = pd.concat(parts, ignore_index=True)
    taken = set(outcomes.columns)
    lengths = [len(tables[job]) for job in ok["job"]]
    columns = {}
    for key in keys:
        per_run = [
            parsed[job].get(key)
            for job, n in zip(ok["job"], lengths, strict=True)
            for _ in range(n)
        ]
        name = column_name(key, taken)
        taken.add(name)
        columns[name] = typed_column(per_run)
    if not columns:
        return outcomes
    return pd.concat([outcomes.iloc[:, :4], pd.DataFrame(columns), outcomes.iloc[:, 4:]], axis=1)


def _progress(items: list[Path], what: str) -> Any:
    """A progress bar over many jobs on a terminal; the plain list otherwise."""
    if len(items) < 20 or not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, desc=what, unit="job", leave=False)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.aggregate DIR``."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.aggregate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("directory", help="a sweep directory (outputs/multirun/<date>/<time>)")
    parser.add_argument(
        "--no-plots",
        action="store_true",
        help="write the tables only, without the outcome-distribution plots",
    )
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    try:
        counts = aggregate(args.directory, plots=not args.no_plots)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{counts['ok']} job(s) aggregated, {counts['failed']} failed -> {counts['directory']}")
    if counts["failed"]:
        print(
            f"error: {counts['failed']} job(s) failed or have damaged files; "
            f"see {counts['directory'] / 'jobs.csv'}",
            file=sys.stderr,
        )
        return 1
    if counts["plots_error"]:
        print(
            f"error: plots not drawn ({counts['plots_error']}); the tables are complete",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
