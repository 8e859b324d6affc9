"""Each scenario's headline effect against the baseline, on common random numbers.

A scenario changes inputs; its *headline* is the outcome its premise is about
(:data:`HEADLINES`).  :func:`scenario_effects` simulates the baseline and each scenario
with the same seed and runs (so run ``r`` of both shares its random streams), takes the
per-run difference of the headline outcome, and reports its mean with a bootstrap
interval and an effect size: Glass's delta, the mean difference over the baseline's
standard deviation across runs (how large the shift is against the spread a modeller
sees anyway; a significant but tiny shift has a small delta).

``python -m sim.effects [--runs 200] [--seed 1] [--end 2027-03] [--out FILE.md]`` prints
the table (the README's table of scenario effects comes from it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.ladder import DE_FACTO
from sim.results import Results

DEFAULT_END = "2027-03"


def _last_year(results: Results) -> pd.DataFrame:
    states = results.states
    dates = sorted(states["date"].astype(str).unique())
    return states[states["date"].astype(str).isin(dates[-12:])]


def mean_level(results: Results, actors: tuple[str, ...] | None = None) -> pd.Series:
    """Per-run mean recognition level over the last twelve months (of ``actors``)."""
    rows = _last_year(results).dropna(subset=["recognition"])
    if actors is not None:
        rows = rows[rows["actor"].astype(str).isin(actors)]
    return rows["recognition"].astype(float).groupby(rows["run"]).mean()


def affinity(results: Results, actors: tuple[str, ...]) -> pd.Series:
    """Per-run mean affinity toward the Emirate of ``actors`` over the last twelve months."""
    rows = _last_year(results)
    rows = rows[rows["actor"].astype(str).isin(actors)]
    return rows["affinity_afg"].astype(float).groupby(rows["run"]).mean()


def import_share(results: Results, actors: tuple[str, ...]) -> pd.Series:
    """Per-run share of the Emirate's imports from ``actors`` over the last twelve months."""
    rows = _last_year(results).dropna(subset=["exports_to_afg_musd"])
    total = rows.groupby("run")["exports_to_afg_musd"].sum()
    own = rows[rows["actor"].astype(str).isin(actors)].groupby("run")["exports_to_afg_musd"].sum()
    return own.reindex(total.index, fill_value=0.0) / total


def imports_total(results: Results) -> pd.Series:
    """Per-run total imports of the Emirate over the last twelve months (US$ million)."""
    rows = _last_year(results).dropna(subset=["exports_to_afg_musd"])
    return rows.groupby("run")["exports_to_afg_musd"].sum()


def others_at_de_facto(results: Results, exclude: tuple[str, ...]) -> pd.Series:
    """Per-run mean number of states (other than ``exclude``) at level >= 4, last year."""
    rows = _last_year(results).dropna(subset=["recognition"])
    rows = rows[~rows["actor"].astype(str).isin(exclude)]
    high = (rows["recognition"].astype(float) >= DE_FACTO).astype(float)
    per_month = high.groupby([rows["run"], rows["date"]], observed=True).sum()
    return per_month.groupby(level=0).mean()


def event_count(results: Results, kinds: tuple[str, ...], actors: tuple[str, ...]) -> pd.Series:
    """Per-run count of events of ``kinds`` by ``actors`` over the whole run."""
    events = results.events
    rows = events[events["kind"].astype(str).isin(kinds) & events["actor"].astype(str).isin(actors)]
    runs = results.runs["run"]
    return rows.groupby("run")["count"].sum().reindex(runs, fill_value=0).astype(float)


def confrontation(results: Results, actor: str) -> pd.Series:
    """Per-run months in which ``actor`` coerced the Emirate or kept its border closed."""
    states = results.states
    rows = states[states["actor"].astype(str) == actor]
    return rows["confrontation"].astype(float).groupby(rows["run"]).sum()


@dataclass(frozen=True)
class Headline:
    """The outcome a scenario's premise is about, and the direction it should move."""

    outcome: str
    measure: Callable[[Results], pd.Series]
    direction: int


