"""Standard plots of an ensemble: recognition bands, the alignment network, trade,
and outcome distributions across scenarios.

Functions return matplotlib Figures (or write them); they never switch the
backend, so they draw inline in notebooks.  The command-line entry points
select the non-interactive Agg backend themselves.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd

from sim.ladder import RECOGNITION_LEVELS
from sim.layout import network_layout
from sim.world import World


def recognition_bands(states: pd.DataFrame, title: str = "") -> plt.Figure:
    """Median recognition level per state over time with 10-90 % ensemble bands."""
    frame = states.dropna(subset=["recognition"]).copy()
    frame["recognition"] = frame["recognition"].astype(float)
    actors = sorted(frame["actor"].unique())
    columns = 4
    rows = int(np.ceil(len(actors) / columns))
    figure, axes = plt.subplots(
        rows, columns, figsize=(3.2 * columns, 2.2 * rows), sharex=True, sharey=True
    )
    axes = np.atleast_1d(axes).ravel()
    for axis, actor in zip(axes, actors, strict=False):
        series = frame[frame["actor"] == actor].groupby("date")["recognition"]
        quantiles = series.quantile([0.1, 0.5, 0.9]).unstack()
        dates = pd.PeriodIndex(quantiles.index, freq="M").to_timestamp()
        axis.fill_between(dates, quantiles[0.1], quantiles[0.9], alpha=0.3, step="post")
        axis.step(dates, quantiles[0.5], where="post", lw=1.5)
        axis.plot(dates, series.mean().to_numpy(), lw=0.8, ls="--", color="k")
        axis.set_title(actor, fontsize=9)
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

    Nodes are sized by capability; edges coloured by mean affinity (red hostile,
    blue friendly); only ties with |affinity| >= 0.1 are drawn.
    """
    last = dyads[dyads["date"] == dyads["date"].max()]
    mean = last.groupby(["actor", "partner"])["affinity"].mean()
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
        graph, layout, ax=axis, node_size=sizes, node_color="#dddddd", edgecolors="k"
    )
    nx.draw_networkx_labels(graph, layout, ax=axis, font_size=8)
    axis.set_title(f"Alignment at {last['date'].max()} (ensemble mean; blue friendly, red hostile)")
    axis.axis("off")
    mappable = plt.cm.ScalarMappable(cmap=plt.cm.RdBu, norm=plt.Normalize(-1, 1))
    figure.colorbar(mappable, ax=axis, shrink=0.6, label="affinity")
    return figure


def trade_by_partner(states: pd.DataFrame) -> plt.Figure:
    """Ensemble-mean monthly imports of Afghanistan by partner (stacked)."""
    frame = states.dropna(subset=["exports_to_afg_musd"])
    mean = frame.groupby(["date", "actor"])["exports_to_afg_musd"].mean().unstack().fillna(0)
    mean = mean.loc[:, mean.sum().sort_values(ascending=False).index]
    dates = pd.PeriodIndex(mean.index, freq="M").to_timestamp()
    figure, axis = plt.subplots(figsize=(8, 4))
    axis.stackplot(dates, mean.T.to_numpy(), labels=mean.columns)
    axis.set_ylabel("US$ million per month")
    axis.set_title("Afghanistan's imports by partner (ensemble mean)")
    axis.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
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
# Outcome distributions across scenarios (sweeps)
# ----------------------------------------------------------------------------------


def _group(outcomes: pd.DataFrame) -> pd.Series:
    """What to compare side by side: the ``label`` column if present, else ``scenario``."""
    column = "label" if "label" in outcomes else "scenario"
    return outcomes[column].astype(str)


def _scenario_order(outcomes: pd.DataFrame) -> list[str]:
    labels = list(pd.unique(_group(outcomes)))
    return sorted(labels, key=lambda s: (s != "baseline", s))


