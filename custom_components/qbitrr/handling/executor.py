"""Carrying out a plan: each instance's steps batched, each Arr's removals, failures isolated.

qBittorrent takes a list of hashes for every action, so an instance gets one request per kind
of action however many torrents it covers (a tracker outage can strike thousands at once).
Instances and Arrs run concurrently; one that fails affects only its own steps.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from homeassistant.core import HomeAssistant

from ..api.arr import ArrError, ArrNotArrError
from ..api.qbittorrent import QbitConnectionError, QbitError, QbittorrentClient
from ..const import LOGGER
from ..coordinator import ArrCoordinator, QbitCoordinator
from ..errors import NOT_LOADED, SEARCH_PENDING, error_code
from ..policy.model import TAG_BAD, TAG_OBSOLETE, TAG_STRIKE, Action, ActionKind, Rule
from .store import HistoryStore

RESULT_PLANNED: Final = "planned"
RESULT_DONE: Final = "done"
RESULT_FAILED: Final = "failed"

type OutcomeKey = tuple[str, str, str]  # (instance, hash, the Arr whose plan it is)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one action; `error` is an error code (see errors.py)."""

    result: str = RESULT_PLANNED
    error: str | None = None


DONE: Final = Outcome(RESULT_DONE)
_THROUGH_THE_ARR: Final = frozenset({ActionKind.ARR_REMOVE, ActionKind.ARR_REMOVE_KEEP})

# In this order on each instance: what keeps a torrent before what removes it.
_QBIT_STEPS: Final[Mapping[ActionKind, Callable[[QbittorrentClient, list[str]], None]]] = {
    ActionKind.RECHECK: lambda client, hashes: client.recheck(hashes),
    ActionKind.STRIKE: lambda client, hashes: client.add_tags(hashes, [TAG_STRIKE]),
    ActionKind.CLEAR_STRIKE: lambda client, hashes: client.remove_tags(hashes, [TAG_STRIKE]),
    ActionKind.TAG: lambda client, hashes: client.add_tags(hashes, [TAG_BAD]),
    ActionKind.KEEP_SEEDING: lambda client, hashes: client.add_tags(hashes, [TAG_OBSOLETE]),
    ActionKind.STOP: lambda client, hashes: client.pause(hashes),
    ActionKind.DELETE: lambda client, hashes: client.delete(hashes, delete_files=False),
    ActionKind.DELETE_WITH_FILES: lambda client, hashes: client.delete(hashes, delete_files=True),
}


def run_instance_steps(
    client: QbittorrentClient, steps: Mapping[ActionKind, list[str]]
) -> dict[ActionKind, str | None]:
    """Send one request per kind of action (blocking; in the executor); per kind, its error.

    After a connection error the instance is taken as gone for the rest of the run: the
    remaining kinds fail at once instead of each waiting for its own timeout.
    """
    errors: dict[ActionKind, str | None] = {}
    gone: str | None = None
    for kind, send in _QBIT_STEPS.items():
        hashes = steps.get(kind)
        if not hashes:
            continue
        if gone is not None:
            errors[kind] = gone
            continue
        try:
            send(client, sorted(set(hashes)))
        except QbitConnectionError as err:
            gone = errors[kind] = error_code(err)
        except QbitError as err:
            errors[kind] = error_code(err)
        else:
            errors[kind] = None
    return errors


