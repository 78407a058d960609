"""A qBittorrent server's controls over Home Assistant's REST API, checked on the servers.

The alternative-speed switch, the global download limit, the alternative download limit and
the pause-all/resume-all buttons of both servers: each change is made through
``/api/services/<domain>/<service>``, then read back from the server itself and from the
entity once the coordinator has polled (the entities hold no optimistic state). Everything
is put back as it was at the end, so the later steps see the servers as they were.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import time
from typing import TYPE_CHECKING, Any, Final

from devtools.devstack.checks import SENSOR_TIMEOUT
from devtools.devstack.common import QBT_LABELS, log
from devtools.qbittorrent_server import PAUSED_STATES

from .common import E2EError, expect

if TYPE_CHECKING:
    from collections.abc import Mapping

    from devtools.qbittorrent_server import QbittorrentServer

    from .context import Context

KIB: Final = 1024
# Values no fresh server has: KiB/s, as the number entities show them.
DOWNLOAD_LIMIT_KIB: Final = 4321
ALT_DOWNLOAD_LIMIT_KIB: Final = 1234
# Entity keys (unique id = "<entry id>-<key>") of one server that this step uses.
KEYS: Final = (
    "alternative_speed_limits",
    "download_limit",
    "alt_download_limit",
    "pause_all",
    "resume_all",
    "paused_torrents",
)
# Preference names (bytes/s) of the two limits, by entity key.
PREFERENCES: Final[Mapping[str, str]] = {
    "download_limit": "dl_limit",
    "alt_download_limit": "alt_dl_limit",
}


@dataclass(frozen=True)
class Controls:
    """What one server reports of its controls, read with its own WebAPI."""

    alternative: bool
    limits: dict[str, int]  # entity key -> bytes/s (0 = none)
    states: dict[str, str]  # hash -> state

    @property
    def paused(self) -> frozenset[str]:
        """Hashes of the paused (5.x: stopped) torrents."""
        return frozenset(h for h, s in self.states.items() if s in PAUSED_STATES)


def read_controls(server: QbittorrentServer) -> Controls:
    """Read a server's speed-limit mode, limits and torrent states (blocking: in a thread)."""
    client = server.client()
    try:
        preferences = client.app_preferences()
        return Controls(
            alternative=int(client.transfer_speed_limits_mode()) == 1,
            limits={key: int(str(preferences[name])) for key, name in PREFERENCES.items()},
            states={str(t["hash"]): str(t["state"]) for t in client.torrents_info()},
        )
    finally:
        client.auth_log_out()


def stop_torrents(server: QbittorrentServer, hashes: frozenset[str]) -> None:
    """Pause (5.x: stop) these torrents on the server (blocking: in a thread)."""
    client = server.client()
    try:
        client.torrents_stop(torrent_hashes=sorted(hashes))
    finally:
        client.auth_log_out()


# One server's check: its controls and its entities' states -> what does not match yet.
type Check = Callable[[int, Controls, Mapping[str, dict[str, Any]]], list[str]]


class ControlsRun:
    """Both servers' control entities, the changes made through them and how long each took."""

    def __init__(self, ctx: Context, entity_ids: dict[int, dict[str, str]]) -> None:
        """``entity_ids``: server major -> entity key -> entity id."""
        self.ctx = ctx
        self.entity_ids = entity_ids
        self.lines: list[str] = []

    def ids(self, key: str) -> list[str]:
        """The entity ids of ``key`` on both servers."""
        return [ids[key] for ids in self.entity_ids.values()]

    async def call(self, domain: str, service: str, key: str, **data: Any) -> None:
        """Call a service for ``key``'s entity of both servers over REST."""
        await self.ctx.ha.request(
            "POST",
            f"/api/services/{domain}/{service}",
            json_body={"entity_id": self.ids(key)} | data,
        )

    async def settle(self, what: str, check: Check) -> dict[int, Controls]:
        """Wait until ``check`` holds on both servers and entities; record how long it took."""
        started = time.monotonic()
        said_so = False
        while True:
            _, states = await self.ctx.entities()
            seen: dict[int, Controls] = {}
            wrong: list[str] = []
            for major, server in self.ctx.stack.servers.items():
                seen[major] = await asyncio.to_thread(read_controls, server)
                entities = {key: states.get(eid, {}) for key, eid in self.entity_ids[major].items()}
                wrong += [f"{QBT_LABELS[major]}: {w}" for w in check(major, seen[major], entities)]
            if not wrong:
                self.lines.append(f"{what}: servers and entities agree after {_since(started)}")
                return seen
            if time.monotonic() - started > SENSOR_TIMEOUT:
                raise E2EError(f"{what}: " + "; ".join(wrong))
            if not said_so:
                said_so = True
                log(f"{what}: waiting for the next poll: " + "; ".join(wrong))
            await asyncio.sleep(0.5)


def _since(started: float) -> str:
    return f"{time.monotonic() - started:.1f}s"


def _state(entities: Mapping[str, dict[str, Any]], key: str) -> str:
    return str(entities.get(key, {}).get("state", "missing"))


def _switch_is(on: Mapping[int, bool]) -> Check:
    """The alternative limits are in use on each server as ``on[major]`` says, and shown so."""

    def check(major: int, controls: Controls, entities: Mapping[str, dict[str, Any]]) -> list[str]:
        wrong = []
        if controls.alternative != on[major]:
            wrong.append(f"server's alternative speed limits in use: {controls.alternative}")
        want = "on" if on[major] else "off"
        if (got := _state(entities, "alternative_speed_limits")) != want:
            wrong.append(f"switch is {got!r}, expected {want!r}")
        return wrong

    return check


