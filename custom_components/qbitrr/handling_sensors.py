"""Sensors of an Arr's torrent handling: its last run, and the removals waiting for approval.

Fed by the handler (its runs and its store), not by the Arr's coordinator: both stay readable
while the app is unreachable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from .entity import ArrEntity
from .handling.approvals import SIGNAL_PENDING_CHANGED, pending_attributes
from .handling.report import LastRun
from .handling.runner import SIGNAL_RUN_COMPLETED
from .hub import HUB_KEY

LAST_RUN = SensorEntityDescription(
    key="last_run", translation_key="last_run", device_class=SensorDeviceClass.TIMESTAMP
)
PENDING_REMOVALS = SensorEntityDescription(
    key="pending_removals",
    translation_key="pending_removals",
    state_class=SensorStateClass.MEASUREMENT,
)


class ArrLastRunSensor(ArrEntity, SensorEntity):
    """When torrent handling last ran for this app, and what it did."""

    async def async_added_to_hass(self) -> None:
        """Follow the handler's runs."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, SIGNAL_RUN_COMPLETED, self.async_write_ha_state)
        )

    @property
    def available(self) -> bool:
        """A run's record stays valid while the app is unreachable."""
        return True

    @property
    def _last_run(self) -> LastRun | None:
        return self.hass.data[HUB_KEY].handler.last_runs.get(self.coordinator.config_entry.entry_id)

    @property
    def native_value(self) -> datetime | None:
        """The time of the last run (dry runs included); unknown before the first."""
        last_run = self._last_run
        return last_run.time if last_run else None

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Whether it was a dry run, and counts by rule and by action."""
        last_run = self._last_run
        if last_run is None:
            return None
        return {
            "dry_run": last_run.dry_run,
            "by_rule": last_run.by_rule,
            "by_action": last_run.by_action,
            "failed": last_run.failed,
            "skipped": last_run.skipped_reason,
        }


class ArrPendingRemovalsSensor(ArrEntity, SensorEntity):
    """Removals of this app's torrents waiting for approval (ask before removing)."""

    # A list that changes with every answer: kept out of the recorder's history.
    _unrecorded_attributes = frozenset({"removals"})

    async def async_added_to_hass(self) -> None:
        """Read the stored removals (they survive restarts) and follow their changes."""
        await super().async_added_to_hass()
        await self.hass.data[HUB_KEY].store.async_load()
        self.async_on_remove(
            async_dispatcher_connect(self.hass, SIGNAL_PENDING_CHANGED, self.async_write_ha_state)
        )

    @property
    def available(self) -> bool:
        """Stored removals stay readable while the app is unreachable."""
        return True

    @property
    def native_value(self) -> int:
        """How many removals wait."""
        return len(self.hass.data[HUB_KEY].store.pending_removals(self._entry_id))

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """Each waiting removal: server, hash, name, rule, reason, since."""
        pending = self.hass.data[HUB_KEY].store.pending_removals(self._entry_id)
        return {"removals": pending_attributes(self.hass, pending)}

    @property
    def _entry_id(self) -> str:
        return self.coordinator.config_entry.entry_id
