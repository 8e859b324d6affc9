"""Benchmarks: the array kernel, the ensemble runner, the Mesa model and a sweep job.

``python benchmarks/bench.py`` (or ``make bench``) prints one table and, with
``--out PATH``, also writes it (``.csv`` as CSV, anything else as markdown).
Sections (``--only`` picks some; ``--quick`` shrinks every size for a smoke run):

* ``steps``: time per monthly step and per run of the calibrated 12-actor world
  (120 months) for the monthly loop alone (streams + kernel, :class:`sim.loop.MonthlyLoop`)
  in batches of 1, 100 and 1000 runs, for the recorded ensemble batch
  (:func:`sim.ensemble.run_batch`: kernel + recorder + frames), and for
  :class:`sim.model.DiplomacyModel` stepping one run (with its datacollector);
* ``throughput``: runs/s of the kernel-only ensemble and of the recorded
  ensemble (every frame built in memory, nothing written) on 1 thread, on every core
  as threads of one process (``workers=auto``), and on 2 fresh (spawned) processes,
  two blocks of run indices, start-up included; the threaded and 2-process results
  are checked identical to the 1-thread ones (final states, and a hash of every frame
  of every batch).  The notes add the CPU seconds, which other jobs on the machine
  disturb less than the wall clock;
* ``mesa``: the same model through ``mesa.batch_run`` on 1 and 2 processes,
  runs/s, and the ensemble-to-batch_run throughput ratios;
* ``memory``: wall time and peak RSS (``getrusage`` high-water mark of a fresh
  process) of a sweep job writing parquet: ``python -m sim runs=10000 ...``;
* ``scaling``: time per run-month against the number of actors (12, 24, 48, 96
  in :func:`sim.world.synthetic_world`) and months (60, 120, 240), with the
  log-log slope over actors;
* ``simulate``: ``sim.simulate`` of 10,000 runs x 120 months as a user calls it
  (``workers=auto``), every month recorded; then the time to read all six frames
  (each is built when first read);
* ``layout``: the relations arena compiled two ways, run-outer loops (the kernel's
  layout) against the run axis as the inner vectorised loop, on the same states;
* ``fit``: the default posterior fit (``python -m sim.fit``) extrapolated from timed
  evaluations of its objective (one history replay of ``--runs`` runs per point) and
  the number of evaluations its last run needed (``configs/params/posterior.yaml``).

Rows with a target say whether it is met.  Timings are wall-clock and noisy on a
shared machine: the table records the load average before and after, and notes give
the CPU seconds, which other jobs disturb less.  Nothing here is asserted; the tests check correctness, this module
measures speed.
"""

from __future__ import annotations

import argparse
import collections
import csv
import dataclasses
import hashlib
import math
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.dates import add_months
from sim.ensemble import (
    EnsembleSpec,
    baseline_spec,
    loop_for,
    on_threads,
    run_batch,
    split_spec,
)
from sim.results import FRAMES, Results
from sim.state import SimState
from sim.world import synthetic_world

START = "2024-03"
SECTIONS = ("steps", "throughput", "simulate", "mesa", "memory", "scaling", "layout", "fit")


@dataclass
class Row:
    """One measured number."""

    section: str
    case: str
    value: float
    unit: str
    note: str = ""
    target: str = ""


def judged(value: float, limit: float, unit: str, below: bool = True) -> str:
    """``"<= 3 s: met"`` or ``"... missed"``."""
    met = value <= limit if below else value >= limit
    sign = "<=" if below else ">="
    return f"{sign} {format_value(limit)} {unit}: {'met' if met else 'missed'}"


# ----------------------------------------------------------------------------------
# What is measured
# ----------------------------------------------------------------------------------


calibrated_spec = baseline_spec


def kernel_run(spec: EnsembleSpec, run_ids: np.ndarray, threads: int = 1) -> SimState:
    """Step the runs ``run_ids`` of ``spec`` through every month without recording:
    the cost of the model itself (random streams plus the kernel)."""
    loop = loop_for(spec, run_ids, threads)
    loop.run(spec.months)
    return loop.state


