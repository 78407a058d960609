"""Binary sensors: connectivity of qBittorrent servers, health problems of Arr apps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import QbitCoordinator, QbitrrConfigEntry
from .entity import ArrEntity, QbitEntity

PARALLEL_UPDATES = 0

CONNECTIVITY = BinarySensorEntityDescription(
    key="connectivity",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)
ARR_HEALTH = BinarySensorEntityDescription(
    key="health_problem",
    translation_key="health_problem",
    device_class=BinarySensorDeviceClass.PROBLEM,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: QbitrrConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of one server."""
    coordinator = entry.runtime_data
    if isinstance(coordinator, QbitCoordinator):
        async_add_entities([QbitConnectivitySensor(coordinator, CONNECTIVITY)])
    else:
        async_add_entities([ArrHealthSensor(coordinator, ARR_HEALTH)])


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
            "last_success": health.last_success_iso,
        }


class ArrHealthSensor(ArrEntity, BinarySensorEntity):
    """On while the app's own health check reports warnings or errors."""

    @property
    def is_on(self) -> bool:
        """Whether any health message is a warning or an error."""
        return bool(self.coordinator.data.problems)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """The messages, as the app words them."""
        return {"messages": [message.as_dict() for message in self.coordinator.data.problems]}
