"""One ensemble on several worker processes equals the same ensemble on one."""

from __future__ import annotations

import dataclasses

import pandas as pd

from sim.ensemble import AUTO_MIN_RUN_MONTHS, iter_results, resolve_workers, run_ensemble
from sim.results import FRAMES
from tests.helpers import calibrated_spec


def test_two_workers_give_the_frames_of_one():
    spec = calibrated_spec(14, months=14, seed=8, batch_size=3, dyads_every=5)
    one = run_ensemble(dataclasses.replace(spec, workers=1))
    two = run_ensemble(dataclasses.replace(spec, workers=2))
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(two, name), getattr(one, name))
    streamed = list(iter_results(dataclasses.replace(spec, workers=2)))
    assert [int(batch.runs["run"].iloc[0]) for batch in streamed] == [0, 3, 6, 9, 12]


def test_auto_uses_every_core_only_for_big_jobs(monkeypatch):
    from sim import ensemble

    monkeypatch.setattr(ensemble, "available_cores", lambda: 8)
    small = calibrated_spec(20, months=12, batch_size=5)
    assert resolve_workers(dataclasses.replace(small, workers="auto")) == 1
    runs = AUTO_MIN_RUN_MONTHS // 100 + 1
    big = dataclasses.replace(calibrated_spec(runs, months=100, batch_size=500), workers="auto")
    assert resolve_workers(big) == min(8, -(-runs // 500))
    assert resolve_workers(dataclasses.replace(big, batch_size=100)) == 8
    assert resolve_workers(dataclasses.replace(big, workers=3, batch_size=100)) == 3
    assert resolve_workers(dataclasses.replace(big, workers=64, batch_size=1000)) == -(
        -runs // 1000
    )


def test_workers_is_a_config_key():
    import pytest

    from sim.api import compose_spec
    from sim.errors import ConfigError

    assert compose_spec([])[1].workers == "auto"
    assert compose_spec(["workers=2"])[1].workers == 2
    assert compose_spec([])[1].record.dyads_every == 12
    for bad in ("workers=0", "workers=many", "workers=1.5"):
        with pytest.raises(ConfigError, match="workers"):
            compose_spec([bad])


def test_joblib_still_works_after_an_ensemble_on_workers():
    """The workers' executor is our own: joblib's shared one (Hydra's joblib launcher,
    SALib) is left for joblib to configure."""
    from joblib import Parallel, delayed

    run_ensemble(dataclasses.replace(calibrated_spec(4, months=2, batch_size=2), workers=2))
    assert Parallel(n_jobs=2)(delayed(abs)(-k) for k in range(3)) == [0, 1, 2]
