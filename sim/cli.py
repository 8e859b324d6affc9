"""The Hydra application behind ``python -m sim``.

Runs the configured ensemble and writes ``states.parquet``, ``dyads.parquet``,
``events.parquet``, ``runs.parquet`` (plus ``groups`` and ``emirate``) and the
standard plots into Hydra's run directory.  User errors (unknown keys,
scenarios or actors, out-of-range values, bad dates, unwritable directories)
print one line and exit with status 2; nothing partial is written.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.api import hydra_error_message
from sim.config import CONFIG_DIR, scenario_label, spec_from_config
from sim.ensemble import iter_results
from sim.errors import UserError
from sim.results import ensure_writable
from sim.slurm import check_scheduler, is_slurm_launcher

log = logging.getLogger("sim")


def fail(message: str) -> None:
    """Print a one-line user error and exit with status 2."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def run_job(cfg: DictConfig, output_dir: Path, overrides: list[str] | None = None) -> Path:
    """Simulate the ensemble of ``cfg`` and write results, outcomes and plots.

    Everything is written into ``output_dir/.staging`` and moved into place when
    complete; ``status.json`` is written last, so a directory with an ``ok``
    status always holds a complete, readable job.
    """
    from sim.job_status import config_hash, write_status
    from sim.outcomes import run_outcomes
    from sim.results import FRAMES, StreamingWriter

    spec = spec_from_config(cfg, overrides)
    output_dir = ensure_writable(output_dir)
    label = scenario_label(cfg)
    staging = output_dir / ".staging"
    if staging.exists():
        shutil.rmtree(staging)  # left by an interrupted attempt
    writer = StreamingWriter(staging)
    began = time.perf_counter()
    try:
        for batch in iter_results(spec, progress=bool(cfg.progress)):
            frames = {name: getattr(batch, name) for name in FRAMES}
            frames["outcomes"] = run_outcomes(batch, spec.world.target_code or "")
            writer.append(frames)
    except BaseException:
        writer.close()
        shutil.rmtree(staging, ignore_errors=True)  # nothing half-written is left behind
        raise
    writer.close()
    elapsed = time.perf_counter() - began
    meta = {
        "scenario": label,
        "world": spec.world.name,
        "runs": spec.runs,
        "seed": spec.seed,
        "start": spec.start,
        "end": spec.end,
        "seconds": round(elapsed, 3),
    }
    if cfg.record.plots:
        import matplotlib
        import pandas as pd

        matplotlib.use("Agg")  # a job writes files; it never opens a window
        from sim.plots import standard_plots

        states = pd.read_parquet(
            staging / "states.parquet",
            columns=["run", "date", "actor", "recognition", "exports_to_afg_musd"],
        )
        dyads = pd.read_parquet(staging / "dyads.parquet", filters=[("date", "==", spec.end)])
        standard_plots(states, dyads, spec.world, staging)
    (staging / "meta.json").write_text(json.dumps(meta, indent=2))
    for path in sorted(staging.iterdir()):
        path.replace(output_dir / path.name)
    staging.rmdir()
    write_status(
        output_dir,
        {
            "status": "ok",
            "scenario": label,
            "overrides": list(overrides or []),
            "runs": spec.runs,
            "seconds": round(elapsed, 3),
            "config_hash": config_hash(cfg),
        },
    )
    log.info(
        "%s: %d runs x %d months in %.1f s -> %s",
        label,
        spec.runs,
        spec.months,
        elapsed,
        output_dir,
    )
    return output_dir


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


def check_creatable(directory: Path, key: str) -> None:
    """Raise UserError unless ``directory`` exists writable or could be created."""
    import os

    probe = directory
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise UserError(
            f"{key}={directory}: cannot write there ({probe} is not a writable directory)"
        )


def precheck(overrides: list[str]) -> None:
    """Compose the config once before Hydra creates a run directory.

    Turns Hydra's composition errors (unknown key, unknown scenario, bad
    override syntax) and our own validation errors into one line and exit 2.
    Skipped for multirun and Hydra's own flags.
    """
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    if any(arg in {"-m", "--multirun"} for arg in overrides):
        precheck_sweep([arg for arg in overrides if not arg.startswith("-")])
        return
    if any(arg.startswith("-") for arg in overrides):
        return
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(config_name="config", overrides=overrides, return_hydra_config=True)
        check_creatable(Path(str(cfg.hydra.run.dir)), "hydra.run.dir")
        spec_from_config(cfg, overrides)
    except (HydraException, OmegaConfBaseException) as error:
        fail(hydra_error_message(error))
    except UserError as error:
        fail(str(error))


