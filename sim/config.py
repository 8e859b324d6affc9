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
#: Seeds and run indices are stored as int64 (parquet) and feed numpy's SeedSequence.
MAX_SEED = 2**63 - 1
MAX_RUN_INDEX = 2**63 - 2
#: Longest job directory name (file systems allow 255 bytes); longer names keep their
#: start and end a hash of the whole, so re-runs of a sweep still find their jobs.
MAX_JOB_DIR_BYTES = 200


def selected_files(overrides: list[str]) -> list[Path]:
    """The config files a command line selects (config, worlds, scenarios, sweeps).

    Every value of ``world=``, ``scenario=`` and ``+sweep=`` counts, sweeps and lists
    included, plus the defaults; names without a file are left to Hydra's own error.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    names: dict[str, set[str]] = {
        "world": {"afghanistan"},
        "scenario": {"baseline"},
        "sweep": set(),
    }
    try:
        parsed = OverridesParser.create().parse_overrides(
            [o for o in overrides if not o.startswith("-")]
        )
    except Exception:  # a syntax error: Hydra reports it when composing
        parsed = []
    for override in parsed:
        group = override.key_or_group
        if group not in names:
            continue
        try:
            if override.is_sweep_override():
                values: list[Any] = list(override.sweep_string_iterator())
            else:
                value = override.value()
                values = value if isinstance(value, list) else [value]
        except Exception:
            continue
        for value in values:
            for name in str(value).strip("[]").split(","):
                if name.strip():
                    names[group].add(name.strip())
    files = [CONFIG_DIR / "config.yaml"]
    for group, chosen in names.items():
        for name in sorted(chosen):
            path = CONFIG_DIR / group / f"{name}.yaml"
            if path.is_file():
                files.append(path)
    return files


def check_selected_files(overrides: list[str]) -> None:
    """Read every selected config file safely before Hydra does (:func:`selected_files`).

    Hydra's own YAML reading would expand a "billion laughs" file for minutes and lets a
    duplicate key win silently; this reads each within the limits of
    :func:`sim.world.read_yaml_file` and names the file at fault.

    Raises:
        WorldError / ConfigError: one line naming the file, the line and the problem.
    """
    from sim.errors import WorldError
    from sim.world import read_yaml_file

    for path in selected_files(overrides):
        error = WorldError if path.parent == WORLD_CONFIG_DIR else ConfigError
        data = read_yaml_file(path, error)
        if data is not None and not isinstance(data, dict):
            raise error(f"{path}: expected a mapping at top level, got {type(data).__name__}")
        if error is WorldError and (data or {}).get("name") != path.stem:
            raise WorldError(
                f"{path}: name: {(data or {}).get('name')!r} differs from the file name; "
                f"world={path.stem} selects this file, so its name must be {path.stem!r}"
            )


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
    """Directory name of a sweep job: its overrides, or ``default`` if none.

    A name longer than :data:`MAX_JOB_DIR_BYTES` keeps its first part and ends in a
    hash of the whole (stable, so resuming a sweep finds the same directory).
    """
    import hashlib

    name = override_dirname.replace("/", "_") or "default"
    encoded = name.encode()
    if len(encoded) <= MAX_JOB_DIR_BYTES:
        return name
    digest = hashlib.sha256(encoded).hexdigest()[:16]
    head = encoded[: MAX_JOB_DIR_BYTES - 20].decode("utf-8", errors="ignore")
    return f"{head}...{digest}"


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
                raise ConfigError(unknown_key_message(f"{prefix}{key}", sorted(allowed), prefix))


def allowed_keys(prefix: str) -> list[str] | None:
    """The keys the schema allows under ``prefix`` (``""``, ``"params."``, ...), or None."""
    schema = {
        "": SimConfig,
        "params.": ParamsConfig,
        "record.": RecordConfig,
        "scenario.": ScenarioConfig,
    }.get(prefix)
    return None if schema is None else sorted(f.name for f in fields(schema))


def unknown_key_message(key: str, allowed: list[str], prefix: str = "") -> str:
    """``unknown key 'runz'; did you mean 'runs'? allowed: ...`` (one line)."""
    import difflib

    name = key.removeprefix(prefix)
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean '{prefix}{close[0]}'?)" if close else ""
    if prefix == "params.":
        return (
            f"unknown key '{key}'{hint}; python -m sim.params lists the {len(allowed)} parameters"
        )
    return f"unknown key '{key}'{hint}; allowed: {', '.join(prefix + a for a in allowed)}"


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
    if not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"seed={seed}: expected an integer 0..2**63-1")
    first_run = int(cfg.first_run)
    if first_run < 0:
        raise ConfigError(f"first_run={first_run}: expected a non-negative integer")
    workers = cfg.get("workers", "auto")
    if workers != "auto" and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ConfigError(f"workers={workers}: expected auto or a positive integer")
    if first_run + runs - 1 > MAX_RUN_INDEX:
        raise ConfigError(
            f"first_run={first_run}: with runs={runs} the last run index would pass 2**63-2"
        )
    if not 1 <= batch <= MAX_RUNS:
        raise ConfigError(f"batch_size={batch}: expected 1..{MAX_RUNS}")
    if not 1 <= int(cfg.record.dyads_every) <= 12 * 100:
        raise ConfigError(f"record.dyads_every={cfg.record.dyads_every}: expected months 1..1200")
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
