"""What ``--check`` verifies beyond the entries: the Arr sensors and the cross-instance services."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from .common import ARR_LABELS, DOMAIN, QBT_LABELS, StackError, log
from .entries import arr_entry_ids, qbt_entry_ids

if TYPE_CHECKING:
    from devtools.arr_emulator import App

    from .hass_api import HomeAssistantApi
    from .stack import DevStack

# The Arr sensors follow the qBittorrent polls (every 15 s) and the Arr polls (every 30 s).
SENSOR_TIMEOUT = 45.0


async def wait_arr_sensors(
    stack: DevStack, api: HomeAssistantApi, entries: list[dict[str, Any]]
) -> None:
    """Wait until each app's device shows what its emulator holds.

    Queue: the records queued; Torrents: the app's torrents over both qBittorrent servers
    (its value follows their polls, every 15 s); Health: on for Radarr's warning only.
    """
    expected: list[tuple[App, str, str]] = []  # (app, entity unique id, state)
    for app, entry_id in arr_entry_ids(stack, entries).items():
        total = str(sum(stack.queued[app].values()))
        expected += [
            (app, f"{entry_id}-queue_size", total),
            (app, f"{entry_id}-torrents", total),
            (app, f"{entry_id}-health_problem", "on" if app == "radarr" else "off"),
        ]
    started = time.monotonic()
    said_so = False
    while True:
        seen, wrong = await _arr_sensor_states(api, expected)
        if not wrong:
            stack.arr_sensors = seen
            stack.timings["Arr sensors right"] = time.monotonic() - started
            return
        if time.monotonic() > started + SENSOR_TIMEOUT:
            raise StackError(f"Arr sensors after {SENSOR_TIMEOUT:.0f}s: " + "; ".join(wrong))
        if not said_so:
            said_so = True
            log("waiting for the Arr sensors (next qBittorrent/Arr poll): " + "; ".join(wrong))
        await asyncio.sleep(1)


async def _arr_sensor_states(
    api: HomeAssistantApi, expected: list[tuple[App, str, str]]
) -> tuple[dict[str, str], list[str]]:
    """The expected sensors' states by entity id, and what differs from ``expected``."""
    (registry,) = await api.websocket({"type": "config/entity_registry/list"})
    states = {s["entity_id"]: s["state"] for s in await api.request("GET", "/api/states")}
    by_unique_id = {
        str(item.get("unique_id")): str(item["entity_id"])
        for item in registry
        if item.get("platform") == DOMAIN
    }
    seen: dict[str, str] = {}
    wrong: list[str] = []
    for app, unique_id, want in expected:
        entity_id = by_unique_id.get(unique_id)
        if entity_id is None:
            wrong.append(f"{ARR_LABELS[app]} has no entity {unique_id}")
            continue
        if app not in entity_id:
            raise StackError(f"{ARR_LABELS[app]}'s entity {entity_id} lacks {app!r}")
        seen[entity_id] = got = states.get(entity_id, "missing")
        if got != want:
            wrong.append(f"{entity_id} is {got!r}, expected {want!r}")
    return seen, wrong


async def call_service(
    api: HomeAssistantApi, service: str, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Call a qbitrr service over REST and return its response."""
    reply = await api.request(
        "POST", f"/api/services/{DOMAIN}/{service}?return_response", json_body=data or {}
    )
    response = reply.get("service_response") if isinstance(reply, dict) else None
    if not isinstance(response, dict):
        raise StackError(f"{DOMAIN}.{service} returned no response: {reply}")
    return response


async def check_services(
    stack: DevStack, api: HomeAssistantApi, entries: list[dict[str, Any]]
) -> None:
    """get_distribution counts each app's torrents on both instances; sync_categories works."""
    qbt_ids = qbt_entry_ids(stack, entries)
    categories = sorted(stack.arrs)
    distribution = await call_service(api, "get_distribution", {"categories": categories})
    for app in categories:
        counts = distribution.get("distribution", {}).get(app, {})
        for major, entry_id in qbt_ids.items():
            if counts.get(entry_id) != stack.queued[app][major]:
                raise StackError(
                    f"get_distribution: {app} on {QBT_LABELS[major]} is"
                    f" {counts.get(entry_id)!r}, expected {stack.queued[app][major]}"
                    f" ({distribution})"
                )
    stack.distribution = distribution
    sync = await call_service(api, "sync_categories")
    if missing := set(categories) - set(sync.get("categories", [])):
        raise StackError(f"sync_categories does not manage {sorted(missing)}: {sync}")
    instances = sync.get("instances", {})
    for major, entry_id in qbt_ids.items():
        result = instances.get(entry_id)
        if result is None or result.get("failed"):
            raise StackError(f"sync_categories on {QBT_LABELS[major]}: {result or 'missing'}")
    stack.category_sync = sync
