"""Binary sensors: connectivity and the free-space guard of qBittorrent servers, Arr health."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import SIGNAL_SPACE_GUARD
from .coordinator import QbitCoordinator, QbitrrConfigEntry
from .entity import ArrEntity, QbitEntity
from .hub import HUB_KEY
from .space_guard import GuardState

PARALLEL_UPDATES = 0

CONNECTIVITY = BinarySensorEntityDescription(
    key="connectivity",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)
SPACE_GUARD_ACTIVE = BinarySensorEntityDescription(
    key="space_guard_active", translation_key="space_guard_active"
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
        async_add_entities(
            [
                QbitConnectivitySensor(coordinator, CONNECTIVITY),
                SpaceGuardSensor(coordinator, SPACE_GUARD_ACTIVE),
            ]
        )
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


class SpaceGuardSensor(QbitEntity, BinarySensorEntity):
    """On while the server's free-space guard holds its downloads stopped."""

    async def async_added_to_hass(self) -> None:
        """Follow the guard, which decides after the poll that updated this entity."""
        await super().async_added_to_hass()
        entry_id = self.coordinator.config_entry.entry_id
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass, f"{SIGNAL_SPACE_GUARD}_{entry_id}", self._guard_changed
            )
        )

    @callback
    def _guard_changed(self) -> None:
        self.async_write_ha_state()

    @property
    def _guard(self) -> GuardState:
        return self.hass.data[HUB_KEY].space_guard.state(self.coordinator.config_entry.entry_id)

    @property
    def is_on(self) -> bool:
        """Whether the free space fell below the minimum and has not come back yet."""
        return self._guard.active

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """How many torrents the guard holds stopped (they resume as space allows)."""
        return {"held_torrents": self._guard.held}


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
