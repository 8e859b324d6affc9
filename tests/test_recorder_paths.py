"""The recorder's compiled monthly measures equal its numpy ones."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim import recorder
from sim.alignment import detect_blocs_batch
from sim.kernel import compiled_arenas
from sim.world import synthetic_world
from tests.helpers import calibrated_spec, kernel_run

pytestmark = pytest.mark.skipif(compiled_arenas() is None, reason="numba not available")


@pytest.mark.parametrize("world", [None, synthetic_world(20, 6, 3), synthetic_world(5, 2, 1)])
def test_compiled_blocs_triads_and_frustration_equal_numpy(world):
    spec = calibrated_spec(60, months=18, seed=21, world=world)
    affinity = kernel_run(spec, np.arange(60)).affinity
    affinity[0] = 0.0  # no tie at all: no triad, one singleton bloc each
    affinity[1, 0, 1:] = affinity[1, 1:, 0] = 0.0  # an isolated actor
    blocs = recorder._kernel_blocs(affinity)
    np.testing.assert_array_equal(blocs, detect_blocs_batch(affinity))
    balanced, frustration = np.empty(60), np.empty(60)
    compiled_arenas().month_measures(affinity, blocs, balanced, frustration)
    np.testing.assert_array_equal(balanced, recorder.balanced_triad_shares(affinity))
    np.testing.assert_allclose(
        frustration, recorder.partition_frustration(affinity, blocs), rtol=1e-13, atol=1e-15
    )


@pytest.mark.parametrize("n", [3, 12, 63, 64, 65, 80])
def test_triads_by_bit_counts_equal_numpy_on_either_side_of_64_actors(n):
    """Up to 64 actors the triads are counted from bit masks of ties, above by signs."""
    generator = np.random.default_rng(n)
    affinity = generator.uniform(-1.0, 1.0, (12, n, n))
    affinity[generator.uniform(size=affinity.shape) < 0.15] = 0.0  # absent ties
    affinity = np.triu(affinity, 1)
    affinity = affinity + affinity.transpose(0, 2, 1)
    blocs = recorder._kernel_blocs(affinity)
    balanced, frustration = np.empty(12), np.empty(12)
    compiled_arenas().month_measures(affinity, blocs, balanced, frustration)
    np.testing.assert_array_equal(balanced, recorder.balanced_triad_shares(affinity))
    np.testing.assert_allclose(
        frustration, recorder.partition_frustration(affinity, blocs), rtol=1e-13, atol=1e-15
    )


def test_recorded_frames_equal_on_either_path(monkeypatch):
    from sim.ensemble import run_batch
    from sim.results import FRAMES

    spec = dataclasses.replace(
        calibrated_spec(12, months=15, seed=5), world=synthetic_world(9, 3, 2)
    )
    fast = run_batch(spec, np.arange(12))
    monkeypatch.setattr(recorder, "compiled_arenas", lambda: None)
    plain = run_batch(spec, np.arange(12))
    for name in FRAMES:
        a, b = getattr(fast, name), getattr(plain, name)
        if name in ("emirate", "runs"):  # frustration: the same sum in another order
            for column in ("frustration", "frustration_end"):
                if column in a:
                    np.testing.assert_allclose(a.pop(column), b.pop(column), rtol=1e-6)
        assert a.equals(b), name


def test_recorded_events_are_month_events_rows():
    """The recorder's events frame holds exactly sim.events.month_events' rows."""
    from sim.api import compose_spec
    from sim.ensemble import loop_for
    from sim.events import month_events
    from sim.recorder import Recorder

    for scenario in ("history", "china_recognizes", "ttp_escalation"):
        spec = compose_spec([f"scenario={scenario}", "runs=8", "seed=3", "end=2026-12"])[1]
        if scenario == "history":
            spec = compose_spec(["scenario=history", "runs=8", "seed=3"])[1]
        run_ids = np.arange(8)
        loop = loop_for(spec, run_ids)
        kept = Recorder(loop.world, run_ids, spec.dates, spec.record)
        loop.attach(kept)
        expected = []
        for _ in range(spec.months):
            record = loop.step()
            for rows in month_events(record, loop.world):
                for k in range(rows.runs.size):
                    expected.append(
                        (
                            int(rows.runs[k]),
                            loop.month,
                            rows.kind,
                            int(rows.actors[k]),
                            int(rows.targets[k]),
                            int(rows.counts[k]),
                        )
                    )
        names = [*loop.world.codes, *loop.world.group_codes, ""]
        frame = kept.frames(spec.seed)["events"]
        got = list(
            zip(
                frame["run"],
                frame["date"],
                frame["kind"],
                frame["actor"].astype(object).fillna(""),  # no actor: missing in the frame
                frame["target"].astype(object).fillna(""),
                frame["count"],
                strict=True,
            )
        )
        want = sorted(
            (
                (r, pd.Period(spec.dates[m], "M"), kind, names[a], names[t], c)
                for r, m, kind, a, t, c in expected
            ),
            key=lambda row: (row[0], row[1]),
        )
        assert got == want, scenario
        assert any(kind.startswith("shock:") for kind in frame["kind"]) or scenario == "x"
        assert isinstance(frame, pd.DataFrame)
