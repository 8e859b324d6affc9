"""Hardening: interruption, determinism across processes, shocks as bad input, safety."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.ensemble import EnsembleSpec, run_batch
from sim.errors import UserError
from sim.params import ModelParameters
from sim.results import Results
from sim.shocks import parse_shocks
from sim.world import synthetic_world

ROOT = Path(__file__).resolve().parents[1]


def start_sim(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(predicate, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.2)


SWEEP = [
    "scenario=baseline,china_recognizes,ttp_escalation",
    "runs=300",
    "end=2027-03",
    "seed=8",
    "progress=false",
    "record.plots=false",
    "record.dyads_every=12",
]


def test_interrupted_sweep_resumes_to_the_same_table(tmp_path):
    interrupted, reference = tmp_path / "interrupted", tmp_path / "reference"
    process = start_sim("-m", *SWEEP, f"hydra.sweep.dir={interrupted}")
    wait_for(lambda: len(list(interrupted.rglob("status.json"))) >= 1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "resume" in stderr and "Traceback" not in stderr
    finished = [p.parent for p in interrupted.rglob("status.json")]
    assert 1 <= len(finished) < 3
    for job in finished:  # every finished job is intact and readable
        assert len(pd.read_parquet(job / "states.parquet")) > 0
    assert not list(interrupted.rglob(".staging*"))

    resumed = subprocess.run(
        [sys.executable, "-m", "sim", "-m", *SWEEP, f"hydra.sweep.dir={interrupted}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "skipping" in resumed.stdout + resumed.stderr
    uninterrupted = subprocess.run(
        [sys.executable, "-m", "sim", "-m", *SWEEP, f"hydra.sweep.dir={reference}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    key = ["job", "run"]
    a = (
        pd.read_parquet(interrupted / "aggregate" / "outcomes.parquet")
        .sort_values(key)
        .reset_index(drop=True)
    )
    b = (
        pd.read_parquet(reference / "aggregate" / "outcomes.parquet")
        .sort_values(key)
        .reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(a, b)


def test_terminated_run_leaves_nothing_half_written(tmp_path):
    out = tmp_path / "run"
    process = start_sim("runs=3000", "end=2034-03", "progress=false", f"hydra.run.dir={out}")
    wait_for(lambda: any(out.glob(".staging*/states.parquet")))
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not list(out.glob("*.parquet")) and not list(out.glob(".staging*"))


# -- determinism across processes --------------------------------------------------------


def _simulate_block(args):
    world, seed, run_ids = args
    spec = EnsembleSpec(
        world=world,
        params=ModelParameters(),
        start="2024-03",
        end="2025-03",
        runs=len(run_ids),
        seed=seed,
    )
    return run_batch(spec, np.asarray(run_ids))


@pytest.mark.filterwarnings("ignore:This process.*is multi-threaded:DeprecationWarning")
@settings(max_examples=3, deadline=None)
@given(
    n_actors=st.integers(3, 10),
    n_groups=st.integers(1, 4),
    seed=st.integers(0, 2**31),
    world_seed=st.integers(0, 99),
)
def test_one_or_many_processes_give_identical_results(n_actors, n_groups, seed, world_seed):
    world = synthetic_world(n_actors, n_groups, seed=world_seed)
    runs = list(range(6))
    together = _simulate_block((world, seed, runs))
    with ProcessPoolExecutor(max_workers=2) as pool:
        halves = list(pool.map(_simulate_block, [(world, seed, runs[:3]), (world, seed, runs[3:])]))
    split = Results.concat(halves)
    for name in ("states", "dyads", "events", "runs"):
        pd.testing.assert_frame_equal(
            getattr(together, name).reset_index(drop=True),
            getattr(split, name).reset_index(drop=True),
        )


# -- bad shocks through the public API ---------------------------------------------------


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ('+scenario.shocks.x={date:"2024-06",kind:attack,group:ISKP,target:XXX}', "target='XXX'"),
        ('+scenario.shocks.x={date:"2024-06",kind:meteor,actor:PAK}', "kind='meteor'"),
        ('+scenario.shocks.x={date:"2024-13",kind:border_closure,actor:PAK}', "date='2024-13'"),
        ('+scenario.shocks.x={date:"2024-06",kind:recognition,actor:CHN,level:9}', "level=9"),
        (
            '+scenario.shocks.x={date:"2024-06",kind:group_strength,group:NOPE,value:0.5}',
            "group='NOPE'",
        ),
        ('+scenario.shocks.x={date:"2024-06",kind:policy,lever:eval,value:0.5}', "lever='eval'"),
        ('+scenario.shocks.x={date:"2024-06",kind:aid}', "exactly one of value or delta"),
        ("+scenario.world_changes.x={field:transit_capacity,actor:ZZZ,value:0.5}", "actor='ZZZ'"),
        ("+scenario.params.review_rate=7", "review_rate=7"),
        ("start=2024/03", "start='2024/03'"),
    ],
)
def test_bad_scenario_input_names_the_key(override, expected):
    with pytest.raises(UserError) as error:
        sim.simulate([override, "runs=1", "end=2024-09"])
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_shocks_outside_the_period_are_inert(mechanism_world):
    shocks = parse_shocks(
        [{"date": "2030-01", "kind": "border_closure", "actor": "PAK"}],
        mechanism_world,
        "2024-03",
        12,
    )
    assert shocks == []


# -- safety ------------------------------------------------------------------------------


def test_no_code_evaluation_and_safe_yaml():
    for path in (ROOT / "sim").rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"\beval\(|\bexec\(|pickle\.load", text), path
        assert not re.search(r"yaml\.(load|unsafe_load|full_load)\(", text), path


def test_app_binds_localhost_by_default():
    pytest.importorskip("solara")
    from sim.app.__main__ import parse_args

    assert parse_args([]).host == "127.0.0.1"
    assert parse_args(["--host", "0.0.0.0"]).host == "0.0.0.0"  # only when told otherwise
    with pytest.raises(SystemExit) as error:
        parse_args(["--port", "99999"])
    assert error.value.code == 2


# -- world sweeps sweep: calibrations keyed by content ------------------------------------

QUICK = ["runs=3", "end=2025-03", "seed=2", "progress=false", "record.plots=false"]
QUICK += ["record.dyads_every=12"]


def run_sweep(directory: Path, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", "-m", *args, f"hydra.sweep.dir={directory}"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def aggregated(directory: Path) -> pd.DataFrame:
    table = pd.read_parquet(directory / "aggregate" / "outcomes.parquet")
    return table.sort_values(["job", "run"]).reset_index(drop=True)


def in_process_sweep(directory: Path, *args: str) -> int:
    """``python -m sim -m ARGS`` in this process (Hydra's basic launcher: one process)."""
    return _run_in_process(["-m", *args, f"hydra.sweep.dir={directory}"])


def test_world_sweep_differs_by_value_and_agrees_across_launchers(tmp_path):
    values = "world.transit_capacity.PAK.value=0.6,1.0"
    assert in_process_sweep(tmp_path / "basic", values, *QUICK) == 0
    parallel = run_sweep(tmp_path / "joblib", values, *QUICK, "hydra/launcher=local_parallel")
    assert parallel.returncode == 0, parallel.stderr
    a, b = aggregated(tmp_path / "basic"), aggregated(tmp_path / "joblib")
    pd.testing.assert_frame_equal(a, b)
    column = "world.transit_capacity.PAK.value"
    assert a[column].dtype == float and sorted(a[column].unique()) == [0.6, 1.0]
    low, high = (a[a[column] == v].filter(like="imports_musd_").to_numpy() for v in (0.6, 1.0))
    assert not np.array_equal(low, high)  # the jobs simulated different worlds


def test_simulate_recalibrates_when_the_world_or_its_evidence_changes(tmp_path):
    from sim.evidence import SEEDS_DIR

    args = ["runs=2", "end=2024-09", "seed=3"]
    first = sim.simulate(["world.transit_capacity.PAK.value=0.6", *args]).states
    second = sim.simulate(["world.transit_capacity.PAK.value=1.0", *args]).states
    assert not first.equals(second)  # the second world is calibrated anew, not taken from cache
    evidence = pd.read_csv(SEEDS_DIR / "evidence.csv", dtype=str, keep_default_na=False)
    copy = tmp_path / "evidence.csv"
    evidence.to_csv(copy, index=False)
    same = sim.simulate([f"world.calibration.evidence={copy}", *args]).states
    pd.testing.assert_frame_equal(same, sim.simulate(args).states)
    evidence.loc[evidence["id"] == "E1179", "value"] = "100"  # Iran's exports, US$ m a year
    evidence.to_csv(copy, index=False)
    changed = sim.simulate([f"world.calibration.evidence={copy}", *args]).states
    assert not changed["exports_to_afg_musd"].equals(same["exports_to_afg_musd"])


# -- concurrency ------------------------------------------------------------------------


def test_two_runs_and_two_sweeps_started_together_lose_nothing(tmp_path):
    from sim.job_status import read_status, verify_files

    quick = ["runs=2", "end=2024-06", "progress=false", "record.plots=false"]
    same_day = "${now:%Y-%m-%d}"  # a pattern both resolve alike: each must get its own
    commands = [
        ["-m", "sim", *quick, f"hydra.run.dir=runs/{same_day}"],
        ["-m", "sim", *quick, f"hydra.run.dir=runs/{same_day}"],
        ["-m", "sim", "-m", "seed=1", *quick, f"hydra.sweep.dir=sweeps/{same_day}"],
        ["-m", "sim", "-m", "seed=1", *quick, f"hydra.sweep.dir=sweeps/{same_day}"],
    ]
    processes = [
        subprocess.Popen(
            [sys.executable, *c], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for c in commands
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr.decode()
    runs = sorted((tmp_path / "runs").iterdir())
    sweeps = sorted((tmp_path / "sweeps").iterdir())
    assert len(runs) == 2 and len(sweeps) == 2
    for directory in runs:
        status = read_status(directory)
        assert status["status"] == "ok" and verify_files(directory, status) is None
    for directory in sweeps:
        assert len(pd.read_parquet(directory / "aggregate" / "outcomes.parquet")) == 2
    assert not list(tmp_path.rglob(".staging*"))


def test_run_directories_are_claimed_atomically(tmp_path):
    from sim.cli import claim_directory

    wanted = tmp_path / "outputs" / "2024-03-01" / "10-00-00"
    claimed = [claim_directory(wanted) for _ in range(3)]
    assert [p.name for p in claimed] == ["10-00-00", "10-00-00-1", "10-00-00-2"]


def test_long_job_directory_names_end_in_a_hash():
    from sim.config import MAX_JOB_DIR_BYTES, job_dir_name

    names = ",".join(f"params.{name}=0.123456" for name in sorted(ModelParameters.specs())[:11])
    first, again = job_dir_name(names), job_dir_name(names)
    assert first == again and len(first.encode()) <= MAX_JOB_DIR_BYTES < 255
    assert job_dir_name(names + "7") != first
    assert job_dir_name("seed=1") == "seed=1"


# -- resume and aggregation verify files; no stale aggregate ----------------------------


def test_damaged_job_files_are_rerun_on_resume_and_reported_by_aggregate(tmp_path, capsys):
    from sim.aggregate import main as aggregate_main

    full = tmp_path / "full"
    args = ("scenario=baseline,ttp_escalation", *QUICK)
    assert in_process_sweep(full, *args) == 0
    jobs = sorted(p.parent for p in full.rglob("status.json") if "aggregate" not in p.parts)
    damaged = tmp_path / "damaged"
    shutil.copytree(full, damaged)
    deleted, truncated = (damaged / job.relative_to(full) for job in jobs)
    (deleted / "runs.parquet").unlink()
    states = truncated / "states.parquet"
    states.write_bytes(states.read_bytes()[: states.stat().st_size // 2])

    assert aggregate_main([str(damaged), "--no-plots"]) == 1  # reported, not trusted
    table = pd.read_csv(damaged / "aggregate" / "jobs.csv")
    assert sorted(table["status"]) == ["failed", "failed"]
    assert table["error"].str.contains("runs.parquet is missing").any()
    assert table["error"].str.contains("states.parquet has").any()
    assert not (damaged / "aggregate" / "outcomes.parquet").exists()  # no stale table
    assert "2 failed" in capsys.readouterr().out

    capsys.readouterr()
    assert in_process_sweep(damaged, *args) == 0
    statuses = [json.loads((job / "status.json").read_text()) for job in (deleted, truncated)]
    assert all(s["status"] == "ok" for s in statuses)
    pd.testing.assert_frame_equal(aggregated(full), aggregated(damaged))
    for job in jobs:  # rerun to the very same files
        for name in ("states.parquet", "runs.parquet"):
            copy = damaged / job.relative_to(full) / name
            assert copy.read_bytes() == (job / name).read_bytes()


def test_failed_aggregation_leaves_no_stale_aggregate(tmp_path, monkeypatch):
    import sim.aggregate as aggregate_module

    assert in_process_sweep(tmp_path, *QUICK, "seed=1,2") == 0
    assert (tmp_path / "aggregate" / "outcomes.parquet").is_file()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(aggregate_module, "write_parquet_atomic", broken)
    with pytest.raises(OSError):
        aggregate_module.aggregate(tmp_path, plots=False)
    assert not (tmp_path / "aggregate").exists()
    assert not list(tmp_path.glob(".aggregate-*"))


# -- plots inside the safety net ---------------------------------------------------------


def _run_in_process(argv: list[str]) -> int:
    from sim.cli import main

    try:
        main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def test_plot_failure_keeps_the_results_and_says_so(tmp_path, monkeypatch, capsys):
    from sim import plots
    from sim.job_status import read_status, verify_files

    def out_of_memory(*args, **kwargs):
        raise MemoryError("cannot allocate 4 GiB")

    monkeypatch.setattr(plots, "trade_by_partner", out_of_memory)
    out = tmp_path / "run"
    code = _run_in_process(["runs=3", "end=2024-09", "progress=false", f"hydra.run.dir={out}"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "plots not drawn (MemoryError: cannot allocate 4 GiB)" in err
    assert f"the results are complete in {out}" in err
    status = read_status(out)
    assert status["status"] == "ok" and verify_files(out, status) is None
    assert (out / "recognition.png").is_file() and not (out / "trade_by_partner.png").exists()
    assert not list(out.glob(".plots*")) and not list(out.glob(".staging*"))


def test_interrupt_while_plotting_keeps_the_results(tmp_path, monkeypatch, capsys):
    from sim import plots
    from sim.job_status import read_status, verify_files

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(plots, "alignment_network", interrupted)
    out = tmp_path / "run"
    code = _run_in_process(["runs=3", "end=2024-09", "progress=false", f"hydra.run.dir={out}"])
    err = capsys.readouterr().err
    assert code == 130
    assert f"interrupted: while drawing plots; the results are complete in {out}" in err
    assert verify_files(out, read_status(out)) is None
    assert not list(out.glob(".plots*"))


def test_plots_read_a_bounded_number_of_rows(tmp_path, monkeypatch):
    import sim.cli as cli
    from sim import plots

    seen = {}
    original = plots.recognition_bands

    def record(states, title=""):
        seen.update(runs=states["run"].nunique(), columns=list(states.columns), title=title)
        return original(states, title=title)

    monkeypatch.setattr(plots, "recognition_bands", record)
    monkeypatch.setattr(cli, "PLOT_ROWS", 7 * 12 * 2)  # two runs of 7 months x 12 actors
    out = tmp_path / "run"
    code = _run_in_process(["runs=5", "end=2024-09", "progress=false", f"hydra.run.dir={out}"])
    assert code == 0
    assert seen["runs"] == 2 and "first 2 of 5 runs" in seen["title"]
    assert set(seen["columns"]) == {"run", "date", "actor", "recognition"}
    states = pd.read_parquet(out / "states.parquet")
    states = states.astype({"date": str, "actor": str})
    exact = states.groupby(["date", "actor"])["exports_to_afg_musd"].mean().dropna()
    streamed = cli._mean_exports(out / "states.parquet").set_index(["date", "actor"])
    streamed = streamed["exports_to_afg_musd"].dropna()
    assert np.allclose(streamed.sort_index().to_numpy(), exact.sort_index().to_numpy())
    assert list(streamed.sort_index().index) == list(exact.sort_index().index)
