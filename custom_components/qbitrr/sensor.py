"""Sensors: speeds, counts, totals and status of qBittorrent servers; queue and torrents of Arrs."""

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
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .const import CONF_KEEP_CASE_VARIANTS, SIGNAL_QBIT_UPDATED
from .coordinator import QbitCoordinator, QbitrrConfigEntry
from .entity import ArrEntity, QbitEntity
from .entries import reachable_instances
from .handling_sensors import LAST_RUN, PENDING_REMOVALS, ArrLastRunSensor, ArrPendingRemovalsSensor
from .hub import HUB_KEY
from .model.server import CONNECTION_STATUSES
from .model.states import StateGroup
from .snapshot import ArrSnapshot, QbitSnapshot

# Read-only entities fed by coordinators: no per-entity requests to limit.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class QbitSensorDescription(SensorEntityDescription):
    """A sensor computed from one poll's snapshot of a qBittorrent server."""

    value_fn: Callable[[QbitSnapshot], StateType]
    attributes_fn: Callable[[QbitSnapshot], Mapping[str, Any]] | None = None
    # Whether the server reports it at all (checked once, at setup).
    has_fn: Callable[[QbitSnapshot], bool] = lambda _: True


@dataclass(frozen=True, kw_only=True)
class ArrSensorDescription(SensorEntityDescription):
    """A sensor computed from one poll of an Arr app."""

    value_fn: Callable[[ArrSnapshot], StateType]


@dataclass(frozen=True, kw_only=True)
class ArrTorrentsSensorDescription(SensorEntityDescription):
    """A count of the app's torrents across every qBittorrent instance."""

    group: StateGroup | None = None


def _alltime(key: str, value_fn: Callable[[QbitSnapshot], StateType]) -> QbitSensorDescription:
    return QbitSensorDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.DATA_SIZE,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=2,
        value_fn=value_fn,
    )


