"""Buttons: pause or resume a whole qBittorrent server, sync its categories; handle an app now."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .coordinator import ArrCoordinator, QbitCoordinator, QbitrrConfigEntry
from .entity import ArrEntity, QbitEntity
from .entries import managed_categories
from .errors import AUTH_FAILED, REFUSED, UNREACHABLE
from .hub import HUB_KEY

# Each press is work on a server: one at a time.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class QbitButtonDescription(ButtonEntityDescription):
    """A button of a qBittorrent server."""

    press_fn: Callable[[QbitCoordinator], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class ArrButtonDescription(ButtonEntityDescription):
    """A button of a Radarr, Sonarr or Lidarr."""

    press_fn: Callable[[ArrCoordinator], Awaitable[None]]


async def _sync_categories(coordinator: QbitCoordinator) -> None:
    """Create every app's category the server lacks, as `qbitrr.sync_categories` does."""
    hass = coordinator.hass
    result = await hass.data[HUB_KEY].categories.async_ensure(coordinator, managed_categories(hass))
    # A category qBittorrent does not accept by name is a repair, not a failure of the server.
    codes = set(result.failed.values())
    placeholders = {"title": coordinator.config_entry.title}
    if UNREACHABLE in codes:
        await coordinator.async_request_refresh()
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="instance_unreachable",
            translation_placeholders=placeholders,
        )
    if AUTH_FAILED in codes:
        await coordinator.async_request_refresh()
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="instance_auth_failed",
            translation_placeholders=placeholders,
        )
    if REFUSED in codes:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="instance_refused",
            translation_placeholders=placeholders,
        )


async def _handle_torrents(coordinator: ArrCoordinator) -> None:
    """Run the app's torrent rules now, for real (`qbitrr.handle_torrents`, one app)."""
    handler = coordinator.hass.data[HUB_KEY].handler
    response = await handler.async_run([coordinator], dry_run=False)
    if coordinator.config_entry.entry_id in response["skipped_arrs"]:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="arr_unavailable",
            translation_placeholders={"title": coordinator.config_entry.title},
        )


QBIT_BUTTONS: tuple[QbitButtonDescription, ...] = (
    QbitButtonDescription(
        key="pause_all",
        translation_key="pause_all",
        press_fn=lambda coordinator: coordinator.async_pause_all(),
    ),
    QbitButtonDescription(
        key="resume_all",
        translation_key="resume_all",
        press_fn=lambda coordinator: coordinator.async_resume_all(),
    ),
    QbitButtonDescription(
        key="sync_categories",
        translation_key="sync_categories",
        entity_category=EntityCategory.CONFIG,
        press_fn=_sync_categories,
    ),
)
ARR_BUTTONS: tuple[ArrButtonDescription, ...] = (
    ArrButtonDescription(
        key="handle_torrents", translation_key="handle_torrents", press_fn=_handle_torrents
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: QbitrrConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons of one server or app."""
    coordinator = entry.runtime_data
    if isinstance(coordinator, QbitCoordinator):
        async_add_entities(QbitButton(coordinator, description) for description in QBIT_BUTTONS)
    else:
        async_add_entities(ArrButton(coordinator, description) for description in ARR_BUTTONS)


class QbitButton(QbitEntity, ButtonEntity):
    """A button of one qBittorrent server."""

    entity_description: QbitButtonDescription

    async def async_press(self) -> None:
        """Do it; the server's poll that follows shows the result."""
        await self.entity_description.press_fn(self.coordinator)


class ArrButton(ArrEntity, ButtonEntity):
    """A button of one Radarr, Sonarr or Lidarr."""

    entity_description: ArrButtonDescription

    async def async_press(self) -> None:
        """Do it now."""
        await self.entity_description.press_fn(self.coordinator)
