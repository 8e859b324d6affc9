"""What one browser tab holds: its settings, its model, the layout, events and measures.

A model is built through the same config path as ``python -m sim``
(:func:`sim.api.build_model`): the world and scenario are Hydra config choices, the
seed is the ensemble's, and the sliders are ``params.NAME=value`` overrides that win
over the scenario's own parameters.  So the app shows run 0 of the ensemble the CLI
would simulate with the same settings, month for month.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import threading
import zipfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.api import build_model as build_configured_model
from sim.api import compose_spec
from sim.app.measures import Metrics, current_blocs, measure
from sim.app.narration import CONTROL, Event, describe_injection, events_from_record
from sim.config import list_scenarios, list_worlds
from sim.dates import add_months
from sim.errors import ConfigError
from sim.model import DiplomacyModel
from sim.params import FITTED_PATH, ModelParameters
from sim.posterior import ParameterDraws

#: Modelling-choice parameters with a slider (ranges from ModelParameters.specs()).
SLIDER_PARAMS: tuple[str, ...] = (
    "balance_weight",
    "alignment_rate",
    "fast_decay",
    "bandwagon_weight",
    "consensus_weight",
    "choice_temperature",
)

#: Plain-language names of the sliders (the parameter name is shown beside them).
SLIDER_LABELS: dict[str, str] = {
    "balance_weight": "Pull toward balance (the enemy of my enemy is my friend)",
    "alignment_rate": "How fast relations move",
    "fast_decay": "How fast recent grievances and favours fade",
    "bandwagon_weight": "Bandwagoning: following states that recognise",
    "consensus_weight": "Weight of the international non-recognition consensus",
    "choice_temperature": "Unpredictability of governments' choices",
}

#: Shocks a teacher can inject: kind -> button label.
INJECT_KINDS: dict[str, str] = {
    "attack": "Attack",
    "recognition": "Recognition",
    "border_closure": "Border closure",
    "affinity": "Affinity change",
}

__all__ = ["list_scenarios", "list_worlds"]


@dataclass(frozen=True)
class SliderDefault:
    """A slider's starting value and where it came from (shown beside the slider)."""

    value: float
    source: str


@functools.cache
@functools.cache
def _default_params(world: str, scenario: str, seed: int) -> tuple[ModelParameters, frozenset]:
    """Run 0's parameters for these settings, and the names drawn from the posterior."""
    _, spec = compose_spec([f"world={world}", f"scenario={scenario}", f"seed={seed}", "runs=1"])
    if isinstance(spec.params, ParameterDraws):
        return spec.params.for_runs(seed, np.array([0])).run(0), frozenset(spec.params.names)
    return spec.params, frozenset()


def slider_defaults(
    world: str = "afghanistan", scenario: str = "baseline", seed: int = 0
) -> dict[str, SliderDefault]:
    """Slider starting values: the parameters ``python -m sim`` gives run 0 for this
    world, scenario and seed (its posterior draw, the fitted point, or the scenario's
    own value), with their source."""
    params, drawn = _default_params(world, scenario, int(seed))
    fitted = ModelParameters.fitted()
    source_of_fit = f"fitted ({FITTED_PATH.parent.name}/{FITTED_PATH.name})"
    if not FITTED_PATH.is_file():
        source_of_fit = "prior (sim/params.py)"
    out = {}
    for name in SLIDER_PARAMS:
        value = float(getattr(params, name))
        if name in drawn:
            source = f"posterior draw of run 0 (seed {seed})"
        elif value == getattr(fitted, name):
            source = source_of_fit
        else:
            source = f"scenario {scenario}"
        out[name] = SliderDefault(value, source)
    return out


@dataclass
class Settings:
    """What the Reset button builds: a world, a scenario, a seed and slider values.

    ``params`` holds slider values that differ from the defaults (empty: all defaults).
    """

    world: str = "afghanistan"
    scenario: str = "baseline"
    seed: int = 0
    params: dict[str, float] = field(default_factory=dict)

    def overrides(self) -> list[str]:
        """The Hydra overrides of these settings (the CLI would take the same)."""
        return [
            f"world={self.world}",
            f"scenario={self.scenario}",
            f"seed={int(self.seed)}",
            *(f"params.{name}={float(value)!r}" for name, value in sorted(self.params.items())),
        ]