def kernel_block(
    spec: EnsembleSpec, threads: int = 1
) -> tuple[dict[str, np.ndarray], float, float]:
    """Run every batch of ``spec`` kernel-only on ``threads`` threads, as ``workers=auto``
    runs a job's batches (:func:`sim.ensemble.on_threads`); return the final states,
    wall and CPU seconds."""
    began, cpu = time.perf_counter(), time.process_time()
    parts = [state for _, state in on_threads(spec, threads, kernel_run)]
    final = {
        f.name: np.concatenate([getattr(p, f.name) for p in parts])
        for f in dataclasses.fields(SimState)
        if f.name != "extra"
    }
    return final, time.perf_counter() - began, time.process_time() - cpu


def frames_digest(results: Results) -> str:
    """SHA-256 of every frame's dtypes and values (row order included)."""
    import pandas as pd

    digest = hashlib.sha256()
    for name in FRAMES:
        frame = getattr(results, name)
        digest.update(f"{name}:{list(frame.columns)}:{[str(t) for t in frame.dtypes]}".encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _batch_with_frames(spec: EnsembleSpec, run_ids: np.ndarray, threads: int) -> Results:
    """One batch recorded, every frame built (each is built when first read)."""
    results = run_batch(spec, run_ids, threads)
    for name in FRAMES:
        results.frame(name)
    return results


def ensemble_block(
    spec: EnsembleSpec, threads: int = 1
) -> tuple[list[tuple[int, str]], float, float, float]:
    """Run every batch of ``spec`` on ``threads`` threads (as ``workers=auto`` does)
    with recording and every frame built (no disk).

    Returns ``([(first run of batch, frames digest)], wall seconds, CPU seconds,
    wall seconds spent hashing)``. The frames are hashed after the clock stops (while
    batches run side by side, hashing in between would overlap their work), so the
    wall and CPU seconds leave the hashing out; every batch's frames are held until then.
    """
    began, cpu = time.perf_counter(), time.process_time()
    done = collections.deque(on_threads(spec, threads, _batch_with_frames))
    wall, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
    hash_began = time.perf_counter()
    digests = []
    while done:
        run_ids, results = done.popleft()  # each batch's frames freed once hashed
        digests.append((int(run_ids[0]), frames_digest(results)))
    return digests, wall, cpu_seconds, time.perf_counter() - hash_began


def _warm_worker(_: int) -> int:
    """Make a pool worker import the simulation (and compile any fast path)."""
    run_batch(calibrated_spec(2, months=2), np.arange(2))
    time.sleep(0.2)  # keep this worker busy so the other one takes the second call
    return os.getpid()


def in_processes(
    function: Callable, specs: list[EnsembleSpec], processes: int
) -> tuple[list, float, float]:
    """Run ``function`` on each spec in a pool; return (results, start-up s, work s).

    Fresh ``spawn`` processes (as Hydra's joblib launcher and ``mesa.batch_run``
    use): forking a process whose BLAS and arrow thread pools are running is unsafe.
    The start-up (interpreter, imports, a tiny warm-up batch) is timed apart.
    """
    context = multiprocessing.get_context("spawn")
    began = time.perf_counter()
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        list(pool.map(_warm_worker, range(processes)))
        ready = time.perf_counter()
        results = list(pool.map(function, specs))
        done = time.perf_counter()
    return results, ready - began, done - ready


def best_time(function: Callable[[], object], min_seconds: float, max_repeats: int) -> float:
    """Smallest wall time of repeated calls (repeats until ``min_seconds`` or ``max_repeats``)."""
    times: list[float] = []
    while len(times) < max_repeats and (not times or sum(times) < min_seconds):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return min(times)


# ----------------------------------------------------------------------------------
# Sections
# ----------------------------------------------------------------------------------


def section_steps(batches: Iterable[int], months: int, quick: bool) -> list[Row]:
    """Time per step and per run: kernel batches, recorded batches, the Mesa model."""
    from sim.model import DiplomacyModel

    rows: list[Row] = []
    run_batch(calibrated_spec(2, months=2), np.arange(2))  # warm-up (imports, fast paths)
    for runs in batches:
        spec = calibrated_spec(runs, months=months, batch_size=runs)
        run_ids = np.arange(runs)
        repeats = 1 if quick else 3
        for label, function in (
            ("kernel", lambda s=spec, r=run_ids: kernel_run(s, r)),
            ("recorded batch", lambda s=spec, r=run_ids: run_batch(s, r)),
        ):
            seconds = best_time(function, min_seconds=2.0, max_repeats=repeats)
            note = f"{months} months, best of repeats"
            rows.append(
                Row(
                    "steps",
                    f"{label}, batch of {runs}: per step",
                    seconds / months * 1e3,
                    "ms",
                    note,
                )
            )
            rows.append(
                Row("steps", f"{label}, batch of {runs}: per run", seconds / runs * 1e3, "ms")
            )

    from sim.loop import MonthlyLoop

    largest = max(batches)
    spec = calibrated_spec(largest, months=months, batch_size=largest)

    def numpy_kernel() -> None:
        loop = MonthlyLoop(
            spec.world, spec.params, spec.seed, np.arange(largest), spec.start, backend="numpy"
        )
        loop.run(months)

    compiled = best_time(lambda: kernel_run(spec, np.arange(largest)), 2.0, 1 if quick else 3)
    reference = best_time(numpy_kernel, 2.0, 1)
    rows.append(
        Row(
            "steps",
            f"numpy reference kernel, batch of {largest}: per run",
            reference / largest * 1e3,
            "ms",
            f"compiled kernel {reference / compiled:.1f}x faster in the same run",
        )
    )

    def one_model_run() -> tuple[float, float]:
        began = time.perf_counter()
        model = DiplomacyModel(rng=0, run_id=0, end=add_months(START, months))
        built = time.perf_counter()
        for _ in range(months):
            model.step()
        return built - began, time.perf_counter() - built

    one_model_run()  # warm-up
    timings = [one_model_run() for _ in range(1 if quick else 3)]
    build, stepping = min(t[0] for t in timings), min(t[1] for t in timings)
    rows.append(Row("steps", "DiplomacyModel, 1 run: per step", stepping / months * 1e3, "ms"))
    rows.append(
        Row(
            "steps",
            "DiplomacyModel, 1 run: per run",
            (build + stepping) * 1e3,
            "ms",
            f"construction {build * 1e3:.0f} ms + {months} steps",
        )
    )
    return rows


def section_throughput(runs: int, recorded_runs: int, months: int, batch_size: int) -> list[Row]:
    """Runs/s of the kernel-only and the recorded ensemble: one thread, every core as
    threads of one process (what ``workers=auto`` does), and 2 worker processes.

    Wall-clock runs/s, plus in the note the CPU seconds: of the process for threads,
    of the busier process for processes.
    """
    rows: list[Row] = []
    cores = os.cpu_count() or 1
    kernel_spec = calibrated_spec(runs, months=months, batch_size=batch_size)
    one, seconds_one, cpu_one = kernel_block(kernel_spec)
    threaded, seconds_threads, cpu_threads = kernel_block(kernel_spec, cores)
    blocks = split_spec(kernel_spec, 2)
    parts, startup, work = in_processes(kernel_block, blocks, 2)
    two = {name: np.concatenate([p[0][name] for p in parts]) for name in one}
    same_threads = all(np.array_equal(one[name], threaded[name]) for name in one)
    same_processes = all(np.array_equal(one[name], two[name]) for name in one)
    cpu_two = max(p[2] for p in parts)
    blocks_note = " + ".join(f"{b.first_run}..{b.first_run + b.runs - 1}" for b in blocks)
    case = f"{runs} runs x {months} months"
    rows += [
        Row(
            "throughput",
            f"kernel only, {case}, 1 thread",
            runs / seconds_one,
            "runs/s",
            f"{seconds_one:.2f} s ({cpu_one:.2f} CPU s); batches of {batch_size}",
        ),
        Row(
            "throughput",
            f"kernel only, {case}, {cores} threads (workers=auto)",
            runs / seconds_threads,
            "runs/s",
            f"{seconds_threads:.2f} s ({cpu_threads:.2f} CPU s); final states identical to "
            f"1 thread: {same_threads}",
        ),
        Row(
            "throughput",
            f"kernel only, {case}, 2 processes",
            runs / (startup + work),
            "runs/s",
            f"{startup + work:.1f} s incl. {startup:.1f} s pool start-up ({cpu_two:.1f} CPU s "
            f"in the busier process); runs {blocks_note}; final states identical to 1 "
            f"process: {same_processes}",
        ),
    ]
    if runs == 10_000 and months == 120:
        rows.append(
            Row(
                "throughput",
                f"10,000 runs x 120 months, kernel only, {cores} threads: wall",
                seconds_threads,
                "s",
                f"one process, nothing to start; {seconds_one / seconds_threads:.2f}x one thread",
                judged(seconds_threads, 3.0, "s"),
            )
        )

    recorded_spec = calibrated_spec(recorded_runs, months=months, batch_size=batch_size)
    digests_one, seconds, cpu_one, hashing = ensemble_block(recorded_spec)
    digests_threads, seconds_t, cpu_t, _ = ensemble_block(recorded_spec, cores)
    blocks = split_spec(recorded_spec, 2)
    parts, startup, work = in_processes(ensemble_block, blocks, 2)
    digests_two = [d for part in parts for d in part[0]]
    hashing_two = max(part[3] for part in parts)
    cpu_two = max(part[2] for part in parts)
    case = f"{recorded_runs} runs x {months} months"
    rows += [
        Row(
            "throughput",
            f"recorded ensemble, every frame built, {case}, 1 thread",
            recorded_runs / seconds,
            "runs/s",
            f"{seconds:.1f} s (kernel + recorder + frames, no disk; "
            f"{hashing:.1f} s of frame hashing after it left out; {cpu_one:.1f} CPU s)",
        ),
        Row(
            "throughput",
            f"recorded ensemble, every frame built, {case}, {cores} threads",
            recorded_runs / seconds_t,
            "runs/s",
            f"{seconds_t:.1f} s ({cpu_t:.1f} CPU s); every batch's frames "
            f"identical to 1 thread: {digests_threads == digests_one}",
        ),
        Row(
            "throughput",
            f"recorded ensemble, every frame built, {case}, 2 processes",
            recorded_runs / (startup + work - hashing_two),
            "runs/s",
            f"{startup + work - hashing_two:.1f} s incl. {startup:.1f} s pool start-up "
            f"({cpu_two:.1f} CPU s in the busier process); every batch's frames identical "
            f"to 1 process: {digests_two == digests_one}",
        ),
    ]
    return rows


def section_mesa(runs: int, months: int, ensemble_rows: list[Row]) -> list[Row]:
    """``mesa.batch_run`` of :class:`DiplomacyModel` on 1 and 2 processes."""
    import mesa

    from sim.model import DiplomacyModel

    rows: list[Row] = []
    for processes in (1, 2):
        began = time.perf_counter()
        results = mesa.batch_run(
            DiplomacyModel,
            parameters={"world": "afghanistan", "start": START, "end": add_months(START, months)},
            rng=range(runs),
            max_steps=months,
            number_processes=processes,
            display_progress=False,
        )
        seconds = time.perf_counter() - began
        steps = {row["Step"] for row in results}
        rows.append(
            Row(
                "mesa",
                f"mesa.batch_run, {runs} runs x {months} months, {processes} process"
                + ("es" if processes > 1 else ""),
                runs / seconds,
                "runs/s",
                f"{seconds:.1f} s; last step collected: {int(max(steps))}",
            )
        )
    best = max(rows[0].value, rows[1].value)  # batch_run's faster setting
    for row in ensemble_rows:
        if row.section == "throughput" and row.unit == "runs/s" and "threads" in row.case:
            rows.append(
                Row(
                    "mesa",
                    f"{row.case.split(',')[0]}, every core as threads / batch_run (faster "
                    "of 1, 2 processes)",
                    row.value / best,
                    "x",
                    f"{row.value:.0f} against {best:.1f} runs/s",
                )
            )
    simulated = [r for r in ensemble_rows if r.section == "simulate" and r.unit == "runs/s"]
    if simulated:
        ratio = simulated[0].value / best
        rows.append(
            Row(
                "mesa",
                "sim.simulate (frames recorded, workers=auto) / batch_run (faster of 1, 2 "
                "processes)",
                ratio,
                "x",
                f"{simulated[0].value:.0f} against {best:.1f} runs/s",
                judged(ratio, 100.0, "x", below=False),
            )
        )
    return rows


def section_simulate(runs: int, months: int) -> list[Row]:
    """``sim.simulate`` of ``runs`` x ``months`` as a user calls it (``workers=auto``:
    every core, as threads), then every frame read (each is built when first read)."""
    import sim

    overrides = [f"runs={runs}", f"end={add_months(START, months)}", "progress=false"]
    sim.simulate([*overrides[:1], "runs=2", "end=2024-05", "workers=1"])  # imports, compiled code
    began, cpu = time.perf_counter(), time.process_time()
    results = sim.simulate(overrides)
    wall, work_cpu = time.perf_counter() - began, time.process_time() - cpu
    built = time.perf_counter()
    rows = sum(len(results.frame(name)) for name in FRAMES)
    frames_wall = time.perf_counter() - built
    note = (
        f"`sim.simulate({overrides})`: default parameters (posterior draws), dyads yearly, "
        f"workers=auto ({os.cpu_count()} threads); {work_cpu:.1f} CPU s; every month "
        "recorded, each frame built when first read"
    )
    judge = runs == 10_000 and months == 120
    return [
        Row(
            "simulate",
            f"sim.simulate, {runs} runs x {months} months: wall",
            wall,
            "s",
            note,
            judged(wall, 6.0, "s") if judge else "",
        ),
        Row("simulate", f"sim.simulate, {runs} runs x {months} months", runs / wall, "runs/s"),
        Row(
            "simulate",
            f"then reading all six frames ({rows:,} rows)",
            frames_wall,
            "s",
            f"simulate and every frame: {wall + frames_wall:.1f} s in all",
        ),
    ]


def _layout_kernels():
    """The relations update compiled in two layouts (for ``section_layout``)."""
    import math

    from numba import njit

    @njit(cache=False, error_model="numpy")
    def run_outer(affinity, fast, structural, weights, decay, rate):
        runs, n = affinity.shape[0], affinity.shape[1]
        acc = np.empty(n)
        pressure = np.empty((n, n))
        for r in range(runs):
            a = affinity[r]
            for i in range(n):
                for j in range(n):
                    acc[j] = 0.0
                for k in range(n):
                    w = a[i, k] * weights[k]
                    for j in range(i + 1, n):
                        acc[j] += w * a[k, j]
                for j in range(i + 1, n):
                    pressure[i, j] = acc[j]
            for i in range(n):
                for j in range(i + 1, n):
                    value = (1.0 - decay) * fast[r, i, j] + rate * pressure[i, j]
                    fast[r, i, j] = fast[r, j, i] = value
                    a[i, j] = a[j, i] = math.tanh(structural[i, j] + value)

    @njit(cache=False, error_model="numpy")
    def run_inner(affinity, fast, structural, weights, decay, rate):
        n, runs = affinity.shape[0], affinity.shape[2]
        pressure = np.zeros((n, n, runs))
        for i in range(n):
            for j in range(i + 1, n):
                for r in range(runs):
                    pressure[i, j, r] = 0.0
                for k in range(n):
                    for r in range(runs):
                        pressure[i, j, r] += affinity[i, k, r] * weights[k] * affinity[k, j, r]
        for i in range(n):
            for j in range(i + 1, n):
                for r in range(runs):
                    value = (1.0 - decay) * fast[i, j, r] + rate * pressure[i, j, r]
                    fast[i, j, r] = value
                    fast[j, i, r] = value
                    t = math.tanh(structural[i, j] + value)
                    affinity[i, j, r] = t
                    affinity[j, i, r] = t

    return run_outer, run_inner


def section_layout(runs: int = 1000, months: int = 24) -> list[Row]:
    """Run-outer loops against the run axis as the inner loop, on the relations update."""
    run_outer, run_inner = _layout_kernels()
    spec = calibrated_spec(runs, months=2, batch_size=runs)
    state = kernel_run(spec, np.arange(runs))
    structural = np.arctanh(np.clip(spec.world.structure, -0.999, 0.999))
    weights = np.asarray(spec.world.capability, dtype=float)
    rows = []
    timings = {}
    for name, function, transpose in (
        ("run-outer", run_outer, False),
        ("run-inner", run_inner, True),
    ):
        affinity, fast = state.affinity.copy(), state.fast.copy()
        if transpose:
            affinity = np.ascontiguousarray(affinity.transpose(1, 2, 0))
            fast = np.ascontiguousarray(fast.transpose(1, 2, 0))
        function(affinity.copy(), fast.copy(), structural, weights, 0.03, 0.05)  # compile
        began = time.process_time()
        for _ in range(months):
            function(affinity, fast, structural, weights, 0.03, 0.05)
        timings[name] = (time.process_time() - began) / (runs * months)
        rows.append(
            Row(
                "layout",
                f"relations update, {name} layout: per run-month",
                timings[name] * 1e6,
                "us",
                f"calibrated world, {runs} runs, CPU time",
            )
        )
    rows.append(
        Row(
            "layout",
            "run-inner / run-outer time",
            timings["run-inner"] / timings["run-outer"],
            "x",
            "below 1: the run axis inner is faster on this dense part (see sim.arenas.compiled)",
        )
    )
    return rows


def section_fit(timeout: float = 1800.0) -> list[Row]:
    """Wall time of the default posterior fit (``python -m sim.fit --dry-run``)."""
    command = [sys.executable, "-m", "sim.fit", "--dry-run"]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=timeout)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        return [Row("fit", "default posterior fit failed", float("nan"), "", done.stderr[-300:])]
    evaluations = next(
        (
            line.split(":", 1)[1].strip()
            for line in done.stdout.splitlines()
            if line.startswith("evaluations:")
        ),
        "?",
    )
    return [
        Row(
            "fit",
            "default posterior fit (python -m sim.fit), wall",
            wall / 60,
            "min",
            f"timed: `python -m sim.fit --dry-run` (population 200, 6 generations, 40 runs per "
            f"point, 2 processes), {evaluations} evaluations",
            judged(wall / 60, 10.0, "min"),
        ),
    ]


