"""Per-run outcomes of an ensemble: the ``runs`` table, which sweeps aggregate and plot.

There is one per-run table.  The recorder builds it (:mod:`sim.recorder`) and
:data:`sim.results.SCHEMA` documents its columns: the first de jure recognizer and
when, months to it, recognizers at the end, each state's level at the end, the blocs
at the end and who ends in the Emirate's bloc, structural balance at the end, months
of confrontation with the Emirate per state, and the Emirate's imports by partner
over the last 12 months (US$ million).
"""

from __future__ import annotations

import pandas as pd

from sim.results import HEADLINE_OUTCOMES, Results

__all__ = ["HEADLINE_OUTCOMES", "run_outcomes"]


def run_outcomes(results: Results, target: str = "AFG") -> pd.DataFrame:
    """The per-run table of ``results`` (``results.runs``; ``target`` is accepted for
    callers of the former separate outcome table and is not needed)."""
    del target
    return results.runs.copy()
