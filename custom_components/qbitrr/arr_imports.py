"""The Arr side of a finished download: ask the Arr to import it now, and tell when it has.

Instant import: a torrent of an Arr's category that finishes (the qBittorrent coordinator's
`qbitrr_torrent_completed`, fired once per completion seen between two polls, never for
torrents complete at startup) makes qbitrr send the Arr's own import command for it, instead of
waiting for the Arr's next completed-download check.

Imported: after each of the Arr's polls, its history since the last import seen (since the
entry was set up, at first) is read; each newly imported download fires `qbitrr_imported` once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .api.arr import ArrError
from .api.arr_library import ArrLibrary
from .api.qbittorrent import QbitError
from .const import DOMAIN, EVENT_IMPORTED, EVENT_TORRENT_COMPLETED, LOGGER
from .coordinator import ArrConfigEntry, ArrCoordinator, QbitCoordinator
from .entries import qbit_coordinators
from .model.arr import ImportedDownload
from .policy.options import OPT_INSTANT_IMPORT, with_defaults

# Downloads whose import fired lately: a season pack imported across two polls fires once.
_FIRED_MEMORY: Final = 200


@callback
def async_setup_arr_imports(hass: HomeAssistant, entry: ArrConfigEntry) -> None:
    """Watch a set-up Arr's imports and, when its option is on, import its finished torrents."""
    arr = entry.runtime_data
    watcher = ImportWatcher(hass, arr, since=dt_util.utcnow().replace(microsecond=0))
    entry.async_on_unload(arr.async_add_listener(watcher.polled))
    if not with_defaults(entry.options)[OPT_INSTANT_IMPORT]:
        return

    @callback
    def is_mine(event_data: Mapping[str, Any]) -> bool:
        return bool(event_data.get("category") == arr.category)

    @callback
    def completed(event: Event) -> None:
        entry.async_create_background_task(
            hass,
            async_request_import(hass, arr, str(event.data["instance"]), str(event.data["hash"])),
            name=f"{DOMAIN} import {entry.title}",
        )

    entry.async_on_unload(
        hass.bus.async_listen(EVENT_TORRENT_COMPLETED, completed, event_filter=is_mine)
    )


def _tracks(arr: ArrCoordinator, torrent_hash: str) -> bool:
    """Whether the Arr's queue holds the download, matched to a movie, episode or album."""
    return any(
        item.torrent_hash == torrent_hash and item.media_id is not None for item in arr.data.queue
    )


async def async_request_import(
    hass: HomeAssistant, arr: ArrCoordinator, instance_id: str, torrent_hash: str
) -> bool:
    """Send the Arr's import command for a finished torrent; return whether it was sent.

    Only a download the Arr tracks is imported (one grabbed seconds ago may be missing from
    the last queue poll: the queue is read again once); failures are logged, the Arr's own
    check imports the download later.
    """
    title = arr.config_entry.title
    if not _tracks(arr, torrent_hash):
        await arr.async_refresh()
        if not arr.last_update_success or not _tracks(arr, torrent_hash):
            LOGGER.debug("%s does not track %s: no instant import", title, torrent_hash)
            return False
    instance = hass.config_entries.async_get_entry(instance_id)
    qbit = instance.runtime_data if instance is not None else None
    if not isinstance(qbit, QbitCoordinator):
        return False
    try:
        path = await hass.async_add_executor_job(qbit.client.content_path, torrent_hash)
        if path is None:
            return False
        await ArrLibrary(arr.client).request_import(torrent_hash.upper(), path)
    except (QbitError, ArrError) as err:
        LOGGER.warning("Could not ask %s to import %s: %s", title, torrent_hash, err)
        return False
    LOGGER.debug("Asked %s to import %s from %s", title, torrent_hash, path)
    return True


class ImportWatcher:
    """Reads one Arr's import history after its polls and fires each new import once."""

    def __init__(self, hass: HomeAssistant, arr: ArrCoordinator, *, since: datetime) -> None:
        """Watch from `since` on: older imports never fire."""
        self.hass = hass
        self.arr = arr
        self._since = since
        self._last_id = 0
        self._fired: deque[str] = deque(maxlen=_FIRED_MEMORY)
        self._reading = False

    @callback
    def polled(self) -> None:
        """After a successful poll of the Arr, read its new imports (one read at a time)."""
        if self._reading or not self.arr.last_update_success:
            return
        self._reading = True
        self.arr.config_entry.async_create_background_task(
            self.hass, self.async_read(), name=f"{DOMAIN} imports {self.arr.config_entry.title}"
        )

    async def async_read(self) -> None:
        """Read the imports since the newest one seen and fire the new ones."""
        try:
            imports = await ArrLibrary(self.arr.client).imports_since(self._since)
        except ArrError as err:
            LOGGER.debug("Could not read the imports of %s: %s", self.arr.config_entry.title, err)
            return
        finally:
            self._reading = False
        for found in imports:
            if found.history_id <= self._last_id:
                continue
            self._last_id = found.history_id
            if (date := dt_util.parse_datetime(found.date)) is not None:
                self._since = max(self._since, date)
            key = found.torrent_hash or f"history-{found.history_id}"
            if key in self._fired:
                continue
            self._fired.append(key)
            self._fire(found)

    def _fire(self, found: ImportedDownload) -> None:
        entry = self.arr.config_entry
        data: dict[str, Any] = {
            "arr": entry.entry_id,
            "arr_title": entry.title,
            "app": str(self.arr.client.app),
            "title": found.title,
            "quality": found.quality,
            "release": found.release,
            "hash": found.torrent_hash,
            "media_ids": list(found.media_ids),
        }
        for qbit in qbit_coordinators(self.hass):
            torrent = qbit.data.torrents.get(found.torrent_hash or "") if qbit.data else None
            if torrent is not None:
                data.update(
                    instance=qbit.config_entry.entry_id,
                    instance_title=qbit.config_entry.title,
                    name=torrent.name,
                )
                break
        self.hass.bus.async_fire(EVENT_IMPORTED, data)
