"""MkDocs hook: pages generated from the code and the configs at build time.

A page may hold these markers, each replaced by generated Markdown:
``<!-- scenario-catalogue -->`` (configs/scenario/*.yaml), ``<!-- parameter-table -->``
(sim.params.ModelParameters), ``<!-- frames-schema -->`` (sim.results.SCHEMA),
``<!-- arena-equations -->`` (the docstring of each module of sim/arenas),
``<!-- recognition-ladder -->`` (sim.ladder) and ``<!-- event-kinds -->`` (sim.events).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ARENAS = ("security", "emirate", "recognition", "trade", "relations", "choice")


def scenario_catalogue() -> str:
    lines = ["| scenario | what it does | shocks | evidence |", "|---|---|---|---|"]
    for path in sorted((ROOT / "configs" / "scenario").glob("*.yaml")):
        data = yaml.safe_load(path.read_text()) or {}
        tags = "; ".join(str(v) for v in (data.get("tags") or {}).values()) or "no shocks"
        shocks = ", ".join((data.get("shocks") or {}).keys())
        evidence = ", ".join(str(e) for e in (data.get("evidence") or []))
        lines.append(f"| `{path.stem}` | {tags} | {shocks} | {evidence} |")
    return "\n".join(lines)


def parameter_table() -> str:
    from sim.params import ModelParameters

    fitted = ModelParameters.fitted()
    prior = ModelParameters()
    lines = ["| parameter | meaning | range | prior | fitted |", "|---|---|---|---|---|"]
    for name, spec in ModelParameters.specs().items():
        lines.append(
            f"| `{name}` | {spec.meaning} | {spec.low:g} .. {spec.high:g} | "
            f"{getattr(prior, name):.4g} | {getattr(fitted, name):.4g} |"
        )
    return "\n".join(lines)


def frames_schema() -> str:
    from sim.results import SCHEMA, schema_markdown

    return "\n\n".join(f"### `{name}`\n\n{schema_markdown(name)}" for name in SCHEMA)


def arena_equations() -> str:
    parts = []
    for name in ARENAS:
        module = importlib.import_module(f"sim.arenas.{name}")
        doc = (module.__doc__ or "").strip()
        parts.append(f"## `sim.arenas.{name}`\n\n{doc}")
    return "\n\n".join(parts)


def recognition_ladder() -> str:
    from sim.ladder import RECOGNITION_LEVELS

    lines = ["| level | meaning |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in RECOGNITION_LEVELS.items()]
    return "\n".join(lines)


def event_kinds() -> str:
    from sim.events import EVENT_KINDS

    lines = ["| kind | what a row says |", "|---|---|"]
    lines += [f"| `{k}` | {v.meaning} |" for k, v in EVENT_KINDS.items()]
    return "\n".join(lines)


MARKERS = {
    "<!-- scenario-catalogue -->": scenario_catalogue,
    "<!-- parameter-table -->": parameter_table,
    "<!-- frames-schema -->": frames_schema,
    "<!-- arena-equations -->": arena_equations,
    "<!-- recognition-ladder -->": recognition_ladder,
    "<!-- event-kinds -->": event_kinds,
}


def on_page_markdown(markdown: str, **kwargs) -> str:
    for marker, build in MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, build())
    return markdown
