"""The Mesa model: defaults, Mesa 3 API, batch_run, identity with the ensemble path."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from sim import DiplomacyModel, EmirateAgent, StateAgent
from sim.defaults import DEFAULT_END
from sim.ensemble import EnsembleSpec, run_ensemble
from sim.errors import ConfigError
from sim.params import ModelParameters


def test_default_model_is_the_calibrated_world():
    model = DiplomacyModel(rng=1)
    assert model.world.name == "afghanistan"
    assert len(model.agents) == 12
    assert len(model.agents_by_type[StateAgent]) == 11
    assert isinstance(model.emirate, EmirateAgent) and model.emirate.code == "AFG"
    assert model.date == "2024-03"
    model.step()
    assert model.date == "2024-04" and model.steps == 1
    for agent in model.states:
        assert 0 <= agent.recognition_level <= 5
        assert -1 <= agent.affinity_to_emirate <= 1


def test_model_reproduces_ensemble_run(mechanism_world):
    seed, run_id, months = 21, 3, 18
    spec = EnsembleSpec(
        world=mechanism_world,
        params=ModelParameters(),
        start="2024-03",
        end="2025-09",
        runs=5,
        seed=seed,
    )
    results = run_ensemble(spec)
    model = DiplomacyModel(
        world=mechanism_world, params=ModelParameters(), rng=seed, run_id=run_id, start="2024-03"
    )
    for _ in range(months):
        model.step()
    last = results.states[(results.states["run"] == run_id) & (results.states["date"] == "2025-09")]
    ensemble_levels = last.set_index("actor")["recognition"].dropna().astype(int).to_dict()
    model_levels = {a.code: a.recognition_level for a in model.states}
    assert ensemble_levels == model_levels
    ensemble_affinity = last.set_index("actor")["affinity_afg"].dropna()
    model_affinity = {a.code: a.affinity_to_emirate for a in model.states}
    for code, value in ensemble_affinity.items():
        assert np.isclose(value, model_affinity[code], atol=1e-6)


def test_batch_run_works():
    results = mesa.batch_run(
        DiplomacyModel,
        parameters={"start": "2024-03"},
        rng=[0, 1],
        max_steps=3,
        number_processes=1,
        display_progress=False,
    )
    assert len(results) > 0
    assert {"n_de_jure", "mean_recognition"} <= set(results[0])


def test_inject_shock_changes_next_month(mechanism_world):
    model = DiplomacyModel(world=mechanism_world, rng=4)
    model.inject({"kind": "recognition", "actor": "USA", "level": 4})
    model.step()
    assert model.agent("USA").recognition_level in (3, 4, 5)
    assert model.agent("USA").last_move != 0


def test_layout_is_seeded_from_model_stream(mechanism_world):
    a = DiplomacyModel(world=mechanism_world, rng=8).layout()
    b = DiplomacyModel(world=mechanism_world, rng=8).layout()
    assert all(np.allclose(a[k], b[k]) for k in a)


def test_model_ends_at_its_end_month():
    model = DiplomacyModel(rng=2, end="2024-08")
    assert model.running and model.end == "2024-08"
    model.run_model()  # returns: running turns False at the end month
    assert not model.running and model.date == "2024-08" and model.steps == 5
    with pytest.raises(ConfigError, match="ended at 2024-08"):
        model.step()
    assert DiplomacyModel(rng=1).end == DEFAULT_END  # the config's default end


def test_run_until_rejects_the_past_and_after_the_end():
    model = DiplomacyModel(rng=3, end="2025-03")
    model.run_until("2024-06")
    assert model.date == "2024-06"
    with pytest.raises(ConfigError, match=r"run_until\(2023-01\): the model is already at 2024-06"):
        model.run_until("2023-01")
    with pytest.raises(ConfigError, match="after the model's end"):
        model.run_until("2025-04")
    model.run_until("2024-06")  # the current month: nothing to do
    assert model.date == "2024-06"


def test_batch_run_without_max_steps_stops_at_the_end():
    results = mesa.batch_run(
        DiplomacyModel,
        parameters={"end": "2024-07"},
        rng=[0, 1],
        number_processes=1,
        display_progress=False,
    )
    steps = {row["Step"] for row in results}
    assert max(steps) == 4  # 2024-03 .. 2024-07


@pytest.mark.parametrize("rng", ["abc", 1.5, True])
def test_bad_seed_is_one_clear_error(rng):
    with pytest.raises(ConfigError, match="rng="):
        DiplomacyModel(rng=rng)
