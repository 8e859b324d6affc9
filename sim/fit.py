"""Fit the modelling-choice parameters to the history: a posterior by ABC-SMC.

``python -m sim.fit [--through 2024-03] [--population 200] [--generations 6] [--runs 40]``
runs approximate Bayesian computation (pyabc's ABC-SMC) over the labelled ranges of
:data:`FITTED` (uniform priors).  A parameter point's distance is the mean Brier score
of the history replay on the out-of-sample facts of :mod:`sim.validate` that lie in
the fit period, on ``--runs`` runs with common random numbers (the same seed for every
point).  ``--through 2023-03`` fits on the facts of 2021-08..2023-03 only, so the
facts of 2023-04..2024-03 stay a hold-out in time; the default uses every fact to
2024-03.

It writes ``configs/params/posterior.yaml`` (the last generation's weighted draws,
which ensembles sample one per run) and ``configs/params/fitted.yaml`` (the single best
point, for ``parameters=point``); ``--through 2023-03`` writes
``posterior_through_2023-03.yaml`` instead.  ``--plot PATH`` draws prior against
posterior for every fitted parameter and names those the facts leave unconstrained.
With ``--jobs 1`` the fit is reproducible from ``--seed``; with more processes pyabc
accepts particles in the order workers finish, so repeated fits agree in distribution.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from sim.errors import UserError
from sim.params import FITTED_PATH, ModelParameters
from sim.posterior import POSTERIOR_PATH, ParameterDraws
from sim.validate import FACTS, brier, history_spec, holds, replay, scored_facts

FITTED: tuple[str, ...] = (
    # recognition
    "review_rate",
    "motive_weight",
    "choice_temperature",
    "level_curvature",
    "conduct_weight",
    "consensus_weight",
    "bandwagon_weight",
    "rival_denial_weight",
    "durability_weight",
    "durability_months",
    # relations
    "alignment_rate",
    "fast_decay",
    "coercion_weight",
    # security
    "attack_rate",
    "coercion_sensitivity",
    "suppression_rate",
    # the Emirate
    "policy_step",
)
"""The parameters the fit varies (fewer than the facts it is scored on); the others keep
their labelled values in ``sim/params.py`` (modelling choices with ranges)."""
PERIODS = {"2023-03": "fit", "2024-03": None}


def fit_mask(through: str) -> np.ndarray:
    """The facts a fit through ``through`` may use (out of sample, in its period)."""
    if through not in PERIODS:
        raise UserError(f"--through={through}: expected one of {', '.join(PERIODS)}")
    return scored_facts(PERIODS[through])


class Objective:
    """Distance of a parameter point: mean Brier on the fit facts (common random numbers)."""

    def __init__(self, runs: int, seed: int, through: str) -> None:
        self.spec = history_spec(runs, seed, ["parameters=point"])
        self.base = ModelParameters()  # priors for the parameters not fitted
        self.mask = fit_mask(through)

    def __call__(self, values: dict[str, float]) -> dict[str, float]:
        params = self.base.replace(**{k: float(v) for k, v in values.items()})
        held = holds(replay(dataclasses.replace(self.spec, params=params)))[:, self.mask]
        return {"brier": float(brier(held).mean())}


def _distance(simulated: dict[str, float], observed: dict[str, float]) -> float:
    return simulated["brier"] - observed["brier"]


class GenerationBar(logging.Handler):
    """A progress bar over ABC-SMC generations, advanced by pyabc's own log: a generation
    ends with its "Accepted: n / m" line, and the next begins with "t: k, eps: e"."""

    def __init__(self, generations: int, disable: bool = False) -> None:
        super().__init__(logging.INFO)
        from tqdm import tqdm

        self.bar = tqdm(total=generations, unit="generation", desc="fit", disable=disable)
        self.done = 0  # generations finished (counted even when the bar is hidden)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("t: ") and "eps:" in message:
            self.bar.set_postfix_str("eps " + message.split("eps:")[1].strip().rstrip("."))
        elif message.startswith("Accepted:"):
            self.done += 1
            self.bar.update()

    def close(self) -> None:
        self.bar.close()
        super().close()


def fit(
    through: str = "2024-03",
    population: int = 200,
    generations: int = 6,
    runs: int = 40,
    seed: int = 0,
    jobs: int = 2,
    progress: bool = False,
) -> tuple[ParameterDraws, dict]:
    """Run ABC-SMC; return the last generation's draws and a summary record."""
    import pyabc

    abc_log = logging.getLogger("ABC")
    abc_log.propagate = False  # pyabc has its own handler; not also the root's
    for handler in abc_log.handlers:  # made at import: write where stderr is now
        if isinstance(handler, logging.StreamHandler):
            handler.stream = sys.stderr  # not setStream: the old stream may be closed
            if progress:  # the bar replaces pyabc's generation lines
                handler.setLevel(logging.WARNING)
    bar = GenerationBar(generations, disable=not progress)
    abc_log.addHandler(bar)

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    specs = ModelParameters.specs()
    prior = pyabc.Distribution(
        **{n: pyabc.RV("uniform", specs[n].low, specs[n].high - specs[n].low) for n in FITTED}
    )
    np.random.seed(seed)
    objective = Objective(runs, seed, through)
    sampler = (
        pyabc.sampler.SingleCoreSampler()
        if jobs <= 1
        else pyabc.sampler.MulticoreEvalParallelSampler(n_procs=jobs)
    )
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sim-fit-") as folder:
        abc = pyabc.ABCSMC(
            objective,
            prior,
            _distance,
            population_size=population,
            sampler=sampler,
            eps=pyabc.epsilon.QuantileEpsilon(alpha=0.5),
            # a wide proposal keeps the importance weights from collapsing on few particles
            transitions=pyabc.MultivariateNormalTransition(scaling=2.0),
        )
        abc.new(f"sqlite:///{Path(folder) / 'fit.db'}", {"brier": 0.0})
        try:
            history = abc.run(max_nr_populations=generations)
        finally:
            abc_log.removeHandler(bar)
            bar.close()
        particles = history.get_population(t=history.max_t).particles
        evaluations = int(history.total_nr_simulations)
        generations = int(history.max_t) + 1
    values = np.array([[p.parameter[n] for n in FITTED] for p in particles], dtype=float)
    weights = np.array([p.weight for p in particles], dtype=float)
    distance = np.array([p.distance for p in particles], dtype=float)
    best = int(np.argmin(distance))
    draws = ParameterDraws(FITTED, values, weights / weights.sum(), ModelParameters())
    record = {
        "method": "ABC-SMC (pyabc), uniform priors over the labelled ranges",
        "distance": "mean Brier score of the history replay on the fit facts",
        "through": through,
        "facts": [f.key for f, used in zip(FACTS, fit_mask(through), strict=True) if used],
        "population": population,
        "generations": int(generations),
        "runs_per_point": runs,
        "seed": seed,
        "evaluations": evaluations,
        "median_distance": round(float(np.median(distance)), 5),
        "best_distance": round(float(distance[best]), 5),
        "seconds": round(time.perf_counter() - began, 1),
        "command": (
            f"python -m sim.fit --through {through} --population {population} "
            f"--generations {generations} --runs {runs} --seed {seed}"
        ),
    }
    record["best_particle"] = {n: round(float(values[best, k]), 6) for k, n in enumerate(FITTED)}
    mean = draws.weights @ draws.values
    record["point"] = {n: round(float(mean[k]), 6) for k, n in enumerate(FITTED)}
    return draws, record


