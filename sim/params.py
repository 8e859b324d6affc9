"""Modelling-choice parameters of the monthly dynamics.

These are the coefficients that no source document fixes: how fast relations
move, how noisy choices are, how strongly a closed border diverts trade.  Each
one is *labelled* as a modelling choice, with a plausible range (the history
replay fits them inside it) and a one-line meaning.  Numbers that come from the
evidence base (preferences, starting positions, flows, exposures) live in the
:class:`sim.world.World`, not here.

All rates are per month.  Utilities are dimensionless (a state's utility terms
are bounded by its salience weights, which sum to one).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ConfigError

#: Where ``python -m sim.fit`` writes the fitted parameters (the defaults of runs).
FITTED_PATH = Path(__file__).resolve().parent.parent / "configs" / "params" / "fitted.yaml"


@dataclass(frozen=True)
class ParameterSpec:
    """Metadata of one modelling-choice parameter.

    Attributes:
        low, high: plausible range (inclusive); values outside are rejected.
        meaning: what the parameter does, with its unit.
    """

    low: float
    high: float
    meaning: str


def _param(default: float, low: float, high: float, meaning: str) -> Any:
    return field(
        default=default,
        metadata={"spec": ParameterSpec(low=low, high=high, meaning=meaning)},
    )


@dataclass(frozen=True)
class ModelParameters:
    """Modelling-choice coefficients of the monthly step (see module docstring)."""

    # --- recognition arena: see sim.arenas.recognition ------------------------------
    review_rate: float = _param(
        0.25, 0.05, 1.0, "probability per month that a state reviews its recognition level"
    )
    choice_temperature: float = _param(
        0.08, 0.01, 0.5, "logit temperature of states' choices (utility units); higher = noisier"
    )
    move_cost: float = _param(
        0.04, 0.0, 0.3, "utility cost of changing recognition level by one rung"
    )
    level_curvature: float = _param(
        0.6,
        0.05,
        2.0,
        "curvature of the cost of engagement (utility x engagement^2 / 2): higher levels cost more",
    )
    norms_curvature: float = _param(
        1.0,
        0.0,
        3.0,
        "extra curvature per unit of norms salience while the Emirate is not inclusive",
    )
    conduct_weight: float = _param(
        0.8,
        0.0,
        3.0,
        "value of engagement per unit of the Emirate meeting a state's documented demands",
    )
    consensus_weight: float = _param(
        0.4,
        0.0,
        2.0,
        "cost of engagement per unit share of other states' capability still below the level",
    )
    bandwagon_weight: float = _param(
        0.15, 0.0, 1.0, "benefit of standing where capability-weighted others stand (utility)"
    )
    access_weight: float = _param(
        0.6, 0.0, 2.0, "value of trade and transit access bought by engagement (x salience)"
    )
    rival_denial_weight: float = _param(
        0.5, 0.0, 2.0, "value of matching a rival's engagement to deny it influence (x salience)"
    )
    de_jure_signal: float = _param(
        0.5,
        0.0,
        2.0,
        "extra weight of a rival's de jure recognition in rival denial (a signal to rivals)",
    )
    affinity_weight: float = _param(
        0.25, 0.0, 1.0, "utility of engagement per unit of affinity toward the Emirate"
    )
    affinity_feedback: float = _param(
        0.5,
        0.0,
        1.0,
        "share of the fast part of affinity toward the Emirate that recognition reads (damping)",
    )
    grievance_weight: float = _param(
        0.1, 0.0, 0.5, "utility cost of engagement per unit of grievance from attacks (x salience)"
    )
    durability_weight: float = _param(
        0.5,
        0.0,
        2.0,
        "value of engagement once the Emirate's hold looks durable (utility per unit engagement)",
    )
    durability_months: float = _param(
        24.0,
        6.0,
        72.0,
        "months of the Emirate's tenure over which its durability sinks in (e-folding time)",
    )
    motive_weight: float = _param(
        0.5,
        0.0,
        1.0,
        "share of each state's revealed motive kept (1: the starting level is its peak; 0: none)",
    )
    refugee_engagement: float = _param(
        0.3, 0.0, 1.0, "value of engagement for managing refugee returns (x refugee salience)"
    )
    opposition_cost: float = _param(
        0.3,
        0.0,
        1.0,
        "cost of backing the armed opposition (rung 0): retaliation, upkeep (utility)",
    )
    opposition_kin_weight: float = _param(
        1.0,
        0.0,
        3.0,
        "motive for rung 0 per unit of kin salience while co-ethnics are repressed (utility)",
    )
    delisting_cost: float = _param(
        0.2,
        0.0,
        1.0,
        "cost of taking the Emirate off a state's terror list, paid on the way to de facto",
    )
    # Modelling choice, range 0-3: the precedent is the withdrawal of the first Emirate's
    # three recognitions (E2185-E2187) only after September 2001 (P128, P129).
    withdrawal_cost: float = _param(
        1.0,
        0.0,
        3.0,
        "cost of withdrawing de jure recognition once granted (a rung down from 5; utility)",
    )
    # --- security arena ----------------------------------------------------------
    attack_rate: float = _param(
        0.6,
        0.05,
        2.0,
        "expected attacks per month by a full-strength group on a fully exposed target",
    )
    group_growth: float = _param(
        0.05, 0.0, 0.2, "monthly logistic growth of a group's strength with full sanctuary"
    )
    suppression_rate: float = _param(
        0.02, 0.0, 0.3, "monthly loss of strength per unit of counter-terrorism effort"
    )
    coercion_sensitivity: float = _param(
        1.5,
        0.0,
        4.0,
        "log change of a coercive lever's rate per unit of pressure above the reference",
    )
    effort_bite: float = _param(
        0.8,
        0.5,
        1.0,
        "share of a sheltered group's attacks that the Emirate's full effort prevents",
    )
    strike_suppression: float = _param(
        0.05, 0.0, 0.2, "loss of a group's strength per strike against it (strength units)"
    )
    group_noise: float = _param(
        0.02, 0.0, 0.1, "monthly relative noise (standard deviation) of group strength"
    )
    grievance_memory: float = _param(
        0.8, 0.0, 0.99, "monthly persistence of a state's grievance from attacks"
    )
    border_reopen_rate: float = _param(
        0.3, 0.02, 1.0, "probability per month that a closed border reopens"
    )
    # --- trade arena -------------------------------------------------------------
    trade_adjustment: float = _param(
        0.15, 0.01, 1.0, "share of the gap to target trade closed per month"
    )
    trade_affinity_elasticity: float = _param(
        0.5, 0.0, 2.0, "relative change in target trade per unit change of affinity"
    )
    diversion_share: float = _param(
        0.6, 0.0, 1.0, "share of trade through a closed border diverted to other open partners"
    )
    engagement_trade_gain: float = _param(
        0.05, 0.0, 0.2, "relative change in target trade per rung climbed (trade facilitation)"
    )
    aid_import_share: float = _param(
        0.3, 0.0, 0.6, "share of the target's imports financed by humanitarian aid"
    )
    trade_noise: float = _param(
        0.03, 0.0, 0.2, "monthly relative noise (standard deviation) of trade flows"
    )
    # --- alignment: affinity = tanh(structural + fast), see sim.arenas.relations -------
    alignment_rate: float = _param(
        0.05,
        0.0,
        0.3,
        "monthly step of the fast part of affinity per unit of driver (latent units)",
    )
    fast_decay: float = _param(
        0.03,
        0.0,
        0.3,
        "monthly decay of the fast part toward zero: affinity relaxes to the structural relation",
    )
    shared_threat_weight: float = _param(
        1.0,
        0.0,
        4.0,
        "pull together of two states hit by the same group in a month (x alignment_rate)",
    )
    coercion_weight: float = _param(
        2.0, 0.0, 6.0, "push apart from a strike or border closure on the target (x alignment_rate)"
    )
    cooperation_weight: float = _param(
        1.0,
        0.0,
        4.0,
        "pull together from counter-terrorism cooperation delivered (x alignment_rate)",
    )
    influence_rivalry_weight: float = _param(
        1.0,
        0.0,
        4.0,
        "cooling of documented rivals toward a state that gains with the Emirate (x alignment_rate)",
    )
    balance_weight: float = _param(
        0.5,
        0.0,
        3.0,
        "structural-balance pressure, the enemy of my enemy (x alignment_rate); 0 = off",
    )
    target_third_party_weight: float = _param(
        0.5,
        0.0,
        1.0,
        "how much the target actor counts as a third party in balance pressure (0 = not at all)",
    )
    affinity_noise: float = _param(
        0.02, 0.0, 0.1, "monthly standard deviation of the fast part's noise (latent units)"
    )
    ladder_move_weight: float = _param(
        0.3,
        0.0,
        1.0,
        "warming (cooling) toward the Emirate per rung a state climbs (drops) (x cooperation or coercion weight)",
    )
    delivery_warming: float = _param(
        0.3,
        0.0,
        1.0,
        "warming from the Emirate's effort against the groups that threaten a state (x cooperation weight)",
    )
    deportation_cooling: float = _param(
        0.5, 0.0, 1.0, "coercion of a deportation wave relative to a strike (x coercion weight)"
    )
    sanction_cooling: float = _param(
        0.5, 0.0, 1.0, "coercion of a sanction or trade restriction relative to a strike"
    )
    sheltered_attack_cooling: float = _param(
        0.3,
        0.0,
        1.0,
        "cooling toward the Emirate per attack by a group it shelters (x coercion weight)",
    )
    # --- the Emirate ---------------------------------------------------------------
    policy_step: float = _param(
        0.05, 0.01, 0.2, "size of one monthly move of an Emirate policy lever (lever units 0..1)"
    )
    emirate_temperature: float = _param(
        0.05, 0.01, 0.5, "logit temperature of the Emirate's lever choices"
    )
    hardliner_drift: float = _param(
        0.02, 0.0, 0.1, "monthly rise of hardliner influence under outside coercion"
    )
    hardliner_reversion_ratio: float = _param(
        2.5,
        0.5,
        5.0,
        "monthly pull of hardliner influence back to its anchor, as a multiple of hardliner_drift",
    )
    effort_cost: float = _param(
        0.1, 0.0, 0.5, "the Emirate's running cost of counter-terrorism effort (utility per unit)"
    )
    water_revenue: float = _param(
        0.3, 0.0, 1.0, "revenue the Emirate gains from water assertiveness (x revenue weight)"
    )
    water_legitimacy_cost: float = _param(
        2.0,
        0.0,
        4.0,
        "legitimacy the Emirate loses with downstream states per unit of water assertiveness",
    )

    @classmethod
    def specs(cls) -> dict[str, ParameterSpec]:
        """Return ``{name: ParameterSpec}`` for every parameter."""
        return {f.name: f.metadata["spec"] for f in fields(cls)}

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None, where: str = "params") -> ModelParameters:
        """Build parameters from a mapping, validating names, types and ranges.

        Raises:
            ConfigError: naming ``where.key`` and the allowed names or range.
        """
        values = dict(values or {})
        specs = cls.specs()
        unknown = sorted(set(values) - set(specs))
        if unknown:
            raise ConfigError(
                f"{where}.{unknown[0]}: unknown parameter; allowed: {', '.join(sorted(specs))}"
            )
        clean: dict[str, float] = {}
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"{where}.{name}: expected a number, got {value!r}")
            spec = specs[name]
            if not spec.low <= float(value) <= spec.high:
                raise ConfigError(
                    f"{where}.{name}={value}: out of range [{spec.low}, {spec.high}] ({spec.meaning})"
                )
            clean[name] = float(value)
        return cls(**clean)

    @classmethod
    def fitted(cls, path: Path | None = None) -> ModelParameters:
        """The fitted parameters (``configs/params/fitted.yaml``), else the priors.

        The class defaults are hand-set priors; the fitted values, written by
        ``python -m sim.fit``, are what ``python -m sim``, ``sim.simulate`` and
        ``DiplomacyModel()`` use unless told otherwise.
        """
        import yaml

        path = path or FITTED_PATH
        if not path.is_file():
            return cls()
        record = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        values = record.get("values", {}) if isinstance(record, dict) else {}
        known = set(cls.specs())
        return cls.from_mapping({k: v for k, v in values.items() if k in known}, where=str(path))

    def replace(self, **changes: float) -> ModelParameters:
        """Return a copy with some parameters changed (validated)."""
        merged = dataclasses.asdict(self) | changes
        return ModelParameters.from_mapping(merged)

    def as_dict(self) -> dict[str, float]:
        """Return the parameters as a plain dict."""
        return dataclasses.asdict(self)

    def at(self, ndim: int) -> ModelParameters:
        """The parameters as they broadcast against (R, ...) arrays of ``ndim`` axes:
        scalars, the same for every run (see :class:`RunParameters`)."""
        return self


class _Shaped:
    """Per-run parameter columns reshaped to ``(R, 1, ..., 1)`` for one array rank."""

    def __init__(self, columns: dict[str, np.ndarray], ndim: int) -> None:
        trailing = (1,) * (ndim - 1)
        self.__dict__.update({k: v.reshape(v.shape + trailing) for k, v in columns.items()})


class RunParameters:
    """Modelling-choice parameters that differ between runs: one (R,) column each.

    Arenas read them as ``params.at(ndim).name``, shaped to broadcast against
    (R, ...) arrays of ``ndim`` axes; :class:`ModelParameters` answers the same call
    with its scalars, so an arena serves both.

    Args:
        draws: one :class:`ModelParameters` per run, in run order.
    """

    def __init__(self, draws: list[ModelParameters]) -> None:
        names = list(ModelParameters.specs())
        self._set({n: np.array([getattr(d, n) for d in draws], dtype=float) for n in names})

    @classmethod
    def from_columns(cls, columns: dict[str, np.ndarray]) -> RunParameters:
        """Per-run parameters from one (R,) float column per parameter (every one of
        :meth:`ModelParameters.specs`, each already within its range)."""
        names = list(ModelParameters.specs())
        if sorted(columns) != sorted(names):
            raise ValueError(f"need one column per parameter, got {sorted(columns)}")
        parameters = cls.__new__(cls)
        parameters._set({n: np.asarray(columns[n], dtype=float) for n in names})
        return parameters

    def _set(self, columns: dict[str, np.ndarray]) -> None:
        self.columns = columns
        self.runs = len(next(iter(columns.values()))) if columns else 0
        self._shaped: dict[int, _Shaped] = {}

    def at(self, ndim: int) -> _Shaped:
        """Columns shaped ``(R,) + (1,) * (ndim - 1)``."""
        if ndim not in self._shaped:
            self._shaped[ndim] = _Shaped(self.columns, ndim)
        return self._shaped[ndim]

    def __getattr__(self, name: str) -> np.ndarray:
        columns = self.__dict__.get("columns", {})
        if name in columns:
            return columns[name]
        raise AttributeError(name)

    def run(self, index: int) -> ModelParameters:
        """The parameters of one run."""
        return ModelParameters(**{n: float(v[index]) for n, v in self.columns.items()})


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.params``: every parameter with its meaning, range and default."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m sim.params",
        description="List the modelling-choice parameters: meaning, allowed range, the "
        "default runs use (fitted, configs/params/fitted.yaml) and the prior. Set one with "
        "python -m sim params.NAME=VALUE.",
    )
    parser.add_argument(
        "names", nargs="*", help="show only parameters whose name contains one of these words"
    )
    parser.add_argument(
        "--format",
        choices=["table", "csv", "markdown"],
        default="table",
        help="table (default, for a terminal), csv or markdown (for documents)",
    )
    args = parser.parse_args(argv)
    fitted, prior = ModelParameters.fitted().as_dict(), ModelParameters().as_dict()
    rows = [
        (name, spec.meaning, spec.low, spec.high, fitted[name], prior[name])
        for name, spec in ModelParameters.specs().items()
        if not args.names or any(word in name for word in args.names)
    ]
    if not rows:
        print(f"error: no parameter name contains {' or '.join(args.names)}", file=sys.stderr)
        return 2
    header = ("parameter", "meaning", "low", "high", "default (fitted)", "prior")
    if args.format == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
        return 0
    if args.format == "markdown":
        print("| parameter | meaning | range | default (fitted) | prior |")
        print("|---|---|---|---|---|")
        for name, meaning, low, high, value, start in rows:
            print(f"| `{name}` | {meaning} | [{low:g}, {high:g}] | {value:.4g} | {start:g} |")
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"{len(rows)} modelling-choice parameters: default = fitted value "
        "(configs/params/fitted.yaml); rates are per month; set one with params.NAME=VALUE",
        title_justify="left",
        header_style="bold",
    )
    table.add_column("parameter", no_wrap=True)
    table.add_column("range", justify="right", no_wrap=True)
    table.add_column("default", justify="right", no_wrap=True)
    table.add_column("prior", justify="right", no_wrap=True)
    table.add_column("meaning")
    for name, meaning, low, high, value, start in rows:
        table.add_row(name, f"[{low:g}, {high:g}]", f"{value:.4g}", f"{start:g}", meaning)
    Console(width=None if sys.stdout.isatty() else 150).print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
