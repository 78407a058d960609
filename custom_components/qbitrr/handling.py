"""Running the policy: gather its input from the coordinators, evaluate, execute, remember.

The engine decides; this module only collects plain data, carries out the plan on the
instance and Arr that own each torrent, and keeps the per-torrent history in a Store so it
survives restarts. One run at a time: a second caller waits for the first.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
import math
import time
from typing import Any, Final
from urllib.parse import urlsplit

from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api.arr import ArrError, ArrNotArrError, DownloadClient, QueueItem
from .api.maindata import Torrent
from .api.qbittorrent import QbitConnectionError, QbitError, QbittorrentClient
from .const import DOMAIN, LOGGER
from .coordinator import ArrCoordinator, QbitCoordinator
from .helpers import loaded_arr_coordinators, loaded_qbit_coordinators
from .policy.engine import evaluate
from .policy.model import (
    REMOVALS,
    TAG_BAD,
    TAG_STRIKE,
    Action,
    ActionKind,
    HistoryEntry,
    Plan,
    PolicyInput,
    QueueEntry,
    Rule,
    TorrentInfo,
    TorrentKey,
)
from .policy.options import settings_from_options
from .policy.torrents import torrent_category, torrent_tags

HANDLER_KEY: HassKey[TorrentHandler] = HassKey(f"{DOMAIN}_handler")
EVENT_TORRENT_ACTION: Final = "qbitrr_torrent_action"
SIGNAL_RUN_COMPLETED: Final = f"{DOMAIN}_run_completed"
STORE_VERSION: Final = 1
STORE_KEY: Final = f"{DOMAIN}.torrent_history"
# Tracker messages cost one request per torrent: ask only for likely candidates, and few.
_TRACKER_STATES: Final = frozenset({"metaDL", "stalledDL", "error"})
_MAX_TRACKER_LOOKUPS: Final = 100
_LOCAL_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})

RESULT_PLANNED: Final = "planned"
RESULT_DONE: Final = "done"
RESULT_FAILED: Final = "failed"


@dataclass(slots=True)
class LastRun:
    """What the last run for one Arr did, for its sensor."""

    time: datetime
    dry_run: bool
    by_rule: dict[str, int]
    by_action: dict[str, int]
    failed: int


@dataclass(slots=True)
class _Outcome:
    result: str = RESULT_PLANNED
    error: str | None = None


@dataclass(slots=True)
class _Run:
    """One run's plans and outcomes."""

    plans: list[tuple[ArrCoordinator, PolicyInput, Plan]] = field(default_factory=list)
    outcomes: dict[tuple[str, str, str], _Outcome] = field(default_factory=dict)


def _as_float(value: object) -> float:
    """Return the number the server sent, or 0 for text, null, NaN or infinity."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        return number if math.isfinite(number) else 0.0
    return 0.0


def _as_int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(_as_float(value))


def _torrent_info(
    instance: str, torrent_hash: str, torrent: Torrent, message: str | None
) -> TorrentInfo:
    name = torrent.get("name")
    state = torrent.get("state")
    return TorrentInfo(
        instance=instance,
        hash=torrent_hash,
        name=name if isinstance(name, str) else "",
        category=torrent_category(torrent),
        state=state if isinstance(state, str) else "",
        progress=_as_float(torrent.get("progress")),
        dlspeed=_as_int(torrent.get("dlspeed")),
        eta=_as_int(torrent.get("eta")),
        added_on=_as_int(torrent.get("added_on")),
        last_activity=_as_int(torrent.get("last_activity")),
        tags=frozenset(torrent_tags(torrent)),
        tracker_message=message,
    )


def _client_instance(
    item: QueueItem, clients: Iterable[DownloadClient], instances: Iterable[QbitCoordinator]
) -> str | None:
    """Return the instance an Arr's download client points at; None when it cannot be told."""
    qbit_clients = [c for c in clients if c.implementation.lower() == "qbittorrent"]
    named = [c for c in qbit_clients if c.name == item.download_client]
    client = named[0] if named else (qbit_clients[0] if len(qbit_clients) == 1 else None)
    if client is None or client.host is None:
        return None
    host = client.host.lower()
    for instance in instances:
        parts = urlsplit(instance.client.url)
        same_host = parts.hostname == host or {parts.hostname, host} <= _LOCAL_HOSTS
        if same_host and parts.port == client.port:
            return instance.config_entry.entry_id
    return None


