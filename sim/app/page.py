"""The Solara page of the teaching view (one set of reactive values per browser tab).

Layout: a sidebar of controls (run, setup, inject a shock), a status line, and the
figures of :mod:`sim.app.figures`.  Every control calls plain functions of
:mod:`sim.app.session`; nothing here computes the model.
"""

from __future__ import annotations

import html

import ipyvuetify
import numpy as np
import solara
import solara.lab
import traitlets

from sim.app.figures import render_figures
from sim.app.measures import (
    TIE_TOLERANCE,
    compare_html,
    current_energy,
    landscape_html,
    landscape_rows,
)
from sim.app.narration import events_html
from sim.app.session import (
    INJECT_KINDS,
    SLIDER_LABELS,
    SLIDER_PARAMS,
    Session,
    Settings,
    build_shock,
    changed_sliders,
    list_scenarios,
    list_worlds,
    same_settings,
    slider_defaults,
    slider_step,
)
from sim.errors import ConfigError
from sim.ladder import MAX_LEVEL, level_label
from sim.params import ModelParameters
from sim.world import World

PLAY_DELAY_MS = 300


session_state: solara.Reactive[Session | None] = solara.reactive(None)
version = solara.reactive(0)
playing = solara.reactive(False)
error_text = solara.reactive("")
notice_text = solara.reactive("")
world_choice = solara.reactive("afghanistan")
scenario_choice = solara.reactive("baseline")
seed_choice = solara.reactive(0)
slider_state = {name: solara.reactive(d.value) for name, d in slider_defaults().items()}
slider_source = {name: solara.reactive(d.source) for name, d in slider_defaults().items()}
inject_kind = solara.reactive("recognition")
inject_actor = solara.reactive("")
inject_group = solara.reactive("")
inject_level = solara.reactive(level_label(MAX_LEVEL))
inject_partner = solara.reactive("")
inject_delta = solara.reactive(-0.5)
twin_state: solara.Reactive[Session | None] = solara.reactive(None)
compare_on = solara.reactive(False)
rewind_month = solara.reactive(0)

PAGE_CSS = """
.sim-events li { margin-bottom: 2px; font-size: 13px; }
.sim-table-wrap { overflow-x: auto; max-width: 100%; }
.sim-landscape td, .sim-landscape th { border-bottom: 1px solid #e0e0e0; padding: 2px 6px;
  font-size: 12px; text-align: left; }
.sim-landscape td:first-child { word-break: break-word; }
.sim-figure img { max-width: 100%; height: auto; }
.sim-status { font-size: 15px; }
.sim-caption { font-size: 12px; color: #616161; line-height: 1.3; }
.sim-param { font-family: monospace; font-size: 11px; color: #757575; }
.v-card__title { word-break: normal !important; overflow-wrap: normal; hyphens: none;
  font-size: 1.05rem; line-height: 1.4rem; padding: 10px 12px 6px 12px; }
.v-card__text { padding: 6px 12px 10px 12px; }
.sim-controls .v-card { margin-bottom: 8px; }
.sim-controls .v-slider { margin-top: 0; }
.sim-controls .v-input { margin-top: 2px; padding-top: 0; }
.sim-guide { font-size: 14px; }
.sim-guide li { margin-bottom: 3px; }
.sim-compare td, .sim-compare th { padding: 2px 8px; border-bottom: 1px solid #e0e0e0;
  font-size: 13px; text-align: left; }
"""

GUIDE_HTML = """
<div class="sim-guide">
<p><b>What you see.</b> Twelve states and the Taliban's Emirate (AFG), month by month.
The <b>network</b>: one dot per state, sized by its power; blue lines are friendly,
red lines hostile; shaded areas are blocs. The <b>ladder</b>: how far each state
recognises the Emirate, from 0 (hostile) to 5 (de jure recognition).
The <b>timeline</b> lists what happened.</p>
<p><b>What to click.</b> <i>Step</i> moves one month, <i>Step 12</i> a year, <i>Play</i>
runs on. <i>Inject a shock</i> (left) changes next month. <i>Back 1 month</i> and the
month slider rewind; stepping again replays the very same run. <i>Compare</i> shows
the same run without your shocks beside it; <i>Download</i> saves the run (CSV).</p>
<p><b>What to watch.</b> Who moves up the ladder and whether others follow
(a cascade); which blocs form; the share of balanced triads in <i>Structural
balance</i>.</p>
<p><b>Three experiments (about five minutes each).</b></p>
<ol>
<li><b>A recognition cascade?</b> Inject a <i>Recognition</i>: CHN, level 5. Step 12.
Does anyone follow China? Turn on <i>Compare</i> to see the run without it. Then raise
<i>Bandwagoning</i> in Setup, press Reset, and try again.</li>
<li><b>A shared threat.</b> Inject an <i>Attack</i> by ISKP on RUS, then on IRN. Step 6.
Do Russia and Iran draw closer to each other, and to the Emirate? Compare with the
run without the attacks.</li>
<li><b>Balance and blocs.</b> In Setup choose the world <i>triad</i> (three states,
one unbalanced triangle) and press Reset; Play and watch the balanced share. Set
<i>Pull toward balance</i> to 0, Reset, Play again: what changes? The world
<i>landscape</i> shows Axelrod and Bennett's stable alignments.</li>
</ol>
</div>
"""


