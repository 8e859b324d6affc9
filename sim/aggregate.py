"""Gather a sweep's finished jobs into one tidy table and plot it.

``python -m sim.aggregate DIR`` (also run automatically at the end of a
multirun) reads every job directory under DIR that finished
(``status.json`` says ok), concatenates their per-run outcome tables with the
job's scenario and overrides, and writes ``DIR/aggregate/``:

* ``outcomes.parquet`` / ``outcomes.csv``: one row per (job, run);
* ``jobs.csv``: one row per job with its status (failed jobs keep their error);
* the outcome-distribution plots and their numbers (:func:`sim.plots.outcome_distributions`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sim.errors import UserError
from sim.job_status import STATUS_FILE, read_status
from sim.results import ensure_writable, write_parquet_atomic


def job_directories(sweep_dir: Path) -> list[Path]:
    """Every directory below ``sweep_dir`` holding a ``status.json``."""
    return sorted(
        path.parent for path in Path(sweep_dir).rglob(STATUS_FILE) if "aggregate" not in path.parts
    )


def job_labels(outcomes: pd.DataFrame) -> pd.Series:
    """A short label per row: the scenario, plus the overrides that differ between jobs."""
    per_job = outcomes.groupby("job", sort=False)["overrides"].first().map(lambda o: set(o.split()))
    common = set.intersection(*per_job) if len(per_job) else set()
    scenarios = outcomes.groupby("job", sort=False)["scenario"].first()
    one_scenario = scenarios.nunique() == 1
    labels = {}
    for job, overrides in per_job.items():
        varying = sorted(
            o.removeprefix("params.") for o in overrides - common if not o.startswith("scenario=")
        )
        parts = varying if (one_scenario and varying) else [scenarios[job], *varying]
        labels[job] = " ".join(parts)
    return outcomes["job"].map(labels)


def aggregate(sweep_dir: str | Path, plots: bool = True) -> dict[str, int]:
    """Aggregate a sweep directory; returns counts of ok and failed jobs."""
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise UserError(f"{sweep_dir}: no such directory")
    jobs, tables = [], []
    for directory in job_directories(sweep_dir):
        status = read_status(directory) or {}
        jobs.append(
            {
                "job": str(directory.relative_to(sweep_dir)),
                "status": status.get("status", "unknown"),
                "scenario": status.get("scenario", ""),
                "overrides": " ".join(status.get("overrides", [])),
                "runs": status.get("runs"),
                "seconds": status.get("seconds"),
                "error": status.get("error", ""),
            }
        )
        outcome_file = directory / "outcomes.parquet"
        if status.get("status") == "ok" and outcome_file.is_file():
            table = pd.read_parquet(outcome_file)
            table.insert(0, "job", str(directory.relative_to(sweep_dir)))
            table.insert(1, "scenario", status.get("scenario", ""))
            table.insert(2, "overrides", " ".join(status.get("overrides", [])))
            tables.append(table)
    if not jobs:
        raise UserError(f"{sweep_dir}: no job results here (no {STATUS_FILE} found)")
    out = ensure_writable(sweep_dir / "aggregate")
    job_table = pd.DataFrame(jobs)
    job_table.to_csv(out / "jobs.csv", index=False)
    if tables:
        outcomes = pd.concat(tables, ignore_index=True)
        outcomes.insert(3, "label", job_labels(outcomes))
        write_parquet_atomic(outcomes, out / "outcomes.parquet")
        outcomes.to_csv(out / "outcomes.csv", index=False)
        if plots:
            from sim.plots import outcome_distributions

            outcome_distributions(outcomes, out)
    return {
        "ok": int((job_table["status"] == "ok").sum()),
        "failed": int((job_table["status"] == "failed").sum()),
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.aggregate DIR``."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.aggregate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("directory", help="a sweep directory (outputs/multirun/<date>/<time>)")
    parser.add_argument("--no-plots", action="store_true")
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    try:
        counts = aggregate(args.directory, plots=not args.no_plots)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"{counts['ok']} job(s) aggregated, {counts['failed']} failed -> {Path(args.directory) / 'aggregate'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
