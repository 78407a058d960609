"""Diagnostics for a qbitrr config entry: no credentials, no torrent names or hashes."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .coordinator import QbitrrConfigEntry

TO_REDACT = {CONF_PASSWORD, CONF_USERNAME}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: QbitrrConfigEntry
) -> dict[str, Any]:
    """Return what helps to debug one server, with secrets redacted."""
    coordinator = entry.runtime_data
    client = coordinator.client
    health = coordinator.health
    snapshot = coordinator.data
    return {
        "entry": {
            "data": async_redact_data(entry.data, TO_REDACT),
            "options": async_redact_data(entry.options, TO_REDACT),
        },
        "health": {
            "reachable": coordinator.last_update_success,
            "consecutive_failures": health.consecutive_failures,
            "last_success": health.last_success.isoformat() if health.last_success else None,
            "last_error": health.last_error,
        },
        "sync": {
            "rid": client.maindata.rid if client.maindata else None,
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
            "server_state": dict(snapshot.server_state),
        },
    }