def _settings_from_controls() -> Settings:
    """The settings the controls describe; sliders at their defaults are left out, so
    an untouched page builds exactly what ``python -m sim`` would."""
    values = {name: float(state.value) for name, state in slider_state.items()}
    return Settings(
        world=world_choice.value,
        scenario=scenario_choice.value,
        seed=int(seed_choice.value or 0),
        params=changed_sliders(
            values, world_choice.value, scenario_choice.value, int(seed_choice.value or 0)
        ),
    )


def _reset_sliders() -> None:
    """Sliders back to the defaults of the chosen world and scenario."""
    try:
        defaults = slider_defaults(
            world_choice.value, scenario_choice.value, int(seed_choice.value or 0)
        )
    except ConfigError as error:
        error_text.value = str(error)
        return
    for key, default in defaults.items():
        slider_state[key].value = default.value
        slider_source[key].value = default.source


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
    twin_state.value = new.counterfactual() if compare_on.value else None
    rewind_month.value = 0
    version.value += 1


def step_session(months: int = 1) -> None:
    """Advance the session (the Step buttons and the play loop)."""
    current = session_state.value
    if current is None:
        return
    current.step(months)
    twin = twin_state.value
    if twin is not None:
        twin.step(months)
    rewind_month.value = current.model.month
    version.value += 1


def rewind_session(month: int) -> None:
    """Go back to ``month`` (the Back and Go buttons): the run is rebuilt and replayed
    to that month with the shocks injected before it; stepping on replays it."""
    current = session_state.value
    if current is None:
        return
    playing.value = False
    replay = current.replayed(month)
    session_state.value = replay
    if compare_on.value:
        twin_state.value = replay.counterfactual()
    rewind_month.value = replay.model.month
    notice_text.value = f"rewound to {replay.model.date}: step or play to replay the run"
    version.value += 1


def set_compare(on: bool) -> None:
    """Show or hide the same run without the injected shocks."""
    compare_on.value = on
    current = session_state.value
    twin_state.value = current.counterfactual() if (on and current is not None) else None
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
def RunCard(current: Session) -> None:
    """Step, play, rewind and reset."""
    _ = version.value
    month = current.model.month
    with solara.Card("Run", margin=0):
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            solara.Button("Step", on_click=lambda: step_session(1), color="primary")
            solara.Button("Step 12", on_click=lambda: step_session(12), outlined=True)
            solara.Button(
                "Pause" if playing.value else "Play",
                on_click=lambda: playing.set(not playing.value),
                color="secondary",
            )
            solara.Button("Reset", on_click=reset_session, color="error", outlined=True)
        with solara.Row(gap="6px", style={"flex-wrap": "wrap", "margin-top": "6px"}):
            solara.Button(
                "Back 1 month",
                on_click=lambda: rewind_session(month - 1),
                disabled=month == 0,
                outlined=True,
                small=True,
            )
            solara.Button(
                "Back to start",
                on_click=lambda: rewind_session(0),
                disabled=month == 0,
                outlined=True,
                small=True,
            )
        if month > 0:
            solara.SliderInt(
                f"Rewind to month {rewind_month.value}",
                value=rewind_month,
                min=0,
                max=month,
                thumb_label=False,
            )
            solara.Button(
                "Go to that month",
                on_click=lambda: rewind_session(int(rewind_month.value)),
                disabled=int(rewind_month.value) == month,
                text=True,
                small=True,
            )


@solara.component
def ShockControls(current: Session) -> None:
    """Inject a shock into next month."""
    world = current.model.world
    kinds = [k for k in INJECT_KINDS if k != "attack" or world.group_codes]
    if world.target is None:
        kinds = [k for k in kinds if k not in {"recognition", "border_closure"}]
    solara.Text("Happens next month; the timeline records it.", classes=["sim-caption"])
    solara.ToggleButtonsSingle(
        value=inject_kind.value if inject_kind.value in kinds else kinds[0],
        on_value=inject_kind.set,
        children=[solara.Button(INJECT_KINDS[k], value=k, text=True, small=True) for k in kinds],
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
def SetupControls(current: Session) -> None:
    """World, scenario, seed and the parameter sliders (apply on Reset)."""

    def choose_world(name: str) -> None:
        world_choice.value = name
        _reset_sliders()

    def choose_scenario(name: str) -> None:
        scenario_choice.value = name
        _reset_sliders()

    solara.Text("Changes apply when you press Reset.", classes=["sim-caption"])
    solara.Select("World", values=list_worlds(), value=world_choice.value, on_value=choose_world)
    solara.Select(
        "Scenario", values=list_scenarios(), value=scenario_choice.value, on_value=choose_scenario
    )

    def choose_seed(seed: int) -> None:
        seed_choice.value = seed
        _reset_sliders()  # run 0's parameters are the posterior draw of this seed

    solara.InputInt("Seed", value=seed_choice.value, on_value=choose_seed)
    specs = ModelParameters.specs()
    for name in SLIDER_PARAMS:
        spec = specs[name]
        solara.SliderFloat(
            f"{SLIDER_LABELS[name]}: {slider_state[name].value:.3g}",
            value=slider_state[name],
            min=spec.low,
            max=spec.high,
            step=slider_step(spec.low, spec.high),
            thumb_label=False,
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"<span class='sim-param'>{html.escape(name)}</span> "
                f"{html.escape(spec.meaning)}; start: {html.escape(slider_source[name].value)}"
            ),
            classes=["sim-caption"],
        )
    if not same_settings(_settings_from_controls(), current.settings):
        solara.Warning("Changed: press Reset to rebuild the model.", dense=True)
    solara.Button("Reset with these settings", on_click=reset_session, color="primary", block=True)


