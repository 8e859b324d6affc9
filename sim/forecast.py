"""A forecast ledger: dated, content-hashed probabilities that later events can score.

``python -m sim.forecast [--runs 1000] [--seed 0] [--out DIR]`` simulates the baseline
from the calibrated state of March 2024 (parameters drawn from the posterior, one set
per run) and writes a ledger of probabilities for a standard question set at 12 and 24
months past the start:

* ``level>=k:<ISO3>``: the state stands at recognition level ``k`` or above (k = 1..5);
* ``first_de_jure:<ISO3>`` / ``first_de_jure:none``: the first state to recognise the
  Emirate de jure by then (ties in a month go to the most capable state);
* ``coerces:<lever>:<ISO3>``: the state strikes, closes its border, deports a wave of
  refugees or imposes a sanction at least once by then;
* ``share_up:<ISO3>``: the partner's share of the Emirate's imports over the twelve
  months to the horizon exceeds its share in the twelve months to the start;
* ``with_afg:<ISO3>``: the state is in the Emirate's bloc at the horizon.

The ledger (YAML) records when it was issued (the data's last month), the model version
(package version and a hash of the code, the evidence and the parameter files), the
config, and every question with its probability; its file name carries the hash of its
content, so any later edit shows.  ``python -m sim.forecast score LEDGER OUTCOMES.csv``
scores a ledger against outcomes recorded later (``question,horizon,outcome`` with
outcome 0 or 1): Brier and log score per question and overall, and a reliability
diagram.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.alignment import detect_blocs_batch
from sim.dates import add_months
from sim.errors import UserError
from sim.history import History
from sim.ladder import DE_JURE, MAX_LEVEL

ROOT = Path(__file__).resolve().parent.parent
LEDGER_DIR = ROOT / "forecasts"
HORIZONS = (12, 24)
LEVERS = {
    "strike": "strike",
    "border_closure": "border_closure",
    "deportation": "deportation_wave",
    "sanction": "sanction",
}
#: What the model version hashes: its code, the evidence and the fitted parameters.
VERSIONED = ("sim", "seeds", "configs")


def model_version() -> dict[str, str]:
    """The package version and a hash of the code, evidence and configs that made a forecast."""
    digest = hashlib.sha256()
    for folder in VERSIONED:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".csv", ".yaml", ".yml"}:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    try:
        version = metadata.version("afghan-diplomacy-sim")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {"package": version, "content_sha256": digest.hexdigest()[:16]}


def questions(history: History, capability: np.ndarray) -> list[dict]:
    """Every standard question with its probability, at each horizon."""
    codes = [c for c in history.codes if c != "AFG"]
    index = {c: history.i(c) for c in history.codes}
    target = index.get("AFG")
    out = []
    for months in HORIZONS:
        t = months
        date = history.dates[t]
        level = history.level[:, t]
        for code in codes:
            for k in range(1, MAX_LEVEL + 1):
                p = float((level[:, index[code]] >= k).mean())
                out.append({"question": f"level>={k}:{code}", "horizon": date, "p": p})
        # first de jure recognizer by the horizon
        window = history.level[:, 1 : t + 1] == DE_JURE  # (R, months, N)
        first = np.full(history.runs, -1)
        for r in range(history.runs):
            months_with = np.flatnonzero(window[r].any(axis=1))
            if months_with.size:
                who = np.flatnonzero(window[r, months_with[0]])
                first[r] = who[np.argmax(capability[who])]
        for code in codes:
            p = float((first == index[code]).mean())
            out.append({"question": f"first_de_jure:{code}", "horizon": date, "p": p})
        out.append(
            {"question": "first_de_jure:none", "horizon": date, "p": float((first < 0).mean())}
        )
        for code in codes:
            for lever, kind in LEVERS.items():
                counts = history.events[kind][:, 1 : t + 1, index[code]].sum(axis=1)
                out.append(
                    {
                        "question": f"coerces:{lever}:{code}",
                        "horizon": date,
                        "p": float((counts > 0).mean()),
                    }
                )
        start_share = history.imports[:, 0:1] / np.maximum(
            history.imports[:, 0:1].sum(axis=2, keepdims=True), 1e-9
        )
        window = history.imports[:, t - 11 : t + 1]
        share = window.sum(axis=1) / np.maximum(window.sum(axis=(1, 2))[:, None], 1e-9)
        for code in codes:
            p = float((share[:, index[code]] > start_share[:, 0, index[code]]).mean())
            out.append({"question": f"share_up:{code}", "horizon": date, "p": p})
        if target is not None:
            blocs = detect_blocs_batch(history.affinity[:, t].astype(float))
            for code in codes:
                p = float((blocs[:, index[code]] == blocs[:, target]).mean())
                out.append({"question": f"with_afg:{code}", "horizon": date, "p": p})
    for row in out:
        row["p"] = round(row["p"], 4)
    return out


def issue(runs: int = 1000, seed: int = 0, overrides: list[str] | None = None) -> dict:
    """Simulate the baseline from 2024-03 and return the ledger record (not yet written)."""
    from sim.api import compose_spec
    from sim.validate import replay

    months = max(HORIZONS)
    cfg, spec = compose_spec([f"runs={runs}", f"seed={seed}", *(overrides or [])])
    end = add_months(spec.start, months)
    import dataclasses

    spec = dataclasses.replace(spec, end=end)
    history = replay(spec)
    from omegaconf import OmegaConf

    config = OmegaConf.to_container(cfg, resolve=True)
    config.pop("hydra", None)
    config["end"] = end
    return {
        "issued": spec.start,
        "knowledge_ends": "2024-03",
        "model": model_version(),
        "runs": runs,
        "seed": seed,
        "overrides": list(overrides or []),
        "config": json.loads(json.dumps(config, default=str)),
        "questions": questions(history, np.asarray(spec.world.capability)),
    }


def content_hash(record: dict) -> str:
    """SHA-256 (first 16 hex digits) of the ledger's content, in a canonical form."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_ledger(record: dict, directory: Path = LEDGER_DIR) -> Path:
    """Write ``ledger-<issued>-<hash>.yaml`` (the hash of the content before it is added)."""
    digest = content_hash(record)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"ledger-{record['issued']}-{digest}.yaml"
    header = (
        "# Forecast ledger (python -m sim.forecast): probabilities issued with data to\n"
        f"# {record['knowledge_ends']}; content hash {digest} (sha256 of the record without it).\n"
    )
    temporary = path.with_suffix(".tmp")
    temporary.write_text(
        header + yaml.safe_dump({**record, "sha256": digest}, sort_keys=False, width=120)
    )
    temporary.replace(path)
    return path


