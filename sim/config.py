"""Hydra configuration schema and the conversion from a config to an ensemble.

The structured schema is registered in Hydra's ConfigStore when this module is
imported (both the app and ``sim.simulate`` import it), so an unknown key
fails with ``Key 'foo' not in 'SimConfig'``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, make_dataclass
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from sim.dates import month_index, parse_month
from sim.defaults import DEFAULT_END, DEFAULT_START
from sim.ensemble import EnsembleSpec
from sim.errors import ConfigError
from sim.params import ModelParameters
from sim.posterior import posterior_or_none
from sim.recorder import RecordOptions
from sim.shocks import parse_shocks
from sim.world import World
from sim.world_changes import parse_world_changes
from sim.world_files import load_world_mapping

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
SCENARIO_DIR = CONFIG_DIR / "scenario"
WORLD_CONFIG_DIR = CONFIG_DIR / "world"
MAX_RUNS = 10_000_000
#: ``parameters=posterior`` (default): each run draws its parameters from the fit's
#: posterior; ``parameters=point``: every run uses the single best point.
PARAMETER_CHOICES = ("posterior", "point")


def list_scenarios() -> list[str]:
    """Scenario names (``configs/scenario/*.yaml``), ``baseline`` first."""
    names = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
    return sorted(names, key=lambda name: (name != "baseline", name))


def list_worlds() -> list[str]:
    """World names (``configs/world/*.yaml``), the Afghanistan world first."""
    names = sorted(p.stem for p in WORLD_CONFIG_DIR.glob("*.yaml"))
    return sorted(names, key=lambda name: (name != "afghanistan", name))


@dataclass
class ScenarioConfig:
    """A scenario: tags (name -> description), evidence ids, parameter changes,
    shocks (:mod:`sim.shocks`) and structural world changes (:mod:`sim.world_changes`).

    Scenarios compose: selecting several (``scenario=[a,b]``) merges their
    tags, parameters, shocks and world changes (keyed by name, so none is lost).
    """

    tags: dict[str, str] = field(default_factory=dict)
    evidence: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    shocks: dict[str, Any] = field(default_factory=dict)
    world_changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class RecordConfig:
    """What to record and draw.

    Attributes:
        dyads_every: months between recorded dyad snapshots (1 = monthly).
        plots: draw the standard plots into the run directory.
    """

    dyads_every: int = 1
    plots: bool = True


#: Hydra schema of the modelling-choice parameters (a mutable mirror of
#: :class:`ModelParameters`, so ``params.review_rate=0.3`` overrides work).
#: Its defaults are the fitted values (``configs/params/fitted.yaml``).
_FITTED = ModelParameters.fitted()
ParamsConfig = make_dataclass(
    "ParamsConfig",
    [(f.name, float, field(default=getattr(_FITTED, f.name))) for f in fields(ModelParameters)],
)


@dataclass
class SimConfig:
    """Top-level config (configs/config.yaml fills it)."""

    world: dict[str, Any] = field(default_factory=dict)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    runs: int = 20
    first_run: int = 0
    seed: int = 0
    start: str = DEFAULT_START
    end: str = DEFAULT_END
    batch_size: int = 500
    workers: Any = "auto"
    params: Any = field(default_factory=ParamsConfig)
    parameters: str = "posterior"
    record: RecordConfig = field(default_factory=RecordConfig)
    progress: bool = True


def job_dir_name(override_dirname: str) -> str:
    """Directory name of a sweep job: its overrides, or ``default`` if none."""
    return override_dirname.replace("/", "_") or "default"


def register_configs() -> None:
    """Register the schema and the resolvers with Hydra (idempotent)."""
    ConfigStore.instance().store(name="sim_schema", node=SimConfig)
    if not OmegaConf.has_resolver("sim_job_dir"):
        OmegaConf.register_new_resolver("sim_job_dir", job_dir_name)


register_configs()


def scenario_label(cfg: DictConfig) -> str:
    """Name of the (possibly composed) scenario: its tags joined by '+'."""
    tags = list(cfg.scenario.tags.keys())
    return "+".join(tags) if tags else "baseline"


def _check_keys(cfg: DictConfig) -> None:
    """Reject keys the schema does not know (Hydra lets ``+key=`` through)."""
    for node, schema, prefix in (
        (cfg, SimConfig, ""),
        (cfg.scenario, ScenarioConfig, "scenario."),
        (cfg.record, RecordConfig, "record."),
    ):
        allowed = {f.name for f in fields(schema)}
        for key in node:
            if key not in allowed and not (prefix == "" and key == "hydra"):
                raise ConfigError(
                    f"unknown key '{prefix}{key}'; allowed: {', '.join(sorted(allowed))}"
                )


def explicit_params(overrides: list[str] | None) -> set[str]:
    """Names of the parameters an override list sets (``params.NAME=...``)."""
    names = set()
    for override in overrides or []:
        key = override.split("=", 1)[0].lstrip("+~")
        if key.startswith("params."):
            names.add(key.removeprefix("params."))
    return names


def spec_from_config(cfg: DictConfig, overrides: list[str] | None = None) -> EnsembleSpec:
    """Validate a composed config and build the ensemble it describes.

    Parameters come from the defaults (``configs/params/fitted.yaml``), then the
    scenario's ``params``, then the ``params.NAME=...`` entries of ``overrides``: what
    the user sets by name wins over a scenario.

    Raises:
        ConfigError / WorldError: one line naming the key at fault.
    """
    _check_keys(cfg)
    start = parse_month(str(cfg.start), "start")
    end = parse_month(str(cfg.end), "end")
    if month_index(start, end) < 1:
        raise ConfigError(f"end={end} must be at least one month after start={start}")
    if month_index(start, end) > 12 * 100:
        raise ConfigError(f"end={end}: at most 100 years after start={start}")
    runs, seed, batch = int(cfg.runs), int(cfg.seed), int(cfg.batch_size)
    if not 1 <= runs <= MAX_RUNS:
        raise ConfigError(f"runs={runs}: expected 1..{MAX_RUNS}")
    if seed < 0:
        raise ConfigError(f"seed={seed}: expected a non-negative integer")
    first_run = int(cfg.first_run)
    if first_run < 0:
        raise ConfigError(f"first_run={first_run}: expected a non-negative integer")
    if batch < 1:
        raise ConfigError(f"batch_size={batch}: expected a positive integer")
    workers = cfg.get("workers", "auto")
    if workers != "auto" and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ConfigError(f"workers={workers}: expected auto or a positive integer")
    if int(cfg.record.dyads_every) < 1:
        raise ConfigError(
            f"record.dyads_every={cfg.record.dyads_every}: expected a positive integer"
        )
    world_mapping = OmegaConf.to_container(cfg.world, resolve=True)
    world: World = load_world_mapping(world_mapping, start=start)
    params = ModelParameters.from_mapping(
        OmegaConf.to_container(cfg.params, resolve=True) or {}, where="params"
    )
    scenario_params = OmegaConf.to_container(cfg.scenario.params, resolve=True) or {}
    explicit = explicit_params(overrides)
    if scenario_params:
        chosen = {k: v for k, v in scenario_params.items() if k not in explicit}
        params = ModelParameters.from_mapping(params.as_dict() | chosen, where="scenario.params")
    choice = str(cfg.parameters)
    if choice not in PARAMETER_CHOICES:
        raise ConfigError(f"parameters={choice}: expected one of {', '.join(PARAMETER_CHOICES)}")
    if choice == "posterior":
        draws = posterior_or_none(params)
        if draws is not None:
            params = draws.with_base(params, fixed=explicit | set(scenario_params))
    shock_nodes = OmegaConf.to_container(cfg.scenario.shocks, resolve=True) or {}
    entries = []
    for name, entry in shock_nodes.items():
        if isinstance(entry, dict):
            entry = {"label": name, **entry}
        entries.append(entry)
    shocks = parse_shocks(
        entries, world, start, month_index(start, end) + 1, where="scenario.shocks"
    )
    changes = parse_world_changes(
        OmegaConf.to_container(cfg.scenario.world_changes, resolve=True) or {}, world, start
    )
    return EnsembleSpec(
        world=world,
        world_changes=tuple(changes),
        params=params,
        start=start,
        end=end,
        runs=runs,
        seed=seed,
        shocks=tuple(shocks),
        first_run=first_run,
        batch_size=batch,
        record=RecordOptions(dyads_every=int(cfg.record.dyads_every)),
        workers=workers,
    )