MAX_PRECHECKED_JOBS = 32


def precheck_sweep(overrides: list[str]) -> None:
    """Reject a sweep with an empty range or a bad value before any job runs.

    Every sweep value is composed and validated (up to MAX_PRECHECKED_JOBS
    combinations; a larger sweep checks each value once), and a SLURM sweep
    needs a scheduler here: one line, exit 2.
    """
    import itertools

    from hydra import compose, initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as error:
        fail(hydra_error_message(error))
    fixed, swept = [], []
    for override, text in zip(parsed, overrides, strict=True):
        if override.is_sweep_override():
            values = list(override.sweep_string_iterator())
            if not values:
                fail(f"{text}: the sweep over '{override.key_or_group}' is empty")
            swept.append([f"{override.get_key_element()}={value}" for value in values])
        elif not override.key_or_group.startswith("hydra"):
            fixed.append(text)
        else:
            fixed.append(text)
    combinations = list(itertools.islice(itertools.product(*swept), MAX_PRECHECKED_JOBS + 1))
    if len(combinations) > MAX_PRECHECKED_JOBS:
        combinations = [(value,) for values in swept for value in values]
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            launch = compose(
                config_name="config", overrides=[*fixed, *combinations[0]], return_hydra_config=True
            )
            if is_slurm_launcher(launch):
                check_scheduler(str(launch.hydra.runtime.choices.get("hydra/launcher", "slurm")))
    except (HydraException, OmegaConfBaseException) as error:
        fail(hydra_error_message(error))
    except UserError as error:
        fail(str(error))
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            for combination in combinations:
                cfg = compose(config_name="config", overrides=[*fixed, *combination])
                spec_from_config(cfg, [*fixed, *combination])
    except (HydraException, OmegaConfBaseException) as error:
        fail(hydra_error_message(error))
    except UserError as error:
        fail(f"{' '.join(combination)}: {error}")


_INTERRUPTED = {"signal": None}


def _interrupt(signum: int, frame: object) -> None:
    """On SIGINT/SIGTERM: remember it, and raise KeyboardInterrupt so clean-up runs.

    The flag matters because an interrupt landing inside a library (a parquet
    write, Hydra's own code) may surface as another exception.
    """
    _INTERRUPTED["signal"] = signum
    raise KeyboardInterrupt


def _sweep_dir(arguments: list[str]) -> str:
    """The sweep directory of an interrupted multirun (given, or the newest one)."""
    for argument in arguments:
        if argument.startswith("hydra.sweep.dir="):
            return argument.split("=", 1)[1]
    candidates = sorted(Path("outputs/multirun").glob("*/*"), key=lambda p: p.stat().st_mtime)
    return str(candidates[-1]) if candidates else "<the sweep directory>"


def main() -> None:
    """Entry point of ``python -m sim``."""
    import signal

    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed, none opened
    arguments = sys.argv[1:]
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    precheck(arguments)
    try:
        app()
        from sim.sweep import LAST_SWEEP

        if LAST_SWEEP.get("failed"):
            print(
                f"error: {LAST_SWEEP['failed']} job(s) failed; see "
                f"{LAST_SWEEP['directory'] / 'aggregate' / 'jobs.csv'} (finished jobs are aggregated)",
                file=sys.stderr,
            )
            sys.exit(1)
    except BaseException as error:
        if not isinstance(error, KeyboardInterrupt) and _INTERRUPTED["signal"] is None:
            raise
        multirun = any(a in {"-m", "--multirun"} for a in arguments)
        hint = (
            "finished jobs are kept; resume by running the same command with "
            f"hydra.sweep.dir={_sweep_dir(arguments)}"
            if multirun
            else "nothing partial was written (results are moved into place only when complete)"
        )
        print(f"interrupted: {hint}", file=sys.stderr)
        sys.exit(130)


def print_config(cfg: DictConfig) -> str:
    """The resolved config as YAML (for logs and notebooks)."""
    return OmegaConf.to_yaml(cfg)
