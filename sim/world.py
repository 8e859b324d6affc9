"""The world: actors, threat groups and their starting state, as arrays.

A :class:`World` is plain data: which actors exist, their preferences,
capabilities, starting recognition levels, affinities and trade flows, the
threat groups with their strengths and targets, and the Emirate's starting
policy.  :func:`world_from_mapping` is the one place a World is built from a
world-file mapping: explicit world files (classroom worlds) give every value,
and :mod:`sim.calibration` derives the same mapping from the evidence base (the
Afghanistan world); :mod:`sim.world_files` picks the path for a file.  The actor
set is data, not code.

Conventions (every array is indexed in the order of ``World.codes``):

* recognition levels 0..5 (the ladder, :mod:`sim.ladder`); ``-1`` for the target
  actor itself (the Emirate does not recognise itself);
* affinities in [-1, 1], symmetric, zero diagonal;
* trade in US$ million per year (the kernel works in per-month flows);
* saliences are weights over :data:`CONCERNS`, each state's row summing to 1 (the
  target's row is zero: it holds no stance toward itself);
* strengths, exposures, sanctuary, efforts and policy levers in [0, 1].
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.errors import WorldError
from sim.ladder import MAX_LEVEL, NOT_A_STATE

#: What states care about in their Afghanistan policy (salience columns).
CONCERNS: tuple[str, ...] = ("terror", "trade", "norms", "rivalry", "kin", "refugees", "water")

#: Demands on the Emirate besides counter-terrorism (per state, in [0, 1]); each is met
#: by one of the Emirate's levers (see :mod:`sim.arenas.recognition`).
DEMANDS: tuple[str, ...] = ("inclusivity", "border", "water", "refugees")

#: A state's coercive levers toward the target (:mod:`sim.arenas.security`); a world
#: gives each state's documented base rate per month (zero: no such lever).
LEVERS: tuple[str, ...] = ("strike", "border_closure", "deportation", "sanction")

#: The Emirate's objectives (weights sum to 1).
OBJECTIVES: tuple[str, ...] = ("legitimacy", "revenue", "autonomy", "cohesion")

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: Relations are kept inside (-LATENT_BOUND, LATENT_BOUND) before arctanh, so a world
#: file's +/-1 maps to a finite latent value (about +/-3.8).
LATENT_BOUND = 0.999


def latent(values: np.ndarray) -> np.ndarray:
    """``arctanh`` of relations kept strictly inside (-1, 1)."""
    return np.arctanh(np.clip(values, -LATENT_BOUND, LATENT_BOUND))


WORLD_DIR = Path(__file__).resolve().parent.parent / "configs" / "world"


@dataclass(frozen=True)
class World:
    """Actors, groups and starting state of one world (see module docstring).

    Attributes:
        name: world name (file stem).
        codes: actor codes, e.g. ``("AFG", "PAK", ...)``.
        names: display names, same order.
        target: index of the actor others recognise (the Emirate), or ``None``
            for worlds without one (alignment-only classroom worlds).
        capability: (N,) relative power in [0, 1] (largest actor = 1).
        salience: (N, C) weights over :data:`CONCERNS`; each state's row sums to 1, the
            target's row is zero.
        recognition: (N,) starting ladder level 0..5, ``-1`` for the target.
        affinity: (N, N) starting affinities in [-1, 1].
        structure: (N, N) the slow structural relation of every pair in [-1, 1]
            (lasting rivalries and partnerships; affinity relaxes toward it, see
            :mod:`sim.arenas.relations`); zero where nothing is documented.
        structure_steps: documented structural change after the start: ``(date,
            (N, N) structure from that month)`` pairs, in date order.
        borders_target: (N,) True if the actor shares a land border with the target.
        imports_musd: (N,) the target's imports from each actor, US$ million/year.
        exports_musd: (N,) the target's exports to each actor, US$ million/year.
        transit_capacity: (N,) relative capacity of the actor's transit routes
            for the target's third-country trade, in [0, 1].
        demand_inclusivity: (N,) how strongly each actor demands inclusivity
            and women's rights of the Emirate, in [0, 1].
        demand_border, demand_water, demand_refugees: (N,) how strongly each actor
            demands border restraint, a fair share of water, and an end to refugee
            outflows, in [0, 1].
        terror_listed: (N,) True if the actor lists the target as terrorist (a state
            must delist before accepting an ambassador).
        coercion_rates: (N, len(LEVERS)) each actor's documented base rate of each
            coercive lever, acts per month (0 = the actor has no such lever).
        demand_counterterror: (N, G) how strongly each actor demands action
            against each group, in [0, 1].
        group_codes: threat group codes.
        group_strength: (G,) starting strength in [0, 1].
        group_sanctuary: (G,) share of the group's base inside the target, [0, 1].
        group_exposure: (G, N) how exposed each actor is to each group, [0, 1].
        emirate_stance: (G,) the Emirate's closeness to each group in [-1, 1]
            (negative = enemy, e.g. ISKP; positive = ally, e.g. TTP).
        inclusivity: the Emirate's starting inclusivity lever in [0, 1].
        border_restraint: the Emirate's starting restraint on the disputed border in
            [0, 1] (1 = no claims pressed, no clashes sought).
        counterterror_effort: (G,) the Emirate's starting effort per group, [0, 1].
        hardliner_influence: Kandahar hardliners' starting weight in [0, 1].
        objectives: (4,) weights of :data:`OBJECTIVES`, sum to 1.
        start: the date (``YYYY-MM``) the starting state describes, or ``None``
            if the world is undated (classroom worlds).
        target_since: the month ``YYYY-MM`` the target actor took power (its tenure
            counts from there), or ``None``.
        patron: index of the state whose hold the Emirate's autonomy objective
            resists (Pakistan in the Afghanistan world), or ``None``.
        provenance: ``{parameter: (evidence ids, method)}`` where known.
    """

    name: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    target: int | None
    capability: np.ndarray
    salience: np.ndarray
    recognition: np.ndarray
    affinity: np.ndarray
    structure: np.ndarray
    borders_target: np.ndarray
    imports_musd: np.ndarray
    exports_musd: np.ndarray
    transit_capacity: np.ndarray
    demand_inclusivity: np.ndarray
    demand_counterterror: np.ndarray
    demand_border: np.ndarray
    demand_water: np.ndarray
    demand_refugees: np.ndarray
    terror_listed: np.ndarray
    coercion_rates: np.ndarray
    group_codes: tuple[str, ...]
    group_strength: np.ndarray
    group_sanctuary: np.ndarray
    group_exposure: np.ndarray
    emirate_stance: np.ndarray
    inclusivity: float
    border_restraint: float
    counterterror_effort: np.ndarray
    hardliner_influence: float
    objectives: np.ndarray
    start: str | None = None
    patron: int | None = None
    target_since: str | None = None
    structure_steps: tuple[tuple[str, np.ndarray], ...] = ()
    provenance: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)

    @property
    def n_actors(self) -> int:
        """Number of actors N."""
        return len(self.codes)

    @property
    def n_groups(self) -> int:
        """Number of threat groups G."""
        return len(self.group_codes)

    @property
    def target_code(self) -> str | None:
        """Code of the target actor (``"AFG"``) or ``None``."""
        return None if self.target is None else self.codes[self.target]

    @property
    def state_mask(self) -> np.ndarray:
        """(N,) True for actors that hold a recognition level (all but the target)."""
        mask = np.ones(self.n_actors, dtype=bool)
        if self.target is not None:
            mask[self.target] = False
        return mask

    def index(self, code: str) -> int:
        """Index of an actor code; raises WorldError naming the allowed codes."""
        try:
            return self.codes.index(code)
        except ValueError:
            raise WorldError(
                f"unknown actor {code!r} in world {self.name!r}; known: {', '.join(self.codes)}"
            ) from None

    def group_index(self, code: str) -> int:
        """Index of a threat group code; raises WorldError naming the allowed codes."""
        try:
            return self.group_codes.index(code)
        except ValueError:
            raise WorldError(
                f"unknown threat group {code!r} in world {self.name!r}; "
                f"known: {', '.join(self.group_codes)}"
            ) from None

    def replace(self, **changes: Any) -> World:
        """Return a copy with some fields replaced."""
        return dataclasses.replace(self, **changes)


# ----------------------------------------------------------------------------------
# Reading world files
# ----------------------------------------------------------------------------------


class _Reader:
    """Typed, range-checked access to a parsed YAML mapping, naming file and key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> WorldError:
        return WorldError(f"{self.source}: {key}: {problem}")

    def mapping(self, node: Any, key: str) -> dict[str, Any]:
        if not isinstance(node, dict):
            raise self.fail(key, f"expected a mapping, got {type(node).__name__}")
        return node

    def number(
        self,
        node: dict[str, Any],
        name: str,
        key: str,
        low: float,
        high: float,
        default: float | None = None,
    ) -> float:
        if name not in node:
            if default is None:
                raise self.fail(f"{key}.{name}", "missing field")
            return default
        value = node[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{key}.{name}", f"expected a number, got {value!r}")
        if not np.isfinite(float(value)):
            raise self.fail(f"{key}.{name}", f"expected a finite number, got {value}")
        if not low <= float(value) <= high:
            raise self.fail(f"{key}.{name}", f"value {value} out of range [{low}, {high}]")
        return float(value)

    def flag(self, node: dict[str, Any], name: str, key: str, default: bool = False) -> bool:
        value = node.get(name, default)
        if not isinstance(value, bool):
            raise self.fail(f"{key}.{name}", f"expected true or false, got {value!r}")
        return value

    def code(self, value: Any, key: str, known: tuple[str, ...], what: str) -> str:
        if value not in known:
            raise self.fail(key, f"unknown {what} {value!r}; known: {', '.join(known)}")
        return str(value)


def world_path(name_or_path: str | Path) -> Path:
    """Resolve a world name (``configs/world/<name>.yaml``) or an explicit path."""
    path = Path(name_or_path)
    if path.suffix in {".yaml", ".yml"}:
        return path
    return WORLD_DIR / f"{name_or_path}.yaml"


#: Limits on any YAML file the project reads (world, scenario, sweep and seed files):
#: bytes, aliases, nesting depth, and nodes once aliases are expanded (a "billion
#: laughs" file of a few hundred bytes expands exponentially through its aliases).
MAX_YAML_BYTES = 2_000_000
MAX_YAML_ALIASES = 1_000
MAX_YAML_DEPTH = 50
MAX_YAML_NODES = 200_000


class _YamlLimit(Exception):
    """A YAML file exceeds one of the limits above (turned into a one-line error)."""


class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader (no tags executed) with alias, depth and duplicate-key checks."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark
                raise _YamlLimit(
                    f"line {mark.line + 1}: more than {MAX_YAML_ALIASES} aliases (*name)"
                )
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise _YamlLimit(f"line {mark.line + 1}: nested deeper than {MAX_YAML_DEPTH}")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: the base constructor reports it
                break
            if duplicate:
                raise _YamlLimit(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _expanded_size(node: Any, sizes: dict[int, int]) -> int:
    """Nodes of ``node`` with every alias expanded (raises _YamlLimit past the limit)."""
    known = sizes.get(id(node))
    if known is not None:
        if known < 0:
            raise _YamlLimit(f"line {node.start_mark.line + 1}: an alias refers to itself")
        return known
    sizes[id(node)] = -1  # in progress: a cycle comes back here
    total = 1
    if isinstance(node, yaml.SequenceNode):
        total += sum(_expanded_size(child, sizes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        total += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    if total > MAX_YAML_NODES:
        raise _YamlLimit(f"more than {MAX_YAML_NODES:,} values once aliases are expanded")
    sizes[id(node)] = total
    return total


def load_yaml_text(text: str, source: str, error: type[Exception] = WorldError) -> Any:
    """Parse YAML text safely within the limits; raise ``error`` naming ``source``.

    No tag is executed (PyYAML's safe loader), duplicate keys are rejected (the last
    would silently win), and aliases, nesting and size are bounded.
    """
    if len(text) > MAX_YAML_BYTES:
        raise error(f"{source}: larger than {MAX_YAML_BYTES:,} bytes; not a config file")
    try:
        loader = _LimitedLoader(text)  # a SafeLoader: no tag constructs Python objects
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _expanded_size(node, {})
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except _YamlLimit as problem:
        raise error(f"{source}: {problem}") from None
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        what = getattr(problem, "problem", None) or getattr(problem, "reason", None)
        detail = f" ({' '.join(str(what).split())})" if what else ""
        raise error(f"{source}: {where}malformed YAML{detail}") from None
    except RecursionError:
        raise error(f"{source}: nested too deeply") from None


def read_yaml_file(path: str | Path, error: type[Exception] = WorldError) -> Any:
    """Read and parse a YAML file with :func:`load_yaml_text` (``error`` on any fault)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise error(f"{path}: larger than {MAX_YAML_BYTES:,} bytes; not a config file")
        raw = path.read_bytes()
    except OSError as problem:
        raise error(f"{path}: cannot read ({problem.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise error(f"{path}: not a UTF-8 text file") from None
    if "\x00" in text:
        raise error(f"{path}: not a text file (contains NUL bytes)")
    return load_yaml_text(text, str(path), error)


def read_world_file(name_or_path: str | Path) -> tuple[dict[str, Any], Path]:
    """Parse a world file safely; raise WorldError if missing or malformed."""
    path = world_path(name_or_path)
    if not path.is_file():
        known = sorted(p.stem for p in WORLD_DIR.glob("*.yaml"))
        raise WorldError(
            f"world {str(name_or_path)!r} not found ({path}); known: {', '.join(known)}"
        )
    data = read_yaml_file(path, WorldError)
    if not isinstance(data, dict):
        raise WorldError(f"{path}: expected a mapping at top level, got {type(data).__name__}")
    return data, path


def world_from_mapping(data: dict[str, Any], source: str, name: str) -> World:
    """Build a :class:`World` from an explicit mapping (the world-file schema).

    Schema (see ``configs/world/triad.yaml`` for a small example)::

        target: AFG | null
        actors:
          CODE: {name, capability, recognition, borders_target, salience: {concern: w},
                 imports_musd, exports_musd, transit_capacity,
                 demands: {inclusivity, counterterror: {GROUP: w}}}
        affinity: {"AAA-BBB": value, ...}          # starting affinities; unspecified pairs are 0
        structure: {"AAA-BBB": value, ...}         # optional slow structural relations
                                                   #   (default none: every tie is fast)
        structure_steps: [{date: YYYY-MM, structure: {...}}, ...]  # optional, dated
        threat_groups:
          GROUP: {strength, sanctuary, emirate_stance, targets: {CODE: exposure}}
        emirate: {inclusivity, border_restraint, hardliner_influence,
                  counterterror: {GROUP: effort}, patron: CODE,
                  objectives: {legitimacy, revenue, autonomy, cohesion}}
        actors.CODE may also give demands {border, water, refugees}, terror_listed
        (bool) and coercion {strike, border_closure, deportation, sanction} (base rates
        per month).
    """
    read = _Reader(source)
    allowed_top = {
        "name",
        "description",
        "target",
        "actors",
        "affinity",
        "structure",
        "structure_steps",
        "target_since",
        "threat_groups",
        "emirate",
        "start",
    }
    for key in data:
        if key not in allowed_top:
            raise read.fail(str(key), f"unknown key; allowed: {', '.join(sorted(allowed_top))}")
    actors = read.mapping(data.get("actors"), "actors")
    if len(actors) < 2:
        raise read.fail("actors", "a world needs at least two actors")
    codes = tuple(str(c) for c in actors)
    for code in codes:
        if not code.replace("_", "").isalnum() or code.upper() != code:
            raise read.fail(f"actors.{code}", "actor codes are upper-case letters and digits")
    target_code = data.get("target")
    target = (
        None
        if target_code is None
        else codes.index(read.code(target_code, "target", codes, "actor"))
    )
    groups_node = read.mapping(data.get("threat_groups") or {}, "threat_groups")
    group_codes = tuple(str(g) for g in groups_node)
    overlap = set(group_codes) & set(codes)
    if overlap:
        raise read.fail(
            "threat_groups", f"codes used for both actors and groups: {sorted(overlap)}"
        )
    n, g = len(codes), len(group_codes)

    capability = np.zeros(n)
    salience = np.zeros((n, len(CONCERNS)))
    recognition = np.full(n, NOT_A_STATE, dtype=np.int64)
    borders = np.zeros(n, dtype=bool)
    imports = np.zeros(n)
    exports = np.zeros(n)
    transit = np.zeros(n)
    demand = {name: np.zeros(n) for name in DEMANDS}
    demand_ct = np.zeros((n, g))
    listed = np.zeros(n, dtype=bool)
    rates = np.zeros((n, len(LEVERS)))
    names = []
    allowed_actor = {
        "name",
        "capability",
        "recognition",
        "borders_target",
        "salience",
        "imports_musd",
        "exports_musd",
        "transit_capacity",
        "demands",
        "terror_listed",
        "coercion",
    }
    for i, code in enumerate(codes):
        key = f"actors.{code}"
        node = read.mapping(actors[code] or {}, key)
        for field_name in node:
            if field_name not in allowed_actor:
                raise read.fail(
                    f"{key}.{field_name}",
                    f"unknown field; allowed: {', '.join(sorted(allowed_actor))}",
                )
        display = node.get("name", code)
        if not isinstance(display, str) or not display.strip():
            raise read.fail(f"{key}.name", f"expected a non-empty string, got {display!r}")
        names.append(display)
        capability[i] = read.number(node, "capability", key, 0.0, 1.0)
        if i != target:
            level = read.number(node, "recognition", key, 0, MAX_LEVEL, default=1)
            if level != int(level):
                raise read.fail(f"{key}.recognition", f"expected an integer 0..{MAX_LEVEL}")
            recognition[i] = int(level)
            weights = read.mapping(
                node.get("salience") or {c: 1.0 for c in CONCERNS}, f"{key}.salience"
            )
            for concern in weights:
                if concern not in CONCERNS:
                    raise read.fail(
                        f"{key}.salience.{concern}",
                        f"unknown concern; allowed: {', '.join(CONCERNS)}",
                    )
                salience[i, CONCERNS.index(concern)] = read.number(
                    weights, concern, f"{key}.salience", 0, 1e6
                )
            total = salience[i].sum()
            if total <= 0:
                raise read.fail(f"{key}.salience", "weights must not all be zero")
            salience[i] /= total
        borders[i] = read.flag(node, "borders_target", key)
        imports[i] = read.number(node, "imports_musd", key, 0.0, 1e6, default=0.0)
        exports[i] = read.number(node, "exports_musd", key, 0.0, 1e6, default=0.0)
        transit[i] = read.number(node, "transit_capacity", key, 0.0, 1.0, default=0.0)
        demands = read.mapping(node.get("demands") or {}, f"{key}.demands")
        for dkey in demands:
            if dkey not in {*DEMANDS, "counterterror"}:
                raise read.fail(
                    f"{key}.demands.{dkey}",
                    f"unknown demand; allowed: counterterror, {', '.join(DEMANDS)}",
                )
        for name in DEMANDS:
            demand[name][i] = read.number(demands, name, f"{key}.demands", 0, 1, default=0.0)
        listed[i] = read.flag(node, "terror_listed", key)
        coercion = read.mapping(node.get("coercion") or {}, f"{key}.coercion")
        for lever in coercion:
            if lever not in LEVERS:
                raise read.fail(
                    f"{key}.coercion.{lever}", f"unknown lever; allowed: {', '.join(LEVERS)}"
                )
            rates[i, LEVERS.index(lever)] = read.number(coercion, lever, f"{key}.coercion", 0, 1)
        ct = read.mapping(demands.get("counterterror") or {}, f"{key}.demands.counterterror")
        for group in ct:
            j = group_codes.index(
                read.code(group, f"{key}.demands.counterterror", group_codes, "threat group")
            )
            demand_ct[i, j] = read.number(ct, group, f"{key}.demands.counterterror", 0, 1)

    def pairs(node_name: str, node: Any = None) -> np.ndarray:
        matrix = np.zeros((n, n))
        node = read.mapping((data.get(node_name) if node is None else node) or {}, node_name)
        given: dict[frozenset[int], str] = {}
        for pair, _value in node.items():
            parts = str(pair).split("-")
            if len(parts) != 2:
                raise read.fail(f"{node_name}.{pair}", "expected a pair written 'AAA-BBB'")
            a, b = (codes.index(read.code(p, f"{node_name}.{pair}", codes, "actor")) for p in parts)
            if a == b:
                raise read.fail(f"{node_name}.{pair}", "an actor has no affinity with itself")
            if frozenset((a, b)) in given:
                raise read.fail(
                    f"{node_name}.{pair}", f"the pair is also given as {given[frozenset((a, b))]}"
                )
            given[frozenset((a, b))] = str(pair)
            matrix[a, b] = matrix[b, a] = read.number(node, pair, node_name, -1.0, 1.0)
        return matrix

    affinity = pairs("affinity")
    structure = pairs("structure")
    steps_node = data.get("structure_steps") or []
    if not isinstance(steps_node, list):
        raise read.fail("structure_steps", "expected a list of {date, structure}")
    structure_steps = []
    for position, step in enumerate(steps_node):
        key = f"structure_steps[{position}]"
        step = read.mapping(step, key)
        if set(step) != {"date", "structure"}:
            raise read.fail(key, "expected exactly the keys date and structure")
        date = str(step["date"])
        if not _MONTH.match(date):
            raise read.fail(f"{key}.date", f"expected YYYY-MM, got {date!r}")
        structure_steps.append((date, pairs(f"{key}.structure", step["structure"])))
    structure_steps.sort(key=lambda item: item[0])

    strength = np.zeros(g)
    sanctuary = np.zeros(g)
    stance = np.zeros(g)
    exposure = np.zeros((g, n))
    for j, group in enumerate(group_codes):
        key = f"threat_groups.{group}"
        node = read.mapping(groups_node[group] or {}, key)
        strength[j] = read.number(node, "strength", key, 0, 1)
        sanctuary[j] = read.number(node, "sanctuary", key, 0, 1)
        stance[j] = read.number(node, "emirate_stance", key, -1, 1, default=0.0)
        targets = read.mapping(node.get("targets") or {}, f"{key}.targets")
        for code, _value in targets.items():
            i = codes.index(read.code(code, f"{key}.targets", codes, "actor"))
            exposure[j, i] = read.number(targets, code, f"{key}.targets", 0, 1)

    emirate = read.mapping(data.get("emirate") or {}, "emirate")
    inclusivity = read.number(emirate, "inclusivity", "emirate", 0, 1, default=0.0)
    border_restraint = read.number(emirate, "border_restraint", "emirate", 0, 1, default=0.5)
    hardliners = read.number(emirate, "hardliner_influence", "emirate", 0, 1, default=0.5)
    effort = np.zeros(g)
    ct_node = read.mapping(emirate.get("counterterror") or {}, "emirate.counterterror")
    for group in ct_node:
        j = group_codes.index(
            read.code(group, "emirate.counterterror", group_codes, "threat group")
        )
        effort[j] = read.number(ct_node, group, "emirate.counterterror", 0, 1)
    patron_code = emirate.get("patron")
    patron = (
        None
        if patron_code is None
        else codes.index(read.code(patron_code, "emirate.patron", codes, "actor"))
    )
    objective_node = read.mapping(
        emirate.get("objectives") or {o: 1.0 for o in OBJECTIVES}, "emirate.objectives"
    )
    objectives = np.zeros(len(OBJECTIVES))
    for objective in objective_node:
        if objective not in OBJECTIVES:
            raise read.fail(
                f"emirate.objectives.{objective}", f"unknown; allowed: {', '.join(OBJECTIVES)}"
            )
        objectives[OBJECTIVES.index(objective)] = read.number(
            objective_node, objective, "emirate.objectives", 0, 1e6
        )
    if objectives.sum() <= 0:
        raise read.fail("emirate.objectives", "weights must not all be zero")
    objectives /= objectives.sum()

    world = World(
        name=str(data.get("name", name)),
        codes=codes,
        names=tuple(names),
        target=target,
        capability=capability,
        salience=salience,
        recognition=recognition,
        affinity=affinity,
        structure=structure,
        structure_steps=tuple(structure_steps),
        borders_target=borders,
        imports_musd=imports,
        exports_musd=exports,
        transit_capacity=transit,
        demand_inclusivity=demand["inclusivity"],
        demand_counterterror=demand_ct,
        demand_border=demand["border"],
        demand_water=demand["water"],
        demand_refugees=demand["refugees"],
        terror_listed=listed,
        coercion_rates=rates,
        group_codes=group_codes,
        group_strength=strength,
        group_sanctuary=sanctuary,
        group_exposure=exposure,
        emirate_stance=stance,
        inclusivity=inclusivity,
        border_restraint=border_restraint,
        counterterror_effort=effort,
        hardliner_influence=hardliners,
        objectives=objectives,
        start=_start_month(read, data.get("start")),
        patron=patron,
        target_since=None if data.get("target_since") is None else str(data["target_since"]),
    )
    validate_world(world, source)
    return world


def _start_month(read: _Reader, value: Any) -> str | None:
    """The world's ``start`` (``YYYY-MM`` or absent)."""
    if value is None:
        return None
    if not _MONTH.match(str(value)):
        raise read.fail("start", f"expected a month YYYY-MM, got {value!r}")
    return str(value)


def validate_world(world: World, source: str) -> None:
    """Check the invariants of a built world; raise WorldError naming the field."""

    def fail(key: str, problem: str) -> WorldError:
        return WorldError(f"{source}: {key}: {problem}")

    n, g = world.n_actors, world.n_groups
    if len(set(world.codes)) != n:
        raise fail("actors", "duplicate actor codes")
    if world.target is not None and not world.state_mask.any():
        raise fail("actors", "a world with a target needs at least one other actor")
    shapes = {
        "capability": (n,),
        "salience": (n, len(CONCERNS)),
        "recognition": (n,),
        "affinity": (n, n),
        "structure": (n, n),
        "imports_musd": (n,),
        "exports_musd": (n,),
        "transit_capacity": (n,),
        "demand_inclusivity": (n,),
        "demand_border": (n,),
        "demand_water": (n,),
        "demand_refugees": (n,),
        "terror_listed": (n,),
        "coercion_rates": (n, len(LEVERS)),
        "demand_counterterror": (n, g),
        "group_strength": (g,),
        "group_sanctuary": (g,),
        "group_exposure": (g, n),
        "emirate_stance": (g,),
        "counterterror_effort": (g,),
        "objectives": (len(OBJECTIVES),),
    }
    for name, shape in shapes.items():
        value = np.asarray(getattr(world, name))
        if value.shape != shape:
            raise fail(name, f"shape {value.shape}, expected {shape}")
        if not np.all(np.isfinite(value)):
            raise fail(name, "contains NaN or infinity")
    if not np.allclose(world.affinity, world.affinity.T):
        raise fail("affinity", "must be symmetric")
    if np.any(np.abs(world.affinity) > 1) or np.any(np.abs(world.structure) > 1):
        raise fail("affinity", "values must lie in [-1, 1]")
    if not np.allclose(world.structure, world.structure.T):
        raise fail("structure", "must be symmetric")
    if world.capability.max() <= 0:
        raise fail("capability", "at least one actor needs a positive capability")
    levels = world.recognition[world.state_mask]
    if np.any((levels < 0) | (levels > MAX_LEVEL)):
        raise fail("recognition", f"levels must lie in 0..{MAX_LEVEL}")


def synthetic_world(n_actors: int, n_groups: int = 3, seed: int = 0) -> World:
    """A random but valid world of ``n_actors`` (actor 0 is the target).

    Used for scaling benchmarks and property-based tests; not calibrated.  Built as a
    world-file mapping, so it passes the same builder and checks as any world file.
    """
    if n_actors < 2:
        raise WorldError(f"synthetic world: n_actors={n_actors}; need at least 2")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    n, g = n_actors, n_groups
    codes = [f"S{i:02d}" if i else "TGT" for i in range(n)]
    groups = [f"G{j}" for j in range(g)]
    affinity = rng.uniform(-0.6, 0.6, (n, n))
    salience = rng.dirichlet(np.ones(len(CONCERNS)), n)
    recognition = rng.integers(0, 4, n)
    capability = rng.uniform(0.05, 1.0, n)
    capability[0] = min(capability[0], 0.1)
    borders = rng.random(n) < 0.4
    imports = rng.uniform(0, 1000, n)
    exports = rng.uniform(0, 300, n)
    transit = rng.uniform(0, 1, n) * (rng.random(n) < 0.3)
    demand_inclusivity = rng.uniform(0, 1, n)
    demand_counterterror = rng.uniform(0, 1, (n, g))
    strength = rng.uniform(0.1, 0.8, g)
    sanctuary = rng.uniform(0.2, 1.0, g)
    exposure = rng.uniform(0, 1, (g, n)) * (rng.random((g, n)) < 0.4)
    stance = rng.uniform(-1, 1, g)
    inclusivity = float(rng.uniform(0, 0.5))
    effort = rng.uniform(0, 1, g)
    hardliners = float(rng.uniform(0.2, 0.9))
    objectives = rng.dirichlet(np.ones(len(OBJECTIVES)))
    mapping = {
        "name": f"synthetic-{n}",
        "target": codes[0],
        "actors": {
            code: {
                "name": f"State {i}" if i else "Target",
                "capability": float(capability[i]),
                **(
                    {}
                    if i == 0
                    else {
                        "recognition": int(recognition[i]),
                        "salience": dict(zip(CONCERNS, map(float, salience[i]), strict=True)),
                    }
                ),
                "borders_target": bool(borders[i]),
                "imports_musd": float(imports[i]),
                "exports_musd": float(exports[i]),
                "transit_capacity": float(transit[i]),
                "demands": {
                    "inclusivity": float(demand_inclusivity[i]),
                    "counterterror": dict(
                        zip(groups, map(float, demand_counterterror[i]), strict=True)
                    ),
                },
            }
            for i, code in enumerate(codes)
        },
        "affinity": {
            f"{codes[i]}-{codes[j]}": float(affinity[i, j])
            for i in range(n)
            for j in range(i + 1, n)
        },
        "threat_groups": {
            group: {
                "strength": float(strength[k]),
                "sanctuary": float(sanctuary[k]),
                "emirate_stance": float(stance[k]),
                "targets": {
                    codes[i]: float(exposure[k, i]) for i in range(n) if exposure[k, i] > 0
                },
            }
            for k, group in enumerate(groups)
        },
        "emirate": {
            "inclusivity": inclusivity,
            "hardliner_influence": hardliners,
            "counterterror": dict(zip(groups, map(float, effort), strict=True)),
            "objectives": dict(zip(OBJECTIVES, map(float, objectives), strict=True)),
        },
    }
    return world_from_mapping(mapping, f"synthetic world (seed {seed})", name=mapping["name"])
