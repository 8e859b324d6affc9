"""Node positions for drawing an alignment network (one layout for every picture).

Friendly ties pull actors together (a spring layout of the positive ties, seeded so
the same run always draws the same picture).  Worlds of :data:`CIRCLE_MAX_ACTORS` or
fewer actors sit on a circle instead: with so few nodes a spring layout can put three
actors on one line, hiding a tie under the others, while on a circle every tie is a
distinct chord.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np

#: Worlds this small are drawn on a circle (every tie visible).
CIRCLE_MAX_ACTORS = 5
#: Spring iterations when a layout continues from earlier positions (a drift, not a jump).
DRIFT_ITERATIONS = 15


def network_layout(
    affinity: np.ndarray,
    codes: Sequence[str],
    seed: int = 0,
    previous: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Positions ``{code: (x, y)}`` for an (N, N) affinity matrix.

    Args:
        affinity: symmetric relations in [-1, 1] (only their signs matter here).
        codes: actor codes in matrix order.
        seed: seed of the spring layout (use the model's or the run's stream).
        previous: earlier positions to continue from (a few iterations only).
    """
    codes = [str(c) for c in codes]
    if len(codes) <= CIRCLE_MAX_ACTORS:
        angles = np.pi / 2 + 2 * np.pi * np.arange(len(codes)) / max(len(codes), 1)
        return {c: np.array([np.cos(a), np.sin(a)]) for c, a in zip(codes, angles, strict=True)}
    friendly = nx.Graph()
    friendly.add_nodes_from(codes)
    rows, columns = np.nonzero(np.triu(np.asarray(affinity) > 0, 1))
    friendly.add_weighted_edges_from(
        (codes[i], codes[j], float(affinity[i, j])) for i, j in zip(rows, columns, strict=True)
    )
    if previous is None:
        return nx.spring_layout(friendly, seed=seed)
    return nx.spring_layout(friendly, pos=dict(previous), iterations=DRIFT_ITERATIONS, seed=seed)
