"""The handler's memory: per-torrent history, pending searches and removals, in one Store.

History is per Arr and keyed by (instance, hash); it survives restarts. Removing an Arr entry
drops its history and pending searches; removing a qBittorrent entry drops that instance's
torrents from every Arr's history.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from ..const import DOMAIN, LOGGER
from ..model.torrent import TorrentKey
from ..policy.model import ActionKind, HistoryEntry, Rule
from .approvals import PendingRemoval, pending_from_json, pending_to_json

STORE_VERSION: Final = 1
STORE_KEY: Final = f"{DOMAIN}.torrent_history"
_ABSENT: Final = "-"  # a value an entry does not have, in its stored text


def _entry_text(entry: HistoryEntry) -> str:
    """One entry as one line of text: its values in order, space-separated, "-" for none.

    Home Assistant's Store writes indented JSON, a list one value per line: about 240 bytes
    an entry. After a tracker outage thousands of entries are written again at every run.
    """
    return " ".join(_ABSENT if value is None else str(value) for value in entry)


def _entry_values(stored: object) -> list[Any]:
    """Read a stored entry's values: its text, or the list written before entries were text."""
    if isinstance(stored, str):
        return [None if value == _ABSENT else value for value in stored.split(" ")]
    if isinstance(stored, list):
        return stored
    raise TypeError(stored)


def _history_to_json(history: Mapping[TorrentKey, HistoryEntry]) -> dict[str, str]:
    return {
        f"{instance}|{torrent_hash}": _entry_text(entry)
        for (instance, torrent_hash), entry in history.items()
    }


def _history_from_json(raw: object) -> dict[TorrentKey, HistoryEntry]:
    """Parse stored history; entries that do not parse are dropped, never fatal."""
    history: dict[TorrentKey, HistoryEntry] = {}
    if not isinstance(raw, dict):
        return history
    for key, stored in raw.items():
        try:
            instance, torrent_hash = str(key).split("|", 1)
            # Entries stored before the unregistered grace period have seven values.
            values = _entry_values(stored)
            first_seen, strikes, rule, rechecked, slow_since, action, action_at, *rest = values
            (unregistered_since,) = rest or [None]
            history[(instance, torrent_hash)] = HistoryEntry(
                first_seen_bad=int(first_seen),
                strikes=int(strikes),
                rule=Rule(rule) if rule is not None else None,
                rechecked_at=int(rechecked) if rechecked is not None else None,
                slow_since=int(slow_since) if slow_since is not None else None,
                last_action=ActionKind(action) if action is not None else None,
                last_action_at=int(action_at) if action_at is not None else None,
                unregistered_since=(
                    int(unregistered_since) if unregistered_since is not None else None
                ),
            )
        except TypeError, ValueError:
            LOGGER.debug("Dropping unreadable history entry %s", key)
    return history


class HistoryStore:
    """History per Arr, pending searches per Arr; loaded once, saved after each real run."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Prepare; nothing is read before the first run."""
        # Thousands of entries after a tracker outage: serialise them off the event loop.
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, STORE_KEY, serialize_in_event_loop=False
        )
        self._history: dict[str, dict[TorrentKey, HistoryEntry]] = {}
        self._pending_searches: dict[str, set[int]] = {}
        self._pending_removals: dict[str, dict[TorrentKey, PendingRemoval]] = {}
        self._loaded = False

    def history(self, arr: str) -> Mapping[TorrentKey, HistoryEntry]:
        """Return the remembered history of one Arr's torrents."""
        return self._history.get(arr, {})

    def all_history(self) -> Mapping[str, Mapping[TorrentKey, HistoryEntry]]:
        """Every Arr's history."""
        return self._history

    def set_history(self, arr: str, history: Mapping[TorrentKey, HistoryEntry]) -> None:
        """Replace one Arr's history (after a run)."""
        self._history[arr] = dict(history)

    def pending_searches(self, arr: str) -> frozenset[int]:
        """Media ids whose search failed after a removal, to ask for again."""
        return frozenset(self._pending_searches.get(arr, ()))

    def add_pending_searches(self, arr: str, media_ids: tuple[int, ...]) -> None:
        """Remember searches to retry."""
        self._pending_searches.setdefault(arr, set()).update(media_ids)

    def clear_pending_searches(self, arr: str) -> None:
        """Forget the pending searches: the retry went through."""
        self._pending_searches.pop(arr, None)

    def pending_removals(self, arr: str) -> Mapping[TorrentKey, PendingRemoval]:
        """Return the removals of one Arr's torrents waiting for the user's approval."""
        return self._pending_removals.get(arr, {})

    def set_pending(self, arr: str, pending: Mapping[TorrentKey, PendingRemoval]) -> None:
        """Replace one Arr's pending removals."""
        self._pending_removals[arr] = dict(pending)

    def find_pending(self, key: TorrentKey) -> tuple[str, PendingRemoval] | None:
        """Return the Arr holding a torrent's removal, and the removal; None when none does."""
        for arr, pending in self._pending_removals.items():
            if key in pending:
                return arr, pending[key]
        return None

    def forget_torrent(self, key: TorrentKey) -> None:
        """Drop a torrent's strikes and pending removal in every Arr (answered by the user)."""
        for history in self._history.values():
            history.pop(key, None)
        for pending in self._pending_removals.values():
            pending.pop(key, None)

    async def async_load(self) -> None:
        """Read the Store once; a bad file starts empty (with one warning).

        Entries of an older or damaged shape are dropped one by one, so a format change
        costs at most the strikes counted so far, never a failed run.
        """
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
        # Absent from files written before removals could wait for approval.
        removals = data.get("pending_removals")
        for arr, raw in removals.items() if isinstance(removals, dict) else ():
            self._pending_removals[str(arr)] = pending_from_json(raw)

    async def async_save(self) -> None:
        """Write everything (Home Assistant writes in the background, atomically)."""
        await self._store.async_save(
            {
                "arrs": {arr: _history_to_json(h) for arr, h in self._history.items()},
                "pending_searches": {
                    arr: sorted(ids) for arr, ids in self._pending_searches.items() if ids
                },
                "pending_removals": {
                    arr: pending_to_json(p) for arr, p in self._pending_removals.items() if p
                },
            }
        )

    async def async_purge_arr(self, arr: str) -> None:
        """Forget a removed Arr entry's history and pending searches."""
        await self.async_load()
        self._history.pop(arr, None)
        self._pending_searches.pop(arr, None)
        self._pending_removals.pop(arr, None)
        await self.async_save()

    async def async_purge_instance(self, instance: str) -> None:
        """Forget a removed qBittorrent entry's torrents in every Arr's history."""
        await self.async_load()
        for arr, history in self._history.items():
            self._history[arr] = {key: e for key, e in history.items() if key[0] != instance}
        for arr, pending in self._pending_removals.items():
            self._pending_removals[arr] = {k: p for k, p in pending.items() if k[0] != instance}
        await self.async_save()
