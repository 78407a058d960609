"""The one object qbitrr keeps across config entries.

Every qBittorrent server and every Arr is its own entry with its own coordinator; what spans
them lives here: which entries are loaded, the Arrs' categories on every instance, automatic
handling, and the handler with its history (forgotten with the entries it belongs to).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect, async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util.hass_dict import HassKey

from .const import CONF_KIND, DOMAIN, KIND_ARR, SIGNAL_QBIT_UPDATED
from .coordinator import ArrConfigEntry, QbitConfigEntry, QbitCoordinator, QbitrrConfigEntry
from .handling.runner import TorrentHandler
from .handling.store import HistoryStore
from .hub_categories import CategoryKeeper
from .policy.options import OPT_AUTO_HANDLE, OPT_AUTO_INTERVAL, with_defaults
from .space_guard import SpaceGuard

HUB_KEY: HassKey[QbitrrHub] = HassKey(DOMAIN)


class QbitrrHub:
    """Categories everywhere, automatic handling, and the torrent handler with its store."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Create the hub; it listens to every qBittorrent poll from now on."""
        self.hass = hass
        self.store = HistoryStore(hass)
        self.categories = CategoryKeeper(hass)
        self.handler = TorrentHandler(hass, self.store, self.categories.aliases)
        self.space_guard = SpaceGuard(hass)
        async_dispatcher_connect(hass, SIGNAL_QBIT_UPDATED, self._qbit_updated)

    # --- entries coming and going --------------------------------------------------------

    @callback
    def qbit_loaded(self, entry: QbitConfigEntry) -> None:
        """Give a newly set-up qBittorrent entry the Arrs' categories (after its first poll)."""
        entry.async_on_unload(lambda: self.categories.forget(entry.entry_id))
        self.categories.instance_polled(entry.runtime_data)
        self.space_guard.instance_polled(entry.runtime_data)

        @callback
        def state_changed() -> None:
            # Views across instances (an Arr's torrent counts) take this one in once it is
            # loaded and drop it when it unloads; the listener outlives unloading for that,
            # then removes itself.
            async_dispatcher_send(self.hass, SIGNAL_QBIT_UPDATED, entry.entry_id)
            if entry.state not in {ConfigEntryState.LOADED, ConfigEntryState.SETUP_IN_PROGRESS}:
                unsubscribe()

        unsubscribe = entry.async_on_state_change(state_changed)

    @callback
    def arr_loaded(self, entry: ArrConfigEntry) -> None:
        """Put a newly set-up Arr's category on every instance; start its automatic handling."""
        self.categories.ensure_everywhere()
        options = with_defaults(entry.options)
        if not options[OPT_AUTO_HANDLE]:
            return
        coordinator = entry.runtime_data

        async def handle(now: datetime) -> None:
            await self.handler.async_run([coordinator], dry_run=False)

        entry.async_on_unload(
            async_track_time_interval(
                self.hass,
                handle,
                timedelta(minutes=options[OPT_AUTO_INTERVAL]),
                name=f"{DOMAIN} handle {entry.title}",
            )
        )

    async def async_entry_removed(self, entry: QbitrrConfigEntry) -> None:
        """Forget what belonged to a removed entry: history, pending searches, issues."""
        self.categories.forget(entry.entry_id)
        self.categories.clear_issues(entry.entry_id)
        if entry.data.get(CONF_KIND) == KIND_ARR:
            await self.store.async_purge_arr(entry.entry_id)
            self.handler.last_runs.pop(entry.entry_id, None)
        else:
            await self.store.async_purge_instance(entry.entry_id)
            self.space_guard.forget(entry.entry_id)

    @callback
    def _qbit_updated(self, entry_id: str) -> None:
        entry = self.hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry not in self.hass.config_entries.async_loaded_entries(DOMAIN):
            return  # a first poll during setup: `qbit_loaded` follows
        coordinator = entry.runtime_data
        if isinstance(coordinator, QbitCoordinator):
            self.categories.instance_polled(coordinator)
            self.space_guard.instance_polled(coordinator)