def _limit_is(key: str, kib: Mapping[int, int]) -> Check:
    """``key``'s limit is ``kib[major]`` KiB/s on each server and its entity."""

    def check(major: int, controls: Controls, entities: Mapping[str, dict[str, Any]]) -> list[str]:
        wrong = []
        if controls.limits[key] != kib[major] * KIB:
            wrong.append(
                f"server's {PREFERENCES[key]} {controls.limits[key]} B/s, not {kib[major]}"
            )
        got = _state(entities, key)
        try:
            shown = float(got)
        except ValueError:
            shown = -1.0
        if shown != kib[major]:
            wrong.append(f"{key} entity is {got!r}, expected {kib[major]}")
        return wrong

    return check


def _paused_are(paused: Callable[[int, Controls], frozenset[str]]) -> Check:
    """The server's paused torrents are ``paused(major, controls)``; the sensor counts them."""

    def check(major: int, controls: Controls, entities: Mapping[str, dict[str, Any]]) -> list[str]:
        wrong = []
        want = paused(major, controls)
        if controls.paused != want:
            states = {
                h[:8]: s for h, s in controls.states.items() if (h in want) != (s in PAUSED_STATES)
            }
            wrong.append(f"{len(controls.paused)} paused, expected {len(want)}: {states}")
        if (got := _state(entities, "paused_torrents")) != str(len(want)):
            wrong.append(f"paused sensor is {got!r}, expected {len(want)}")
        return wrong

    return check


async def _entity_ids(ctx: Context) -> dict[int, dict[str, str]]:
    """Server major -> entity key -> entity id, found in the entity registry."""
    by_unique_id, _ = await ctx.entities()
    found: dict[int, dict[str, str]] = {}
    for major, entry_id in ctx.qbt_ids.items():
        ids = {key: by_unique_id.get(f"{entry_id}-{key}", "") for key in KEYS}
        missing = [key for key, entity_id in ids.items() if not entity_id]
        expect(not missing, f"{QBT_LABELS[major]} has no entity for {missing}")
        found[major] = ids
    return found


async def controls(ctx: Context) -> str:
    """Switch, two limits, pause/resume all on both servers; then everything as it was."""
    run = ControlsRun(ctx, await _entity_ids(ctx))
    before = {
        major: await asyncio.to_thread(read_controls, server)
        for major, server in ctx.stack.servers.items()
    }
    await _alternative_speed(run, before)
    for key, kib in (
        ("download_limit", DOWNLOAD_LIMIT_KIB),
        ("alt_download_limit", ALT_DOWNLOAD_LIMIT_KIB),
    ):
        await _limit(run, before, key, kib)
    await _pause_and_resume(run, before)
    names = ", ".join(sorted(run.ids("alternative_speed_limits") + run.ids("download_limit")))
    return "\n".join([*run.lines, f"e.g. {names}"])


async def _alternative_speed(run: ControlsRun, before: Mapping[int, Controls]) -> None:
    """Turn the switch on, then off; on again where it was on."""
    await run.call("switch", "turn_on", "alternative_speed_limits")
    await run.settle(
        "switch.turn_on alternative speed limits", _switch_is(dict.fromkeys(before, True))
    )
    await run.call("switch", "turn_off", "alternative_speed_limits")
    await run.settle("switch.turn_off", _switch_is(dict.fromkeys(before, False)))
    was_on = {major: controls.alternative for major, controls in before.items()}
    for major in (major for major, on in was_on.items() if on):
        entity_id = run.entity_ids[major]["alternative_speed_limits"]
        await run.ctx.ha.request(
            "POST", "/api/services/switch/turn_on", json_body={"entity_id": entity_id}
        )
    if any(was_on.values()):
        await run.settle("alternative speed limits restored", _switch_is(was_on))


async def _limit(run: ControlsRun, before: Mapping[int, Controls], key: str, kib: int) -> None:
    """Set one limit to ``kib`` KiB/s on both servers, then back to what each had."""
    await run.call("number", "set_value", key, value=kib)
    await run.settle(
        f"number.set_value {key} {kib} KiB/s", _limit_is(key, dict.fromkeys(before, kib))
    )
    original = {major: controls.limits[key] // KIB for major, controls in before.items()}
    for major, value in original.items():
        await run.ctx.ha.request(
            "POST",
            "/api/services/number/set_value",
            json_body={"entity_id": run.entity_ids[major][key], "value": value},
        )
    await run.settle(
        f"{key} restored to {sorted(set(original.values()))} KiB/s", _limit_is(key, original)
    )


async def _pause_and_resume(run: ControlsRun, before: Mapping[int, Controls]) -> None:
    """Pause all, resume all; pause again what was paused before."""
    await run.call("button", "press", "pause_all")
    await run.settle("button.press pause all", _paused_are(lambda _, c: frozenset(c.states)))
    await run.call("button", "press", "resume_all")
    await run.settle("button.press resume all", _paused_are(lambda _, __: frozenset()))
    for major, server in run.ctx.stack.servers.items():
        if before[major].paused:
            await asyncio.to_thread(stop_torrents, server, before[major].paused)
    restored = await run.settle(
        "torrents paused before paused again (qbittorrent-api)",
        _paused_are(lambda major, _: before[major].paused),
    )
    for major, controls in restored.items():
        expect(
            set(controls.states) == set(before[major].states),
            f"{QBT_LABELS[major]}: torrents came or went during the controls step",
        )