_RSS_WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "try:\n"
    "    import psutil\n"
    "except ImportError:\n"
    "    psutil = None\n"
    "began = time.perf_counter()\n"
    "child = subprocess.Popen(sys.argv[1:])\n"
    "peak = 0\n"
    "while child.poll() is None:\n"
    "    if psutil is not None:\n"
    "        try:\n"
    "            tree = [psutil.Process(child.pid)]\n"
    "            tree += tree[0].children(recursive=True)\n"
    "            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))\n"
    "        except psutil.Error:\n"
    "            pass\n"
    "    time.sleep(0.1)\n"
    "wall = time.perf_counter() - began\n"
    "largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
    "print(child.returncode, wall, max(peak, largest))\n"
)


def section_memory(runs: int, months: int, batch_size: int | None) -> list[Row]:
    """Wall time and peak RSS of ``python -m sim`` writing a sweep job to disk."""
    import json

    directory = Path(tempfile.mkdtemp(prefix="sim-bench-"))
    try:
        command = [
            sys.executable,
            "-m",
            "sim",
            f"runs={runs}",
            f"start={START}",
            f"end={add_months(START, months)}",
            "record.dyads_every=12",
            "record.plots=false",
            "progress=false",
            f"hydra.run.dir={directory / 'job'}",
        ]
        if batch_size is not None:
            command.append(f"batch_size={batch_size}")
        wrapper = subprocess.run(
            [sys.executable, "-c", _RSS_WRAPPER, *command],
            capture_output=True,
            text=True,
            check=False,
        )
        last = wrapper.stdout.strip().splitlines()[-1] if wrapper.stdout.strip() else ""
        fields = last.split()
        if wrapper.returncode != 0 or len(fields) != 3 or fields[0] != "0":
            return [Row("memory", "sweep job failed", float("nan"), "", wrapper.stderr[-300:])]
        wall, peak_kib = float(fields[1]), int(fields[2]) / 1024
        meta = json.loads((directory / "job" / "meta.json").read_text())
        size = sum(p.stat().st_size for p in (directory / "job").glob("*.parquet"))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    shown = " ".join(command[3:-1])
    batch_note = f"batch_size={batch_size}" if batch_size else "config batch_size"
    return [
        Row(
            "memory",
            f"sweep job {runs} runs x {months} months to parquet: wall",
            wall,
            "s",
            f"`python -m sim {shown}`; {meta['seconds']:.1f} s simulating + writing",
        ),
        Row(
            "memory",
            f"sweep job {runs} runs x {months} months to parquet: peak RSS",
            peak_kib / 1024,
            "MiB",
            f"sum over the job's processes (parent and workers, sampled every 0.1 s); "
            f"{batch_note}; {size / 2**20:.0f} MiB of parquet",
            judged(peak_kib / 1024, 1024.0, "MiB") if runs >= 100_000 else "",
        ),
    ]


