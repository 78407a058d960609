"""The qbitrr config entries once added: waiting until they load and have entities, their ids."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, cast

from .common import ARR_LABELS, DOMAIN, HOST, StackError

if TYPE_CHECKING:
    from devtools.arr_emulator import App

    from .hass_api import HomeAssistantApi
    from .stack import DevStack

ENTRY_TIMEOUT = 60.0


async def list_entries(api: HomeAssistantApi) -> list[dict[str, Any]]:
    """The qbitrr config entries as the REST API lists them."""
    reply = await api.request("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
    return cast("list[dict[str, Any]]", reply)


async def wait_entries_loaded(stack: DevStack, api: HomeAssistantApi) -> list[dict[str, Any]]:
    """Wait until every qbitrr entry is loaded (fail fast on a setup error)."""
    deadline = time.monotonic() + ENTRY_TIMEOUT
    while True:
        entries = await list_entries(api)
        states = {e["title"]: e["state"] for e in entries}
        wanted = len(stack.servers) + len(stack.arrs)
        if len(entries) >= wanted and all(s == "loaded" for s in states.values()):
            return entries
        failed = {t: s for t, s in states.items() if s in {"setup_error", "migration_error"}}
        if failed or time.monotonic() > deadline:
            details = "; ".join(
                f"{e['title']}: {e['state']} {e.get('reason') or ''}".strip() for e in entries
            )
            raise StackError(f"qbitrr entries not loaded: {details or 'no entries'}")
        await asyncio.sleep(1)


async def our_entities(
    api: HomeAssistantApi, entries: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Entity states per config entry id, for entities the qbitrr platform registered."""
    (registry,) = await api.websocket({"type": "config/entity_registry/list"})
    states = {s["entity_id"]: s for s in await api.request("GET", "/api/states")}
    per_entry: dict[str, list[dict[str, Any]]] = {e["entry_id"]: [] for e in entries}
    for item in registry:
        if item.get("platform") == DOMAIN and item["entity_id"] in states:
            per_entry.setdefault(item.get("config_entry_id") or "", []).append(
                states[item["entity_id"]]
            )
    return per_entry


async def wait_entities(
    api: HomeAssistantApi, entries: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Wait until every entry has at least one sensor state in /api/states."""
    deadline = time.monotonic() + ENTRY_TIMEOUT
    while True:
        per_entry = await our_entities(api, entries)
        if all(
            any(s["entity_id"].startswith("sensor.") for s in per_entry.get(e["entry_id"], []))
            for e in entries
        ):
            return per_entry
        if time.monotonic() > deadline:
            counts = {e["title"]: len(per_entry.get(e["entry_id"], [])) for e in entries}
            raise StackError(f"no qbitrr sensor states for some entries: {counts}")
        await asyncio.sleep(1)


def entry_id(stack: DevStack, entries: list[dict[str, Any]], key: str, title: str) -> str:
    """Entry id of a server: the one this script made, else the entry with its title."""
    ids = {e["entry_id"] for e in entries}
    known = stack.state.entries.get(key, {}).get("entry_id")
    if known in ids:
        return str(known)
    for entry in entries:
        if entry["title"] == title:
            return str(entry["entry_id"])
    raise StackError(f"no qbitrr config entry {title!r}")


def arr_entry_ids(stack: DevStack, entries: list[dict[str, Any]]) -> dict[App, str]:
    """Config entry id per emulator."""
    return {
        app: entry_id(stack, entries, app, f"{ARR_LABELS[app]} {HOST}:{emulator.port}")
        for app, emulator in stack.arrs.items()
    }


def qbt_entry_ids(stack: DevStack, entries: list[dict[str, Any]]) -> dict[int, str]:
    """Config entry id per qBittorrent major version."""
    return {
        major: entry_id(stack, entries, f"qbt{major}", f"qBittorrent {HOST}:{server.port}")
        for major, server in stack.servers.items()
    }
