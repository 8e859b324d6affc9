"""The notebooks are stored as jupytext pairs: .py (source of truth) + .ipynb without outputs.

Executing them is CI's ``pytest --nbmake notebooks/*.ipynb``; these checks are cheap
and keep the pairs commit-friendly: in sync, no stored outputs, the ``python3`` kernel.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SCRIPTS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def test_there_are_notebooks():
    assert len(SCRIPTS) >= 5
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == [p.stem for p in SCRIPTS]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_notebook_pair_is_in_sync_and_clean(script: Path):
    notebook_path = script.with_suffix(".ipynb")
    raw = json.loads(notebook_path.read_text(encoding="utf-8"))
    assert raw["metadata"]["kernelspec"]["name"] == "python3"
    assert raw["metadata"]["jupytext"]["formats"] == "ipynb,py:percent"
    for cell in raw["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{notebook_path.name}: outputs stored"
            assert cell["execution_count"] is None, f"{notebook_path.name}: execution count stored"

    from_script = jupytext.read(script)
    from_notebook = jupytext.read(notebook_path)
    pairs = list(zip(from_script.cells, from_notebook.cells, strict=True))
    for k, (left, right) in enumerate(pairs):
        assert left.cell_type == right.cell_type, f"{script.name} cell {k}"
        assert left.source == right.source, f"{script.name} cell {k}: run jupytext --sync"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_notebook_is_small_by_default_and_ends_with_checks(script: Path):
    text = script.read_text(encoding="utf-8")
    assert 'os.environ.get("NOTEBOOK_RUNS"' in text
    last_code = [c for c in jupytext.read(script).cells if c.cell_type == "code"][-1]
    assert "assert " in last_code.source
