"""Golden frames: the same seeds give bitwise-identical frames (see ``tests/golden.py``).

A refactor must pass this unchanged.  A change of mechanism that is meant to change
results regenerates ``tests/data/golden.json`` (``python -m tests.golden``) in the
same commit.
"""

from __future__ import annotations

import json

import pytest

from tests.golden import ENSEMBLES, GOLDEN_PATH, ensemble_hashes, model_trace

GOLDEN = json.loads(GOLDEN_PATH.read_text())


@pytest.mark.parametrize("name", list(ENSEMBLES))
def test_frames_match_golden(name):
    actual = ensemble_hashes(ENSEMBLES[name])
    expected = GOLDEN[name]
    for frame, hashes in expected.items():
        changed = [c for c in hashes if actual[frame].get(c) != hashes[c]]
        assert not changed, f"{name}.{frame}: columns differ from golden: {changed}"
    assert set(actual) == set(expected)


def test_mesa_model_matches_golden():
    assert model_trace() == GOLDEN["model"]
