"""Golden frames: hashes of small seeded ensembles, to prove a refactor changed nothing.

``python -m tests.golden`` rewrites ``tests/data/golden.json`` from the current code;
``tests/test_golden.py`` recomputes the same ensembles and compares every hash.  A
change of mechanism that is meant to change results regenerates the file in the same
commit and says so in the commit message; a refactor must leave it untouched.

Each frame is hashed from its CSV text (pandas writes floats with ``repr``, which
round-trips exactly) together with its column dtypes, so a single changed bit or a
changed dtype changes the hash.  Per-column hashes make a mismatch easy to locate.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pandas as pd

GOLDEN_PATH = Path(__file__).parent / "data" / "golden.json"

#: name -> overrides of ``sim.simulate`` (small: the whole set runs in a few seconds).
ENSEMBLES: dict[str, list[str]] = {
    "baseline": ["runs=6", "seed=5", "end=2026-03"],
    "history": ["scenario=history", "runs=4", "seed=1"],
    "china_recognizes": ["scenario=china_recognizes", "runs=4", "seed=2", "end=2026-12"],
    "ttp_escalation": ["scenario=ttp_escalation", "runs=4", "seed=3", "end=2026-12"],
    "triad": ["world=triad", "runs=3", "seed=4", "end=2026-03"],
}
COMMON = ["record.dyads_every=1", "progress=false"]


def frame_hashes(frame: pd.DataFrame) -> dict[str, str]:
    """``{"<frame>": hash, column: hash, ...}`` of one frame (order and dtypes included)."""
    out = {}
    for column in frame.columns:
        text = f"{column}:{frame[column].dtype}\n" + frame[column].to_csv(index=False)
        out[column] = hashlib.sha256(text.encode()).hexdigest()[:16]
    whole = json.dumps(out, sort_keys=False) + f"rows={len(frame)}"
    return {"_frame": hashlib.sha256(whole.encode()).hexdigest()[:16], "_rows": len(frame), **out}


def ensemble_hashes(overrides: list[str]) -> dict[str, dict[str, str]]:
    """Hashes of every frame of ``sim.simulate(overrides)``."""
    import sim
    from sim.results import FRAMES

    results = sim.simulate([*overrides, *COMMON])
    return {name: frame_hashes(getattr(results, name)) for name in FRAMES}


def model_trace(seed: int = 7, months: int = 12) -> dict[str, object]:
    """The Mesa model's path for one run: levels and affinities to the Emirate each month."""
    from sim import DiplomacyModel

    model = DiplomacyModel(rng=seed, run_id=2)
    rows = []
    for _ in range(months):
        model.step()
        rows.append(
            [(a.code, a.recognition_level, repr(a.affinity_to_emirate)) for a in model.states]
        )
    text = json.dumps(sorted(rows[-1]) + [sorted(r) for r in rows])
    return {"hash": hashlib.sha256(text.encode()).hexdigest()[:16]}


def compute() -> dict[str, object]:
    """Everything the golden file holds."""
    golden: dict[str, object] = {name: ensemble_hashes(o) for name, o in ENSEMBLES.items()}
    golden["model"] = model_trace()
    return golden


def main() -> int:
    GOLDEN_PATH.write_text(json.dumps(compute(), indent=1) + "\n")
    print(f"wrote {GOLDEN_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
