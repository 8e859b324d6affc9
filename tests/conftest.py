"""Shared fixtures: small worlds and ensembles that run in seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.params import ModelParameters
from sim.world import World
from sim.world_files import load_world

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def mechanism_world() -> World:
    """A six-actor explicit world built for mechanism tests."""
    return load_world(DATA / "mechanism_world.yaml")


@pytest.fixture(scope="session")
def params() -> ModelParameters:
    return ModelParameters()
