"""The page's figures: matplotlib, without pyplot (safe in server threads).

Each function draws one panel from a session's model and history; :func:`render_figures`
draws every panel the world has (ladder and trade only where there is a target actor,
the landscape minima only where there is none) as PNG bytes.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Polygon
from scipy.spatial import ConvexHull

from sim.app.measures import TIE_TOLERANCE, Metrics, MinimumRow, current_blocs, landscape_rows
from sim.app.narration import CONTROL, Event, family_colour, family_label
from sim.app.session import Session
from sim.dates import add_months
from sim.events import FAMILIES
from sim.ladder import MAX_LEVEL, RECOGNITION_LEVELS
from sim.model import DiplomacyModel

TIMELINE_WINDOW_MONTHS = 36
#: Timeline rows, bottom to top: the model's event families, then the teacher's actions.
TIMELINE_ROWS: tuple[str, ...] = (*FAMILIES, CONTROL)

#: Bloc colours: neither red nor blue, which code affinity on the edges.
BLOC_COLOURS = (
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#7f7f7f",
)
SINGLETON_COLOUR = "#9e9e9e"
AFFINITY_CMAP = "RdBu"  # -1 red (hostile) ... +1 blue (friendly)


def figure_png(figure: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format="png",
        dpi=dpi,
        bbox_inches="tight",
        facecolor="white",
    )
    return buffer.getvalue()


def _hull(points: np.ndarray) -> np.ndarray:
    """Convex hull of 2-D points (scipy's Qhull), counter-clockwise."""
    return points[ConvexHull(points).vertices]


def bloc_colour(labels: np.ndarray, bloc: int) -> str:
    """Colour of a bloc; grey for single-member blocs."""
    if int((labels == bloc).sum()) < 2:
        return SINGLETON_COLOUR
    multi = sorted({int(b) for b in labels if int((labels == b).sum()) >= 2})
    return BLOC_COLOURS[multi.index(int(bloc)) % len(BLOC_COLOURS)]


def network_figure(
    model: DiplomacyModel, positions: dict[str, np.ndarray], labels: np.ndarray | None = None
) -> Figure:
    """The alignment network: nodes sized by capability, edges coloured by affinity,
    blocs (``detect_blocs``) shaded and outlined."""
    world = model.world
    affinity = model.state.affinity[0]
    labels = current_blocs(model) if labels is None else labels
    codes = world.codes
    xy = np.array([positions[c] for c in codes], dtype=float)
    figure = Figure(figsize=(7.2, 6.0))
    ax = figure.add_subplot()
    ax.set_aspect("equal")
    ax.axis("off")
    span = max(float(np.ptp(xy[:, 0])), float(np.ptp(xy[:, 1])), 1e-6)
    radius = 0.09 * span

    # blocs: shaded, rounded hulls behind members
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    ring = np.stack([np.cos(angles), np.sin(angles)], axis=1) * radius
    handles = []
    for bloc in sorted({int(b) for b in labels}):
        members = np.flatnonzero(labels == bloc)
        if members.size < 2:
            continue
        colour = bloc_colour(labels, bloc)
        cloud = (xy[members][:, None, :] + ring[None, :, :]).reshape(-1, 2)
        ax.add_patch(
            Polygon(
                _hull(cloud),
                closed=True,
                facecolor=colour,
                alpha=0.16,
                edgecolor=colour,
                linewidth=1.5,
                zorder=0,
            )
        )
        handles.append(
            Patch(
                facecolor=colour,
                alpha=0.5,
                label="\n".join(textwrap.wrap("+".join(sorted(codes[i] for i in members)), 24)),
            )
        )

    # edges: colour = affinity (red hostile .. blue friendly), width = |affinity|
    cmap = mpl.colormaps[AFFINITY_CMAP]
    norm = Normalize(vmin=-1.0, vmax=1.0)
    pairs = [
        (i, j)
        for i in range(len(codes))
        for j in range(i + 1, len(codes))
        if abs(affinity[i, j]) > TIE_TOLERANCE
    ]
    pairs.sort(key=lambda p: abs(affinity[p]))
    if pairs:
        weights = np.array([affinity[p] for p in pairs])
        lines = LineCollection(
            [(xy[i], xy[j]) for i, j in pairs],
            colors=cmap(norm(weights)),
            linewidths=0.6 + 3.4 * np.abs(weights),
            alpha=0.85,
            zorder=1,
        )
        ax.add_collection(lines)
    scalar = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    bar = figure.colorbar(scalar, ax=ax, orientation="horizontal", fraction=0.04, pad=0.02)
    bar.set_label("affinity: -1 hostile (red) ... +1 friendly (blue)", fontsize=9)
    bar.ax.tick_params(labelsize=8)

    # nodes: size = capability, outline = bloc colour; the target is a dark square
    sizes = 250 + 1800 * np.asarray(world.capability, dtype=float)
    for i, code in enumerate(codes):
        is_target = world.target == i
        colour = bloc_colour(labels, int(labels[i]))
        ax.scatter(
            xy[i, 0],
            xy[i, 1],
            s=sizes[i],
            marker="s" if is_target else "o",
            facecolor="#263238" if is_target else "white",
            edgecolor=colour,
            linewidth=3.0,
            zorder=3,
        )
        ax.annotate(
            code,
            xy[i],
            ha="center",
            va="center",
            fontsize=8 if len(code) > 3 else 9,
            fontweight="bold",
            color="white" if is_target else "#212121",
            zorder=4,
        )
    margin = 2.2 * radius
    ax.set_xlim(xy[:, 0].min() - margin, xy[:, 0].max() + margin)
    ax.set_ylim(xy[:, 1].min() - margin, xy[:, 1].max() + margin)
    ax.set_title(f"Alignment network, {model.date}", fontsize=12)
    if handles:
        ax.legend(
            handles=handles,
            title="blocs",
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=8,
            title_fontsize=9,
            frameon=False,
        )
    return figure


def ladder_figure(model: DiplomacyModel) -> Figure:
    """Recognition ladder: one bar per state, levels 0..5 with their labels."""
    world = model.world
    states = [i for i in range(world.n_actors) if world.state_mask[i]]
    levels = model.state.recognition[0]
    record = model.last_record
    cmap = mpl.colormaps["RdYlGn"]
    figure = Figure(figsize=(6.8, 0.32 * len(states) + 2.2))
    ax = figure.add_subplot()
    y = np.arange(len(states))[::-1]
    values = np.array([levels[i] for i in states], dtype=float)
    ax.barh(
        y,
        values + 0.4,
        left=-0.4,
        color=[cmap(v / MAX_LEVEL) for v in values],
        edgecolor="#424242",
        height=0.7,
    )
    for row, i in zip(y, states, strict=True):
        move = 0
        if record is not None:
            move = int(record.moves[0, i] + record.shock_moves[0, i])
        if move:
            ax.annotate(
                "\u25b2" if move > 0 else "\u25bc",
                (levels[i] + 0.12, row),
                va="center",
                fontsize=10,
                color="#1b5e20" if move > 0 else "#b71c1c",
            )
    ax.set_yticks(y, [world.codes[i] for i in states], fontsize=9)
    ticks = [
        f"{k}\n" + "\n".join(textwrap.wrap(RECOGNITION_LEVELS[k], 15)) for k in range(MAX_LEVEL + 1)
    ]
    ax.set_xticks(range(MAX_LEVEL + 1), ticks, fontsize=7)
    ax.set_xlim(-0.45, MAX_LEVEL + 0.5)
    ax.grid(axis="x", color="#e0e0e0")
    ax.set_axisbelow(True)
    ax.set_title(f"Recognition of the Emirate, {model.date}", fontsize=12)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return figure


def trade_figure(model: DiplomacyModel) -> Figure:
    """Afghanistan's trade by partner (US$ million per month)."""
    states = list(model.states)
    states.sort(key=lambda a: a.index)
    figure = Figure(figsize=(6.8, 0.32 * len(states) + 1.6))
    ax = figure.add_subplot()
    y = np.arange(len(states))[::-1]
    exports_to_afg = np.array([a.exports_to_afg_musd for a in states])
    imports_from_afg = np.array([a.imports_from_afg_musd for a in states])
    ax.barh(y + 0.18, exports_to_afg, height=0.36, color="#1f77b4", label="Afghan imports from")
    ax.barh(y - 0.18, imports_from_afg, height=0.36, color="#ff7f0e", label="Afghan exports to")
    top = float(max(exports_to_afg.max(initial=0), imports_from_afg.max(initial=0), 1.0))
    for row, agent in zip(y, states, strict=True):
        if not agent.border_open:
            ax.annotate(
                "border closed",
                (top * 1.06, row),
                va="center",
                ha="right",
                fontsize=8,
                color="#b71c1c",
                fontweight="bold",
                bbox={"facecolor": "white", "edgecolor": "#b71c1c", "pad": 1.5},
            )
    ax.set_yticks(y, [a.code for a in states], fontsize=9)
    ax.set_xlim(0, top * 1.08)
    ax.set_xlabel("US$ million per month", fontsize=9)
    total = exports_to_afg.sum() + imports_from_afg.sum()
    ax.set_title(f"Afghanistan's trade by partner, {model.date} (total {total:,.0f})", fontsize=12)
    ax.legend(fontsize=8, loc="lower right", frameon=False)
    ax.grid(axis="x", color="#e0e0e0")
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return figure


def balance_figure(history: list[Metrics]) -> Figure:
    """Balanced-triad share and weighted frustration index over the months."""
    figure = Figure(figsize=(6.8, 3.0))
    ax = figure.add_subplot()
    months = [m.month for m in history]
    share = [m.balanced_share for m in history]
    frustration = [m.frustration for m in history]
    ax.plot(months, share, color="#1f77b4", marker="o" if len(months) < 30 else None, ms=3)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("balanced triads (share)", color="#1f77b4", fontsize=9)
    other = ax.twinx()
    other.plot(months, frustration, color="#d62728", marker="o" if len(months) < 30 else None, ms=3)
    other.set_ylim(bottom=0, top=max(max(frustration) * 1.15, 0.1))
    other.set_ylabel("frustration (weighted)", color="#d62728", fontsize=9)
    _date_axis(ax, history[0].date, months)
    ax.set_title("Structural balance", fontsize=12)
    ax.grid(color="#eeeeee")
    return figure


def _date_axis(ax: Any, start_date: str, months: list[int], first_month: int = 0) -> None:
    """Label a month-index x axis with dates (at most ~7 ticks)."""
    low, high = min(months, default=0), max(months, default=0)
    stride = max(1, int(np.ceil((high - low + 1) / 7)))
    ticks = list(range(low, high + 1, stride))
    ax.set_xticks(ticks, [add_months(start_date, t - first_month) for t in ticks], fontsize=8)
    ax.set_xlim(low - 0.5, max(high, low + 1) + 0.5)


def timeline_figure(events: list[Event], month: int, start_date: str) -> Figure:
    """Events of the last :data:`TIMELINE_WINDOW_MONTHS` months, one row per family."""
    kinds = list(TIMELINE_ROWS)
    low = max(0, month - TIMELINE_WINDOW_MONTHS + 1)
    figure = Figure(figsize=(13.0, 2.6))
    ax = figure.add_subplot()
    counts: dict[tuple[int, str], int] = {}
    for event in events:
        if event.month >= low and event.kind in TIMELINE_ROWS:
            counts[(event.month, event.kind)] = counts.get((event.month, event.kind), 0) + 1
    for row, kind in enumerate(kinds):
        points = [(m, c) for (m, k), c in counts.items() if k == kind]
        if points:
            xs, cs = zip(*points, strict=True)
            ax.scatter(xs, [row] * len(xs), s=[30 + 25 * c for c in cs], color=family_colour(kind))
    ax.set_yticks(range(len(kinds)), [family_label(k) for k in kinds], fontsize=8)
    ax.set_ylim(-0.6, len(kinds) - 0.4)
    _date_axis(ax, start_date, list(range(low, max(month, low) + 1)))
    ax.grid(color="#eeeeee")
    ax.set_axisbelow(True)
    ax.set_title("Timeline of events (dot size = number of events that month)", fontsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return figure


def landscape_figure(rows: list[MinimumRow], date: str) -> Figure:
    """Energies of the landscape's local minima (lower = more stable), with their blocs."""
    figure = Figure(figsize=(6.8, 0.8 * max(len(rows), 1) + 1.3))
    ax = figure.add_subplot()
    y = np.arange(len(rows))[::-1]
    colours = ["#2e7d32" if r.is_global else "#90a4ae" for r in rows]
    ax.barh(y, [r.energy for r in rows], color=colours, edgecolor="#424242", height=0.6)
    labels = [
        f"#{k + 1} {'global' if r.is_global else 'local'}{' (now)' if r.is_current else ''}"
        for k, r in enumerate(rows)
    ]
    ax.set_yticks(y, labels, fontsize=9)
    for row, r in zip(y, rows, strict=True):
        ax.annotate(
            f"  {r.blocs.replace('|', '  |  ')}\n  E = {r.energy:.3f}, basin {r.basin}",
            (0, row),
            va="center",
            ha="left",
            fontsize=9,
            fontweight="bold" if r.is_current else "normal",
        )
    low = min((r.energy for r in rows), default=-1.0)
    ax.set_xlim(min(low * 1.1, -0.1), max(abs(low) * 1.6, 1.0))
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.axvline(0, color="#424242", linewidth=0.8)
    ax.set_xticks([t for t in ax.get_xticks() if t <= 0])
    ax.set_xlim(min(low * 1.1, -0.1), max(abs(low) * 1.6, 1.0))
    ax.set_xlabel("energy (Axelrod-Bennett; lower is more stable)", fontsize=9)
    ax.set_title(f"Landscape minima, {date}", fontsize=12)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return figure


@dataclass
class Figures:
    """The page's figures as PNG bytes, keyed by panel."""

    panels: dict[str, bytes]


def render_figures(session: Session) -> Figures:
    """Every figure of the page for the session's current month."""
    with session.lock:
        model = session.model
        panels = {
            "network": network_figure(model, session.positions),
            "balance": balance_figure(session.history),
            "timeline": timeline_figure(session.events, model.month, model.start),
        }
        if model.world.target is None:
            panels["landscape"] = landscape_figure(landscape_rows(model), model.date)
        else:
            panels["ladder"] = ladder_figure(model)
            panels["trade"] = trade_figure(model)
        return Figures({name: figure_png(fig) for name, fig in panels.items()})
