"""Interactive teaching view of the model: ``python -m sim.app`` (``make app``).

A Solara page served on localhost (``--host``/``--port``; 127.0.0.1:8765 by
default) that runs one :class:`~sim.model.DiplomacyModel` month by month:

* the alignment network (node size = capability, edge colour = affinity from red
  (hostile) to blue (friendly), blocs from :func:`sim.alignment.detect_blocs`
  shaded and outlined);
* the recognition ladder (one bar per state, levels 0..5 of
  :data:`sim.world.RECOGNITION_LEVELS`) and Afghanistan's trade by partner, or,
  in worlds without a target, the Axelrod-Bennett landscape minima;
* structural balance over time (balanced-triad share, frustration index) and a
  timeline of events built from each month's :class:`~sim.kernel.StepRecord`;
* controls: world, scenario (``configs/scenario/*.yaml``, read with
  ``yaml.safe_load``), seed, sliders for key modelling choices, step / play /
  reset, and shocks injected for the next month via ``model.inject``.

Everything but the Solara components (:func:`Page` and its children) is plain
Python with no server state, so it is unit-tested without a browser.  All
figures are matplotlib PNGs and all front-end assets come from the installed
``solara-assets`` package: the page loads nothing from outside localhost.
"""

from __future__ import annotations

import argparse
import dataclasses
import html
import io
import os
import textwrap
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipyvuetify
import matplotlib as mpl
import networkx as nx
import numpy as np
import solara
import traitlets
import yaml
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Polygon

from sim.alignment import (
    balanced_triad_share,
    blocs_to_string,
    detect_blocs,
    frustration_index,
    landscape_energy,
    local_minima,
)
from sim.dates import add_months
from sim.errors import ConfigError
from sim.kernel import StepRecord
from sim.model import HORIZON_MONTHS, DiplomacyModel
from sim.params import ModelParameters
from sim.shocks import Shock
from sim.world import MAX_LEVEL, RECOGNITION_LEVELS, WORLD_DIR, World

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
SCENARIO_DIR = CONFIG_DIR / "scenario"

#: Worlds offered in the world picker (files under configs/world/).
WORLDS: tuple[str, ...] = ("afghanistan", "triad", "landscape")

#: Modelling-choice parameters with a slider (ranges from ModelParameters.specs()).
SLIDER_PARAMS: tuple[str, ...] = (
    "balance_weight",
    "alignment_rate",
    "affinity_reversion",
    "bandwagon_weight",
    "consensus_weight",
    "choice_temperature",
)

#: Ties with |affinity| at or below this count as absent in blocs and balance measures
#: (month-to-month noise keeps unrelated pairs near, but not at, zero).
TIE_TOLERANCE = 0.05

#: Shocks a teacher can inject: kind -> button label.
INJECT_KINDS: dict[str, str] = {
    "attack": "Attack",
    "recognition": "Recognition",
    "border_closure": "Border closure",
    "affinity": "Affinity change",
}

SCENARIO_KEYS = {"tags", "evidence", "params", "shocks", "world_changes"}
PLAY_DELAY_MS = 300
EVENTS_SHOWN = 40
TIMELINE_WINDOW_MONTHS = 36

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

#: Event kinds in the timeline, in display order (bottom to top), with colours.
EVENT_KINDS: dict[str, tuple[str, str]] = {
    "attack": ("attacks", "#d62728"),
    "coercion": ("strikes & closures", "#ff7f0e"),
    "reopening": ("reopenings", "#2ca02c"),
    "deportation": ("deportations", "#8c564b"),
    "recognition": ("recognition moves", "#1f77b4"),
    "shock": ("scenario / injected shocks", "#9467bd"),
    "control": ("teacher actions", "#7f7f7f"),
}


