"""The SLURM launcher: a sweep through a real scheduler, and a clean stop without one.

The cluster test needs a SLURM cluster that answers ``sinfo`` (CI starts a
single-node one with ``.ci/slurm-up``) and skips otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ["scenario=baseline,ttp_escalation", "runs=20", "end=2025-03", "progress=false"]


def sweep(sweep_dir: Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "sim", "-m", *SWEEP, *args, f"hydra.sweep.dir={sweep_dir}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def default_partition() -> str | None:
    """The cluster's default partition (or its first), None if no cluster answers."""
    if shutil.which("sinfo") is None:
        return None
    try:
        shown = subprocess.run(
            ["sinfo", "--noheader", "--format=%P"], capture_output=True, text=True, timeout=30
        )
    except subprocess.TimeoutExpired:
        return None
    partitions = shown.stdout.split()
    if shown.returncode != 0 or not partitions:
        return None
    default = [name for name in partitions if name.endswith("*")]
    return (default or partitions)[0].rstrip("*")


def outcomes(sweep_dir: Path) -> pd.DataFrame:
    table = pd.read_parquet(sweep_dir / "aggregate" / "outcomes.parquet")
    return table.sort_values(["job", "run"]).reset_index(drop=True)


@pytest.mark.slurm
def test_sweep_through_slurm_matches_local_launcher(tmp_path):
    partition = default_partition()
    if partition is None:
        pytest.skip("no SLURM cluster answers sinfo (as root on Debian: .ci/slurm-up starts one)")
    on_slurm = sweep(
        tmp_path / "slurm",
        "hydra/launcher=slurm",
        f"hydra.launcher.partition={partition}",
        "hydra.launcher.timeout_min=5",
        "hydra.launcher.mem_gb=1",
    )
    assert on_slurm.returncode == 0, on_slurm.stderr
    local = sweep(tmp_path / "local")  # Hydra's basic launcher: one job after another
    assert local.returncode == 0, local.stderr

    # the jobs really went through the scheduler: submitit's folders are named by job id
    assert len(list((tmp_path / "slurm" / ".submitit").glob("*_*/*_result.pkl"))) == 2
    output = on_slurm.stdout + on_slurm.stderr
    assert "Traceback" not in output and "WARNING" not in output and "sacct" not in output
    jobs = pd.read_csv(tmp_path / "slurm" / "aggregate" / "jobs.csv")
    assert len(jobs) == 2 and (jobs["status"] == "ok").all(), jobs.to_string()
    # Same jobs (directories named by overrides), same runs, same outcomes; jobs.csv
    # differs only in timing, which is not part of outcomes.parquet.
    pd.testing.assert_frame_equal(outcomes(tmp_path / "slurm"), outcomes(tmp_path / "local"))
    assert len(outcomes(tmp_path / "slurm")) == 40


def test_slurm_launcher_without_scheduler_is_one_line_exit_2(tmp_path):
    no_slurm = tmp_path / "bin"  # a PATH on which there is no sbatch
    no_slurm.mkdir()
    done = sweep(
        tmp_path / "never", "hydra/launcher=slurm", env={**os.environ, "PATH": str(no_slurm)}
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        "error: hydra/launcher=slurm: no SLURM scheduler here (sbatch not found on PATH)"
    )
    assert not (tmp_path / "never").exists()


def test_slurm_launcher_without_controller_is_one_line_exit_2(tmp_path):
    fake = tmp_path / "bin"  # SLURM's commands installed, no controller configured
    fake.mkdir()
    (fake / "sbatch").write_text("#!/bin/sh\nexit 1\n")
    (fake / "sinfo").write_text(
        "#!/bin/sh\necho 'sinfo: error: Unable to contact slurm controller' >&2\nexit 1\n"
    )
    for command in fake.iterdir():
        command.chmod(0o755)
    done = sweep(tmp_path / "never", "hydra/launcher=slurm", env={**os.environ, "PATH": str(fake)})
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        "error: hydra/launcher=slurm: the SLURM scheduler does not answer "
        "(sinfo: error: Unable to contact slurm controller)"
    )
    assert not (tmp_path / "never").exists()


def test_queue_watcher_reads_squeue_and_notices_ended_jobs():
    from sim.slurm import queue_watcher

    watcher = queue_watcher()
    for job_id in ("7_0", "7_1", "8"):
        watcher.register_job(job_id)
    info = watcher.read_info(b"7_0|COMPLETED|vm\n7_1|RUNNING|vm\n")
    assert info["7_0"]["State"] == "COMPLETED" and info["7_1"]["State"] == "RUNNING"
    assert info["8"]["State"] == "ENDED_NOT_IN_QUEUE"  # gone from squeue: ended
    watcher._info_dict.update(info)
    assert watcher.is_done("7_0", mode="cache") and watcher.is_done("8", mode="cache")
    assert not watcher.is_done("7_1", mode="cache")
