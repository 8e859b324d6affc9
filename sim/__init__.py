"""Agent-based simulation of regional diplomacy around Taliban-ruled Afghanistan.

Public interface:

* :func:`simulate` - run an ensemble from Hydra overrides, get pandas frames;
* :class:`DiplomacyModel`, :class:`StateAgent`, :class:`EmirateAgent` - the Mesa model;
* :mod:`sim.alignment` - landscape theory, structural balance, bloc detection.
"""

from sim.agents import EmirateAgent, StateAgent
from sim.api import simulate
from sim.model import DiplomacyModel
from sim.results import Results

__all__ = ["DiplomacyModel", "EmirateAgent", "Results", "StateAgent", "simulate"]
