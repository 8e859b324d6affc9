"""Standard plots of an ensemble: recognition bands, the alignment network, trade,
and outcomes across scenarios (sweeps).

Every country has one colour in every plot (:data:`COUNTRY_COLOURS`, from Paul Tol's
colour-blind-safe "muted" scheme plus Okabe and Ito's orange and blue); sweep plots
stay readable at any number of scenarios: forest plots of each scenario's effect
against the baseline with bootstrap intervals, small multiples, and heat maps with
one row per scenario.

Functions return matplotlib Figures (or write them); they never switch the
backend, so they draw inline in notebooks.  The command-line entry points
select the non-interactive Agg backend themselves.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd

from sim.ladder import RECOGNITION_LEVELS
from sim.layout import network_layout
from sim.results import HEADLINE_OUTCOMES, as_months
from sim.world import World

#: One fixed colour per country in every plot (colour-blind safe; AFG, the target, black).
COUNTRY_COLOURS: dict[str, str] = {
    "AFG": "#222222",
    "PAK": "#117733",
    "IND": "#E69F00",
    "IRN": "#44AA99",
    "CHN": "#CC6677",
    "RUS": "#332288",
    "USA": "#0072B2",
    "TJK": "#882255",
    "UZB": "#88CCEE",
    "KAZ": "#DDCC77",
    "TKM": "#999933",
    "KGZ": "#AA4499",
}
#: Colours for actors of other worlds (stable per code, from the same schemes).
OTHER_COLOURS = (
    "#332288",
    "#117733",
    "#44AA99",
    "#88CCEE",
    "#DDCC77",
    "#CC6677",
    "#AA4499",
    "#882255",
    "#E69F00",
    "#0072B2",
)
BASELINE_COLOUR = "#777777"
SCENARIO_COLOUR = "#0072B2"


def country_colour(code: str) -> str:
    """The colour of ``code`` in every plot (a fixed table; other worlds' actors get a
    colour chosen by a hash of the code, the same in every plot)."""
    code = str(code)
    if code in COUNTRY_COLOURS:
        return COUNTRY_COLOURS[code]
    return OTHER_COLOURS[zlib.crc32(code.encode()) % len(OTHER_COLOURS)]


def _timestamps(values: pd.Series | pd.Index) -> pd.DatetimeIndex:
    """Months (period[M] or YYYY-MM text) as timestamps for a date axis."""
    return pd.PeriodIndex(as_months(pd.Series(np.asarray(values))), freq="M").to_timestamp()


def recognition_bands(states: pd.DataFrame, title: str = "") -> plt.Figure:
    """Median recognition level per state over time with 10-90 % ensemble bands."""
    frame = states.dropna(subset=["recognition"]).copy()
    frame["recognition"] = frame["recognition"].astype(float)
    frame["actor"] = frame["actor"].astype(str)
    actors = sorted(
        frame["actor"].unique(),
        key=lambda c: (list(COUNTRY_COLOURS).index(c) if c in COUNTRY_COLOURS else 99, c),
    )
    columns = 4
    rows = int(np.ceil(len(actors) / columns))
    figure, axes = plt.subplots(
        rows, columns, figsize=(3.2 * columns, 2.2 * rows), sharex=True, sharey=True
    )
    axes = np.atleast_1d(axes).ravel()
    for axis, actor in zip(axes, actors, strict=False):
        colour = country_colour(actor)
        series = frame[frame["actor"] == actor].groupby("date", observed=True)["recognition"]
        quantiles = series.quantile([0.1, 0.5, 0.9]).unstack()
        dates = _timestamps(quantiles.index)
        axis.fill_between(
            dates, quantiles[0.1], quantiles[0.9], alpha=0.3, step="post", color=colour
        )
        axis.step(dates, quantiles[0.5], where="post", lw=1.8, color=colour)
        axis.plot(dates, series.mean().to_numpy(), lw=0.8, ls="--", color="k")
        axis.set_title(actor, fontsize=9, color=colour, fontweight="bold")
        axis.set_ylim(-0.3, 5.3)
        axis.set_yticks(range(6))
        axis.tick_params(labelsize=7)
    for axis in axes[len(actors) :]:
        axis.set_visible(False)
    figure.suptitle(
        title or "Recognition of the Emirate: median (line), mean (dashed), 10-90 % band",
        fontsize=10,
    )
    figure.text(
        0.01,
        0.01,
        "Levels: " + "; ".join(f"{k} {v}" for k, v in RECOGNITION_LEVELS.items()),
        fontsize=6,
    )
    figure.tight_layout(rect=(0, 0.03, 1, 0.97))
    return figure


def alignment_network(dyads: pd.DataFrame, world: World, seed: int = 0) -> plt.Figure:
    """The ensemble-mean alignment network at the last recorded date.

    Nodes are sized by capability and ringed in the country's colour; edges coloured
    by mean affinity (red hostile, blue friendly); only ties with |affinity| >= 0.1
    are drawn.
    """
    dates = as_months(dyads["date"])
    last_date = dates.max()
    last = dyads[(dates == last_date).to_numpy()]
    mean = last.groupby(["actor", "partner"], observed=True)["affinity"].mean()
    graph = nx.Graph()
    graph.add_nodes_from(world.codes)
    for (actor, partner), value in mean.items():
        if actor < partner and abs(value) >= 0.1:
            graph.add_edge(actor, partner, weight=float(value))
    matrix = mean.unstack().reindex(index=list(world.codes), columns=list(world.codes))
    layout = network_layout(matrix.fillna(0.0).to_numpy(), world.codes, seed=seed)
    figure, axis = plt.subplots(figsize=(7, 6))
    weights = [graph[u][v]["weight"] for u, v in graph.edges]
    nx.draw_networkx_edges(
        graph,
        layout,
        ax=axis,
        edge_color=weights,
        edge_cmap=plt.cm.RdBu,
        edge_vmin=-1,
        edge_vmax=1,
        width=[1 + 3 * abs(w) for w in weights],
    )
    sizes = [300 + 2500 * world.capability[world.codes.index(c)] for c in graph.nodes]
    nx.draw_networkx_nodes(
        graph,
        layout,
        ax=axis,
        node_size=sizes,
        node_color="#f2f2f2",
        edgecolors=[country_colour(c) for c in graph.nodes],
        linewidths=3,
    )
    nx.draw_networkx_labels(graph, layout, ax=axis, font_size=8)
    axis.set_title(f"Alignment at {last_date} (ensemble mean; blue friendly, red hostile)")
    axis.axis("off")
    mappable = plt.cm.ScalarMappable(cmap=plt.cm.RdBu, norm=plt.Normalize(-1, 1))
    figure.colorbar(mappable, ax=axis, shrink=0.6, label="affinity")
    return figure


def trade_by_partner(states: pd.DataFrame) -> plt.Figure:
    """Ensemble-mean monthly imports of Afghanistan by partner (stacked, largest at
    the bottom; each partner in its own colour)."""
    frame = states.dropna(subset=["exports_to_afg_musd"])
    mean = (
        frame.groupby(["date", "actor"], observed=True)["exports_to_afg_musd"]
        .mean()
        .unstack()
        .fillna(0)
    )
    mean = mean.loc[:, mean.sum().sort_values(ascending=False).index]
    mean = mean.loc[:, mean.sum() > 0]
    dates = _timestamps(mean.index)
    figure, axis = plt.subplots(figsize=(8, 4))
    axis.stackplot(
        dates,
        mean.T.to_numpy(),
        labels=[str(c) for c in mean.columns],
        colors=[country_colour(c) for c in mean.columns],
    )
    axis.set_ylabel("US$ million per month")
    axis.set_title("Afghanistan's imports by partner (ensemble mean)")
    axis.legend(fontsize=7, ncol=1, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    figure.tight_layout()
    return figure


def standard_plots(
    states: pd.DataFrame, dyads: pd.DataFrame, world: World, directory: str | Path
) -> list[Path]:
    """Write the standard plots of a run directory; returns their paths.

    ``dyads`` needs only the last recorded date (the network is drawn there).
    """
    directory = Path(directory)
    written = []
    figures = {}
    if world.target is not None:  # the ladder and trade exist only toward a target actor
        figures["recognition.png"] = recognition_bands(states)
        figures["trade_by_partner.png"] = trade_by_partner(states)
    if len(dyads):
        figures["alignment_network.png"] = alignment_network(dyads, world)
    for name, figure in figures.items():
        path = directory / name
        figure.savefig(path, dpi=110)
        plt.close(figure)
        written.append(path)
    return written


# ----------------------------------------------------------------------------------
# Outcomes across scenarios (sweeps)
# ----------------------------------------------------------------------------------


def _group(outcomes: pd.DataFrame) -> pd.Series:
    """What to compare side by side: the ``label`` column if present, else ``scenario``."""
    column = "label" if "label" in outcomes else "scenario"
    return outcomes[column].astype(str)


def _scenario_order(outcomes: pd.DataFrame) -> list[str]:
    labels = list(pd.unique(_group(outcomes)))
    return sorted(labels, key=lambda s: (s != "baseline", s))


def _reference(outcomes: pd.DataFrame, baseline: str = "baseline") -> str:
    """The label effects are measured against: ``baseline`` if swept, else the first."""
    order = _scenario_order(outcomes)
    return baseline if baseline in order else order[0]


def _columns(outcomes: pd.DataFrame, prefix: str) -> list[str]:
    return [c for c in outcomes.columns if c.startswith(prefix)]


def outcome_summary(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: runs, share with a de jure recognizer, quantiles of key outcomes
    (rounded: shares to 3 decimals, counts and months to 2, US$ million to 1)."""
    rows = []
    for scenario in _scenario_order(outcomes):
        frame = outcomes[_group(outcomes) == scenario]
        months = frame["months_to_first_recognition"]
        row = {
            "label": scenario,
            "runs": len(frame),
            "share_with_de_jure": round(float(months.notna().mean()), 3),
            "months_to_first_recognition_median": round(float(months.median()), 2)
            if months.notna().any()
            else np.nan,
            "recognizers_end_mean": round(float(frame["n_recognizers_end"].mean()), 2),
            "recognizers_end_p10": float(frame["n_recognizers_end"].quantile(0.1)),
            "recognizers_end_p90": float(frame["n_recognizers_end"].quantile(0.9)),
            "de_jure_end_mean": round(float(frame["n_de_jure_end"].mean()), 2),
        }
        if "confrontation_months_PAK" in frame:
            row["pak_confrontation_months_mean"] = round(
                float(frame["confrontation_months_PAK"].mean()), 2
            )
        for column in _columns(frame, "afg_imports_musd_last12m_"):
            row[f"{column}_mean"] = round(float(frame[column].mean()), 1)
        rows.append(row)
    return pd.DataFrame(rows)


