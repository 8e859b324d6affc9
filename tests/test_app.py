"""The teaching view (``sim.app``): pure helpers, then the served page in a browser.

The browser test is marked ``browser``; it drives Debian's ``/usr/bin/chromium``
through Playwright (no browser download) against ``python -m sim.app`` on a
free localhost port and fails on any request that leaves localhost.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("solara")

import sim
from sim.app.__main__ import parse_args
from sim.app.figures import network_figure, render_figures, timeline_figure
from sim.app.measures import current_energy, landscape_html, landscape_rows, measure
from sim.app.narration import Event, describe_injection, events_from_record, events_html
from sim.app.session import (
    INJECT_KINDS,
    SLIDER_LABELS,
    SLIDER_PARAMS,
    Session,
    Settings,
    build_model,
    build_shock,
    list_scenarios,
    list_worlds,
    same_settings,
    slider_defaults,
)
from sim.errors import ConfigError
from sim.kernel import StepRecord
from sim.params import ModelParameters
from sim.world_files import load_world
from tests.helpers import stop_server, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------------------
# Scenarios, settings and model construction
# ----------------------------------------------------------------------------------


def test_lists_worlds_and_scenarios() -> None:
    assert list_worlds() == ["afghanistan", "landscape", "triad"]
    scenarios = list_scenarios()
    assert scenarios[0] == "baseline"
    assert {"china_recognizes", "ttp_escalation"} <= set(scenarios)


def test_app_runs_the_run_the_cli_simulates() -> None:
    """The app builds through the CLI's config path: same parameters, same run.

    (Before, the app started from the hand-set priors, ModelParameters(), and showed a
    different run; running the default parameters is the intended change.)"""
    session = Session(Settings(seed=0))
    from sim.api import compose_spec

    draws = compose_spec(["seed=0"])[1].params  # run 0's posterior draw, as in the CLI
    assert session.model.params == draws.for_runs(0, np.array([0])).run(0)
    assert session.model.params != ModelParameters()
    session.step(24)
    results = sim.simulate(["runs=1", "seed=0", "end=2026-03"])
    last = results.states[results.states["date"] == "2026-03"].set_index("actor")
    for agent in session.model.states:
        assert last.loc[agent.code, "recognition"] == agent.recognition_level
        assert last.loc[agent.code, "affinity_afg"] == pytest.approx(
            agent.affinity_to_emirate, abs=1e-6
        )


def test_scenario_comes_through_the_config_path() -> None:
    session = Session(Settings(scenario="china_recognizes", seed=3))
    assert "de jure" in session.description
    session.model.run_until("2024-06")
    assert session.model.agent("CHN").recognition_level == 5
    history = Session(Settings(scenario="history"))
    assert history.model.date == "2021-08" and history.model.end == "2024-03"


def test_sliders_start_from_the_defaults_and_win_on_reset() -> None:
    fitted = ModelParameters.fitted()
    values = slider_defaults()
    assert set(values) == set(SLIDER_PARAMS)
    assert values["balance_weight"].value == fitted.balance_weight
    assert "fitted" in values["balance_weight"].source
    model = build_model(Settings(world="triad", params={"balance_weight": 1.25}))
    assert model.params.balance_weight == 1.25  # the slider wins
    assert model.params.trade_noise == fitted.trade_noise  # the rest as the CLI has them
    drawn = slider_defaults(world="triad")["alignment_rate"]  # a posterior parameter
    assert "posterior draw" in drawn.source and model.params.alignment_rate == drawn.value
    with pytest.raises(ConfigError, match="out of range"):
        build_model(Settings(world="triad", params={"balance_weight": 99.0}))
    with pytest.raises(ConfigError, match="world"):
        build_model(Settings(world="../etc/passwd"))
    with pytest.raises(ConfigError, match="scenario"):
        build_model(Settings(scenario="../world/triad"))


def test_scenario_that_does_not_fit_the_world_is_an_error() -> None:
    with pytest.raises(ConfigError, match="CHN"):
        build_model(Settings(world="triad", scenario="china_recognizes"))


def test_same_settings_tolerates_slider_rounding() -> None:
    default = ModelParameters.fitted().balance_weight
    first = Settings(params={"balance_weight": default})
    assert same_settings(first, Settings(params={"balance_weight": default + 1e-12}))
    assert same_settings(first, Settings())  # the default
    assert not same_settings(first, Settings(params={"balance_weight": 0.6}))
    assert not same_settings(first, Settings(seed=1, params={"balance_weight": default}))


# ----------------------------------------------------------------------------------
# Shocks and the event timeline
# ----------------------------------------------------------------------------------


def test_build_shock_kinds_are_accepted_by_the_model() -> None:
    model = build_model(Settings(seed=1))
    shocks = [
        build_shock("attack", actor="CHN", group="ISKP", count=2),
        build_shock("recognition", actor="PAK", level=5),
        build_shock("border_closure", actor="IRN"),
        build_shock("affinity", actor="USA", partner="IND", delta=0.4),
    ]
    assert {s["kind"] for s in shocks} == set(INJECT_KINDS)
    for shock in shocks:
        model.inject(shock)
    assert "PAK to level 5 de jure recognition" in describe_injection(shocks[1])
    model.step()
    record = model.last_record
    assert record is not None
    world = model.world
    assert record.attacks[0, world.group_index("ISKP"), world.index("CHN")] >= 2
    assert model.agent("PAK").recognition_level >= 4
    assert record.closures[0, world.index("IRN")]
    for bad in (
        lambda: build_shock("coup", actor="PAK"),
        lambda: build_shock("attack", actor="PAK", group=""),
        lambda: build_shock("recognition", actor=""),
        lambda: build_shock("affinity", actor="PAK", partner="PAK"),
    ):
        with pytest.raises(ConfigError):
            bad()
    with pytest.raises(ConfigError, match="unknown actor"):
        model.inject(build_shock("border_closure", actor="XXX"))


def test_events_from_record_names_what_happened() -> None:
    world = load_world("afghanistan", start="2024-03")
    n, g = world.n_actors, world.n_groups
    pak, chn, iskp = world.index("PAK"), world.index("CHN"), world.group_index("ISKP")

    def flags(*indices: int) -> np.ndarray:
        array = np.zeros((1, n), dtype=bool)
        array[0, list(indices)] = True
        return array

    attacks = np.zeros((1, g, n), dtype=np.int64)
    attacks[0, iskp, chn] = 3
    moves = np.zeros((1, n), dtype=np.int64)
    moves[0, pak] = -1
    shock_moves = np.zeros((1, n), dtype=np.int64)
    shock_moves[0, chn] = 2
    levels = np.array(world.recognition)
    levels[pak], levels[chn] = 1, 5
    record = StepRecord(
        attacks=attacks,
        strikes=flags(pak),
        closures=flags(pak),
        reopenings=flags(chn),
        deportations=flags(pak),
        sanctions=flags(),
        cooperation=flags(),
        delistings=flags(),
        moves=moves,
        shock_moves=shock_moves,
        shocks=[],
    )
    events = events_from_record(4, "2024-07", record, world, levels=levels)
    texts = [e.text for e in events]
    assert "ISKP attack on CHN x3" in texts
    assert "PAK strikes in AFG" in texts
    assert "PAK closes its border with AFG" in texts
    assert "CHN reopens its border with AFG" in texts
    assert "PAK deports Afghan refugees (wave)" in texts
    assert "PAK moves down the ladder to 1 no official contact" in texts
    assert "CHN jumps up 2 rungs (scheduled event) to 5 de jure recognition" in texts
    assert {e.kind for e in events} == {
        "attacks",
        "coercion",
        "reopenings",
        "deportations",
        "recognition",
    }
    assert all(e.month == 4 and e.date == "2024-07" for e in events)


def test_session_collects_events_measures_and_layout() -> None:
    session = Session(Settings(seed=2))
    assert session.events[0].kind == "control"
    assert "injected for 2024-04" in session.inject(
        build_shock("attack", actor="IND", group="ANTI_IND", count=2)
    )
    before = dict(session.positions)
    session.step(3)
    assert session.model.date == "2024-06"
    assert len(session.history) == 4
    shocks = [e for e in session.events if e.kind == "shocks"]
    assert shocks and shocks[0].date == "2024-04" and "ANTI_IND attack on IND x2" in shocks[0].text
    assert any(e.kind == "attacks" and "IND" in e.text for e in session.events)
    moved = max(np.linalg.norm(session.positions[c] - before[c]) for c in before)
    assert 0 < moved < 1.5  # nodes drift, the layout does not jump to a new drawing


def test_layout_starts_from_the_model_layout_and_small_worlds_sit_on_a_circle() -> None:
    session = Session(Settings(world="triad"))
    first = session.positions
    assert set(first) == set(session.model.world.codes)
    for code, xy in session.model.layout().items():
        assert np.allclose(first[code], xy)
    # three actors on a circle: no tie hides under another (no three points on a line)
    a, b, c = (first[code] for code in session.model.world.codes)
    area = abs((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])) / 2
    assert area > 0.5


# ----------------------------------------------------------------------------------
# Measures, landscape and figures
# ----------------------------------------------------------------------------------


def test_measures_of_the_unbalanced_triad() -> None:
    metrics = measure(build_model(Settings(world="triad")))
    assert metrics.balanced_share == 0.0
    assert metrics.frustrated_ties == 1
    assert metrics.frustration == pytest.approx(0.5)
    assert metrics.mean_recognition is None and metrics.recognizers == ()


def test_measures_of_the_afghanistan_world() -> None:
    model = build_model(Settings())
    metrics = measure(model)
    assert 0.0 <= metrics.balanced_share <= 1.0
    assert metrics.mean_recognition == pytest.approx(
        np.mean([a.recognition_level for a in model.states])
    )
    assert metrics.recognizers == tuple(
        a.code for a in sorted(model.states, key=lambda a: a.index) if a.recognition_level >= 4
    )


def test_landscape_world_has_the_two_minima_stated_in_its_file() -> None:
    model = build_model(Settings(world="landscape"))
    assert model.world.target is None
    rows = landscape_rows(model)
    assert [(r.blocs, round(r.energy, 3), r.basin, r.is_global) for r in rows] == [
        ("EST+HIL+ISL+NOR|SUD+WST", -1.854, 26, True),
        ("EST+NOR|HIL+ISL+SUD+WST", -1.83, 6, False),
    ]
    assert rows[0].is_current  # the starting blocs sit in the global minimum
    assert current_energy(model) == pytest.approx(rows[0].energy)
    table = landscape_html(rows, current_energy(model))
    assert "EST+HIL+ISL+NOR|SUD+WST" in table and "global" in table and "local" in table


def test_render_figures_by_kind_of_world() -> None:
    session = Session(Settings(world="afghanistan", seed=4))
    session.step(2)
    panels = render_figures(session).panels
    assert set(panels) == {"network", "ladder", "trade", "balance", "timeline"}
    assert all(png.startswith(PNG) and len(png) > 5000 for png in panels.values())
    landscape = render_figures(Session(Settings(world="landscape"))).panels
    assert set(landscape) == {"network", "landscape", "balance", "timeline"}


def test_network_figure_encodes_affinity_capability_and_blocs() -> None:
    model = build_model(Settings(world="landscape"))
    figure = network_figure(model, model.layout())
    ax = figure.axes[0]
    lines = ax.collections[0]
    colours = lines.get_colors()
    affinity = model.state.affinity[0]
    codes = model.world.codes
    pairs = sorted(
        ((i, j) for i in range(6) for j in range(i + 1, 6) if abs(affinity[i, j]) > 0.05),
        key=lambda p: abs(affinity[p]),
    )
    assert len(colours) == len(pairs)
    for (i, j), rgba in zip(pairs, colours, strict=True):
        red, _, blue, _ = rgba
        assert (blue > red) == (affinity[i, j] > 0), (codes[i], codes[j])
    node_sizes = [c.get_sizes()[0] for c in ax.collections[1:]]
    assert node_sizes[codes.index("NOR")] > node_sizes[codes.index("ISL")]
    hulls = [p for p in ax.patches if p.get_alpha() and p.get_alpha() < 0.5]
    assert len(hulls) == 2  # two blocs with several members each


def test_timeline_and_event_list() -> None:
    events = [
        Event(0, "2024-03", "control", "start"),
        Event(2, "2024-05", "attacks", "ISKP attack on PAK <script>"),
    ]
    html_list = events_html(events)
    assert html_list.index("2024-05") < html_list.index("2024-03")  # newest first
    assert "<script>" not in html_list and "&lt;script&gt;" in html_list
    assert events_html([]) == "<p>No events yet.</p>"
    figure = timeline_figure(events, 2, "2024-03")
    assert sum(len(c.get_offsets()) for c in figure.axes[0].collections) == 2


def test_command_line_defaults_to_localhost() -> None:
    args = parse_args([])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    args = parse_args(["--host", "0.0.0.0", "--port", "9001"])
    assert (args.host, args.port) == ("0.0.0.0", 9001)
    for bad in (["--port", "__import__('os')"], ["--port", "70000"]):
        with pytest.raises(SystemExit):
            parse_args(bad)


# ----------------------------------------------------------------------------------
# The served page in headless Chromium
# ----------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, installed with apt-get when missing and running as root."""
    if Path(CHROMIUM).is_file():
        return CHROMIUM
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(f"{CHROMIUM} is missing and cannot be installed (needs root and apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "chromium", "chromium-driver"]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=False)
        subprocess.run(install, env=env, capture_output=True, check=False)
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} could not be installed with apt-get")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def app_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the served app's terminal output goes."""
    return tmp_path_factory.mktemp("app") / "server.log"


