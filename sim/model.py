"""``DiplomacyModel``: the Mesa model of one run, driving the monthly loop.

Every constructor argument has a default, so ``DiplomacyModel()`` builds the
calibrated Afghanistan world at 2024-03, runs to the config's end month, and
``mesa.batch_run(DiplomacyModel, ...)`` works without ``max_steps``.  The model owns a
one-run :class:`~sim.loop.MonthlyLoop`; its agents are views of their rows and
observe each month's record.  A run's random numbers come from
``SeedSequence(seed, spawn_key=(run_id, k))`` exactly as in the ensemble runner, so
``DiplomacyModel(rng=s, run_id=r)`` reproduces run ``r`` of an ensemble with seed
``s`` month for month.  :func:`sim.api.build_model` builds one from Hydra overrides,
through the same config path as ``python -m sim``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import mesa
import networkx as nx
import numpy as np

from sim.agents import EmirateAgent, StateAgent
from sim.alignment import relation_graph
from sim.dates import add_months, month_index, parse_month
from sim.defaults import DEFAULT_END, DEFAULT_START, DEFAULT_WORLD
from sim.errors import ConfigError
from sim.kernel import StepRecord
from sim.ladder import DE_JURE
from sim.layout import network_layout
from sim.loop import MonthlyLoop
from sim.params import ModelParameters
from sim.posterior import ParameterDraws
from sim.shocks import Shock, parse_shocks
from sim.world import World
from sim.world_changes import WorldChange, parse_world_changes
from sim.world_files import load_world


class DiplomacyModel(mesa.Model):
    """Twelve (or any number of) states and the Emirate, month by month.

    Args:
        world: a :class:`World`, or a world name / path (default the calibrated
            Afghanistan world).
        start: first month ``YYYY-MM`` (default: the world's date, else 2024-03).
        end: last month ``YYYY-MM`` (default: the config's, 2029-12); ``running``
            turns False once the model reaches it.
        params: modelling-choice parameters: a :class:`ModelParameters`, posterior
            draws (this run takes its own, as in an ensemble), or a mapping of changes
            to the fitted values (default: the fitted values).
        shocks: scenario shocks as mappings (see :mod:`sim.shocks`) or parsed shocks.
        world_changes: structural changes ``{name: change}`` (see
            :mod:`sim.world_changes`) or parsed changes.
        rng: seed (int) for this run; ``None`` draws fresh entropy.
        run_id: the run index within an ensemble (selects the random stream).
    """

    def __init__(
        self,
        world: World | str = DEFAULT_WORLD,
        start: str | None = None,
        end: str | None = None,
        params: ModelParameters | ParameterDraws | dict[str, Any] | None = None,
        shocks: Iterable[dict[str, Any] | Shock] | None = None,
        world_changes: dict[str, Any] | Iterable[WorldChange] | None = None,
        rng: int | None = None,
        run_id: int = 0,
    ) -> None:
        if rng is not None and (isinstance(rng, bool) or not isinstance(rng, int | np.integer)):
            raise ConfigError(f"rng={rng!r}: pass an integer seed or None")
        super().__init__(rng=rng)
        if start is None:
            start = world.start if isinstance(world, World) and world.start else DEFAULT_START
        self.start = parse_month(start, "start")
        self.end = parse_month(end or DEFAULT_END, "end")
        if month_index(self.start, self.end) < 1:
            raise ConfigError(f"end={self.end} must be at least one month after start={self.start}")
        base_world = world if isinstance(world, World) else load_world(world, start=self.start)
        if isinstance(world_changes, dict) or world_changes is None:
            changes = parse_world_changes(world_changes or {}, base_world, self.start)
        else:
            changes = list(world_changes)
        self.seed = int(self.rng.integers(2**62)) if rng is None else int(rng)
        self.run_id = int(run_id)
        if isinstance(params, ParameterDraws):
            self.params = params.for_runs(self.seed, np.array([self.run_id])).run(0)
        elif isinstance(params, ModelParameters):
            self.params = params
        else:
            fitted = ModelParameters.fitted().as_dict()
            self.params = ModelParameters.from_mapping(fitted | dict(params or {}))
        self.loop = MonthlyLoop(
            base_world,
            self.params,
            seed=self.seed,
            run_ids=[self.run_id],
            start=self.start,
            world_changes=changes,
        )
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
                "n_de_jure": lambda m: int((m.state.recognition[0] == DE_JURE).sum()),
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

    # -- the run's state, as the loop holds it ------------------------------------
    @property
    def state(self):
        """The one-run :class:`~sim.state.SimState` (arrays with a run axis of 1)."""
        return self.loop.state

    @property
    def world(self) -> World:
        """The world in force this month."""
        return self.loop.world

    @property
    def month(self) -> int:
        """Months since the start (0 at the start)."""
        return self.loop.month

    @property
    def months(self) -> int:
        """Months from the start to the end month."""
        return month_index(self.start, self.end)

    @property
    def last_record(self) -> StepRecord | None:
        """What happened in the latest month (None before the first step)."""
        return self.loop.last_record

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

    # -- shocks ---------------------------------------------------------------------
    def schedule_shocks(self, shocks: Iterable[dict[str, Any] | Shock]) -> None:
        """Add shocks (mappings with a ``date``, or parsed shocks) to the schedule."""
        shocks = list(shocks)
        mappings = [s for s in shocks if not isinstance(s, Shock)]
        parsed = [s for s in shocks if isinstance(s, Shock)]
        parsed += parse_shocks(mappings, self.world, self.start, self.months + 1)
        self.loop.schedule(parsed)

    def inject(self, shock: dict[str, Any]) -> None:
        """Schedule a shock for the next month (the app's 'inject' button)."""
        self.schedule_shocks([{**shock, "date": add_months(self.date, 1)}])

    # -- stepping -------------------------------------------------------------------
    def step(self) -> None:
        """Advance one month: the loop steps this run, then agents observe.

        Raises:
            ConfigError: past the end month (``running`` is already False there).
        """
        if self.month >= self.months:
            raise ConfigError(f"the model ended at {self.end}; build one with a later end=")
        record = self.loop.step()
        self.agents.shuffle_do("observe", record)
        self.datacollector.collect(self)
        self.running = self.month < self.months

    def run_until(self, month: str) -> None:
        """Step until the given month ``YYYY-MM`` (inclusive).

        Raises:
            ConfigError: the month is before the current one or after the end.
        """
        month = parse_month(month, "month")
        target = month_index(self.start, month)
        if target < self.month:
            raise ConfigError(f"run_until({month}): the model is already at {self.date}")
        if target > self.months:
            raise ConfigError(f"run_until({month}): after the model's end={self.end}")
        while self.month < target:
            self.step()

    # -- pictures -------------------------------------------------------------------
    def relation_graph(self) -> nx.Graph:
        """Signed affinity graph (networkx) of the current month."""
        return relation_graph(self.state.affinity[0], list(self.world.codes))

    def layout(self, previous: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """Node positions of the current network (:func:`sim.layout.network_layout`),
        seeded from the model's stream; ``previous`` continues from earlier positions."""
        return network_layout(
            self.state.affinity[0], self.world.codes, seed=self.layout_seed, previous=previous
        )
