"""Python entry point: ``sim.simulate(overrides) -> Results``.

Uses the very config path of ``python -m sim`` (Hydra's compose API on
``configs/``), so a notebook and the command line agree on every default.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from sim.config import (
    CONFIG_DIR,
    allowed_keys,
    check_selected_files,
    scenario_label,
    spec_from_config,
    unknown_key_message,
)
from sim.ensemble import EnsembleSpec, run_ensemble
from sim.errors import ConfigError
from sim.results import Results

if TYPE_CHECKING:  # the Mesa model is imported when used: the command line starts faster
    from sim.model import DiplomacyModel

_NOT_IN_SCHEMA = re.compile(
    r"Could not override '(?P<key>[^']+)'\. To append to your config use \+\S*?: "
    r"Key '[^']+' (?:not in '\w+'|is not in struct)"
)
_MERGE = re.compile(r"Error merging override (?P<override>\S+?=\S*): (?P<problem>.*)")
_NOT_FOUND = re.compile(
    r"Could not find '(?P<group>[\w/]+)/(?P<name>[^']+)'\s*Available options in '[^']+':\s*"
    r"(?P<options>.*)"
)


def hydra_error_message(error: BaseException) -> str:
    """One line from a Hydra/OmegaConf error, including its cause.

    An unknown key gets the allowed keys and the closest one, never Hydra's hint to
    add it with ``+`` (the schema would reject it anyway).
    """
    text = " ".join(str(error).split())
    cause = error.__cause__ or error.__context__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text}: {' '.join(str(cause).split())}"
    text = text.split(" Config search path")[0].split(" full_key:")[0]
    text = text.split(" See https://hydra.cc")[0].split(" Set the environment variable")[0]
    unknown = _NOT_IN_SCHEMA.search(text)
    if unknown:
        key = unknown.group("key")
        prefix = key.rsplit(".", 1)[0] + "." if "." in key else ""
        allowed = allowed_keys(prefix)
        if allowed is None:
            return f"unknown key '{key}': the selected {prefix.split('.')[0]} has no such key"
        return unknown_key_message(key, allowed, prefix)
    missing = _NOT_FOUND.search(text)
    if missing:
        group, name = missing.group("group"), missing.group("name")
        options = ", ".join(missing.group("options").split())
        return f"{group}={name}: not found (no '{group}/{name}' config); available: {options}"
    merge = _MERGE.match(text)
    if merge:
        return f"{merge.group('override')}: {merge.group('problem')}"
    text = text.removeprefix("In 'config': ").removeprefix("In 'hydra/config': ")
    key = getattr(error, "full_key", None)
    if key and not text.startswith(str(key)):
        text = f"{key}: {text}"
    return text


def check_override_syntax(overrides: list[str]) -> None:
    """Reject malformed overrides one by one, naming each (Hydra's parser does not)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    parser = OverridesParser.create()
    for override in overrides:
        if override.startswith("-"):
            continue
        try:
            parser.parse_override(override)
        except HydraException as error:
            problem = " ".join(str(error).split()).split(" See https://hydra.cc")[0]
            problem = re.sub(r"^Error parsing override '[^']*'\s*", "", problem)
            raise ConfigError(f"{override}: cannot parse this override ({problem})") from None
        key = override.split("=", 1)[0].lstrip("+~")
        if "=" in override and not key.strip():
            raise ConfigError(f"{override!r}: an override needs a key, as in runs=10")
        if override.startswith("~") and not key.startswith("hydra"):
            raise ConfigError(f"{override}: keys cannot be deleted; set a value instead")


def compose_config(overrides: list[str] | None = None) -> DictConfig:
    """Compose ``configs/config.yaml`` with Hydra overrides (e.g. ``["runs=10"]``)."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    check_override_syntax(list(overrides or []))
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            return compose(config_name="config", overrides=list(overrides or []))
    except (HydraException, OmegaConfBaseException) as error:
        raise ConfigError(hydra_error_message(error)) from None


def compose_spec(overrides: list[str] | None = None) -> tuple[DictConfig, EnsembleSpec]:
    """The composed config and the ensemble it describes (validated)."""
    from omegaconf.errors import OmegaConfBaseException

    overrides = _override_list(overrides)
    check_selected_files(overrides)
    cfg = compose_config(overrides)
    try:
        return cfg, spec_from_config(cfg, overrides)
    except OmegaConfBaseException as error:
        raise ConfigError(hydra_error_message(error)) from None


def build_model(overrides: list[str] | None = None, run_id: int = 0) -> DiplomacyModel:
    """The Mesa model of run ``run_id`` of the ensemble the overrides describe.

    The same config path as :func:`simulate` and ``python -m sim`` (world, scenario,
    parameters, period, seed), so the model's run equals run ``run_id`` of that
    ensemble month for month.
    """
    from sim.model import DiplomacyModel

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
