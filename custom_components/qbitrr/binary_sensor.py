"""Binary sensors of a qBittorrent server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import QbitrrConfigEntry
from .entity import QbitEntity

PARALLEL_UPDATES = 0

CONNECTIVITY = BinarySensorEntityDescription(
    key="connectivity",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: QbitrrConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the connectivity sensor of one qBittorrent server."""
    async_add_entities([QbitConnectivitySensor(entry.runtime_data, CONNECTIVITY)])


class QbitConnectivitySensor(QbitEntity, BinarySensorEntity):
    """On while the server answers polls; stays available so automations see it go off."""

    # Changing on every poll, these would bloat the recorder for no history worth keeping.
    _unrecorded_attributes = frozenset({"consecutive_failures", "last_success"})

    @property
    def available(self) -> bool:
        """Always available: being unreachable is this sensor's 'off', not unknown."""
        return True

    @property
    def is_on(self) -> bool:
        """Whether the last poll succeeded."""
        return self.coordinator.last_update_success

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """Failures in a row and the time of the last successful poll."""
        health = self.coordinator.health
        return {
            "consecutive_failures": health.consecutive_failures,
            "last_success": health.last_success.isoformat() if health.last_success else None,
        }
