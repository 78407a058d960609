"""qbitrr: several qBittorrent servers under Radarr, Sonarr and Lidarr, in Home Assistant."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    Platform,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType

from .api.arr import ArrApp, ArrClient
from .api.qbittorrent import QbittorrentClient
from .const import CONF_APP, CONF_KIND, DOMAIN, KIND_ARR, SIGNAL_QBIT_UPDATED
from .coordinator import (
    ArrConfigEntry,
    ArrCoordinator,
    QbitConfigEntry,
    QbitCoordinator,
    QbitrrConfigEntry,
)
from .handling import HANDLER_KEY, TorrentHandler
from .helpers import loaded_qbit_coordinators
from .issues import clear_entry_issues
from .policy.options import OPT_AUTO_HANDLE, OPT_AUTO_INTERVAL, with_defaults
from .services import async_setup_services

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.EVENT, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the services; they answer clearly even while no entry is loaded."""
    # Torrent history spans instances and Arr entries, so it lives beside them, not in one.
    hass.data[HANDLER_KEY] = TorrentHandler(hass)
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: QbitrrConfigEntry) -> bool:
    """Set up one server: a failed first poll becomes a retry or a reauth."""
    if entry.data.get(CONF_KIND) == KIND_ARR:
        await _async_setup_arr(hass, cast("ArrConfigEntry", entry))
    else:
        await _async_setup_qbit(hass, cast("QbitConfigEntry", entry))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def _async_setup_qbit(hass: HomeAssistant, entry: QbitConfigEntry) -> None:
    client = QbittorrentClient(
        entry.data[CONF_URL],
        entry.data.get(CONF_USERNAME),
        entry.data.get(CONF_PASSWORD),
        verify_ssl=entry.data.get(CONF_VERIFY_SSL, True),
    )
    coordinator = QbitCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    _announce_state_changes(hass, entry)


def _announce_state_changes(hass: HomeAssistant, entry: QbitConfigEntry) -> None:
    """Tell views across instances (an Arr's torrent counts) when this one loads or unloads.

    The listener outlives unloading on purpose, to announce it, and then removes itself.
    """

    @callback
    def changed() -> None:
        async_dispatcher_send(hass, SIGNAL_QBIT_UPDATED)
        if entry.state is not ConfigEntryState.LOADED:
            unsubscribe()

    unsubscribe = entry.async_on_state_change(changed)


async def _async_setup_arr(hass: HomeAssistant, entry: ArrConfigEntry) -> None:
    client = ArrClient(
        async_get_clientsession(hass, verify_ssl=entry.data.get(CONF_VERIFY_SSL, True)),
        entry.data[CONF_URL],
        entry.data[CONF_API_KEY],
        app=ArrApp(entry.data[CONF_APP]),
    )
    coordinator = ArrCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    # The app's category now belongs on every reachable instance.
    for instance in loaded_qbit_coordinators(hass):
        instance.schedule_category_sync()
    options = with_defaults(entry.options)
    if options[OPT_AUTO_HANDLE]:

        async def handle(now: datetime) -> None:
            await hass.data[HANDLER_KEY].async_run([coordinator], dry_run=False)

        entry.async_on_unload(
            async_track_time_interval(
                hass,
                handle,
                timedelta(minutes=options[OPT_AUTO_INTERVAL]),
                name=f"{DOMAIN} handle {entry.title}",
            )
        )


async def async_remove_entry(hass: HomeAssistant, entry: QbitrrConfigEntry) -> None:
    """Forget the removed entry's repair issues."""
    clear_entry_issues(hass, entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: QbitrrConfigEntry) -> bool:
    """Unload a config entry; categories it created stay on the servers."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
