"""Bring the stack up, then check it or serve until Ctrl-C; always stop what was started."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from typing import TYPE_CHECKING, Any

import aiohttp

from .checks import check_services, wait_arr_sensors
from .common import ARR_LABELS, DOMAIN, HA_USER, HOST, QBT_LABELS, ROOT, StackError, log
from .entries import wait_entities, wait_entries_loaded
from .flows import add_entries
from .hass import wait_hass, write_ha_config
from .hass_api import HomeAssistantApi
from .preflight import failed_setups
from .report import arr_summary, summarize, write_credentials
from .servers import start_arr, start_qbittorrent

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from .stack import DevStack

HASS_RESTART_EXIT_CODE = 100  # "Restart" in the UI: hass exits with 100 and expects a supervisor


async def start_processes(stack: DevStack) -> None:
    """Start hass (it boots in the background), both qBittorrent servers and the emulators."""
    stack.choose_ports()
    stack.state.save(stack.state_path)
    write_ha_config(stack)
    log(f"starting Home Assistant on {stack.ha_url} (log: {stack.config_dir}/home-assistant.log)")
    stack.hass.start()
    stack.record_pids()
    # qBittorrent starts in well under a second each, meanwhile hass boots.
    for major in (4, 5):
        log(f"starting {QBT_LABELS[major]} on {HOST}:{stack.state.ports[f'qbt{major}']}")
        await asyncio.to_thread(start_qbittorrent, stack, major)
        stack.record_pids()
    # In this process (own threads), so no pids to record; their queues need the torrents.
    for app in stack.apps:
        log(f"starting the {ARR_LABELS[app]} emulator on {HOST}:{stack.state.ports[app]}")
        await asyncio.to_thread(start_arr, stack, app)


async def bring_up(stack: DevStack) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Start everything and wire it together; return the entries and their entity states."""
    await start_processes(stack)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        api = HomeAssistantApi(session, stack.ha_url)
        await wait_hass(stack, api)
        log(f"Home Assistant running after {stack.timings['hass RUNNING']:.1f}s")
        if failed := failed_setups(stack.config_dir / "home-assistant.log"):
            # Usually a built-in integration whose package is not in the venv; qbitrr may be fine.
            log(f"built-in integrations that failed to set up: {', '.join(failed)} (see its log)")
        if not (ROOT / "custom_components" / DOMAIN / "config_flow.py").exists():
            raise StackError("custom_components/qbitrr/config_flow.py does not exist yet")
        await add_entries(stack, api)
        entries = await wait_entries_loaded(stack, api)
        per_entry = await wait_entities(api, entries)
        await wait_arr_sensors(stack, api, entries)
        await check_services(stack, api, entries)
    return entries, per_entry


async def until_stopped(stack: DevStack, stop: asyncio.Event) -> int:
    """Keep the stack up until a signal; restart hass when it asks to (UI "Restart")."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
        if (code := stack.hass.exited()) is not None and not stop.is_set():
            if code != HASS_RESTART_EXIT_CODE:
                log(f"Home Assistant exited with {code}; stopping (see its log)")
                return 1
            log("Home Assistant asked for a restart: starting it again")
            stack.hass.start()
            stack.record_pids()
        for major, server in stack.servers.items():
            if not server.running and not stop.is_set():
                log(f"{QBT_LABELS[major]} exited; log tail:\n{server.log_tail()}")
                return 1
        for app, emulator in stack.arrs.items():
            if not emulator.running and not stop.is_set():
                log(f"the {ARR_LABELS[app]} emulator stopped; stopping")
                return 1
    return 0


async def run(stack: DevStack) -> int:
    """Bring the stack up, then check it or serve until Ctrl-C; always stop what we started."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    started = time.monotonic()
    try:
        up: asyncio.Task[tuple[list[dict[str, Any]], dict[str, Any]]] = asyncio.create_task(
            bring_up(stack)
        )
        if not await _first(up, stop.wait()):
            log("interrupted")
            return 130
        entries, per_entry = up.result()
        stack.timings["total up"] = time.monotonic() - started
        credentials = write_credentials(stack)
        print("\n".join(["", "qbitrr dev stack is up:", *summarize(entries, per_entry), ""]))
        print("\n".join([*arr_summary(stack), ""]))
        timing = ", ".join(f"{k} {v:.1f}s" for k, v in stack.timings.items())
        print(f"timings: {timing}")
        if stack.check:
            print("check passed")
            return 0
        print(f"\n{credentials}(also in {stack.dev_dir / 'credentials.txt'})")
        print(f"Open {stack.ha_url} and log in as {HA_USER!r}. Ctrl-C stops everything.\n")
        sys.stdout.flush()
        return await until_stopped(stack, stop)
    except StackError as err:
        log(f"FAILED: {err}")
        return 1
    finally:
        await asyncio.to_thread(stack.stop)


async def _first(task: asyncio.Task[Any], stopped: Awaitable[Any]) -> bool:
    """Wait for ``task`` or a stop signal; True when the task finished (its errors propagate)."""
    stop_task = asyncio.ensure_future(stopped)
    done, _ = await asyncio.wait({task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
    stop_task.cancel()
    if task in done:
        task.result()
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, StackError):
        await task
    return False
