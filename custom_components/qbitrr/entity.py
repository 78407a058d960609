"""Base entities for qbitrr: one device per config entry."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api.arr import APPS
from .const import DOMAIN
from .coordinator import ArrCoordinator, QbitCoordinator


class QbitEntity(CoordinatorEntity[QbitCoordinator]):
    """An entity of one qBittorrent server."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: QbitCoordinator, description: EntityDescription) -> None:
        """Attach the entity to its server's device; ids hang off the entry, not the URL."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}-{description.key}"
        snapshot = coordinator.data
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            entry_type=DeviceEntryType.SERVICE,
            manufacturer="qBittorrent",
            model="qBittorrent",
            name=entry.title,
            sw_version=snapshot.app_version if snapshot else None,
            configuration_url=coordinator.client.url,
        )


class ArrEntity(CoordinatorEntity[ArrCoordinator]):
    """An entity of one Radarr, Sonarr or Lidarr."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: ArrCoordinator, description: EntityDescription) -> None:
        """Attach the entity to the app's device."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}-{description.key}"
        snapshot = coordinator.data
        app = APPS[snapshot.status.app].display_name
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            entry_type=DeviceEntryType.SERVICE,
            manufacturer=app,
            model=app,
            name=entry.title,
            sw_version=snapshot.status.version,
            configuration_url=coordinator.client.url,
        )
