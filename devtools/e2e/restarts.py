"""Strikes across real Home Assistant restarts, and a restart over a corrupt history file."""

from __future__ import annotations

import asyncio
from collections import Counter
import subprocess
import time
from typing import TYPE_CHECKING, Any, Final

from devtools.devstack.checks import call_service
from devtools.devstack.entries import arr_entry_ids, qbt_entry_ids, wait_entries_loaded
from devtools.devstack.hass import wait_hass
from devtools.qbittorrent_server import port_is_free

from .common import APP, STRIKE_OPTIONS, E2EError, expect
from .configure import set_radarr_options
from .history import CORRUPT_HISTORY, HISTORY_FILE, expect_history_reset_reported
from .sensors import wait_qbt_polled
from .servers import read_server
from .services import radarr_magnets

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from .context import Context

STRIKE_TAG: Final = "qbitrr-strike"
HASS_STOP_TIMEOUT: Final = 60.0


async def strikes_across_restarts(ctx: Context) -> str:
    """Strike 1 of 3; restart: strike 2 (history from .storage); corrupt it, restart: 1 again.

    The qBittorrent servers and the emulator keep running; only hass restarts (SIGTERM,
    then a new process on the same config dir and port).
    """
    lines: list[str] = []
    started = time.monotonic()
    defaults, _ = await set_radarr_options(ctx, STRIKE_OPTIONS)
    changed = {k: v for k, v in STRIKE_OPTIONS.items() if defaults.get(k) != v}
    lines.append("options: " + ", ".join(f"{k} {defaults[k]} → {v}" for k, v in changed.items()))
    magnets = await radarr_magnets(ctx)
    expect(magnets, "no radarr torrent without metadata on the servers")
    expected = set(magnets)
    removals = len(ctx.stack.arrs[APP].removals)

    # (a) a real run: each magnet gets its first strike and the strike tag.
    first, seconds = await _timed(_handle_for_real(ctx))
    lines.append(f"run 1 ({seconds:.1f}s): {_expect_strikes(first, expected, 1)}")
    lines.append(f"  {await _tagged(ctx, expected)}")
    history = ctx.stack.config_dir / HISTORY_FILE
    expect(history.exists(), f"{history} was not written by the real run")

    # (b) a real restart: the strikes count on from the history on disk.
    lines.append(f"restart 1: {_timings(await _restart_hass(ctx))}")
    second, seconds = await _timed(_handle_for_real(ctx))
    lines.append(f"run 2 ({seconds:.1f}s): {_expect_strikes(second, expected, 2)}")
    text = history.read_text(encoding="utf-8")
    missing = sorted(h for _, h in expected if h not in text)
    expect(not missing, f"{history} lacks the struck torrents {missing}: {text[:500]}")
    lines.append(f"  {HISTORY_FILE} holds all {len(expected)} hashes ({len(text)} bytes)")

    # (c) a restart over a corrupt history file: reset, reported once, no traceback.
    restart = await _restart_hass(
        ctx, before_start=lambda: history.write_text(CORRUPT_HISTORY, encoding="utf-8")
    )
    lines.append(f"restart 2, {HISTORY_FILE} cut short first: {_timings(restart)}")
    third, seconds = await _timed(_handle_for_real(ctx))
    lines.append(f"run 3 ({seconds:.1f}s): {_expect_strikes(third, expected, 1)}")
    lines += [f"  {line}" for line in await expect_history_reset_reported(ctx)]
    expect(
        len(ctx.stack.arrs[APP].removals) == removals,
        f"Radarr got removals while the torrents had fewer than 3 strikes:"
        f" {ctx.stack.arrs[APP].removals[removals:]}",
    )
    lines.append(f"no removals through Radarr; step {time.monotonic() - started:.1f}s")
    return "\n".join(lines)


async def _handle_for_real(ctx: Context) -> dict[str, Any]:
    """handle_torrents with dry_run false (HTTP 200 with a response, else it fails)."""
    return await call_service(ctx.ha, "handle_torrents", {"dry_run": False})


