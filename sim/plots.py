"""Standard plots of an ensemble: recognition bands, the alignment network, trade.

All figures use matplotlib's Agg backend and are written as PNG.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd

from sim.results import Results
from sim.world import RECOGNITION_LEVELS, World


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
    positive = nx.Graph((u, v, d) for u, v, d in graph.edges(data=True) if d["weight"] > 0)
    positive.add_nodes_from(graph.nodes)
    layout = nx.spring_layout(positive, seed=seed, k=1.2)
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


def standard_plots(results: Results, world: World, directory: str | Path) -> list[Path]:
    """Write the standard plots of a run directory; returns their paths."""
    directory = Path(directory)
    written = []
    figures = {"recognition.png": recognition_bands(results.states)}
    if len(results.dyads):
        figures["alignment_network.png"] = alignment_network(results.dyads, world)
    if world.target is not None:
        figures["trade_by_partner.png"] = trade_by_partner(results.states)
    for name, figure in figures.items():
        path = directory / name
        figure.savefig(path, dpi=110)
        plt.close(figure)
        written.append(path)
    return written
