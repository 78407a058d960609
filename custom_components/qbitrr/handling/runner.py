"""One handling run: gather on the event loop, plan in a worker, execute, remember, report.

One run at a time: a second caller waits for the first. Nothing in an Arr's category is judged
while that Arr's last poll failed (its queue may be out of date), and a hash whose owning
instance cannot be polled is left for later; the response says which and why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
import time
from typing import Any, Final

from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from ..api.qbittorrent import QbitError
from ..const import CONF_KEEP_CASE_VARIANTS, DOMAIN, LOGGER
from ..coordinator import ArrCoordinator, QbitCoordinator
from ..entries import arr_coordinators, qbit_coordinators, qbit_entries, reachable_instances
from ..errors import ARR_UNAVAILABLE
from ..model.torrent import TorrentKey
from ..policy.inputs import ArrView, InstanceView
from ..policy.model import REMOVALS, Action, HistoryEntry, Plan, PolicyInput
from ..policy.options import settings_from_options
from .approvals import hold_removals, remember_pending
from .executor import RESULT_FAILED, Outcome, OutcomeKey, PlanExecutor
from .files import FileChecks, render_skipped_files
from .planning import TRACKER_STATES, Gathered, PlanMemory, Plans, data_arr, private_candidates
from .report import (
    EVENT_HANDLING_SUMMARY,
    EVENT_IMPORT_BLOCKED,
    EVENT_TORRENT_ACTION,
    LastRun,
    PlannedArr,
    PlannedSeeding,
    RunReport,
    render,
)
from .seeding import arr_listed, async_clocks, async_set_limits, gather_servers
from .store import HistoryStore

# The category's other-case spellings counted as the Arr's: (category, kept apart) -> aliases.
type AliasLookup = Callable[[str, frozenset[str]], frozenset[str]]
SIGNAL_RUN_COMPLETED: Final = f"{DOMAIN}_run_completed"
# Tracker messages cost one request per torrent: ask only for likely candidates, and few.
_MAX_TRACKER_LOOKUPS: Final = 100


def remembered(
    data: PolicyInput, plan: Plan, arr: str, outcomes: Mapping[OutcomeKey, Outcome]
) -> dict[TorrentKey, HistoryEntry]:
    """Return the history to keep: a removal that failed keeps its strikes for next time."""
    history = dict(plan.history)
    for action in plan.actions:
        outcome = outcomes.get((action.instance, action.hash, arr))
        key = (action.instance, action.hash)
        if action.kind in REMOVALS and outcome is not None and outcome.result == RESULT_FAILED:
            history[key] = data.history.get(key) or HistoryEntry(
                first_seen_bad=data.now, strikes=1, rule=action.rule
            )
    return history


class TorrentHandler:
    """Runs the policy for Arr entries; remembers per-torrent history in the store."""

    def __init__(self, hass: HomeAssistant, store: HistoryStore, aliases: AliasLookup) -> None:
        """Bind to the store, and to where the categories' other spellings are known."""
        self.hass = hass
        self._store = store
        self._aliases = aliases
        self._executor = PlanExecutor(hass, store)
        self._files = FileChecks(hass)
        self._lock = asyncio.Lock()
        self._memory = PlanMemory()
        self.last_runs: dict[str, LastRun] = {}

    def history(self, arr: str) -> Mapping[TorrentKey, HistoryEntry]:
        """Return the remembered history of one Arr's torrents."""
        return self._store.history(arr)

    @property
    def lock(self) -> asyncio.Lock:
        """Held by each run; an answer to a pending removal holds it too."""
        return self._lock

    async def async_run(self, arrs: Sequence[ArrCoordinator], *, dry_run: bool) -> dict[str, Any]:
        """Evaluate (and unless a dry run, execute) the policy for the given Arr entries."""
        async with self._lock:
            await self._store.async_load()
            gathered = self._gather(arrs)
            messages = await self._async_tracker_messages(gathered)
            clocks = await async_clocks(
                self.hass, gathered.servers, private_candidates(gathered), int(time.time())
            )
            verdicts = await self._files.async_verdicts(arrs, gathered.judged, gathered.servers)
            run = await self.hass.async_add_executor_job(
                self._memory.plan,
                gathered,
                messages,
                self._store.all_history(),
                clocks,
                verdicts,
            )
            held = hold_removals(run.arrs)  # removals waiting for approval: in dry runs too
            run = replace(run, arrs=held.plans)
            plans = run.arrs
            judged = {arr.config_entry.entry_id: arr for arr in arrs}
            outcomes: dict[OutcomeKey, Outcome] = {}
            limits_set: dict[str, int] = {}
            skipped_files: dict[TorrentKey, Outcome] = {}
            if not dry_run:
                await self._executor.async_retry_searches(
                    [judged[data_arr(data)] for data, _ in plans]
                )
                outcomes = await self._executor.async_execute(
                    _owned_actions(run),
                    {c.config_entry.entry_id: c for c in qbit_coordinators(self.hass)},
                    {c.config_entry.entry_id: c for c in arr_coordinators(self.hass)},
                )
                limits_set = await async_set_limits(self.hass, run.seeding)
                skipped_files = await self._files.async_after_run(
                    run.file_steps, plans, outcomes, gathered.servers
                )
            report = await self.hass.async_add_executor_job(
                self._finish, run, outcomes, gathered, dry_run, limits_set
            )
            render_skipped_files(report.response, run.file_steps, skipped_files, gathered.titles)
            if not dry_run:
                for data, plan in plans:
                    arr_id = data_arr(data)
                    self._store.set_history(arr_id, remembered(data, plan, arr_id, outcomes))
                remember_pending(self.hass, self._store, held, gathered.titles, int(time.time()))
                await self._store.async_save()
                for instance in reachable_instances(self.hass):
                    await instance.async_request_refresh()
            self._announce(report)
            return report.response

    @callback
    def _gather(self, arrs: Sequence[ArrCoordinator]) -> Gathered:
        """Read entries, options and coordinators on the event loop (never from a worker)."""
        loaded = {c.config_entry.entry_id: c for c in qbit_coordinators(self.hass)}
        instances = []
        for entry in qbit_entries(self.hass):
            coordinator = loaded.get(entry.entry_id)
            reachable = coordinator is not None and coordinator.reachable
            instances.append(
                InstanceView(
                    entry.entry_id,
                    coordinator.client.url if coordinator else entry.data[CONF_URL],
                    coordinator.data.torrents if coordinator and reachable else None,
                )
            )
        every_arr = tuple(self._view(arr) for arr in arr_coordinators(self.hass))
        fresh = {arr.config_entry.entry_id for arr in arrs if arr.last_update_success}
        skipped = {
            arr.config_entry.entry_id: (arr.config_entry.title, ARR_UNAVAILABLE)
            for arr in arrs
            if arr.config_entry.entry_id not in fresh
        }
        for title, _ in skipped.values():
            LOGGER.info("Not handling %s's torrents: its last poll failed", title)
        judged = tuple(self._view(arr) for arr in arrs if arr.config_entry.entry_id in fresh)
        titles = {
            entry.entry_id: entry.title for entry in self.hass.config_entries.async_entries(DOMAIN)
        }
        return Gathered(
            tuple(instances),
            judged,
            every_arr,
            skipped,
            titles,
            tuple(gather_servers(self.hass)),
            arr_listed(self.hass),
        )

    @callback
    def _view(self, arr: ArrCoordinator) -> ArrView:
        keep = frozenset(arr.config_entry.data.get(CONF_KEEP_CASE_VARIANTS, ()))
        return ArrView(
            entry_id=arr.config_entry.entry_id,
            category=arr.category,
            settings=settings_from_options(arr.config_entry.options),
            queue=arr.data.queue,
            download_clients=arr.data.download_clients,
            aliases=self._aliases(arr.category, keep),
        )

    async def _async_tracker_messages(self, gathered: Gathered) -> dict[TorrentKey, str | None]:
        categories = {c for arr in gathered.judged for c in arr.categories}
        loaded = {c.config_entry.entry_id: c for c in reachable_instances(self.hass)}

        async def one(instance: QbitCoordinator) -> dict[TorrentKey, str | None]:
            hashes = [
                torrent_hash
                for torrent_hash, torrent in instance.data.torrents.items()
                if torrent.state in TRACKER_STATES and torrent.category in categories
            ][:_MAX_TRACKER_LOOKUPS]
            if not hashes:
                return {}
            try:
                found = await self.hass.async_add_executor_job(
                    instance.client.tracker_messages, hashes
                )
            except QbitError as err:
                LOGGER.debug("No tracker messages from %s: %s", instance.config_entry.title, err)
                return {}
            return {(instance.config_entry.entry_id, h): m for h, m in found.items()}

        merged: dict[TorrentKey, str | None] = {}
        for found in await asyncio.gather(*(one(i) for i in loaded.values())):
            merged.update(found)
        return merged

    @staticmethod
    def _finish(
        run: Plans,
        outcomes: Mapping[OutcomeKey, Outcome],
        gathered: Gathered,
        dry_run: bool,  # noqa: FBT001 - positional for the executor
        limits_set: Mapping[str, int],
    ) -> RunReport:
        """Render the run (plain data only; in a worker thread)."""
        titles = gathered.titles
        planned = [
            PlannedArr(data_arr(data), titles.get(data_arr(data), data_arr(data)), plan)
            for data, plan in run.arrs
        ]
        seeding = [
            PlannedSeeding(server.entry_id, server.title, plan, limits_set.get(server.entry_id))
            for server, plan in run.seeding
        ]
        return render(
            planned,
            outcomes,
            titles,
            gathered.skipped_arrs,
            now=dt_util.utcnow(),
            dry_run=dry_run,
            seeding=seeding,
        )

    @callback
    def _announce(self, report: RunReport) -> None:
        self.last_runs.update(report.last_runs)
        for event in report.events:
            self.hass.bus.async_fire(EVENT_TORRENT_ACTION, event)
        if report.summary_event is not None:
            self.hass.bus.async_fire(EVENT_HANDLING_SUMMARY, report.summary_event)
        for event in report.import_events:
            self.hass.bus.async_fire(EVENT_IMPORT_BLOCKED, event)
        async_dispatcher_send(self.hass, SIGNAL_RUN_COMPLETED)


def _owned_actions(run: Plans) -> Iterator[tuple[Action, str]]:
    """Every action with whose plan it is: an Arr's entry id, or the server's for its goals."""
    for data, plan in run.arrs:
        for action in plan.actions:
            yield action, data_arr(data)
    for server, seeding in run.seeding:
        for action in seeding.actions:
            yield action, server.entry_id
