"""The Hydra application behind ``python -m sim``.

Runs the configured ensemble and writes ``states.parquet``, ``dyads.parquet``,
``events.parquet``, ``runs.parquet`` (plus ``groups``, ``emirate`` and per-run
``outcomes``) and the standard plots into Hydra's run directory, then prints a short
summary table and the path of the results.

What the command line guarantees (README, "When things go wrong"):

* bad input (unknown keys, scenarios or actors, out-of-range values, bad dates,
  malformed files, unwritable directories, a launcher that cannot start) prints one
  ``error:`` line and exits with status 2 before anything is written; a sweep checks
  every combination of its values first;
* results are written into a staging folder of their own and moved into place when
  complete, ``status.json`` last (with each file's size and hash); plots are drawn
  after the results are committed, so a failure or an interrupt while plotting never
  loses them;
* every run gets a directory of its own, even when two start in the same second, and a
  sweep locks its directory: a second sweep into it stops with one line.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.api import check_override_syntax, hydra_error_message
from sim.config import (
    CONFIG_DIR,
    MAX_RUNS,
    check_selected_files,
    list_scenarios,
    list_worlds,
    scenario_label,
    spec_from_config,
)
from sim.ensemble import iter_results
from sim.errors import UserError
from sim.results import check_creatable, ensure_writable
from sim.slurm import check_scheduler, is_slurm_launcher

log = logging.getLogger("sim")
#: Set by :func:`run_job` in this process (the command line prints its summary).
LAST_RUN: dict[str, Any] = {}
#: Rows of ``states`` read for the recognition bands at most (bounded memory); larger
#: ensembles are drawn from their first runs (runs are exchangeable) and say so.
PLOT_ROWS = 3_000_000
#: Swept keys checked one value at a time (they do not interact with the world or
#: the scenario); every other swept key is checked in every combination.
SCALAR_KEYS = (
    "runs",
    "first_run",
    "seed",
    "batch_size",
    "progress",
    "record.dyads_every",
    "record.plots",
)


def fail(message: str) -> None:
    """Print a one-line user error and exit with status 2."""
    print(f"error: {' '.join(str(message).split())}", file=sys.stderr)
    sys.exit(2)


# ----------------------------------------------------------------------------------
# One job: simulate, commit, then plot
# ----------------------------------------------------------------------------------


def _private_dir(output_dir: Path, kind: str) -> Path:
    """A folder of this process in ``output_dir`` (``.staging-<host>-<pid>-...``)."""
    prefix = f".{kind}-{socket.gethostname()}-{os.getpid()}-"
    return Path(tempfile.mkdtemp(dir=output_dir, prefix=prefix))


def _clear_dead_staging(output_dir: Path) -> None:
    """Remove the staging and plot folders left by this host's dead processes (killed
    before they could clean up); folders of live processes, or of other hosts sharing
    the directory, are left alone."""
    host = socket.gethostname()
    for path in [*output_dir.glob(".staging*"), *output_dir.glob(".plots-*")]:
        parts = path.name.split("-")
        if path.name == ".staging":  # the layout before staging folders were per process
            shutil.rmtree(path, ignore_errors=True)
            continue
        if len(parts) < 4 or "-".join(parts[1:-2]) != host:
            continue
        try:
            os.kill(int(parts[-2]), 0)
        except ValueError:
            continue
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            continue


def run_job(cfg: DictConfig, output_dir: Path, overrides: list[str] | None = None) -> Path:
    """Simulate the ensemble of ``cfg`` and write its frames (the per-run table among
    them), plots and report.

    Results go into a staging folder of this process, are moved into ``output_dir``
    when complete, and ``status.json`` (with every file's size and hash) is written
    last, so a directory with an ``ok`` status always holds a complete, readable job.
    Plots come after that: a plotting failure is reported and leaves the results.
    """
    from sim.job_status import STATUS_FILE, config_hash, file_records, write_status
    from sim.results import FRAMES, StreamingWriter

    LAST_RUN.clear()
    spec = spec_from_config(cfg, overrides)
    output_dir = ensure_writable(output_dir)
    label = scenario_label(cfg)
    _clear_dead_staging(output_dir)
    staging = _private_dir(output_dir, "staging")
    writer = StreamingWriter(staging)
    began = time.perf_counter()
    try:
        for batch in iter_results(spec, progress=bool(cfg.progress)):
            frames = {name: getattr(batch, name) for name in FRAMES}
            writer.append(frames)
        writer.close()
        elapsed = time.perf_counter() - began
        meta = {
            "scenario": label,
            "world": spec.world.name,
            "runs": spec.runs,
            "first_run": spec.first_run,
            "seed": spec.seed,
            "start": spec.start,
            "end": spec.end,
            "seconds": round(elapsed, 3),
        }
        (staging / "meta.json").write_text(json.dumps(meta, indent=2))
        names = sorted(path.name for path in staging.iterdir())
        files = file_records(staging, names)
        (output_dir / STATUS_FILE).unlink(missing_ok=True)  # an older status no longer holds
        for name in names:
            (staging / name).replace(output_dir / name)
        staging.rmdir()
    except BaseException:
        writer.close()
        shutil.rmtree(staging, ignore_errors=True)  # nothing half-written is left behind
        raise
    status = {
        "status": "ok",
        "scenario": label,
        "overrides": list(overrides or []),
        "runs": spec.runs,
        "seconds": round(elapsed, 3),
        "config_hash": config_hash(cfg),
        "files": files,
    }
    write_status(output_dir, status)
    LAST_RUN.update(directory=output_dir, label=label, spec=spec, seconds=elapsed, committed=True)
    if cfg.record.plots:
        LAST_RUN["plots_error"] = draw_plots(output_dir, spec)
        if LAST_RUN["plots_error"]:
            write_status(output_dir, {**status, "plots_error": LAST_RUN["plots_error"]})
        else:
            write_report(output_dir)
    log.debug(
        "%s: %d runs x %d months in %.1f s -> %s",
        label,
        spec.runs,
        spec.months,
        elapsed,
        output_dir,
    )
    return output_dir


def write_report(output_dir: Path) -> str | None:
    """Write the job's ``report.html`` (:func:`sim.report.write_run_report`) after its
    plots; a failure is logged and leaves the results (returns the error or None)."""
    from sim.report import write_run_report

    try:
        write_run_report(output_dir)
    except Exception as error:
        log.error("report of %s failed: %s", output_dir, error)
        return f"{type(error).__name__}: {error}"
    return None


def draw_plots(output_dir: Path, spec: Any) -> str | None:
    """Draw the standard plots of a committed job in bounded memory.

    Reads only the columns the plots need: the recognition bands from at most
    :data:`PLOT_ROWS` rows of ``states`` (the first runs of a larger ensemble, named in
    the title), Afghanistan's trade from exact per-month means computed one row group
    at a time, and the network from the last recorded month of ``dyads``.  Each figure
    is written to a staging folder and moved into place whole.

    Returns None, or the error that stopped the plots (the results stay in place); an
    interrupt removes the unfinished figures and is raised again.
    """
    import matplotlib

    matplotlib.use("Agg")  # a job writes files; it never opens a window
    import matplotlib.pyplot as plt

    from sim import plots

    staging = _private_dir(output_dir, "plots")
    try:
        makers = {}
        world = spec.world
        if world.target is not None:
            states, shown = _plot_states(output_dir / "states.parquet", spec)
            title = ""
            if shown < spec.runs:
                title = (
                    "Recognition of the Emirate: median (line), mean (dashed), 10-90 % band "
                    f"(first {shown:,} of {spec.runs:,} runs)"
                )
            makers["recognition.png"] = lambda: plots.recognition_bands(states, title=title)
            trade = _mean_exports(output_dir / "states.parquet")
            makers["trade_by_partner.png"] = lambda: plots.trade_by_partner(trade)
        dyads = _last_dyads(output_dir / "dyads.parquet", spec)
        if len(dyads):
            makers["alignment_network.png"] = lambda: plots.alignment_network(dyads, world)
        for name, make in makers.items():
            figure = make()
            figure.savefig(staging / name, dpi=110)
            plt.close(figure)
            (staging / name).replace(output_dir / name)
    except Exception as error:
        log.error("plots of %s failed: %s", output_dir, error)
        return f"{type(error).__name__}: {error}"
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return None


def _plot_states(path: Path, spec: Any) -> tuple[Any, int]:
    """The ``states`` rows the recognition bands need, from at most PLOT_ROWS rows."""
    import pyarrow.parquet as pq

    per_run = (spec.months + 1) * spec.world.n_actors
    shown = max(1, min(spec.runs, PLOT_ROWS // max(per_run, 1)))
    table = pq.read_table(
        path,
        columns=["run", "date", "actor", "recognition"],
        filters=[("run", "<", spec.first_run + shown)],
    )
    return table.to_pandas(), shown


def _mean_exports(path: Path) -> Any:
    """Exact ensemble means of ``exports_to_afg_musd`` per (date, actor), one row group at a time."""
    import pandas as pd
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path, pre_buffer=False)  # pre-buffering keeps what it read
    sums = None
    for index in range(parquet.num_row_groups):
        part = parquet.read_row_group(index, columns=["date", "actor", "exports_to_afg_musd"])
        frame = part.to_pandas()
        grouped = frame.groupby(["date", "actor"], observed=True)["exports_to_afg_musd"].agg(
            ["sum", "count"]
        )
        sums = grouped if sums is None else sums.add(grouped, fill_value=0)
    if sums is None:
        return pd.DataFrame(columns=["date", "actor", "exports_to_afg_musd"])
    means = (sums["sum"] / sums["count"].where(sums["count"] > 0)).rename("exports_to_afg_musd")
    frame = means.reset_index()
    return frame.astype({"date": str, "actor": str})


def _last_dyads(path: Path, spec: Any) -> Any:
    """Dyads at the last recorded month, of at most PLOT_ROWS rows' worth of runs.

    Streams the file in batches (runs are stored in order), keeping only that month.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path, pre_buffer=False)  # pre-buffering keeps what it read
    columns = ["run", "date", "actor", "partner", "affinity"]
    if parquet.metadata.num_rows == 0:
        return parquet.read(columns=columns).to_pandas()
    dates = parquet.read_row_group(parquet.num_row_groups - 1, columns=["date"]).column("date")
    last_date = str(pc.max(dates.cast(pa.string())).as_py())
    per_run = spec.world.n_actors * max(spec.world.n_actors - 1, 1)
    limit = spec.first_run + max(1, min(spec.runs, PLOT_ROWS // per_run))
    kept = []
    for batch in parquet.iter_batches(batch_size=1_000_000, columns=columns):
        runs = batch.column("run")
        if pc.min(runs).as_py() >= limit:
            break
        mask = pc.and_(
            pc.equal(batch.column("date").cast(pa.string()), last_date), pc.less(runs, limit)
        )
        kept.append(batch.filter(mask).to_pandas())
    return pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=columns)


# ----------------------------------------------------------------------------------
# The Hydra task
# ----------------------------------------------------------------------------------


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def app(cfg: DictConfig) -> None:
    """Hydra task: one job (a scenario x parameter point x block of seeded runs)."""
    from hydra.types import RunMode

    from sim.job_status import config_hash, finished, write_status

    hydra_cfg = HydraConfig.get()
    output_dir = Path(hydra_cfg.runtime.output_dir)
    overrides = list(hydra_cfg.overrides.task)
    if hydra_cfg.mode != RunMode.MULTIRUN:
        try:
            run_job(cfg, output_dir, overrides)
        except UserError as error:
            fail(str(error))
        return
    if finished(output_dir, cfg):
        log.info("skipping %s: finished in an earlier run of this sweep", " ".join(overrides))
        return
    try:
        run_job(cfg, output_dir, overrides)
    except Exception as error:  # a failed job is recorded, the sweep goes on
        import traceback

        if _INTERRUPTED["signal"] is not None:
            raise KeyboardInterrupt from error

        message = str(error) if isinstance(error, UserError) else traceback.format_exc()
        log.error("job %s failed: %s", " ".join(overrides), str(error))
        write_status(
            output_dir,
            {
                "status": "failed",
                "scenario": scenario_label(cfg) if "scenario" in cfg else "",
                "overrides": overrides,
                "error": message,
                "config_hash": config_hash(cfg),
            },
        )


# ----------------------------------------------------------------------------------
# Checks before Hydra starts
# ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """What the checks found: single run or sweep, its directory and its jobs."""

    multirun: bool
    directory: Path | None = None
    explicit_directory: bool = False
    jobs: int = 1
    launcher: str = "basic"


def _has_flag(arguments: list[str]) -> bool:
    """True for Hydra's own flags (--cfg, --info, -c, ...), which skip the checks."""
    return any(a.startswith("-") and a not in {"-m", "--multirun"} for a in arguments)


def _compose(overrides: list[str], hydra_section: bool = False) -> DictConfig:
    from hydra import compose

    return compose(config_name="config", overrides=overrides, return_hydra_config=hydra_section)


def _check_run_spec(cfg: DictConfig, overrides: list[str]) -> None:
    """spec_from_config, with OmegaConf's access errors as UserErrors."""
    from omegaconf.errors import OmegaConfBaseException

    try:
        spec_from_config(cfg, overrides)
    except OmegaConfBaseException as error:
        raise UserError(hydra_error_message(error)) from None


def _override_given(arguments: list[str], key: str) -> str | None:
    """The value given for ``key`` (the last one, as in Hydra), or None."""
    for argument in reversed(arguments):
        name, _, value = argument.partition("=")
        if name.lstrip("+") == key:
            return value
    return None


def _literal_directory(arguments: list[str], key: str) -> bool:
    """True if ``key`` names a directory literally (used as given, so a sweep can be
    resumed there); a pattern with ``${...}`` (like the defaults) gets a unique directory."""
    value = _override_given(arguments, key)
    return value is not None and "${" not in value


def precheck(arguments: list[str]) -> Plan:
    """Compose and validate the config before Hydra creates a directory.

    Turns Hydra's composition errors (unknown key, unknown scenario, bad override
    syntax) and our own validation errors into one line and exit 2. A sweep checks
    every combination (:func:`precheck_sweep`). Skipped for Hydra's own flags.
    """
    from hydra import initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    overrides = [a for a in arguments if a not in {"-m", "--multirun"}]
    multirun = len(overrides) != len(arguments)
    if _has_flag(arguments):
        return Plan(multirun=multirun)
    try:
        check_override_syntax(overrides)
        check_selected_files(overrides)
        if multirun:
            return precheck_sweep(overrides)
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = _compose(overrides, hydra_section=True)
        explicit = _literal_directory(overrides, "hydra.run.dir")
        directory = Path(str(cfg.hydra.run.dir))
        check_creatable(directory, "hydra.run.dir")
        _check_run_spec(cfg, overrides)
    except (HydraException, OmegaConfBaseException) as error:
        fail(hydra_error_message(error))
    except UserError as error:
        fail(str(error))
    return Plan(multirun=False, directory=directory, explicit_directory=explicit)


def _sweep_values(parsed: Any, text: str) -> list[str] | None:
    """``["key=a", "key=b"]`` for a sweep override, None for a fixed one."""
    if not parsed.is_sweep_override():
        return None
    values = list(parsed.sweep_string_iterator())
    if not values:
        raise UserError(f"{text}: the sweep over '{parsed.key_or_group}' is empty")
    return [f"{parsed.get_key_element()}={value}" for value in values]


def precheck_sweep(overrides: list[str]) -> Plan:
    """Reject a sweep with an empty range or a bad value before any job runs.

    Every combination of the swept world, scenario, period and other structural keys is
    composed and validated; swept run knobs and parameters (which do not interact with
    the world) are checked one value at a time, so the check grows with the sum of
    their values, not the product.  The sweep directory must be creatable and the
    launcher able to start (a SLURM sweep needs a scheduler here): one line, exit 2.
    """
    import itertools

    from hydra import initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as error:
        raise UserError(hydra_error_message(error)) from None
    fixed_by_key: dict[str, str] = {}
    swept: dict[str, list[str]] = {}
    for override, text in zip(parsed, overrides, strict=True):
        key = override.get_key_element().lstrip("+~")
        values = _sweep_values(override, text)
        fixed_by_key.pop(key, None)  # as in Hydra, the last value given for a key wins
        swept.pop(key, None)
        if values is None:
            fixed_by_key[key] = text
        else:
            swept[key] = values
    fixed = list(fixed_by_key.values())
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        first = [values[0] for values in swept.values()]
        launch = _compose([*fixed, *first], hydra_section=True)
        # sweeps defined in a config (+sweep=scenarios): the command line wins
        for key, value in (launch.hydra.sweeper.get("params") or {}).items():
            if key in swept or any(o.split("=", 1)[0].lstrip("+") == key for o in fixed):
                continue
            text = f"{key}={value}"
            override = OverridesParser.create().parse_override(text)
            values = _sweep_values(override, text)
            if values is None:
                fixed.append(text)
            else:
                swept[key] = values
        launcher = str(launch.hydra.runtime.choices.get("hydra/launcher", "basic"))
        check_launcher(launch, launcher)
        sweep_dir = Path(str(launch.hydra.sweep.dir))
        check_creatable(sweep_dir, "hydra.sweep.dir")
        structural = {k: v for k, v in swept.items() if not _scalar(k)}
        scalar = {k: v for k, v in swept.items() if _scalar(k)}
        combinations = list(itertools.product(*structural.values())) or [()]
        firsts = {key: values[0] for key, values in scalar.items()}
        # (what the error names, the overrides to check)
        checks = [(list(c), [*c, *firsts.values()]) for c in combinations]
        base = list(combinations[0])
        for key, values in scalar.items():  # each other value once, the rest at their first
            for value in values[1:]:
                checks.append(([], [*base, *{**firsts, key: value}.values()]))
        if "runs" in scalar and "first_run" in scalar:  # the one pair that interacts
            largest = {"runs": _largest(scalar["runs"]), "first_run": _largest(scalar["first_run"])}
            checks.append(([largest["runs"]], [*base, *{**firsts, **largest}.values()]))
        for shown, combination in _progress(checks, "checking the sweep"):
            try:
                cfg = _compose([*fixed, *combination])
                _check_run_spec(cfg, [*fixed, *combination])
            except UserError as error:
                named = [c for c in shown if not str(error).startswith(c)]
                raise UserError(f"{' '.join(named)}: {error}".lstrip(": ")) from None
            except HydraException as error:
                raise UserError(hydra_error_message(error)) from None
    jobs = 1
    for values in swept.values():
        jobs *= len(values)
    explicit = _literal_directory(overrides, "hydra.sweep.dir")
    return Plan(
        multirun=True,
        directory=sweep_dir,
        explicit_directory=explicit,
        jobs=jobs,
        launcher=launcher,
    )


def _scalar(key: str) -> bool:
    return key in SCALAR_KEYS or key.startswith("params.")


def _largest(values: list[str]) -> str:
    """The override with the largest integer value (for the runs x first_run check)."""

    def number(text: str) -> int:
        try:
            return int(text.split("=", 1)[1])
        except ValueError:
            return -1

    return max(values, key=number)


def check_launcher(launch: DictConfig, choice: str) -> None:
    """Raise UserError unless the launcher's plugin is installed and, for SLURM, a scheduler answers."""
    import importlib.util

    target = str((launch.hydra.get("launcher") or {}).get("_target_", ""))
    module = target.rsplit(".", 1)[0]
    try:
        found = importlib.util.find_spec(module) is not None if module else True
    except (ImportError, ValueError):
        found = False
    if not found:
        hint = {
            "ray": "install the extra first: .venv/bin/pip install -e '.[ray]'",
        }.get(choice, f"install the plugin that provides {module}")
        raise UserError(f"hydra/launcher={choice}: the launcher is not installed ({hint})")
    if is_slurm_launcher(launch):
        check_scheduler(choice)


def _progress(items: list[Any], what: str) -> Any:
    if len(items) < 25:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=what, unit="combination", leave=False)


