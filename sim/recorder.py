"""Record a batch of runs month by month and turn it into tidy frames.

A :class:`Recorder` observes a :class:`~sim.loop.MonthlyLoop`: it keeps compact numpy
arrays while the loop runs, and builds the public frames once at the end of the batch
(:mod:`sim.results` documents their columns; :mod:`sim.events` the event kinds).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import pandas as pd

from sim import alignment
from sim.alignment import balanced_triad_share_batch, blocs_to_string, detect_blocs_batch
from sim.arenas.trade import transit_shares
from sim.events import EVENT_KINDS, shock_ends, state_event_masks
from sim.kernel import StepRecord, compiled_arenas
from sim.ladder import DE_FACTO, DE_JURE
from sim.loop import MonthlyLoop
from sim.parallel import over_runs
from sim.results import FRAMES, month_ordinal, months_from_ordinals
from sim.state import SimState
from sim.world import World


@functools.cache
def _arrow_string_dtype() -> pd.StringDtype | None:
    """pandas' default dtype for a column of Python strings, if arrow-backed, else None."""
    dtype = pd.Series(np.array(["x"], dtype=object)).dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return dtype
    return None


def string_column(
    labels: list[str], codes: np.ndarray
) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """The column ``np.array(labels, dtype=object)[codes]`` as a frame would hold it.

    The plain path is that object array (pandas converts it to its default string
    dtype when the frame is built).  Where that default is arrow-backed (pandas 3),
    the same array is built directly in arrow, a take from the few labels, which
    skips converting one Python string per row; ``tests/test_speed_paths.py``
    checks both paths give equal frames.  Negative codes count from the end, as in
    numpy indexing.
    """
    dtype = _arrow_string_dtype()
    if dtype is None:
        return np.array(labels, dtype=object)[codes]
    import pyarrow as pa

    codes = np.where(codes < 0, codes + len(labels), codes)
    taken = pa.array(labels, type=pa.large_string()).take(pa.array(codes))
    return pd.arrays.ArrowStringArray(taken, dtype=dtype)


def balanced_triad_shares(affinity: np.ndarray) -> np.ndarray:
    """:func:`sim.alignment.balanced_triad_share_batch` of kernel affinities, faster.

    The triad counts are sums of products of tie signs, integers that float64
    holds exactly in any order, so counting both kinds in one stacked matrix
    product and skipping the input checks that an exactly symmetric batch within
    [-1, 1] passes anyway gives the same shares; ``tests/test_speed_paths.py``
    checks it.  Anything else goes to the plain function.
    """
    if not (
        affinity.dtype == np.float64
        and affinity.ndim == 3
        and affinity.size
        and np.abs(affinity).max() <= 1.0
        and np.array_equal(affinity, affinity.transpose(0, 2, 1))
    ):
        return balanced_triad_share_batch(affinity)
    runs, n = affinity.shape[:2]
    signs = np.sign(affinity)
    signs[:, np.arange(n), np.arange(n)] = 0.0
    stacked = np.concatenate([np.abs(signs), signs])  # ties present, then their signs
    counts = np.einsum("rij,rij->r", stacked @ stacked, stacked)
    closed_triads, signed_triads = counts[:runs] / 6.0, counts[runs:] / 6.0
    balanced = 0.5 * (closed_triads + signed_triads)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(closed_triads > 0, balanced / closed_triads, np.nan)


def _kernel_blocs(affinity: np.ndarray) -> np.ndarray:
    """:func:`sim.alignment.detect_blocs_batch` of the kernel's affinities, compiled.

    The kernel keeps affinities exactly symmetric, in (-1, 1), with a zero diagonal,
    which is what the input checks of ``detect_blocs_batch`` establish; so its compiled
    loop is called directly on them, with the same tie weights and tolerance (the
    labels are identical: ``tests/test_recorder_paths.py``).
    """
    kernel = alignment._compiled_bloc_kernel()
    if kernel is None:
        return detect_blocs_batch(affinity)
    labels = np.empty(affinity.shape[:2], dtype=np.int64)
    affinity = np.ascontiguousarray(affinity)
    tolerance = alignment._RELATIVE_TOLERANCE * np.abs(affinity).sum(axis=(1, 2))
    kernel(affinity, tolerance, labels)
    return labels


