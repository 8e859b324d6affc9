"""Python entry point: ``sim.simulate(overrides) -> Results``.

Uses the very config path of ``python -m sim`` (Hydra's compose API on
``configs/``), so a notebook and the command line agree on every default.
"""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from sim.config import CONFIG_DIR, scenario_label, spec_from_config
from sim.ensemble import EnsembleSpec, run_ensemble
from sim.errors import ConfigError
from sim.model import DiplomacyModel
from sim.results import Results


def hydra_error_message(error: BaseException) -> str:
    """One line from a Hydra/OmegaConf error, including its cause."""
    text = " ".join(str(error).split())
    cause = error.__cause__ or error.__context__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text}: {' '.join(str(cause).split())}"
    return text.split(" Config search path")[0].split(" full_key:")[0]


def compose_config(overrides: list[str] | None = None) -> DictConfig:
    """Compose ``configs/config.yaml`` with Hydra overrides (e.g. ``["runs=10"]``)."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            return compose(config_name="config", overrides=list(overrides or []))
    except (HydraException, OmegaConfBaseException) as error:
        raise ConfigError(hydra_error_message(error)) from None


def compose_spec(overrides: list[str] | None = None) -> tuple[DictConfig, EnsembleSpec]:
    """The composed config and the ensemble it describes (validated)."""
    overrides = _override_list(overrides)
    cfg = compose_config(overrides)
    return cfg, spec_from_config(cfg, overrides)


def build_model(overrides: list[str] | None = None, run_id: int = 0) -> DiplomacyModel:
    """The Mesa model of run ``run_id`` of the ensemble the overrides describe.

    The same config path as :func:`simulate` and ``python -m sim`` (world, scenario,
    parameters, period, seed), so the model's run equals run ``run_id`` of that
    ensemble month for month.
    """
    _, spec = compose_spec(overrides)
    return DiplomacyModel(
        world=spec.world,
        start=spec.start,
        end=spec.end,
        params=spec.params,
        shocks=spec.shocks,
        world_changes=spec.world_changes,
        rng=spec.seed,
        run_id=run_id,
    )


def _override_list(overrides: object) -> list[str]:
    """Check that overrides are a list of ``key=value`` strings (ConfigError if not)."""
    if overrides is None:
        return []
    if isinstance(overrides, str) or not isinstance(overrides, list | tuple):
        raise ConfigError(
            f"overrides={overrides!r}: pass a list of strings such as ['runs=10', 'seed=1']"
        )
    for item in overrides:
        if not isinstance(item, str):
            raise ConfigError(f"override {item!r}: expected a string such as 'runs=10'")
    return list(overrides)


def simulate(overrides: list[str] | None = None, output_dir: str | Path | None = None) -> Results:
    """Run the ensemble the overrides describe and return its frames.

    Args:
        overrides: Hydra overrides, e.g. ``["scenario=baseline", "runs=50", "seed=1"]``.
        output_dir: if given, also write the parquet files there (atomically).

    Raises:
        sim.errors.UserError: on bad input, with a one-line message.
    """
    cfg, spec = compose_spec(overrides)
    results = run_ensemble(spec, progress=False)
    results.meta = {
        "scenario": scenario_label(cfg),
        "world": spec.world.name,
        "runs": spec.runs,
        "seed": spec.seed,
        "start": spec.start,
        "end": spec.end,
        "codes": spec.world.codes,
        "params": spec.params.as_dict(),
    }
    if output_dir is not None:
        results.write(output_dir)
    return results
