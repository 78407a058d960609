"""Numbers: a qBittorrent server's global and alternative speed limits, in KiB/s."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfDataRate
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import QbitCoordinator, QbitrrConfigEntry
from .entity import QbitEntity
from .model.server import SpeedLimit
from .snapshot import QbitSnapshot

# Each change is a request to the server: one at a time.
PARALLEL_UPDATES = 1

KIB: Final = 1024
# qBittorrent keeps limits as whole KiB/s and passes them as 32-bit bytes/s.
MAX_KIB_PER_SECOND: Final = (2**31 - 1) // KIB


@dataclass(frozen=True, kw_only=True)
class QbitLimitDescription(NumberEntityDescription):
    """A speed limit (KiB/s, 0 = none): read from snapshots, set through the coordinator."""

    value_fn: Callable[[QbitSnapshot], int | None]
    set_fn: Callable[[QbitCoordinator, int], Awaitable[None]]


def _limit(key: str, limit: SpeedLimit) -> QbitLimitDescription:
    def value(snapshot: QbitSnapshot) -> int | None:
        bytes_per_second = snapshot.limits.get(limit)
        return None if bytes_per_second is None else bytes_per_second // KIB

    return QbitLimitDescription(
        key=key,
        translation_key=key,
        device_class=NumberDeviceClass.DATA_RATE,
        entity_category=EntityCategory.CONFIG,
        mode=NumberMode.BOX,
        native_min_value=0,
        native_max_value=MAX_KIB_PER_SECOND,
        native_step=1,
        native_unit_of_measurement=UnitOfDataRate.KIBIBYTES_PER_SECOND,
        value_fn=value,
        set_fn=lambda coordinator, kib: coordinator.async_set_speed_limit(limit, kib * KIB),
    )


NUMBERS: tuple[QbitLimitDescription, ...] = (
    _limit("download_limit", SpeedLimit.DOWNLOAD),
    _limit("upload_limit", SpeedLimit.UPLOAD),
    _limit("alt_download_limit", SpeedLimit.ALT_DOWNLOAD),
    _limit("alt_upload_limit", SpeedLimit.ALT_UPLOAD),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: QbitrrConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the speed limits of a qBittorrent server (Arr entries have none)."""
    coordinator = entry.runtime_data
    if isinstance(coordinator, QbitCoordinator):
        async_add_entities(QbitLimit(coordinator, description) for description in NUMBERS)


class QbitLimit(QbitEntity, NumberEntity):
    """One speed limit; it shows what the server reports, never the value just sent."""

    entity_description: QbitLimitDescription

    @property
    def native_value(self) -> int | None:
        """The limit the server reported (KiB/s, 0 = none); unknown until read."""
        return self.entity_description.value_fn(self.coordinator.data)

    async def async_set_native_value(self, value: float) -> None:
        """Set the limit at the server; the poll that follows reads it back."""
        await self.entity_description.set_fn(self.coordinator, round(value))
