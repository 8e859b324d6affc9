"""Mesa agents: thin views of their rows in the model's arrays.

The model's state lives in numpy arrays (:class:`sim.state.SimState`, one
run); each agent reads its own row, so the Mesa agent API (``model.agents``,
``AgentSet.select``, ``shuffle_do``) works for teaching and notebooks while
the arrays stay the single source of truth.
"""

from __future__ import annotations

from typing import Protocol

import mesa
import numpy as np

from sim.arenas.recognition import recognition_utilities
from sim.kernel import StepRecord
from sim.ladder import DE_FACTO, MAX_LEVEL
from sim.params import ModelParameters
from sim.state import SimState
from sim.world import CONCERNS, World


class RunModel(Protocol):
    """What the agents read of their model: one run's state, its world and parameters."""

    state: SimState
    world: World
    params: ModelParameters


class ActorAgent(mesa.Agent):
    """Common view of one actor's row (index ``index`` in ``model.world.codes``)."""

    model: RunModel

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.code = model.world.codes[index]
        self.name = model.world.names[index]
        self.capability = float(model.world.capability[index])
        self.attacks_last_month = 0
        self.coerced_last_month = False

    def affinity_with(self, other: str) -> float:
        """Affinity (-1..1) with the actor ``other`` (an ISO3 code)."""
        return float(self.model.state.affinity[0, self.index, self.model.world.index(other)])

    def observe(self, record: StepRecord) -> None:
        """Read this agent's part of the month's record (order-independent)."""
        self.attacks_last_month = int(record.attacks[0, :, self.index].sum())
        self.coerced_last_month = bool(
            record.strikes[0, self.index] or record.closures[0, self.index]
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code})"


class StateAgent(ActorAgent):
    """A state: its recognition level, relations, trade with the Emirate and concerns."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model, index)
        self.last_move = 0
        self.months_at_level = 0

    @property
    def recognition_level(self) -> int:
        """Current ladder level 0..5 toward the Emirate."""
        return int(self.model.state.recognition[0, self.index])

    @property
    def affinity_to_emirate(self) -> float:
        """Affinity with the target actor (-1..1); 0 in worlds without one."""
        target = self.model.world.target
        return 0.0 if target is None else float(self.model.state.affinity[0, self.index, target])

    @property
    def exports_to_afg_musd(self) -> float:
        """This state's exports to Afghanistan in the current month, US$ million."""
        return float(self.model.state.target_imports[0, self.index])

    @property
    def imports_from_afg_musd(self) -> float:
        """This state's imports from Afghanistan in the current month, US$ million."""
        return float(self.model.state.target_exports[0, self.index])

    @property
    def border_open(self) -> bool:
        """False while this state keeps its border with the target closed."""
        return bool(self.model.state.border_open[0, self.index])

    @property
    def salience(self) -> dict[str, float]:
        """Weights over concerns (sum to 1)."""
        return {
            c: float(w)
            for c, w in zip(CONCERNS, self.model.world.salience[self.index], strict=True)
        }

    def recognition_utilities(self) -> dict[str, float]:
        """Utilities of moving down, staying, moving up now (-inf if impossible)."""
        values = recognition_utilities(self.model.state, self.model.world, self.model.params)
        return dict(zip(("down", "stay", "up"), values[0, self.index].tolist(), strict=True))

    def observe(self, record: StepRecord) -> None:
        super().observe(record)
        self.last_move = int(record.moves[0, self.index] + record.shock_moves[0, self.index])
        self.months_at_level = 0 if self.last_move else self.months_at_level + 1


class EmirateAgent(ActorAgent):
    """The Taliban's Emirate (AFG): its policy levers and internal balance."""

    @property
    def inclusivity(self) -> float:
        """Inclusivity / women's-rights lever in [0, 1]."""
        return float(self.model.state.inclusivity[0])

    @property
    def hardliner_influence(self) -> float:
        """Kandahar hardliners' influence in [0, 1]."""
        return float(self.model.state.hardliners[0])

    @property
    def counterterror_effort(self) -> dict[str, float]:
        """Effort against each threat group in [0, 1]."""
        return dict(
            zip(self.model.world.group_codes, self.model.state.effort[0].tolist(), strict=True)
        )

    @property
    def recognizers(self) -> list[str]:
        """States at de facto (4) or de jure (5) recognition."""
        levels = self.model.state.recognition[0]
        return [c for c, lvl in zip(self.model.world.codes, levels, strict=True) if lvl >= DE_FACTO]

    @property
    def legitimacy(self) -> float:
        """Capability-weighted mean recognition level of the states, 0..1."""
        mask = self.model.world.state_mask
        weights = self.model.world.capability * mask
        levels = np.maximum(self.model.state.recognition[0], 0)
        return float((weights * levels).sum() / max(weights.sum(), 1e-9) / MAX_LEVEL)
