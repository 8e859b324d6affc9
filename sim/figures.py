"""The README's figures and tables, regenerated from the model: ``python -m sim.figures``.

* ``alignment_2024_vs_horizon.png``: the ensemble-mean alignment network of the baseline
  forecast at its start (2024-03) beside the one at its horizon (2034-03);
* ``scorecard.png`` and ``skill.md``: the history scorecard and skill against the nulls;
* ``posterior.png``: prior against posterior for every fitted parameter;
* ``scenario_effects.md``: every scenario's headline effect against the baseline.

Everything lands in ``notebooks/figures/`` (``--out`` to change); the numbers quoted in
the README come from these files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "notebooks" / "figures"


def alignment_pair(runs: int, seed: int, out: Path) -> Path:
    """The baseline's mean alignment network at 2024-03 and ten years on, side by side."""
    import matplotlib.pyplot as plt
    from matplotlib.image import imread

    from sim.api import compose_spec, simulate
    from sim.plots import alignment_network

    results = simulate([f"runs={runs}", f"seed={seed}", "end=2034-03", "record.dyads_every=120"])
    world = compose_spec([])[1].world
    dyads = results.dyads
    dates = sorted(dyads["date"].astype(str).unique())
    panels = []
    for date in (dates[0], dates[-1]):
        figure = alignment_network(dyads[dyads["date"].astype(str) == date], world, seed=seed)
        path = out / f".network-{date}.png"
        figure.savefig(path, dpi=100)
        plt.close(figure)
        panels.append((date, path))
    figure, axes = plt.subplots(1, 2, figsize=(14, 6))
    for axis, (date, path) in zip(axes, panels, strict=True):
        axis.imshow(imread(path))
        axis.axis("off")
        axis.set_title(
            f"{'start' if date == dates[0] else 'forecast horizon'}: {date}", fontsize=11
        )
        path.unlink()
    figure.suptitle(
        f"Baseline alignment, ensemble mean of {runs} runs (blue friendly, red hostile)",
        fontsize=12,
    )
    figure.tight_layout()
    target = out / "alignment_2024_vs_horizon.png"
    figure.savefig(target, dpi=100)
    plt.close(figure)
    return target


def scorecard_files(runs: int, seed: int, out: Path) -> list[Path]:
    """The history scorecard (figure) and the skill table (markdown)."""
    from sim import validate

    results = validate.evaluate(validate.history_spec(runs, seed))
    card = validate.scorecard(results["model"])
    validate.plot_scorecard(card, out / "scorecard.png")
    table = validate.skill_table(results)
    (out / "skill.md").write_text(markdown(table) + "\n")
    return [out / "scorecard.png", out / "skill.md"]


def markdown(table) -> str:
    """A DataFrame as a markdown table."""
    header = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "---|" * len(table.columns)
    rows = ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.figures [--runs 300] [--out DIR] [--only NAME ...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.figures", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--runs", type=int, default=300, help="runs per ensemble (default 300)")
    parser.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
    parser.add_argument("--out", default=str(FIGURES), help="directory (default notebooks/figures)")
    parser.add_argument(
        "--only",
        nargs="*",
        default=["alignment", "scorecard", "posterior", "effects"],
        help="which figures: alignment, scorecard, posterior, effects",
    )
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if "alignment" in args.only:
        written.append(alignment_pair(args.runs, args.seed, out))
    if "scorecard" in args.only:
        written += scorecard_files(args.runs, args.seed, out)
    if "posterior" in args.only:
        from sim.fit import plot_posterior
        from sim.posterior import ParameterDraws

        plot_posterior(ParameterDraws.load(), out / "posterior.png")
        written.append(out / "posterior.png")
    if "effects" in args.only:
        from sim.effects import effects_table, to_markdown

        (out / "scenario_effects.md").write_text(to_markdown(effects_table(args.runs, 1)) + "\n")
        written.append(out / "scenario_effects.md")
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