def best_cpu_time(function: Callable[[], object], repeats: int = 3) -> float:
    """Smallest CPU time (this process) of ``repeats`` calls: one process's work, which
    other jobs on the machine disturb less than the wall clock."""
    times = []
    for _ in range(repeats):
        began = time.process_time()
        function()
        times.append(time.process_time() - began)
    return min(times)


def section_scaling(
    actors: Iterable[int], months_grid: Iterable[int], runs: int, months: int
) -> list[Row]:
    """CPU time per run-month against actors (synthetic worlds) and against months."""
    rows: list[Row] = []
    sizes, kernel_cost, recorded_cost = [], [], []
    for n in actors:
        spec = calibrated_spec(runs, months=months, batch_size=runs, world=synthetic_world(n, 6, 0))
        run_ids = np.arange(runs)
        kernel_run(spec, run_ids[:2])  # warm-up for this size
        run_batch(spec, run_ids[:2])
        kernel = best_cpu_time(lambda s=spec, r=run_ids: kernel_run(s, r)) / (runs * months)
        recorded = best_cpu_time(lambda s=spec, r=run_ids: run_batch(s, r)) / (runs * months)
        sizes.append(n)
        kernel_cost.append(kernel)
        recorded_cost.append(recorded)
        note = f"synthetic_world({n}, 6, 0), {runs} runs x {months} months, CPU time"
        rows.append(Row("scaling", f"{n} actors: kernel per run-month", kernel * 1e6, "us", note))
        rows.append(Row("scaling", f"{n} actors: recorded per run-month", recorded * 1e6, "us"))
    if len(sizes) >= 2:
        for label, cost in (("kernel", kernel_cost), ("recorded", recorded_cost)):
            slope = float(np.polyfit(np.log(sizes), np.log(cost), 1)[0])
            tail = math.log(cost[-1] / cost[-2]) / math.log(sizes[-1] / sizes[-2])
            rows.append(
                Row(
                    "scaling",
                    f"{label}: log-log slope over actors",
                    slope,
                    "exponent",
                    f"fit over {sizes}",
                )
            )
            rows.append(
                Row(
                    "scaling",
                    f"{label}: cost growth from {sizes[-2]} to {sizes[-1]} actors",
                    tail,
                    "exponent",
                    "log(cost ratio) / log(size ratio)",
                    judged(tail, 2.2, "") if label == "kernel" and sizes[-2:] == [48, 96] else "",
                )
            )
    world = synthetic_world(12, 6, 0)
    for length in months_grid:
        spec = calibrated_spec(runs, months=length, batch_size=runs, world=world)
        run_ids = np.arange(runs)
        kernel = best_time(lambda s=spec, r=run_ids: kernel_run(s, r), 1.0, 3) / (runs * length)
        recorded = best_time(lambda s=spec, r=run_ids: run_batch(s, r), 1.0, 3) / (runs * length)
        note = f"synthetic_world(12, 6, 0), {runs} runs"
        rows.append(
            Row("scaling", f"{length} months: kernel per run-month", kernel * 1e6, "us", note)
        )
        rows.append(
            Row("scaling", f"{length} months: recorded per run-month", recorded * 1e6, "us")
        )
    return rows