def _external_address(
    key: str, value_fn: Callable[[QbitSnapshot], StateType]
) -> QbitSensorDescription:
    # Created only for servers that report the addresses (5.x); "" (not known yet) is unknown.
    return QbitSensorDescription(
        key=key,
        translation_key=key,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=value_fn,
        has_fn=lambda snapshot: snapshot.server_state.reports_external_addresses,
    )


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
        value_fn=lambda snapshot: snapshot.server_state.dl_info_speed,
    ),
    QbitSensorDescription(
        key="upload_speed",
        translation_key="upload_speed",
        device_class=SensorDeviceClass.DATA_RATE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfDataRate.BYTES_PER_SECOND,
        suggested_unit_of_measurement=UnitOfDataRate.MEBIBYTES_PER_SECOND,
        suggested_display_precision=2,
        value_fn=lambda snapshot: snapshot.server_state.up_info_speed,
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
        value_fn=lambda snapshot: snapshot.server_state.free_space_on_disk,
    ),
    QbitSensorDescription(
        key="connection_status",
        translation_key="connection_status",
        device_class=SensorDeviceClass.ENUM,
        options=list(CONNECTION_STATUSES),
        value_fn=lambda snapshot: snapshot.server_state.connection_status,
    ),
    _alltime("alltime_download", lambda snapshot: snapshot.server_state.alltime_dl),
    _alltime("alltime_upload", lambda snapshot: snapshot.server_state.alltime_ul),
    QbitSensorDescription(
        key="global_ratio",
        translation_key="global_ratio",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=lambda snapshot: snapshot.server_state.global_ratio,
    ),
    QbitSensorDescription(
        key="dht_nodes",
        translation_key="dht_nodes",
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda snapshot: snapshot.server_state.dht_nodes,
    ),
    _external_address(
        "external_address_v4", lambda snapshot: snapshot.server_state.last_external_address_v4
    ),
    _external_address(
        "external_address_v6", lambda snapshot: snapshot.server_state.last_external_address_v6
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

ARR_SENSORS: tuple[ArrSensorDescription, ...] = (
    ArrSensorDescription(
        key="queue_size",
        translation_key="queue_size",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda snapshot: len(snapshot.queue),
    ),
    ArrSensorDescription(
        key="arr_version",
        translation_key="arr_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda snapshot: snapshot.status.version,
    ),
)

ARR_TORRENT_SENSORS: tuple[ArrTorrentsSensorDescription, ...] = (
    ArrTorrentsSensorDescription(
        key="torrents", translation_key="arr_torrents", state_class=SensorStateClass.MEASUREMENT
    ),
    ArrTorrentsSensorDescription(
        key="stalled_torrents",
        translation_key="arr_stalled_torrents",
        state_class=SensorStateClass.MEASUREMENT,
        group=StateGroup.STALLED,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: QbitrrConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of one server."""
    coordinator = entry.runtime_data
    if isinstance(coordinator, QbitCoordinator):
        async_add_entities(
            QbitSensor(coordinator, description)
            for description in SENSORS
            if description.has_fn(coordinator.data)
        )
        return
    async_add_entities(
        [
            *(ArrSensor(coordinator, description) for description in ARR_SENSORS),
            *(ArrTorrentsSensor(coordinator, description) for description in ARR_TORRENT_SENSORS),
            ArrLastRunSensor(coordinator, LAST_RUN),
            ArrPendingRemovalsSensor(coordinator, PENDING_REMOVALS),
        ]
    )


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


class ArrSensor(ArrEntity, SensorEntity):
    """A sensor of one Arr app."""

    entity_description: ArrSensorDescription

    @property
    def native_value(self) -> StateType:
        """The value for the latest poll."""
        return self.entity_description.value_fn(self.coordinator.data)


class ArrTorrentsSensor(ArrEntity, SensorEntity):
    """Torrents in the app's category on every reachable qBittorrent instance.

    It reads the instances' models (no requests) and follows every instance's polls, writing
    its state only when a count changed.
    """

    entity_description: ArrTorrentsSensorDescription
    _per_instance: dict[str, int] | None = None

    async def async_added_to_hass(self) -> None:
        """Follow every qBittorrent instance's updates too."""
        await super().async_added_to_hass()
        self._per_instance = self._count()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, SIGNAL_QBIT_UPDATED, self._handle_qbit_update)
        )

    @callback
    def _handle_qbit_update(self, instance_id: str) -> None:
        counts = self._count()
        if counts != self._per_instance:
            self._per_instance = counts
            self.async_write_ha_state()

    @callback
    def _handle_coordinator_update(self) -> None:
        self._per_instance = self._count()
        super()._handle_coordinator_update()

    @property
    def available(self) -> bool:
        """Counts come from the instances, so they stay valid while the app is unreachable."""
        return True

    def _categories(self) -> frozenset[str]:
        """Return the app's category and, until the user decides, its other-case spellings."""
        data = self.coordinator.config_entry.data
        keep = frozenset(data.get(CONF_KEEP_CASE_VARIANTS, ()))
        category = self.coordinator.category
        return self.hass.data[HUB_KEY].categories.aliases(category, keep) | {category}

    def _count(self) -> dict[str, int] | None:
        categories = self._categories()
        group = self.entity_description.group
        counts: dict[str, int] = {}
        for instance in reachable_instances(self.hass):
            total = 0
            for category in categories:
                groups = instance.data.category_group_counts.get(category, {})
                total += sum(groups.values()) if group is None else groups.get(group, 0)
            counts[instance.config_entry.title] = total
        return counts or None

    @property
    def native_value(self) -> StateType:
        """The total over reachable instances; unknown when none is reachable."""
        per_instance = self._per_instance
        return None if per_instance is None else sum(per_instance.values())

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """The count on each reachable instance, and the category counted."""
        return {"category": self.coordinator.category, "instances": self._per_instance or {}}