def _expect_strikes(
    response: Mapping[str, Any], expected: set[tuple[str, str]], number: int
) -> str:
    """Every action is strike ``number`` of 3, done, for exactly the ``expected`` torrents."""
    limit = int(STRIKE_OPTIONS["strikes"])
    ending = f"strike {number} of {limit}"
    expect(response.get("dry_run") is False, f"not a real run: {response.get('dry_run')}")
    actions: list[dict[str, Any]] = response.get("actions", [])
    for action in actions:
        expect(action.get("action") == "strike", f"not a strike: {action}")
        expect(action.get("result") == "done", f"strike not done: {action}")
        expect(action.get("rule") == "metadata", f"unexpected rule: {action}")
        expect(
            str(action.get("reason", "")).endswith(ending),
            f"reason does not end with {ending!r}: {action}",
        )
    got = {(str(a["instance"]), str(a["hash"])) for a in actions}
    expect(
        got == expected,
        f"struck {len(got)} torrents, expected the {len(expected)} radarr magnets:"
        f" missing {sorted(expected - got)}, extra {sorted(got - expected)}",
    )
    summary = response.get("summary", {})
    expect(
        summary.get("struck") == len(expected)
        and summary.get("removed") == 0
        and summary.get("failed") == 0,
        f"summary: {summary}",
    )
    per_server = Counter(str(a["instance_title"]) for a in actions)
    example = f"{actions[0]['name']}: {actions[0]['reason']}"
    return f"{len(actions)} x {ending} {dict(per_server)}; e.g. {example}"


async def _tagged(ctx: Context, expected: set[tuple[str, str]]) -> str:
    """The struck torrents carry the strike tag on their servers."""
    tags: dict[tuple[str, str], set[str]] = {}
    for major, server in ctx.stack.servers.items():
        view = await asyncio.to_thread(read_server, server)
        for torrent in view.torrents:
            names = {t.strip() for t in str(torrent.get("tags") or "").split(",")}
            tags[(ctx.qbt_ids[major], str(torrent["hash"]))] = names - {""}
    untagged = sorted(key for key in expected if STRIKE_TAG not in tags.get(key, set()))
    expect(not untagged, f"struck torrents without the tag {STRIKE_TAG!r}: {untagged}")
    others = sorted(
        key for key, names in tags.items() if STRIKE_TAG in names and key not in expected
    )
    expect(not others, f"torrents tagged {STRIKE_TAG!r} that were not struck: {others}")
    return f"all {len(expected)} carry the tag {STRIKE_TAG!r} on their servers, no other does"


async def _restart_hass(
    ctx: Context, *, before_start: Callable[[], object] | None = None
) -> dict[str, float]:
    """Stop hass with SIGTERM, start a new one (same config dir and port), wait until usable.

    Usable: RUNNING, every entry loaded, each qBittorrent sensor showing its server's count
    (the coordinators have polled). Returns the phases' seconds.
    """
    stack = ctx.stack
    timings: dict[str, float] = {}
    started = time.monotonic()
    await _stop_hass(ctx)
    port = stack.hass_port
    while not port_is_free(port):
        expect(time.monotonic() < started + HASS_STOP_TIMEOUT, f"port {port} stays taken")
        await asyncio.sleep(0.1)
    timings["stop"] = time.monotonic() - started
    if before_start is not None:
        before_start()
    started = time.monotonic()
    stack.hass.start()
    stack.record_pids()
    await wait_hass(stack, ctx.ha)
    timings["RUNNING"] = time.monotonic() - started
    started = time.monotonic()
    ctx.entries = await wait_entries_loaded(stack, ctx.ha)
    expect(
        qbt_entry_ids(stack, ctx.entries) == ctx.qbt_ids
        and arr_entry_ids(stack, ctx.entries)[APP] == ctx.radarr_id,
        f"the entries changed across the restart: {ctx.entries}",
    )
    timings["entries loaded"] = time.monotonic() - started
    started = time.monotonic()
    await wait_qbt_polled(ctx)
    timings["polled"] = time.monotonic() - started
    return timings


async def _stop_hass(ctx: Context) -> None:
    """SIGTERM, as a supervisor stops it: hass must exit 0 within HASS_STOP_TIMEOUT."""
    hass = ctx.stack.hass.process
    expect(hass is not None and hass.poll() is None, "Home Assistant is not running")
    assert hass is not None  # noqa: S101 - for mypy
    hass.terminate()
    try:
        code = await asyncio.to_thread(hass.wait, HASS_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        hass.kill()
        await asyncio.to_thread(hass.wait, 10)
        raise E2EError(
            f"Home Assistant did not stop within {HASS_STOP_TIMEOUT:.0f}s of SIGTERM"
        ) from None
    expect(code == 0, f"Home Assistant exited with {code} after SIGTERM (see hass.out)")


async def _timed[T](awaitable: Awaitable[T]) -> tuple[T, float]:
    """Await ``awaitable``; return its result and the seconds it took."""
    started = time.monotonic()
    result = await awaitable
    return result, time.monotonic() - started


def _timings(timings: Mapping[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f}s" for name, seconds in timings.items())
