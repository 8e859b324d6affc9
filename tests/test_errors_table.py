"""Every row of the README's "When things go wrong" table, case by case.

Bad input ends with exit status 2 and one ``error:`` line naming the key, argument or
file, with no traceback and nothing written. The command line runs in this process
(``sim.cli.main``), which is what ``python -m sim`` calls; the checks run before Hydra
starts, so this is fast. Faults after the start (failing jobs, damaged files,
interrupts, plotting failures, concurrent runs) are in ``test_hardening.py``.
"""

from __future__ import annotations

import fcntl
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.config import CONFIG_DIR
from sim.errors import UserError
from sim.evidence import SEEDS_DIR

SMALL = ["runs=2", "end=2024-06", "progress=false", "record.plots=false"]


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``python -m sim ARGV`` in this process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    try:
        main(argv)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def expect_one_line(argv: list[str], expected: str, capsys, work: Path) -> str:
    code, out, err = run_main(argv, capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (code, out, err)
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert expected in lines[0], lines[0]
    assert "Traceback" not in err and "To append to your config" not in err
    assert not list(work.iterdir()), f"written: {list(work.rglob('*'))}"
    return lines[0]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory (outputs/ would appear here) and a separate inputs/."""
    folder = tmp_path / "work"
    folder.mkdir()
    (tmp_path / "inputs").mkdir()
    monkeypatch.chdir(folder)
    return folder


@contextmanager
def config_file(group: str, text: str | bytes) -> Iterator[str]:
    """A temporary file in ``configs/<group>/`` (removed afterwards); yields its name."""
    name = f"zz_test_{uuid.uuid4().hex[:8]}"
    path = CONFIG_DIR / group / f"{name}.yaml"
    try:
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text.replace("@NAME@", name))
        yield name
    finally:
        path.unlink(missing_ok=True)


def evidence_copy(inputs: Path, change: Callable[[pd.DataFrame], None]) -> Path:
    frame = pd.read_csv(SEEDS_DIR / "evidence.csv", dtype=str, keep_default_na=False)
    change(frame)
    path = inputs / "evidence.csv"
    frame.to_csv(path, index=False)
    return path


def set_row(row_id: str, **values: str) -> Callable[[pd.DataFrame], None]:
    def change(frame: pd.DataFrame) -> None:
        for column, value in values.items():
            frame.loc[frame["id"] == row_id, column] = value

    return change


LAUGHS = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(20)]
)
EXPLICIT_WORLD = """name: @NAME@
target: null
actors:
  A: {{capability: 1.0}}
  B: {{capability: 0.5}}
threat_groups:
{groups}
"""

# -- rows: (README row, command line, what the one line must contain) ------------------

CLI_CASES = [
    # mistyped or unknown keys
    ("unknown key", ["runz=5"], "unknown key 'runz' (did you mean 'runs'?)"),
    ("unknown key", ["+foo=1"], "unknown key 'foo'"),
    ("unknown key", ["params.review_rat=0.3"], "did you mean 'params.review_rate'?"),
    ("unknown key", ["params.no_such=1"], "unknown key 'params.no_such'"),
    ("unknown key", ["record.plotz=false"], "did you mean 'record.plots'?"),
    ("unknown key", ["scenario.foo=1"], "unknown key 'scenario.foo'"),
    ("unknown key", ["world.foo=1"], "unknown key 'world.foo'"),
    # unknown names
    ("unknown name", ["scenario=no_such"], "scenario/no_such"),
    ("unknown name", ["scenario=[baseline,no_such]"], "scenario/no_such"),
    ("unknown name", ["world=no_such"], "world/no_such"),
    ("unknown name", ["-m", "seed=1,2", "hydra/launcher=no_such"], "hydra/launcher/no_such"),
    # syntax and types
    ("bad value", ["runs=abc"], "runs=abc"),
    ("bad value", ["runs=2.5"], "runs=2.5"),
    ("bad value", ["progress=maybe"], "progress=maybe"),
    ("bad value", ["runs=[1,2"], "runs=[1,2: cannot parse"),
    ("bad value", ["=5"], "needs a key"),
    ("bad value", ["~runs"], "cannot be deleted"),
    ("bad value", ["runs"], "runs: cannot parse this override"),
    ("bad value", ["runs=${oc.env:HOME}"], "runs:"),
    ("bad value", ["params.choice_temperature=abc"], "params.choice_temperature"),
    # out of range, NaN, infinity
    ("out of range", ["runs=0"], "runs=0: expected 1..10000000"),
    ("out of range", ["runs=10000001"], "runs=10000001"),
    ("out of range", ["seed=-1"], "seed=-1"),
    ("out of range", ["seed=9223372036854775808"], "seed=9223372036854775808"),
    ("out of range", ["seed=1e400"], "seed=1e400"),
    ("out of range", ["first_run=-1"], "first_run=-1"),
    ("out of range", ["first_run=9223372036854775807"], "first_run=9223372036854775807"),
    ("out of range", ["batch_size=0"], "batch_size=0"),
    ("out of range", ["record.dyads_every=0"], "record.dyads_every=0"),
    ("out of range", ["params.review_rate=5"], "params.review_rate=5"),
    ("out of range", ["params.review_rate=nan"], "params.review_rate=nan"),
    ("out of range", ["params.review_rate=inf"], "params.review_rate=inf"),
    ("out of range", ["params.move_cost=-inf"], "params.move_cost=-inf"),
    # dates
    ("bad date", ["start=2024-13"], "start='2024-13'"),
    ("bad date", ["start=2024/03"], "start='2024/03'"),
    ("bad date", ["start=2022-01"], "start=2022-01: the calibrated world"),
    ("bad date", ["end=2020-01"], "end=2020-01"),
    ("bad date", ["end=2200-01"], "at most 100 years"),
    ("bad date", ["end=2024-03"], "at least one month"),
    # scenario shocks (whatever their date)
    (
        "bad shock",
        ['+scenario.shocks.x={date:"2024-06",kind:attack,group:ISKP,target:XXX}'],
        "scenario.shocks.x.target='XXX': unknown actor",
    ),
    ("bad shock", ['+scenario.shocks.x={date:"2024-06",kind:meteor}'], "kind='meteor'"),
    (
        "bad shock",
        ['+scenario.shocks.x={date:"2024-06",kind:recognition,actor:CHN,level:9}'],
        "level=9",
    ),
    (
        "bad shock",
        ['+scenario.shocks.x={date:"2024-06",kind:group_strength,group:NOPE,value:0.5}'],
        "group='NOPE'",
    ),
    (
        "bad shock",
        ['+scenario.shocks.x={date:"2024-06",kind:policy,lever:eval,value:0.5}'],
        "lever='eval'",
    ),
    ("bad shock", ['+scenario.shocks.x={date:"2024-06",kind:aid,value:nan}'], "value=nan"),
    (
        "bad shock",
        ['+scenario.shocks.x={date:"2031-01",kind:border_closure,actor:XXX}'],
        "actor='XXX'",
    ),
    (
        "bad shock",
        ['+scenario.shocks.x={date:"2024-06",kind:attack,group:ISKP,target:CHN,count:1000}'],
        "count=1000",
    ),
    (
        "bad shock",
        ['+scenario.shocks.x={date:"2024-06",kind:strike,actor:USA,colour:red}'],
        "colour: unknown field",
    ),
    # scenario world changes
    (
        "bad world change",
        ["+scenario.world_changes.x={field:transit_capacity,actor:PAK,value:nan}"],
        "value=nan",
    ),
    (
        "bad world change",
        ["+scenario.world_changes.x={field:imports_musd,actor:IRN,scale:inf}"],
        "scale=inf",
    ),
    (
        "bad world change",
        ["+scenario.world_changes.x={field:transit_capacity,actor:PAK,value:5}"],
        "value=5: out of range",
    ),
    (
        "bad world change",
        ["+scenario.world_changes.x={field:transit_capacity,actor:ZZZ,value:0.5}"],
        "actor='ZZZ'",
    ),
    (
        "bad world change",
        ["+scenario.world_changes.x={field:hardliner_influence,actor:PAK,value:0.5}"],
        "actor: not used",
    ),
    (
        "bad world change",
        ["+scenario.world_changes.x={field:weather,value:0.5}"],
        "field='weather'",
    ),
    # the calibrated world file, changed by overrides
    ("bad world file", ["world.transit_capacity.PAK.value=5"], "transit_capacity.PAK"),
    ("bad world file", ["world.transit_capacity.PAK.value=nan"], "finite number"),
    ("bad world file", ["world.borders_target=[PAK,XXX]"], "borders_target.XXX: unknown actor"),
    (
        "bad world file",
        ["world.threat_groups=[ISKP,TTP,AQ,ETIM,IMU,ANTI_IND,TTP]"],
        "duplicate code 'TTP'",
    ),
    ("bad world file", ["world.emirate.patron=XXX"], "emirate.patron"),
    (
        "bad world file",
        ["world.calibration.evidence=/nonexistent/evidence.csv"],
        "calibration.evidence=/nonexistent/evidence.csv: no such file",
    ),
    # sweeps: rejected before any job
    ("bad sweep", ["-m", "params.review_rate=range(0.5,0.5,0.1)"], "is empty"),
    ("bad sweep", ["-m", "seed=1,-1"], "seed=-1"),
    ("bad sweep", ["-m", "scenario=baseline,nope"], "scenario/nope"),
    (
        "bad sweep",
        [
            "-m",
            "world=afghanistan,triad",
            "scenario=baseline,china_recognizes",
            "seed=0,1,2",
            "params.review_rate=0.2,0.3,0.4",
        ],
        "world=triad scenario=china_recognizes:",
    ),
    ("bad sweep", ["-m", "+sweep=scenarios", "world=triad"], "scenario=china_recognizes:"),
    ("bad sweep", ["-m", "runs=5,10", "first_run=0,9223372036854775800"], "first_run="),
    # launchers that cannot start
    ("launcher", ["-m", "seed=1,2", "hydra/launcher=ray"], "hydra/launcher=ray"),
]


@pytest.mark.parametrize(("row", "argv", "expected"), CLI_CASES, ids=lambda v: str(v)[:40])
def test_bad_command_line_is_one_line_exit_2(row, argv, expected, work, capsys):
    if row == "launcher":
        import importlib.util

        if importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is not None:
            pytest.skip("the ray extra is installed here")
    sweep = [f"hydra.sweep.dir={work.parent / 'sweep'}"] if "-m" in argv else []
    keys = {a.split("=", 1)[0].lstrip("+~") for a in argv}
    small = [a for a in SMALL if a.split("=", 1)[0] not in keys]
    expect_one_line([*small, *argv, *sweep], expected, capsys, work)
    assert not (work.parent / "sweep").exists()


# -- malformed files on disk ------------------------------------------------------------

WORLD_FILES = [
    ("syntax", "name: x\nactors: [A, B\n", "malformed YAML"),
    ("duplicate key", "name: x\nname: y\nactors: {}\n", "duplicate key 'name'"),
    ("binary", b"\x00\xff\xfe binary \x00", "not a UTF-8 text file"),
    ("billion laughs", LAUGHS, "once aliases are expanded"),
    (
        "duplicate group",
        EXPLICIT_WORLD.format(groups="  G1: {strength: 0.5, sanctuary: 0.5}\n" * 2),
        "duplicate key 'G1'",
    ),
    (
        "unknown target",
        EXPLICIT_WORLD.format(groups="  G1: {strength: 0.5, sanctuary: 0.5, targets: {ZZZ: 0.5}}"),
        "unknown actor 'ZZZ'",
    ),
    (
        "nan",
        EXPLICIT_WORLD.format(groups="  G1: {strength: .nan, sanctuary: 0.5}"),
        "finite number",
    ),
    ("not a mapping", "- a\n- b\n", "expected a mapping"),
    ("another name", "name: elsewhere\nactors: {}\n", "differs from the file name"),
]


@pytest.mark.parametrize(("what", "text", "expected"), WORLD_FILES, ids=[c[0] for c in WORLD_FILES])
def test_malformed_world_file_names_file_and_line(what, text, expected, work, capsys):
    with config_file("world", text) as name:
        line = expect_one_line([f"world={name}", *SMALL], expected, capsys, work)
    assert f"{name}.yaml" in line


SCENARIO_FILES = [
    ("syntax", "tags: {x: y\n", "malformed YAML"),
    ("duplicate key", "tags: {}\nshocks: {}\nshocks: {}\n", "duplicate key 'shocks'"),
    ("billion laughs", LAUGHS, "once aliases are expanded"),
    ("unknown key", "tags: {}\ncolour: red\n", "colour"),
]


@pytest.mark.parametrize(
    ("what", "text", "expected"), SCENARIO_FILES, ids=[c[0] for c in SCENARIO_FILES]
)
def test_malformed_scenario_file_names_it(what, text, expected, work, capsys):
    with config_file("scenario", text) as name:
        expect_one_line([f"scenario={name}", *SMALL], expected, capsys, work)


EVIDENCE = [
    ("negative trade", set_row("E1179", value="-1e12"), "outside the plausible range"),
    ("huge trade", set_row("E1179", value="1e308"), "outside the plausible range"),
    ("nan", set_row("E1179", value="nan"), "not a finite number"),
    ("unknown unit", set_row("E1179", unit="furlongs"), "unknown unit 'furlongs'"),
    ("missing unit", set_row("E1179", unit=""), "a value needs a unit"),
    ("bad date", set_row("E1179", date="2024-07"), "after the evidence cut-off"),
]


@pytest.mark.parametrize(("what", "change", "expected"), EVIDENCE, ids=[c[0] for c in EVIDENCE])
def test_malformed_evidence_names_file_row_and_field(what, change, expected, work, capsys):
    path = evidence_copy(work.parent / "inputs", change)
    line = expect_one_line([f"world.calibration.evidence={path}", *SMALL], expected, capsys, work)
    assert str(path) in line and "row E1179" in line


def test_evidence_file_that_is_not_csv(work, capsys):
    path = work.parent / "inputs" / "evidence.csv"
    path.write_bytes(b"\x00\x01\x02garbage\xff")
    expect_one_line([f"world.calibration.evidence={path}", *SMALL], str(path), capsys, work)


# -- output directories -----------------------------------------------------------------


@pytest.mark.parametrize("key", ["hydra.run.dir", "hydra.sweep.dir"])
@pytest.mark.parametrize("where", ["under a file", "/proc", "/sys"])
def test_output_directory_that_cannot_be_created(key, where, work, capsys):
    blocker = work.parent / "inputs" / "file"
    blocker.write_text("not a directory")
    target = {"under a file": blocker / "sub", "/proc": "/proc/sim-x", "/sys": "/sys/sim-x"}[where]
    sweep = ["-m", "seed=1,2"] if key == "hydra.sweep.dir" else []
    expect_one_line(
        [*sweep, f"{key}={target}", *SMALL], f"{key}={target}: cannot write", capsys, work
    )


def test_slurm_without_a_scheduler(work, capsys, monkeypatch, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    sweep = f"hydra.sweep.dir={work.parent / 'sweep'}"
    expect_one_line(
        ["-m", "seed=1,2", "hydra/launcher=slurm", sweep, *SMALL], "sbatch not found", capsys, work
    )


def test_second_sweep_into_a_locked_directory(work, capsys):
    directory = work.parent / "inputs" / "sweep"
    directory.mkdir()
    with (directory / ".sweep.lock").open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.write("pid 1 on elsewhere")
        held.flush()
        expect_one_line(
            ["-m", "seed=1,2", f"hydra.sweep.dir={directory}", *SMALL],
            "another sweep is running in this directory (pid 1 on elsewhere)",
            capsys,
            work,
        )
    assert sorted(p.name for p in directory.iterdir()) == [".sweep.lock"]


# -- the Python entry point ------------------------------------------------------------

API_CASES = [
    ([5], "override 5: expected a string"),
    ("runs=5", "pass a list of strings"),
    (["runz=5"], "unknown key 'runz'"),
    (["scenario=nope"], "scenario/nope"),
    (["runs=0"], "runs=0"),
    (['+scenario.shocks.x={date:"2031-01",kind:strike,actor:XXX}'], "actor='XXX'"),
]


@pytest.mark.parametrize(("overrides", "expected"), API_CASES, ids=lambda v: str(v)[:30])
def test_simulate_bad_input_is_one_user_error(overrides, expected):
    with pytest.raises(UserError) as error:
        sim.simulate(overrides)
    assert expected in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("what", ["missing", "not a sweep"])
def test_aggregate_of_a_directory_without_jobs(what, tmp_path, capsys):
    from sim.aggregate import main as aggregate_main

    directory = tmp_path / ("nothing" if what == "missing" else "empty")
    if what == "not a sweep":
        directory.mkdir()
    assert aggregate_main([str(directory)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1


def test_the_table_covers_at_least_sixty_cases():
    total = (
        len(CLI_CASES)
        + len(WORLD_FILES)
        + len(SCENARIO_FILES)
        + len(EVIDENCE)
        + 1
        + 6  # output directories
        + 2  # slurm, lock
        + len(API_CASES)
        + 2
    )
    assert total >= 60, total