def slider_step(low: float, high: float) -> float:
    """A round slider step giving at least 100 positions on ``[low, high]``."""
    return float(10 ** np.floor(np.log10((high - low) / 100)))


def slider_tolerance(name: str) -> float:
    """Half a slider step: a slider snaps its value to its steps, so values this close
    to each other are the same setting."""
    spec = ModelParameters.specs()[name]
    return 0.5 * slider_step(spec.low, spec.high) + 1e-12


def changed_sliders(
    values: dict[str, float], world: str = "afghanistan", scenario: str = "baseline", seed: int = 0
) -> dict[str, float]:
    """The slider values that differ from the defaults (by more than half a step)."""
    defaults = slider_defaults(world, scenario, seed)
    return {
        name: float(value)
        for name, value in values.items()
        if abs(float(value) - defaults[name].value) > slider_tolerance(name)
    }


def same_settings(first: Settings, second: Settings) -> bool:
    """True if two settings build the same model (sliders compared to half a step)."""
    if (first.world, first.scenario, first.seed) != (second.world, second.scenario, second.seed):
        return False
    defaults = {
        k: d.value for k, d in slider_defaults(first.world, first.scenario, first.seed).items()
    }
    names = set(first.params) | set(second.params)
    return all(
        abs(first.params.get(n, defaults[n]) - second.params.get(n, defaults[n]))
        <= slider_tolerance(n)
        for n in names
    )


def build_model(settings: Settings) -> DiplomacyModel:
    """A fresh model of ``settings`` through the CLI's config path.

    Raises:
        ConfigError / WorldError: unknown world or scenario, a scenario that does not
            fit the world, or a value out of range.
    """
    if settings.world not in list_worlds():
        raise ConfigError(f"world {settings.world!r}: known: {', '.join(list_worlds())}")
    if settings.scenario not in list_scenarios():
        raise ConfigError(f"scenario {settings.scenario!r}: known: {', '.join(list_scenarios())}")
    return build_configured_model(settings.overrides(), run_id=0)


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