def _frame(columns: dict[str, object]) -> pd.DataFrame:
    """A frame of freshly built columns, without pandas copying them again.

    ``pd.DataFrame(dict)`` copies every numpy column into one 2-D block per dtype;
    the recorder's columns are new arrays (or views of arrays it drops), so that
    copy only doubles the memory and time of a batch's frames.  The frame's values
    and dtypes are the same either way.
    """
    return pd.DataFrame(columns, copy=False)


def partition_frustration(affinity: np.ndarray, blocs: np.ndarray) -> np.ndarray:
    """(R,) weighted frustration of the month's bloc partition.

    The total |affinity| of hostile ties inside blocs plus friendly ties across
    them, over unordered pairs (Doreian and Mrvar's criterion for a partition into
    any number of blocs): zero when the detected blocs are perfectly clusterable.
    With two blocs it bounds the frustration index of
    :func:`sim.alignment.frustration_index` from above (that one minimises over all
    two-bloc partitions: exact, but too costly to run every month).
    """
    same = blocs[:, :, None] == blocs[:, None, :]
    violated = np.where(same, np.maximum(-affinity, 0.0), np.maximum(affinity, 0.0))
    return np.triu(violated, 1).sum(axis=(1, 2))


@dataclass(frozen=True)
class RecordOptions:
    """What to record.

    Attributes:
        dyads_every: record the dyad affinities every k months (default 12: yearly;
            1 = monthly); the first and last month are always recorded.
    """

    dyads_every: int = 12


