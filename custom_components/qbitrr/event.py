"""Event entities: torrents finishing or failing, and what torrent handling did.

They let the automation editor offer these events without YAML: an automation triggers on
the entity's state change and reads the event type and its attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import EVENT_IMPORTED, EVENT_TORRENT_COMPLETED, EVENT_TORRENT_FAILED
from .coordinator import QbitCoordinator, QbitrrConfigEntry
from .entity import ArrEntity, QbitEntity
from .handling.report import EVENT_TORRENT_ACTION
from .policy.model import ActionKind

PARALLEL_UPDATES = 0

TORRENT = EventEntityDescription(
    key="torrent_event", translation_key="torrent", event_types=["completed", "failed"]
)
TORRENT_ACTION = EventEntityDescription(
    key="torrent_action",
    translation_key="torrent_action",
    event_types=[kind.value for kind in ActionKind],
)
IMPORTED = EventEntityDescription(
    key="imported", translation_key="imported", event_types=["imported"]
)
_IMPORTED_ATTRIBUTES = ("app", "title", "quality", "release", "hash", "name", "instance_title")
_QBIT_EVENTS = {EVENT_TORRENT_COMPLETED: "completed", EVENT_TORRENT_FAILED: "failed"}
_ATTRIBUTES = ("instance_title", "hash", "name", "category", "state", "rule", "reason", "result")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: QbitrrConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the event entity of one server."""
    coordinator = entry.runtime_data
    if isinstance(coordinator, QbitCoordinator):
        async_add_entities([QbitTorrentEvent(coordinator, TORRENT)])
    else:
        async_add_entities(
            [ArrActionEvent(coordinator, TORRENT_ACTION), ArrImportedEvent(coordinator, IMPORTED)]
        )


def _attributes(event: Event) -> dict[str, object]:
    return {key: event.data[key] for key in _ATTRIBUTES if key in event.data}


class QbitTorrentEvent(QbitEntity, EventEntity):
    """A torrent on this server finished or failed."""

    @property
    def available(self) -> bool:
        """The last event stays readable while the server is unreachable."""
        return True

    async def async_added_to_hass(self) -> None:
        """Listen to this server's torrent events."""
        await super().async_added_to_hass()
        for event_type in _QBIT_EVENTS:
            self.async_on_remove(
                self.hass.bus.async_listen(event_type, self._handle, event_filter=self._mine)
            )

    @callback
    def _mine(self, event_data: Mapping[str, Any]) -> bool:
        return bool(event_data.get("instance") == self.coordinator.config_entry.entry_id)

    @callback
    def _handle(self, event: Event) -> None:
        self._trigger_event(_QBIT_EVENTS[str(event.event_type)], _attributes(event))
        self.async_write_ha_state()


class _ArrBusEvent(ArrEntity, EventEntity):
    """An event entity of one app, fed by one of qbitrr's events on the bus."""

    _bus_event: str

    @property
    def available(self) -> bool:
        """The last event stays readable while the app is unreachable."""
        return True

    async def async_added_to_hass(self) -> None:
        """Listen to the app's events on the bus."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.hass.bus.async_listen(self._bus_event, self._handle, event_filter=self._mine)
        )

    @callback
    def _mine(self, event_data: Mapping[str, Any]) -> bool:
        return bool(event_data.get("arr") == self.coordinator.config_entry.entry_id)

    @callback
    def _handle(self, event: Event) -> None:
        raise NotImplementedError


class ArrActionEvent(_ArrBusEvent):
    """Torrent handling acted on one of this app's torrents (real runs, not dry runs)."""

    _bus_event = EVENT_TORRENT_ACTION

    @callback
    def _mine(self, event_data: Mapping[str, Any]) -> bool:
        return super()._mine(event_data) and not event_data.get("dry_run")

    @callback
    def _handle(self, event: Event) -> None:
        self._trigger_event(str(event.data["action"]), _attributes(event))
        self.async_write_ha_state()


class ArrImportedEvent(_ArrBusEvent):
    """The app imported a download: the movie, episodes or album are ready to watch or hear."""

    _bus_event = EVENT_IMPORTED

    @callback
    def _handle(self, event: Event) -> None:
        attributes = {key: event.data[key] for key in _IMPORTED_ATTRIBUTES if key in event.data}
        self._trigger_event("imported", attributes)
        self.async_write_ha_state()
