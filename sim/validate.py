"""Historical scorecard: does the replay from August 2021 reproduce the record?

``python -m sim.validate [--runs 500] [--seed 0] [--out DIR]`` runs the
``history`` scenario (start 2021-08, end 2024-03) and scores it against
stylized facts from the documents.  Each fact cites evidence ids, is turned
into a check on every run of the ensemble, and passes when the share of runs
in which it holds reaches its threshold.  Facts marked ``held_back`` are not
used by the fit (:mod:`sim.fit`) and are reported separately.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.ladder import DE_FACTO, DE_JURE, EMBASSY, NO_CONTACT, WORKING_CONTACTS
from sim.results import Results

HISTORY_OVERRIDES = ["scenario=history"]


class History:
    """Arrays of a history ensemble, indexed [run, month, actor(, partner)]."""

    def __init__(self, results: Results) -> None:
        states = results.states
        self.dates = sorted(states["date"].astype(str).unique())
        self.codes = list(pd.unique(states["actor"].astype(str)))
        runs = sorted(states["run"].unique())
        n_runs, n_months, n = len(runs), len(self.dates), len(self.codes)
        order = states.sort_values(["run", "date", "actor"], key=self._sort_key)

        def cube(column: str, fill: float = np.nan) -> np.ndarray:
            values = order[column].astype("Float64").fillna(fill).to_numpy(dtype=float)
            return values.reshape(n_runs, n_months, n)

        self.level = cube("recognition", -1)
        self.target_imports = cube("exports_to_afg_musd", 0.0)
        self.target_exports = cube("imports_from_afg_musd", 0.0)
        self.attacks = cube("attacks", 0.0)
        self.confrontation = cube("confrontation", 0.0)
        dyads = results.dyads.sort_values(["run", "date", "actor", "partner"], key=self._sort_key)
        dyad_dates = sorted(dyads["date"].astype(str).unique())
        if dyad_dates != self.dates:
            raise UserError("the scorecard needs monthly dyads (record.dyads_every=1)")
        affinity = np.zeros((n_runs, n_months, n, n))
        off_diagonal = ~np.eye(n, dtype=bool)
        affinity[:, :, off_diagonal] = dyads["affinity"].to_numpy().reshape(n_runs, n_months, -1)
        self.affinity = affinity
        events = results.events
        self.events = events.assign(date=events["date"].astype(str))
        self.runs = runs

    def _sort_key(self, column: pd.Series) -> pd.Series:
        if column.name in {"actor", "partner"}:
            return column.astype(str).map({c: i for i, c in enumerate(self.codes)})
        return column.astype(str) if column.name == "date" else column

    def i(self, code: str) -> int:
        return self.codes.index(code)

    def t(self, date: str) -> int:
        return self.dates.index(date)

    def span(self, first: str, last: str) -> slice:
        return slice(self.t(first), self.t(last) + 1)

    def pair(self, a: str, b: str) -> np.ndarray:
        """(R, T) affinity of a pair."""
        return self.affinity[:, :, self.i(a), self.i(b)]

    def import_share(self, code: str, first: str, last: str) -> np.ndarray:
        """(R,) the partner's share of Afghanistan's imports over a period."""
        window = self.target_imports[:, self.span(first, last), :]
        total = window.sum(axis=(1, 2))
        return window[:, :, self.i(code)].sum(axis=1) / np.maximum(total, 1e-9)

    def event_count(self, kind: str, actor: str | None, first: str, last: str) -> np.ndarray:
        """(R,) number of events of a kind (by an actor) in a period."""
        frame = self.events[
            (self.events["kind"] == kind) & self.events["date"].between(first, last)
        ]
        if actor is not None:
            frame = frame[frame["actor"].astype(str) == actor]
        counts = frame.groupby("run")["count"].sum()
        return np.array([counts.get(run, 0) for run in self.runs], dtype=float)


@dataclass(frozen=True)
class Fact:
    """A stylized fact from the documents and its check on an ensemble."""

    key: str
    statement: str
    evidence: tuple[str, ...]
    threshold: float
    check: Callable[[History], np.ndarray]
    held_back: bool = False


END = "2024-03"
STATES = ("PAK", "IND", "IRN", "CHN", "RUS", "USA", "TJK", "UZB", "KAZ", "TKM", "KGZ")


@functools.cache
def _table_import_shares() -> dict[str, float]:
    """ORF-2024 Table 1 (evidence ``afg_import_musd``, Apr 2022 - Apr 2023): each of
    the states' share of Afghanistan's imports from the states in the table."""
    from sim.evidence import load_evidence

    evidence = load_evidence()
    table = evidence[(evidence["metric"] == "afg_import_musd") & evidence["actor"].isin(STATES)]
    values = table.groupby("actor")["value"].first()
    return (values / values.sum()).to_dict()


def _share_within(code: str, tolerance: float) -> Callable[[History], np.ndarray]:
    def check(h: History) -> np.ndarray:
        target = _table_import_shares()[code]
        return np.abs(h.import_share(code, "2022-04", "2023-04") - target) <= tolerance

    return check


FACTS: tuple[Fact, ...] = (
    Fact(
        "no_de_jure",
        "No state recognises the Emirate de jure by 2024-03",
        ("E1105", "E2197", "E1207"),
        0.8,
        lambda h: (h.level[:, :, [h.i(c) for c in STATES]] < DE_JURE).all(axis=(1, 2)),
    ),
    Fact(
        "china_goes_furthest",
        "China stands at the highest recognition level of all states in 2024-03",
        ("E1103", "E1105"),
        0.5,
        lambda h: (
            h.level[:, -1, h.i("CHN")] >= h.level[:, -1, [h.i(c) for c in STATES]].max(axis=1)
        ),
    ),
    Fact(
        "china_ambassador",
        "China accepts an Emirate ambassador (level >= 4) by 2024-03",
        ("E1101", "E1103"),
        0.5,
        lambda h: h.level[:, -1, h.i("CHN")] >= DE_FACTO,
    ),
    Fact(
        "tajikistan_hostile",
        "Tajikistan stays at or below 'no official contact' throughout",
        ("E3211", "E3212", "E3142"),
        0.7,
        lambda h: (h.level[:, :, h.i("TJK")] <= NO_CONTACT).all(axis=1),
    ),
    Fact(
        "russia_dips",
        "Russia-Emirate affinity dips after the Sept 2022 embassy bombing",
        ("E1149", "E1150"),
        0.5,
        lambda h: (
            h.pair("RUS", "AFG")[:, h.span("2022-10", "2023-02")].mean(axis=1)
            < h.pair("RUS", "AFG")[:, h.span("2022-04", "2022-08")].mean(axis=1)
        ),
    ),
    Fact(
        "russia_recovers",
        "Russia-Emirate affinity recovers in 2023 (phase of economic engagement)",
        ("E1207", "E1009"),
        0.5,
        lambda h: (
            h.pair("RUS", "AFG")[:, h.span("2023-06", END)].mean(axis=1)
            > h.pair("RUS", "AFG")[:, h.span("2022-10", "2023-02")].mean(axis=1)
        ),
    ),
    Fact(
        "russia_hosts_diplomats",
        "Russia lets Emirate diplomats work (level >= 3) by 2024-03",
        ("E1145", "E1009"),
        0.5,
        lambda h: h.level[:, -1, h.i("RUS")] >= EMBASSY,
    ),
    Fact(
        "pakistan_sours",
        "Pakistan-Emirate affinity ends well below its 2021-08 start",
        ("E2001", "E1026", "E2042"),
        0.7,
        lambda h: h.pair("PAK", "AFG")[:, -1] < h.pair("PAK", "AFG")[:, 0] - 0.3,
    ),
    Fact(
        "pakistan_keeps_contacts",
        "Pakistan keeps working contacts (level >= 2) in 2024-03",
        ("E2042",),
        0.5,
        lambda h: h.level[:, -1, h.i("PAK")] >= WORKING_CONTACTS,
    ),
    Fact(
        "pakistan_coerces",
        "Pakistan coerces the Emirate (strike or border closure) at least once",
        ("E2020", "E2025"),
        0.7,
        lambda h: (
            h.event_count("strike", "PAK", "2021-09", END)
            + h.event_count("border_closure", "PAK", "2021-09", END)
            >= 1
        ),
    ),
    Fact(
        "ttp_attacks_rise",
        "TTP attacks on Pakistan are more frequent in 2023 than in 2021-09..2022-10",
        ("E2021", "E2022", "E1024"),
        0.6,
        lambda h: (
            h.attacks[:, h.span("2023-01", "2023-12"), h.i("PAK")].mean(axis=1)
            > h.attacks[:, h.span("2021-09", "2022-10"), h.i("PAK")].mean(axis=1)
        ),
    ),
    Fact(
        "india_working_contacts",
        "India reaches 'working contacts' (level >= 2) by mid-2022",
        ("E1060", "E1064"),
        0.5,
        lambda h: (h.level[:, h.span("2021-09", "2022-08"), h.i("IND")] >= WORKING_CONTACTS).any(
            axis=1
        ),
    ),
    Fact(
        "india_no_further",
        "India goes no further than working contacts (level <= 2) in 2024-03",
        ("E1079",),
        0.6,
        lambda h: h.level[:, -1, h.i("IND")] <= WORKING_CONTACTS,
    ),
    Fact(
        "usa_no_recognition",
        "The United States never goes beyond working contacts",
        ("E2197", "E2148"),
        0.7,
        lambda h: (h.level[:, :, h.i("USA")] <= WORKING_CONTACTS).all(axis=1),
    ),
    Fact(
        "usa_cool",
        "US-Emirate affinity is negative in 2024-03",
        ("E2178", "E2176", "E2177"),
        0.6,
        lambda h: h.pair("USA", "AFG")[:, -1] < 0,
    ),
    Fact(
        "iran_embassy",
        "Iran lets Emirate diplomats run the embassy (level >= 3) by 2024-03",
        ("E1013",),
        0.5,
        lambda h: h.level[:, -1, h.i("IRN")] >= EMBASSY,
    ),
    Fact(
        "central_asia_engages",
        "UZB, KAZ, TKM, KGZ engage (levels 2-4) without de jure recognition in 2024-03",
        ("E3231", "E2051", "E3210", "E1015"),
        0.5,
        lambda h: (
            (h.level[:, -1, [h.i(c) for c in ("UZB", "KAZ", "TKM", "KGZ")]] >= WORKING_CONTACTS)
            & (h.level[:, -1, [h.i(c) for c in ("UZB", "KAZ", "TKM", "KGZ")]] <= DE_FACTO)
        ).all(axis=1),
    ),
    Fact(
        "top_three_importers",
        "Iran, Pakistan and China are Afghanistan's top three import sources (2022-04..2023-04)",
        ("E1175", "E1176", "E1177"),
        0.6,
        lambda h: (
            np.sort(
                np.stack([h.import_share(c, "2022-04", "2023-04") for c in STATES], axis=1), axis=1
            )[:, -3]
            <= np.minimum.reduce(
                [h.import_share(c, "2022-04", "2023-04") for c in ("IRN", "PAK", "CHN")]
            )
        ),
    ),
    Fact(
        "iran_import_share",
        "Iran's share of Afghan imports within 5 points of ORF Table 1",
        ("E1175",),
        0.6,
        _share_within("IRN", 0.05),
    ),
    Fact(
        "pakistan_import_share",
        "Pakistan's share of Afghan imports within 5 points of ORF Table 1",
        ("E1176",),
        0.6,
        _share_within("PAK", 0.05),
        held_back=True,
    ),
    Fact(
        "china_import_share",
        "China's share of Afghan imports within 5 points of ORF Table 1",
        ("E1177",),
        0.6,
        _share_within("CHN", 0.05),
        held_back=True,
    ),
    Fact(
        "troika_positive",
        "India-Iran-Tajikistan ties stay positive",
        ("E3142", "E2121", "E2124"),
        0.7,
        lambda h: (
            (h.pair("IND", "IRN")[:, -1] > 0)
            & (h.pair("IND", "TJK")[:, -1] > 0)
            & (h.pair("IRN", "TJK")[:, -1] > 0)
        ),
    ),
    Fact(
        "rus_pak_chn_positive",
        "Russia-Pakistan-China ties stay positive",
        ("E1140", "E1139", "E1164"),
        0.6,
        lambda h: (
            (h.pair("RUS", "PAK")[:, -1] > 0)
            & (h.pair("RUS", "CHN")[:, -1] > 0)
            & (h.pair("PAK", "CHN")[:, -1] > 0)
        ),
        held_back=True,
    ),
    Fact(
        "india_pakistan_rivals",
        "India-Pakistan relation stays negative throughout",
        ("E1058", "E1165", "E2123"),
        0.8,
        lambda h: (h.pair("IND", "PAK") < 0).all(axis=1),
        held_back=True,
    ),
    Fact(
        "us_china_rivals",
        "US-China relation stays negative throughout",
        ("E1023", "E1096"),
        0.8,
        lambda h: (h.pair("USA", "CHN") < 0).all(axis=1),
        held_back=True,
    ),
    Fact(
        "tajik_emirate_hostile",
        "Tajikistan-Emirate affinity stays negative",
        ("E2078", "E3211"),
        0.7,
        lambda h: (h.pair("TJK", "AFG")[:, h.span("2022-01", END)] < 0).all(axis=1),
        held_back=True,
    ),
)


def scorecard(results: Results, facts: tuple[Fact, ...] = FACTS) -> pd.DataFrame:
    """One row per fact: ensemble probability, threshold, pass, evidence, held back."""
    history = History(results)
    rows = []
    for fact in facts:
        holds = np.asarray(fact.check(history), dtype=bool)
        probability = float(holds.mean())
        rows.append(
            {
                "fact": fact.key,
                "statement": fact.statement,
                "evidence": ";".join(fact.evidence),
                "probability": round(probability, 3),
                "threshold": fact.threshold,
                "passed": probability >= fact.threshold,
                "held_back": fact.held_back,
            }
        )
    return pd.DataFrame(rows)


def summary(card: pd.DataFrame) -> dict[str, float]:
    """Pass rates on the fit set, the held-back set and overall."""
    fit = card[~card["held_back"]]
    held = card[card["held_back"]]
    return {
        "facts": len(card),
        "passed": int(card["passed"].sum()),
        "pass_rate": float(card["passed"].mean()),
        "fit_pass_rate": float(fit["passed"].mean()) if len(fit) else float("nan"),
        "held_back_pass_rate": float(held["passed"].mean()) if len(held) else float("nan"),
    }


def run_history(runs: int, seed: int, extra: list[str] | None = None) -> Results:
    """Simulate the history scenario (monthly dyads)."""
    from sim.api import simulate

    overrides = [
        *HISTORY_OVERRIDES,
        f"runs={runs}",
        f"seed={seed}",
        "record.dyads_every=1",
        *(extra or []),
    ]
    return simulate(overrides)


def plot_scorecard(card: pd.DataFrame, path: Path | None = None):
    """Horizontal bars: probability per fact, threshold marks, held-back hatched.

    Returns the Figure; also saves it to ``path`` if given.
    """
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 0.32 * len(card) + 1))
    colours = ["tab:green" if passed else "tab:red" for passed in card["passed"]]
    bars = axis.barh(card["fact"], card["probability"], color=colours)
    for bar, held in zip(bars, card["held_back"], strict=True):
        if held:
            bar.set_hatch("//")
    axis.scatter(card["threshold"], card["fact"], marker="|", s=200, color="k", label="threshold")
    axis.set_xlim(0, 1)
    axis.invert_yaxis()
    axis.set_xlabel("share of runs in which the fact holds")
    axis.set_title("History replay 2021-08 to 2024-03 (hatched: held back from the fit)")
    axis.legend(loc="lower right")
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=110)
    return figure


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.validate``: print the scorecard (and write it with --out)."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.validate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--runs", type=int, default=500, help="ensemble size (default 500)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="directory for scorecard.csv and scorecard.png")
    parser.add_argument(
        "overrides", nargs="*", help="extra Hydra overrides, e.g. params.review_rate=0.3"
    )
    args = parser.parse_args(argv)
    import matplotlib.pyplot as plt

    plt.switch_backend("Agg")
    try:
        if args.runs < 1:
            raise UserError(f"--runs={args.runs}: expected a positive integer")
        card = scorecard(run_history(args.runs, args.seed, args.overrides))
        if args.out:
            from sim.results import ensure_writable

            out = ensure_writable(args.out)
            card.to_csv(out / "scorecard.csv", index=False)
            plot_scorecard(card, out / "scorecard.png")
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with pd.option_context("display.width", 200, "display.max_colwidth", 70):
        print(card.drop(columns=["evidence"]).to_string(index=False))
    stats = summary(card)
    print(
        f"\npassed {stats['passed']}/{stats['facts']} ({stats['pass_rate']:.0%}); "
        f"fit set {stats['fit_pass_rate']:.0%}, held back {stats['held_back_pass_rate']:.0%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
