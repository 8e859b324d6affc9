"""Each scenario's headline effect against the baseline, on common random numbers.

A scenario changes inputs; its *headline* is the outcome its premise is about
(:data:`HEADLINES`).  :func:`scenario_effects` simulates the baseline and each scenario
with the same seed and runs (so run ``r`` of both shares its random streams), takes the
per-run difference of the headline outcome, and reports its mean with a bootstrap
interval and an effect size: Glass's delta, the mean difference over the baseline's
standard deviation across runs (how large the shift is against the spread a modeller
sees anyway; a significant but tiny shift has a small delta).

Every state-level headline is read over a *window*: the 24 months from the scenario's
first change (its earliest shock or world change), capped at the end of the run, so a
shock whose effect fades (a border closed for a season) is measured while it acts and
every scenario is read over a horizon of the same length.  Event counts and months of
confrontation are counted over the same window.

``python -m sim.effects [--runs 200] [--seed 1] [--end 2027-03] [--out FILE.md]`` prints
the table, across the posterior and at the fitted point, (the README's table of scenario effects comes from it).
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


#: Months over which a headline is read, from the scenario's first change (modelling
#: choice: two years, long enough for a monthly review rate of 0.1-0.3 to act on a shock,
#: short enough that the effect has not decayed; range 12-36).
WINDOW_MONTHS = 24

Window = tuple[str, str]
"""First and last month (``YYYY-MM``, inclusive) over which a headline is read."""


def window_from(start: str, results: Results, months: int = WINDOW_MONTHS) -> Window:
    """``months`` months from ``start`` (``YYYY-MM``), capped at the run's last month."""
    first = pd.Period(start, "M")
    last = min(first + (months - 1), pd.Period(str(results.meta["end"]), "M"))
    return str(first), str(last)


def last_year(results: Results) -> Window:
    """The run's last twelve months (the window when a scenario changes nothing)."""
    end = pd.Period(str(results.meta["end"]), "M")
    return str(end - 11), str(end)


def _in_window(frame: pd.DataFrame, window: Window) -> pd.DataFrame:
    dates = frame["date"].astype(str)
    return frame[(dates >= window[0]) & (dates <= window[1])]


def mean_level(
    results: Results, window: Window, actors: tuple[str, ...] | None = None
) -> pd.Series:
    """Per-run mean recognition level over ``window`` (of ``actors``; 0-5)."""
    rows = _in_window(results.states, window).dropna(subset=["recognition"])
    if actors is not None:
        rows = rows[rows["actor"].astype(str).isin(actors)]
    return rows["recognition"].astype(float).groupby(rows["run"]).mean()


def affinity(results: Results, window: Window, actors: tuple[str, ...]) -> pd.Series:
    """Per-run mean affinity toward the Emirate of ``actors`` over ``window`` (-1..1)."""
    rows = _in_window(results.states, window)
    rows = rows[rows["actor"].astype(str).isin(actors)]
    return rows["affinity_afg"].astype(float).groupby(rows["run"]).mean()


def import_share(results: Results, window: Window, actors: tuple[str, ...]) -> pd.Series:
    """Per-run share (0-1) of the Emirate's imports from ``actors`` over ``window``."""
    rows = _in_window(results.states, window).dropna(subset=["exports_to_afg_musd"])
    total = rows.groupby("run")["exports_to_afg_musd"].sum()
    own = rows[rows["actor"].astype(str).isin(actors)].groupby("run")["exports_to_afg_musd"].sum()
    return own.reindex(total.index, fill_value=0.0) / total


def imports_total(results: Results, window: Window) -> pd.Series:
    """Per-run total imports of the Emirate over ``window`` (US$ million)."""
    rows = _in_window(results.states, window).dropna(subset=["exports_to_afg_musd"])
    return rows.groupby("run")["exports_to_afg_musd"].sum()


def others_at_level(
    results: Results, window: Window, exclude: tuple[str, ...], level: int = DE_FACTO
) -> pd.Series:
    """Per-run mean number of states (other than ``exclude``) at ``level`` (0-5) or
    above, over ``window``."""
    rows = _in_window(results.states, window).dropna(subset=["recognition"])
    rows = rows[~rows["actor"].astype(str).isin(exclude)]
    high = (rows["recognition"].astype(float) >= level).astype(float)
    per_month = high.groupby([rows["run"], rows["date"]], observed=True).sum()
    return per_month.groupby(level=0).mean()


def event_count(
    results: Results, window: Window, kinds: tuple[str, ...], actors: tuple[str, ...]
) -> pd.Series:
    """Per-run count of events of ``kinds`` by ``actors`` over ``window``."""
    events = _in_window(results.events, window)
    rows = events[events["kind"].astype(str).isin(kinds) & events["actor"].astype(str).isin(actors)]
    runs = results.runs["run"]
    return rows.groupby("run")["count"].sum().reindex(runs, fill_value=0).astype(float)


def confrontation(results: Results, window: Window, actor: str) -> pd.Series:
    """Per-run months of ``window`` in which ``actor`` coerced the Emirate or kept its
    border closed."""
    rows = _in_window(results.states, window)
    rows = rows[rows["actor"].astype(str) == actor]
    return rows["confrontation"].astype(float).groupby(rows["run"]).sum()


@dataclass(frozen=True)
class Headline:
    """The outcome a scenario's premise is about, and the direction it should move."""

    outcome: str
    measure: Callable[[Results, Window], pd.Series]
    direction: int


