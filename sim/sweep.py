"""Sweeps: one Hydra job = a scenario x parameter point x block of seeded runs.

Each job writes its results into its own directory (named by its overrides, so
a re-run finds it again), atomically, and marks completion last with
``status.json`` (:mod:`sim.job_status`); a job that fails records ``status: failed``
with the error and the config, and does not spoil the others.  Re-running the same
sweep into the same directory (``hydra.sweep.dir=...``) skips finished jobs.  At the
end of a multirun :class:`AggregateCallback` gathers every finished job into one
tidy table and draws the outcome distributions (``python -m sim.aggregate DIR``
does the same for any directory).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger("sim")
#: Set by :class:`AggregateCallback` in the launching process: ``summary`` (the counts of
#: :func:`sim.aggregate.aggregate`) or ``error``, and ``directory``.
LAST_SWEEP: dict[str, Any] = {}


class AggregateCallback(Callback):
    """At the end of a multirun: aggregate finished jobs and draw distributions.

    Some launchers skip this callback (joblib does when a job fails); the command line
    then aggregates itself (:func:`sim.cli.main`).
    """

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from sim.aggregate import aggregate

        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            summary = aggregate(sweep_dir, plots=True)
        except Exception as error:  # the jobs' results stay on disk either way
            log.error("aggregation of %s failed: %s", sweep_dir, error)
            LAST_SWEEP.update(error=str(error), directory=sweep_dir)
            return
        LAST_SWEEP.update(summary=summary, directory=sweep_dir)
        log.info(
            "aggregated %d finished job(s), %d failed, into %s",
            summary["ok"],
            summary["failed"],
            summary["directory"],
        )