# ----------------------------------------------------------------------------------
# Directories: unique run directories, locked sweep directories
# ----------------------------------------------------------------------------------


def claim_directory(directory: Path) -> Path:
    """Create ``directory`` atomically, or ``<name>-1``, ``<name>-2``, ... if it exists."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    candidate, suffix = directory, 0
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            suffix += 1
            candidate = directory.with_name(f"{directory.name}-{suffix}")


_LOCKS: list[Any] = []


def lock_sweep(directory: Path) -> None:
    """Hold an exclusive lock on the sweep directory until this process ends.

    Raises:
        UserError: another sweep holds it (one line naming the directory and its pid).
    """
    import fcntl

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ".sweep.lock"
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise UserError(
            f"hydra.sweep.dir={directory}: another sweep is running in this directory "
            f"({holder}); wait for it to finish, or choose another directory"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} on {socket.gethostname()}")
    handle.flush()
    _LOCKS.append(handle)


# ----------------------------------------------------------------------------------
# Help and summaries
# ----------------------------------------------------------------------------------


def _first_comment(path: Path) -> str:
    """The first sentence of a config file's opening comment."""
    words: list[str] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        text = line.strip()
        if not text.startswith("#"):
            if words or text:
                break
            continue
        body = text[1:]
        if body.strip().startswith("@") or (words and (not body.strip() or body.startswith("   "))):
            if words:
                break
            continue
        words.append(body.strip())
        if body.rstrip().endswith((".", ":")):
            break
    return " ".join(words).rstrip(":")


