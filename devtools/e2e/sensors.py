"""The sensors against what the servers and the emulator hold."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, Final

from devtools.devstack.checks import SENSOR_TIMEOUT, wait_arr_sensors
from devtools.devstack.common import QBT_LABELS, log
from devtools.qbittorrent_server import PAUSED_STATES

from .common import E2EError, expect
from .servers import ServerView, read_server

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .context import Context

STALLED_STATES: Final = frozenset({"stalledDL", "metaDL", "forcedMetaDL"})


async def qbt_sensors(ctx: Context) -> str:
    """Torrents (with per-category attribute), stalled and paused counts, version, connectivity.

    Polls: the sensors follow the server within one poll (15 s).
    """
    deadline = time.monotonic() + SENSOR_TIMEOUT
    said_so = False
    while True:
        by_unique_id, states = await ctx.entities()
        wrong: list[str] = []
        lines: list[str] = []
        for major, server in ctx.stack.servers.items():
            view = await asyncio.to_thread(read_server, server)
            line, mismatches = compare_qbt(
                QBT_LABELS[major], view, ctx.qbt_ids[major], by_unique_id, states
            )
            lines.append(line)
            wrong += mismatches
        if not wrong:
            return "\n".join(lines)
        if time.monotonic() > deadline:
            raise E2EError("; ".join(wrong))
        if not said_so:
            said_so = True
            log("waiting for the next qBittorrent poll: " + "; ".join(wrong))
        await asyncio.sleep(1)


def compare_qbt(
    label: str,
    view: ServerView,
    entry_id: str,
    by_unique_id: Mapping[str, str],
    states: Mapping[str, dict[str, Any]],
) -> tuple[str, list[str]]:
    """One server's sensors against what it holds: a summary line and the mismatches."""

    def state(key: str) -> dict[str, Any]:
        entity_id = by_unique_id.get(f"{entry_id}-{key}", f"<no {key} entity>")
        return states.get(entity_id) or {"entity_id": entity_id, "state": "missing"}

    expected: dict[str, str] = {
        "total_torrents": str(len(view.torrents)),
        "stalled_torrents": str(view.count(STALLED_STATES)),
        "paused_torrents": str(view.count(PAUSED_STATES)),
        "connectivity": "on",
        "app_version": view.version.lstrip("v"),
    }
    wrong: list[str] = []
    for key, want in expected.items():
        got = str(state(key)["state"])
        if key == "app_version":
            got = got.lstrip("v")
        if got != want:
            wrong.append(f"{state(key)['entity_id']} is {got!r}, server: {want!r}")
    total = state("total_torrents")
    categories = total.get("attributes", {}).get("categories")
    if categories != view.category_counts:
        wrong.append(
            f"{total['entity_id']} categories {categories}, server: {view.category_counts}"
        )
    line = (
        f"{label} ({view.version}): {expected['total_torrents']} torrents,"
        f" {expected['stalled_torrents']} stalled, {expected['paused_torrents']} paused,"
        f" categories {view.category_counts} = {total['entity_id']} & co."
    )
    return line, wrong


async def arr_sensors(ctx: Context) -> str:
    """Queue and torrents equal the emulator's queue; health on (its warning)."""
    await wait_arr_sensors(ctx.stack, ctx.ha, ctx.entries)
    return ", ".join(f"{e} = {s}" for e, s in ctx.stack.arr_sensors.items())


async def wait_qbt_polled(ctx: Context) -> None:
    """Wait until each server's torrents sensor shows the number of torrents it holds."""
    counts = {
        major: len((await asyncio.to_thread(read_server, server)).torrents)
        for major, server in ctx.stack.servers.items()
    }
    deadline = time.monotonic() + SENSOR_TIMEOUT
    while True:
        by_unique_id, states = await ctx.entities()
        wrong = []
        for major, entry_id in ctx.qbt_ids.items():
            entity_id = by_unique_id.get(f"{entry_id}-total_torrents", "?")
            state = str(states.get(entity_id, {}).get("state", "missing"))
            if state != str(counts[major]):
                wrong.append(f"{entity_id} is {state!r}, server: {counts[major]}")
        if not wrong:
            return
        expect(time.monotonic() < deadline, "after the restart: " + "; ".join(wrong))
        await asyncio.sleep(0.5)
