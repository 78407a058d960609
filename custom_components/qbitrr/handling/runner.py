"""One handling run: gather on the event loop, plan in a worker, execute, remember, report.

One run at a time: a second caller waits for the first. Nothing in an Arr's category is judged
while that Arr's last poll failed (its queue may be out of date), and a hash whose owning
instance cannot be polled is left for later; the response says which and why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
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
from ..policy.engine import evaluate
from ..policy.files import FileStep, FileVerdict, with_bad_files
from ..policy.imports import with_imports
from ..policy.inputs import ArrView, InstanceView, build_inputs
from ..policy.model import REMOVALS, Action, HistoryEntry, Plan, PolicyInput
from ..policy.options import settings_from_options
from ..policy.seeding import SeedingPlan
from ..policy.seeding_goals import RiskCheck
from .approvals import hold_removals, remember_pending
from .executor import RESULT_FAILED, Outcome, OutcomeKey, PlanExecutor
from .files import FileChecks, render_skipped_files
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
from .seeding import (
    SeedingServer,
    ServerClocks,
    arr_listed,
    async_clocks,
    async_set_limits,
    gather_servers,
    plan_servers,
)
from .store import HistoryStore

# The category's other-case spellings counted as the Arr's: (category, kept apart) -> aliases.
type AliasLookup = Callable[[str, frozenset[str]], frozenset[str]]
SIGNAL_RUN_COMPLETED: Final = f"{DOMAIN}_run_completed"
# Tracker messages cost one request per torrent: ask only for likely candidates, and few.
_TRACKER_STATES: Final = frozenset({"metaDL", "stalledDL", "error"})
_MAX_TRACKER_LOOKUPS: Final = 100


@dataclass(frozen=True, slots=True)
class _Gathered:
    """What a run reads from Home Assistant, taken on the event loop."""

    instances: tuple[InstanceView, ...]
    judged: tuple[ArrView, ...]
    every_arr: tuple[ArrView, ...]
    skipped_arrs: Mapping[str, tuple[str, str]]
    titles: Mapping[str, str]  # entry id -> title, for the response
    servers: tuple[SeedingServer, ...]  # reachable servers, for their seeding goals
    listed: frozenset[str] | None  # hashes some Arr lists (None: an Arr's queue is unknown)


@dataclass(frozen=True, slots=True)
class _Plans:
    """A run's plans: each judged Arr's, and each server's seeding plan."""

    arrs: list[tuple[PolicyInput, Plan]]
    seeding: list[tuple[SeedingServer, SeedingPlan]]
    file_steps: tuple[FileStep, ...] = ()  # bad files to set to "do not download"


def _plan(
    gathered: _Gathered,
    messages: Mapping[TorrentKey, str | None],
    history: Mapping[str, Mapping[TorrentKey, HistoryEntry]],
    clocks: Mapping[str, ServerClocks],
    verdicts: Mapping[TorrentKey, FileVerdict],
) -> _Plans:
    """Build every judged Arr's input and every server's, and plan them (in a worker thread)."""
    now = int(time.time())
    inputs = build_inputs(
        now,
        instances=gathered.instances,
        judged=gathered.judged,
        every_arr=gathered.every_arr,
        messages=messages,
        history=history,
        risks={
            server.entry_id: RiskCheck(server.config, clocks[server.entry_id].seeded)
            for server in gathered.servers
            if server.entry_id in clocks
        },
    )
    queues = {arr.entry_id: arr.queue for arr in gathered.judged}
    files = with_bad_files(
        [(data, with_imports(data, queues[data_arr(data)], evaluate(data))) for data in inputs],
        verdicts,
    )
    return _Plans(
        files.arrs, plan_servers(gathered.servers, now, gathered.listed, clocks), files.steps
    )


def private_candidates(gathered: _Gathered) -> dict[str, list[str]]:
    """Incomplete private torrents with data in judged categories, by server: stalled first.

    Whether the stalled-torrent rules may remove them depends on how long they have been
    active, which only the server's per-torrent properties tell.
    """
    categories = {category for arr in gathered.judged for category in arr.categories}
    found: dict[str, list[str]] = {}
    for server in gathered.servers:
        candidates = sorted(
            (torrent.state not in _TRACKER_STATES, torrent_hash)
            for torrent_hash, torrent in server.torrents.items()
            if torrent.private != 0 and 0 < torrent.progress < 1 and torrent.category in categories
        )
        found[server.entry_id] = [torrent_hash for _, torrent_hash in candidates]
    return found


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
                _plan, gathered, messages, self._store.all_history(), clocks, verdicts
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
    def _gather(self, arrs: Sequence[ArrCoordinator]) -> _Gathered:
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
        return _Gathered(
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

    async def _async_tracker_messages(self, gathered: _Gathered) -> dict[TorrentKey, str | None]:
        categories = {c for arr in gathered.judged for c in arr.categories}
        loaded = {c.config_entry.entry_id: c for c in reachable_instances(self.hass)}

        async def one(instance: QbitCoordinator) -> dict[TorrentKey, str | None]:
            hashes = [
                torrent_hash
                for torrent_hash, torrent in instance.data.torrents.items()
                if torrent.state in _TRACKER_STATES and torrent.category in categories
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
        run: _Plans,
        outcomes: Mapping[OutcomeKey, Outcome],
        gathered: _Gathered,
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


def _owned_actions(run: _Plans) -> Iterator[tuple[Action, str]]:
    """Every action with whose plan it is: an Arr's entry id, or the server's for its goals."""
    for data, plan in run.arrs:
        for action in plan.actions:
            yield action, data_arr(data)
    for server, seeding in run.seeding:
        for action in seeding.actions:
            yield action, server.entry_id


def data_arr(data: PolicyInput) -> str:
    """Return the Arr an input was built for (each input covers exactly one)."""
    return next(iter(data.arrs))
