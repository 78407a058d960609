"""Switches of a qBittorrent server: its alternative speed limits and qbitrr's free-space guard."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import QbitCoordinator, QbitrrConfigEntry
from .entity import QbitEntity
from .hub import HUB_KEY
from .policy.space_options import (
    GIB,
    OPT_SPACE_GUARD_ENABLED,
    minimum_free_space,
    space_margin,
    with_space_defaults,
)

# Each change is a request to the server: one at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class QbitSwitchDescription(SwitchEntityDescription):
    """A switch read from a server's coordinator (its snapshot or its entry) and set through it."""

    is_on_fn: Callable[[QbitCoordinator], bool | None]
    set_fn: Callable[[QbitCoordinator, bool], Awaitable[None]]
    attributes_fn: Callable[[QbitCoordinator], Mapping[str, Any]] | None = None


async def _set_space_guard(coordinator: QbitCoordinator, enabled: bool) -> None:  # noqa: FBT001
    """Switch the guard in the entry's options (no reload), then let it decide at once."""
    hass, entry = coordinator.hass, coordinator.config_entry
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, OPT_SPACE_GUARD_ENABLED: enabled}
    )
    hass.data[HUB_KEY].space_guard.instance_polled(coordinator)


def _space_guard_attributes(coordinator: QbitCoordinator) -> Mapping[str, Any]:
    """Show the minimum and margin in GiB (the low-disk blueprint finds the switch by them)."""
    options = coordinator.config_entry.options
    return {
        "minimum_free_space": minimum_free_space(options) / GIB,
        "free_space_margin": space_margin(options) / GIB,
    }


SWITCHES: tuple[QbitSwitchDescription, ...] = (
    # As in the core qbittorrent integration: on while the alternative limits are in use.
    QbitSwitchDescription(
        key="alternative_speed_limits",
        translation_key="alternative_speed_limits",
        is_on_fn=lambda coordinator: coordinator.data.server_state.use_alt_speed_limits,
        set_fn=lambda coordinator, on: coordinator.async_set_alternative_speed(on),
    ),
    # Off, the guard neither stops nor resumes anything; the minimum stays configured.
    QbitSwitchDescription(
        key="space_guard",
        translation_key="space_guard",
        entity_category=EntityCategory.CONFIG,
        is_on_fn=lambda coordinator: bool(
            with_space_defaults(coordinator.config_entry.options)[OPT_SPACE_GUARD_ENABLED]
        ),
        set_fn=_set_space_guard,
        attributes_fn=_space_guard_attributes,
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
    """A switch of one qBittorrent server; its state is read, never assumed."""

    entity_description: QbitSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """The state the server reported on the last poll (or the entry holds)."""
        return self.entity_description.is_on_fn(self.coordinator)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """What the switch governs, where that is worth showing."""
        attributes_fn = self.entity_description.attributes_fn
        return None if attributes_fn is None else attributes_fn(self.coordinator)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn it on at the server; the poll that follows shows the result."""
        await self.entity_description.set_fn(self.coordinator, True)  # noqa: FBT003
        self.async_write_ha_state()

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn it off at the server; the poll that follows shows the result."""
        await self.entity_description.set_fn(self.coordinator, False)  # noqa: FBT003
        self.async_write_ha_state()