def _one_line(text: str, width: int = 78) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


def scenario_descriptions() -> dict[str, str]:
    """``{scenario: one-line description}`` from each file's tags (else its first comment)."""
    from sim.world import read_yaml_file

    described = {}
    for name in list_scenarios():
        path = CONFIG_DIR / "scenario" / f"{name}.yaml"
        try:
            data = read_yaml_file(path, UserError) or {}
        except UserError as error:
            described[name] = f"(unreadable: {error})"
            continue
        tags = data.get("tags") or (data.get("scenario") or {}).get("tags") or {}
        text = "; ".join(str(v) for v in tags.values()) if isinstance(tags, dict) else ""
        described[name] = text or _first_comment(path)
    return described


def help_page() -> str:
    """The short page of ``python -m sim --help``."""
    from sim.config import SimConfig
    from sim.defaults import DEFAULT_END, DEFAULT_START
    from sim.params import ModelParameters
    from sim.world import read_yaml_file

    defaults = SimConfig()
    n_params = len(ModelParameters.specs())
    lines = [
        "usage: python -m sim [KEY=VALUE ...]          one ensemble: results and plots in outputs/<date>/<time>/",
        "       python -m sim -m KEY=A,B [KEY=VALUE ...]  a sweep: one job per combination (outputs/multirun/)",
        "",
        "Simulates the diplomacy around Taliban-ruled Afghanistan month by month (recognition,",
        "trade, security, alignment) from the calibrated March 2024 state: an ensemble of seeded runs.",
        "",
        "Main keys (default in brackets):",
    ]
    keys = [
        ("scenario=NAME", "what to simulate; several compose: scenario=[a,b]", "baseline"),
        ("world=NAME", "the world (configs/world/)", "afghanistan"),
        ("runs=N", f"seeded runs in the ensemble, 1..{MAX_RUNS:,}", defaults.runs),
        ("seed=N", "master seed, 0..2**63-1", defaults.seed),
        ("first_run=N", "index of the first run (blocks of one big ensemble)", defaults.first_run),
        ("start=YYYY-MM", "first month (Afghanistan: calibrated 2021-08, 2024-03)", DEFAULT_START),
        ("end=YYYY-MM", "last month, at most 100 years after start", DEFAULT_END),
        ("params.NAME=X", f"one of {n_params} modelling choices (python -m sim.params)", "fitted"),
        (
            "record.dyads_every=N",
            "months between recorded dyad snapshots",
            defaults.record.dyads_every,
        ),
        ("record.plots=BOOL", "draw the standard plots", "true"),
        ("batch_size=N", "runs stepped together (speed and memory only)", defaults.batch_size),
        ("progress=BOOL", "progress bar", "true"),
    ]
    lines += [f"  {key:<22}{meaning:<58}[{default}]" for key, meaning, default in keys]
    lines += [
        "",
        "Scenarios (configs/scenario/):",
    ]
    lines += [f"  {name:<24}{_one_line(text)}" for name, text in scenario_descriptions().items()]
    lines += ["", "Worlds (world=NAME, configs/world/):"]
    for name in list_worlds():
        path = CONFIG_DIR / "world" / f"{name}.yaml"
        try:
            description = (read_yaml_file(path, UserError) or {}).get("description")
        except UserError:
            description = None
        lines.append(f"  {name:<24}{_one_line(description or _first_comment(path))}")
    lines += ["", "Sweeps (python -m sim -m +sweep=NAME, configs/sweep/):"]
    for path in sorted((CONFIG_DIR / "sweep").glob("*.yaml")):
        lines.append(f"  {path.stem:<24}{_one_line(_first_comment(path))}")
    lines += [
        "",
        "Launchers for sweeps (hydra/launcher=NAME):",
        "  basic                   one job after another (the default)",
    ]
    for path in sorted((CONFIG_DIR / "hydra" / "launcher").glob("*.yaml")):
        lines.append(f"  {path.stem:<24}{_one_line(_first_comment(path))}")
    lines += [
        "",
        "Examples:",
        "  python -m sim scenario=china_recognizes runs=200 seed=7",
        "  python -m sim -m scenario=baseline,ttp_escalation runs=1000 hydra/launcher=local_parallel",
        "",
        "More: --cfg job prints the full config, --hydra-help Hydra's own flags;",
        "python -m sim.params lists the parameters; README.md explains outputs and errors.",
    ]
    return "\n".join(lines)