class Recorder:
    """Collects one batch's monthly arrays; :meth:`frames` builds the tables.

    ``threads``: the compiled monthly measures split the runs across this many threads
    (:mod:`sim.parallel`; the values do not depend on it).
    """

    def __init__(
        self,
        world: World,
        run_ids: np.ndarray,
        dates: list[str],
        options: RecordOptions,
        threads: int = 1,
    ) -> None:
        self.world = world
        self.threads = threads
        self.run_ids = np.asarray(run_ids)
        self.dates = dates
        self._start_ordinal = month_ordinal(dates[0])
        self.options = options
        runs, months, n, g = len(run_ids), len(dates), world.n_actors, world.n_groups
        self.recognition = np.zeros((runs, months, n), dtype=np.int8)
        self.affinity_target = np.zeros((runs, months, n), dtype=np.float32)
        self.target_imports = np.zeros((runs, months, n), dtype=np.float32)
        self.target_exports = np.zeros((runs, months, n), dtype=np.float32)
        self.attacks = np.zeros((runs, months, n), dtype=np.int16)
        self.blocs = np.zeros((runs, months, n), dtype=np.int8)
        self.border_open = np.zeros((runs, months, n), dtype=bool)
        self.transit = np.zeros((runs, months, n), dtype=np.float32)
        self.confrontation = np.zeros((runs, months, n), dtype=bool)
        self.strength = np.zeros((runs, months, g), dtype=np.float32)
        self.effort = np.zeros((runs, months, g), dtype=np.float32)
        self.emirate = np.zeros((runs, months, 5), dtype=np.float32)
        self.balanced = np.zeros((runs, months), dtype=np.float32)
        self.frustration = np.zeros((runs, months), dtype=np.float32)
        self.dyad_months = sorted(
            set(range(0, months, max(options.dyads_every, 1))) | {0, months - 1}
        )
        self.dyads = np.zeros((runs, len(self.dyad_months), n, n), dtype=np.float32)
        self.events: list[tuple[np.ndarray, ...]] = []
        self.kinds: dict[str, int] = {}

    # -- observer of a MonthlyLoop -------------------------------------------------
    def on_start(self, loop: MonthlyLoop) -> None:
        """Record the starting state (month index 0)."""
        self.world = loop.world
        self.snapshot(0, loop.state)

    def on_month(self, loop: MonthlyLoop, record: StepRecord) -> None:
        """Record the state after a month and what happened during it."""
        self.world = loop.world  # the world in force (structural changes apply from a month)
        self.snapshot(loop.month, loop.state)
        self.record_step(loop.month, record)

    def snapshot(self, month: int, state: SimState) -> None:
        """Record the state at month index ``month`` (0 = start)."""
        compiled = compiled_arenas()
        if compiled is not None:
            self._snapshot_compiled(compiled, month, state)
            return
        world = self.world
        self.recognition[:, month] = state.recognition
        if world.target is not None:
            self.affinity_target[:, month] = state.affinity[:, :, world.target]
        self.target_imports[:, month] = state.target_imports
        self.target_exports[:, month] = state.target_exports
        self.blocs[:, month] = detect_blocs_batch(state.affinity)
        self.balanced[:, month] = balanced_triad_shares(state.affinity)
        self.frustration[:, month] = partition_frustration(state.affinity, self.blocs[:, month])
        self.border_open[:, month] = state.border_open
        self.transit[:, month] = transit_shares(state, world)
        self.confrontation[:, month] = state.confrontation > 0
        self.strength[:, month] = state.strength
        self.effort[:, month] = state.effort
        for k, lever in enumerate(
            (state.inclusivity, state.hardliners, state.water, state.aid, state.border)
        ):
            self.emirate[:, month, k] = lever
        if month in self.dyad_months:
            self.dyads[:, self.dyad_months.index(month)] = state.affinity

    def _snapshot_compiled(self, compiled: ModuleType, month: int, state: SimState) -> None:
        """:meth:`snapshot` by the compiled measures and copy, in one pass per block of
        runs on the recorder's threads (the same values as the numpy statements)."""
        world = self.world
        target = -1 if world.target is None else int(world.target)
        dyad_slot = self.dyad_months.index(month) if month in self.dyad_months else -1
        affinity = np.ascontiguousarray(state.affinity)
        capacity = np.ascontiguousarray(world.transit_capacity, dtype=np.float64)
        sources = (
            state.recognition,
            affinity,
            state.target_imports,
            state.target_exports,
            state.border_open,
            state.confrontation,
            state.strength,
            state.effort,
            state.inclusivity,
            state.hardliners,
            state.water,
            state.aid,
            state.border,
        )
        copies = (
            self.recognition,
            self.affinity_target,
            self.target_imports,
            self.target_exports,
            self.border_open,
            self.confrontation,
            self.strength,
            self.effort,
            self.emirate,
            self.dyads,
        )
        runs = state.runs
        labels = np.empty((runs, world.n_actors), dtype=np.int64)
        balanced = np.empty(runs)
        frustration = np.empty(runs)
        shares = np.empty((runs, world.n_actors))

        def block(first: int, stop: int) -> None:
            rows = slice(first, stop)
            a = affinity[rows]
            compiled.copy_month(
                month,
                target,
                dyad_slot,
                tuple(s[rows] for s in sources),
                tuple(c[rows] for c in copies),
            )
            labels[rows] = _kernel_blocs(a)
            compiled.month_measures(a, labels[rows], balanced[rows], frustration[rows])
            if target >= 0:
                compiled.transit_shares(a, state.border_open[rows], capacity, target, shares[rows])

        over_runs(block, runs, self.threads)
        self.blocs[:, month] = labels
        self.balanced[:, month] = balanced
        self.frustration[:, month] = frustration
        self.transit[:, month] = shares if target >= 0 else transit_shares(state, world)

    def record_step(self, month: int, record: StepRecord) -> None:
        """Record what happened during the step that produced month ``month``.

        The events are :func:`sim.events.month_events`' rows, found with one
        ``nonzero`` for the attacks and one for every per-state kind stacked (one
        compiled pass, :func:`sim.arenas.compiled.month_event_rows`, where numba is):
        within a run and month they come in the same order (kind, then actor), which
        is the order the events frame keeps.
        """
        world = self.world
        n = world.n_actors
        runs = record.strikes.shape[0]
        by_kind = state_event_masks(record)
        masks = np.stack(list(by_kind.values()), axis=1)
        compiled = compiled_arenas()
        if compiled is not None:
            totals = np.empty((runs, n), dtype=np.int64)
            hit_runs, columns, counts, event_runs, kinds, actors = compiled.month_event_rows(
                np.ascontiguousarray(record.attacks), masks, totals
            )
            self.attacks[:, month] = totals
        else:
            self.attacks[:, month] = record.attacks.sum(axis=1)
            flat = record.attacks.reshape(runs, -1)
            hit_runs, columns = np.nonzero(flat)
            counts = flat[hit_runs, columns].astype(np.int64)
            event_runs, kinds, actors = np.nonzero(masks)
        if hit_runs.size:
            self._add_events(
                hit_runs, month, self._kind("attack"), n + columns // n, columns % n, counts
            )
        if event_runs.size:
            codes = np.array([self._kind(kind) for kind in by_kind])
            target = -1 if world.target is None else world.target
            self._add_events(
                event_runs,
                month,
                codes[kinds],
                actors,
                np.full(actors.size, target),
                np.ones(actors.size, dtype=np.int64),
            )
        target = -1 if world.target is None else world.target
        everyone = np.arange(runs)
        for shock in record.shocks:  # as month_events names a shock's actor and target
            actor, shock_target = shock_ends(shock, world)
            self._add_events(
                everyone,
                month,
                self._kind(f"shock:{shock.label}"),
                np.full(runs, actor),
                np.full(runs, shock_target),
                np.ones(runs, dtype=np.int64),
            )

    def _add_events(self, runs, month, kinds, actors, targets, counts) -> None:
        size = runs.size
        self.events.append(
            (
                runs,
                np.full(size, month),
                np.broadcast_to(kinds, (size,)) if np.ndim(kinds) == 0 else kinds,
                actors,
                targets,
                counts,
            )
        )

    def _dates(self, month_indices: np.ndarray) -> pd.arrays.PeriodArray:
        """Dates as ``period[M]`` (month index 0 = the first date)."""
        return months_from_ordinals(self._start_ordinal + np.asarray(month_indices, dtype=np.int64))

    def _actors(self, actor_indices: np.ndarray) -> pd.Categorical:
        """Actor codes as a categorical."""
        return pd.Categorical.from_codes(actor_indices, categories=list(self.world.codes))

    def _kind(self, kind: str) -> int:
        if kind not in self.kinds:
            self.kinds[kind] = len(self.kinds)
        return self.kinds[kind]

    def _events_frame(self) -> pd.DataFrame:
        names = [*self.world.codes, *self.world.group_codes]
        # every kind of the table, then the scenario's shocks: the same categories in
        # every batch of an ensemble, whatever happened in it
        kinds = [k for k in EVENT_KINDS if k != "shock"]
        kinds += sorted(k for k in self.kinds if k not in EVENT_KINDS)
        recode = np.array([kinds.index(k) for k in self.kinds], dtype=np.int64)
        if not self.events:
            empty = np.zeros(0, dtype=np.int64)
            runs = months = kind_codes = actors = targets = counts = empty
        else:
            runs, months, kind_codes, actors, targets, counts = (
                np.concatenate(parts) for parts in zip(*self.events, strict=True)
            )
        order = np.lexsort((months, runs))
        return _frame(
            {
                "run": self.run_ids[runs[order]].astype(np.int64),
                "date": self._dates(months[order]),
                "kind": pd.Categorical.from_codes(
                    recode[kind_codes[order]] if len(recode) else kind_codes, categories=kinds
                ),
                # -1 (no one) is a missing value
                "actor": pd.Categorical.from_codes(actors[order], categories=names),
                "target": pd.Categorical.from_codes(targets[order], categories=names),
                "count": counts[order].astype(np.int64),
            }
        )

    # ------------------------------------------------------------------------------
    def frames(self, seed: int) -> dict[str, pd.DataFrame]:
        """Build every public frame (see :class:`sim.results.Results`)."""
        return {name: self.frame(name, seed) for name in FRAMES}

    def frame(self, name: str, seed: int) -> pd.DataFrame:
        """Build the public frame ``name`` (one of :data:`sim.results.FRAMES`)."""
        builders = {
            "states": self._states_frame,
            "dyads": self._dyads_frame,
            "events": self._events_frame,
            "runs": functools.partial(self._runs_frame, seed),
            "groups": self._groups_frame,
            "emirate": self._emirate_frame,
        }
        return builders[name]()

    def _states_frame(self) -> pd.DataFrame:
        world = self.world
        runs, months, n = self.recognition.shape
        run_col = np.repeat(self.run_ids, months * n)
        date_col = self._dates(np.tile(np.repeat(np.arange(months), n), runs))
        actor_col = self._actors(np.tile(np.arange(n), runs * months))
        is_target = np.tile(~world.state_mask, runs * months)
        recognition = pd.array(self.recognition.reshape(-1).astype("int64"), dtype="Int8")
        recognition[is_target] = pd.NA
        affinity = self.affinity_target.reshape(-1).astype(float)
        exports_to = self.target_imports.reshape(-1).astype(float)
        imports_from = self.target_exports.reshape(-1).astype(float)
        if world.target is not None:
            affinity[is_target] = np.nan
            exports_to[is_target] = np.nan
            imports_from[is_target] = np.nan
        return _frame(
            {
                "run": run_col,
                "date": date_col,
                "actor": actor_col,
                "recognition": recognition,
                "affinity_afg": affinity,
                "exports_to_afg_musd": exports_to,
                "imports_from_afg_musd": imports_from,
                "attacks": self.attacks.reshape(-1).astype(np.int64),
                "bloc": self.blocs.reshape(-1).astype(np.int64),
                "border_open": self.border_open.reshape(-1),
                "transit_share": self.transit.reshape(-1).astype(float),
                "confrontation": self.confrontation.reshape(-1),
            }
        )

    def _dyads_frame(self) -> pd.DataFrame:
        runs, _months, n = self.recognition.shape
        dyad_months = np.array(self.dyad_months)
        i_index, j_index = np.nonzero(~np.eye(n, dtype=bool))
        k = len(self.dyad_months)
        return _frame(
            {
                "run": np.repeat(self.run_ids, k * len(i_index)),
                "date": self._dates(np.tile(np.repeat(dyad_months, len(i_index)), runs)),
                "actor": self._actors(np.tile(i_index, runs * k)),
                "partner": self._actors(np.tile(j_index, runs * k)),
                "affinity": self.dyads[:, :, i_index, j_index].reshape(-1).astype(float),
            }
        )

    def _groups_frame(self) -> pd.DataFrame:
        world = self.world
        runs, months, _n = self.recognition.shape
        g = world.n_groups
        return _frame(
            {
                "run": np.repeat(self.run_ids, months * g),
                "date": self._dates(np.tile(np.repeat(np.arange(months), g), runs)),
                "group": pd.Categorical.from_codes(
                    np.tile(np.arange(g), runs * months), categories=list(world.group_codes)
                ),
                "strength": self.strength.reshape(-1).astype(float),
                "effort": self.effort.reshape(-1).astype(float),
            }
        )

    def _emirate_frame(self) -> pd.DataFrame:
        runs, months, _n = self.recognition.shape
        return _frame(
            {
                "run": np.repeat(self.run_ids, months),
                "date": self._dates(np.tile(np.arange(months), runs)),
                "inclusivity": self.emirate[:, :, 0].reshape(-1).astype(float),
                "hardliner_influence": self.emirate[:, :, 1].reshape(-1).astype(float),
                "water_assertiveness": self.emirate[:, :, 2].reshape(-1).astype(float),
                "aid_level": self.emirate[:, :, 3].reshape(-1).astype(float),
                "border_restraint": self.emirate[:, :, 4].reshape(-1).astype(float),
                "balanced_triads": self.balanced.reshape(-1).astype(float),
                "frustration": self.frustration.reshape(-1).astype(float),
            }
        )

    def _runs_frame(self, seed: int) -> pd.DataFrame:
        """The per-run table (:data:`sim.results.SCHEMA` ``runs``)."""
        world = self.world
        runs, months, _n = self.recognition.shape
        mask = world.state_mask
        codes = list(world.codes)
        states = [i for i in range(world.n_actors) if mask[i]]
        de_jure = (self.recognition == DE_JURE) & mask[None, None, :]
        ever = de_jure.any(axis=2)
        first_month = np.where(ever.any(axis=1), ever.argmax(axis=1), -1)
        first_recognizer = np.full(runs, -1, dtype=np.int64)
        for r in np.flatnonzero(first_month >= 0):
            candidates = np.nonzero(de_jure[r, first_month[r]])[0]
            first_recognizer[r] = candidates[np.argmax(world.capability[candidates])]
        final_levels = self.recognition[:, -1, :].astype(np.int64)
        states_final = np.where(mask[None, :], final_levels, -1)
        end_blocs = self.blocs[:, -1]
        bloc_text = [blocs_to_string(end_blocs[r], codes) for r in range(runs)]
        columns: dict[str, object] = {
            "run": self.run_ids.astype(np.int64),
            "seed": np.full(runs, seed, dtype=np.int64),
            "first_recognizer": pd.Categorical.from_codes(first_recognizer, categories=codes),
            "first_recognition_date": months_from_ordinals(
                np.where(first_month >= 0, self._start_ordinal + first_month, pd.NaT.value)
            ),
            "months_to_first_recognition": np.where(first_month >= 0, first_month, np.nan).astype(
                float
            ),
            "n_de_jure_end": de_jure[:, -1, :].sum(axis=1).astype(np.int64),
            "n_recognizers_end": ((final_levels >= DE_FACTO) & mask[None, :])
            .sum(axis=1)
            .astype(np.int64),
            "max_level_end": states_final.max(axis=1).astype(np.int64),
            "top_recognizer_end": pd.Categorical.from_codes(
                states_final.argmax(axis=1), categories=codes
            ),
        }
        for i in states:
            columns[f"level_end_{codes[i]}"] = final_levels[:, i]
        columns["n_blocs_end"] = np.array(
            [len(np.unique(end_blocs[r])) for r in range(runs)], dtype=np.int64
        )
        columns["blocs_end"] = pd.Categorical(bloc_text, categories=sorted(set(bloc_text)))
        if world.target is not None:
            target_bloc = end_blocs[:, world.target]
            for i in states:
                columns[f"bloc_with_afg_end_{codes[i]}"] = end_blocs[:, i] == target_bloc
        columns["balanced_triads_end"] = self.balanced[:, -1].astype(float)
        columns["frustration_end"] = self.frustration[:, -1].astype(float)
        for i in states:
            columns[f"confrontation_months_{codes[i]}"] = (
                self.confrontation[:, 1:, i].sum(axis=1).astype(np.int64)
            )
        if world.target is not None:
            window = self.target_imports[:, max(months - 12, 0) :, :].astype(float)
            last12 = window.mean(axis=1) * 12.0
            for i in states:
                columns[f"afg_imports_musd_last12m_{codes[i]}"] = last12[:, i]
        return _frame(columns)