def outcome_summary(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: runs, share with a de jure recogniser, quantiles of key outcomes."""
    rows = []
    for scenario in _scenario_order(outcomes):
        frame = outcomes[_group(outcomes) == scenario]
        months = frame["months_to_first_de_jure"]
        row = {
            "label": scenario,
            "runs": len(frame),
            "share_with_de_jure": float(months.notna().mean()),
            "months_to_first_de_jure_median": float(months.median())
            if months.notna().any()
            else np.nan,
            "recognisers_end_mean": float(frame["n_recognisers_end"].mean()),
            "recognisers_end_p10": float(frame["n_recognisers_end"].quantile(0.1)),
            "recognisers_end_p90": float(frame["n_recognisers_end"].quantile(0.9)),
            "de_jure_end_mean": float(frame["n_de_jure_end"].mean()),
        }
        if "confrontation_months_PAK" in frame:
            row["pak_confrontation_months_mean"] = float(frame["confrontation_months_PAK"].mean())
        for column in frame.columns:
            if column.startswith("imports_musd_"):
                row[f"{column}_mean"] = float(frame[column].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def outcome_distributions(outcomes: pd.DataFrame, directory: str | Path) -> list[Path]:
    """Draw per-scenario outcome distributions side by side (PNG and SVG) + CSV numbers.

    Panels: months to the first de jure recognition (ECDF; runs without one are
    censored at the horizon), recognisers (level >= 4) at the end, the Emirate's
    imports by partner over the last year, months of Pakistan-Emirate
    confrontation, and the share of runs in which each state ends in the
    Emirate's bloc.
    """
    directory = Path(directory)
    scenarios = _scenario_order(outcomes)
    colours = plt.cm.tab10(np.linspace(0, 1, 10))
    figure, axes = plt.subplots(2, 3, figsize=(17, 9))
    (ecdf, recognisers, trade), (confront, blocs, text) = axes

    for k, scenario in enumerate(scenarios):
        frame = outcomes[_group(outcomes) == scenario]
        months = np.sort(frame["months_to_first_de_jure"].dropna().to_numpy())
        share = np.arange(1, len(months) + 1) / max(len(frame), 1)
        ecdf.step(
            np.r_[0, months], np.r_[0, share], where="post", color=colours[k % 10], label=scenario
        )
    ecdf.set_xlabel("months to first de jure recognition")
    ecdf.set_ylabel("share of runs")
    ecdf.set_title("Time to first de jure recognition (ECDF)")
    ecdf.legend(fontsize=6, loc="lower right")

    counts = outcomes.groupby([_group(outcomes), "n_recognisers_end"]).size().unstack(fill_value=0)
    counts = counts.reindex(scenarios).fillna(0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    shares.T.plot(kind="bar", ax=recognisers, color=colours[: len(scenarios)], width=0.8)
    recognisers.set_xlabel("states at level >= 4 at the end")
    recognisers.set_ylabel("share of runs")
    recognisers.set_title("Recognisers at the end")
    recognisers.legend(fontsize=6, loc="upper right")

    import_columns = [c for c in outcomes.columns if c.startswith("imports_musd_")]
    if import_columns:
        means = outcomes.groupby(_group(outcomes))[import_columns].mean().reindex(scenarios)
        low = outcomes.groupby(_group(outcomes))[import_columns].quantile(0.1).reindex(scenarios)
        high = outcomes.groupby(_group(outcomes))[import_columns].quantile(0.9).reindex(scenarios)
        order = means.mean().sort_values(ascending=False).index[:8]
        positions = np.arange(len(order))
        width = 0.8 / max(len(scenarios), 1)
        for k, scenario in enumerate(scenarios):
            centre = means.loc[scenario, order].to_numpy()
            errors = np.vstack(
                [centre - low.loc[scenario, order], high.loc[scenario, order] - centre]
            )
            trade.bar(
                positions + k * width,
                centre,
                width,
                yerr=errors,
                color=colours[k % 10],
                label=scenario,
                capsize=2,
            )
        trade.set_xticks(positions + width * (len(scenarios) - 1) / 2)
        trade.set_xticklabels([c.removeprefix("imports_musd_") for c in order])
        trade.set_ylabel("US$ million / year (mean, 10-90 %)")
        trade.set_title("Afghanistan's imports by partner, last 12 months")

    if "confrontation_months_PAK" in outcomes:
        data = [
            outcomes.loc[_group(outcomes) == s, "confrontation_months_PAK"].to_numpy()
            for s in scenarios
        ]
        confront.boxplot(data, tick_labels=scenarios)
        confront.tick_params(axis="x", rotation=60, labelsize=6)
        confront.set_ylabel("months")
        confront.set_title("Pakistan-Emirate confrontation months")

    bloc_columns = [c for c in outcomes.columns if c.startswith("with_")]
    if bloc_columns:
        shares = outcomes.groupby(_group(outcomes))[bloc_columns].mean().reindex(scenarios)
        image = blocs.imshow(
            shares.to_numpy(dtype=float), vmin=0, vmax=1, cmap="Blues", aspect="auto"
        )
        blocs.set_yticks(range(len(scenarios)), scenarios, fontsize=7)
        blocs.set_xticks(
            range(len(bloc_columns)),
            [c.split("_")[-1] for c in bloc_columns],
            rotation=90,
            fontsize=7,
        )
        blocs.set_title("Share of runs ending in the Emirate's bloc")
        figure.colorbar(image, ax=blocs, shrink=0.8)

    summary = outcome_summary(outcomes)
    text.axis("off")
    lines = [
        f"{row.label}: n={row.runs}, de jure in {row.share_with_de_jure:.0%} of runs, "
        f"recognisers {row.recognisers_end_mean:.1f}"
        for row in summary.itertuples()
    ]
    text.text(0, 1, "\n".join(lines), va="top", fontsize=8, family="monospace")
    figure.tight_layout()
    written = []
    for suffix in ("png", "svg"):
        path = directory / f"outcome_distributions.{suffix}"
        figure.savefig(path, dpi=110)
        written.append(path)
    plt.close(figure)
    summary_path = directory / "outcome_summary.csv"
    summary.to_csv(summary_path, index=False)
    written.append(summary_path)
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
