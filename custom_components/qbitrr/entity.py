"""Base entities for qbitrr: one device per config entry."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import ArrCoordinator, QbitCoordinator


def _device(entry: ConfigEntry[Any], product: str, version: str | None, url: str) -> DeviceInfo:
    """Describe the entry's device; ids hang off the entry, not the URL, so they survive moves."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer=product,
        model=product,
        name=entry.title,
        sw_version=version,
        configuration_url=url,
    )


class QbitEntity(CoordinatorEntity[QbitCoordinator]):
    """An entity of one qBittorrent server."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: QbitCoordinator, description: EntityDescription) -> None:
        """Attach the entity to its server's device."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}-{description.key}"
        snapshot = coordinator.data
        self._attr_device_info = _device(
            entry,
            "qBittorrent",
            snapshot.app_version if snapshot else None,
            coordinator.client.url,
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
        self._attr_device_info = _device(
            entry, coordinator.display_name, coordinator.data.status.version, coordinator.client.url
        )
