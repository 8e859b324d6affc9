"""Agent-based simulation of regional diplomacy around Taliban-ruled Afghanistan.

Public interface:

* :func:`simulate` - run an ensemble from Hydra overrides, get pandas frames;
* :class:`DiplomacyModel`, :class:`StateAgent`, :class:`EmirateAgent` - the Mesa model;
* :func:`build_model` - the Mesa model of one run, from the same overrides;
* :mod:`sim.alignment` - landscape theory, structural balance, bloc detection.

Names are imported on first use, so ``python -m sim.<command>`` starts without
loading the whole package.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DiplomacyModel": "sim.model",
    "EmirateAgent": "sim.agents",
    "StateAgent": "sim.agents",
    "Results": "sim.results",
    "build_model": "sim.api",
    "simulate": "sim.api",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