def read_ledger(path: str | Path) -> dict:
    """Read a ledger and check its content hash (UserError if it does not match)."""
    path = Path(path)
    try:
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        stated = record.pop("sha256")
    except (OSError, yaml.YAMLError, AttributeError, KeyError) as error:
        raise UserError(f"{path}: not a forecast ledger ({error})") from None
    if content_hash(record) != stated:
        raise UserError(f"{path}: content does not match its hash {stated}: edited after issue")
    return record


def score(ledger: dict, outcomes: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Brier and log score of every recorded outcome, and overall (with counts)."""
    forecasts = pd.DataFrame(ledger["questions"])
    for column in ("question", "horizon", "outcome"):
        if column not in outcomes.columns:
            raise UserError(
                f"outcomes: missing column {column!r}; expected question,horizon,outcome"
            )
    if not outcomes["outcome"].isin([0, 1]).all():
        raise UserError("outcomes: outcome must be 0 or 1")
    merged = outcomes.astype({"horizon": str}).merge(
        forecasts, on=["question", "horizon"], how="left"
    )
    unknown = merged[merged["p"].isna()]
    if len(unknown):
        first = unknown.iloc[0]
        raise UserError(f"outcomes: no forecast for {first['question']} at {first['horizon']}")
    runs = int(ledger["runs"])
    p = merged["p"].to_numpy(dtype=float)
    smooth = (p * runs + 0.5) / (runs + 1.0)
    o = merged["outcome"].to_numpy(dtype=float)
    merged["brier"] = (p - o) ** 2
    merged["log_score"] = -np.log(np.where(o == 1, smooth, 1.0 - smooth))
    summary = {
        "outcomes": len(merged),
        "brier": round(float(merged["brier"].mean()), 4),
        "log_score": round(float(merged["log_score"].mean()), 4),
        "climatology_brier": round(float(((o.mean() - o) ** 2).mean()), 4),
    }
    return merged, summary


def reliability(merged: pd.DataFrame, path: Path | None = None, bins: int = 10):
    """Reliability diagram: forecast probability against observed frequency, by bin."""
    import matplotlib.pyplot as plt

    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(merged["p"], edges) - 1, 0, bins - 1)
    frame = (
        merged.assign(bin=which)
        .groupby("bin")
        .agg(p=("p", "mean"), o=("outcome", "mean"), n=("p", "size"))
    )
    figure, axis = plt.subplots(figsize=(4.5, 4.5))
    axis.plot([0, 1], [0, 1], color="#9e9e9e", lw=1, ls="--")
    axis.scatter(frame["p"], frame["o"], s=20 + 4 * frame["n"], color="#1f77b4")
    axis.set_xlabel("forecast probability")
    axis.set_ylabel("observed frequency")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.set_title("Reliability (dot size = questions)")
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=110)
    return figure


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.forecast`` (issue) or ``python -m sim.forecast score LEDGER OUTCOMES``."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        if arguments[:1] == ["score"]:
            parser = argparse.ArgumentParser(prog="python -m sim.forecast score")
            parser.add_argument("ledger", help="a ledger file written by python -m sim.forecast")
            parser.add_argument("outcomes", help="CSV with question,horizon,outcome (0 or 1)")
            parser.add_argument("--plot", default=None, help="write the reliability diagram here")
            args = parser.parse_args(arguments[1:])
            try:
                outcomes = pd.read_csv(args.outcomes)
            except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
                raise UserError(f"{args.outcomes}: cannot read outcomes ({error})") from None
            merged, summary = score(read_ledger(args.ledger), outcomes)
            if args.plot:
                import matplotlib

                matplotlib.use("Agg")
                reliability(merged, Path(args.plot))
            print(merged.to_string(index=False))
            print(yaml.safe_dump(summary, sort_keys=False))
            return 0
        parser = argparse.ArgumentParser(
            prog="python -m sim.forecast", description=__doc__.split("\n")[0]
        )
        parser.add_argument("--runs", type=int, default=1000, help="ensemble size (default 1000)")
        parser.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
        parser.add_argument("--out", default=str(LEDGER_DIR), help="directory for the ledger")
        parser.add_argument("overrides", nargs="*", help="extra Hydra overrides")
        args = parser.parse_args(arguments)
        if args.runs < 10:
            raise UserError(f"--runs={args.runs}: expected at least 10")
        path = write_ledger(issue(args.runs, args.seed, args.overrides), Path(args.out))
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
