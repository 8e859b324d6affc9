"""Self-contained HTML reports of a run directory and of a sweep directory.

``python -m sim.report DIR`` writes ``DIR/report.html`` and opens it in the browser
(``--no-open`` only writes it).  DIR is either the directory of one run of
``python -m sim`` (it holds ``runs.parquet``) or a sweep directory (it holds
``aggregate/``, from ``python -m sim.aggregate``).  The page needs nothing but
itself: plots are embedded as PNG data, styles are inline, there is no script, so
it opens offline, from a mail attachment or a shared drive.

A run report holds the headline outcomes of the ensemble (mean, 10/50/90 % of the
runs), each state's recognition level at the end, the events per run, the standard
plots, the scenario's description and the evidence it cites (from ``seeds/``), the
composed config, and the files with their schema.  A sweep report holds the jobs,
the forest plot of each scenario's effect against the baseline with its table, the
summary per scenario, the small multiples and country heat maps, and each
scenario's description and evidence.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.errors import UserError
from sim.results import FRAMES, HEADLINE_OUTCOMES, SCHEMA, read_frame

REPORT_NAME = "report.html"

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
  color: #212121; background: #fafafa; }
header { background: #0d47a1; color: white; padding: 18px 32px; }
header h1 { margin: 0 0 4px 0; font-size: 24px; } header p { margin: 0; opacity: .9; }
main { padding: 8px 32px 40px 32px; max-width: 1400px; }
section { background: white; border: 1px solid #e0e0e0; border-radius: 6px;
  padding: 8px 20px 16px 20px; margin: 16px 0; }
h2 { font-size: 19px; border-bottom: 1px solid #eeeeee; padding-bottom: 4px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border-bottom: 1px solid #e6e6e6; padding: 3px 10px; text-align: right; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
th { background: #f5f5f5; }
img { max-width: 100%; height: auto; border: 1px solid #eeeeee; margin: 6px 0; }
pre { background: #f5f5f5; padding: 10px; overflow-x: auto; font-size: 12px; }
.note { color: #616161; font-size: 13px; }
nav a { margin-right: 14px; }
"""


# ----------------------------------------------------------------------------------
# HTML helpers
# ----------------------------------------------------------------------------------


