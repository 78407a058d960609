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

from .api.arr import ArrApp, ArrClient
from .api.qbittorrent import QbittorrentClient
from .const import CONF_APP, CONF_KIND, DOMAIN, KIND_ARR
from .coordinator import (
    ArrConfigEntry,
    ArrCoordinator,
    QbitConfigEntry,
    QbitCoordinator,
    QbitrrConfigEntry,
)
from .helpers import loaded_qbit_coordinators
from .services import async_setup_services

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the services; they answer clearly even while no entry is loaded."""
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


async def async_unload_entry(hass: HomeAssistant, entry: QbitrrConfigEntry) -> bool:
    """Unload a config entry; categories it created stay on the servers."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
