"""The first and last steps: the scratch directory, starting everything, stopping everything."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import os
from pathlib import Path
import shutil
import signal
import time
from typing import TYPE_CHECKING, Final

from devtools.devstack.common import ARR_LABELS, QBT_LABELS
from devtools.devstack.hass_api import HomeAssistantApi
from devtools.devstack.preflight import missing_requirements
from devtools.devstack.run import start_processes
from devtools.qbittorrent_server import port_is_free

from .chromium import CHROMIUM
from .common import expect
from .servers import read_server

if TYPE_CHECKING:
    from .context import Context

SCRATCH_MARKER: Final = ".qbitrr-e2e"  # a directory holding this file may be wiped


async def prepare(ctx: Context) -> str:
    """Stop a crashed run's leftovers, wipe the scratch dir, check what the run needs."""
    leftovers = stop_leftovers(ctx.scratch)
    if ctx.scratch.exists():
        expect(
            (ctx.scratch / SCRATCH_MARKER).exists() or not any(ctx.scratch.iterdir()),
            f"{ctx.scratch} is not empty and not an e2e scratch directory: not wiping it",
        )
        shutil.rmtree(ctx.scratch)
    ctx.scratch.mkdir(parents=True)
    (ctx.scratch / SCRATCH_MARKER).write_text("scripts/e2e scratch directory\n")
    missing = missing_requirements(("recorder", "history"))
    expect(not missing, f"missing packages: {' '.join(missing)} (run scripts/setup)")
    if ctx.screenshots_dir is not None:
        expect(
            os.access(CHROMIUM, os.X_OK),
            f"{CHROMIUM} not found (scripts/e2e installs the Debian package chromium)",
        )
    detail = f"{ctx.scratch}"
    if leftovers:
        detail += f"; stopped leftovers of a previous run: {', '.join(leftovers)}"
    return detail


async def start(ctx: Context) -> str:
    """Start hass (boots meanwhile), both servers with demo torrents, the Radarr emulator."""
    stack = ctx.stack
    await start_processes(stack)
    expect(ctx.session is not None, "no HTTP session")
    assert ctx.session is not None  # noqa: S101 - for mypy
    ctx.api = HomeAssistantApi(ctx.session, stack.ha_url)
    ports = stack.state.ports
    busy = [p for p in ports.values() if p in {8123, 8081, 8082, 7878, 8989}]
    expect(not busy, f"e2e took a dev-instance port: {busy}")
    views = {m: await asyncio.to_thread(read_server, s) for m, s in stack.servers.items()}
    pid = stack.hass.process.pid if stack.hass.process else "?"
    ha_version = importlib.metadata.version("homeassistant")
    lines = [f"Home Assistant {ha_version} {stack.ha_url} (pid {pid})"]
    lines += [
        f"{QBT_LABELS[m]} {s.url}: {views[m].version}, {len(views[m].torrents)} demo torrents"
        for m, s in stack.servers.items()
    ]
    lines += [
        f"{ARR_LABELS[app]} emulator {emulator.url}: queue {len(emulator.queue)}"
        for app, emulator in stack.arrs.items()
    ]
    return "\n".join(lines)


async def stop(ctx: Context) -> str:
    """Stop the browser, hass, the emulator and both servers; check they are gone."""
    stack = ctx.stack
    pids = [(s.pid, "qbittorrent-nox") for s in stack.servers.values() if s.pid]
    if stack.hass.process is not None:
        pids.append((stack.hass.process.pid, "homeassistant"))
    pids += ctx.pids
    ports = [p for p in stack.state.ports.values() if p]
    if ctx.chromium is not None:
        await ctx.chromium.stop()
        ctx.chromium = None
    await asyncio.to_thread(stack.stop)
    alive = [f"{marker} {pid}" for pid, marker in pids if pid and running(pid, str(ctx.scratch))]
    expect(not alive, f"still running: {alive}")
    deadline = time.monotonic() + 10
    while taken := [p for p in ports if not port_is_free(p)]:
        expect(time.monotonic() < deadline, f"ports still taken: {taken}")
        await asyncio.sleep(0.2)
    return f"stopped {len(pids)} processes ({', '.join(m for _, m in pids)}) and the emulator"


def running(pid: int, marker: str) -> bool:
    """Whether ``pid`` is alive and still one of ours (its command line names ``marker``)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    if marker not in cmdline:
        return False
    with contextlib.suppress(OSError):
        # A zombie is gone for good; only its parent has not collected it yet.
        if Path(f"/proc/{pid}/stat").read_text().split(")", 1)[1].split()[0] == "Z":
            return False
    return True


def stop_leftovers(scratch: Path) -> list[str]:
    """Stop what a previous run left behind (it was killed hard).

    Only pids it recorded whose command line still names the scratch directory.
    """
    pids_path = scratch / "run" / "pids"
    stopped: list[str] = []
    try:
        lines = pids_path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return stopped
    for line in lines:
        pid_text, _, marker = line.partition(" ")
        if not pid_text.isdigit() or not running(int(pid_text), str(scratch)):
            continue
        pid = int(pid_text)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not running(pid, str(scratch)):
                break
            time.sleep(0.1)
        else:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if marker == "chromium":
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        stopped.append(f"{marker} {pid}")
    pids_path.unlink(missing_ok=True)
    return stopped