class Session:
    """One model with its layout, event timeline and measures (one per browser tab).

    The session remembers every shock the teacher injected (and the month it was
    injected in), so it can be rewound to any earlier month and replayed
    (:meth:`replayed`), compared with the same run without those shocks
    (:meth:`counterfactual`), and exported (:meth:`export_zip`).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = dataclasses.replace(settings, params=dict(settings.params))
        self.model = build_model(self.settings)
        self.description = self.model_description()
        self.lock = threading.RLock()
        self.positions = self.model.layout()
        text = f"start: world {settings.world}, scenario {settings.scenario}, seed {settings.seed}"
        self.events: list[Event] = [Event(0, self.model.date, CONTROL, text)]
        self.history: list[Metrics] = [measure(self.model)]
        #: (model month when injected, the shock mapping), in order.
        self.injections: list[tuple[int, dict[str, Any]]] = []
        #: One row per (month, actor): what the export's ``states.csv`` holds.
        self.rows: list[dict[str, Any]] = []
        self.dyad_rows: list[pd.DataFrame] = []
        self._snapshot()

    def model_description(self) -> str:
        """The scenario's description (its tags), empty for the baseline."""
        cfg, _ = compose_spec(self.settings.overrides())
        return "; ".join(str(text) for text in cfg.scenario.tags.values())

    @property
    def finished(self) -> bool:
        """True at the model's end month."""
        return not self.model.running

    @property
    def months_available(self) -> int:
        """The last month index this session has reached (0 = the start)."""
        return self.model.month

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
                self.positions = model.layout(previous=self.positions)
                self.history.append(measure(model))
                self._snapshot()

    def inject(self, shock: dict[str, Any]) -> str:
        """Schedule ``shock`` for next month via ``model.inject``; returns its description."""
        with self.lock:
            self.model.inject(shock)
            self.injections.append((self.model.month, dict(shock)))
            when = add_months(self.model.date, 1)
            text = f"injected for {when}: {describe_injection(shock)}"
            self.events.append(Event(self.model.month, self.model.date, CONTROL, text))
            return text

    # -- rewind, replay, compare ----------------------------------------------------
    def replayed(self, month: int, injections: bool = True) -> Session:
        """A new session of the same settings stepped to ``month`` (clipped to the end),
        with the shocks injected before ``month`` injected again at the same months
        (none with ``injections=False``).  The run is the same month for month, so
        rewinding and stepping forward again replays it exactly."""
        replay = Session(self.settings)
        target = max(0, min(int(month), replay.model.months))
        scheduled = [(m, shock) for m, shock in self.injections if m < target] if injections else []
        for current in range(target + 1):
            for m, shock in scheduled:
                if m == current:
                    replay.inject(shock)
            if current < target:
                replay.step(1)
        return replay

    def counterfactual(self) -> Session:
        """The same run, at the same month, without any of the injected shocks."""
        return self.replayed(self.model.month, injections=False)

    # -- export ---------------------------------------------------------------------
    def _snapshot(self) -> None:
        model = self.model
        world = model.world
        blocs = current_blocs(model)
        levels = model.state.recognition[0]
        affinity = model.state.affinity[0]
        for i, code in enumerate(world.codes):
            is_state = bool(world.state_mask[i])
            row: dict[str, Any] = {
                "month": model.month,
                "date": model.date,
                "actor": code,
                "bloc": int(blocs[i]),
            }
            if world.target is not None:
                row["recognition"] = int(levels[i]) if is_state else None
                row["affinity_afg"] = float(affinity[i, world.target]) if is_state else None
                row["exports_to_afg_musd"] = (
                    float(model.state.target_imports[0, i]) if is_state else None
                )
                row["imports_from_afg_musd"] = (
                    float(model.state.target_exports[0, i]) if is_state else None
                )
                row["border_open"] = bool(model.state.border_open[0, i]) if is_state else None
            self.rows.append(row)
        i_index, j_index = np.nonzero(~np.eye(world.n_actors, dtype=bool))
        codes = np.array(world.codes)
        self.dyad_rows.append(
            pd.DataFrame(
                {
                    "month": model.month,
                    "date": model.date,
                    "actor": codes[i_index],
                    "partner": codes[j_index],
                    "affinity": affinity[i_index, j_index].astype(float),
                }
            )
        )

    def export_frames(self) -> dict[str, pd.DataFrame]:
        """The run so far as tables: ``states`` (month, actor), ``dyads``, ``events``
        (the timeline, with the teacher's actions) and ``balance`` (the measures)."""
        with self.lock:
            states = pd.DataFrame(self.rows)
            dyads = pd.concat(self.dyad_rows, ignore_index=True)
            events = pd.DataFrame(
                [
                    {"month": e.month, "date": e.date, "row": e.kind, "text": e.text}
                    for e in self.events
                ]
            )
            balance = pd.DataFrame([dataclasses.asdict(m) for m in self.history])
            balance["recognizers"] = balance["recognizers"].map(" ".join)
        return {"states": states, "dyads": dyads, "events": events, "balance": balance}

    def export_zip(self) -> bytes:
        """A zip of the run so far: one CSV per table of :meth:`export_frames` and
        ``settings.json`` (the overrides that rebuild it with ``python -m sim``)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, frame in self.export_frames().items():
                archive.writestr(f"{name}.csv", frame.to_csv(index=False))
            settings = {
                "overrides": self.settings.overrides(),
                "month": self.model.month,
                "date": self.model.date,
                "injected": [
                    {"injected_in": add_months(self.model.start, m), "shock": shock}
                    for m, shock in self.injections
                ],
            }
            archive.writestr("settings.json", json.dumps(settings, indent=2))
        return buffer.getvalue()

    def export_name(self) -> str:
        """File name of the download: world, scenario, seed and date."""
        s = self.settings
        return f"run_{s.world}_{s.scenario}_seed{s.seed}_{self.model.date}.zip"
