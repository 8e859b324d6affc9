"""The command line (python -m sim) and sim.simulate, end to end on small ensembles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.errors import UserError

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_world_without_a_target_gets_no_ladder_or_trade_plot(tmp_path):
    out = tmp_path / "triad"
    done = run_cli("world=triad", "runs=2", "end=2025-03", "progress=false", f"hydra.run.dir={out}")
    assert done.returncode == 0, done.stderr
    assert (out / "alignment_network.png").is_file()
    assert not (out / "recognition.png").exists() and not (out / "trade_by_partner.png").exists()


def test_cli_writes_frames_and_plots(tmp_path):
    out = tmp_path / "run"
    done = run_cli("runs=4", "end=2025-03", "progress=false", f"hydra.run.dir={out}")
    assert done.returncode == 0, done.stderr
    for name in ("states", "dyads", "events", "runs"):
        assert (out / f"{name}.parquet").is_file()
    for plot in ("recognition.png", "alignment_network.png"):
        assert (out / plot).stat().st_size > 10_000
    states = pd.read_parquet(out / "states.parquet")
    assert set(states["actor"]) == {
        "AFG",
        "PAK",
        "IND",
        "IRN",
        "CHN",
        "RUS",
        "USA",
        "TJK",
        "UZB",
        "KAZ",
        "TKM",
        "KGZ",
    }
    assert states["run"].nunique() == 4
    assert states["date"].min() == "2024-03" and states["date"].max() == "2025-03"
    assert not list(out.glob(".staging*")) and not list(out.glob(".plots*"))


def test_cli_bad_input_is_one_line_exit_2(tmp_path):
    # the process wiring of python -m sim; every case is in test_errors_table.py
    done = run_cli("runz=5", f"hydra.run.dir={tmp_path / 'never'}")
    assert done.returncode == 2, done.stderr
    assert done.stderr == "error: " + done.stderr.removeprefix("error: ")
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown key 'runz' (did you mean 'runs'?)" in lines[0]
    assert "Traceback" not in done.stderr and "+runz" not in done.stderr
    assert not (tmp_path / "never").exists()


def test_simulate_returns_contract_frames():
    results = sim.simulate(["runs=3", "end=2024-09", "seed=5"])
    states = results.states
    assert list(states.columns[:8]) == [
        "run",
        "date",
        "actor",
        "recognition",
        "affinity_afg",
        "exports_to_afg_musd",
        "imports_from_afg_musd",
        "attacks",
    ]
    assert states.loc[states["actor"] == "AFG", "recognition"].isna().all()
    levels = states["recognition"].dropna().astype(int)
    assert levels.between(0, 5).all()
    assert states["affinity_afg"].dropna().between(-1, 1).all()
    assert set(results.dyads.columns) == {"run", "date", "actor", "partner", "affinity"}
    assert {"run", "date", "kind", "actor", "target"} <= set(results.events.columns)
    assert {"first_recognizer", "first_recognition_date", "n_de_jure_end", "blocs_end"} <= set(
        results.runs.columns
    )
    assert len(results.runs) == 3


def test_simulate_is_reproducible_and_seed_sensitive():
    a = sim.simulate(["runs=3", "end=2025-03", "seed=9"])
    b = sim.simulate(["runs=3", "end=2025-03", "seed=9"])
    c = sim.simulate(["runs=3", "end=2025-03", "seed=10"])
    pd.testing.assert_frame_equal(a.states, b.states)
    pd.testing.assert_frame_equal(a.events, b.events)
    assert not a.states["affinity_afg"].equals(c.states["affinity_afg"])


def test_simulate_bad_override_raises_user_error():
    with pytest.raises(UserError, match="scenario"):
        sim.simulate(["scenario=nope"])


def test_scenarios_compose():
    results = sim.simulate(["scenario=[china_recognizes,ttp_escalation]", "runs=2", "end=2024-08"])
    kinds = set(results.events["kind"])
    assert {"shock:china_de_jure", "shock:ttp_surge"} <= kinds
