"""Switch: a qBittorrent server's alternative speed limits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import QbitCoordinator, QbitrrConfigEntry
from .entity import QbitEntity
from .snapshot import QbitSnapshot

# Each change is a request to the server: one at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class QbitSwitchDescription(SwitchEntityDescription):
    """A switch read from a server's snapshot and set through its coordinator."""

    is_on_fn: Callable[[QbitSnapshot], bool | None]
    set_fn: Callable[[QbitCoordinator, bool], Awaitable[None]]


SWITCHES: tuple[QbitSwitchDescription, ...] = (
    # As in the core qbittorrent integration: on while the alternative limits are in use.
    QbitSwitchDescription(
        key="alternative_speed_limits",
        translation_key="alternative_speed_limits",
        is_on_fn=lambda snapshot: snapshot.server_state.use_alt_speed_limits,
        set_fn=lambda coordinator, on: coordinator.async_set_alternative_speed(on),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: QbitrrConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches of a qBittorrent server (Arr entries have none)."""
    coordinator = entry.runtime_data
    if isinstance(coordinator, QbitCoordinator):
        async_add_entities(QbitSwitch(coordinator, description) for description in SWITCHES)


class QbitSwitch(QbitEntity, SwitchEntity):
    """A switch of one qBittorrent server; its state is always the server's, never assumed."""

    entity_description: QbitSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """The state the server reported on the last poll."""
        return self.entity_description.is_on_fn(self.coordinator.data)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn it on at the server; the poll that follows shows the result."""
        await self.entity_description.set_fn(self.coordinator, True)  # noqa: FBT003

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn it off at the server; the poll that follows shows the result."""
        await self.entity_description.set_fn(self.coordinator, False)  # noqa: FBT003
