"""Diagnostics for a qbitrr config entry: no credentials, no torrent names or hashes."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .coordinator import ArrCoordinator, QbitCoordinator, QbitrrConfigEntry
from .health import InstanceHealth

# `api_key` is an Arr's key and a qBittorrent entry's API key alike.
TO_REDACT = {CONF_API_KEY, CONF_PASSWORD, CONF_USERNAME}


def _health(reachable: bool, health: InstanceHealth) -> dict[str, Any]:  # noqa: FBT001
    return {
        "reachable": reachable,
        "consecutive_failures": health.consecutive_failures,
        "last_success": health.last_success_iso,
        "last_error": health.last_error,
    }


def _qbit(coordinator: QbitCoordinator) -> dict[str, Any]:
    client = coordinator.client
    snapshot = coordinator.data
    return {
        "sync": {
            "rid": snapshot.maindata.rid,
            "full_syncs": client.full_syncs,
            "incremental_syncs": client.incremental_syncs,
        },
        "server": {
            "app_version": snapshot.app_version,
            "webapi_version": snapshot.webapi_version,
            "torrents": snapshot.total,
            "counts": {str(group): count for group, count in snapshot.counts.items()},
            "category_counts": dict(snapshot.category_counts),
            "tags": len(snapshot.maindata.tags),
            "server_state": snapshot.server_state.as_dict(),
        },
    }


def _arr(coordinator: ArrCoordinator) -> dict[str, Any]:
    snapshot = coordinator.data
    return {
        "app": {
            "app": str(snapshot.status.app),
            "version": snapshot.status.version,
            "category": coordinator.category,
        },
        "app_health": [message.as_dict() for message in snapshot.health],
        "disk_space": [
            {"free_space": d.free_space, "total_space": d.total_space} for d in snapshot.disk_space
        ],
        "queue": {
            "size": len(snapshot.queue),
            "by_status": {
                status: sum(1 for item in snapshot.queue if item.status == status)
                for status in sorted({item.status for item in snapshot.queue})
            },
        },
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: QbitrrConfigEntry
) -> dict[str, Any]:
    """Return what helps to debug one server, with secrets redacted."""
    coordinator = entry.runtime_data
    details = _qbit(coordinator) if isinstance(coordinator, QbitCoordinator) else _arr(coordinator)
    return {
        "entry": {
            "data": async_redact_data(entry.data, TO_REDACT),
            "options": async_redact_data(entry.options, TO_REDACT),
        },
        "health": _health(coordinator.last_update_success, coordinator.health),
        **details,
    }
