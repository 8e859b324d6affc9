"""Frames and their schema, sweep plots, reports and the documentation site."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import sim
from sim import plots
from sim.outcomes import run_outcomes
from sim.report import scenario_evidence, write_report
from sim.results import FRAMES, SCHEMA, Results, StreamingWriter, schema_columns

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["runs=5", "batch_size=2", "end=2025-03", "progress=false"]


@pytest.fixture(scope="module")
def results() -> Results:
    return sim.simulate(["scenario=china_recognizes", *SMALL])


def test_frames_follow_the_schema(results: Results) -> None:
    pytest.importorskip("pandera")
    results.validate()  # dtypes, ranges, no undocumented column
    codes = [c for c in results.states["actor"].cat.categories if c != "AFG"]
    assert list(results.runs.columns) == schema_columns("runs", codes)
    for name in FRAMES:
        frame = getattr(results, name)
        assert (
            str(frame["date" if "date" in frame else "first_recognition_date"].dtype) == "period[M]"
        )
    assert isinstance(results.events["kind"].dtype, pd.CategoricalDtype)
    assert run_outcomes(results).equals(results.runs)  # one per-run table


def test_one_spelling_and_units_in_the_schema() -> None:
    names = [c.name for columns in SCHEMA.values() for c in columns]
    text = " ".join(names + [c.meaning for columns in SCHEMA.values() for c in columns])
    assert "recognis" not in " ".join(names) and "recognizer" in text
    flows = [c for columns in SCHEMA.values() for c in columns if "musd" in c.name]
    assert flows and all("US$ million" in c.unit for c in flows)
    assert all(("month" in c.unit) or ("12 months" in c.unit) for c in flows)


def test_parquet_round_trip_restores_months_and_categories(
    results: Results, tmp_path: Path
) -> None:
    writer = StreamingWriter(tmp_path)
    half = results.runs["run"] < 2
    for mask in (half, ~half):  # two batches, as the command line writes them
        runs = results.runs[mask.to_numpy()]
        keep = results.states["run"].isin(runs["run"]).to_numpy()
        keep_events = results.events["run"].isin(runs["run"]).to_numpy()
        writer.append(
            {
                "states": results.states[keep],
                "events": results.events[keep_events],
                "runs": runs,
            }
        )
    writer.close()
    raw = pd.read_parquet(tmp_path / "states.parquet", filters=[("date", "==", "2025-03")])
    assert set(raw["date"].astype(str)) == {"2025-03"}  # any reader filters months as text
    from sim.results import read_frame

    states = read_frame(tmp_path / "states.parquet")
    pd.testing.assert_series_equal(states["date"], results.states["date"], check_names=False)
    runs = read_frame(tmp_path / "runs.parquet")
    assert str(runs["first_recognition_date"].dtype) == "period[M]"
    assert (runs["first_recognition_date"].astype(str) == "2024-06").all()


def test_country_colours_are_fixed_distinct_and_used() -> None:
    colours = plots.COUNTRY_COLOURS
    assert len(set(colours.values())) == len(colours) == 12
    assert plots.country_colour("PAK") == colours["PAK"]
    assert plots.country_colour("XYZ") == plots.country_colour("XYZ")


def _sweep_table(labels: list[str], runs: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for k, label in enumerate(labels):
        for run in range(runs):
            rows.append(
                {
                    "scenario": label,
                    "label": label,
                    "run": run,
                    "months_to_first_recognition": rng.choice([np.nan, 5.0 + k]),
                    "n_recognizers_end": int(rng.integers(0, 4)) + (k % 3),
                    "n_de_jure_end": int(rng.integers(0, 2)),
                    "max_level_end": 4,
                    "confrontation_months_PAK": int(rng.integers(0, 10)),
                    "balanced_triads_end": float(rng.uniform(0.5, 0.7)),
                    "afg_imports_musd_last12m_PAK": float(rng.uniform(900, 1300)),
                    "afg_imports_musd_last12m_IRN": float(rng.uniform(1300, 1700)),
                    "bloc_with_afg_end_PAK": bool(rng.integers(0, 2)),
                }
            )
    return pd.DataFrame(rows)


def test_sweep_plots_stay_readable_at_thirteen_scenarios(tmp_path: Path) -> None:
    labels = ["baseline", *(f"scenario_{k:02d}" for k in range(12))]
    table = _sweep_table(labels)
    effects = plots.scenario_effects(table)
    assert set(effects["label"]) == set(labels)
    base = effects[effects["label"] == "baseline"]
    assert (base["effect"] == 0).all()
    assert (effects["low"] <= effects["effect"] + 1e-12).all()
    assert (effects["effect"] <= effects["high"] + 1e-12).all()
    figure = plots.effects_figure(effects)
    ticks = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert sorted(ticks) == sorted(labels)  # one row per scenario, no legend to read
    assert figure.get_size_inches()[1] >= 0.25 * len(labels)
    written = {p.name for p in plots.outcome_distributions(table, tmp_path)}
    assert {"outcome_effects.png", "outcome_distributions.png", "outcome_summary.csv"} <= written
    summary = pd.read_csv(tmp_path / "outcome_summary.csv")
    assert summary["recognizers_end_mean"].map(lambda v: round(v, 2) == v).all()


def test_run_report_is_self_contained(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "scenario=china_recognizes",
            *SMALL,
            f"hydra.run.dir={run_dir}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    command = [sys.executable, "-m", "sim.report", str(run_dir), "--no-open"]
    made = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    page = (run_dir / "report.html").read_text()
    assert "data:image/png;base64," in page and "http://" not in page.split("</style>")[0]
    assert "<script" not in page
    for expected in ("Headline outcomes", "E1112", "china_de_jure", "Config", "CHN"):
        assert expected in page


def test_sweep_report(tmp_path: Path) -> None:
    from omegaconf import OmegaConf

    from sim.api import compose_config

    aggregate = tmp_path / "aggregate"
    aggregate.mkdir()
    parts = []
    for name in ("baseline", "china_recognizes"):
        job = tmp_path / f"scenario={name}"
        (job / ".hydra").mkdir(parents=True)
        cfg = compose_config([f"scenario={name}", *SMALL])
        (job / ".hydra" / "config.yaml").write_text(OmegaConf.to_yaml(cfg))
        table = sim.simulate([f"scenario={name}", *SMALL]).runs
        parts.append(table.assign(job=job.name, scenario=name, label=name))
    pd.concat(parts, ignore_index=True).to_parquet(aggregate / "outcomes.parquet")
    pd.DataFrame({"job": ["a", "b"], "status": ["ok", "ok"]}).to_csv(aggregate / "jobs.csv")
    page = write_report(tmp_path).read_text()
    assert "Effects against the baseline" in page and "china_recognizes" in page
    assert "E2191" in page  # the evidence the scenario cites
    assert scenario_evidence(
        {"scenario": {"evidence": ["E1"], "shocks": {"s": {"evidence": ["E2", "E1"]}}}}
    ) == [
        "E1",
        "E2",
    ]


@pytest.mark.skipif(
    shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None,
    reason="mkdocs not installed (dev extras)",
)
def test_docs_build_strict(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "mkdocs"),
            "build",
            "--strict",
            "-q",
            "-d",
            str(tmp_path / "site"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    frames = (tmp_path / "site" / "frames" / "index.html").read_text()
    assert "afg_imports_musd_last12m_" in frames and "period[M]" in frames
    assert "china_recognizes" in (tmp_path / "site" / "scenarios" / "index.html").read_text()
    assert "bandwagon_weight" in (tmp_path / "site" / "parameters" / "index.html").read_text()
    assert "sim.arenas.trade" in (tmp_path / "site" / "arenas" / "index.html").read_text()
    assert "simulate" in (tmp_path / "site" / "api" / "index.html").read_text()
