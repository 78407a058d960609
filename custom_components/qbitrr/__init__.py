"""qbitrr: several qBittorrent servers under Radarr, Sonarr and Lidarr, in Home Assistant."""

from __future__ import annotations

from typing import cast

from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .api.arr import ArrClient
from .api.qbittorrent import QbittorrentClient
from .arr_imports import async_setup_arr_imports
from .arr_searches import search_memory
from .const import CONF_APP, CONF_KIND, DOMAIN, KIND_ARR
from .coordinator import (
    ArrConfigEntry,
    ArrCoordinator,
    QbitConfigEntry,
    QbitCoordinator,
    QbitrrConfigEntry,
)
from .frontend import async_register_card
from .hub import HUB_KEY, QbitrrHub
from .model.arr import ArrApp
from .services import async_setup_services

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Create the hub, register the services (they answer with no entry loaded), serve the card."""
    hass.data[HUB_KEY] = QbitrrHub(hass)
    async_setup_services(hass)
    await async_register_card(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: QbitrrConfigEntry) -> bool:
    """Set up one server: a failed first poll becomes a retry or a reauth."""
    hub = hass.data[HUB_KEY]
    if entry.data.get(CONF_KIND) == KIND_ARR:
        arr_entry = cast("ArrConfigEntry", entry)
        arr = ArrCoordinator(hass, arr_entry, _arr_client(hass, entry))
        await arr.async_config_entry_first_refresh()
        arr_entry.runtime_data = arr
        hub.arr_loaded(arr_entry)
        async_setup_arr_imports(hass, arr_entry)
    else:
        qbit_entry = cast("QbitConfigEntry", entry)
        qbit = QbitCoordinator(hass, qbit_entry, _qbit_client(entry))
        await qbit.async_config_entry_first_refresh()
        qbit_entry.runtime_data = qbit
        hub.qbit_loaded(qbit_entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


def _qbit_client(entry: QbitrrConfigEntry) -> QbittorrentClient:
    return QbittorrentClient(
        entry.data[CONF_URL],
        entry.data.get(CONF_USERNAME),
        entry.data.get(CONF_PASSWORD),
        api_key=entry.data.get(CONF_API_KEY),
        verify_ssl=entry.data.get(CONF_VERIFY_SSL, True),
    )


def _arr_client(hass: HomeAssistant, entry: QbitrrConfigEntry) -> ArrClient:
    return ArrClient(
        async_get_clientsession(hass, verify_ssl=entry.data.get(CONF_VERIFY_SSL, True)),
        entry.data[CONF_URL],
        entry.data[CONF_API_KEY],
        app=ArrApp(entry.data[CONF_APP]),
    )


async def async_unload_entry(hass: HomeAssistant, entry: QbitrrConfigEntry) -> bool:
    """Unload a config entry; categories it created stay on the servers."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: QbitrrConfigEntry) -> None:
    """Forget what belonged to the removed entry: its history and its repair issues."""
    await hass.data[HUB_KEY].async_entry_removed(entry)
    if entry.data.get(CONF_KIND) == KIND_ARR:
        await search_memory(hass).async_forget(entry.entry_id)
