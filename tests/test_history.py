"""History replay, probabilistic scorecard, null models, posterior fit and forecast ledger."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import fit, forecast, validate
from sim.evidence import load_evidence
from sim.history import persistence
from sim.posterior import POSTERIOR_PATH, ParameterDraws

ROOT = Path(__file__).resolve().parents[1]
RUNS, SEED = 80, 3
#: Skill floors on the out-of-sample facts of the whole replay (see README, "Scorecard").
#: Measured at the fit (300 runs): about +0.45 against persistence and +0.2 against
#: frozen affinities, their 90 % bootstrap intervals clear of zero; the floors keep
#: a margin for this smaller ensemble and still fail if the model does no better than
#: a null that ignores its dynamics.
SKILL_FLOOR = {"persistence": 0.2, "frozen": 0.05}


@pytest.fixture(scope="module")
def spec():
    return validate.history_spec(RUNS, SEED)


@pytest.fixture(scope="module")
def results(spec):
    return validate.evaluate(spec)


def test_history_runs_from_the_fall_of_kabul_with_documented_shocks_only(spec):
    assert (spec.start, spec.end) == ("2021-08", "2024-03")
    kinds = {shock.kind for shock in spec.shocks}
    assert "recognition" not in kinds and "affinity" not in kinds  # no outcome is scripted
    evidence = set(load_evidence()["id"])
    assert all(shock.evidence and set(shock.evidence) <= evidence for shock in spec.shocks)


def test_facts_cite_evidence_and_split_in_time():
    evidence = set(load_evidence()["id"])
    keys = [f.key for f in validate.FACTS]
    assert len(keys) == len(set(keys)) >= 25
    for fact in validate.FACTS:
        assert fact.evidence and set(fact.evidence) <= evidence, fact.key
        assert fact.period in validate.PERIODS
    scored = [f for f in validate.FACTS if not f.in_sample]
    assert sum(f.period == "fit" for f in scored) >= 8
    assert sum(f.period == "holdout" for f in scored) >= 8
    # the facts the issue found circular or automatic are out of the skill figures or gone
    in_sample = {f.key for f in validate.FACTS if f.in_sample}
    assert {"top_three_importers", "pakistan_coerces"} <= in_sample
    assert not {"russia_dips", "russia_recovers"} & set(keys)


def test_scores_are_probabilistic():
    held = np.array([[True, False], [True, True], [True, False], [True, False]])
    np.testing.assert_allclose(validate.probabilities(held), [1.0, 0.25])
    np.testing.assert_allclose(validate.brier(held), [0.0, 0.5625])
    np.testing.assert_allclose(validate.log_score(held), -np.log([4.5 / 5, 1.5 / 5]))
    null = np.zeros_like(held)
    assert validate.skill(held, null) == pytest.approx(1 - (0.5625 / 2) / 1.0)


def test_the_model_beats_persistence_and_frozen_affinities(results):
    mask = validate.scored_facts()
    model = results["model"][:, mask]
    for name, floor in SKILL_FLOOR.items():
        value = validate.skill(model, results[name][:, mask])
        low, _ = validate.bootstrap_skill(model, results[name][:, mask], samples=200)
        assert value >= floor, (name, value)
        assert low > 0, (name, low)


def test_the_scorecard_tells_models_apart(results):
    """A model whose relations never move, or whose recognition never moves, scores worse."""
    mask = validate.scored_facts()
    model = validate.brier(results["model"][:, mask]).mean()
    assert validate.brier(results["frozen"][:, mask]).mean() > model
    assert validate.brier(results["persistence"][:, mask]).mean() > model


def test_removing_recognition_fails_the_scorecard(spec):
    """With the recognition arena switched off (no state ever moves), facts of change fail."""
    from sim.arenas import STANDARD_ARENAS

    still = [a for a in STANDARD_ARENAS if a.name != "recognition"]
    frozen_ladder = dataclasses.replace(
        STANDARD_ARENAS[2], step=lambda month: _no_moves(month), name="recognition"
    )
    arenas = tuple(frozen_ladder if a.name == "recognition" else a for a in STANDARD_ARENAS)
    assert len(still) == len(arenas) - 1
    held = validate.holds(validate.replay(dataclasses.replace(spec, arenas=arenas)))
    card = validate.scorecard(held).set_index("fact")
    for key in ("china_ambassador", "russia_hosts_diplomats", "central_asia_engages"):
        assert card.loc[key, "probability"] == 0.0, key


def _no_moves(month):
    month.outputs["moves"] = np.zeros_like(month.state.recognition)
    month.outputs["delistings"] = np.zeros_like(month.state.listed)


def test_persistence_null_holds_the_start():
    spec = validate.history_spec(4, 1)
    history = validate.replay(spec)
    still = persistence(history)
    assert (still.level == still.level[:, :1]).all() and not still.events["strike"].any()


def test_posterior_draws_are_shipped_and_used_per_run(spec):
    draws = ParameterDraws.load(POSTERIOR_PATH)
    assert draws.size >= 200 and set(draws.names) == set(fit.FITTED)
    assert np.isclose(draws.weights.sum(), 1.0)
    picks = draws.draw_indices(5, np.arange(50))
    assert len(set(picks.tolist())) > 10  # runs carry parameter uncertainty
    np.testing.assert_array_equal(picks[20:30], draws.draw_indices(5, np.arange(20, 30)))
    assert isinstance(spec.params, ParameterDraws)  # the default: one draw per run
    point = validate.history_spec(4, 1, ["parameters=point"]).params
    assert not isinstance(point, ParameterDraws)  # the single best point stays available


def test_fit_objective_is_deterministic_and_uses_only_fit_facts():
    objective = fit.Objective(runs=6, seed=2, through="2023-03")
    values = {n: float(getattr(objective.base, n)) for n in fit.FITTED}
    assert objective(values) == objective(values)
    periods = {f.period for f, used in zip(validate.FACTS, objective.mask, strict=True) if used}
    assert periods == {"fit"}  # the hold-out in time never enters the fit
    with pytest.raises(Exception, match="through"):
        fit.fit_mask("2022-01")


def test_posterior_plot_names_unconstrained_parameters(tmp_path):
    draws = ParameterDraws.load(POSTERIOR_PATH)
    ratios = fit.constrained(draws)
    assert set(ratios) == set(draws.names)
    fit.plot_posterior(draws, tmp_path / "posterior.png")
    assert (tmp_path / "posterior.png").stat().st_size > 10_000


def test_validate_command_prints_skill_against_every_null(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "sim.validate", "--runs", "20", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for name in ("persistence", "frozen", "no_balance", "prior"):
        assert f"skill_vs_{name}" in done.stdout
    skill = pd.read_csv(tmp_path / "skill.csv")
    assert list(skill["facts"]) == ["fit", "holdout", "all"]
    assert len(pd.read_csv(tmp_path / "scorecard.csv")) == len(validate.FACTS)


def test_the_committed_ledger_is_intact_and_scorable(tmp_path):
    ledgers = sorted((ROOT / "forecasts").glob("ledger-2024-03-*.yaml"))
    assert ledgers, "the ledger issued at 2024-03 is committed under forecasts/"
    record = forecast.read_ledger(ledgers[-1])  # its content matches its hash
    assert record["issued"] == "2024-03" and record["knowledge_ends"] == "2024-03"
    questions = pd.DataFrame(record["questions"])
    assert set(questions["horizon"]) == {"2025-03", "2026-03"}
    assert questions["p"].between(0, 1).all()
    for prefix in ("level>=", "first_de_jure:", "coerces:", "share_up:", "with_afg:"):
        assert questions["question"].str.startswith(prefix).any(), prefix
    outcomes = questions.head(6)[["question", "horizon"]].assign(outcome=[1, 0, 1, 0, 0, 1])
    outcomes.to_csv(tmp_path / "outcomes.csv", index=False)
    _merged, summary = forecast.score(record, pd.read_csv(tmp_path / "outcomes.csv"))
    assert summary["outcomes"] == 6 and 0 <= summary["brier"] <= 1
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.forecast",
            "score",
            str(ledgers[-1]),
            str(tmp_path / "outcomes.csv"),
            "--plot",
            str(tmp_path / "reliability.png"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "reliability.png").is_file()


def test_an_edited_ledger_is_refused(tmp_path):
    ledger = sorted((ROOT / "forecasts").glob("ledger-2024-03-*.yaml"))[-1]
    text = ledger.read_text()
    edited = tmp_path / ledger.name
    edited.write_text(text.replace("p: 0.", "p: 0.9", 1))
    with pytest.raises(Exception, match="does not match its hash"):
        forecast.read_ledger(edited)
    record = yaml.safe_load(text)
    assert record["sha256"] in ledger.name


def test_the_fit_progress_bar_counts_pyabc_generations():
    """``python -m sim.fit`` shows a bar over generations, advanced by pyabc's log lines."""
    import logging

    from sim.fit import GenerationBar

    bar = GenerationBar(3, disable=True)
    log = logging.getLogger("test-fit-bar")
    log.propagate = False
    log.addHandler(bar)
    log.setLevel(logging.INFO)
    for t in range(2):
        log.info("t: %d, eps: 2.5e-01.", t)
        log.info("Accepted: 200 / 610 = 3.2787e-01, ESS: 3.4117e+01.")
    log.info("Timing t=1 [s]: total=36")
    log.removeHandler(bar)
    assert bar.done == 2 and bar.bar.total == 3
    bar.close()
