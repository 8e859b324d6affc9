"""Measures of the current month: structural balance, blocs and landscape minima."""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from sim.alignment import (
    balanced_triad_share,
    blocs_to_string,
    detect_blocs,
    frustration_index,
    landscape_energy,
    local_minima,
)
from sim.ladder import DE_FACTO
from sim.model import DiplomacyModel

#: Ties with |affinity| at or below this count as absent in blocs and balance measures
#: (month-to-month noise keeps unrelated pairs near, but not at, zero).
TIE_TOLERANCE = 0.05


@dataclass(frozen=True)
class Metrics:
    """Measures of one month shown in the header and the balance chart."""

    month: int
    date: str
    balanced_share: float
    frustration: float
    frustrated_ties: int
    blocs: str
    n_blocs: int
    mean_recognition: float | None
    recognizers: tuple[str, ...]


def current_blocs(model: DiplomacyModel) -> np.ndarray:
    """Bloc labels of the current affinities (``detect_blocs``, threshold TIE_TOLERANCE)."""
    return detect_blocs(model.state.affinity[0], threshold=TIE_TOLERANCE)


def measure(model: DiplomacyModel) -> Metrics:
    """Structural balance, blocs and recognition summary of the model's current month."""
    affinity = model.state.affinity[0]
    share = balanced_triad_share(affinity, tie_tolerance=TIE_TOLERANCE)
    weighted = frustration_index(affinity, weighted=True, tie_tolerance=TIE_TOLERANCE)
    counted = frustration_index(affinity, weighted=False, tie_tolerance=TIE_TOLERANCE)
    labels = current_blocs(model)
    world = model.world
    if world.target is None:
        mean_level, recognizers = None, ()
    else:
        levels = model.state.recognition[0][world.state_mask]
        codes = np.array(world.codes)[world.state_mask]
        mean_level = float(levels.mean())
        recognizers = tuple(str(c) for c, lvl in zip(codes, levels, strict=True) if lvl >= DE_FACTO)
    return Metrics(
        month=model.month,
        date=model.date,
        balanced_share=share,
        frustration=float(weighted.value),
        frustrated_ties=int(counted.value),
        blocs=blocs_to_string(labels, world.codes),
        n_blocs=int(labels.max()) + 1,
        mean_recognition=mean_level,
        recognizers=recognizers,
    )


@dataclass(frozen=True)
class MinimumRow:
    """One local minimum of the landscape, for the table."""

    blocs: str
    energy: float
    basin: int
    is_global: bool
    is_current: bool


def landscape_rows(model: DiplomacyModel) -> list[MinimumRow]:
    """Local minima of the Axelrod-Bennett landscape of the current affinities.

    Sizes are capabilities, propensities the current affinity matrix.  A row is
    ``is_current`` when the detected blocs are exactly that two-bloc configuration.
    """
    sizes = np.maximum(model.world.capability, 1e-6)
    affinity = model.state.affinity[0]
    result = local_minima(sizes, affinity)
    codes = model.world.codes
    current = blocs_to_string(current_blocs(model), codes)
    best = float(result.energies.min())
    scale = max(1.0, abs(best))
    rows = []
    for config, energy, basin in zip(
        result.configurations, result.energies, result.basin_sizes, strict=True
    ):
        text = blocs_to_string(config, codes)
        rows.append(
            MinimumRow(
                blocs=text,
                energy=float(energy),
                basin=int(basin),
                is_global=abs(float(energy) - best) <= 1e-9 * scale,
                is_current=text == current,
            )
        )
    return rows


def current_energy(model: DiplomacyModel) -> float | None:
    """Landscape energy of the detected blocs if they form at most two blocs, else None."""
    labels = current_blocs(model)
    if labels.max() > 1:
        return None
    sizes = np.maximum(model.world.capability, 1e-6)
    return float(landscape_energy(labels.astype(np.int8), sizes, model.state.affinity[0]))


def landscape_html(rows: list[MinimumRow], energy_now: float | None) -> str:
    """Table of the landscape minima (escaped HTML)."""
    head = "<tr><th>blocs</th><th>energy</th><th>basin</th><th></th></tr>"
    body = "".join(
        f"<tr><td>{html.escape(r.blocs)}</td><td>{r.energy:.3f}</td><td>{r.basin}</td>"
        f"<td>{'global' if r.is_global else 'local'}{' &middot; now' if r.is_current else ''}</td></tr>"
        for r in rows
    )
    now = (
        f"<p>Energy of the current blocs: {energy_now:.3f}</p>"
        if energy_now is not None
        else "<p>The current blocs are more than two: landscape energy is for two blocs.</p>"
    )
    return (
        '<table class="sim-landscape" style="border-collapse:collapse;width:100%">'
        f"{head}{body}</table>{now}"
    )


def compare_html(with_shocks: DiplomacyModel, without: DiplomacyModel) -> str:
    """A table of the two runs of a comparison: blocs, balance and (with a target)
    every state's recognition level and affinity toward it; differing rows in bold."""
    first, second = measure(with_shocks), measure(without)

    def share(metrics: Metrics) -> str:
        return "n/a" if np.isnan(metrics.balanced_share) else f"{metrics.balanced_share:.0%}"

    rows = [
        ("blocs", first.blocs, second.blocs),
        ("balanced triads", share(first), share(second)),
        ("frustration", f"{first.frustration:.2f}", f"{second.frustration:.2f}"),
    ]
    world = with_shocks.world
    if world.target is not None:
        for i, code in enumerate(world.codes):
            if not world.state_mask[i]:
                continue
            mine = (
                with_shocks.state.recognition[0, i],
                with_shocks.state.affinity[0, i, world.target],
            )
            other = without.state.recognition[0, i], without.state.affinity[0, i, world.target]
            rows.append(
                (
                    f"{code}: level, affinity to {world.target_code}",
                    f"{int(mine[0])}, {mine[1]:+.2f}",
                    f"{int(other[0])}, {other[1]:+.2f}",
                )
            )
    body = "".join(
        (
            f"<tr><td>{html.escape(name)}</td><td><b>{html.escape(a)}</b></td>"
            f"<td><b>{html.escape(b)}</b></td></tr>"
            if a != b
            else f"<tr><td>{html.escape(name)}</td><td>{html.escape(a)}</td>"
            f"<td>{html.escape(b)}</td></tr>"
        )
        for name, a, b in rows
    )
    return (
        f'<table class="sim-compare" style="border-collapse:collapse">'
        f"<tr><th>{html.escape(with_shocks.date)}</th><th>with your shocks</th>"
        f"<th>without</th></tr>{body}</table>"
    )