HEADLINES: dict[str, Headline] = {
    "china_recognizes": Headline(
        "states other than China at level >= 4",
        lambda r: others_at_de_facto(r, ("CHN",)),
        +1,
    ),
    "us_disengages": Headline("US recognition level", lambda r: mean_level(r, ("USA",)), -1),
    "us_minerals_deal": Headline("US recognition level", lambda r: mean_level(r, ("USA",)), +1),
    "ttp_escalation": Headline(
        "months of Pakistan-Emirate confrontation", lambda r: confrontation(r, "PAK"), +1
    ),
    "iskp_mass_casualty": Headline(
        "China and Russia counter-terrorism cooperation with the Emirate",
        lambda r: event_count(r, ("ct_cooperation",), ("CHN", "RUS")),
        +1,
    ),
    "inclusive_emirate": Headline("mean recognition level", lambda r: mean_level(r), +1),
    "aid_collapse": Headline("the Emirate's imports (US$ m, last year)", imports_total, -1),
    "iran_sanctions_ease": Headline(
        "Iran's share of the Emirate's imports", lambda r: import_share(r, ("IRN",)), +1
    ),
    "qosh_tepa_dispute": Headline(
        "Uzbek and Turkmen affinity with the Emirate", lambda r: affinity(r, ("UZB", "TKM")), -1
    ),
    "pakistan_mass_expulsion": Headline(
        "Pakistan-Emirate affinity", lambda r: affinity(r, ("PAK",)), -1
    ),
    "trans_afghan_corridor": Headline(
        "Uzbek and Turkmen share of the Emirate's imports",
        lambda r: import_share(r, ("UZB", "TKM")),
        +1,
    ),
    "kandahar_kabul_split": Headline("mean recognition level", lambda r: mean_level(r), -1),
}


def effect(
    baseline: Results, scenario: Results, headline: Headline, samples: int = 1000, seed: int = 0
) -> dict[str, float]:
    """Mean paired difference (scenario - baseline) with a 90 % bootstrap interval, and
    Glass's delta (mean difference / the baseline's standard deviation across runs)."""
    base, other = headline.measure(baseline), headline.measure(scenario)
    runs = base.index.intersection(other.index)
    difference = (other.loc[runs] - base.loc[runs]).to_numpy(dtype=float)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    means = [
        difference[rng.integers(0, len(difference), len(difference))].mean() for _ in range(samples)
    ]
    spread = float(base.loc[runs].std(ddof=1))
    if not np.isfinite(spread) or spread < 1e-9:
        spread = float(np.std(difference, ddof=1)) or 1.0
    low, high = np.percentile(means, [5, 95])
    return {
        "mean_difference": float(difference.mean()),
        "low": float(low),
        "high": float(high),
        "effect_size": float(difference.mean() / spread),
        "baseline_mean": float(base.mean()),
    }


def scenario_effects(
    runs: int = 200, seed: int = 1, end: str = DEFAULT_END, scenarios: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """One row per scenario: its headline, the mean difference with its interval, the
    effect size and whether it moves the way the premise says."""
    from sim.api import simulate

    common = [f"runs={runs}", f"seed={seed}", f"end={end}", "record.dyads_every=12"]
    baseline = simulate(["scenario=baseline", *common])
    rows = []
    for name in scenarios or tuple(HEADLINES):
        headline = HEADLINES[name]
        measured = effect(baseline, simulate([f"scenario={name}", *common]), headline)
        rows.append(
            {
                "scenario": name,
                "headline": headline.outcome,
                "expected": "up" if headline.direction > 0 else "down",
                **measured,
                "as_expected": np.sign(measured["mean_difference"]) == headline.direction,
            }
        )
    return pd.DataFrame(rows)


def to_markdown(table: pd.DataFrame) -> str:
    """The table as markdown (the README's scenario-effects table)."""
    lines = [
        "| scenario | headline outcome | expected | baseline | change (90 % CI) | effect size |",
        "|---|---|---|---|---|---|",
    ]
    for row in table.itertuples(index=False):
        lines.append(
            f"| `{row.scenario}` | {row.headline} | {row.expected} | {row.baseline_mean:.3g} | "
            f"{row.mean_difference:+.3g} [{row.low:+.3g}, {row.high:+.3g}] | {row.effect_size:+.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.effects``."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.effects", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--runs", type=int, default=200, help="runs per ensemble (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="master seed (default 1)")
    parser.add_argument("--end", default=DEFAULT_END, help="last month (default 2027-03)")
    parser.add_argument("--out", default=None, help="also write the markdown table here")
    args = parser.parse_args(argv)
    try:
        if args.runs < 2:
            raise UserError(f"--runs={args.runs}: expected an integer >= 2")
        table = scenario_effects(args.runs, args.seed, args.end)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    text = to_markdown(table)
    print(text)
    if args.out:
        from pathlib import Path

        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
