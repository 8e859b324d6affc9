"""Parameter uncertainty: weighted draws from the fit's posterior, one per run.

``configs/params/posterior.yaml`` (written by ``python -m sim.fit``) holds weighted
draws of the fitted parameters.  An ensemble draws one of them for each run, from the
run's own stream ``SeedSequence(seed, spawn_key=(run, PARAMETER_STREAM))``, so run
``r`` with seed ``s`` has the same parameters whatever the batch, worker or block, and
outcome distributions carry the parameters' uncertainty.  Parameters the fit did not
vary, and any the user or a scenario sets by name, are the same for every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from sim.errors import ConfigError
from sim.params import FITTED_PATH, ModelParameters, RunParameters

POSTERIOR_PATH = FITTED_PATH.parent / "posterior.yaml"
#: Spawn key of the per-run parameter stream (apart from every arena's stream family).
PARAMETER_STREAM = 2**40


@dataclass(frozen=True)
class ParameterDraws:
    """Weighted draws of some parameters, on top of a point for the others.

    Attributes:
        names: the drawn parameters (K).
        values: (D, K) the draws.
        weights: (D,) their weights, summing to 1.
        base: every parameter's value where it is not drawn.
    """

    names: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    base: ModelParameters

    @property
    def size(self) -> int:
        return len(self.weights)

    def draw_indices(self, seed: int, run_ids: np.ndarray) -> np.ndarray:
        """(R,) the draw each run uses (its own stream: batch and worker do not matter)."""
        cumulative = np.cumsum(self.weights)
        picks = [
            np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(int(r), PARAMETER_STREAM)))
            ).random()
            for r in np.asarray(run_ids)
        ]
        return np.minimum(np.searchsorted(cumulative, picks, side="right"), self.size - 1)

    def draw(self, index: int) -> ModelParameters:
        """The parameters of draw ``index``."""
        values = dict(zip(self.names, map(float, self.values[index]), strict=True))
        return self.base.replace(**values)

    def for_runs(self, seed: int, run_ids: np.ndarray) -> RunParameters:
        """One parameter set per run: the draws' columns indexed by each run's draw, the
        base value for the parameters not drawn (what :meth:`draw` gives run by run)."""
        picks = self.draw_indices(seed, run_ids)
        base = self.base.as_dict()
        columns = {name: np.full(len(picks), value, dtype=float) for name, value in base.items()}
        for k, name in enumerate(self.names):
            columns[name] = self.values[picks, k].astype(float)
        return RunParameters.from_columns(columns)

    def with_base(self, base: ModelParameters, fixed: set[str] = frozenset()) -> ParameterDraws:
        """These draws on another base point; parameters in ``fixed`` stop being drawn."""
        keep = [k for k, name in enumerate(self.names) if name not in fixed]
        return ParameterDraws(
            names=tuple(self.names[k] for k in keep),
            values=self.values[:, keep],
            weights=self.weights,
            base=base,
        )

    def as_dict(self) -> dict[str, float]:
        """The posterior mean as a plain dict (for metadata)."""
        return self.mean().as_dict()

    def mean(self) -> ModelParameters:
        """The posterior mean (weighted) of the drawn parameters, on the base."""
        values = self.weights @ self.values
        return self.base.replace(**dict(zip(self.names, map(float, values), strict=True)))

    # -- files ----------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | None = None, base: ModelParameters | None = None) -> ParameterDraws:
        """Read draws written by :meth:`save` (ConfigError naming the file if malformed)."""
        path = Path(path or POSTERIOR_PATH)
        try:
            # a safe loader, libyaml's where built (the same values, ~8x faster on the draws)
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(path.read_text(encoding="utf-8"))
            try:
                record = loader.get_single_data()
            finally:
                loader.dispose()
            names = tuple(record["parameters"])
            values = np.array(record["draws"], dtype=float)
            weights = np.array(record["weights"], dtype=float)
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as error:
            raise ConfigError(f"{path}: not a posterior file ({error})") from None
        specs = ModelParameters.specs()
        unknown = [n for n in names if n not in specs]
        if unknown or values.ndim != 2 or values.shape != (len(weights), len(names)):
            raise ConfigError(f"{path}: malformed draws (unknown parameters {unknown})")
        if not (np.all(np.isfinite(values)) and np.all(weights >= 0) and weights.sum() > 0):
            raise ConfigError(f"{path}: draws and weights must be finite, weights >= 0")
        for k, name in enumerate(names):
            low, high = specs[name].low, specs[name].high
            if values[:, k].min() < low or values[:, k].max() > high:
                raise ConfigError(f"{path}: {name}: draws outside the range [{low}, {high}]")
        return cls(names, values, weights / weights.sum(), base or ModelParameters.fitted())

    def save(self, path: Path, meta: dict) -> None:
        """Write the draws (atomically) with ``meta`` (method, facts, timing)."""
        record = {
            **meta,
            "parameters": list(self.names),
            "weights": [round(float(w), 8) for w in self.weights],
            "draws": [[round(float(v), 6) for v in row] for row in self.values],
        }
        header = (
            "# Weighted posterior draws of the fitted parameters (written by `python -m sim.fit`;\n"
            "# do not edit by hand). Ensembles draw one per run (sim/posterior.py).\n"
        )
        temporary = Path(path).with_suffix(".tmp")
        temporary.write_text(header + yaml.safe_dump(record, sort_keys=False, width=120))
        temporary.replace(path)


def posterior_or_none(base: ModelParameters | None = None) -> ParameterDraws | None:
    """The shipped posterior on ``base``, or None if there is none yet."""
    return ParameterDraws.load(POSTERIOR_PATH, base) if POSTERIOR_PATH.is_file() else None