def run_summary(directory: Path, label: str, spec: Any, seconds: float) -> Any:
    """A compact rich table of a finished run's headline outcomes."""
    from rich.table import Table

    from sim.results import read_frame

    outcomes = read_frame(directory / "runs.parquet")
    table = Table(
        title=f"{label} · {spec.world.name} · {spec.runs:,} runs · {spec.start} to {spec.end} · {seconds:.1f} s",
        title_justify="left",
        show_header=True,
        header_style="bold",
    )
    table.add_column("outcome")
    table.add_column("across runs", justify="right")
    runs = len(outcomes)
    if "months_to_first_recognition" in outcomes and spec.world.target is not None:
        months = outcomes["months_to_first_recognition"]
        with_de_jure = int(months.notna().sum())
        table.add_row(
            "runs with a de jure recognition",
            f"{with_de_jure / runs:.0%} ({with_de_jure} of {runs})",
        )
        if with_de_jure:
            table.add_row("months to the first one (median)", f"{months.median():.0f}")
        first = outcomes["first_recognizer"].dropna()
        if len(first):
            top = first.value_counts()
            table.add_row(
                "first to recognise (most often)",
                f"{top.index[0]} ({int(top.iloc[0])} run{'' if int(top.iloc[0]) == 1 else 's'})",
            )
        level4 = outcomes["n_recognizers_end"]
        table.add_row(
            "states at level 4-5 at the end",
            f"mean {level4.mean():.1f} (range {level4.min()}-{level4.max()})",
        )
        table.add_row(
            "states at level 5 at the end", f"mean {outcomes['n_de_jure_end'].mean():.1f}"
        )
        if "confrontation_months_PAK" in outcomes:
            table.add_row(
                "Pakistan-Emirate confrontation",
                f"mean {outcomes['confrontation_months_PAK'].mean():.1f} months",
            )
    if "blocs_end" in outcomes:
        blocs = outcomes["blocs_end"].astype(str).str.count(r"\|") + 1
        table.add_row(
            "blocs at the end", f"median {blocs.median():.0f} (range {blocs.min()}-{blocs.max()})"
        )
    return table


