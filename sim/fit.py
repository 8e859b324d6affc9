"""Fit the modelling-choice parameters to the historical scorecard.

``python -m sim.fit [--samples 200] [--refine 150] [--runs 50] [--seed 0]``
searches the labelled ranges of :class:`sim.params.ModelParameters` with a
Latin hypercube (scipy.stats.qmc), then refines with Optuna's TPE sampler
started from the best hypercube points; each point runs the ``history`` scenario and is
scored on the *fit-set* facts only (facts marked ``held_back`` in
:mod:`sim.validate` never enter the objective).  The best point is written to
``configs/params/fitted.yaml`` (with its scores and the command that produced
it), which is the default parameter set of ``python -m sim``, ``sim.simulate``
and ``DiplomacyModel``.  Same arguments, same result.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import yaml
from joblib import Parallel, delayed
from scipy.stats import qmc

from sim.params import FITTED_PATH, ModelParameters
from sim.validate import FACTS, scorecard, summary


def history_spec(runs: int, seed: int):
    """The history ensemble (composed once; parameters swapped per point)."""
    from sim.api import compose_config
    from sim.config import spec_from_config

    cfg = compose_config(
        ["scenario=history", f"runs={runs}", f"seed={seed}", "record.dyads_every=1"]
    )
    return spec_from_config(cfg)


def objective(card) -> float:
    """Fit-set score: facts passed plus the mean shortfall below thresholds (<= 0)."""
    fit = card[~card["held_back"]]
    shortfall = np.minimum(fit["probability"] - fit["threshold"], 0.0).mean()
    return float(fit["passed"].sum() + shortfall)


def evaluate(values: dict[str, float], runs: int, seed: int) -> tuple[float, dict[str, float]]:
    """Score one parameter point on the history replay."""
    from sim.ensemble import run_ensemble

    spec = history_spec(runs, seed)
    spec = dataclasses.replace(spec, params=ModelParameters.from_mapping(values))
    card = scorecard(run_ensemble(spec), FACTS)
    return objective(card), summary(card)


def sample(
    names: list[str], low: np.ndarray, high: np.ndarray, count: int, seed: int
) -> list[dict[str, float]]:
    """Latin-hypercube points inside [low, high]."""
    unit = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(seed)).random(count)
    points = qmc.scale(unit, low, high)
    return [dict(zip(names, map(float, point), strict=True)) for point in points]


def fit(samples: int, refine: int, runs: int, seed: int, jobs: int = 2) -> dict:
    """Two stages: a Latin hypercube explores the ranges (in parallel); then
    Optuna's TPE sampler refines, started from the best hypercube points.

    Every evaluation uses the same seed (common random numbers), so the
    objective is deterministic and the whole search is reproducible.
    """
    import optuna

    specs = ModelParameters.specs()
    names = sorted(specs)
    low = np.array([specs[n].low for n in names])
    high = np.array([specs[n].high for n in names])
    began = time.perf_counter()
    points = [ModelParameters().as_dict(), ModelParameters.fitted().as_dict()]
    points += sample(names, low, high, samples, seed)
    scores = Parallel(n_jobs=jobs)(delayed(evaluate)(p, runs, seed) for p in points)
    ranked = sorted(range(len(points)), key=lambda k: scores[k][0], reverse=True)
    best_point, (best_score, best_summary) = points[ranked[0]], scores[ranked[0]]
    if refine:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(
            direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed)
        )
        for k in ranked[:10]:
            study.enqueue_trial(
                {n: float(np.clip(points[k][n], specs[n].low, specs[n].high)) for n in names}
            )
        summaries: dict[int, dict[str, float]] = {}

        def trial_objective(trial: optuna.Trial) -> float:
            values = {n: trial.suggest_float(n, specs[n].low, specs[n].high) for n in names}
            score, stats = evaluate(values, runs, seed)
            summaries[trial.number] = stats
            return score

        study.optimize(trial_objective, n_trials=refine)
        if study.best_value > best_score:
            best_point = study.best_params
            best_score, best_summary = study.best_value, summaries[study.best_trial.number]
    return {
        "values": {n: round(best_point[n], 6) for n in names},
        "objective": round(best_score, 4),
        "summary": {k: round(v, 4) if isinstance(v, float) else v for k, v in best_summary.items()},
        "search": {
            "method": "Latin hypercube over the labelled ranges, then Optuna TPE from the best points",
            "samples": samples,
            "refine": refine,
            "runs_per_point": runs,
            "seed": seed,
            "seconds": round(time.perf_counter() - began, 1),
            "command": f"python -m sim.fit --samples {samples} --refine {refine} --runs {runs} --seed {seed}",
        },
    }


def write_fitted(record: dict, path: Path = FITTED_PATH) -> None:
    """Write the fitted parameters (atomically)."""
    header = (
        "# Fitted modelling-choice parameters (written by `python -m sim.fit`; do not edit by hand).\n"
        "# Scored on the fit-set facts of sim/validate.py; held-back facts never entered the fit.\n"
    )
    temporary = path.with_suffix(".tmp")
    temporary.write_text(header + yaml.safe_dump(record, sort_keys=False))
    temporary.replace(path)


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.fit``."""
    parser = argparse.ArgumentParser(prog="python -m sim.fit", description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--refine", type=int, default=150)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--dry-run", action="store_true", help="print, do not write fitted.yaml")
    args = parser.parse_args(argv)
    if min(args.samples, args.runs) < 1 or args.refine < 0:
        print("error: --samples and --runs must be positive, --refine >= 0", file=sys.stderr)
        return 2
    record = fit(args.samples, args.refine, args.runs, args.seed, args.jobs)
    print(yaml.safe_dump(record, sort_keys=False))
    if not args.dry_run:
        write_fitted(record)
        print(f"wrote {FITTED_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