def write_fitted(point: dict[str, float], record: dict, path: Path = FITTED_PATH) -> None:
    """Write the single point (``parameters=point``): the posterior mean, the best single
    estimate under squared error (the lowest-distance particle is noisier: it won partly
    on the common random numbers), atomically."""
    header = (
        "# The single best point of the posterior fit: its weighted mean (written by\n"
        "# `python -m sim.fit`; do not edit by hand). Ensembles draw from\n"
        "# configs/params/posterior.yaml by default.\n"
    )
    body = {"values": point, "search": {k: v for k, v in record.items() if k != "point"}}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(header + yaml.safe_dump(body, sort_keys=False, width=120))
    temporary.replace(path)


def constrained(draws: ParameterDraws, threshold: float = 0.75) -> dict[str, float]:
    """``{parameter: posterior sd / prior sd}``; below ``threshold`` the facts constrain it."""
    specs = ModelParameters.specs()
    out = {}
    for k, name in enumerate(draws.names):
        mean = draws.weights @ draws.values[:, k]
        sd = float(np.sqrt(draws.weights @ (draws.values[:, k] - mean) ** 2))
        prior_sd = (specs[name].high - specs[name].low) / np.sqrt(12.0)
        out[name] = round(float(sd / prior_sd), 3)
    return out


