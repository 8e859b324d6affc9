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
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim.api import hydra_error_message
from sim.config import CONFIG_DIR, scenario_label, spec_from_config
from sim.ensemble import run_ensemble
from sim.errors import UserError
from sim.results import ensure_writable

log = logging.getLogger("sim")


def fail(message: str) -> None:
    """Print a one-line user error and exit with status 2."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def run_job(cfg: DictConfig, output_dir: Path) -> Path:
    """Simulate the ensemble of ``cfg`` and write results and plots to ``output_dir``."""
    spec = spec_from_config(cfg)
    output_dir = ensure_writable(output_dir)
    label = scenario_label(cfg)
    began = time.perf_counter()
    results = run_ensemble(spec, progress=bool(cfg.progress))
    elapsed = time.perf_counter() - began
    results.meta = {
        "scenario": label,
        "world": spec.world.name,
        "runs": spec.runs,
        "seed": spec.seed,
        "start": spec.start,
        "end": spec.end,
        "seconds": round(elapsed, 3),
    }
    staging = output_dir / ".staging"
    staging.mkdir(exist_ok=True)
    results.write(staging)
    if cfg.record.plots:
        from sim.plots import standard_plots

        standard_plots(results, spec.world, staging)
    (staging / "meta.json").write_text(json.dumps(results.meta, indent=2))
    for path in sorted(staging.iterdir()):
        path.replace(output_dir / path.name)
    staging.rmdir()
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
    """Hydra task: one job (a scenario x a block of seeds)."""
    output_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        run_job(cfg, output_dir)
    except UserError as error:
        fail(str(error))


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

    if any(arg.startswith("-") for arg in overrides):
        return
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(config_name="config", overrides=overrides, return_hydra_config=True)
        check_creatable(Path(str(cfg.hydra.run.dir)), "hydra.run.dir")
        spec_from_config(cfg)
    except (HydraException, OmegaConfBaseException) as error:
        fail(hydra_error_message(error))
    except UserError as error:
        fail(str(error))


def main() -> None:
    """Entry point of ``python -m sim``."""
    precheck(sys.argv[1:])
    app()


def print_config(cfg: DictConfig) -> str:
    """The resolved config as YAML (for logs and notebooks)."""
    return OmegaConf.to_yaml(cfg)
