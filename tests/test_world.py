"""World files: loading, validation errors, actor set as data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.errors import WorldError
from sim.world import CONCERNS, synthetic_world
from sim.world_files import load_world

DATA = Path(__file__).parent / "data"


def write_world(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load((DATA / "mechanism_world.yaml").read_text())
    mutate(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_mechanism_world_loads(mechanism_world):
    world = mechanism_world
    assert world.codes[0] == "AFG" and world.target == 0
    assert np.allclose(world.salience[world.state_mask].sum(axis=1), 1.0)
    assert np.allclose(world.affinity, world.affinity.T)
    assert world.recognition[0] == -1
    assert world.group_codes == ("TTP", "ISKP")


def test_triad_world_has_no_target():
    world = load_world("triad")
    assert world.target is None and world.n_actors == 3
    assert world.affinity[0, 2] == -0.5


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["affinity"].update({"AFG-XYZ": 0.3}), "affinity.AFG-XYZ: unknown actor 'XYZ'"),
        (lambda d: d["actors"]["PAK"].pop("capability"), "actors.PAK.capability: missing field"),
        (
            lambda d: d["actors"]["PAK"].update(capability=1.5),
            "actors.PAK.capability: value 1.5 out of range",
        ),
        (
            lambda d: d["actors"]["PAK"].update(recognition=7),
            "actors.PAK.recognition: value 7 out of range",
        ),
        (lambda d: d["actors"]["PAK"].update(recognition=2.5), "expected an integer"),
        (
            lambda d: d["actors"]["PAK"]["salience"].update(greed=0.3),
            "actors.PAK.salience.greed: unknown concern",
        ),
        (
            lambda d: d["affinity"].update({"AFG-PAK": -1.4}),
            "affinity.AFG-PAK: value -1.4 out of range",
        ),
        (lambda d: d.update(target="XYZ"), "target: unknown actor 'XYZ'"),
        (
            lambda d: d["threat_groups"]["TTP"]["targets"].update(ZZZ=0.2),
            "threat_groups.TTP.targets: unknown actor 'ZZZ'",
        ),
        (
            lambda d: d["actors"]["USA"]["demands"]["counterterror"].update(FOO=0.2),
            "unknown threat group 'FOO'",
        ),
        (lambda d: d.update(colour="red"), "colour: unknown key"),
        (
            lambda d: d["actors"]["PAK"].update(capability="big"),
            "actors.PAK.capability: expected a number",
        ),
        (
            lambda d: d.update(actors={"AFG": {"capability": 0.1}}),
            "a world needs at least two actors",
        ),
        (lambda d: d["affinity"].update({"PAK": 0.2}), "expected a pair written 'AAA-BBB'"),
    ],
)
def test_bad_world_names_file_and_key(tmp_path, mutate, expected):
    path = write_world(tmp_path, mutate)
    with pytest.raises(WorldError) as error:
        load_world(path)
    message = str(error.value)
    assert str(path) in message
    assert expected in message
    assert "\n" not in message


def test_malformed_yaml_and_missing_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("actors: [unclosed\n")
    with pytest.raises(WorldError, match="malformed YAML"):
        load_world(path)
    with pytest.raises(WorldError, match="not found"):
        load_world("no_such_world")


def test_adding_an_actor_is_a_data_change(tmp_path):
    def add_qatar(data):
        data["actors"]["QAT"] = {
            "capability": 0.05,
            "recognition": 2,
            "salience": dict.fromkeys(CONCERNS, 1.0),
            "imports_musd": 10,
        }
        data["affinity"]["AFG-QAT"] = 0.5

    path = write_world(tmp_path, add_qatar)
    world = load_world(path)
    assert "QAT" in world.codes and world.n_actors == 7
    from sim.ensemble import EnsembleSpec, run_ensemble
    from sim.params import ModelParameters

    spec = EnsembleSpec(
        world=world, params=ModelParameters(), start="2024-03", end="2024-09", runs=3, seed=0
    )
    results = run_ensemble(spec)
    assert set(results.states["actor"]) == set(world.codes)


def test_synthetic_worlds_are_valid():
    for n in (2, 5, 24):
        world = synthetic_world(n, 3, seed=n)
        assert world.n_actors == n
