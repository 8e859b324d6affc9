# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Quickstart: an ensemble from Python, its frames, and the Mesa model
#
# This notebook runs the **baseline** scenario (the calibrated world of March 2024,
# no shocks, to December 2029) as a small ensemble of seeded runs, looks at the
# frames every run produces, draws the recognition ladder with its ensemble
# uncertainty, and then steps the same model one run at a time as a Mesa model.
#
# Command-line equivalent of the ensemble below (results and the standard plots
# land under `outputs/<date>/<time>/`):
#
# ```bash
# python -m sim scenario=baseline runs=30 seed=1
# ```
#
# `NOTEBOOK_RUNS` (environment variable) sets the ensemble size; the default is
# small so that the notebook runs in seconds. Use a few hundred runs for
# statements you want to quote.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import sim
import sim.plots
from sim import DiplomacyModel
from sim.agents import StateAgent
from sim.api import compose_config
from sim.config import spec_from_config
from sim.events import EVENT_KINDS
from sim.ladder import RECOGNITION_LEVELS
from sim.posterior import ParameterDraws

# sim.plots selects matplotlib's Agg backend when imported (it is also used by the
# command line); switch back to inline figures for the notebook.
# %matplotlib inline

RUNS = int(os.environ.get("NOTEBOOK_RUNS", "30"))
SEED = 1  # the Mesa section below uses DiplomacyModel(rng=SEED)
pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 30)

# %% [markdown]
# ## 1. Run an ensemble
#
# `sim.simulate` takes the same Hydra overrides as the command line and returns a
# `Results` object holding pandas frames. Run `r` of an ensemble with seed `s` has
# its own random streams, so the ensemble is reproducible and does not depend on
# how many runs you ask for. By default each run also draws its own modelling-choice
# parameters from the fit's posterior (`configs/params/posterior.yaml`), so the
# spread between runs includes parameter uncertainty; `parameters=point` runs every
# run at the fitted point instead.

# %%
OVERRIDES = ["scenario=baseline", f"runs={RUNS}", f"seed={SEED}", "end=2029-12"]
tic = time.perf_counter()
results = sim.simulate(OVERRIDES)
print(f"{RUNS} runs simulated in {time.perf_counter() - tic:.1f} s")
results.meta

# %% [markdown]
# ## 2. The frames
#
# ### `states`: one row per (run, month, actor)
#
# `recognition` is the ladder level 0..5 toward the Emirate (NA for AFG itself);
# `affinity_afg` the relation with the Emirate (−1..1); trade in US$ million that
# month; `attacks`, `bloc`, `border_open`, `transit_share` and `confrontation`.

# %%
states = results.states
print(states.shape)
states.head(12)

# %%
print("Recognition ladder:")
for level, meaning in RECOGNITION_LEVELS.items():
    print(f"  {level}: {meaning}")

dates = sorted(states["date"].astype(str).unique())
start, end = dates[0], dates[-1]
at = states[states["date"].astype(str).isin([start, end]) & (states["actor"] != "AFG")]
table = (
    at.assign(recognition=at["recognition"].astype(float))
    .groupby(["actor", at["date"].astype(str)], observed=True)
    .agg(level=("recognition", "mean"), affinity=("affinity_afg", "mean"))
    .unstack("date")
    .round(2)
)
table

# %% [markdown]
# ### `dyads`: one row per (run, recorded month, actor, partner)
#
# The full signed relation matrix, recorded yearly by default (`record.dyads_every=12`, always including the first and last month; `record.dyads_every=1` records every month); below, its ensemble mean at the last month.

# %%
dyads = results.dyads
print(dyads.shape)
last_dyads = dyads[dyads["date"].astype(str) == end]
mean_matrix = last_dyads.pivot_table(
    index="actor", columns="partner", values="affinity", aggfunc="mean", observed=True
)
codes = list(results.meta["codes"])
mean_matrix = mean_matrix.reindex(index=codes, columns=codes)

fig, ax = plt.subplots(figsize=(6.5, 5.5))
image = ax.imshow(mean_matrix.to_numpy(dtype=float), cmap="RdBu", vmin=-1, vmax=1)
ax.set_xticks(range(len(codes)), codes, rotation=90)
ax.set_yticks(range(len(codes)), codes)
ax.set_title(f"Mean affinity at {end} ({RUNS} runs; blue friendly, red hostile)")
fig.colorbar(image, ax=ax, shrink=0.8, label="affinity")
plt.show()

# %% [markdown]
# ### `events`: one row per event
#
# Attacks (the actor is the group), strikes, border closures and reopenings,
# deportation waves, sanctions, counter-terrorism cooperation, recognition moves,
# terror delistings and any scheduled scenario shocks (`shock:<name>`). The
# vocabulary is `sim.events.EVENT_KINDS`:

# %%
pd.DataFrame(
    {"label": {k: v.label for k, v in EVENT_KINDS.items()},
     "meaning": {k: v.meaning for k, v in EVENT_KINDS.items()}}
)

# %%
events = results.events
print(events.shape)
per_run = (
    events.groupby(["kind", "actor"], observed=True)["count"].sum().div(RUNS).rename("per run")
)
per_run.sort_values(ascending=False).head(15).round(2).to_frame()

# %% [markdown]
# ### `runs`: one row per run
#
# The run's seed and the posterior draw its parameters came from
# (`parameter_draw`), the first recognizer and its date (NA when nobody recognised
# de jure within the horizon), how many states end at de jure (5) or at least de
# facto (4), the blocs at the end, the share of balanced triads and months of
# confrontation per state.

# %%
runs = results.runs
runs.head()

# %%
summary = pd.Series(
    {
        "runs": len(runs),
        "share of runs with a de jure recognition": runs["first_recognizer"].notna().mean(),
        "mean states at level >= 4 at the end": runs["n_recognizers_end"].mean(),
        "mean states at level 5 at the end": runs["n_de_jure_end"].mean(),
        "mean balanced-triad share at the end": runs["balanced_triads_end"].mean(),
    }
).round(3)
print(summary.to_string())
print("\nMost common bloc structure at the end:")
print(runs["blocs_end"].value_counts().head(3).to_string())

# %% [markdown]
# `groups` (threat-group strength and the Emirate's effort against each) and
# `emirate` (its policy levers, aid and the balanced-triad share) complete the set;
# `results.write(directory)` stores all six as parquet files.

# %%
results.emirate.groupby("date", observed=True)[
    ["inclusivity", "hardliner_influence", "aid_level", "balanced_triads"]
].mean().iloc[[0, 12, 24, -1]].round(3)

# %% [markdown]
# ## 3. The recognition ladder with ensemble bands
#
# For a few states: the median level (step line) and the 10–90 % band over the
# ensemble, month by month. (`sim.plots.recognition_bands(states)` draws every
# state, with the mean as well.)

# %%
SHOW = ["CHN", "PAK", "RUS", "IRN", "USA", "UZB"]
frame = states[states["actor"].isin(SHOW)].copy()
frame["recognition"] = frame["recognition"].astype(float)
bands = (
    frame.groupby(["actor", "date"], observed=True)["recognition"]
    .quantile([0.1, 0.5, 0.9], interpolation="nearest")  # levels are integers: no interpolation
    .unstack()
)

fig, axes = plt.subplots(2, 3, figsize=(12, 5.5), sharex=True, sharey=True)
for ax, code in zip(axes.ravel(), SHOW, strict=True):
    q = bands.loc[code]
    when = pd.PeriodIndex(q.index.astype(str), freq="M").to_timestamp()
    ax.fill_between(when, q[0.1], q[0.9], step="post", alpha=0.3, label="10–90 %")
    ax.step(when, q[0.5], where="post", lw=1.8, label="median")
    ax.set_title(code)
    ax.set_ylim(-0.3, 5.3)
    ax.set_yticks(range(6))
    ax.grid(alpha=0.3)
axes[0, 0].legend(loc="lower left", fontsize=8)
for ax in axes[:, 0]:
    ax.set_ylabel("ladder level")
fig.suptitle(f"Recognition of the Emirate, baseline, {RUNS} runs")
fig.tight_layout()
plt.show()

# %%
fig = sim.plots.recognition_bands(states)
plt.show()

# %% [markdown]
# ## 4. The Mesa model: one run, step by step
#
# `DiplomacyModel` wraps the same array kernel for a single run; its agents are
# views of the model's arrays (`StateAgent` for each state, `EmirateAgent` for AFG),
# so the usual Mesa API works. With no arguments it builds the calibrated world of
# March 2024 with the fitted point (`ModelParameters.fitted()`). Here we pass the very
# parameters the ensemble above used: the posterior draws, of which the model takes
# run `r`'s own, so that `DiplomacyModel(rng=s, run_id=r, params=draws)` reproduces
# run `r` of the ensemble with seed `s`.

# %%
params_used = spec_from_config(compose_config(OVERRIDES)).params
print(type(params_used).__name__, "- run 0 uses posterior draw",
      int(runs.loc[runs["run"] == 0, "parameter_draw"].iloc[0]))
model = DiplomacyModel(rng=SEED, run_id=0, params=params_used)
print(model.date, "-", len(model.agents), "agents:", sorted(a.code for a in model.agents))
for _ in range(12):
    model.step()
print("after 12 steps:", model.date)

