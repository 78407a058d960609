"""qbitrr: several qBittorrent servers under Radarr, Sonarr and Lidarr, in Home Assistant."""

from __future__ import annotations

from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL, Platform
from homeassistant.core import HomeAssistant

from .api.qbittorrent import QbittorrentClient
from .coordinator import QbitCoordinator, QbitrrConfigEntry

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: QbitrrConfigEntry) -> bool:
    """Set up one qBittorrent server: a failed first poll becomes a retry or a reauth."""
    client = QbittorrentClient(
        entry.data[CONF_URL],
        entry.data.get(CONF_USERNAME),
        entry.data.get(CONF_PASSWORD),
        verify_ssl=entry.data.get(CONF_VERIFY_SSL, True),
    )
    coordinator = QbitCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: QbitrrConfigEntry) -> bool:
    """Unload a config entry; the coordinator's shutdown drops the HTTP session."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
