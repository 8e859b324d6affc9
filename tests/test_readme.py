"""The README's commands work as written, so they cannot drift.

Every command of every ``bash`` block and every ``python`` block of README.md is run,
with the environment the README asks for (``source .venv/bin/activate``): the sizes
are shrunk to small ensembles (``runs=2``, a short period, ``--runs 10``) and outputs
go to a temporary directory; nothing else is changed. ``python -m`` commands run in
this process (their ``main``, which ``python -m`` calls, without paying for an interpreter each); the
activation step and the make targets run in a shell.
"""

from __future__ import annotations

import importlib
import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def commands() -> list[str]:
    """Each command of the bash blocks, without its comment."""
    found = []
    for block in blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            command = re.split(r"\s+#\s", " " + line.strip(), maxsplit=1)[0].strip()
            if command:
                found.append(command)
    return found


COMMANDS = commands()
#: Commands checked, but not run to the end here, and why.
NOT_RUN = {
    "make test": "the suite itself",
    "make app": "serves until stopped (tests/test_app_server.py serves and probes it)",
    "make bench": "several minutes (benchmarks/bench.py --quick is its smoke run)",
    "make notebook": "serves JupyterLab until stopped (the notebooks run under nbmake)",
    "make docs": "serves until stopped (tests/test_outputs.py builds the site strictly)",
    "make docs ARGS=build": "tests/test_outputs.py builds the site strictly",
}


#: Launchers already run by an earlier command (each is run once; later commands that
#: name it again use the basic launcher, which is what it spreads over processes).
LAUNCHED: set[str] = set()


def shrink_sim(arguments: list[str], out: Path, plots: bool = False) -> list[str]:
    """``python -m sim`` arguments on a small ensemble, writing under ``out``."""
    if any(a in {"--help", "-h"} or a.startswith("--cfg") for a in arguments):
        return arguments
    launchers = [a for a in arguments if a.startswith("hydra/launcher=")]
    if launchers and launchers[0] in LAUNCHED:
        arguments = [a for a in arguments if a not in launchers]
    LAUNCHED.update(launchers)
    keys = {a.split("=", 1)[0] for a in arguments}
    shrunk = []
    for argument in arguments:
        key = argument.partition("=")[0]
        if key == "runs":
            argument = "runs=2"
        elif key == "end":
            argument = "end=2024-06"
        shrunk.append(argument)
    if "end" not in keys and "scenario=history" not in arguments:
        shrunk.append("end=2024-06")
    if "runs" not in keys:
        shrunk.append("runs=2")
    shrunk += ["progress=false", "record.dyads_every=3"]
    if not plots:
        shrunk.append("record.plots=false")
    if "-m" in arguments:
        return [*shrunk, f"hydra.sweep.dir={out}"]
    return [*shrunk, f"hydra.run.dir={out}"]


def shrink(module: str, arguments: list[str], out: Path, plots: bool = False) -> list[str]:
    if module == "sim":
        return shrink_sim(arguments, out, plots)
    if module == "sim.validate":
        return _replace_option(arguments, "--runs", "10")
    if module == "sim.fit":  # never overwrite configs/params/fitted.yaml here
        return [*arguments, "--dry-run", "--population", "4", "--generations", "1", "--runs", "2"]
    return arguments


def _replace_option(arguments: list[str], option: str, value: str) -> list[str]:
    result = list(arguments)
    if option in result:
        result[result.index(option) + 1] = value
    return result


def run_module(module: str, arguments: list[str]) -> int:
    """``python -m MODULE ARGUMENTS`` in this process (the module's ``main``); its exit status."""
    entry = importlib.import_module("sim.cli" if module == "sim" else module).main
    try:
        return int(entry(arguments) or 0)
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 1


def test_readme_has_the_commands_this_test_expects():
    assert "source .venv/bin/activate" in COMMANDS
    assert any(c.startswith("python -m sim -m ") for c in COMMANDS)
    assert len(COMMANDS) >= 20


def test_activation_gives_the_projects_python(tmp_path):
    activate = ROOT / ".venv" / "bin" / "activate"
    if not activate.is_file():
        pytest.skip("no .venv here (make setup creates it)")
    shell = f"source {shlex.quote(str(activate))} && python -m sim --help && python -c 'import sim, mesa'"
    done = subprocess.run(
        ["bash", "-c", shell], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m sim")


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.startswith("make ")])
def test_make_targets_exist(command):
    target = command.split()[1]
    done = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    if command in NOT_RUN:
        return
    lines = [line for line in done.stdout.splitlines() if "-m sim" in line]
    assert lines, done.stdout  # make run: the main job, run below on a small ensemble
    module_command = lines[-1].split("python", 1)[1].split()
    assert module_command[:2] == ["-m", "sim"]


PYTHON_COMMANDS = [c for c in COMMANDS if c.startswith("python -m ")]
MAKE_RUN = "python -m sim"  # what `make run` runs: the one command drawn with its plots
PYTHON_COMMANDS.append(MAKE_RUN)


@pytest.mark.parametrize("command", PYTHON_COMMANDS)
def test_readme_command_runs(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    words = shlex.split(command)
    module, arguments = words[2], words[3:]
    plots = command == MAKE_RUN
    code = run_module(module, shrink(module, arguments, tmp_path / "out", plots))
    out, err = capsys.readouterr()
    assert code == 0, f"{command}\n{out[-2000:]}\n{err[-2000:]}"
    assert "Traceback" not in err


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_readme_python_block_runs(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = re.sub(r'"runs=\d+"', '"runs=3"', blocks("python")[index])
    exec(compile(code, f"README.md python block {index}", "exec"), {"__name__": "readme"})


def test_every_command_is_covered_by_this_test():
    for command in COMMANDS:  # each kind above is run (or, for NOT_RUN, checked)
        assert command.startswith(("python -m ", "make ", "source .venv/bin/activate")), command
