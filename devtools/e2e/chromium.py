"""One headless Chromium with a fresh profile, and the DevTools websocket to its page."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import time
from typing import IO, TYPE_CHECKING, Any, Final

import aiohttp

from devtools.devstack.common import HOST, StackError
from devtools.qbittorrent_server import terminate

from .common import expect

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

CHROMIUM: Final = os.environ.get("QBITRR_CHROMIUM", "/usr/bin/chromium")
WIDTH, HEIGHT = 1400, 1000


class Chromium:
    """The browser process and its DevTools connection: launch, send commands, close."""

    def __init__(self, profile_dir: Path, log_path: Path) -> None:
        """Describe the browser; ``start()`` launches it."""
        self.profile_dir = profile_dir
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next_id = 0

    async def start(self) -> None:
        """Launch Chromium and attach to its page."""
        self.process = await asyncio.to_thread(self._launch)
        await self._attach()

    def _launch(self) -> subprocess.Popen[bytes]:
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        # A browser started before with this profile left its port here: not ours to attach to.
        (self.profile_dir / "DevToolsActivePort").unlink(missing_ok=True)
        self._log = self.log_path.open("wb")
        return subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--disable-domain-reliability",
                "--disable-client-side-phishing-detection",
                "--disable-dev-shm-usage",
                "--no-pings",
                "--mute-audio",
                "--hide-scrollbars",
                "--lang=en-US",
                "--force-device-scale-factor=1",
                f"--user-data-dir={self.profile_dir}",
                f"--window-size={WIDTH},{HEIGHT}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",  # the port it picks is in DevToolsActivePort
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def _attach(self) -> None:
        assert self.process is not None  # noqa: S101 - launched just before
        port_file = self.profile_dir / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):  # noqa: PLR2004
            if self.process.poll() is not None:
                raise StackError(
                    f"chromium exited with {self.process.returncode}; see {self.log_path}"
                )
            if time.monotonic() > deadline:
                raise StackError(f"chromium opened no DevTools port in 30s; see {self.log_path}")
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        self._session = aiohttp.ClientSession()
        async with self._session.get(f"http://{HOST}:{port}/json/list") as response:
            targets = await response.json()
        pages = [t for t in targets if t.get("type") == "page"]
        expect(pages, f"chromium has no page target: {targets}")
        self._ws = await self._session.ws_connect(
            pages[0]["webSocketDebuggerUrl"], max_msg_size=0, autoping=True
        )
        self._reader = asyncio.create_task(self._read())
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        )

    async def _read(self) -> None:
        assert self._ws is not None  # noqa: S101 - set before the task starts
        try:
            async for message in self._ws:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)
                future = self._pending.pop(data.get("id", -1), None)
                if future is not None and not future.done():
                    future.set_result(data)
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(StackError("the DevTools connection closed"))
            self._pending.clear()

    async def send(
        self, method: str, params: Mapping[str, Any] | None = None, within: float = 30
    ) -> dict[str, Any]:
        """Send one DevTools command and return its result."""
        expect(self._ws is not None and not self._ws.closed, "the browser is not connected")
        assert self._ws is not None  # noqa: S101 - checked above, for mypy
        self._next_id += 1
        number = self._next_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[number] = future
        await self._ws.send_json({"id": number, "method": method, "params": dict(params or {})})
        try:
            reply = await asyncio.wait_for(future, within)
        except TimeoutError as err:
            raise StackError(f"DevTools {method}: no answer in {within:.0f}s") from err
        finally:
            self._pending.pop(number, None)
        if "error" in reply:
            raise StackError(f"DevTools {method}: {reply['error']}")
        return dict(reply.get("result") or {})

    async def stop(self) -> None:
        """Close the browser (politely, then by its pid and process group)."""
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(StackError, aiohttp.ClientError, OSError):
                await self.send("Browser.close", within=5)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, StackError):
                await self._reader
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()
        if self.process is not None:
            await asyncio.to_thread(stop_process_group, self.process)
        if self._log is not None:
            self._log.close()
            self._log = None


def stop_process_group(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Stop a child started in its own session, and what is left of its process group."""
    terminate(process, timeout)
    # Chromium's helpers (zygote, renderers) share the group whose id is its pid.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