@pytest.fixture(scope="module")
def app_url(app_log: Path):
    """``python -m sim.app`` on a free localhost port; torn down after the module."""
    port = _free_port()
    log = app_log
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "sim.app", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(server, url, log, 60)
        yield url
    finally:
        stop_server(server)


def _no_overlap(boxes: list[dict]) -> bool:
    """True if no two of the bounding boxes intersect (1 px of tolerance)."""
    for k, a in enumerate(boxes):
        for b in boxes[k + 1 :]:
            if (
                a["x"] + a["width"] - 1 > b["x"]
                and b["x"] + b["width"] - 1 > a["x"]
                and a["y"] + a["height"] - 1 > b["y"]
                and b["y"] + b["height"] - 1 > a["y"]
            ):
                return False
    return True


_IMAGE_DIGEST = """async img => {
  const data = await (await fetch(img.src)).arrayBuffer();
  const digest = await crypto.subtle.digest("SHA-256", data);
  return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, "0")).join("");
}"""


def _new_src(locator, previous: str | None, timeout_s: float = 20.0) -> str:
    """The SHA-256 of the image's PNG once its ``src`` differs from ``previous`` (a
    new render), as ``"src digest"``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        src = locator.get_attribute("src")
        if src and src != (previous or "").split(" ")[0]:
            return f"{src} {locator.evaluate(_IMAGE_DIGEST)}"
        time.sleep(0.2)
    raise AssertionError("the image did not change")


def _has_src(locator, expected: str, timeout_s: float = 20.0) -> bool:
    """True once the image's PNG (its bytes, not its blob URL) equals the one recorded
    by :func:`_new_src`."""
    digest = expected.split(" ")[1]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if locator.get_attribute("src") and locator.evaluate(_IMAGE_DIGEST) == digest:
            return True
        time.sleep(0.3)
    return False


def _card_boxes(page) -> list[dict]:
    return [
        box
        for box in (c.bounding_box() for c in page.locator("main .v-card").all())
        if box and box["width"] > 0 and box["height"] > 0
    ]


@pytest.mark.browser
def test_page_renders_offline_and_responds(
    chromium: str, app_url: str, app_log: Path, tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    outside: list[str] = []
    shots = ROOT / "outputs" / "app"
    shots.mkdir(parents=True, exist_ok=True)

    def guard(route) -> None:
        parsed = urlparse(route.request.url)
        if parsed.scheme in {"http", "https", "ws", "wss"} and parsed.hostname not in LOCAL_HOSTS:
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1366, "height": 768},
            accept_downloads=True,
        )
        try:
            context.route("**/*", guard)
            page = context.new_page()
            page_errors: list[str] = []
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.goto(app_url)

            # every panel is an image that actually decoded (not a blank page)
            panels = ["network", "ladder", "trade", "balance", "timeline"]
            for name in panels:
                image = page.locator(f"img.sim-img-{name}")
                expect(image).to_be_attached(timeout=60_000)
                image.scroll_into_view_if_needed()
                expect(image).to_be_visible()
                assert image.evaluate("img => img.complete && img.naturalWidth > 300")
            body = page.locator("body").inner_text()
            for title in ("Alignment network", "Recognition ladder", "Trade", "Timeline"):
                assert title in body
            assert "runs on Solara" not in body  # the banner that covered a panel is gone

            # 1366x768: every control of the run and the shock is on screen without scrolling
            page.evaluate("window.scrollTo(0, 0)")
            for name in ("Step", "Step 12", "Play", "Reset", "Back 1 month", "Inject shock"):
                box = page.get_by_role("button", name=name, exact=True).bounding_box()
                assert box and box["y"] >= 0 and box["y"] + box["height"] <= 768, name
            assert _no_overlap(_card_boxes(page))
            page.screenshot(path=str(shots / "lesson_1366x768.png"))

            # the guide: three experiments
            page.get_by_text("How to use this page").click()
            guide = page.locator(".sim-guide")
            expect(guide).to_be_visible()
            assert guide.locator("ol > li").count() == 3
            page.get_by_text("How to use this page").click()

            date = page.locator(".sim-date")
            expect(date).to_have_text("2024-03")
            network_before = page.locator("img.sim-img-network").screenshot()
            ladder_before = page.locator("img.sim-img-ladder").get_attribute("src")

            step = page.get_by_role("button", name="Step", exact=True)
            ladder = page.locator("img.sim-img-ladder")
            ladders = {}
            previous = ladder_before
            for expected in ("2024-04", "2024-05", "2024-06"):
                step.click()
                expect(date).to_have_text(expected)
                # the ladder's title carries the month, so each month's image differs:
                # wait for the new one (images arrive after the text on a loaded machine)
                previous = _new_src(ladder, previous)
                ladders[expected] = previous

            # rewind one month, then step again: the very same image comes back, byte for byte
            page.get_by_role("button", name="Back 1 month").click()
            expect(date).to_have_text("2024-05")
            assert _has_src(ladder, ladders["2024-05"])
            step.click()
            expect(date).to_have_text("2024-06")
            assert _has_src(ladder, ladders["2024-06"])

            # inject: PAK (the first state) recognises de jure next month
            page.get_by_role("button", name="Recognition", exact=True).click()
            page.get_by_role("button", name="Inject shock").click()
            expect(page.locator(".v-alert")).to_contain_text("injected for 2024-07: PAK to level 5")
            step.click()
            expect(date).to_have_text("2024-07")
            expect(page.locator(".sim-events")).to_contain_text("PAK jumps up")
            status = page.locator(".sim-status").inner_text()
            assert "PAK" in status.split("recognizers", 1)[1]
            expect(page.locator("img.sim-img-ladder")).not_to_have_attribute("src", ladder_before)
            assert page.locator("img.sim-img-network").screenshot() != network_before

            # compare with the same run without the shock, side by side
            page.get_by_role("tab", name="Compare").click()
            page.get_by_label("Compare with the same run without my shocks").check(force=True)
            card = page.locator(".v-card", has_text="Compare: with your shocks")
            expect(card).to_be_visible(timeout=30_000)
            with_img = page.locator("img.sim-img-compare-with-ladder")
            without_img = page.locator("img.sim-img-compare-without-ladder")
            expect(without_img).to_be_attached()
            assert with_img.get_attribute("src") != without_img.get_attribute("src")
            expect(page.locator(".sim-compare")).to_contain_text("PAK: level")
            left, right = with_img.bounding_box(), without_img.bounding_box()
            assert left and right and left["x"] + left["width"] <= right["x"] + 1  # side by side
            card.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "compare_1366x768.png"))

            # export the run: a zip of CSV files up to the current month
            with page.expect_download() as download_info:
                page.get_by_role("button", name="Download this run").click()
            download = download_info.value
            assert download.suggested_filename.endswith("2024-07.zip")
            with zipfile.ZipFile(download.path()) as archive:
                names = set(archive.namelist())
                assert {"states.csv", "events.csv", "dyads.csv", "settings.json"} <= names
                states = pd.read_csv(archive.open("states.csv"))
            assert states["date"].max() == "2024-07" and states["month"].nunique() == 5
            assert (
                states.loc[
                    (states["date"] == "2024-07") & (states["actor"] == "PAK"), "recognition"
                ].item()
                == 5
            )
            page.get_by_label("Compare with the same run without my shocks").uncheck(force=True)
            expect(card).to_have_count(0)

            # 1024 px: cards stack, nothing overlaps, titles do not break inside words
            page.set_viewport_size({"width": 1024, "height": 768})
            page.wait_for_timeout(800)
            assert _no_overlap(_card_boxes(page))
            breaks = page.locator(".v-card__title").evaluate_all(
                "els => els.map(e => getComputedStyle(e).wordBreak)"
            )
            assert breaks and set(breaks) == {"normal"}
            page.screenshot(path=str(shots / "lesson_1024.png"), full_page=True)

            # the page scrolls inside the app layout: a tall viewport shows all of it
            page.set_viewport_size({"width": 1600, "height": 2300})
            page.wait_for_timeout(500)
            page.screenshot(path=str(ROOT / "outputs" / "app_screenshot.png"), full_page=True)
            page.set_viewport_size({"width": 1366, "height": 768})

            # the classroom world: pick it, reset, and the landscape replaces ladder and trade
            page.get_by_role("tab", name="Setup").click()
            world_select = page.locator(".v-select", has=page.get_by_label("World"))
            world_select.scroll_into_view_if_needed()
            world_select.click()
            page.locator(".v-menu__content .v-list-item", has_text="landscape").click()
            expect(page.get_by_text("Changed: press Reset")).to_be_visible()
            assert page.get_by_text("Pull toward balance").count() >= 1  # plain language...
            assert (
                page.locator(".sim-param", has_text="balance_weight").count() == 1
            )  # ...name beside
            page.get_by_role("button", name="Reset with these settings").click()
            expect(page.locator("img.sim-img-landscape")).to_be_attached(timeout=30_000)
            expect(date).to_have_text("2024-03")
            expect(page.locator(".sim-landscape")).to_contain_text("EST+HIL+ISL+NOR|SUD+WST")
            assert page.locator("img.sim-img-ladder").count() == 0
            page.set_viewport_size({"width": 1024, "height": 768})
            page.wait_for_timeout(500)
            table = page.locator(".sim-landscape")
            table.scroll_into_view_if_needed()
            wrap = page.locator(".sim-table-wrap", has=table)
            assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth + 1")  # not clipped
            page.screenshot(path=str(shots / "landscape_1024.png"))
            page.set_viewport_size({"width": 1366, "height": 768})

            # play runs month after month, pause stops it
            page.get_by_role("button", name="Play", exact=True).click()
            expect(date).not_to_have_text(re.compile("2024-0[34]"), timeout=15_000)
            page.get_by_role("button", name="Pause", exact=True).click()
            expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()
            paused_at = date.inner_text()
            page.wait_for_timeout(1500)
            assert date.inner_text() == paused_at

            # back to the start, then replay
            page.get_by_role("button", name="Back to start").click()
            expect(date).to_have_text("2024-03")
        finally:
            context.close()
    assert outside == [], f"the page requested non-local URLs: {outside}"
    assert page_errors == []
    log = app_log.read_text()
    assert "Warning" not in log and "Traceback" not in log, log  # no warning spam


def test_rewind_replays_the_same_run_and_counterfactual_drops_the_shocks() -> None:
    session = Session(Settings(seed=3))
    session.step(2)
    session.inject(build_shock("recognition", actor="PAK", level=5))
    session.step(4)
    replay = session.replayed(6)
    assert replay.model.date == session.model.date
    assert np.array_equal(replay.model.state.affinity, session.model.state.affinity)
    assert [e.text for e in replay.events] == [e.text for e in session.events]
    early = session.replayed(2)  # before the shock was injected: it is gone
    assert early.model.month == 2 and early.injections == []
    without = session.counterfactual()
    assert without.model.month == session.model.month and without.injections == []
    pak = session.model.world.index("PAK")
    assert session.model.state.recognition[0, pak] != without.model.state.recognition[0, pak]


def test_export_holds_the_run_so_far() -> None:
    import io
    import json

    session = Session(Settings(seed=1))
    session.inject(build_shock("attack", actor="RUS", group="ISKP"))
    session.step(3)
    with zipfile.ZipFile(io.BytesIO(session.export_zip())) as archive:
        states = pd.read_csv(archive.open("states.csv"))
        settings = json.loads(archive.read("settings.json"))
        events = pd.read_csv(archive.open("events.csv"))
    assert list(states["month"].unique()) == [0, 1, 2, 3]
    assert len(states) == 4 * session.model.world.n_actors
    assert "seed=1" in settings["overrides"] and settings["injected"][0]["shock"]["group"] == "ISKP"
    assert events["text"].str.contains("ISKP attack on RUS").any()
    assert session.export_name() == "run_afghanistan_baseline_seed1_2024-06.zip"


def test_sliders_have_plain_labels() -> None:
    assert set(SLIDER_LABELS) == set(SLIDER_PARAMS)
    assert all("_" not in label for label in SLIDER_LABELS.values())
