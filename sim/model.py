"""``DiplomacyModel``: the Mesa model of one run, wrapping the array kernel.

Every constructor argument has a default, so ``DiplomacyModel()`` builds the
calibrated Afghanistan world at 2024-03 and ``mesa.batch_run(DiplomacyModel,
...)`` works.  The model owns a one-run :class:`~sim.state.SimState`; its
agents are views of their rows.  A run's random numbers come from
``SeedSequence(seed, spawn_key=(run_id, k))`` exactly as in the ensemble
runner, so ``DiplomacyModel(rng=s, run_id=r)`` reproduces run ``r`` of an
ensemble with seed ``s`` month for month.
"""

from __future__ import annotations

from typing import Any

import mesa
import networkx as nx
import numpy as np

from sim import kernel
from sim.agents import EmirateAgent, StateAgent
from sim.dates import add_months, month_index, parse_month
from sim.errors import ConfigError
from sim.kernel import StepRecord
from sim.params import ModelParameters
from sim.shocks import Shock, parse_shocks
from sim.state import initial_state
from sim.streams import RunStreams, draws_per_month
from sim.world import World, load_world
from sim.world_changes import parse_world_changes, worlds_by_month

HORIZON_MONTHS = 1200


class DiplomacyModel(mesa.Model):
    """Twelve (or any number of) states and the Emirate, month by month.

    Args:
        world: a :class:`World`, or a world name / path (default the calibrated
            Afghanistan world).
        start: first month ``YYYY-MM`` (default: the world's date, else 2024-03).
        params: modelling-choice parameters: a :class:`ModelParameters`, or a mapping
            of changes to the fitted values (default: the fitted values).
        shocks: scenario shocks as mappings (see :mod:`sim.shocks`).
        world_changes: structural changes ``{name: change}`` (see :mod:`sim.world_changes`).
        rng: seed (int) for this run; ``None`` draws fresh entropy.
        run_id: the run index within an ensemble (selects the random stream).
    """

    def __init__(
        self,
        world: World | str = "afghanistan",
        start: str | None = None,
        params: ModelParameters | dict[str, Any] | None = None,
        shocks: list[dict[str, Any]] | None = None,
        world_changes: dict[str, Any] | None = None,
        rng: int | None = None,
        run_id: int = 0,
    ) -> None:
        super().__init__(rng=rng)
        if start is None:
            start = world.start if isinstance(world, World) and world.start else "2024-03"
        self.start = parse_month(start, "start")
        base_world = world if isinstance(world, World) else load_world(world, start=self.start)
        changes = parse_world_changes(world_changes or {}, base_world, self.start)
        self._worlds = worlds_by_month(base_world, changes)
        self.world = self._worlds[0]
        if isinstance(params, ModelParameters):
            self.params = params
        else:
            fitted = ModelParameters.fitted().as_dict()
            self.params = ModelParameters.from_mapping(fitted | dict(params or {}))
        if rng is None:
            self.seed = int(self.rng.integers(2**62))
        elif isinstance(rng, int | np.integer):
            self.seed = int(rng)
        else:
            raise ConfigError(f"rng={rng!r}: pass an integer seed or None")
        self.run_id = int(run_id)
        self.state = initial_state(self.world, 1)
        uniforms, normals = draws_per_month(self.world.n_actors, self.world.n_groups)
        self._streams = RunStreams(self.seed, np.array([self.run_id]), uniforms, normals)
        self._shocks: dict[int, list[Shock]] = {}
        self.month = 0
        self.last_record: StepRecord | None = None
        self.schedule_shocks(shocks or [])
        self.layout_seed = int(self.rng.integers(2**31))

        for index in range(self.world.n_actors):
            if index == self.world.target:
                EmirateAgent(self, index)
            else:
                StateAgent(self, index)

        self.datacollector = mesa.DataCollector(
            model_reporters={
                "date": "date",
                "n_de_jure": lambda m: int((m.state.recognition[0] == 5).sum()),
                "mean_recognition": lambda m: float(
                    m.state.recognition[0][m.world.state_mask].mean()
                ),
                "inclusivity": lambda m: float(m.state.inclusivity[0]),
            },
            agent_reporters={
                "code": "code",
                "recognition": lambda a: a.recognition_level if isinstance(a, StateAgent) else None,
                "affinity_afg": lambda a: (
                    a.affinity_to_emirate if isinstance(a, StateAgent) else None
                ),
            },
        )
        self.datacollector.collect(self)

    @property
    def date(self) -> str:
        """The current month ``YYYY-MM``."""
        return add_months(self.start, self.month)

    @property
    def states(self) -> mesa.agent.AgentSet:
        """The state agents (all but the Emirate)."""
        return self.agents_by_type.get(StateAgent, self.agents.select(lambda a: False))

    @property
    def emirate(self) -> EmirateAgent | None:
        """The Emirate agent, if the world has one."""
        found = self.agents_by_type.get(EmirateAgent)
        return None if not found else next(iter(found))

    def agent(self, code: str) -> StateAgent | EmirateAgent:
        """The agent of an actor code."""
        index = self.world.index(code)
        return next(a for a in self.agents if a.index == index)

    def schedule_shocks(self, shocks: list[dict[str, Any]]) -> None:
        """Add shocks (mappings with a ``date``) to the schedule; validated now."""
        for shock in parse_shocks(shocks, self.world, self.start, HORIZON_MONTHS):
            self._shocks.setdefault(shock.month, []).append(shock)

    def inject(self, shock: dict[str, Any]) -> None:
        """Schedule a shock for the next month (the app's 'inject' button)."""
        self.schedule_shocks([{**shock, "date": add_months(self.date, 1)}])

    def step(self) -> None:
        """Advance one month: the kernel on this run's row, then agents observe."""
        uniforms, normals = self._streams.next_month()
        self.month += 1
        self.world = self._worlds.get(self.month, self.world)
        self.last_record = kernel.step(
            self.state, self.world, self.params, uniforms, normals, self._shocks.get(self.month)
        )
        self.agents.shuffle_do("observe", self.last_record)
        self.datacollector.collect(self)

    def run_until(self, month: str) -> None:
        """Step until the given month ``YYYY-MM`` (inclusive)."""
        target = month_index(self.start, parse_month(month, "month"))
        while self.month < target:
            self.step()

    def relation_graph(self) -> nx.Graph:
        """Signed affinity graph (networkx) of the current month."""
        from sim.alignment import relation_graph

        return relation_graph(self.state.affinity[0], list(self.world.codes))

    def layout(self) -> dict[str, np.ndarray]:
        """A spring layout of the friendly ties, seeded from the model's stream."""
        graph = self.relation_graph()
        positive = nx.Graph((u, v, d) for u, v, d in graph.edges(data=True) if d["weight"] > 0)
        positive.add_nodes_from(graph.nodes)
        return nx.spring_layout(positive, seed=self.layout_seed)
