"""SLURM through Hydra's submitit launcher (``hydra/launcher=slurm``).

Two things the launcher does not do on its own:

* :func:`check_scheduler` stops a sweep before any job starts when there is no
  SLURM here or its controller does not answer (the command line turns it into
  one line and exit status 2);
* :class:`SlurmStatusCallback` lets submitit follow its jobs with ``squeue`` on a
  cluster without accounting.  submitit asks ``sacct``, which there only answers
  "Slurm accounting storage is disabled": every poll prints a warning, and a job
  that dies without a result (out of time, killed) is never seen to end.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.errors import UserError

log = logging.getLogger("sim")


def is_slurm_launcher(cfg: DictConfig) -> bool:
    """True if the composed config (with its hydra section) launches through SLURM."""
    launcher = cfg.hydra.get("launcher") if "hydra" in cfg else None
    target = str(launcher.get("_target_", "")) if launcher is not None else ""
    return target.endswith(".SlurmLauncher")


def check_scheduler(choice: str = "slurm") -> None:
    """Raise UserError unless SLURM's commands are on PATH and its controller answers."""
    if shutil.which("sbatch") is None:
        raise UserError(
            f"hydra/launcher={choice}: no SLURM scheduler here (sbatch not found on PATH)"
        )
    try:
        shown = subprocess.run(
            ["sinfo", "--noheader", "--format=%P"], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        raise UserError(
            f"hydra/launcher={choice}: the SLURM scheduler does not answer (sinfo: no reply in 60 s)"
        ) from None
    except OSError as error:
        raise UserError(f"hydra/launcher={choice}: cannot run sinfo ({error})") from None
    if shown.returncode != 0:
        last = (shown.stderr.strip().splitlines() or [f"sinfo: exit status {shown.returncode}"])[-1]
        raise UserError(f"hydra/launcher={choice}: the SLURM scheduler does not answer ({last})")
    if shutil.which("srun") is None:  # submitit's job scripts start each task with srun
        raise UserError(
            f"hydra/launcher={choice}: SLURM's srun is not on PATH here; a job could not start"
        )


def accounting_enabled() -> bool:
    """False only when the cluster says its accounting storage is off."""
    try:
        shown = subprocess.run(
            ["scontrol", "show", "config"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return True
    for line in shown.stdout.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "AccountingStorageType":
            return value.strip() not in {"", "accounting_storage/none", "(null)"}
    return True


def queue_watcher() -> Any:
    """A submitit watcher that reads job states from ``squeue`` instead of ``sacct``."""
    from submitit.slurm.slurm import SlurmInfoWatcher

    class QueueWatcher(SlurmInfoWatcher):
        def _make_command(self) -> list[str] | None:
            if super()._make_command() is None:
                return None
            # every job of this user, array tasks one per line, including ended ones
            return ["squeue", "--me", "--array", "--states=all", "--noheader", "--format=%i|%T|%N"]

        def read_info(self, string: bytes | str) -> dict[str, dict[str, str]]:
            text = string.decode() if isinstance(string, bytes) else string
            info = super().read_info("JobID|State|NodeList\n" + text)
            # squeue forgets a job some minutes after it ends (MinJobAge): a job it no
            # longer lists has ended; submitit then reads its result or reports its log
            for job_id in self._registered - self._finished:
                info.setdefault(job_id, {"JobID": job_id, "State": "ENDED_NOT_IN_QUEUE"})
            return info

    return QueueWatcher(delay_s=600)


class SlurmStatusCallback(Callback):
    """Before a SLURM sweep: follow jobs with squeue if the cluster has no accounting."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        if not is_slurm_launcher(config) or accounting_enabled():
            return
        from submitit.slurm.slurm import SlurmJob

        SlurmJob.watcher = queue_watcher()
        log.info("SLURM accounting is off here: following jobs with squeue")
