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
# # 02 · Scenarios side by side: outcome distributions and their uncertainty
#
# A scenario changes *inputs* at given dates (China recognises de jure in 2024-06;
# the TTP surges and Pakistan strikes; humanitarian aid collapses); everything
# after is the model's response. Because the response is stochastic, a scenario is
# an ensemble of runs and its outcomes are distributions. This notebook sweeps four
# scenarios with the **same seed** (so run `r` of every scenario starts from the same
# random streams and draws the same parameters from the fit's posterior: common
# random numbers sharpen the comparison), builds one row of
# outcomes per run with `sim.outcomes.run_outcomes`, and plots the distributions
# with bootstrap and quantile intervals.
#
# Command-line equivalent (a Hydra multirun writes one directory per scenario and
# an `aggregate/outcomes.parquet`; `sim.plots` draws the same panels from it):
#
# ```bash
# python -m sim -m scenario=baseline,china_recognizes,ttp_escalation,aid_collapse runs=1000 seed=0
# python -m sim.plots outputs/multirun/<date>/<time>
# ```

# %%
import os
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Image, display

import sim
import sim.plots
from sim.outcomes import run_outcomes

# sim.plots selects the Agg backend on import; re-enable inline figures.
# %matplotlib inline

RUNS = int(os.environ.get("NOTEBOOK_RUNS", "30"))
SEED = 0
END = "2029-12"
SCENARIOS = ["baseline", "china_recognizes", "ttp_escalation", "aid_collapse"]
rng = np.random.default_rng(12345)  # for the bootstrap only
pd.set_option("display.width", 160)

# %% [markdown]
# ## 1. Sweep the scenarios from Python

# %%
results, tables = {}, []
tic = time.perf_counter()
for name in SCENARIOS:
    res = sim.simulate([f"scenario={name}", f"runs={RUNS}", f"seed={SEED}", f"end={END}"])
    results[name] = res
    table = run_outcomes(res)
    table["scenario"] = name
    tables.append(table)
outcomes = pd.concat(tables, ignore_index=True)
print(f"{len(SCENARIOS)} scenarios x {RUNS} runs in {time.perf_counter() - tic:.1f} s")
outcomes.head()

# %% [markdown]
# One row per run: months from March 2024 to the first de jure recognition (NaN if
# none by the end), the first recognizer, how many states end at level ≥ 4
# (`n_recognizers_end`) and at 5, months of confrontation between each state and the
# Emirate, the Emirate's imports by partner over the last 12 months (US$ m a year),
# and who ends in the Emirate's bloc. `sim.plots.outcome_summary` condenses it:

# %%
summary = sim.plots.outcome_summary(outcomes)
KEY = next(c for c in ("label", "scenario") if c in summary)  # the column naming each group
summary = summary.set_index(KEY)
summary[
    ["runs", "share_with_de_jure", "months_to_first_recognition_median", "recognizers_end_mean",
     "recognizers_end_p10", "recognizers_end_p90", "pak_confrontation_months_mean"]
].round(2)

# %% [markdown]
# ## 2. Uncertainty: bootstrap intervals for ensemble statistics
#
# Two kinds of spread matter and the panels keep them apart:
#
# * **between runs** (the model's own stochasticity: what could happen): 10–90 %
#   quantiles of the per-run outcome;
# * **of the estimate** (how well `RUNS` runs pin down a mean or a share): a 95 %
#   percentile-bootstrap interval, which shrinks as `NOTEBOOK_RUNS` grows.