def _outcome_value(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Per-run values of a headline outcome; time to recognition becomes "recognised
    within the horizon" (0/1), as it is censored."""
    if column == "months_to_first_recognition":
        return frame[column].notna().to_numpy(dtype=float)
    return frame[column].to_numpy(dtype=float)


def _outcome_label(column: str) -> str:
    if column == "months_to_first_recognition":
        return "share of runs with a de jure recognition"
    return HEADLINE_OUTCOMES.get(column, column)


def scenario_effects(
    outcomes: pd.DataFrame,
    baseline: str = "baseline",
    columns: list[str] | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Each scenario's effect on each headline outcome: the difference of its mean from
    the reference's (``baseline`` if present, else the first label), with a percentile
    bootstrap interval (``n_boot`` resamples of both groups' runs, seeded).

    Returns one row per (label, outcome): ``mean``, ``reference_mean``, ``effect``,
    ``low``, ``high``, ``runs``; the reference's own rows have effect 0.
    """
    reference = _reference(outcomes, baseline)
    groups = _group(outcomes)
    columns = columns or [c for c in HEADLINE_OUTCOMES if c in outcomes]
    rng = np.random.default_rng(seed)
    tail = (1 - level) / 2
    rows = []
    base_frame = outcomes[groups == reference]
    for column in columns:
        base = _outcome_value(base_frame, column)
        base = base[~np.isnan(base)]
        for label in _scenario_order(outcomes):
            values = _outcome_value(outcomes[groups == label], column)
            values = values[~np.isnan(values)]
            if not len(values) or not len(base):
                continue
            effect = float(values.mean() - base.mean())
            if label == reference:
                low = high = 0.0
            else:
                draws = values[rng.integers(0, len(values), (n_boot, len(values)))].mean(
                    axis=1
                ) - base[rng.integers(0, len(base), (n_boot, len(base)))].mean(axis=1)
                low, high = (float(q) for q in np.quantile(draws, [tail, 1 - tail]))
            rows.append(
                {
                    "label": label,
                    "outcome": column,
                    "outcome_label": _outcome_label(column),
                    "reference": reference,
                    "mean": float(values.mean()),
                    "reference_mean": float(base.mean()),
                    "effect": effect,
                    "low": low,
                    "high": high,
                    "runs": len(values),
                }
            )
    return pd.DataFrame(rows)


def effects_figure(effects: pd.DataFrame) -> plt.Figure:
    """Forest plot: one panel per outcome, one row per scenario, the effect against the
    reference with its interval (a filled dot when the interval excludes zero)."""
    outcomes = list(pd.unique(effects["outcome"]))
    labels = list(pd.unique(effects["label"]))
    columns = min(3, len(outcomes)) or 1
    rows = int(np.ceil(len(outcomes) / columns)) or 1
    height = max(2.4, 0.28 * len(labels) + 1.2)
    figure, axes = plt.subplots(
        rows, columns, figsize=(4.6 * columns + 1.6, height * rows), sharey=True, squeeze=False
    )
    y = np.arange(len(labels))[::-1]
    position = dict(zip(labels, y, strict=True))
    reference = effects["reference"].iloc[0] if len(effects) else ""
    for axis, outcome in zip(axes.ravel(), outcomes, strict=False):
        part = effects[effects["outcome"] == outcome]
        rows_y = [position[label] for label in part["label"]]
        significant = (part["low"] > 0) | (part["high"] < 0)
        axis.axvline(0, color=BASELINE_COLOUR, lw=1)
        axis.hlines(rows_y, part["low"], part["high"], color=SCENARIO_COLOUR, lw=2)
        axis.scatter(
            part["effect"],
            rows_y,
            s=28,
            zorder=3,
            color=[SCENARIO_COLOUR if s else "white" for s in significant],
            edgecolor=SCENARIO_COLOUR,
        )
        base = part["reference_mean"].iloc[0] if len(part) else np.nan
        axis.set_title(f"{part['outcome_label'].iloc[0]}\n({reference}: {base:.3g})", fontsize=9)
        axis.tick_params(labelsize=8)
        axis.grid(axis="x", color="#eeeeee")
        axis.set_axisbelow(True)
    for axis in axes.ravel()[len(outcomes) :]:
        axis.set_visible(False)
    for axis in axes[:, 0]:
        axis.set_yticks(y, labels, fontsize=8)
    figure.suptitle(
        f"Effect of each scenario against {reference}: difference of means, "
        "95 % bootstrap interval (filled: the interval excludes 0)",
        fontsize=10,
    )
    figure.tight_layout(rect=(0, 0, 1, 0.96))
    return figure


def ecdf_grid(outcomes: pd.DataFrame) -> plt.Figure:
    """Small multiples: time to the first de jure recognition (ECDF), one panel per
    scenario, the reference in grey behind it; runs without one are censored."""
    labels = _scenario_order(outcomes)
    reference = _reference(outcomes)
    groups = _group(outcomes)
    columns = min(4, len(labels))
    rows = int(np.ceil(len(labels) / columns))
    figure, axes = plt.subplots(
        rows, columns, figsize=(3.1 * columns, 2.3 * rows), sharex=True, sharey=True, squeeze=False
    )
    horizon = float(
        np.nanmax(outcomes["months_to_first_recognition"].to_numpy(dtype=float), initial=12)
    )

    def curve(axis, frame: pd.DataFrame, **style) -> None:
        months = np.sort(frame["months_to_first_recognition"].dropna().to_numpy())
        share = np.arange(1, len(months) + 1) / max(len(frame), 1)
        axis.step(
            np.r_[0, months, horizon],
            np.r_[0, share, share[-1] if len(share) else 0],
            where="post",
            **style,
        )

    base = outcomes[groups == reference]
    for axis, label in zip(axes.ravel(), labels, strict=False):
        if label != reference:
            curve(axis, base, color=BASELINE_COLOUR, lw=1.2, label=reference)
        curve(axis, outcomes[groups == label], color=SCENARIO_COLOUR, lw=1.8, label=label)
        axis.set_title(label, fontsize=8)
        axis.set_ylim(-0.02, 1.02)
        axis.tick_params(labelsize=7)
        axis.grid(color="#eeeeee")
    for axis in axes.ravel()[len(labels) :]:
        axis.set_visible(False)
    for axis in axes[-1, :]:
        axis.set_xlabel("months", fontsize=8)
    for axis in axes[:, 0]:
        axis.set_ylabel("share of runs", fontsize=8)
    figure.suptitle(f"Time to the first de jure recognition (ECDF; grey: {reference})", fontsize=10)
    figure.tight_layout(rect=(0, 0, 1, 0.95))
    return figure


def country_heatmaps(outcomes: pd.DataFrame) -> plt.Figure | None:
    """Heat maps, one row per scenario and one column per country (tick labels in the
    country's colour): Afghanistan's imports from it over the last 12 months
    (US$ million, mean) and the share of runs in which it ends in the Emirate's bloc."""
    imports = _columns(outcomes, "afg_imports_musd_last12m_")
    blocs = _columns(outcomes, "bloc_with_afg_end_")
    panels = [(c, t) for c, t in ((imports, "imports"), (blocs, "blocs")) if c]
    if not panels:
        return None
    labels = _scenario_order(outcomes)
    groups = _group(outcomes)
    figure, axes = plt.subplots(
        1, len(panels), figsize=(6.2 * len(panels), 0.32 * len(labels) + 2.0), squeeze=False
    )
    for axis, (columns, kind) in zip(axes[0], panels, strict=True):
        means = outcomes.groupby(groups)[columns].mean().reindex(labels).astype(float)
        codes = [c.rsplit("_", 1)[-1] for c in columns]
        if kind == "imports":
            image = axis.imshow(means.to_numpy(), cmap="viridis", aspect="auto")
            title = "Afghanistan's imports, last 12 months (US$ million, mean)"
        else:
            image = axis.imshow(means.to_numpy(), cmap="cividis", vmin=0, vmax=1, aspect="auto")
            title = "Share of runs ending in the Emirate's bloc"
        axis.set_yticks(range(len(labels)), labels, fontsize=8)
        axis.set_xticks(range(len(codes)), codes, fontsize=8, rotation=90)
        for tick, code in zip(axis.get_xticklabels(), codes, strict=True):
            tick.set_color(country_colour(code))
            tick.set_fontweight("bold")
        axis.set_title(title, fontsize=9)
        figure.colorbar(image, ax=axis, shrink=0.8)
    figure.tight_layout()
    return figure


def outcome_distributions(outcomes: pd.DataFrame, directory: str | Path) -> list[Path]:
    """Draw the outcomes of a sweep, side by side per scenario, and their numbers.

    Writes into ``directory``: ``outcome_distributions.png|svg`` (small multiples of the
    time to the first de jure recognition, each scenario against the baseline),
    ``outcome_effects.png|svg`` (forest plot of each scenario's effect on the headline
    outcomes, with 95 % bootstrap intervals), ``outcome_by_country.png`` (imports by
    partner and bloc membership, scenarios x countries), ``outcome_summary.csv`` and
    ``outcome_effects.csv``.
    """
    directory = Path(directory)
    written = []

    def save(figure: plt.Figure | None, name: str, suffixes=("png", "svg")) -> None:
        if figure is None:
            return
        for suffix in suffixes:
            path = directory / f"{name}.{suffix}"
            figure.savefig(path, dpi=110)
            written.append(path)
        plt.close(figure)

    save(ecdf_grid(outcomes), "outcome_distributions")
    effects = scenario_effects(outcomes)
    if len(effects):
        save(effects_figure(effects), "outcome_effects")
    save(country_heatmaps(outcomes), "outcome_by_country", ("png",))
    summary_path = directory / "outcome_summary.csv"
    outcome_summary(outcomes).to_csv(summary_path, index=False)
    written.append(summary_path)
    effects_path = directory / "outcome_effects.csv"
    effects.round(4).to_csv(effects_path, index=False)
    written.append(effects_path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.plots DIR``: redraw the outcome distributions of an aggregated sweep."""
    import argparse

    plt.switch_backend("Agg")
    import sys

    from sim.errors import UserError

    parser = argparse.ArgumentParser(
        prog="python -m sim.plots", description=outcome_distributions.__doc__.split("\n")[0]
    )
    parser.add_argument("directory", help="a sweep directory (or its aggregate/ folder)")
    args = parser.parse_args(argv)
    try:
        base = Path(args.directory)
        out = base if (base / "outcomes.parquet").is_file() else base / "aggregate"
        if not (out / "outcomes.parquet").is_file():
            raise UserError(f"{base}: no aggregate here; run python -m sim.aggregate {base} first")
        outcome_distributions(pd.read_parquet(out / "outcomes.parquet"), out)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {out / 'outcome_distributions.png'} and {out / 'outcome_summary.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