# ----------------------------------------------------------------------------------
# Scenarios and model construction
# ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """A scenario file turned into :class:`DiplomacyModel` keyword arguments.

    Attributes:
        name: file stem.
        description: the tags' descriptions joined (empty for the baseline).
        params: parameter changes ``{name: value}``.
        shocks: shock mappings, each labelled with its name in the file.
        world_changes: structural changes ``{name: change}``.
    """

    name: str
    description: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    shocks: list[dict[str, Any]] = field(default_factory=list)
    world_changes: dict[str, Any] = field(default_factory=dict)

    def model_kwargs(self) -> dict[str, Any]:
        """``params``, ``shocks`` and ``world_changes`` for :class:`DiplomacyModel`."""
        return {
            "params": dict(self.params),
            "shocks": [dict(s) for s in self.shocks],
            "world_changes": dict(self.world_changes),
        }


def list_scenarios(directory: Path = SCENARIO_DIR) -> list[str]:
    """Scenario names (file stems) in ``directory``, ``baseline`` first."""
    names = sorted(p.stem for p in Path(directory).glob("*.yaml"))
    return sorted(names, key=lambda name: (name != "baseline", name))


def list_worlds(directory: Path = WORLD_DIR) -> list[str]:
    """The worlds of :data:`WORLDS` that exist in ``directory``."""
    return [name for name in WORLDS if (Path(directory) / f"{name}.yaml").is_file()]


def parse_scenario(data: Any, name: str, source: str = "scenario") -> Scenario:
    """Validate a parsed scenario mapping (the ``configs/scenario/*.yaml`` schema).

    Shocks may be a mapping ``{name: shock}`` (the files' form; each shock is
    labelled with its name) or a list.  Shocks, parameters and world changes
    are checked against a world only when the model is built.

    Raises:
        ConfigError: naming the file and the key at fault.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at top level, got {type(data).__name__}")
    for key in data:
        if key not in SCENARIO_KEYS:
            raise ConfigError(
                f"{source}: {key}: unknown key; allowed: {', '.join(sorted(SCENARIO_KEYS))}"
            )
    tags = data.get("tags") or {}
    params = data.get("params") or {}
    changes = data.get("world_changes") or {}
    shock_node = data.get("shocks") or {}
    for key, node in (("tags", tags), ("params", params), ("world_changes", changes)):
        if not isinstance(node, dict):
            raise ConfigError(f"{source}: {key}: expected a mapping, got {type(node).__name__}")
    if isinstance(shock_node, dict):
        shocks = []
        for label, entry in shock_node.items():
            if not isinstance(entry, dict):
                raise ConfigError(f"{source}: shocks.{label}: expected a mapping")
            shocks.append({"label": str(label), **entry})
    elif isinstance(shock_node, list):
        shocks = [dict(entry) if isinstance(entry, dict) else entry for entry in shock_node]
        for position, entry in enumerate(shocks):
            if not isinstance(entry, dict):
                raise ConfigError(f"{source}: shocks[{position}]: expected a mapping")
    else:
        raise ConfigError(f"{source}: shocks: expected a mapping or a list")
    description = "; ".join(str(text) for text in tags.values())
    return Scenario(
        name=name,
        description=description,
        params=dict(params),
        shocks=shocks,
        world_changes=dict(changes),
    )


def load_scenario(name_or_path: str | Path, directory: Path = SCENARIO_DIR) -> Scenario:
    """Read a scenario by name (one of :func:`list_scenarios`) or by explicit path.

    The file is parsed with ``yaml.safe_load``: no value is ever evaluated as code.
    """
    if isinstance(name_or_path, Path):
        path = name_or_path
    else:
        known = list_scenarios(directory)
        if name_or_path not in known:
            raise ConfigError(f"scenario {name_or_path!r} not found; known: {', '.join(known)}")
        path = Path(directory) / f"{name_or_path}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
    except yaml.YAMLError:
        raise ConfigError(f"{path}: malformed YAML") from None
    return parse_scenario(data, path.stem, str(path))


def slider_defaults(scenario: Scenario | None = None) -> dict[str, float]:
    """Slider starting values: the parameter defaults, overridden by the scenario's."""
    defaults = ModelParameters().as_dict()
    values = {name: float(defaults[name]) for name in SLIDER_PARAMS}
    if scenario is not None:
        for name in SLIDER_PARAMS:
            value = scenario.params.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                values[name] = float(value)
    return values


@dataclass
class Settings:
    """What the Reset button builds: a world, a scenario, a seed and slider values."""

    world: str = "afghanistan"
    scenario: str = "baseline"
    seed: int = 0
    params: dict[str, float] = field(default_factory=dict)


def same_settings(first: Settings, second: Settings) -> bool:
    """True if two settings build the same model (slider values compared to 1e-9)."""
    if (first.world, first.scenario, first.seed) != (second.world, second.scenario, second.seed):
        return False
    names = set(first.params) | set(second.params)
    defaults = ModelParameters().as_dict()
    return all(
        abs(first.params.get(n, defaults[n]) - second.params.get(n, defaults[n])) <= 1e-9
        for n in names
    )


def slider_step(low: float, high: float) -> float:
    """A round slider step giving at least 100 positions on ``[low, high]``."""
    return float(10 ** np.floor(np.log10((high - low) / 100)))


def build_model(settings: Settings, scenario: Scenario | None = None) -> DiplomacyModel:
    """A fresh model of ``settings``: scenario parameters, then the sliders on top.

    Raises:
        ConfigError / WorldError: the scenario does not fit the world, or a value
            is out of range.
    """
    if settings.world not in list_worlds():
        raise ConfigError(f"world {settings.world!r}: known: {', '.join(list_worlds())}")
    scenario = scenario or load_scenario(settings.scenario)
    kwargs = scenario.model_kwargs()
    params = ModelParameters.from_mapping(kwargs.pop("params") | dict(settings.params))
    return DiplomacyModel(
        world=settings.world, params=params, rng=int(settings.seed), run_id=0, **kwargs
    )


def build_shock(
    kind: str,
    *,
    actor: str | None = None,
    group: str | None = None,
    level: int | None = None,
    partner: str | None = None,
    delta: float | None = None,
    count: int = 1,
) -> dict[str, Any]:
    """The shock mapping for ``model.inject`` of one of :data:`INJECT_KINDS`.

    ``actor`` is the attacked state for attacks, the deciding state otherwise.
    The model validates codes and ranges against its world when injecting.
    """
    if kind not in INJECT_KINDS:
        raise ConfigError(f"shock kind {kind!r}: allowed: {', '.join(INJECT_KINDS)}")
    if not actor:
        raise ConfigError(f"{kind}: choose a state")
    label = f"injected {INJECT_KINDS[kind].lower()}"
    if kind == "attack":
        if not group:
            raise ConfigError("attack: this world has no threat group")
        return {
            "kind": "attack",
            "group": group,
            "target": actor,
            "count": int(count),
            "label": label,
        }
    if kind == "recognition":
        if level is None:
            raise ConfigError("recognition: choose a level")
        return {"kind": "recognition", "actor": actor, "level": int(level), "label": label}
    if kind == "border_closure":
        return {"kind": "border_closure", "actor": actor, "label": label}
    if not partner or partner == actor:
        raise ConfigError("affinity: choose two different states")
    return {
        "kind": "affinity",
        "actor": actor,
        "partner": partner,
        "delta": float(delta if delta is not None else -0.5),
        "label": label,
    }


# ----------------------------------------------------------------------------------
# Events and measures
# ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One line of the timeline: the month index, its date, a kind and a text."""

    month: int
    date: str
    kind: str
    text: str


def level_label(level: int) -> str:
    """``"4 ambassador accepted (de facto)"``."""
    return f"{level} {RECOGNITION_LEVELS[int(level)]}"


def describe_shock(shock: Shock, world: World) -> str:
    """A one-line description of an applied shock."""
    actor = None if shock.actor is None else world.codes[shock.actor]
    if shock.kind == "attack":
        group = world.group_codes[shock.group] if shock.group is not None else "?"
        detail = f"{group} attack on {actor}" + (f" x{shock.count}" if shock.count > 1 else "")
    elif shock.kind == "recognition":
        detail = f"{actor} set to level {level_label(int(shock.value or 0))}"
    elif shock.kind == "affinity":
        partner = world.codes[shock.partner] if shock.partner is not None else "?"
        change = f"= {shock.value:+.2f}" if shock.value is not None else f"{shock.delta:+.2f}"
        detail = f"affinity {actor}-{partner} {change}"
    elif shock.kind == "group_strength":
        group = world.group_codes[shock.group] if shock.group is not None else "?"
        change = f"= {shock.value:.2f}" if shock.value is not None else f"{shock.delta:+.2f}"
        detail = f"{group} strength {change}"
    elif shock.kind in {"policy", "aid"}:
        change = f"= {shock.value:.2f}" if shock.value is not None else f"{shock.delta:+.2f}"
        detail = f"{shock.lever or 'aid'} {change}"
    else:
        detail = f"{shock.kind.replace('_', ' ')} by {actor}"
    return f"{shock.label}: {detail}" if shock.label != shock.kind else detail


def describe_injection(shock: dict[str, Any]) -> str:
    """A one-line description of a shock mapping about to be injected."""
    kind = shock["kind"]
    if kind == "attack":
        return f"{shock['group']} attack on {shock['target']}"
    if kind == "recognition":
        return f"{shock['actor']} to level {level_label(shock['level'])}"
    if kind == "border_closure":
        return f"{shock['actor']} closes its border"
    if kind == "affinity":
        return f"affinity {shock['actor']}-{shock['partner']} {shock['delta']:+.2f}"
    return kind


def events_from_record(
    month: int,
    date: str,
    record: StepRecord,
    world: World,
    levels: np.ndarray | None = None,
) -> list[Event]:
    """The timeline entries of one month (run 0 of ``record``).

    ``levels`` (the recognition levels after the month) adds the level reached
    to recognition moves.
    """
    events: list[Event] = []
    target = world.target_code or "the target"

    def add(kind: str, text: str) -> None:
        events.append(Event(month, date, kind, text))

    def reached(i: int) -> str:
        return "" if levels is None else f" to {level_label(int(levels[i]))}"

    for shock in record.shocks:
        add("shock", describe_shock(shock, world))
    attacks = np.asarray(record.attacks[0])
    for g, i in zip(*np.nonzero(attacks), strict=True):
        count = int(attacks[g, i])
        suffix = f" x{count}" if count > 1 else ""
        add("attack", f"{world.group_codes[g]} attack on {world.codes[i]}{suffix}")
    for i in np.flatnonzero(record.strikes[0]):
        add("coercion", f"{world.codes[i]} strikes in {target}")
    for i in np.flatnonzero(record.closures[0]):
        add("coercion", f"{world.codes[i]} closes its border with {target}")
    for i in np.flatnonzero(record.reopenings[0]):
        add("reopening", f"{world.codes[i]} reopens its border with {target}")
    for i in np.flatnonzero(record.deportations[0]):
        add("deportation", f"{world.codes[i]} deports Afghan refugees (wave)")
    moves = np.asarray(record.moves[0])
    for i in np.flatnonzero(moves):
        direction = "up" if moves[i] > 0 else "down"
        add("recognition", f"{world.codes[i]} moves {direction} the ladder{reached(i)}")
    forced = np.asarray(record.shock_moves[0])
    for i in np.flatnonzero(forced):
        rungs = abs(int(forced[i]))
        direction = "up" if forced[i] > 0 else "down"
        add(
            "recognition",
            f"{world.codes[i]} jumps {direction} {rungs} rung{'s' if rungs > 1 else ''}"
            f" (scheduled event){reached(i)}",
        )
    return events


@dataclass(frozen=True)
class Metrics:
    """Measures of one month shown in the header and the balance chart."""

    month: int
    date: str
    balanced_share: float
    frustration: float
    frustrated_ties: int
    blocs: str
    n_blocs: int
    mean_recognition: float | None
    recognisers: tuple[str, ...]


def current_blocs(model: DiplomacyModel) -> np.ndarray:
    """Bloc labels of the current affinities (``detect_blocs``, threshold TIE_TOLERANCE)."""
    return detect_blocs(model.state.affinity[0], threshold=TIE_TOLERANCE)


def measure(model: DiplomacyModel) -> Metrics:
    """Structural balance, blocs and recognition summary of the model's current month."""
    affinity = model.state.affinity[0]
    share = balanced_triad_share(affinity, tie_tolerance=TIE_TOLERANCE)
    weighted = frustration_index(affinity, weighted=True, tie_tolerance=TIE_TOLERANCE)
    counted = frustration_index(affinity, weighted=False, tie_tolerance=TIE_TOLERANCE)
    labels = current_blocs(model)
    world = model.world
    if world.target is None:
        mean_level, recognisers = None, ()
    else:
        levels = model.state.recognition[0][world.state_mask]
        codes = np.array(world.codes)[world.state_mask]
        mean_level = float(levels.mean())
        recognisers = tuple(str(c) for c, lvl in zip(codes, levels, strict=True) if lvl >= 4)
    return Metrics(
        month=model.month,
        date=model.date,
        balanced_share=share,
        frustration=float(weighted.value),
        frustrated_ties=int(counted.value),
        blocs=blocs_to_string(labels, world.codes),
        n_blocs=int(labels.max()) + 1,
        mean_recognition=mean_level,
        recognisers=recognisers,
    )


@dataclass(frozen=True)
class MinimumRow:
    """One local minimum of the landscape, for the table."""

    blocs: str
    energy: float
    basin: int
    is_global: bool
    is_current: bool


def landscape_rows(model: DiplomacyModel) -> list[MinimumRow]:
    """Local minima of the Axelrod-Bennett landscape of the current affinities.

    Sizes are capabilities, propensities the current affinity matrix.  A row is
    ``is_current`` when the detected blocs are exactly that two-bloc configuration.
    """
    sizes = np.maximum(model.world.capability, 1e-6)
    affinity = model.state.affinity[0]
    result = local_minima(sizes, affinity)
    codes = model.world.codes
    current = blocs_to_string(current_blocs(model), codes)
    best = float(result.energies.min())
    scale = max(1.0, abs(best))
    rows = []
    for config, energy, basin in zip(
        result.configurations, result.energies, result.basin_sizes, strict=True
    ):
        text = blocs_to_string(config, codes)
        rows.append(
            MinimumRow(
                blocs=text,
                energy=float(energy),
                basin=int(basin),
                is_global=abs(float(energy) - best) <= 1e-9 * scale,
                is_current=text == current,
            )
        )
    return rows


def current_energy(model: DiplomacyModel) -> float | None:
    """Landscape energy of the detected blocs if they form at most two blocs, else None."""
    labels = current_blocs(model)
    if labels.max() > 1:
        return None
    sizes = np.maximum(model.world.capability, 1e-6)
    return float(landscape_energy(labels.astype(np.int8), sizes, model.state.affinity[0]))


# ----------------------------------------------------------------------------------
# Layout and the session of one browser tab
# ----------------------------------------------------------------------------------


def spring_positions(
    model: DiplomacyModel, previous: dict[str, np.ndarray] | None = None, iterations: int = 15
) -> dict[str, np.ndarray]:
    """Node positions: ``model.layout()`` at first, then a few spring iterations from
    the previous positions, so nodes drift with the friendly ties instead of jumping."""
    if previous is None:
        return {str(k): np.asarray(v) for k, v in model.layout().items()}
    graph = model.relation_graph()
    positive = nx.Graph()
    positive.add_nodes_from(graph.nodes)
    positive.add_edges_from((u, v, d) for u, v, d in graph.edges(data=True) if d["weight"] > 0)
    return nx.spring_layout(
        positive, pos=dict(previous), iterations=iterations, seed=model.layout_seed
    )


class Session:
    """One model with its layout, event timeline and measures (one per browser tab)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = dataclasses.replace(settings, params=dict(settings.params))
        self.scenario = load_scenario(settings.scenario)
        self.model = build_model(self.settings, self.scenario)
        self.lock = threading.RLock()
        self.positions = spring_positions(self.model)
        text = f"start: world {settings.world}, scenario {settings.scenario}, seed {settings.seed}"
        self.events: list[Event] = [Event(0, self.model.date, "control", text)]
        self.history: list[Metrics] = [measure(self.model)]

    @property
    def finished(self) -> bool:
        """True at the model's horizon."""
        return self.model.month >= HORIZON_MONTHS - 1

    def step(self, months: int = 1) -> None:
        """Advance ``months`` months, recording events, layout and measures."""
        with self.lock:
            for _ in range(months):
                if self.finished:
                    return
                model = self.model
                model.step()
                assert model.last_record is not None
                self.events.extend(
                    events_from_record(
                        model.month,
                        model.date,
                        model.last_record,
                        model.world,
                        levels=model.state.recognition[0],
                    )
                )
                self.positions = spring_positions(model, self.positions)
                self.history.append(measure(model))

    def inject(self, shock: dict[str, Any]) -> str:
        """Schedule ``shock`` for next month via ``model.inject``; returns its description."""
        with self.lock:
            self.model.inject(shock)
            when = add_months(self.model.date, 1)
            text = f"injected for {when}: {describe_injection(shock)}"
            self.events.append(Event(self.model.month, self.model.date, "control", text))
            return text


# ----------------------------------------------------------------------------------
# Figures (matplotlib, no pyplot: safe in server threads)
# ----------------------------------------------------------------------------------


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
    """Convex hull (monotone chain) of 2-D points, counter-clockwise."""
    pts = sorted({(float(x), float(y)) for x, y in points})
    if len(pts) <= 2:
        return np.array(pts)

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


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
    """Events of the last :data:`TIMELINE_WINDOW_MONTHS` months by kind."""
    kinds = list(EVENT_KINDS)
    low = max(0, month - TIMELINE_WINDOW_MONTHS + 1)
    figure = Figure(figsize=(13.0, 2.6))
    ax = figure.add_subplot()
    counts: dict[tuple[int, str], int] = {}
    for event in events:
        if event.month >= low and event.kind in EVENT_KINDS:
            counts[(event.month, event.kind)] = counts.get((event.month, event.kind), 0) + 1
    for row, kind in enumerate(kinds):
        points = [(m, c) for (m, k), c in counts.items() if k == kind]
        if points:
            xs, cs = zip(*points, strict=True)
            ax.scatter(xs, [row] * len(xs), s=[30 + 25 * c for c in cs], color=EVENT_KINDS[kind][1])
    ax.set_yticks(range(len(kinds)), [EVENT_KINDS[k][0] for k in kinds], fontsize=8)
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


def events_html(events: list[Event], limit: int = EVENTS_SHOWN) -> str:
    """The latest events as an escaped HTML list, newest first."""
    items = []
    for event in reversed(events[-limit:]):
        colour = EVENT_KINDS.get(event.kind, ("", "#424242"))[1]
        items.append(
            f'<li><span style="color:{colour};font-weight:600">{html.escape(event.date)}</span> '
            f"{html.escape(event.text)}</li>"
        )
    if not items:
        return "<p>No events yet.</p>"
    return '<ul class="sim-events" style="margin:0;padding-left:18px">' + "".join(items) + "</ul>"


def landscape_html(rows: list[MinimumRow], energy_now: float | None) -> str:
    """Table of the landscape minima (escaped HTML)."""
    head = "<tr><th>blocs</th><th>energy</th><th>basin</th><th></th></tr>"
    body = "".join(
        f"<tr><td>{html.escape(r.blocs)}</td><td>{r.energy:.3f}</td><td>{r.basin}</td>"
        f"<td>{'global' if r.is_global else 'local'}{' &middot; now' if r.is_current else ''}</td></tr>"
        for r in rows
    )
    now = (
        f"<p>Energy of the current blocs: {energy_now:.3f}</p>"
        if energy_now is not None
        else "<p>The current blocs are more than two: landscape energy is for two blocs.</p>"
    )
    return (
        '<table class="sim-landscape" style="border-collapse:collapse;width:100%">'
        f"{head}{body}</table>{now}"
    )


# ----------------------------------------------------------------------------------
# The Solara page (one set of reactive values per browser tab)
# ----------------------------------------------------------------------------------

session_state: solara.Reactive[Session | None] = solara.reactive(None)
version = solara.reactive(0)
playing = solara.reactive(False)
error_text = solara.reactive("")
notice_text = solara.reactive("")
world_choice = solara.reactive("afghanistan")
scenario_choice = solara.reactive("baseline")
seed_choice = solara.reactive(0)
slider_state = {name: solara.reactive(value) for name, value in slider_defaults().items()}
inject_kind = solara.reactive("recognition")
inject_actor = solara.reactive("")
inject_group = solara.reactive("")
inject_level = solara.reactive(level_label(MAX_LEVEL))
inject_partner = solara.reactive("")
inject_delta = solara.reactive(-0.5)

PAGE_CSS = """
.sim-events li { margin-bottom: 2px; font-size: 13px; }
.sim-landscape td, .sim-landscape th { border-bottom: 1px solid #e0e0e0; padding: 2px 6px;
  font-size: 13px; text-align: left; }
.sim-figure img { max-width: 100%; height: auto; }
.sim-status { font-size: 15px; }
.sim-caption { font-size: 12px; color: #616161; }
"""


def _settings_from_controls() -> Settings:
    return Settings(
        world=world_choice.value,
        scenario=scenario_choice.value,
        seed=int(seed_choice.value or 0),
        params={name: float(state.value) for name, state in slider_state.items()},
    )


def _reset_inject_choices(world: World) -> None:
    states = [c for i, c in enumerate(world.codes) if world.state_mask[i]]
    inject_actor.value = states[0] if states else ""
    inject_partner.value = states[1] if len(states) > 1 else ""
    inject_group.value = world.group_codes[0] if world.group_codes else ""
    if inject_kind.value == "attack" and not world.group_codes:
        inject_kind.value = "affinity"
    if inject_kind.value in {"recognition", "border_closure"} and world.target is None:
        inject_kind.value = "affinity"


def reset_session() -> None:
    """Build a new session from the controls (the Reset button)."""
    playing.value = False
    try:
        new = Session(_settings_from_controls())
    except (ConfigError, ValueError) as error:
        error_text.value = str(error)
        return
    error_text.value = ""
    notice_text.value = ""
    _reset_inject_choices(new.model.world)
    session_state.value = new
    version.value += 1


def step_session(months: int = 1) -> None:
    """Advance the session (the Step buttons and the play loop)."""
    current = session_state.value
    if current is None:
        return
    current.step(months)
    version.value += 1


def inject_from_controls() -> None:
    """Inject the shock described by the controls into the running model."""
    current = session_state.value
    if current is None:
        return
    try:
        level = int(str(inject_level.value).split(" ", 1)[0])
        shock = build_shock(
            inject_kind.value,
            actor=inject_actor.value,
            group=inject_group.value,
            level=level,
            partner=inject_partner.value,
            delta=float(inject_delta.value),
        )
        text = current.inject(shock)
    except (ConfigError, ValueError) as error:
        error_text.value = str(error)
        return
    error_text.value = ""
    notice_text.value = text
    version.value += 1


class PlayTicker(ipyvuetify.VuetifyTemplate):
    """An invisible browser-side timer that drives Play.

    While ``playing``, the browser bumps ``tick`` ``delay_ms`` after the server
    acknowledged the previous month (``done`` changed), and the server steps on
    each ``tick``.  Months are stepped in the same message thread as clicks (no
    server thread renders concurrently with event handlers), play never runs
    ahead of the drawing, and it stops by itself when the tab closes.
    """

    template = traitlets.Unicode(
        """
<template><span style="display: none"></span></template>
<script>
module.exports = {
  mounted() { this.schedule(); },
  watch: {
    done() { this.schedule(); },
    playing() { this.schedule(); },
  },
  methods: {
    schedule() {
      if (this.timer) { clearTimeout(this.timer); this.timer = null; }
      if (!this.playing) { return; }
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.playing) { this.tick = this.tick + 1; }
      }, this.delay_ms);
    },
  },
  beforeDestroy() { if (this.timer) { clearTimeout(this.timer); } },
};
</script>
"""
    ).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    done = traitlets.Int(0).tag(sync=True)
    tick = traitlets.Int(0).tag(sync=True)
    delay_ms = traitlets.Int(300).tag(sync=True)


def play_tick() -> None:
    """One month of Play (called on each browser tick)."""
    current = session_state.value
    if current is None or not playing.value:
        return
    if current.finished:
        playing.value = False
        return
    step_session(1)


@solara.component
def FigurePanel(png: bytes, name: str, caption: str = "") -> None:
    """A figure image with a class for styling and tests."""
    with solara.Column(classes=["sim-figure", f"sim-figure-{name}"], gap="4px"):
        solara.Image(png, format="png", classes=[f"sim-img-{name}"])
        if caption:
            solara.Text(caption, classes=["sim-caption"])


@solara.component
def Controls(current: Session) -> None:
    """Sidebar: world, scenario, seed, sliders, step / play / reset, inject."""
    _ = version.value  # the session mutates in place: re-render on every step
    world = current.model.world
    with solara.Card("Run", margin=0), solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
        solara.Button("Step", on_click=lambda: step_session(1), color="primary")
        solara.Button("Step 12", on_click=lambda: step_session(12), outlined=True)
        solara.Button(
            "Pause" if playing.value else "Play",
            on_click=lambda: playing.set(not playing.value),
            color="secondary",
        )
        solara.Button("Reset", on_click=reset_session, color="error", outlined=True)
    with solara.Card("Setup (applies on Reset)", margin=0):
        solara.Select("World", values=list_worlds(), value=world_choice)
        scenarios = list_scenarios()

        def choose_scenario(name: str) -> None:
            scenario_choice.value = name
            try:
                defaults = slider_defaults(load_scenario(name))
            except ConfigError as error:
                error_text.value = str(error)
                return
            for key, value in defaults.items():
                slider_state[key].value = value

        solara.Select(
            "Scenario", values=scenarios, value=scenario_choice.value, on_value=choose_scenario
        )
        solara.InputInt("Seed", value=seed_choice)
        specs = ModelParameters.specs()
        for name in SLIDER_PARAMS:
            spec = specs[name]
            solara.SliderFloat(
                f"{name} = {slider_state[name].value:.3g}",
                value=slider_state[name],
                min=spec.low,
                max=spec.high,
                step=slider_step(spec.low, spec.high),
                thumb_label=False,
            )
            solara.Text(spec.meaning, classes=["sim-caption"])
        if not same_settings(_settings_from_controls(), current.settings):
            solara.Warning("Changed: press Reset to rebuild the model.", dense=True)
        solara.Button(
            "Reset with these settings", on_click=reset_session, color="primary", block=True
        )
    with solara.Card("Inject a shock (next month)", margin=0):
        kinds = [k for k in INJECT_KINDS if k != "attack" or world.group_codes]
        if world.target is None:
            kinds = [k for k in kinds if k not in {"recognition", "border_closure"}]
        solara.ToggleButtonsSingle(
            value=inject_kind.value if inject_kind.value in kinds else kinds[0],
            on_value=inject_kind.set,
            children=[solara.Button(INJECT_KINDS[k], value=k, text=True) for k in kinds],
            style={"flex-wrap": "wrap"},
        )
        kind = inject_kind.value if inject_kind.value in kinds else kinds[0]
        states = [c for i, c in enumerate(world.codes) if world.state_mask[i]]
        if kind == "attack":
            solara.Select("Group", values=list(world.group_codes), value=inject_group)
            solara.Select("Attacked state", values=states, value=inject_actor)
        elif kind == "recognition":
            solara.Select("State", values=states, value=inject_actor)
            solara.Select(
                "Level",
                values=[level_label(k) for k in range(MAX_LEVEL + 1)],
                value=inject_level,
            )
        elif kind == "border_closure":
            solara.Select("State closing its border", values=states, value=inject_actor)
        else:
            solara.Select("State", values=list(world.codes), value=inject_actor)
            solara.Select("Partner", values=list(world.codes), value=inject_partner)
            solara.SliderFloat("Affinity change", value=inject_delta, min=-1.0, max=1.0, step=0.05)
        solara.Button("Inject shock", on_click=inject_from_controls, color="warning", block=True)


@solara.component
def StatusBar(current: Session) -> None:
    """Date, world, scenario and the headline measures."""
    _ = version.value  # the session mutates in place: re-render on every step
    model = current.model
    metrics = current.history[-1]
    share = "n/a" if np.isnan(metrics.balanced_share) else f"{metrics.balanced_share:.0%}"
    parts = [
        f"<b class='sim-date'>{html.escape(model.date)}</b> (month {model.month})",
        f"world <b>{html.escape(current.settings.world)}</b>",
        f"scenario <b>{html.escape(current.settings.scenario)}</b>",
        f"balanced triads <b class='sim-share'>{share}</b>",
        f"frustration <b>{metrics.frustration:.2f}</b> ({metrics.frustrated_ties} ties)",
        f"blocs <b>{html.escape(metrics.blocs)}</b>",
    ]
    emirate = model.emirate
    if emirate is not None:
        recognisers = ", ".join(metrics.recognisers) or "none"
        parts.append(
            f"Emirate inclusivity <b>{emirate.inclusivity:.2f}</b>, hardliners "
            f"<b>{emirate.hardliner_influence:.2f}</b>, de facto+ recognisers <b>{recognisers}</b>"
        )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=" &middot; ".join(parts),
        classes=["sim-status"],
    )
    if current.scenario.description:
        solara.Text(f"Scenario: {current.scenario.description}", classes=["sim-caption"])


@solara.component
def Dashboard(current: Session) -> None:
    """The figures and the event list."""
    figures = solara.use_memo(
        lambda: render_figures(current), dependencies=[current, version.value]
    )
    panels = figures.panels
    model = current.model
    with solara.Columns([3, 2]):
        with solara.Card("Alignment network", margin=0):
            FigurePanel(
                panels["network"],
                "network",
                "Node size = capability; edge colour and width = affinity; shaded hulls and "
                f"outlines = blocs (correlation clustering, ties above |{TIE_TOLERANCE}|).",
            )
        with solara.Column():
            if "ladder" in panels:
                with solara.Card("Recognition ladder", margin=0):
                    FigurePanel(panels["ladder"], "ladder", "\u25b2/\u25bc = moved this month.")
            else:
                rows = landscape_rows(model)
                with solara.Card("Landscape theory (Axelrod & Bennett 1993)", margin=0):
                    FigurePanel(
                        panels["landscape"],
                        "landscape",
                        "Two-bloc configurations from which no single state gains by switching "
                        "sides; sizes = capability, propensities = current affinities.",
                    )
                    solara.HTML(
                        tag="div", unsafe_innerHTML=landscape_html(rows, current_energy(model))
                    )
    with solara.Columns([1, 1]):
        if "trade" in panels:
            with solara.Card("Trade", margin=0):
                FigurePanel(panels["trade"], "trade")
        with solara.Card("Structural balance", margin=0):
            FigurePanel(
                panels["balance"],
                "balance",
                "Share of closed triads whose sign product is positive; frustration = "
                "least total weight of ties that contradict a two-bloc split.",
            )
        if "trade" not in panels:
            with solara.Card("Latest events", margin=0):
                solara.HTML(tag="div", unsafe_innerHTML=events_html(current.events))
    with solara.Card("Timeline", margin=0):
        FigurePanel(panels["timeline"], "timeline")
        if "trade" in panels:
            solara.HTML(
                tag="div",
                unsafe_innerHTML=events_html(current.events),
                style="max-height: 260px; overflow-y: auto",
            )


@solara.component
def Page() -> None:
    """The teaching view."""
    solara.Title("Afghanistan diplomacy: alignment")
    solara.Style(PAGE_CSS)

    def start() -> None:
        if session_state.value is None:
            reset_session()

    solara.use_effect(start, [])

    current = session_state.value
    if current is not None:
        PlayTicker.element(
            playing=playing.value,
            done=version.value,
            delay_ms=PLAY_DELAY_MS,
            on_tick=lambda tick: play_tick(),
        )
    _ = version.value  # re-render on every step
    with solara.AppBar():
        solara.AppBarTitle("Regional diplomacy around Afghanistan: a teaching view")
    if current is None:
        with solara.Column():
            if error_text.value:
                solara.Error(error_text.value)
            solara.Text("Building the model...")
        return
    with solara.Sidebar():
        Controls(current)
    with solara.Column(style={"padding": "8px"}):
        if error_text.value:
            solara.Error(error_text.value)
        if notice_text.value:
            solara.Info(notice_text.value, dense=True)
        StatusBar(current)
        Dashboard(current)


# ----------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """``--host`` (default 127.0.0.1), ``--port`` (default 8765), ``--log-level``."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.app", description="Serve the interactive teaching view."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log level",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        parser.error(f"--port {args.port}: expected 1..65535")
    return args


def main(argv: list[str] | None = None) -> None:
    """Serve :func:`Page` with solara-server (production mode, no telemetry)."""
    args = parse_args(argv)
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    import solara.server.settings as solara_settings
    from solara.__main__ import run

    solara_settings.telemetry.mixpanel_enable = False
    print(f"Teaching view at http://{args.host}:{args.port}/ (Ctrl+C to stop)", flush=True)
    run.main(
        args=[
            "sim.app",
            "--host",
            args.host,
            "--port",
            str(args.port),
            "--production",
            "--no-open",
            "--no-check-version",
            "--log-level",
            args.log_level,
        ],
        prog_name="solara",
        standalone_mode=True,
    )


if __name__ == "__main__":
    main()