HEADLINES: dict[str, Headline] = {
    "china_recognizes": Headline(
        "states other than China at de facto or de jure recognition",
        lambda r, w: others_at_level(r, w, ("CHN",), DE_FACTO),
        +1,
    ),
    "us_disengages": Headline("US-Emirate affinity", lambda r, w: affinity(r, w, ("USA",)), -1),
    "us_minerals_deal": Headline("US-Emirate affinity", lambda r, w: affinity(r, w, ("USA",)), +1),
    "ttp_escalation": Headline(
        "months of Pakistan-Emirate confrontation", lambda r, w: confrontation(r, w, "PAK"), +1
    ),
    "iskp_mass_casualty": Headline(
        "China and Russia counter-terrorism cooperation with the Emirate",
        lambda r, w: event_count(r, w, ("ct_cooperation",), ("CHN", "RUS")),
        +1,
    ),
    "inclusive_emirate": Headline("mean recognition level", lambda r, w: mean_level(r, w), +1),
    "aid_collapse": Headline("the Emirate's imports (US$ m)", imports_total, -1),
    "iran_sanctions_ease": Headline(
        "Iran's share of the Emirate's imports", lambda r, w: import_share(r, w, ("IRN",)), +1
    ),
    "qosh_tepa_dispute": Headline(
        "Uzbek and Turkmen affinity with the Emirate",
        lambda r, w: affinity(r, w, ("UZB", "TKM")),
        -1,
    ),
    "pakistan_mass_expulsion": Headline(
        "Pakistan's share of the Emirate's imports (Torkham closed)",
        lambda r, w: import_share(r, w, ("PAK",)),
        -1,
    ),
    "trans_afghan_corridor": Headline(
        "Uzbek and Turkmen share of the Emirate's imports",
        lambda r, w: import_share(r, w, ("UZB", "TKM")),
        +1,
    ),
    "kandahar_kabul_split": Headline(
        "ISKP attacks", lambda r, w: event_count(r, w, ("attack",), ("ISKP",)), +1
    ),
}


def first_change(overrides: list[str]) -> str | None:
    """The month (``YYYY-MM``) of the scenario's earliest shock or world change, or
    ``None`` when it changes nothing."""
    from sim.api import compose_spec

    _, spec = compose_spec(overrides)
    months = [change.month for change in (*spec.shocks, *spec.world_changes)]
    if not months:
        return None
    return str(pd.Period(spec.start, "M") + min(months))


def effect(
    baseline: Results,
    scenario: Results,
    headline: Headline,
    window: Window | None = None,
    samples: int = 1000,
    seed: int = 0,
) -> dict[str, float]:
    """Mean paired difference (scenario - baseline) of the headline over ``window``
    (default: the last year) with a 90 % bootstrap interval, and Glass's delta (mean
    difference / the baseline's standard deviation across runs)."""
    window = window or last_year(baseline)
    base, other = headline.measure(baseline, window), headline.measure(scenario, window)
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
        "window": f"{window[0]} to {window[1]}",
        "mean_difference": float(difference.mean()),
        "low": float(low),
        "high": float(high),
        "effect_size": float(difference.mean() / spread),
        "baseline_mean": float(base.mean()),
    }


def scenario_window(name: str, results: Results, overrides: list[str] | None = None) -> Window:
    """The window a scenario's headline is read over: :data:`WINDOW_MONTHS` from its
    first change (the last year if it changes nothing)."""
    start = first_change([f"scenario={name}", *(overrides or [])])
    return window_from(start, results) if start else last_year(results)


def scenario_effects(
    runs: int = 200,
    seed: int = 1,
    end: str = DEFAULT_END,
    scenarios: tuple[str, ...] | None = None,
    overrides: list[str] | None = None,
) -> pd.DataFrame:
    """One row per scenario: its headline, the window it is read over, the mean
    difference with its interval, the effect size and whether it moves the way the
    premise says."""
    from sim.api import simulate

    common = [
        f"runs={runs}",
        f"seed={seed}",
        f"end={end}",
        "record.dyads_every=12",
        *(overrides or []),
    ]
    baseline = simulate(["scenario=baseline", *common])
    rows = []
    for name in scenarios or tuple(HEADLINES):
        headline = HEADLINES[name]
        scenario = simulate([f"scenario={name}", *common])
        measured = effect(baseline, scenario, headline, scenario_window(name, scenario, common))
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


def effects_table(runs: int = 200, seed: int = 1, end: str = DEFAULT_END) -> pd.DataFrame:
    """:func:`scenario_effects` across the posterior (each run its own parameter draw,
    the default of every ensemble) with the effect size at the fitted point beside it
    (``effect_size_point``): the first is what a modeller sees, the second the
    mechanism's effect without the parameters' uncertainty in the spread."""
    table = scenario_effects(runs, seed, end)
    point = scenario_effects(runs, seed, end, overrides=["parameters=point"])
    return table.assign(effect_size_point=point["effect_size"].to_numpy())


def to_markdown(table: pd.DataFrame) -> str:
    """The table as markdown (the README's scenario-effects table)."""
    point = "effect_size_point" in table
    lines = [
        "| scenario | headline outcome | window | expected | baseline | change (90 % CI) "
        "| effect size |" + (" at the fitted point |" if point else ""),
        "|---|---|---|---|---|---|---|" + ("---|" if point else ""),
    ]
    for row in table.itertuples(index=False):
        lines.append(
            f"| `{row.scenario}` | {row.headline} | {row.window} | {row.expected} | "
            f"{row.baseline_mean:.3g} | "
            f"{row.mean_difference:+.3g} [{row.low:+.3g}, {row.high:+.3g}] | "
            f"{row.effect_size:+.2f} |" + (f" {row.effect_size_point:+.2f} |" if point else "")
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
        table = effects_table(args.runs, args.seed, args.end)
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