def _history_to_json(history: Mapping[TorrentKey, HistoryEntry]) -> dict[str, list[Any]]:
    return {
        f"{instance}|{torrent_hash}": list(entry)
        for (instance, torrent_hash), entry in history.items()
    }


def _history_from_json(raw: object) -> dict[TorrentKey, HistoryEntry]:
    """Parse stored history; entries that do not parse are dropped, never fatal."""
    history: dict[TorrentKey, HistoryEntry] = {}
    if not isinstance(raw, dict):
        return history
    for key, values in raw.items():
        try:
            instance, torrent_hash = str(key).split("|", 1)
            first_seen, strikes, rule, rechecked, slow_since, action, action_at = values
            history[(instance, torrent_hash)] = HistoryEntry(
                first_seen_bad=int(first_seen),
                strikes=int(strikes),
                rule=Rule(rule) if rule is not None else None,
                rechecked_at=int(rechecked) if rechecked is not None else None,
                slow_since=int(slow_since) if slow_since is not None else None,
                last_action=ActionKind(action) if action is not None else None,
                last_action_at=int(action_at) if action_at is not None else None,
            )
        except TypeError, ValueError:
            LOGGER.debug("Dropping unreadable history entry %s", key)
    return history


class TorrentHandler:
    """Runs the policy for Arr entries and remembers per-torrent history."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Prepare; the Store is read on the first run."""
        self.hass = hass
        self._store: Store[dict[str, Any]] = Store(hass, STORE_VERSION, STORE_KEY)
        self._history: dict[str, dict[TorrentKey, HistoryEntry]] = {}
        self._pending_searches: dict[str, set[int]] = {}
        self._loaded = False
        self._lock = asyncio.Lock()
        self.last_runs: dict[str, LastRun] = {}

    def history(self, arr: str) -> Mapping[TorrentKey, HistoryEntry]:
        """Return the remembered history of one Arr's torrents."""
        return self._history.get(arr, {})

    async def _async_load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            data = await self._store.async_load()
        except Exception as err:  # noqa: BLE001 - a bad file must never stop handling
            # Invalid JSON is set aside by Home Assistant itself (with a repair issue); this
            # catches what it lets through: a file of the wrong shape or a newer version.
            LOGGER.warning("Torrent history was unreadable and starts empty: %r", err)
            return
        if not isinstance(data, dict):
            return
        arrs = data.get("arrs")
        for arr, raw in arrs.items() if isinstance(arrs, dict) else ():
            self._history[str(arr)] = _history_from_json(raw)
        pending = data.get("pending_searches")
        for arr, ids in pending.items() if isinstance(pending, dict) else ():
            if isinstance(ids, list):
                self._pending_searches[str(arr)] = {i for i in ids if isinstance(i, int)}

    async def _async_save(self) -> None:
        await self._store.async_save(
            {
                "arrs": {arr: _history_to_json(h) for arr, h in self._history.items()},
                "pending_searches": {
                    arr: sorted(ids) for arr, ids in self._pending_searches.items() if ids
                },
            }
        )

    async def async_run(self, arrs: list[ArrCoordinator], *, dry_run: bool) -> dict[str, Any]:
        """Evaluate (and unless a dry run, execute) the policy for the given Arr entries."""
        async with self._lock:
            await self._async_load()
            instances = [
                c
                for c in loaded_qbit_coordinators(self.hass)
                if c.last_update_success and c.data is not None
            ]
            run = await self._async_plan(arrs, instances)
            if not dry_run:
                await self._async_retry_searches(arrs)
                await self._async_execute(run, instances)
                self._remember(run)
                await self._async_save()
                for instance in instances:
                    await instance.async_request_refresh()
            return self._finish(run, instances, dry_run=dry_run)

    async def _async_plan(
        self, arrs: list[ArrCoordinator], instances: list[QbitCoordinator]
    ) -> _Run:
        categories = {arr.category for arr in arrs}
        messages = await self._async_tracker_messages(instances, categories)
        # Tens of thousands of torrents take tens of milliseconds to convert and evaluate: off
        # the event loop. Coordinator data is replaced, never mutated, and the history is only
        # changed under the lock this runs under, so the worker reads a consistent picture.
        return await self.hass.async_add_executor_job(
            self._plan, arrs, loaded_arr_coordinators(self.hass), instances, messages
        )

    def _plan(
        self,
        arrs: list[ArrCoordinator],
        all_arrs: list[ArrCoordinator],
        instances: list[QbitCoordinator],
        messages: Mapping[TorrentKey, str | None],
    ) -> _Run:
        """Build every Arr's policy input and evaluate it (in the executor)."""
        categories = {arr.category for arr in arrs}
        torrents = tuple(
            _torrent_info(
                instance.config_entry.entry_id,
                torrent_hash,
                torrent,
                messages.get((instance.config_entry.entry_id, torrent_hash)),
            )
            for instance in instances
            for torrent_hash, torrent in instance.data.torrents.items()
            if torrent_category(torrent) in categories
        )
        queues: defaultdict[str, list[QueueEntry]] = defaultdict(list)
        for arr in all_arrs:
            for item in arr.data.queue:
                if item.torrent_hash:
                    queues[item.torrent_hash].append(
                        QueueEntry(
                            arr=arr.config_entry.entry_id,
                            queue_id=item.id,
                            media_id=item.media_id,
                            instance=_client_instance(item, arr.data.download_clients, instances),
                        )
                    )
        reachable = frozenset(instance.config_entry.entry_id for instance in instances)
        now = int(time.time())
        run = _Run()
        for arr in arrs:
            entry_id = arr.config_entry.entry_id
            data = PolicyInput(
                now=now,
                torrents=tuple(t for t in torrents if t.category == arr.category),
                reachable_instances=reachable,
                arrs={entry_id: (arr.category, settings_from_options(arr.config_entry.options))},
                queues={h: tuple(entries) for h, entries in queues.items()},
                history=self._history.get(entry_id, {}),
            )
            plan = evaluate(data)
            run.plans.append((arr, data, plan))
            for action in plan.actions:
                run.outcomes[(action.instance, action.hash, entry_id)] = _Outcome()
        return run

    async def _async_tracker_messages(
        self, instances: list[QbitCoordinator], categories: set[str]
    ) -> dict[TorrentKey, str | None]:
        async def one(instance: QbitCoordinator) -> dict[TorrentKey, str | None]:
            hashes = [
                torrent_hash
                for torrent_hash, torrent in instance.data.torrents.items()
                if torrent.get("state") in _TRACKER_STATES
                and torrent_category(torrent) in categories
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
        for found in await asyncio.gather(*(one(instance) for instance in instances)):
            merged.update(found)
        return merged

    async def _async_retry_searches(self, arrs: list[ArrCoordinator]) -> None:
        """Ask again for searches that failed after a removal, before anything else."""
        for arr in arrs:
            pending = self._pending_searches.get(arr.config_entry.entry_id)
            if not pending:
                continue
            try:
                await arr.client.search(sorted(pending))
            except ArrError as err:
                LOGGER.warning("Search still failing on %s: %s", arr.config_entry.title, err)
            else:
                pending.clear()

    async def _async_execute(self, run: _Run, instances: list[QbitCoordinator]) -> None:
        by_instance = {instance.config_entry.entry_id: instance for instance in instances}
        arr_by_id = {arr.config_entry.entry_id: arr for arr in loaded_arr_coordinators(self.hass)}
        qbit_steps: defaultdict[str, list[tuple[Action, str]]] = defaultdict(list)
        arr_steps: defaultdict[str, list[tuple[Action, str]]] = defaultdict(list)
        for arr, _, plan in run.plans:
            for action in plan.actions:
                owner = arr.config_entry.entry_id
                if action.kind is ActionKind.ARR_REMOVE:
                    arr_steps[action.arr].append((action, owner))
                elif action.kind is not ActionKind.DEFERRED:
                    qbit_steps[action.instance].append((action, owner))
                else:
                    run.outcomes[(action.instance, action.hash, owner)].result = RESULT_DONE

        async def on_instance(instance_id: str, steps: list[tuple[Action, str]]) -> None:
            outcomes = await self.hass.async_add_executor_job(
                _run_qbit_steps, by_instance[instance_id].client, [a for a, _ in steps]
            )
            for (action, owner), error in zip(steps, outcomes, strict=True):
                run.outcomes[(action.instance, action.hash, owner)] = _Outcome(
                    RESULT_FAILED if error else RESULT_DONE, error
                )

        async def on_arr(arr_id: str, steps: list[tuple[Action, str]]) -> None:
            arr = arr_by_id.get(arr_id)
            for action, owner in steps:
                key = (action.instance, action.hash, owner)
                if arr is None:
                    run.outcomes[key] = _Outcome(RESULT_FAILED, "Arr entry not loaded")
                    continue
                run.outcomes[key] = await self._async_arr_remove(arr, action)

        await asyncio.gather(
            *(on_instance(i, steps) for i, steps in qbit_steps.items() if i in by_instance),
            *(on_arr(a, steps) for a, steps in arr_steps.items()),
        )

    async def _async_arr_remove(self, arr: ArrCoordinator, action: Action) -> _Outcome:
        """Remove through the Arr (client removal + blocklist), then search again."""
        if action.queue_id is None:
            return _Outcome(RESULT_FAILED, "no queue item")
        try:
            await arr.client.remove_from_queue(
                action.queue_id, remove_from_client=True, blocklist=True
            )
        except ArrNotArrError:
            pass  # already gone from the queue: an earlier, interrupted run removed it
        except ArrError as err:
            return _Outcome(RESULT_FAILED, str(err) or type(err).__name__)
        if action.media_id is None:
            return _Outcome(RESULT_DONE)
        try:
            await arr.client.search([action.media_id])
        except ArrError as err:
            self._pending_searches.setdefault(arr.config_entry.entry_id, set()).add(action.media_id)
            return _Outcome(RESULT_DONE, f"removed; search failed and will be retried ({err})")
        return _Outcome(RESULT_DONE)

    def _remember(self, run: _Run) -> None:
        """Store the plans' history; a removal that failed keeps its strikes for next time."""
        for arr, data, plan in run.plans:
            entry_id = arr.config_entry.entry_id
            history = dict(plan.history)
            for action in plan.actions:
                outcome = run.outcomes[(action.instance, action.hash, entry_id)]
                key = (action.instance, action.hash)
                if action.kind in REMOVALS and outcome.result == RESULT_FAILED:
                    history[key] = data.history.get(key) or HistoryEntry(
                        first_seen_bad=data.now, strikes=1, rule=action.rule
                    )
            self._history[entry_id] = history

    def _finish(
        self, run: _Run, instances: list[QbitCoordinator], *, dry_run: bool
    ) -> dict[str, Any]:
        titles = {i.config_entry.entry_id: i.config_entry.title for i in instances}
        actions: list[dict[str, Any]] = []
        skipped: list[dict[str, Any]] = []
        by_rule: Counter[str] = Counter()
        by_action: Counter[str] = Counter()
        failed = 0
        now = dt_util.utcnow()
        for arr, _, plan in run.plans:
            owner = arr.config_entry.entry_id
            arr_rules: Counter[str] = Counter()
            arr_actions: Counter[str] = Counter()
            arr_failed = 0
            for action in plan.actions:
                outcome = run.outcomes[(action.instance, action.hash, owner)]
                described = {
                    "instance": action.instance,
                    "instance_title": titles.get(action.instance, action.instance),
                    "hash": action.hash,
                    "name": action.name,
                    "category": action.category,
                    "arr": owner,
                    "arr_title": arr.config_entry.title,
                    "rule": str(action.rule),
                    "action": str(action.kind),
                    "reason": action.reason,
                    "result": outcome.result,
                    "error": outcome.error,
                }
                actions.append(described)
                self.hass.bus.async_fire(EVENT_TORRENT_ACTION, {**described, "dry_run": dry_run})
                arr_rules[str(action.rule)] += 1
                arr_actions[str(action.kind)] += 1
                arr_failed += outcome.result == RESULT_FAILED
            skipped.extend(
                {
                    "instance": s.instance,
                    "instance_title": titles.get(s.instance, s.instance),
                    "hash": s.hash,
                    "name": s.name,
                    "category": s.category,
                    "arr": owner,
                    "rule": str(s.rule),
                    "guard": str(s.guard),
                }
                for s in plan.skipped
            )
            self.last_runs[owner] = LastRun(
                time=now,
                dry_run=dry_run,
                by_rule=dict(arr_rules),
                by_action=dict(arr_actions),
                failed=arr_failed,
            )
            by_rule.update(arr_rules)
            by_action.update(arr_actions)
            failed += arr_failed
        async_dispatcher_send(self.hass, SIGNAL_RUN_COMPLETED)
        removed = sum(by_action[str(kind)] for kind in REMOVALS)
        return {
            "dry_run": dry_run,
            "summary": {
                "removed": removed,
                "failed": failed,
                "struck": by_action[str(ActionKind.STRIKE)],
                "tagged": by_action[str(ActionKind.TAG)],
                "rechecked": by_action[str(ActionKind.RECHECK)],
                "deferred": by_action[str(ActionKind.DEFERRED)],
                "by_rule": dict(sorted(by_rule.items())),
            },
            "actions": actions,
            "skipped": skipped,
        }


_QBIT_STEPS: Final[Mapping[ActionKind, Callable[[QbittorrentClient, list[str]], None]]] = {
    ActionKind.STRIKE: lambda client, hashes: client.add_tags(hashes, [TAG_STRIKE]),
    ActionKind.RECHECK: lambda client, hashes: client.recheck(hashes),
    ActionKind.TAG: lambda client, hashes: client.add_tags(hashes, [TAG_BAD]),
    ActionKind.DELETE: lambda client, hashes: client.delete(hashes, delete_files=False),
    ActionKind.DELETE_WITH_FILES: lambda client, hashes: client.delete(hashes, delete_files=True),
}


def _run_qbit_steps(client: QbittorrentClient, actions: list[Action]) -> list[str | None]:
    """Carry out one instance's actions in order (blocking; in the executor).

    After a connection error the instance is taken as gone for the rest of this run: the
    remaining actions fail at once instead of each waiting for its own timeout.
    """
    outcomes: list[str | None] = []
    unreachable: str | None = None
    for action in actions:
        if unreachable is not None:
            outcomes.append(unreachable)
            continue
        try:
            _QBIT_STEPS[action.kind](client, [action.hash])
        except QbitConnectionError as err:
            unreachable = f"instance unreachable: {err}"
            outcomes.append(unreachable)
        except QbitError as err:
            outcomes.append(str(err) or type(err).__name__)
        else:
            outcomes.append(None)
    return outcomes
