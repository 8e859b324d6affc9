"""Mechanism tests on a small explicit world: each fails if its mechanism is removed.

Recognition cascades are tested on the calibrated world in ``tests/test_recognition.py``.
"""

from __future__ import annotations

from sim.ensemble import EnsembleSpec, run_ensemble
from sim.params import ModelParameters
from sim.shocks import parse_shocks

START, END = "2024-03", "2026-03"


def ensemble(world, params=None, shocks=(), runs=60, seed=11, end=END):
    parsed = parse_shocks(list(shocks), world, START, 10_000)
    spec = EnsembleSpec(
        world=world,
        params=params or ModelParameters(),
        start=START,
        end=end,
        runs=runs,
        seed=seed,
        shocks=tuple(parsed),
    )
    return run_ensemble(spec)


def affinity_path(results, actor, partner="AFG"):
    dyads = results.dyads[(results.dyads["actor"] == actor) & (results.dyads["partner"] == partner)]
    return dyads.groupby("date")["affinity"].mean()


def test_ttp_surge_lowers_pakistan_emirate_affinity(mechanism_world):
    surge = [{"date": "2024-04", "kind": "group_strength", "group": "TTP", "value": 0.95}]
    calm = ensemble(mechanism_world)
    hot = ensemble(mechanism_world, shocks=surge)
    assert affinity_path(hot, "PAK").iloc[-1] < affinity_path(calm, "PAK").iloc[-1] - 0.05
    attacks = hot.events[(hot.events["kind"] == "attack") & (hot.events["actor"] == "TTP")]
    calm_attacks = calm.events[(calm.events["kind"] == "attack") & (calm.events["actor"] == "TTP")]
    assert attacks["count"].sum() > 2 * calm_attacks["count"].sum()


def test_pakistan_border_closure_shifts_imports_to_iran_and_central_asia(mechanism_world):
    # Keep the border shut: no reopening during the test window.
    params = ModelParameters(border_reopen_rate=0.02)
    closed = ensemble(
        mechanism_world,
        params,
        [{"date": "2024-04", "kind": "border_closure", "actor": "PAK"}],
        end="2025-03",
    )
    open_ = ensemble(mechanism_world, params, end="2025-03")

    def shares(results):
        last = results.states[results.states["date"] == "2025-03"]
        per_actor = last.groupby("actor")["exports_to_afg_musd"].mean()
        return per_actor / per_actor.sum()

    s_closed, s_open = shares(closed), shares(open_)
    assert s_closed["PAK"] < s_open["PAK"] - 0.1
    assert s_closed["IRN"] > s_open["IRN"]
    assert s_closed["UZB"] > s_open["UZB"]


def test_balance_pressure_is_switchable():
    from sim.world_files import load_world

    triad = load_world("triad")
    params = ModelParameters(fast_decay=0.005)
    balanced = ensemble(triad, params.replace(balance_weight=3.0), end="2030-03", runs=8)
    frozen = ensemble(triad, params.replace(balance_weight=0.0), end="2030-03", runs=8)
    last = balanced.emirate[balanced.emirate["date"] == "2030-03"]["balanced_triads"]
    still = frozen.emirate[frozen.emirate["date"] == "2030-03"]["balanced_triads"]
    assert last.mean() >= 0.75
    assert still.mean() == 0.0