# %%
def bootstrap_ci(values, stat=np.mean, draws=2000, level=0.95):
    """Percentile-bootstrap interval of ``stat`` over the runs."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return np.nan, np.nan, np.nan
    picks = rng.integers(0, len(values), size=(draws, len(values)))
    stats = np.apply_along_axis(stat, 1, values[picks])
    tail = (1 - level) / 2
    return float(stat(values)), float(np.quantile(stats, tail)), float(np.quantile(stats, 1 - tail))


rows = []
for name in SCENARIOS:
    frame = outcomes[outcomes["scenario"] == name]
    has_de_jure = frame["months_to_first_recognition"].notna().astype(float)
    for label, values in [
        ("share of runs with de jure recognition", has_de_jure),
        ("recognizers (level >= 4) at the end", frame["n_recognizers_end"]),
        ("PAK-AFG confrontation months", frame["confrontation_months_PAK"]),
        ("total imports, last 12 months (US$ m)", frame.filter(like="afg_imports_musd_last12m_").sum(axis=1)),
    ]:
        mean, low, high = bootstrap_ci(values)
        rows.append({"scenario": name, "outcome": label, "mean": mean, "ci_low": low,
                     "ci_high": high, "p10": float(np.quantile(values, 0.1)),
                     "p90": float(np.quantile(values, 0.9))})
intervals = pd.DataFrame(rows).set_index(["outcome", "scenario"])
intervals.round(2)

# %% [markdown]
# ## 3. The four outcome panels

# %%
colours = dict(zip(SCENARIOS, plt.cm.tab10.colors, strict=False))
styles = dict(zip(SCENARIOS, ["-", "--", ":", "-."], strict=True))
horizon = len(results["baseline"].states["date"].unique()) - 1
fig, axes = plt.subplots(2, 2, figsize=(14, 10))
(ax_time, ax_rec), (ax_trade, ax_conf) = axes

# (a) time to the first de jure recognition: ECDF, runs without one censored at the horizon
for name in SCENARIOS:
    frame = outcomes[outcomes["scenario"] == name]
    months = np.sort(frame["months_to_first_recognition"].dropna().to_numpy())
    share = np.arange(1, len(months) + 1) / len(frame)
    _, low, high = intervals.loc[("share of runs with de jure recognition", name),
                                 ["mean", "ci_low", "ci_high"]]
    ax_time.step(np.r_[0, months, horizon], np.r_[0, share, share[-1] if len(share) else 0],
                 where="post", color=colours[name], ls=styles[name], lw=1.8, label=f"{name} (by {END}: {len(months) / len(frame):.0%})")
    ax_time.errorbar(horizon + 1 + SCENARIOS.index(name), len(months) / len(frame),
                     yerr=[[len(months) / len(frame) - low], [high - len(months) / len(frame)]],
                     fmt="o", color=colours[name], capsize=3)
ax_time.set_xlabel("months after 2024-03 (dots: share by the end, 95 % bootstrap)")
ax_time.set_ylabel("share of runs with a de jure recognition")
ax_time.set_title("(a) Time to the first de jure recognition (ECDF)")
ax_time.set_ylim(-0.03, 1.03)
ax_time.legend(fontsize=8, loc="center right")

# (b) recognizers at the end: distribution (bars) + mean with bootstrap CI (triangles)
width = 0.8 / len(SCENARIOS)
counts = outcomes.groupby(["scenario", "n_recognizers_end"]).size().unstack(fill_value=0)
counts = counts.reindex(index=SCENARIOS, columns=range(int(counts.columns.max()) + 1), fill_value=0)
shares = counts.div(counts.sum(axis=1), axis=0)
for k, name in enumerate(SCENARIOS):
    offset = (k - (len(SCENARIOS) - 1) / 2) * width
    ax_rec.bar(shares.columns + offset, shares.loc[name], width, color=colours[name], label=name)
    mean, low, high = intervals.loc[("recognizers (level >= 4) at the end", name),
                                    ["mean", "ci_low", "ci_high"]]
    ax_rec.errorbar(mean, 1.03 + 0.04 * k, xerr=[[mean - low], [high - mean]], fmt="v",
                    color=colours[name], capsize=3)
ax_rec.set_xticks(shares.columns)
ax_rec.set_xlabel("states at level >= 4 at the end (triangles: mean, 95 % bootstrap)")
ax_rec.set_ylabel("share of runs")
ax_rec.set_title("(b) Recognisers at the end")
ax_rec.legend(fontsize=8, loc="center right")

# (c) Afghanistan's imports by partner, last 12 months: mean, bootstrap CI and 10-90 %
import_columns = [c for c in outcomes.columns if c.startswith("afg_imports_musd_last12m_")]
order = outcomes[import_columns].mean().sort_values(ascending=False).index[:8]
positions = np.arange(len(order))
for k, name in enumerate(SCENARIOS):
    frame = outcomes[outcomes["scenario"] == name]
    stats = np.array([bootstrap_ci(frame[c]) for c in order])
    p10, p90 = frame[order].quantile(0.1).to_numpy(), frame[order].quantile(0.9).to_numpy()
    x = positions + k * width
    ax_trade.bar(x, stats[:, 0], width, color=colours[name], alpha=0.55, label=name)
    ax_trade.vlines(x, p10, p90, color=colours[name], lw=1)
    ax_trade.errorbar(x, stats[:, 0], yerr=[stats[:, 0] - stats[:, 1], stats[:, 2] - stats[:, 0]],
                      fmt="none", ecolor="k", capsize=2, lw=1)
ax_trade.set_xticks(positions + width * (len(SCENARIOS) - 1) / 2,
                    [c.removeprefix("afg_imports_musd_last12m_") for c in order])
ax_trade.set_ylabel("US$ million / year")
ax_trade.set_title("(c) Afghanistan's imports by partner, last 12 months\n"
                   "(bar: mean; black: 95 % bootstrap; thin line: 10-90 % of runs)")
ax_trade.legend(fontsize=8)

# (d) PAK-AFG confrontation months per run: box (quartiles, 10-90 % whiskers) + mean CI
data = [outcomes.loc[outcomes["scenario"] == name, "confrontation_months_PAK"] for name in SCENARIOS]
box = ax_conf.boxplot(data, whis=(10, 90), patch_artist=True, widths=0.5)
for patch, name in zip(box["boxes"], SCENARIOS, strict=True):
    patch.set_facecolor(colours[name])
    patch.set_alpha(0.4)
for k, name in enumerate(SCENARIOS):
    mean, low, high = intervals.loc[("PAK-AFG confrontation months", name), ["mean", "ci_low", "ci_high"]]
    ax_conf.errorbar(k + 1.3, mean, yerr=[[mean - low], [high - mean]], fmt="D", color="k", capsize=3)
ax_conf.set_xticks(range(1, len(SCENARIOS) + 1), SCENARIOS, rotation=15)
ax_conf.set_ylabel(f"months (of {horizon})")
ax_conf.set_title("(d) Pakistan-Emirate confrontation months per run\n"
                  "(box: quartiles, whiskers 10-90 %; diamond: mean, 95 % bootstrap)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### What the confrontation measure counts
#
# `confrontation` (states frame) marks a month in which a state coerced the Emirate
# (a strike, a border closure or a sanction) or kept its border closed. The
# `ttp_escalation` scenario *schedules* two Pakistani strikes and a Torkham closure;
# the `events` frame records them (kind `strike` / `border_closure`, plus a
# `shock:<name>` marker) next to the coercion the model chooses itself (kinds
# `strike`, `border_closure`, `sanction`). The cell below compares the two measures
# month by month, so you can see whether every coercive act shows up as a
# confrontation month.

# %%
COERCIVE = ["strike", "border_closure", "sanction"]  # the kinds confrontation counts
coercive_rows = []
for name in SCENARIOS:
    res = results[name]
    ev = res.events
    acts = ev[(ev["actor"].astype(str) == "PAK") & ev["kind"].isin(COERCIVE)]
    act_months = acts[["run", "date"]].astype({"date": str}).drop_duplicates()
    st = res.states[res.states["actor"] == "PAK"][["run", "date", "confrontation"]]
    st = st.astype({"date": str})
    joined = act_months.merge(st, on=["run", "date"], how="left")
    per_run = acts.groupby("run")["count"].sum().reindex(range(RUNS), fill_value=0)
    strikes = acts[acts["kind"] == "strike"].groupby("run")["count"].sum()
    coercive_rows.append({
        "scenario": name,
        "PAK coercive acts per run (events)": per_run.mean(),
        "min per run": per_run.min(),
        "min PAK strikes per run": strikes.reindex(range(RUNS), fill_value=0).min(),
        "confrontation months per run (states)": res.runs["confrontation_months_PAK"].mean(),
        "months with a coercive act": len(joined),
        "... flagged as confrontation": int(joined["confrontation"].sum()),
    })
coercion = pd.DataFrame(coercive_rows).set_index("scenario")
coercion.round(2)

# %% [markdown]
# ## 4. The same panels from `sim.plots`
#
# `sim.plots.outcome_distributions(outcomes, directory)` is what `python -m sim.plots`
# draws for a sweep: it needs the `scenario` column, writes PNG, SVG and a CSV
# summary into the directory, and returns their paths.

# %%
with tempfile.TemporaryDirectory() as tmp:
    written = sim.plots.outcome_distributions(outcomes, tmp)
    written_names = sorted(Path(p).name for p in written)
    print(written_names)
    display(Image(filename=str(Path(tmp) / "outcome_distributions.png"), width=900))
    csv_summary = pd.read_csv(Path(tmp) / "outcome_summary.csv")
# %matplotlib inline

# %% [markdown]
# ## Checks
#
# Directions with margins that follow from the scenarios' designs, not from the
# fitted coefficients: a scheduled de jure recognition happens in every run; the
# scheduled Pakistani strikes appear in every run; cutting aid to 30 % lowers
# aid-financed imports. Plus structural checks on the intervals.

# %%
by = {name: outcomes[outcomes["scenario"] == name] for name in SCENARIOS}
assert set(outcomes["scenario"]) == set(SCENARIOS)
assert all(len(frame) == RUNS for frame in by.values())
assert outcomes["n_recognizers_end"].between(0, 11).all()
assert outcomes["confrontation_months_PAK"].between(0, horizon).all()
assert (outcomes[import_columns].fillna(0) >= 0).all().all()
# china_recognizes: China's de jure recognition (2024-06 = month 3) is in every run
china = by["china_recognizes"]
assert china["months_to_first_recognition"].notna().all()
assert (china["months_to_first_recognition"] <= 3).all()
chn = results["china_recognizes"].states.query("actor == 'CHN'")
chn_by_june = chn[chn["date"].astype(str) <= "2024-06"].groupby("run")["recognition"].max()
assert (chn_by_june == 5).all()  # China is at de jure by its scheduled decision, in every run
assert (china["n_de_jure_end"] >= 0).all()
share = outcomes.groupby("scenario")["months_to_first_recognition"].apply(lambda s: s.notna().mean())
assert share["china_recognizes"] == 1.0 and share["china_recognizes"] >= share["baseline"]
# ttp_escalation: both scheduled Pakistani strikes are recorded in every run, so the
# ensemble sees more Pakistani coercion than the baseline
assert coercion.loc["ttp_escalation", "min PAK strikes per run"] >= 2
assert (coercion.loc["ttp_escalation", "PAK coercive acts per run (events)"]
        > coercion.loc["baseline", "PAK coercive acts per run (events)"])
# aid_collapse: aid to 30 % from 2024-07 lowers Afghanistan's imports (by > 5 %)
total = outcomes.assign(total=outcomes[import_columns].sum(axis=1)).groupby("scenario")["total"].mean()
assert total["aid_collapse"] < 0.95 * total["baseline"]
# intervals are ordered and contain the estimate
assert (intervals["ci_low"] <= intervals["mean"] + 1e-9).all()
assert (intervals["mean"] <= intervals["ci_high"] + 1e-9).all()
assert (intervals["p10"] <= intervals["p90"]).all()
# sim.plots wrote the figure (PNG and SVG) and the summary, one row per scenario
assert written_names == ["outcome_by_country.png", "outcome_distributions.png",
                         "outcome_distributions.svg", "outcome_effects.csv", "outcome_effects.png",
                         "outcome_effects.svg", "outcome_summary.csv"]
assert sorted(csv_summary[KEY]) == sorted(SCENARIOS)
print("all checks passed")
