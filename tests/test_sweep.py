"""Sweeps: per-job results, failure isolation, resume, aggregation, launchers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["runs=4", "end=2024-09", "progress=false", "record.plots=false", "record.dyads_every=6"]


def sweep(sweep_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", "-m", *args, *SMALL, f"hydra.sweep.dir={sweep_dir}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def statuses(sweep_dir: Path) -> dict[str, str]:
    return {
        path.parent.name: json.loads(path.read_text())["status"]
        for path in sweep_dir.rglob("status.json")
    }


def test_sweep_writes_jobs_and_aggregate(tmp_path):
    done = sweep(
        tmp_path, "scenario=baseline,china_recognizes", "params.bandwagon_weight=0.1,0.3", "seed=1"
    )
    assert done.returncode == 0, done.stderr
    assert sorted(statuses(tmp_path).values()) == ["ok"] * 4
    assert "results: " in done.stdout and "ensemble" in done.stdout  # the summary table
    outcomes = pd.read_parquet(tmp_path / "aggregate" / "outcomes.parquet")
    assert len(outcomes) == 16
    assert set(outcomes["scenario"]) == {"baseline", "china_recognizes"}
    # swept values are typed columns, ready for analysis
    assert outcomes["bandwagon_weight"].dtype == float
    assert sorted(outcomes["bandwagon_weight"].unique()) == [0.1, 0.3]
    assert pd.api.types.is_integer_dtype(outcomes["seed"]) and (outcomes["seed"] == 1).all()
    assert outcomes["label"].nunique() == 4
    assert {"months_to_first_recognition", "n_recognizers_end", "confrontation_months_PAK"} <= set(
        outcomes.columns
    )
    assert (tmp_path / "aggregate" / "outcome_distributions.png").is_file()
    assert (tmp_path / "aggregate" / "outcome_summary.csv").is_file()


FAULTY_SWEEP = """
import sys
import sim.ensemble as ensemble
from sim.cli import main

original = ensemble.run_batch

def run_batch(spec, run_ids, *rest):
    if spec.seed == 7:
        raise RuntimeError("disk on fire")  # a fault at run time, after every check passed
    return original(spec, run_ids, *rest)

ensemble.run_batch = run_batch
sys.argv = ["sim", *sys.argv[1:]]
main()
"""


def test_failing_job_does_not_spoil_the_rest(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            FAULTY_SWEEP,
            "-m",
            "seed=2,7",
            *SMALL,
            f"hydra.sweep.dir={tmp_path}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stderr
    assert "1 job(s) failed" in done.stderr and "Traceback" not in done.stderr
    jobs = pd.read_csv(tmp_path / "aggregate" / "jobs.csv")
    assert sorted(jobs["status"]) == ["failed", "ok"]
    failed = jobs[jobs["status"] == "failed"].iloc[0]
    assert "seed=7" in failed["overrides"] and "disk on fire" in failed["error"]
    assert "seed=7" in done.stdout + done.stderr
    outcomes = pd.read_parquet(tmp_path / "aggregate" / "outcomes.parquet")
    assert len(outcomes) == 4 and outcomes["overrides"].str.contains("seed=2").all()


def test_aggregate_and_plots_commands(tmp_path):
    assert sweep(tmp_path, "seed=4,5").returncode == 0
    (tmp_path / "aggregate" / "outcome_distributions.png").unlink()
    done = subprocess.run(
        [sys.executable, "-m", "sim.aggregate", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "aggregate" / "outcome_distributions.png").is_file()
    plots = subprocess.run(
        [sys.executable, "-m", "sim.plots", str(tmp_path)], cwd=ROOT, capture_output=True, text=True
    )
    assert plots.returncode == 0, plots.stderr
    assert (tmp_path / "aggregate" / "outcome_distributions.svg").is_file()
    empty = subprocess.run(
        [sys.executable, "-m", "sim.aggregate", str(tmp_path / "nothing")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert empty.returncode == 2 and empty.stderr.startswith("error: ")


def test_local_cluster_launcher_and_seed_blocks(tmp_path):
    # submitit's local executor: the dry run of the SLURM path. Two blocks of one ensemble.
    done = sweep(tmp_path, "first_run=0,4", "seed=6", "hydra/launcher=local_cluster")
    assert done.returncode == 0, done.stderr
    outcomes = pd.read_parquet(tmp_path / "aggregate" / "outcomes.parquet")
    assert sorted(outcomes["run"]) == list(range(8))
    assert outcomes["label"].nunique() == 1  # the blocks are one ensemble
    assert sorted(outcomes["first_run"].unique()) == [0, 4]
    import sim

    whole = sim.simulate(["runs=8", "seed=6", "end=2024-09", "record.dyads_every=6"])
    assert sorted(whole.runs["run"]) == list(range(8))
    blocks = outcomes.sort_values("run")["n_recognizers_end"].to_numpy()
    assert (blocks == whole.runs.sort_values("run")["n_recognizers_end"].to_numpy()).all()


def test_overlapping_blocks_stay_apart(tmp_path):
    from sim.aggregate import job_labels

    jobs = pd.DataFrame(
        {
            "job": ["a", "b", "c"],
            "scenario": ["baseline"] * 3,
            "overrides": ["first_run=0 seed=1", "first_run=4 seed=1", "first_run=0 runs=8 seed=1"],
        }
    )
    runs = {"a": pd.Series(range(4)), "b": pd.Series(range(4, 8)), "c": pd.Series(range(8))}
    labels = job_labels(jobs, runs)
    assert labels["a"] != labels["b"] != labels["c"]  # c repeats a's and b's runs
    assert job_labels(jobs.iloc[:2], runs) == {"a": "baseline", "b": "baseline"}


def test_parallel_launcher_uses_every_core():
    from hydra import compose, initialize_config_dir

    from sim.api import compose_config
    from sim.config import CONFIG_DIR

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(
            config_name="config",
            overrides=["hydra/launcher=local_parallel"],
            return_hydra_config=True,
        )
    assert cfg.hydra.launcher.n_jobs == -1  # joblib: every core
    assert compose_config is not None


def test_slurm_launcher_config_composes():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "hydra/launcher=slurm",
            "hydra.launcher.partition=short",
            "--cfg",
            "hydra",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "submitit_slurm" in done.stdout.lower() or "SlurmLauncher" in done.stdout
    assert "partition: short" in done.stdout