def _escape(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _image(path: Path, alt: str) -> str:
    """An ``<img>`` with the file embedded as data (empty if the file is missing)."""
    if not path.is_file():
        return ""
    kind = "svg+xml" if path.suffix == ".svg" else "png"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{_escape(alt)}" src="data:image/{kind};base64,{data}">'


def _format(value: Any) -> str:
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return ""
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return _escape(value)


def _table(frame: pd.DataFrame, text_columns: tuple[str, ...] = ()) -> str:
    """A frame as an HTML table (numbers to three significant digits)."""
    head = "".join(
        f'<th class="{"text" if c in text_columns else ""}">{_escape(c)}</th>'
        for c in frame.columns
    )
    rows = []
    for record in frame.itertuples(index=False):
        cells = "".join(
            f'<td class="{"text" if c in text_columns else ""}">{_format(v)}</td>'
            for c, v in zip(frame.columns, record, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _page(title: str, subtitle: str, sections: list[tuple[str, str, str]]) -> str:
    """The whole page: a header, a table of contents and the sections (id, title, body)."""
    nav = "".join(f'<a href="#{key}">{_escape(name)}</a>' for key, name, _ in sections)
    body = "".join(
        f'<section id="{key}"><h2>{_escape(name)}</h2>{content}</section>'
        for key, name, content in sections
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{_escape(title)}</h1><p>{_escape(subtitle)}</p></header>"
        f"<main><nav>{nav}</nav>{body}</main></body></html>"
    )


# ----------------------------------------------------------------------------------
# Pieces shared by both reports
# ----------------------------------------------------------------------------------


def _read_config(directory: Path) -> dict[str, Any]:
    """The composed config Hydra saved with a job (``.hydra/config.yaml``), or {}."""
    path = directory / ".hydra" / "config.yaml"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text()) or {}


def scenario_evidence(config: dict[str, Any]) -> list[str]:
    """Evidence ids a composed config's scenario cites (its own and its shocks'), in order."""
    scenario = config.get("scenario") or {}
    ids: list[str] = list(scenario.get("evidence") or [])
    for group in ("shocks", "world_changes"):
        for item in (scenario.get(group) or {}).values():
            if isinstance(item, dict):
                ids += list(item.get("evidence") or [])
    return list(dict.fromkeys(str(i) for i in ids))


def _evidence_table(ids: list[str]) -> str:
    if not ids:
        return "<p class='note'>The scenario cites no evidence (the baseline: only the calibration's).</p>"
    try:
        from sim.evidence import load_evidence

        evidence = load_evidence().set_index("id")
    except Exception as error:  # a report still renders without the evidence base
        return f"<p class='note'>Evidence {', '.join(ids)} (evidence base unavailable: {_escape(error)}).</p>"
    rows = [
        {
            "id": i,
            "source": evidence.at[i, "source"],
            "section": evidence.at[i, "section"],
            "date": evidence.at[i, "date"],
            "paraphrase": evidence.at[i, "paraphrase"],
        }
        if i in evidence.index
        else {"id": i, "source": "", "section": "", "date": "", "paraphrase": "(not found)"}
        for i in ids
    ]
    return _table(pd.DataFrame(rows), ("id", "source", "section", "date", "paraphrase"))


def _scenario_text(config: dict[str, Any]) -> str:
    scenario = config.get("scenario") or {}
    tags = scenario.get("tags") or {}
    lines = "".join(f"<li><b>{_escape(k)}</b>: {_escape(v)}</li>" for k, v in tags.items())
    return f"<ul>{lines}</ul>" if lines else "<p>The baseline: no scenario shocks.</p>"


def _config_block(config: dict[str, Any]) -> str:
    if not config:
        return "<p class='note'>No saved config (.hydra/config.yaml) in this directory.</p>"
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    return f"<pre>{_escape(text)}</pre>"


def _distribution(runs: pd.DataFrame) -> pd.DataFrame:
    """Headline outcomes of one ensemble: mean and 10/50/90 % over the runs."""
    rows = []
    for column, label in HEADLINE_OUTCOMES.items():
        if column not in runs:
            continue
        values = runs[column].astype(float)
        if column == "months_to_first_recognition":
            rows.append(
                {
                    "outcome": "share of runs with a de jure recognition",
                    "mean": float(values.notna().mean()),
                    "p10": np.nan,
                    "median": np.nan,
                    "p90": np.nan,
                }
            )
            values = values.dropna()
            if values.empty:
                continue
        rows.append(
            {
                "outcome": label,
                "mean": float(values.mean()),
                "p10": float(values.quantile(0.1)),
                "median": float(values.median()),
                "p90": float(values.quantile(0.9)),
            }
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------
# Run report
# ----------------------------------------------------------------------------------


def write_run_report(directory: str | Path) -> Path:
    """Write ``report.html`` for the run directory ``directory``; returns its path."""
    directory = Path(directory)
    if not (directory / "runs.parquet").is_file():
        raise UserError(f"{directory}: no runs.parquet here; is this a run directory?")
    meta_path = directory / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    config = _read_config(directory)
    runs = read_frame(directory / "runs.parquet")
    sections = [("outcomes", "Headline outcomes", _table(_distribution(runs), ("outcome",)))]

    levels = [c for c in runs.columns if c.startswith("level_end_")]
    if levels:
        ends = pd.DataFrame(
            {
                "state": [c.removeprefix("level_end_") for c in levels],
                "mean level at the end": [float(runs[c].mean()) for c in levels],
                "share at 4 or 5": [float((runs[c] >= 4).mean()) for c in levels],
                "share at 5 (de jure)": [float((runs[c] == 5).mean()) for c in levels],
            }
        )
        first = runs["first_recognizer"].astype("string").fillna("none").value_counts()
        firsts = pd.DataFrame({"first de jure recognizer": first.index, "runs": first.to_numpy()})
        sections.append(
            (
                "ladder",
                "Recognition at the end",
                _table(ends, ("state",)) + _table(firsts, ("first de jure recognizer",)),
            )
        )
    plots = "".join(
        _image(directory / name, name)
        for name in ("recognition.png", "trade_by_partner.png", "alignment_network.png")
    )
    sections.append(
        ("plots", "Plots", plots or "<p class='note'>No plots (record.plots=false).</p>")
    )
    events_path = directory / "events.parquet"
    if events_path.is_file():
        events = read_frame(events_path, columns=["run", "kind", "count"])
        per_run = (
            events.groupby("kind", observed=True)["count"].sum().div(max(len(runs), 1)).round(2)
        )
        table = pd.DataFrame(
            {"kind": per_run.index.astype(str), "per run (mean)": per_run.to_numpy()}
        )
        sections.append(("events", "Events per run", _table(table, ("kind",))))
    sections.append(
        (
            "scenario",
            "The scenario and its evidence",
            _scenario_text(config) + _evidence_table(scenario_evidence(config)),
        )
    )
    sections.append(("config", "Config", _config_block(config)))
    files = "".join(
        f"<li><code>{name}.parquet</code>: {len(SCHEMA[name])} columns</li>"
        for name in FRAMES
        if (directory / f"{name}.parquet").is_file()
    )
    sections.append(
        (
            "files",
            "Files",
            f"<ul>{files}</ul><p class='note'>Columns, units and windows: docs/frames.md "
            "(sim.results.SCHEMA); read them with sim.results.Results.read(DIR).</p>",
        )
    )
    title = f"Run report: {meta.get('scenario', config.get('scenario', {}).get('name', 'run'))}"
    subtitle = (
        f"world {meta.get('world', '?')}, {meta.get('runs', len(runs))} runs, seed "
        f"{meta.get('seed', '?')}, {meta.get('start', '?')} to {meta.get('end', '?')}"
    )
    path = directory / REPORT_NAME
    path.write_text(_page(title, subtitle, sections), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------
# Sweep report
# ----------------------------------------------------------------------------------


def write_sweep_report(sweep_dir: str | Path) -> Path:
    """Write ``report.html`` for an aggregated sweep directory; returns its path.

    Draws the sweep plots first if the aggregate has none yet.
    """
    sweep_dir = Path(sweep_dir)
    aggregate = sweep_dir / "aggregate"
    outcomes_path = aggregate / "outcomes.parquet"
    if not outcomes_path.is_file():
        raise UserError(
            f"{sweep_dir}: no aggregate/outcomes.parquet; run python -m sim.aggregate {sweep_dir}"
        )
    if not (aggregate / "outcome_effects.csv").is_file():
        from sim.plots import outcome_distributions

        outcome_distributions(pd.read_parquet(outcomes_path), aggregate)
    sections = []
    jobs_path = aggregate / "jobs.csv"
    if jobs_path.is_file():
        jobs = pd.read_csv(jobs_path, keep_default_na=False)
        shown = [
            c
            for c in ("job", "status", "scenario", "overrides", "runs", "seconds", "error")
            if c in jobs
        ]
        jobs = jobs[shown]
        if "error" in jobs:
            jobs = jobs.assign(error=jobs["error"].astype(str).str.slice(0, 120))
        sections.append(
            ("jobs", "Jobs", _table(jobs, ("job", "status", "scenario", "overrides", "error")))
        )
    effects_path = aggregate / "outcome_effects.csv"
    if effects_path.is_file():
        effects = pd.read_csv(effects_path)
        table = effects.assign(
            interval=[
                f"[{low:.3g}, {high:.3g}]"
                for low, high in zip(effects["low"], effects["high"], strict=True)
            ]
        )[["outcome_label", "label", "mean", "effect", "interval", "runs"]].rename(
            columns={"outcome_label": "outcome", "label": "scenario", "interval": "95 % interval"}
        )
        sections.append(
            (
                "effects",
                "Effects against the baseline",
                _image(aggregate / "outcome_effects.png", "effects")
                + "<p class='note'>Difference of each scenario's mean from the reference's, "
                "with a 95 % percentile-bootstrap interval over the runs.</p>"
                + _table(table, ("outcome", "scenario", "95 % interval")),
            )
        )
    summary_path = aggregate / "outcome_summary.csv"
    if summary_path.is_file():
        summary = pd.read_csv(summary_path)
        sections.append(("summary", "Summary per scenario", _table(summary, ("label",))))
    sections.append(
        (
            "distributions",
            "Distributions",
            _image(aggregate / "outcome_distributions.png", "time to recognition")
            + _image(aggregate / "outcome_by_country.png", "by country"),
        )
    )
    seen: dict[str, str] = {}
    for job in sorted(p.parent.parent for p in sweep_dir.rglob(".hydra/config.yaml")):
        if "aggregate" in job.parts:
            continue
        config = _read_config(job)
        name = str((config.get("scenario") or {}).get("name") or job.name)
        if name not in seen:
            seen[name] = (
                f"<h3>{_escape(name)}</h3>"
                + _scenario_text(config)
                + _evidence_table(scenario_evidence(config))
            )
    if seen:
        sections.append(("scenarios", "Scenarios and their evidence", "".join(seen.values())))
    multirun = sweep_dir / "multirun.yaml"
    if multirun.is_file():
        text = yaml.safe_load(multirun.read_text()) or {}
        overrides = ((text.get("hydra") or {}).get("overrides") or {}).get("task") or []
        sections.append(
            (
                "config",
                "Sweep command",
                f"<pre>python -m sim -m {_escape(' '.join(map(str, overrides)))}</pre>"
                + _config_block({k: v for k, v in text.items() if k != "hydra"}),
            )
        )
    outcomes = pd.read_parquet(outcomes_path, columns=["job"])
    subtitle = f"{outcomes['job'].nunique()} jobs, {len(outcomes)} runs: {sweep_dir}"
    path = sweep_dir / REPORT_NAME
    path.write_text(_page("Sweep report", subtitle, sections), encoding="utf-8")
    return path


def write_report(directory: str | Path) -> Path:
    """The report of a run directory or of a sweep directory, whichever ``directory`` is."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(f"{directory}: no such directory")
    if (directory / "runs.parquet").is_file():
        return write_run_report(directory)
    if (directory / "aggregate").is_dir():
        return write_sweep_report(directory)
    if directory.name == "aggregate" and (directory / "outcomes.parquet").is_file():
        return write_sweep_report(directory.parent)
    raise UserError(
        f"{directory}: neither a run directory (runs.parquet) nor a sweep directory (aggregate/)"
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.report DIR [--no-open]``."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.report",
        description="Write DIR/report.html (a self-contained page) and open it in the browser.",
    )
    parser.add_argument(
        "directory", help="a run directory (outputs/<date>/<time>) or a sweep directory"
    )
    parser.add_argument(
        "--no-open", action="store_true", help="write the report without opening it"
    )
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    try:
        path = write_report(args.directory)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    if not args.no_open:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