def sweep_summary(directory: Path) -> Any:
    """A compact rich table of an aggregated sweep: one row per ensemble (label)."""
    import pandas as pd
    from rich.table import Table

    outcomes = pd.read_parquet(directory / "outcomes.parquet")
    table = Table(
        title=f"{outcomes['job'].nunique()} job(s)", title_justify="left", header_style="bold"
    )
    for name in ("ensemble", "runs", "de jure in", "level 4-5 at end (mean)"):
        table.add_column(name, justify="left" if name == "ensemble" else "right")
    for label, frame in outcomes.groupby("label", sort=False):
        table.add_row(
            _one_line(str(label), 48),
            f"{len(frame):,}",
            f"{frame['months_to_first_recognition'].notna().mean():.0%}",
            f"{frame['n_recognizers_end'].mean():.2f}",
        )
    return table


def _print_table(table: Any) -> None:
    from rich.console import Console

    Console(soft_wrap=False).print(table)


# ----------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------


_INTERRUPTED: dict[str, int | None] = {"signal": None}


def _interrupt(signum: int, frame: object) -> None:
    """On SIGINT/SIGTERM: remember it, and raise KeyboardInterrupt so clean-up runs.

    The flag matters because an interrupt landing inside a library (a parquet
    write, Hydra's own code) may surface as another exception.
    """
    _INTERRUPTED["signal"] = signum
    raise KeyboardInterrupt