@solara.component
def CompareExport(current: Session) -> None:
    """Compare with the run without the shocks; download the run."""
    _ = version.value
    solara.Switch(
        label="Compare with the same run without my shocks",
        value=compare_on.value,
        on_value=set_compare,
    )
    solara.Text(
        "The comparison appears above the figures: the same seed and settings, "
        "only your injected shocks left out.",
        classes=["sim-caption"],
    )
    solara.FileDownload(
        data=current.export_zip,
        filename=current.export_name(),
        label="Download this run (CSV, zip)",
        mime_type="application/zip",
    )
    solara.Text(
        "states.csv (one row per month and state), dyads.csv, events.csv, balance.csv "
        "and settings.json (the overrides that rebuild the run with python -m sim).",
        classes=["sim-caption"],
    )


@solara.component
def Controls(current: Session) -> None:
    """Sidebar: the run card, then tabs for a shock, the setup and compare/export."""
    _ = version.value  # the session mutates in place: re-render on every step
    with solara.Column(classes=["sim-controls"], gap="0px"):
        RunCard(current)
        with solara.lab.Tabs(grow=True):
            with solara.lab.Tab("Shock"):
                ShockControls(current)
            with solara.lab.Tab("Setup"):
                SetupControls(current)
            with solara.lab.Tab("Compare"):
                CompareExport(current)


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
        recognizers = ", ".join(metrics.recognizers) or "none"
        parts.append(
            f"Emirate inclusivity <b>{emirate.inclusivity:.2f}</b>, hardliners "
            f"<b>{emirate.hardliner_influence:.2f}</b>, de facto+ recognizers <b>{recognizers}</b>"
        )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=" &middot; ".join(parts),
        classes=["sim-status"],
    )
    if current.description:
        solara.Text(f"Scenario: {current.description}", classes=["sim-caption"])


@solara.component
def Comparison(current: Session, twin: Session) -> None:
    """The run with the teacher's shocks beside the same run without them."""
    _ = version.value
    figures = solara.use_memo(
        lambda: (render_figures(current), render_figures(twin)),
        dependencies=[current, twin, version.value],
    )
    mine, other = (f.panels for f in figures)
    second = "ladder" if "ladder" in mine else "balance"
    with solara.Card("Compare: with your shocks (left) and without them (right)", margin=0):
        if not current.injections:
            solara.Info("No shock injected yet: both runs are the same.", dense=True)
        with solara.ColumnsResponsive(default=[12], large=[6, 6]):
            with solara.Column(gap="4px"):
                FigurePanel(mine["network"], "compare-with", "With your shocks")
                FigurePanel(mine[second], f"compare-with-{second}")
            with solara.Column(gap="4px"):
                FigurePanel(other["network"], "compare-without", "Without your shocks")
                FigurePanel(other[second], f"compare-without-{second}")
        solara.HTML(
            tag="div",
            unsafe_innerHTML=compare_html(current.model, twin.model),
            classes=["sim-table-wrap"],
        )


@solara.component
def Dashboard(current: Session) -> None:
    """The figures and the event list (two columns on wide screens, one below 1264 px)."""
    figures = solara.use_memo(
        lambda: render_figures(current), dependencies=[current, version.value]
    )
    panels = figures.panels
    model = current.model
    with solara.ColumnsResponsive(default=[12], large=[7, 5]):
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
                        tag="div",
                        unsafe_innerHTML=landscape_html(rows, current_energy(model)),
                        classes=["sim-table-wrap"],
                    )
    with solara.ColumnsResponsive(default=[12], large=[6, 6]):
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
        with solara.Details("How to use this page: a 15-minute lesson", expand=False):
            solara.HTML(tag="div", unsafe_innerHTML=GUIDE_HTML)
        StatusBar(current)
        twin = twin_state.value
        if compare_on.value and twin is not None:
            Comparison(current, twin)
        Dashboard(current)
