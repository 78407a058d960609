"""Data update coordinators: one per config entry, so every server polls on its own timer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api.maindata import QbitSnapshot
from .api.qbittorrent import QbitAuthError, QbitError, QbittorrentClient
from .const import DOMAIN, LOGGER, QBIT_UPDATE_INTERVAL

type QbitrrConfigEntry = ConfigEntry[QbitCoordinator]


@dataclass(slots=True)
class InstanceHealth:
    """How the last polls of one server went."""

    consecutive_failures: int = 0
    last_success: datetime | None = None
    last_error: str | None = None


class QbitCoordinator(DataUpdateCoordinator[QbitSnapshot]):
    """Polls one qBittorrent server with incremental `sync/maindata` requests."""

    config_entry: QbitrrConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: QbitrrConfigEntry, client: QbittorrentClient
    ) -> None:
        """Create the coordinator for one qBittorrent entry."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=QBIT_UPDATE_INTERVAL,
        )
        self.client = client
        self.health = InstanceHealth()

    async def _async_update_data(self) -> QbitSnapshot:
        # One executor job per poll (request, parsing, merge): nothing blocks the event loop.
        try:
            snapshot = await self.hass.async_add_executor_job(self.client.sync)
        except QbitAuthError as err:
            self._record_failure(err)
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except QbitError as err:
            self._record_failure(err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="communication_error",
                translation_placeholders={"error": str(err)},
            ) from err
        self.health.consecutive_failures = 0
        self.health.last_success = dt_util.utcnow()
        self.health.last_error = None
        return snapshot

    def _record_failure(self, err: QbitError) -> None:
        self.health.consecutive_failures += 1
        self.health.last_error = str(err) or type(err).__name__

    async def async_shutdown(self) -> None:
        """Stop polling and drop the HTTP session."""
        await super().async_shutdown()
        await self.hass.async_add_executor_job(self.client.close)
