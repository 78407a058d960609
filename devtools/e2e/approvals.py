"""Removals that wait for approval: Radarr's "ask before removing", then keep one, remove one.

Runs after the restart step (that one counts strikes of the same magnets): with strikes 1 a
real run brings each of Radarr's magnets to its last strike, and the removal it would make is
held. ``qbitrr.keep_torrent`` protects one (tag on its server), ``qbitrr.remove_torrent``
removes another through Radarr (queue DELETE with blocklist; the emulator deletes the torrent
from its server). Radarr's options are put back afterwards; the other held removals stay
pending.
"""

from __future__ import annotations

import asyncio
from collections import Counter
import contextlib
import time
from typing import TYPE_CHECKING, Any, Final, Self

from devtools.devstack.checks import SENSOR_TIMEOUT, call_service
from devtools.devstack.common import QBT_LABELS, log

from .common import APP, STRIKE_OPTIONS, E2EError, expect
from .configure import set_radarr_options
from .servers import read_server
from .services import radarr_magnets

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping
    from types import TracebackType

    import aiohttp

    from .context import Context

EVENT: Final = "qbitrr_pending_removal"
STRIKE_TAG: Final = "qbitrr-strike"
EVENT_WAIT: Final = 10.0  # seconds for the events after the run's response
GONE_WAIT: Final = 15.0  # seconds for the emulator's delete to reach the server
# One run reaches the last strike; the removal it plans waits for an answer.
ASK_OPTIONS: Final[Mapping[str, Any]] = {
    **STRIKE_OPTIONS,
    "strikes": 1,
    "ask_before_removing": True,
}

type Key = tuple[str, str]  # (server entry id, hash)


