"""Per-run outcomes of an ensemble: the table sweeps aggregate and plot.

One row per run: months to the first de jure recognition (NaN if none within
the horizon), the first recogniser, recognisers at the end (level >= 4 and
== 5), months of confrontation between each state and the Emirate, the
Emirate's imports by partner over the last 12 months (US$ million/year), and
which states end in the Emirate's bloc.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.dates import month_index
from sim.results import Results


def run_outcomes(results: Results, target: str = "AFG") -> pd.DataFrame:
    """Build the outcome table of one ensemble (see module docstring)."""
    runs = results.runs.copy()
    states = results.states
    start = str(states["date"].astype(str).min())
    out = pd.DataFrame({"run": runs["run"].to_numpy()})
    first = runs["first_recognition_date"].astype("string")
    out["first_recognizer"] = runs["first_recognizer"].astype("string").to_numpy()
    out["months_to_first_de_jure"] = [
        np.nan if pd.isna(date) else float(month_index(start, str(date))) for date in first
    ]
    out["n_de_jure_end"] = runs["n_de_jure_end"].to_numpy()
    out["n_recognisers_end"] = runs["n_de_facto_end"].to_numpy()
    for column in runs.columns:
        if column.startswith("confrontation_months_"):
            out[column] = runs[column].to_numpy()
    dates = sorted(states["date"].astype(str).unique())
    last_year = states[states["date"].astype(str).isin(dates[-12:])]
    imports = (
        last_year.dropna(subset=["exports_to_afg_musd"])
        .groupby(["run", "actor"], observed=True)["exports_to_afg_musd"]
        .mean()
        .mul(12.0)
        .unstack()
    )
    for code in imports.columns:
        out[f"imports_musd_{code}"] = imports[code].reindex(out["run"]).to_numpy()
    end = states[states["date"].astype(str) == dates[-1]]
    if target in set(end["actor"].astype(str)):
        blocs = end.pivot_table(index="run", columns="actor", values="bloc", observed=True)
        target_bloc = blocs[target]
        for code in blocs.columns:
            if code != target:
                out[f"with_{target}_{code}"] = (
                    (blocs[code] == target_bloc).reindex(out["run"]).to_numpy()
                )
    out["blocs_end"] = runs["blocs_end"].to_numpy()
    return out