# %%
levels = pd.DataFrame(
    [
        {
            "code": a.code,
            "name": a.name,
            "level": a.recognition_level,
            "meaning": RECOGNITION_LEVELS[a.recognition_level],
            "affinity_to_emirate": round(a.affinity_to_emirate, 2),
            "border_open": a.border_open,
        }
        for a in model.states
    ]
).set_index("code")
levels

# %%
emirate = model.emirate
print("Emirate recognised de facto or de jure by:", emirate.recognizers or "nobody")
print(f"inclusivity {emirate.inclusivity:.2f}, hardliner influence {emirate.hardliner_influence:.2f}")
print("counter-terrorism effort:", {k: round(v, 2) for k, v in emirate.counterterror_effort.items()})
print("China's utilities of moving down / staying / moving up:", {
    k: round(v, 3) for k, v in model.agent("CHN").recognition_utilities().items()
})
model.datacollector.get_model_vars_dataframe().tail(4)

# %% [markdown]
# The Mesa run and run 0 of the ensemble draw from the same random streams, so they
# agree month for month:

# %%
run0 = states[(states["run"] == 0) & (states["date"].astype(str) == model.date)]
run0_levels = run0.set_index(run0["actor"].astype(str))["recognition"].drop("AFG").astype(int)
comparison = pd.DataFrame({"ensemble run 0": run0_levels, "Mesa model": levels["level"]})
comparison.T

# %% [markdown]
# ## Checks
#
# What this notebook shows, as assertions (they test structure, ranges and
# contracts, not particular numbers, so they hold whatever the fitted parameters).

# %%
months = len(dates)
n_actors = len(codes)
assert results.meta["scenario"] == "baseline" and results.meta["runs"] == RUNS
assert (start, end) == ("2024-03", "2029-12") and months == 70
# states: one row per (run, month, actor), the documented columns and ranges
assert len(states) == RUNS * months * n_actors
assert {"recognition", "affinity_afg", "exports_to_afg_musd", "imports_from_afg_musd", "attacks",
        "bloc", "border_open", "transit_share", "confrontation"} <= set(states.columns)
levels_all = states.loc[states["actor"] != "AFG", "recognition"]
assert levels_all.notna().all() and levels_all.between(0, 5).all()
assert states.loc[states["actor"] == "AFG", "recognition"].isna().all()
assert states["affinity_afg"].dropna().between(-1, 1).all()
assert (states["exports_to_afg_musd"].dropna() >= 0).all()
# dyads: yearly snapshots (record.dyads_every=12) plus the last month, every ordered pair, symmetric
dyad_months = len(set(range(0, months, 12)) | {months - 1})
assert dyads["date"].nunique() == dyad_months
assert len(dyads) == RUNS * dyad_months * n_actors * (n_actors - 1)
assert dyads["affinity"].between(-1, 1).all()
sym = last_dyads.set_index(["run", "actor", "partner"])["affinity"]
swapped = sym.copy()
swapped.index = swapped.index.swaplevel(1, 2)
assert np.allclose(sym.sort_index(), swapped.reindex(sym.sort_index().index))
# events: documented kinds only (the table sim.events.EVENT_KINDS), months as period[M]
documented = set(EVENT_KINDS)
assert str(events["date"].dtype) == "period[M]" and str(states["date"].dtype) == "period[M]"
assert all(k in documented or k.startswith("shock:") for k in set(events["kind"].astype(str)))
assert (events["count"] >= 1).all()
# runs: one row per run; de jure counts bounded by the number of states
assert len(runs) == RUNS and runs["run"].tolist() == list(range(RUNS))
assert runs["n_de_jure_end"].between(0, n_actors - 1).all()
assert (runs["n_de_jure_end"] <= runs["n_recognizers_end"]).all()
assert runs["balanced_triads_end"].between(0, 1).all()
# parameters: one posterior draw per run, the same draws the Mesa model takes
assert isinstance(params_used, ParameterDraws)
assert runs["parameter_draw"].between(0, params_used.size - 1).all()
assert (runs["parameter_draw"].to_numpy()
        == params_used.draw_indices(SEED, runs["run"].to_numpy())).all()
# the ensemble starts from the calibrated state: no spread in March 2024
first = bands.xs(start, level="date")
assert (first[0.1] == first[0.9]).all()
assert (bands[0.1] <= bands[0.5]).all() and (bands[0.5] <= bands[0.9]).all()
assert first.loc["CHN", 0.5] == 4  # China accepted an Emirate ambassador by 2024 (evidence)
# the Mesa model: 11 states + the Emirate, a year later, valid levels, same as run 0
assert len(model.states) == n_actors - 1 and emirate is not None and emirate.code == "AFG"
assert model.date == "2025-03" and model.month == 12
assert all(isinstance(a, StateAgent) and 0 <= a.recognition_level <= 5 for a in model.states)
assert (comparison["ensemble run 0"] == comparison["Mesa model"]).all()
print("all checks passed")
