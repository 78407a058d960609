"""Sensors of a qBittorrent server: speeds, counts per state group, free space, versions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfDataRate, UnitOfInformation
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .api.maindata import QbitSnapshot
from .coordinator import QbitrrConfigEntry
from .entity import QbitEntity
from .policy.states import StateGroup

# Read-only entities fed by the coordinator: no per-entity requests to limit.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class QbitSensorDescription(SensorEntityDescription):
    """A sensor computed from one poll's snapshot."""

    value_fn: Callable[[QbitSnapshot], StateType]
    attributes_fn: Callable[[QbitSnapshot], Mapping[str, Any]] | None = None


def _server_number(key: str) -> Callable[[QbitSnapshot], StateType]:
    def value(snapshot: QbitSnapshot) -> StateType:
        number = snapshot.server_state.get(key)
        return number if isinstance(number, int | float) and not isinstance(number, bool) else None

    return value


def _group_count(group: StateGroup) -> QbitSensorDescription:
    return QbitSensorDescription(
        key=f"{group}_torrents",
        translation_key=f"{group}_torrents",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda snapshot: snapshot.counts[group],
    )


SENSORS: tuple[QbitSensorDescription, ...] = (
    QbitSensorDescription(
        key="download_speed",
        translation_key="download_speed",
        device_class=SensorDeviceClass.DATA_RATE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfDataRate.BYTES_PER_SECOND,
        suggested_unit_of_measurement=UnitOfDataRate.MEBIBYTES_PER_SECOND,
        suggested_display_precision=2,
        value_fn=_server_number("dl_info_speed"),
    ),
    QbitSensorDescription(
        key="upload_speed",
        translation_key="upload_speed",
        device_class=SensorDeviceClass.DATA_RATE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfDataRate.BYTES_PER_SECOND,
        suggested_unit_of_measurement=UnitOfDataRate.MEBIBYTES_PER_SECOND,
        suggested_display_precision=2,
        value_fn=_server_number("up_info_speed"),
    ),
    QbitSensorDescription(
        key="total_torrents",
        translation_key="total_torrents",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda snapshot: snapshot.total,
        attributes_fn=lambda snapshot: {
            "categories": dict(sorted(snapshot.category_counts.items()))
        },
    ),
    *(
        _group_count(group)
        for group in (
            StateGroup.DOWNLOADING,
            StateGroup.SEEDING,
            StateGroup.STALLED,
            StateGroup.PAUSED,
            StateGroup.ERRORED,
            StateGroup.CHECKING,
            StateGroup.QUEUED,
        )
    ),
    QbitSensorDescription(
        key="free_space",
        translation_key="free_space",
        device_class=SensorDeviceClass.DATA_SIZE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=1,
        value_fn=_server_number("free_space_on_disk"),
    ),
    QbitSensorDescription(
        key="app_version",
        translation_key="app_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda snapshot: snapshot.app_version,
    ),
    QbitSensorDescription(
        key="webapi_version",
        translation_key="webapi_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda snapshot: snapshot.webapi_version,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: QbitrrConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of one qBittorrent server."""
    coordinator = entry.runtime_data
    async_add_entities(QbitSensor(coordinator, description) for description in SENSORS)


class QbitSensor(QbitEntity, SensorEntity):
    """A sensor of one qBittorrent server."""

    entity_description: QbitSensorDescription

    @property
    def native_value(self) -> StateType:
        """The value for the latest snapshot."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Breakdowns some sensors carry (the total sensor: torrents per category)."""
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self.coordinator.data)