class EventListener:
    """A websocket subscribed to one event type; keeps each event's data."""

    def __init__(self, ctx: Context, event_type: str) -> None:
        """Nothing connects until the ``async with``."""
        self.ctx = ctx
        self.event_type = event_type
        self.events: list[dict[str, Any]] = []
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        """Connect, authenticate, subscribe; collect events from then on."""
        expect(self.ctx.session is not None, "no HTTP session")
        assert self.ctx.session is not None  # noqa: S101 - for mypy
        api = self.ctx.ha
        ws = await self.ctx.session.ws_connect(
            f"{api.base_url.replace('http', 'ws', 1)}/api/websocket"
        )
        self._ws = ws
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": api.token})
        reply = await ws.receive_json()
        expect(reply.get("type") == "auth_ok", f"websocket auth failed: {reply}")
        await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": self.event_type})
        reply = await ws.receive_json()
        expect(reply.get("success"), f"subscribe_events {self.event_type}: {reply}")
        self._task = asyncio.create_task(self._collect(ws))
        return self

    async def _collect(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        while True:
            message = await ws.receive_json()
            if message.get("type") == "event":
                self.events.append(dict(message["event"]["data"]))

    async def wait_for(self, count: int) -> list[dict[str, Any]]:
        """Wait until ``count`` events came (or EVENT_WAIT passed); return them all."""
        deadline = time.monotonic() + EVENT_WAIT
        while len(self.events) < count and time.monotonic() < deadline:
            expect(self._task is None or not self._task.done(), "the websocket closed")
            await asyncio.sleep(0.1)
        return list(self.events)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop collecting; close the websocket."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._ws is not None:
            await self._ws.close()


async def approvals(ctx: Context) -> str:
    """Ask before removing; a real run holds every removal; keep one, remove one; options back."""
    defaults, _ = await set_radarr_options(ctx, ASK_OPTIONS)
    changed = {k: v for k, v in ASK_OPTIONS.items() if defaults.get(k) != v}
    lines = ["options: " + ", ".join(f"{k} {defaults[k]} → {v}" for k, v in changed.items())]
    lines += await _hold_keep_remove(ctx, str(defaults["protect_tag"]))
    await set_radarr_options(ctx, {key: defaults[key] for key in changed})
    lines.append("options restored: " + ", ".join(f"{k} {defaults[k]}" for k in changed))
    return "\n".join(lines)


async def _hold_keep_remove(ctx: Context, protect_tag: str) -> list[str]:
    magnets = await radarr_magnets(ctx)
    expected = set(magnets)
    majors = sorted(ctx.qbt_ids)
    by_server = {
        major: sorted(k for k in expected if k[0] == ctx.qbt_ids[major]) for major in majors
    }
    expect(all(by_server.values()), f"a server without radarr magnets: {by_server}")
    emulator = ctx.stack.arrs[APP]
    removals = len(emulator.removals)
    async with EventListener(ctx, EVENT) as listener:
        response = await call_service(ctx.ha, "handle_torrents", {"dry_run": False})
        events = await listener.wait_for(len(expected))
    lines = [
        f"real run: {_expect_held(response, expected)}",
        f"events: {_expect_events(ctx, events, expected)}",
        f"sensor: {await _wait_pending(ctx, expected)}",
    ]
    expect(
        len(emulator.removals) == removals, f"Radarr got removals: {emulator.removals[removals:]}"
    )
    keep, remove = by_server[majors[0]][0], by_server[majors[-1]][0]
    lines.append(f"keep_torrent on {QBT_LABELS[majors[0]]}: {await _keep(ctx, keep, protect_tag)}")
    expected.discard(keep)
    lines.append(f"  sensor: {await _wait_pending(ctx, expected)}")
    lines.append(
        f"remove_torrent on {QBT_LABELS[majors[-1]]}: {await _remove(ctx, remove, majors[-1])}"
    )
    expected.discard(remove)
    lines.append(f"  sensor: {await _wait_pending(ctx, expected)}; these stay pending")
    return lines


def _expect_held(response: Mapping[str, Any], expected: set[Key]) -> str:
    """Every action a held removal (pending_removal, done), for exactly the ``expected``."""
    expect(response.get("dry_run") is False, f"not a real run: {response.get('dry_run')}")
    actions: list[dict[str, Any]] = response.get("actions", [])
    for action in actions:
        expect(action.get("action") == "pending_removal", f"not held: {action}")
        expect(action.get("result") == "done", f"held removal not done: {action}")
        expect(action.get("rule") == "metadata", f"unexpected rule: {action}")
        expect(
            str(action.get("reason", "")).endswith("waiting for approval"),
            f"reason does not say it waits: {action}",
        )
    got = {(str(a["instance"]), str(a["hash"])) for a in actions}
    expect(got == expected, f"held {sorted(got)}, expected the radarr magnets {sorted(expected)}")
    summary = response.get("summary", {})
    expect(
        summary.get("pending") == len(expected)
        and summary.get("removed") == 0
        and summary.get("failed") == 0,
        f"summary: {summary}",
    )
    per_server = Counter(str(a["instance_title"]) for a in actions)
    return f"{len(actions)} pending_removal actions {dict(per_server)}; e.g. {actions[0]['reason']}"


def _expect_events(ctx: Context, events: list[dict[str, Any]], expected: set[Key]) -> str:
    """One qbitrr_pending_removal event per held removal, naming Radarr and the removal."""
    got = Counter((str(e.get("server")), str(e.get("hash"))) for e in events)
    expect(
        set(got) == expected and max(got.values()) == 1,
        f"{EVENT} events for {dict(got)}, expected one each for {sorted(expected)}",
    )
    for event in events:
        expect(event.get("arr") == ctx.radarr_id, f"event of another Arr: {event}")
        expect(event.get("action") == "arr_remove", f"held action not arr_remove: {event}")
    return f"{len(events)} x {EVENT} (WebSocket subscribe_events), action arr_remove"


async def _wait_pending(ctx: Context, expected: set[Key]) -> str:
    """Radarr's "Pending removals" sensor counts ``expected`` and lists them in ``removals``."""
    started = time.monotonic()
    while True:
        by_unique_id, states = await ctx.entities()
        entity_id = by_unique_id.get(f"{ctx.radarr_id}-pending_removals", "<no entity>")
        state = states.get(entity_id, {})
        listed = state.get("attributes", {}).get("removals") or []
        got = {(str(r.get("server")), str(r.get("hash"))) for r in listed}
        if state.get("state") == str(len(expected)) and got == expected:
            return f"{entity_id} = {len(expected)}, removals lists them ({_since(started)})"
        if time.monotonic() - started > SENSOR_TIMEOUT:
            raise E2EError(
                f"{entity_id} is {state.get('state')!r} listing {sorted(got)},"
                f" expected {len(expected)}: {sorted(expected)}"
            )
        await asyncio.sleep(0.5)


async def _keep(ctx: Context, key: Key, protect_tag: str) -> str:
    """keep_torrent: the protect tag on the server, the strike tag gone."""
    server_id, torrent_hash = key
    major = next(m for m, entry_id in ctx.qbt_ids.items() if entry_id == server_id)
    tagged_before = STRIKE_TAG in await _tags(ctx, major, torrent_hash)
    response = await call_service(
        ctx.ha, "keep_torrent", {"config_entry_id": server_id, "hash": torrent_hash}
    )
    expect(response.get("pending") is True and response.get("tag") == protect_tag, f"{response}")
    tags = await _tags(ctx, major, torrent_hash)
    expect(protect_tag in tags, f"{torrent_hash} lacks {protect_tag!r} on its server: {tags}")
    expect(STRIKE_TAG not in tags, f"{torrent_hash} still has {STRIKE_TAG!r}: {tags}")
    strike = f"{STRIKE_TAG} removed" if tagged_before else f"had no {STRIKE_TAG}"
    return f"{response['name']}: tags {sorted(tags)} on the server ({strike})"


async def _remove(ctx: Context, key: Key, major: int) -> str:
    """remove_torrent: Radarr's queue DELETE with blocklist; the torrent leaves its server."""
    server_id, torrent_hash = key
    emulator = ctx.stack.arrs[APP]
    removals, blocklist = len(emulator.removals), len(emulator.blocklist)
    response = await call_service(
        ctx.ha, "remove_torrent", {"config_entry_id": server_id, "hash": torrent_hash}
    )
    expect(
        response.get("pending") is True
        and response.get("action") == "arr_remove"
        and response.get("error") is None,
        f"remove_torrent: {response}",
    )
    new = emulator.removals[removals:]
    expect(
        [r.download_id for r in new] == [torrent_hash.upper()]
        and new[0].blocklist
        and new[0].remove_from_client,
        f"Radarr's queue removals: {new}",
    )
    expect(len(emulator.blocklist) == blocklist + 1, f"blocklist: {emulator.blocklist[blocklist:]}")
    seconds = await _wait(lambda: _gone(ctx, major, torrent_hash), f"{torrent_hash} gone")
    return (
        f"{response['name']}: queue DELETE removeFromClient+blocklist (queue id"
        f" {new[0].queue_id}), blocklisted; gone from the server after {seconds:.1f}s"
    )


async def _tags(ctx: Context, major: int, torrent_hash: str) -> set[str]:
    view = await asyncio.to_thread(read_server, ctx.stack.servers[major])
    torrent = next((t for t in view.torrents if t["hash"] == torrent_hash), None)
    expect(torrent is not None, f"{torrent_hash} is not on {QBT_LABELS[major]}")
    assert torrent is not None  # noqa: S101 - for mypy
    return {t.strip() for t in str(torrent.get("tags") or "").split(",")} - {""}


async def _gone(ctx: Context, major: int, torrent_hash: str) -> bool:
    view = await asyncio.to_thread(read_server, ctx.stack.servers[major])
    return all(t["hash"] != torrent_hash for t in view.torrents)


async def _wait(condition: Callable[[], Awaitable[bool]], what: str) -> float:
    """Poll ``condition()`` until true (at most GONE_WAIT); return the seconds it took."""
    started = time.monotonic()
    while not await condition():
        if time.monotonic() - started > GONE_WAIT:
            raise E2EError(f"not {what} within {GONE_WAIT:.0f}s")
        log(f"waiting: {what}")
        await asyncio.sleep(0.5)
    return time.monotonic() - started


def _since(started: float) -> str:
    return f"{time.monotonic() - started:.1f}s"