# ----------------------------------------------------------------------------------
# Table
# ----------------------------------------------------------------------------------


def machine_rows() -> list[Row]:
    """What the numbers were measured on."""
    import mesa
    import pandas as pd

    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from sim import alignment

    backend = getattr(alignment, "bloc_detection_backend", None)
    fast = backend() if backend is not None else "numpy"
    versions = (
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, mesa {mesa.__version__}; bloc detection: {fast}"
    )
    return [
        Row("machine", "CPUs (os.cpu_count)", float(os.cpu_count() or 0), "", model),
        Row("machine", "load average (1 min) at start", os.getloadavg()[0], "", versions),
    ]


def format_value(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def to_markdown(rows: list[Row]) -> str:
    header = (
        "| section | case | value | unit | target | note |\n"
        "| --- | --- | ---: | --- | --- | --- |\n"
    )
    return header + "".join(
        f"| {r.section} | {r.case} | {format_value(r.value)} | {r.unit} | {r.target} | {r.note} |\n"
        for r in rows
    )


def to_text(rows: list[Row]) -> str:
    table = [
        (
            r.section,
            r.case,
            format_value(r.value),
            r.unit,
            f"[{r.target}] " if r.target else "",
            r.note,
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    lines = []
    for section, case, value, unit, target, note in table:
        lines.append(
            f"{section:<{widths[0]}}  {case:<{widths[1]}}  {value:>{widths[2]}} "
            f"{unit:<{widths[3]}}  {target}{note}".rstrip()
        )
    return "\n".join(lines)


def write_table(rows: list[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["section", "case", "value", "unit", "target", "note"])
            for r in rows:
                writer.writerow([r.section, r.case, repr(r.value), r.unit, r.target, r.note])
    else:
        path.write_text(to_markdown(rows))


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/bench.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--out", type=Path, help="also write the table here (.csv or .md)")
    parser.add_argument("--only", default="", help="comma-separated sections (default: all)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--runs", type=int, default=10_000, help="kernel-only ensemble runs")
    parser.add_argument("--recorded-runs", type=int, default=10_000, help="recorded ensemble runs")
    parser.add_argument("--batch-size", type=int, default=1000, help="ensemble batch size")
    parser.add_argument("--mesa-runs", type=int, default=100, help="mesa.batch_run runs")
    parser.add_argument("--sweep-runs", type=int, default=100_000, help="sweep job runs")
    parser.add_argument("--simulate-runs", type=int, default=10_000, help="sim.simulate runs")
    parser.add_argument("--sweep-batch-size", type=int, default=None, help="sweep job batch_size")
    parser.add_argument("--scale-runs", type=int, default=100, help="runs per scaling point")
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.only.split(",") if s.strip()] or list(SECTIONS)
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    months = 120
    batches = (1, 100, 1000)
    actors, months_grid = (12, 24, 48, 96), (60, 120, 240)
    if args.quick:
        months, batches = 24, (1, 20)
        args.runs = args.recorded_runs = min(args.runs, 200)
        args.batch_size = min(args.batch_size, 50)
        args.mesa_runs = min(args.mesa_runs, 4)
        args.sweep_runs, args.scale_runs = min(args.sweep_runs, 100), min(args.scale_runs, 10)
        args.simulate_runs = min(args.simulate_runs, 100)
        actors, months_grid = (12, 24), (12, 24)

    rows = machine_rows()
    print(to_text(rows), flush=True)
    done = len(rows)
    for section in SECTIONS:
        if section not in sections:
            continue
        if section == "steps":
            rows += section_steps(batches, months, args.quick)
        elif section == "throughput":
            rows += section_throughput(args.runs, args.recorded_runs, months, args.batch_size)
        elif section == "simulate":
            rows += section_simulate(args.simulate_runs, months)
        elif section == "layout":
            rows += section_layout(runs=100 if args.quick else 1000, months=2 if args.quick else 24)
        elif section == "fit":
            if args.quick and "fit" not in args.only.split(","):
                continue
            rows += section_fit()
        elif section == "mesa":
            ensemble = [r for r in rows if r.section in ("throughput", "simulate")]
            rows += section_mesa(args.mesa_runs, months, ensemble)
        elif section == "memory":
            rows += section_memory(args.sweep_runs, months, args.sweep_batch_size)
        elif section == "scaling":
            rows += section_scaling(actors, months_grid, args.scale_runs, months)
        print(to_text(rows[done:]), flush=True)
        done = len(rows)
    rows.append(Row("machine", "load average (1 min) at end", os.getloadavg()[0], ""))
    print(to_text(rows[-1:]))
    print()
    print(to_markdown(rows))
    if args.out is not None:
        write_table(rows, args.out)
        print(f"written: {args.out}")
    return rows


if __name__ == "__main__":
    main()