class PlanExecutor:
    """Executes the actions of one run; outcomes by (instance, hash, plan's Arr)."""

    def __init__(self, hass: HomeAssistant, store: HistoryStore) -> None:
        """Bind to Home Assistant (for the executor) and the store (for pending searches)."""
        self.hass = hass
        self._store = store

    async def async_execute(
        self,
        actions: Iterable[tuple[Action, str]],
        instances: Mapping[str, QbitCoordinator],
        arrs: Mapping[str, ArrCoordinator],
    ) -> dict[OutcomeKey, Outcome]:
        """Carry out (action, owner Arr) pairs; return every action's outcome."""
        outcomes: dict[OutcomeKey, Outcome] = {}
        qbit_steps: defaultdict[str, list[tuple[Action, str]]] = defaultdict(list)
        arr_steps: defaultdict[str, list[tuple[Action, str]]] = defaultdict(list)
        for action, owner in actions:
            if action.kind in _THROUGH_THE_ARR:
                arr_steps[action.arr].append((action, owner))
            elif action.kind in {ActionKind.DEFERRED, ActionKind.PENDING_REMOVAL}:
                outcomes[action.instance, action.hash, owner] = DONE
            else:
                qbit_steps[action.instance].append((action, owner))

        async def on_instance(instance_id: str, steps: list[tuple[Action, str]]) -> None:
            instance = instances.get(instance_id)
            if instance is None:
                errors: Mapping[ActionKind, str | None] = dict.fromkeys(
                    (a.kind for a, _ in steps), NOT_LOADED
                )
            else:
                by_kind: defaultdict[ActionKind, list[str]] = defaultdict(list)
                for action, _ in steps:
                    by_kind[action.kind].append(action.hash)
                errors = await self.hass.async_add_executor_job(
                    run_instance_steps, instance.client, by_kind
                )
            for action, owner in steps:
                error = errors.get(action.kind)
                outcomes[action.instance, action.hash, owner] = (
                    Outcome(RESULT_FAILED, error) if error else DONE
                )

        async def on_arr(arr_id: str, steps: list[tuple[Action, str]]) -> None:
            arr = arrs.get(arr_id)
            for action, owner in steps:
                outcome = (
                    await self._async_arr_remove(arr, action)
                    if arr is not None
                    else Outcome(RESULT_FAILED, NOT_LOADED)
                )
                outcomes[action.instance, action.hash, owner] = outcome

        await asyncio.gather(
            *(on_instance(i, steps) for i, steps in qbit_steps.items()),
            *(on_arr(a, steps) for a, steps in arr_steps.items()),
        )
        await self._async_tag_kept(
            [step for steps in arr_steps.values() for step in steps], outcomes, instances
        )
        return outcomes

    async def _async_tag_kept(
        self,
        removed: list[tuple[Action, str]],
        outcomes: dict[OutcomeKey, Outcome],
        instances: Mapping[str, QbitCoordinator],
    ) -> None:
        """Tag what left its Arr's queue but stays seeding for its tracker (after the Arr).

        Only once the Arr let go: a torrent tagged while its Arr still lists it would be left
        to the seeding rules, which never remove what an Arr lists.
        """
        kept: defaultdict[str, list[OutcomeKey]] = defaultdict(list)
        for action, owner in removed:
            key = (action.instance, action.hash, owner)
            if action.kind is ActionKind.ARR_REMOVE_KEEP and outcomes[key].result != RESULT_FAILED:
                kept[action.instance].append(key)
        for instance_id, keys in kept.items():
            instance = instances.get(instance_id)
            error: str | None = NOT_LOADED
            if instance is not None:
                steps = {ActionKind.KEEP_SEEDING: [torrent_hash for _, torrent_hash, _ in keys]}
                errors = await self.hass.async_add_executor_job(
                    run_instance_steps, instance.client, steps
                )
                error = errors.get(ActionKind.KEEP_SEEDING)
            if error:
                for key in keys:
                    outcomes[key] = Outcome(RESULT_FAILED, error)

    async def _async_arr_remove(self, arr: ArrCoordinator, action: Action) -> Outcome:
        """Remove through the Arr (from the client, blocklisted), then search once, ourselves.

        The Arr is told not to search by itself (skipRedownload), so every id of the download
        (a season pack's episodes) is searched exactly once, and a failed search is retried.
        """
        if action.queue_id is None:  # pragma: no cover - the engine always sets it
            return Outcome(RESULT_FAILED, NOT_LOADED)
        try:
            await arr.client.remove_from_queue(
                action.queue_id,
                # Kept for its private tracker: out of the queue, still in qBittorrent.
                remove_from_client=action.kind is not ActionKind.ARR_REMOVE_KEEP,
                # Nothing is wrong with the release of unmonitored media: not blocklisted.
                blocklist=action.rule is not Rule.UNMONITORED,
                skip_redownload=True,
            )
        except ArrNotArrError:
            pass  # already gone from the queue: an earlier, interrupted run removed it
        except ArrError as err:
            return Outcome(RESULT_FAILED, error_code(err))
        if not action.media_ids:
            return DONE
        try:
            await arr.client.search(action.media_ids)
        except ArrError:
            self._store.add_pending_searches(arr.config_entry.entry_id, action.media_ids)
            return Outcome(RESULT_DONE, SEARCH_PENDING)
        return DONE

    async def async_retry_searches(self, arrs: Iterable[ArrCoordinator]) -> None:
        """Ask again for searches that failed after a removal, before anything else."""
        for arr in arrs:
            entry_id = arr.config_entry.entry_id
            pending = self._store.pending_searches(entry_id)
            if not pending:
                continue
            try:
                await arr.client.search(sorted(pending))
            except ArrError as err:
                LOGGER.warning(
                    "Search still failing on %s: %s", arr.config_entry.title, error_code(err)
                )
            else:
                self._store.clear_pending_searches(entry_id)