def plot_posterior(draws: ParameterDraws, path: Path | None = None):
    """Prior (flat) against posterior (weighted histogram) for every fitted parameter."""
    import matplotlib.pyplot as plt

    specs = ModelParameters.specs()
    ratios = constrained(draws)
    columns = 6
    rows = int(np.ceil(len(draws.names) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(2.4 * columns, 1.9 * rows))
    for axis, (k, name) in zip(axes.ravel(), enumerate(draws.names), strict=False):
        low, high = specs[name].low, specs[name].high
        axis.hist(
            draws.values[:, k], bins=15, range=(low, high), weights=draws.weights, color="#1f77b4"
        )
        axis.axhline(1.0 / 15, color="k", lw=0.8, ls="--")
        free = ratios[name] >= 0.75
        axis.set_title(
            f"{name}{' (free)' if free else ''}", fontsize=7, color="#9e9e9e" if free else "k"
        )
        axis.tick_params(labelsize=6)
        axis.set_yticks([])
    for axis in axes.ravel()[len(draws.names) :]:
        axis.set_visible(False)
    figure.suptitle(
        "Posterior (bars) against the flat prior (dashed); '(free)': the facts barely constrain it",
        fontsize=9,
    )
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=110)
    return figure


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.fit``."""
    parser = argparse.ArgumentParser(prog="python -m sim.fit", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--through",
        default="2024-03",
        help="last month of facts used: 2024-03 (default) or 2023-03",
    )
    parser.add_argument("--population", type=int, default=200, help="particles per generation")
    parser.add_argument("--generations", type=int, default=6, help="ABC-SMC generations")
    parser.add_argument("--runs", type=int, default=40, help="history runs per parameter point")
    parser.add_argument("--seed", type=int, default=0, help="seed (common random numbers)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (1: reproducible)")
    parser.add_argument("--plot", default=None, help="also draw prior against posterior here")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write the files")
    args = parser.parse_args(argv)
    try:
        if min(args.population, args.runs, args.generations, args.jobs) < 1:
            raise UserError("--population, --runs, --generations and --jobs must be positive")
        fit_mask(args.through)
        draws, record = fit(
            args.through,
            args.population,
            args.generations,
            args.runs,
            args.seed,
            args.jobs,
            progress=sys.stderr.isatty(),
        )
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    record["constraint"] = constrained(draws)
    print(yaml.safe_dump({k: v for k, v in record.items() if k != "facts"}, sort_keys=False))
    if args.plot:
        plot_posterior(draws, Path(args.plot))
    if not args.dry_run:
        if args.through == "2024-03":
            draws.save(POSTERIOR_PATH, record)
            write_fitted(record["point"], record)
            print(f"wrote {POSTERIOR_PATH} and {FITTED_PATH}")
        else:
            path = POSTERIOR_PATH.with_name(f"posterior_through_{args.through}.yaml")
            draws.save(path, record)
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