class _JobsBar:
    """A progress bar of finished sweep jobs, from the status files on disk (any launcher)."""

    def __init__(self, directory: Path, total: int) -> None:
        from tqdm import tqdm

        self.directory, self.total = directory, total
        self.before = self._count()
        self.bar = tqdm(total=total, initial=min(self.before, total), unit="job", desc="jobs")
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _count(self) -> int:
        return sum(1 for _ in self.directory.glob("**/status.json") if "aggregate" not in _.parts)

    def _watch(self) -> None:
        while not self.stop.wait(0.5):
            self._update()

    def _update(self) -> None:
        done = min(self._count(), self.total)
        if done > self.bar.n:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self._update()
        self.bar.close()


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m sim``."""
    import signal

    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed, none opened
    arguments = list(sys.argv[1:] if argv is None else argv)
    if any(a in {"-h", "--help"} for a in arguments):
        print(help_page())
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    _INTERRUPTED["signal"] = None
    LAST_RUN.clear()
    try:
        _main(arguments)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        while _LOCKS:
            _LOCKS.pop().close()


def _main(arguments: list[str]) -> None:
    from sim.sweep import LAST_SWEEP

    plan = precheck(arguments)
    extra: list[str] = []
    claimed: Path | None = None
    bar = None
    try:
        if plan.directory is not None and not plan.multirun and not plan.explicit_directory:
            claimed = claim_directory(plan.directory)
            extra.append(f"hydra.run.dir={claimed}")
        if plan.multirun and plan.directory is not None:
            directory = plan.directory
            if not plan.explicit_directory:
                directory = claim_directory(directory)
                extra.append(f"hydra.sweep.dir={directory}")
            lock_sweep(directory)
            plan.directory = directory
            if _override_given(arguments, "progress") is None:
                extra.append("progress=false")  # one bar for the sweep, not one per job
                bar = _JobsBar(directory, plan.jobs)
    except UserError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot create {plan.directory}: {error.strerror}")
    LAST_SWEEP.clear()
    saved = sys.argv
    sys.argv = [saved[0] if saved else "sim", *arguments, *extra]
    try:
        app()
    except SystemExit as exit_:
        if exit_.code == 2 and claimed is not None and not (claimed / "meta.json").exists():
            shutil.rmtree(claimed, ignore_errors=True)  # a late user error: leave nothing
        raise
    except BaseException as error:
        if bar is not None:
            bar.close()
            bar = None
        if not isinstance(error, KeyboardInterrupt) and _INTERRUPTED["signal"] is None:
            raise
        if claimed is not None and not (claimed / "meta.json").exists():
            shutil.rmtree(claimed, ignore_errors=True)  # no results: no directory either
        _report_interrupt(plan)
    finally:
        sys.argv = saved
        if bar is not None:
            bar.close()
    if plan.multirun:
        _finish_sweep(plan)
    else:
        _finish_run()


def _report_interrupt(plan: Plan) -> None:
    if plan.multirun:
        hint = (
            "finished jobs are kept; resume by running the same command with "
            f"hydra.sweep.dir={plan.directory or '<the sweep directory>'}"
        )
    elif LAST_RUN.get("committed"):
        hint = f"while drawing plots; the results are complete in {LAST_RUN['directory']} (plots not drawn)"
    else:
        hint = "nothing partial was written (results are moved into place only when complete)"
    print(f"interrupted: {hint}", file=sys.stderr)
    sys.exit(130)


def _finish_run() -> None:
    if not LAST_RUN.get("committed"):
        return  # Hydra's own flags (--cfg, --info): nothing ran
    directory = LAST_RUN["directory"]
    try:
        _print_table(
            run_summary(directory, LAST_RUN["label"], LAST_RUN["spec"], LAST_RUN["seconds"])
        )
    except Exception as error:  # the summary is a courtesy; the results are in place
        log.warning("no summary table: %s", error)
    print(f"results: {directory}")
    if LAST_RUN.get("plots_error"):
        print(
            f"error: plots not drawn ({_one_line(LAST_RUN['plots_error'], 120)}); "
            f"the results are complete in {directory}",
            file=sys.stderr,
        )
        sys.exit(1)


def _finish_sweep(plan: Plan) -> None:
    """After a multirun: make sure it is aggregated, report, and exit 1 if incomplete."""
    from sim.aggregate import aggregate
    from sim.sweep import LAST_SWEEP

    if plan.directory is None:
        return  # Hydra's own flags
    if not LAST_SWEEP:  # the launcher skipped the callback (joblib does when a job fails)
        try:
            summary = aggregate(plan.directory, plots=True)
            LAST_SWEEP.update(summary=summary, directory=plan.directory)
        except UserError as error:
            LAST_SWEEP.update(error=str(error), directory=plan.directory)
    if LAST_SWEEP.get("error"):
        print(
            f"error: aggregation of {plan.directory} failed: {LAST_SWEEP['error']}", file=sys.stderr
        )
        sys.exit(1)
    summary = LAST_SWEEP["summary"]
    aggregate_dir = summary["directory"]
    if summary["ok"]:
        try:
            _print_table(sweep_summary(aggregate_dir))
        except Exception as error:
            log.warning("no summary table: %s", error)
    print(f"results: {aggregate_dir}")
    missing = plan.jobs - summary["ok"] - summary["failed"]
    if summary["failed"] or missing > 0:
        problem = f"{summary['failed']} job(s) failed" if summary["failed"] else ""
        if missing > 0:
            problem += f"{'; ' if problem else ''}{missing} of {plan.jobs} job(s) have no result"
        print(
            f"error: {problem}; see {aggregate_dir / 'jobs.csv'} (finished jobs are aggregated)",
            file=sys.stderr,
        )
        sys.exit(1)
    if summary.get("plots_error"):
        print(
            f"error: outcome plots not drawn ({summary['plots_error']}); the tables are complete",
            file=sys.stderr,
        )
        sys.exit(1)


def print_config(cfg: DictConfig) -> str:
    """The resolved config as YAML (for logs and notebooks)."""
    return OmegaConf.to_yaml(cfg)
