"""Record a batch of runs month by month and turn it into tidy frames.

The recorder keeps compact numpy arrays while the kernel runs, and builds the
public frames once at the end of the batch (:mod:`sim.results` documents their
columns).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.alignment import balanced_triad_share_batch, blocs_to_string, detect_blocs_batch
from sim.arenas.trade import transit_shares
from sim.kernel import StepRecord
from sim.state import SimState
from sim.world import MAX_LEVEL, World


@dataclass(frozen=True)
class RecordOptions:
    """What to record.

    Attributes:
        dyads_every: record the dyad affinities every k months (1 = monthly);
            the first and last month are always recorded.
    """

    dyads_every: int = 1


class Recorder:
    """Collects one batch's monthly arrays; :meth:`frames` builds the tables."""

    def __init__(
        self,
        world: World,
        run_ids: np.ndarray,
        dates: list[str],
        options: RecordOptions,
    ) -> None:
        self.world = world
        self.run_ids = np.asarray(run_ids)
        self.dates = dates
        self.options = options
        runs, months, n, g = len(run_ids), len(dates), world.n_actors, world.n_groups
        self.recognition = np.zeros((runs, months, n), dtype=np.int8)
        self.affinity_target = np.zeros((runs, months, n), dtype=np.float32)
        self.imports = np.zeros((runs, months, n), dtype=np.float32)
        self.exports = np.zeros((runs, months, n), dtype=np.float32)
        self.attacks = np.zeros((runs, months, n), dtype=np.int16)
        self.blocs = np.zeros((runs, months, n), dtype=np.int8)
        self.border_open = np.zeros((runs, months, n), dtype=bool)
        self.transit = np.zeros((runs, months, n), dtype=np.float32)
        self.confrontation = np.zeros((runs, months, n), dtype=bool)
        self.strength = np.zeros((runs, months, g), dtype=np.float32)
        self.effort = np.zeros((runs, months, g), dtype=np.float32)
        self.emirate = np.zeros((runs, months, 4), dtype=np.float32)
        self.balanced = np.zeros((runs, months), dtype=np.float32)
        self.dyad_months = sorted(
            set(range(0, months, max(options.dyads_every, 1))) | {0, months - 1}
        )
        self.dyads = np.zeros((runs, len(self.dyad_months), n, n), dtype=np.float32)
        self.events: list[tuple[np.ndarray, ...]] = []
        self.kinds: dict[str, int] = {}

    def snapshot(self, month: int, state: SimState) -> None:
        """Record the state at month index ``month`` (0 = start)."""
        world = self.world
        self.recognition[:, month] = state.recognition
        if world.target is not None:
            self.affinity_target[:, month] = state.affinity[:, :, world.target]
        self.imports[:, month] = state.imports
        self.exports[:, month] = state.exports
        self.blocs[:, month] = detect_blocs_batch(state.affinity)
        self.border_open[:, month] = state.border_open
        self.transit[:, month] = transit_shares(state, world)
        self.confrontation[:, month] = state.confrontation > 0
        self.strength[:, month] = state.strength
        self.effort[:, month] = state.effort
        self.emirate[:, month] = np.stack(
            [state.inclusivity, state.hardliners, state.water, state.aid], axis=1
        )
        self.balanced[:, month] = balanced_triad_share_batch(state.affinity)
        if month in self.dyad_months:
            self.dyads[:, self.dyad_months.index(month)] = state.affinity

    def record_step(self, month: int, record: StepRecord) -> None:
        """Record what happened during the step that produced month ``month``."""
        self.attacks[:, month] = record.attacks.sum(axis=1)
        world = self.world
        n, g = world.n_actors, world.n_groups
        target = -1 if world.target is None else world.target

        def add(kind: str, mask: np.ndarray, actors: np.ndarray, targets: np.ndarray, counts=None):
            runs, columns = np.nonzero(mask)
            if runs.size == 0:
                return
            self.events.append(
                (
                    runs,
                    np.full(runs.size, month),
                    np.full(runs.size, self._kind(kind)),
                    actors[columns],
                    targets[columns],
                    np.ones(runs.size, dtype=np.int64) if counts is None else counts[runs, columns],
                )
            )

        actor_index = np.arange(n)
        to_target = np.full(n, target)
        # Attacks: actor = the group (coded n + group index), target = the state.
        attack_flat = record.attacks.reshape(len(self.run_ids), g * n)
        add(
            "attack",
            attack_flat > 0,
            n + np.repeat(np.arange(g), n),
            np.tile(actor_index, g),
            attack_flat,
        )
        add("strike", record.strikes, actor_index, to_target)
        add("border_closure", record.closures, actor_index, to_target)
        add("border_reopening", record.reopenings, actor_index, to_target)
        add("deportation_wave", record.deportations, actor_index, to_target)
        add("ct_cooperation", record.cooperation, actor_index, to_target)
        total_moves = record.moves + record.shock_moves
        add("recognition_up", total_moves > 0, actor_index, to_target)
        add("recognition_down", total_moves < 0, actor_index, to_target)
        everyone = np.ones((len(self.run_ids), 1), dtype=bool)
        for shock in record.shocks:
            if shock.group is not None:
                actor = n + shock.group
                shock_target = -1 if shock.actor is None else shock.actor
            else:
                actor = -1 if shock.actor is None else shock.actor
                shock_target = shock.partner if shock.partner is not None else target
            add(f"shock:{shock.label}", everyone, np.array([actor]), np.array([shock_target]))

    def _dates(self, month_indices: np.ndarray) -> pd.Categorical:
        """Dates as an ordered categorical of ``YYYY-MM`` strings."""
        return pd.Categorical.from_codes(month_indices, categories=self.dates, ordered=True)

    def _actors(self, actor_indices: np.ndarray) -> pd.Categorical:
        """Actor codes as a categorical."""
        return pd.Categorical.from_codes(actor_indices, categories=list(self.world.codes))

    def _kind(self, kind: str) -> int:
        if kind not in self.kinds:
            self.kinds[kind] = len(self.kinds)
        return self.kinds[kind]

    def _events_frame(self) -> pd.DataFrame:
        columns = ["run", "date", "kind", "actor", "target", "count"]
        if not self.events:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        runs, months, kinds, actors, targets, counts = (
            np.concatenate(parts) for parts in zip(*self.events, strict=True)
        )
        names = np.array([*self.world.codes, *self.world.group_codes, ""], dtype=object)
        kind_names = np.array(list(self.kinds), dtype=object)
        order = np.lexsort((months, runs))
        frame = pd.DataFrame(
            {
                "run": self.run_ids[runs[order]],
                "date": np.array(self.dates, dtype=object)[months[order]],
                "kind": kind_names[kinds[order]],
                "actor": names[actors[order]],
                "target": names[targets[order]],
                "count": counts[order].astype(np.int64),
            }
        )
        return frame

    # ------------------------------------------------------------------------------
    def frames(self, seed: int) -> dict[str, pd.DataFrame]:
        """Build the public frames (see :class:`sim.results.Results`)."""
        world = self.world
        runs, months, n = self.recognition.shape
        run_col = np.repeat(self.run_ids, months * n)
        date_col = self._dates(np.tile(np.repeat(np.arange(months), n), runs))
        actor_col = self._actors(np.tile(np.arange(n), runs * months))
        is_target = np.tile(~world.state_mask, runs * months)
        recognition = pd.array(self.recognition.reshape(-1).astype("int64"), dtype="Int8")
        recognition[is_target] = pd.NA
        affinity = self.affinity_target.reshape(-1).astype(float)
        exports_to = self.imports.reshape(-1).astype(float)
        imports_from = self.exports.reshape(-1).astype(float)
        if world.target is not None:
            affinity[is_target] = np.nan
            exports_to[is_target] = np.nan
            imports_from[is_target] = np.nan
        states = pd.DataFrame(
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

        dyad_months = np.array(self.dyad_months)
        i_index, j_index = np.nonzero(~np.eye(n, dtype=bool))
        k = len(self.dyad_months)
        dyads = pd.DataFrame(
            {
                "run": np.repeat(self.run_ids, k * len(i_index)),
                "date": self._dates(np.tile(np.repeat(dyad_months, len(i_index)), runs)),
                "actor": self._actors(np.tile(i_index, runs * k)),
                "partner": self._actors(np.tile(j_index, runs * k)),
                "affinity": self.dyads[:, :, i_index, j_index].reshape(-1).astype(float),
            }
        )

        g = world.n_groups
        groups = pd.DataFrame(
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
        emirate = pd.DataFrame(
            {
                "run": np.repeat(self.run_ids, months),
                "date": self._dates(np.tile(np.arange(months), runs)),
                "inclusivity": self.emirate[:, :, 0].reshape(-1).astype(float),
                "hardliner_influence": self.emirate[:, :, 1].reshape(-1).astype(float),
                "water_assertiveness": self.emirate[:, :, 2].reshape(-1).astype(float),
                "aid_level": self.emirate[:, :, 3].reshape(-1).astype(float),
                "balanced_triads": self.balanced.reshape(-1).astype(float),
            }
        )
        events = self._events_frame()
        return {
            "states": states,
            "dyads": dyads,
            "events": events,
            "groups": groups,
            "emirate": emirate,
            "runs": self._runs_frame(seed),
        }

    def _runs_frame(self, seed: int) -> pd.DataFrame:
        world = self.world
        runs, _months, _n = self.recognition.shape
        mask = world.state_mask
        de_jure = (self.recognition == MAX_LEVEL) & mask[None, None, :]
        ever = de_jure.any(axis=2)
        first_month = np.where(ever.any(axis=1), ever.argmax(axis=1), -1)
        first_recognizer: list[str | None] = []
        first_date: list[str | None] = []
        for r in range(runs):
            month = first_month[r]
            if month < 0:
                first_recognizer.append(None)
                first_date.append(None)
                continue
            candidates = np.nonzero(de_jure[r, month])[0]
            best = candidates[np.argmax(world.capability[candidates])]
            first_recognizer.append(world.codes[best])
            first_date.append(self.dates[month])
        final_levels = self.recognition[:, -1, :]
        states_final = np.where(mask[None, :], final_levels, -1)
        top = states_final.argmax(axis=1)
        frame = pd.DataFrame(
            {
                "run": self.run_ids,
                "seed": seed,
                "first_recognizer": pd.array(first_recognizer, dtype="string"),
                "first_recognition_date": pd.array(first_date, dtype="string"),
                "n_de_jure_end": (de_jure[:, -1, :]).sum(axis=1),
                "n_de_facto_end": ((final_levels >= 4) & mask[None, :]).sum(axis=1),
                "max_level_end": states_final.max(axis=1),
                "top_recognizer_end": np.array(world.codes)[top],
                "blocs_end": [blocs_to_string(self.blocs[r, -1], world.codes) for r in range(runs)],
                "balanced_triads_end": self.balanced[:, -1].astype(float),
            }
        )
        for i, code in enumerate(world.codes):
            if mask[i]:
                frame[f"confrontation_months_{code}"] = self.confrontation[:, 1:, i].sum(axis=1)
        return frame
