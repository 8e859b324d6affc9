"""Trade arena: Afghanistan's bilateral flows and transit routes.

Each partner's target flow (imports and exports alike) is its starting flow
scaled by

* relations: ``1 + trade_affinity_elasticity * (affinity - starting affinity)``;
* engagement: ``1 + engagement_trade_gain * (level - starting level)`` (trade facilitation);
* the border: a partner whose border is closed keeps only ``CLOSED_BORDER_RETAINED``
  of its flow; ``diversion_share`` of what is lost goes to the open partners in
  proportion to their transit capacity (ports, rail), so a closed Pakistani border
  shifts imports toward Iran's ports and Central Asian rail;
* humanitarian aid (for imports): ``(1 - aid_import_share) + aid_import_share * aid``
  (aid finances imports).

Flows close ``trade_adjustment`` of the gap to their target each month, with
multiplicative noise, and never go negative.  Transit shares are the open
partners' transit capacities weighted by ``1 + affinity``, normalised.
"""

from __future__ import annotations

import numpy as np

from sim.arenas.base import Arena, Month, normal
from sim.params import ModelParameters
from sim.state import SimState
from sim.world import World

#: Share of a partner's flow that still crosses a closed border (smuggling, air
#: freight, exemptions); modelling choice, range 0.1-0.4.
CLOSED_BORDER_RETAINED = 0.2


def transit_shares(state: SimState, world: World) -> np.ndarray:
    """(R, N) share of the target's third-country trade using each actor's routes."""
    if world.target is None:
        return np.zeros(state.border_open.shape)
    affinity = state.affinity[:, :, world.target]
    weight = world.transit_capacity[None, :] * state.border_open * np.maximum(1.0 + affinity, 0.0)
    total = weight.sum(axis=1, keepdims=True)
    return np.where(total > 0, weight / np.where(total > 0, total, 1.0), 0.0)


def target_flows(
    state: SimState, world: World, params: ModelParameters
) -> tuple[np.ndarray, np.ndarray]:
    """Target (imports, exports) per month, (R, N) each, in US$ million."""
    p2 = params.at(2)
    target = world.target
    base_imports = world.imports_musd[None, :] / 12.0
    base_exports = world.exports_musd[None, :] / 12.0
    affinity_change = state.affinity[:, :, target] - world.affinity[None, :, target]
    level_change = np.where(
        world.state_mask[None, :], state.recognition - world.recognition[None, :], 0
    )
    factor = np.maximum(
        (1.0 + p2.trade_affinity_elasticity * affinity_change)
        * (1.0 + p2.engagement_trade_gain * level_change),
        0.0,
    )
    openness = np.where(state.border_open, 1.0, CLOSED_BORDER_RETAINED)
    capacity = world.transit_capacity[None, :] * state.border_open
    capacity_share = capacity / np.maximum(capacity.sum(axis=1, keepdims=True), 1e-9)

    def with_diversion(base: np.ndarray) -> np.ndarray:
        flow = base * factor
        lost = (flow * (1.0 - openness)).sum(axis=1, keepdims=True)
        return flow * openness + p2.diversion_share * lost * capacity_share

    p1 = params.at(1)
    aid = ((1.0 - p1.aid_import_share) + p1.aid_import_share * state.aid)[:, None]
    return with_diversion(base_imports) * aid, with_diversion(base_exports)


def _step(month: Month) -> None:
    state, world, params = month.state, month.world, month.params
    if world.target is None:
        return
    noise = month.draws["flow_noise"]
    import_target, export_target = target_flows(state, world, params)
    p2 = params.at(2)
    rate = p2.trade_adjustment
    imports = state.target_imports + rate * (import_target - state.target_imports)
    exports = state.target_exports + rate * (export_target - state.target_exports)
    state.target_imports = np.maximum(imports * (1.0 + p2.trade_noise * noise[:, 0]), 0.0)
    state.target_exports = np.maximum(exports * (1.0 + p2.trade_noise * noise[:, 1]), 0.0)
    state.target_imports[:, world.target] = 0.0
    state.target_exports[:, world.target] = 0.0


ARENA = Arena(
    stream=0,  # the standard arenas share the kernel's streams
    name="trade",
    step=_step,
    reads=("target_imports", "target_exports", "affinity", "recognition", "border_open", "aid"),
    writes=("target_imports", "target_exports"),
    parameters=(
        "trade_adjustment",
        "trade_affinity_elasticity",
        "engagement_trade_gain",
        "diversion_share",
        "aid_import_share",
        "trade_noise",
    ),
    draws=(normal("flow_noise", 2, "actors"),),  # imports, exports
)
