"""End-to-end test behind ``scripts/e2e`` (runs as ``python -m scripts.e2e``).

In its own scratch directory (``.cache/e2e-run``, wiped at each start) and on free 127.0.0.1
ports (never the dev instance's 8123/8081/8082/7878/8989, so it runs beside ``scripts/develop``),
it uses ``scripts/devstack.py`` to start real qBittorrent 4.5 and 5.x servers with demo torrents,
a Radarr emulator whose queue holds the radarr torrents, and a real Home Assistant from this
project's virtualenv; then, only over Home Assistant's HTTP and websocket APIs, as the UI does:

1. onboarding; config flows for both qBittorrent servers and Radarr (menu, form, category);
2. entities: the qBittorrent sensors against what the servers hold, the Radarr sensors;
3. the options flow (Radarr: stall delay 1 min, minimum age 0, 1 strike);
4. ``sync_categories``, ``get_distribution`` and a ``handle_torrents`` dry run, checked against
   the servers (the dry run must plan the radarr torrents and change nothing);
5. strikes across restarts (Radarr: 3 strikes): a real ``handle_torrents`` strikes the radarr
   magnets once; after a real Home Assistant restart the next run strikes them a second time
   (the history came back from ``.storage``); after a restart with that file corrupted the run
   still works and strikes from 1 again; the log reports the bad file once (qbitrr's warning,
   or Home Assistant's storage error when its Store deals with the file) and has no qbitrr
   traceback;
6. screenshots with headless Chromium (DevTools protocol): the config flow's menu and
   qBittorrent form, the integration page and a dashboard made from ``examples/dashboard.yaml``;
   into ``docs/images/`` with ``--screenshots``, else into the scratch directory (checked only).

Everything it started is stopped at the end, on failure and on Ctrl-C. It prints every step with
its time and exits non-zero when one fails.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
import contextlib
from dataclasses import dataclass
import fcntl
import json
import os
from pathlib import Path
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback
from typing import IO, Any, Final

import aiohttp
from PIL import Image
import yaml  # type: ignore[import-untyped]

from scripts.devstack import (
    ARR_LABELS,
    DOMAIN,
    HOST,
    QBT_LABELS,
    SENSOR_TIMEOUT,
    DevStack,
    HomeAssistantApi,
    StackError,
    log,
    missing_requirements,
    start_processes,
)
from tests.support.qbittorrent_server import (
    PAUSED_STATES,
    QbittorrentServer,
    port_is_free,
    terminate,
)

ROOT: Final = Path(__file__).resolve().parent.parent
DEFAULT_DIR: Final = ROOT / ".cache" / "e2e-run"
IMAGES_DIR: Final = ROOT / "docs" / "images"
DASHBOARD_EXAMPLE: Final = ROOT / "examples" / "dashboard.yaml"
SCRATCH_MARKER: Final = ".qbitrr-e2e"  # a directory holding this file may be wiped
CHROMIUM: Final = os.environ.get("QBITRR_CHROMIUM", "/usr/bin/chromium")
WIDTH, HEIGHT = 1400, 1000

APP: Final = "radarr"  # the one Arr app of this test
# Radarr's options: a magnet without metadata is bad after 1 minute (the form's minimum), at
# any age, and removed (through Radarr) at its first strike.
OPTIONS: Final[Mapping[str, Any]] = {"stall_delay": 1, "min_age": 0, "strikes": 1}
STALL_SECONDS: Final = 60 * int(OPTIONS["stall_delay"])
# The restart step: the same magnets are bad, but only struck (3 strikes before a removal).
STRIKE_OPTIONS: Final[Mapping[str, Any]] = {**OPTIONS, "strikes": 3, "max_removals": 100}
STRIKE_TAG: Final = "qbitrr-strike"
# Where qbitrr keeps the per-torrent history (strikes) in the config dir, and what the step
# overwrites it with: a save cut short.
HISTORY_FILE: Final = Path(".storage") / f"{DOMAIN}.torrent_history"
CORRUPT_HISTORY: Final = '{"version": 1, "data": {"arrs": '
HASS_STOP_TIMEOUT: Final = 60.0
# A record of home-assistant.log: "2026-01-02 03:04:05.678 WARNING (MainThread) [logger] text".
LOG_RECORD: Final = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? "
    r"(?P<level>[A-Z]+) \([^)]*\) \[(?P<logger>[^\]]+)\] ",
    re.MULTILINE,
)
# What the config flow must go through, as the UI does.
QBT_TRAIL: Final = ["menu:user", "form:qbittorrent", "create_entry"]
ARR_TRAIL: Final = ["menu:user", "form:arr", "form:arr_category", "create_entry"]
STALLED_STATES: Final = frozenset({"stalledDL", "metaDL", "forcedMetaDL"})
METADATA_STATES: Final = frozenset({"metaDL", "forcedMetaDL"})
# The dev instance's ports in examples/dashboard.yaml, and which server each belongs to.
EXAMPLE_PORTS: Final[Mapping[str, str]] = {
    "8081": "qbt4",
    "8082": "qbt5",
    "7878": "radarr",
    "8989": "sonarr",
}
# Tried first (else any free port), so the screenshots show the same addresses every time.
PREFERRED_PORTS: Final[Mapping[str, int]] = {
    "hass": 18123,
    "qbt4": 18081,
    "qbt5": 18082,
    "radarr": 17878,
}
DASHBOARD_URL_PATH: Final = "qbitrr-torrents"
BROWSER_TIMEOUT: Final = 45.0
# Texts that mean a page shows an error instead of what it should.
PAGE_ERRORS: Final = (
    "Entity not available",
    "Configuration error",
    "Unable to load",
    "Unknown error",
    "Error loading",
    "Config flow could not be loaded",
    "Invalid handler specified",
)
# A torrent field list that a dry run must leave exactly as it was.
STABLE_FIELDS: Final = ("name", "category", "tags", "state", "added_on", "save_path", "progress")


class E2EError(StackError):
    """A check failed: what was expected and what was found."""


def expect(condition: object, message: str) -> None:
    """Fail the step with ``message`` unless ``condition`` holds."""
    if not condition:
        raise E2EError(message)


# --- steps and the summary -----------------------------------------------------------------------


@dataclass
class StepResult:
    """One step's outcome for the summary."""

    name: str
    seconds: float
    ok: bool
    detail: str


class Steps:
    """Runs named steps, times them, and keeps their results for the summary."""

    def __init__(self) -> None:
        """Start the clock."""
        self.results: list[StepResult] = []
        self.started = time.monotonic()

    async def run(self, name: str, action: Callable[[], Awaitable[str]]) -> None:
        """Run one step; record it; re-raise its failure."""
        log(f"[{len(self.results) + 1}] {name}")
        started = time.monotonic()
        try:
            detail = await action()
        except asyncio.CancelledError:
            self.results.append(
                StepResult(name, time.monotonic() - started, ok=False, detail="interrupted")
            )
            raise
        except StackError as err:
            self.results.append(
                StepResult(name, time.monotonic() - started, ok=False, detail=str(err))
            )
            raise
        except Exception as err:
            trace = "".join(traceback.format_exception(err)).rstrip()
            self.results.append(
                StepResult(name, time.monotonic() - started, ok=False, detail=f"{err!r}\n{trace}")
            )
            raise
        self.results.append(StepResult(name, time.monotonic() - started, ok=True, detail=detail))

    def summary(self) -> list[str]:
        """One block per step: status, seconds, name, then the detail indented."""
        lines = ["", "qbitrr end-to-end test:"]
        for number, result in enumerate(self.results, start=1):
            status = "ok  " if result.ok else "FAIL"
            lines.append(f"  {status} {result.seconds:6.1f}s  [{number}] {result.name}")
            lines += [f"                  {line}" for line in result.detail.splitlines() if line]
        lines.append(f"  total {time.monotonic() - self.started:.1f}s")
        return lines


# --- what the servers hold -----------------------------------------------------------------------


@dataclass(frozen=True)
class ServerView:
    """One qBittorrent server's torrents and categories, read with its own WebAPI."""

    version: str
    torrents: list[dict[str, Any]]
    categories: list[str]

    @property
    def category_counts(self) -> dict[str, int]:
        """Torrents per category; every category the server knows, zero included."""
        counts = dict.fromkeys(self.categories, 0)
        counts.update(Counter(str(t.get("category") or "") for t in self.torrents))
        return dict(sorted(counts.items()))

    def count(self, states: frozenset[str]) -> int:
        """Torrents in one of ``states``."""
        return sum(1 for t in self.torrents if t.get("state") in states)

    def stable(self) -> dict[str, tuple[Any, ...]]:
        """Hash -> the fields a dry run must not change."""
        return {
            str(t["hash"]): tuple(str(t.get(key)) for key in STABLE_FIELDS) for t in self.torrents
        }


def read_server(server: QbittorrentServer) -> ServerView:
    """Read a server's torrents and categories (blocking: run it in a thread)."""
    client = server.client()
    try:
        return ServerView(
            version=str(client.app_version()),
            torrents=[dict(t) for t in client.torrents_info()],
            categories=sorted(client.torrents_categories()),
        )
    finally:
        client.auth_log_out()


# --- headless Chromium over the DevTools protocol ------------------------------------------------

# Helpers for Runtime.evaluate: Home Assistant's frontend lives in nested shadow roots, which
# neither innerText nor querySelector cross.
_JS_PRELUDE: Final = """
const walk = (node, visit) => {
  visit(node);
  if (node.shadowRoot) walk(node.shadowRoot, visit);
  for (const child of node.childNodes || []) walk(child, visit);
};
const deepText = () => {
  const parts = [];
  walk(document, (n) => {
    if (n.nodeType === Node.TEXT_NODE && !["STYLE", "SCRIPT"].includes(n.parentNode?.nodeName)) {
      parts.push(n.textContent);
    }
  });
  return parts.join(" ").replace(/\\s+/g, " ");
};
const deepFind = (text) => {
  let found = null;
  walk(document, (n) => {
    if (found || n.nodeType !== Node.ELEMENT_NODE) return;
    const own = [...n.childNodes].filter((c) => c.nodeType === Node.TEXT_NODE)
      .map((c) => c.textContent).join("").trim();
    if (own === text) found = n;
  });
  return found;
};
const deepCount = (selector) => {
  let count = 0;
  walk(document, (n) => { if (n.nodeType === Node.ELEMENT_NODE && n.matches(selector)) count++; });
  return count;
};
"""


class Browser:
    """One headless Chromium with a fresh profile, driven through its DevTools websocket."""

    def __init__(self, profile_dir: Path, log_path: Path, debug_dir: Path) -> None:
        """Describe the browser; ``start()`` launches it. ``debug_dir``: failure screenshots."""
        self.profile_dir = profile_dir
        self.log_path = log_path
        self.debug_dir = debug_dir
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

    async def navigate(self, url: str) -> None:
        """Open ``url`` in the page."""
        result = await self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise StackError(f"cannot open {url}: {result['errorText']}")

    async def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript (the shadow-DOM helpers are in scope) and return its value."""
        result = await self.send(
            "Runtime.evaluate",
            {
                "expression": f"(async () => {{ {_JS_PRELUDE}\nreturn ({expression}); }})()",
                "returnByValue": True,
                "awaitPromise": True,
            },
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise StackError(f"JavaScript failed: {text}")
        return result.get("result", {}).get("value")

    async def page_text(self) -> str:
        """All text of the page, shadow roots included (empty while it loads)."""
        with contextlib.suppress(StackError):
            return str(await self.evaluate("deepText()") or "")
        return ""

    async def wait_for_texts(
        self, what: str, texts: list[str], *, within: float = BROWSER_TIMEOUT
    ) -> None:
        """Wait until the page shows every one of ``texts``; fail on a login or error page."""
        deadline = time.monotonic() + within
        missing = texts
        while True:
            text = await self.page_text()
            location = str(await self.evaluate("location.pathname") or "")
            if location.startswith("/auth/") or "Welcome home!" in text:
                shot = await self.debug_screenshot(what)
                raise StackError(
                    f"{what}: the browser shows the login page ({location}); screenshot: {shot}"
                )
            if errors := [e for e in PAGE_ERRORS if e in text]:
                shot = await self.debug_screenshot(what)
                raise StackError(
                    f"{what}: the page shows {errors}: {text[:600]}; screenshot: {shot}"
                )
            missing = [t for t in texts if t not in text]
            if not missing:
                return
            if time.monotonic() > deadline:
                shot = await self.debug_screenshot(what)
                raise StackError(
                    f"{what}: after {within:.0f}s the page ({location}) still lacks {missing};"
                    f" it shows: {text[:600]!r}; screenshot: {shot}"
                )
            await asyncio.sleep(0.3)

    async def wait_until(
        self, what: str, expression: str, *, within: float = BROWSER_TIMEOUT
    ) -> None:
        """Wait until a JavaScript expression is truthy."""
        deadline = time.monotonic() + within
        while not await self.evaluate(expression):
            if time.monotonic() > deadline:
                shot = await self.debug_screenshot(what)
                raise StackError(
                    f"{what}: not true after {within:.0f}s: {expression}; screenshot: {shot}"
                )
            await asyncio.sleep(0.3)

    async def click_text(self, text: str) -> None:
        """Click (with the mouse, at its centre) the element whose own text is ``text``.

        Waits until it stands still first: a dialog that is still opening scales and moves its
        buttons, and a click aimed at "OK" would land on "Cancel".
        """
        locate = f"""(() => {{
          const el = deepFind({json.dumps(text)});
          if (!el) return null;
          el.scrollIntoView({{block: "center"}});
          const r = el.getBoundingClientRect();
          return {{x: r.x + r.width / 2, y: r.y + r.height / 2, w: r.width, h: r.height}};
        }})()"""
        deadline = time.monotonic() + 10
        previous = None
        while True:
            rect = await self.evaluate(locate)
            if rect and rect["w"] > 0 and rect["h"] > 0 and rect == previous:
                break
            expect(time.monotonic() < deadline, f"nothing steady to click saying {text!r}: {rect}")
            previous = rect
            await asyncio.sleep(0.25)
        for event in ("mouseMoved", "mousePressed", "mouseReleased"):
            await self.send(
                "Input.dispatchMouseEvent",
                {"type": event, "x": rect["x"], "y": rect["y"], "button": "left", "clickCount": 1},
            )
        # Park the pointer on an empty edge: no hover highlight in the next screenshot.
        await self.send(
            "Input.dispatchMouseEvent", {"type": "mouseMoved", "x": WIDTH - 2, "y": HEIGHT // 2}
        )

    async def screenshot(self, path: Path) -> None:
        """Save the viewport as a PNG once fonts are loaded and animations have settled."""
        await self.evaluate("document.fonts.ready.then(() => true)")
        await asyncio.sleep(1.0)
        result = await self.send("Page.captureScreenshot", {"format": "png"})
        await asyncio.to_thread(path.write_bytes, base64.b64decode(result["data"]))

    async def debug_screenshot(self, what: str) -> Path | None:
        """Save what the page shows now (for a failure's report); None when that fails too."""
        path = self.debug_dir / f"failed-{re.sub(r'[^a-z0-9]+', '-', what.lower())}.png"
        try:
            result = await self.send("Page.captureScreenshot", {"format": "png"}, within=10)
            await asyncio.to_thread(path.write_bytes, base64.b64decode(result["data"]))
        except StackError, OSError:
            return None
        return path

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


def check_png(path: Path) -> str:
    """Fail unless ``path`` is a WIDTHxHEIGHT PNG with real content; return a short description."""
    expect(path.exists() and path.stat().st_size > 0, f"{path} is missing or empty")
    with Image.open(path) as image:
        expect(image.format == "PNG", f"{path} is {image.format}, not PNG")
        expect(image.size == (WIDTH, HEIGHT), f"{path} is {image.size}, not {(WIDTH, HEIGHT)}")
        small = image.convert("RGB").resize((WIDTH // 10, HEIGHT // 10))
    colors = small.getcolors(maxcolors=WIDTH * HEIGHT) or []
    commonest = max(count for count, _ in colors) / (small.width * small.height)
    expect(len(colors) >= 50, f"{path} has only {len(colors)} colours: nearly blank")  # noqa: PLR2004
    expect(commonest < 0.97, f"{path} is {commonest:.0%} one colour: nearly blank")  # noqa: PLR2004
    return f"{path.name} {WIDTH}x{HEIGHT}, {path.stat().st_size // 1024} KiB, {len(colors)} colours"


# --- the dashboard from examples/dashboard.yaml --------------------------------------------------


def dashboard_config(ports: Mapping[str, int], known: set[str]) -> tuple[dict[str, Any], list[str]]:
    """The example dashboard for this instance: the dev ports swapped for ours.

    Entities that do not exist here (the example also shows a Sonarr) are left out. Returns the
    config and the entity ids left out.
    """
    mapping = {dev: str(ports[key]) for dev, key in EXAMPLE_PORTS.items() if key in ports}
    text = re.sub(
        r"(?<!\d)(" + "|".join(EXAMPLE_PORTS) + r")(?!\d)",
        lambda m: mapping.get(m[1], m[1]),
        DASHBOARD_EXAMPLE.read_text(encoding="utf-8"),
    )
    config = yaml.safe_load(text)
    pruner = _Pruner(known)
    for view in config.get("views", []):
        view["cards"] = [card for card in view.get("cards", []) if pruner.keep(card)]
    return config, sorted(set(pruner.dropped))


class _Pruner:
    """Drops a dashboard's references to entities that do not exist."""

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.dropped: list[str] = []

    def exists(self, item: object) -> bool:
        entity = item.get("entity") if isinstance(item, dict) else item
        if not isinstance(entity, str) or "." not in entity or entity in self.known:
            return True
        self.dropped.append(entity)
        return False

    def keep(self, card: dict[str, Any]) -> bool:
        """Prune ``card`` in place; False when nothing of it is left."""
        if "entity" in card and not self.exists(card):
            return False
        if isinstance(card.get("entities"), list):
            rows = [row for row in card["entities"] if self.exists(row)]
            while rows and _is_divider(rows[-1]):
                rows.pop()
            while rows and _is_divider(rows[0]):
                rows.pop(0)
            if not rows:
                return False
            card["entities"] = rows
        if isinstance(card.get("cards"), list):
            card["cards"] = [c for c in card["cards"] if self.keep(c)]
            return bool(card["cards"])
        return True


def _is_divider(row: object) -> bool:
    return isinstance(row, dict) and row.get("type") == "divider"


# --- the test ------------------------------------------------------------------------------------


class EndToEnd:
    """The steps, over one DevStack in the scratch directory."""

    def __init__(self, scratch: Path, *, screenshots_dir: Path | None) -> None:
        """Nothing starts yet. ``screenshots_dir`` None: no browser at all."""
        self.scratch = scratch
        self.screenshots_dir = screenshots_dir
        self.stack = DevStack(
            scratch,
            apps=(APP,),
            documented_ports=False,
            preferred_ports=PREFERRED_PORTS,
            # The dashboard's history graph and statistics need the recorder.
            extra_config="recorder:\n  commit_interval: 1\nhistory:\n",
            made_by="scripts/e2e",
        )
        self.steps = Steps()
        self.session: aiohttp.ClientSession | None = None
        self.api: HomeAssistantApi | None = None
        self.browser_tokens: dict[str, Any] = {}
        self.entries: list[dict[str, Any]] = []
        self.qbt_ids: dict[int, str] = {}
        self.radarr_id = ""
        self.browser: Browser | None = None
        self.pids: list[tuple[int, str]] = []

    @property
    def ha(self) -> HomeAssistantApi:
        """The Home Assistant client (after the start step)."""
        expect(self.api is not None, "Home Assistant is not up")
        assert self.api is not None  # noqa: S101 - for mypy
        return self.api

    async def run(self) -> bool:
        """Run every step, always stop everything; True when all passed."""
        failed = False
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            self.session = session
            try:
                await self.steps.run("prepare the scratch directory", self.prepare)
                await self.steps.run(
                    "start qBittorrent 4.5 + 5.x, the Radarr emulator and Home Assistant",
                    self.start,
                )
                await self.steps.run("Home Assistant running, onboarded over HTTP", self.onboard)
                await self.steps.run(
                    "config flows over REST: 2 qBittorrent servers, 1 Radarr", self.config_flows
                )
                await self.steps.run("entries loaded, entities registered", self.entries_loaded)
                await self.steps.run("qBittorrent sensors equal the servers", self.qbt_sensors)
                await self.steps.run("Radarr sensors (queue, torrents, health)", self.arr_sensors)
                await self.steps.run("options flow over REST: Radarr's handling", self.options)
                await self.steps.run("qbitrr.sync_categories", self.sync_categories)
                await self.steps.run("qbitrr.get_distribution", self.get_distribution)
                if self.screenshots_dir is not None:
                    await self.steps.run("screenshots with headless Chromium", self.screenshots)
                await self.steps.run("qbitrr.handle_torrents dry run", self.dry_run)
                await self.steps.run(
                    "strikes survive a Home Assistant restart; a corrupt history file is reset"
                    " and reported once",
                    self.strikes_across_restarts,
                )
            except Exception:  # noqa: BLE001 - recorded by Steps, reported in the summary
                failed = True
            finally:
                # Also after Ctrl-C (CancelledError): shielded, so the stop runs to its end.
                stop = asyncio.ensure_future(self.steps.run("stop everything", self.stop))
                try:
                    await asyncio.shield(stop)
                except asyncio.CancelledError:
                    with contextlib.suppress(Exception):
                        await stop
                    raise
                except Exception:  # noqa: BLE001 - recorded by Steps, reported in the summary
                    failed = True
        return not failed

    # 1. scratch directory

    async def prepare(self) -> str:
        """Stop a crashed run's leftovers, wipe the scratch dir, check what the run needs."""
        leftovers = stop_leftovers(self.scratch)
        if self.scratch.exists():
            expect(
                (self.scratch / SCRATCH_MARKER).exists() or not any(self.scratch.iterdir()),
                f"{self.scratch} is not empty and not an e2e scratch directory: not wiping it",
            )
            shutil.rmtree(self.scratch)
        self.scratch.mkdir(parents=True)
        (self.scratch / SCRATCH_MARKER).write_text("scripts/e2e scratch directory\n")
        missing = missing_requirements(("recorder", "history"))
        expect(not missing, f"missing packages: {' '.join(missing)} (run scripts/setup)")
        if self.screenshots_dir is not None:
            expect(
                os.access(CHROMIUM, os.X_OK),
                f"{CHROMIUM} not found (scripts/e2e installs the Debian package chromium)",
            )
        detail = f"{self.scratch}"
        if leftovers:
            detail += f"; stopped leftovers of a previous run: {', '.join(leftovers)}"
        return detail

    # 2. processes

    async def start(self) -> str:
        """Start hass (boots meanwhile), both servers with demo torrents, the Radarr emulator."""
        await start_processes(self.stack)
        expect(self.session is not None, "no HTTP session")
        assert self.session is not None  # noqa: S101 - for mypy
        self.api = HomeAssistantApi(self.session, self.stack.ha_url)
        ports = self.stack.state.ports
        busy = [p for p in ports.values() if p in {8123, 8081, 8082, 7878, 8989}]
        expect(not busy, f"e2e took a dev-instance port: {busy}")
        views = {m: await asyncio.to_thread(read_server, s) for m, s in self.stack.servers.items()}
        pid = self.stack.hass.pid if self.stack.hass else "?"
        lines = [f"Home Assistant {self.stack.ha_url} (pid {pid})"]
        lines += [
            f"{QBT_LABELS[m]} {s.url}: {views[m].version}, {len(views[m].torrents)} demo torrents"
            for m, s in self.stack.servers.items()
        ]
        lines += [
            f"{ARR_LABELS[app]} emulator {emulator.url}: queue {len(emulator.queue)}"
            for app, emulator in self.stack.arrs.items()
        ]
        return "\n".join(lines)

    # 3. onboarding

    async def onboard(self) -> str:
        """Wait for RUNNING; the stack onboards a new instance over HTTP."""
        await self.stack.wait_hass(self.ha)
        # The onboarding's own login: a refresh token for the browser.
        self.browser_tokens = dict(self.ha.token_reply)
        expect(
            self.browser_tokens.get("access_token") and self.browser_tokens.get("refresh_token"),
            f"onboarding gave no access/refresh token: {sorted(self.browser_tokens)}",
        )
        steps = await self.ha.request("GET", "/api/onboarding", ok=(200, 404))
        if isinstance(steps, list):
            undone = [s["step"] for s in steps if not s.get("done")]
            expect(not undone, f"onboarding steps not done: {undone}")
        # The country is what the skipped core_config step would have asked; without it a
        # "country not configured" repair badges Settings in every screenshot.
        await self.ha.websocket({"type": "config/core/update", "country": "US"})
        timings = self.stack.timings
        return (
            f"HTTP up {timings['hass HTTP up']:.1f}s, RUNNING {timings['hass RUNNING']:.1f}s"
            " after this step began; user, analytics and integration steps done; country set"
        )

    # 4. config flows

    async def config_flows(self) -> str:
        """Add both servers and Radarr through the config flow, as the UI does."""
        await self.stack.add_entries(self.ha)
        trails = self.stack.flow_trails
        for major in self.stack.servers:
            got = trails.get(f"qbt{major}")
            expect(got == QBT_TRAIL, f"{QBT_LABELS[major]} flow went {got}, expected {QBT_TRAIL}")
        got = trails.get(APP)
        expect(got == ARR_TRAIL, f"Radarr flow went {got}, expected {ARR_TRAIL}")
        entries = await self.stack.entries(self.ha)
        titles = sorted(e["title"] for e in entries)
        wanted = sorted(
            [f"qBittorrent {HOST}:{s.port}" for s in self.stack.servers.values()]
            + [f"Radarr {HOST}:{self.stack.arrs[APP].port}"]
        )
        expect(titles == wanted, f"entries {titles}, expected {wanted}")
        return "\n".join(f"{key}: {' → '.join(trail)}" for key, trail in trails.items())

    # 5. entries and entities

    async def entries_loaded(self) -> str:
        """Every entry loaded; every entry has sensors."""
        self.entries = await self.stack.wait_entries_loaded(self.ha)
        per_entry = await self.stack.wait_entities(self.ha, self.entries)
        self.qbt_ids = self.stack.qbt_entry_ids(self.entries)
        self.radarr_id = self.stack.arr_entry_ids(self.entries)[APP]
        lines = []
        for entry in self.entries:
            states = per_entry.get(entry["entry_id"], [])
            domains = Counter(s["entity_id"].split(".", 1)[0] for s in states)
            lines.append(
                f"{entry['title']}: {entry['state']}, "
                + ", ".join(f"{n} {d}" for d, n in sorted(domains.items()))
            )
        return "\n".join(lines)

    async def _entities(self) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
        """qbitrr's unique id -> entity id, and every state by entity id."""
        (registry,) = await self.ha.websocket({"type": "config/entity_registry/list"})
        by_unique_id = {
            str(item["unique_id"]): str(item["entity_id"])
            for item in registry
            if item.get("platform") == DOMAIN
        }
        states = {s["entity_id"]: s for s in await self.ha.request("GET", "/api/states")}
        return by_unique_id, states

    # 6. qBittorrent sensors

    async def qbt_sensors(self) -> str:
        """Torrents (with per-category attribute), stalled and paused counts, version, connectivity.

        Polls: the sensors follow the server within one poll (15 s).
        """
        deadline = time.monotonic() + SENSOR_TIMEOUT
        said_so = False
        while True:
            by_unique_id, states = await self._entities()
            wrong: list[str] = []
            lines: list[str] = []
            for major, server in self.stack.servers.items():
                view = await asyncio.to_thread(read_server, server)
                line, mismatches = _compare_qbt(
                    QBT_LABELS[major], view, self.qbt_ids[major], by_unique_id, states
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

    # 7. Radarr sensors

    async def arr_sensors(self) -> str:
        """Queue and torrents equal the emulator's queue; health on (its warning)."""
        await self.stack.wait_arr_sensors(self.ha, self.entries)
        return ", ".join(f"{e} = {s}" for e, s in self.stack.arr_sensors.items())

    # 8. options flow

    async def options(self) -> str:
        """Open Radarr's options flow, send every field (ours changed), wait for the reload."""
        defaults, values = await self._set_radarr_options(OPTIONS)
        changed = ", ".join(f"{k} {defaults[k]} → {v}" for k, v in OPTIONS.items())
        return f"{len(values)} fields sent; {changed}; entry reloaded"

    async def _set_radarr_options(
        self, options: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Send Radarr's whole options form with ``options`` changed; wait for the reload.

        Returns the form's defaults (the options before) and every value sent.
        """
        flow = await self.ha.request(
            "POST", "/api/config/config_entries/options/flow", json_body={"handler": self.radarr_id}
        )
        expect(
            flow.get("type") == "form" and flow.get("step_id") == "init",
            f"options flow did not open its form: {flow}",
        )
        fields = {f["name"]: f for f in flow.get("data_schema") or []}
        expect(set(options) <= set(fields), f"options form lacks {set(options) - set(fields)}")
        defaults = {name: field.get("default") for name, field in fields.items()}
        expect(
            all(v is not None for v in defaults.values()),
            "options form fields without a default:"
            f" {[k for k, v in defaults.items() if v is None]}",
        )
        values = {**defaults, **options}
        result = await self.ha.request(
            "POST", f"/api/config/config_entries/options/flow/{flow['flow_id']}", json_body=values
        )
        expect(result.get("type") == "create_entry", f"options flow ended with {result}")
        # OptionsFlowWithReload reloads the entry: wait until get_status lists Radarr as loaded.
        deadline = time.monotonic() + 30
        while True:
            status = await self.stack.call_service(self.ha, "get_status")
            if self.radarr_id in status.get("arrs", {}) and not status.get("not_loaded"):
                break
            expect(
                time.monotonic() < deadline, f"Radarr not loaded again after its options: {status}"
            )
            await asyncio.sleep(0.5)
        return defaults, values

    # 9. sync_categories

    async def sync_categories(self) -> str:
        """Radarr's category is managed and exists on both servers afterwards."""
        response = await self.stack.call_service(self.ha, "sync_categories")
        expect(response.get("categories") == [APP], f"managed categories: {response}")
        instances = response.get("instances", {})
        lines = []
        for major, entry_id in self.qbt_ids.items():
            result = instances.get(entry_id)
            expect(result is not None, f"sync_categories skipped {QBT_LABELS[major]}: {response}")
            expect(not result.get("failed"), f"sync_categories on {QBT_LABELS[major]}: {result}")
            expect(
                APP in result.get("created", []) + result.get("present", []),
                f"sync_categories on {QBT_LABELS[major]} does not report {APP!r}: {result}",
            )
            view = await asyncio.to_thread(read_server, self.stack.servers[major])
            expect(APP in view.categories, f"{QBT_LABELS[major]} has no {APP!r} category")
            lines.append(
                f"{result.get('title')}: created {result.get('created') or 'none'},"
                f" present {result.get('present')}; server categories {view.categories}"
            )
        return "\n".join(lines)

    # 10. get_distribution

    async def get_distribution(self) -> str:
        """Counts per category and server equal each server's torrents_info."""
        response = await self.stack.call_service(self.ha, "get_distribution")
        distribution: dict[str, dict[str, int]] = response.get("distribution", {})
        by_state: dict[str, dict[str, dict[str, int]]] = response.get("by_state", {})
        expect(not response.get("unreachable_instances"), f"unreachable: {response}")
        lines = []
        for major, entry_id in self.qbt_ids.items():
            view = await asyncio.to_thread(read_server, self.stack.servers[major])
            server_counts = Counter(str(t.get("category") or "") for t in view.torrents)
            reported = {c: per[entry_id] for c, per in distribution.items() if per.get(entry_id)}
            expect(
                reported == dict(server_counts),
                f"get_distribution for {QBT_LABELS[major]}: {reported},"
                f" server: {dict(server_counts)}",
            )
            for category, count in server_counts.items():
                groups = by_state.get(category, {}).get(entry_id, {})
                expect(
                    sum(groups.values()) == count,
                    f"by_state {category} on {QBT_LABELS[major]}: {groups}, server: {count}",
                )
            lines.append(f"{QBT_LABELS[major]}: {dict(sorted(reported.items()))}")
        return "\n".join(lines)

    # 11. screenshots

    async def screenshots(self) -> str:
        """Config flow menu and form, integration page, dashboard; each checked as a PNG."""
        assert self.screenshots_dir is not None  # noqa: S101 - only called with a folder
        self.screenshots_dir.mkdir(parents=True, exist_ok=True)
        (_, states) = await self._entities()
        config, dropped = dashboard_config(self.stack.state.ports, set(states))
        await self.ha.websocket(
            {
                "type": "lovelace/dashboards/create",
                "url_path": DASHBOARD_URL_PATH,
                "title": str(config.get("title") or "Torrents"),
                "icon": "mdi:download-network",
                "show_in_sidebar": True,
                "require_admin": False,
                "mode": "storage",
            },
            {"type": "lovelace/config/save", "url_path": DASHBOARD_URL_PATH, "config": config},
        )
        self.browser = Browser(
            self.scratch / "chromium-profile", self.scratch / "chromium.log", self.scratch
        )
        await self.browser.start()
        self.pids.append((self.browser.process.pid if self.browser.process else 0, "chromium"))
        self.stack.extra_pids[self.pids[-1][0]] = "chromium"
        self.stack.record_pids()
        browser = self.browser
        base = self.stack.ha_url
        # localStorage belongs to the origin: open a page of it, store the tokens, then go on.
        await browser.navigate(f"{base}/manifest.json")
        await browser.wait_until("origin page", f"location.origin === {json.dumps(base)}")
        expires_in = int(self.browser_tokens.get("expires_in") or 1800)
        tokens = {
            "hassUrl": base,
            "clientId": f"{base}/",
            "access_token": self.browser_tokens["access_token"],
            "refresh_token": self.browser_tokens["refresh_token"],
            "expires_in": expires_in,
            "expires": int(time.time() * 1000) + expires_in * 1000,
            "token_type": "Bearer",
        }
        await browser.evaluate(
            f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))}) || true"
        )
        shots: list[str] = []

        # (a) the config flow: the menu, then the qBittorrent form.
        menu = self.screenshots_dir / "config-flow-menu.png"
        await browser.navigate(f"{base}/config/integrations/dashboard/add?domain={DOMAIN}")
        # The frontend asks first, as for a my.home-assistant.io link.
        await browser.wait_for_texts("set-up question", [f"Do you want to set up {DOMAIN}?"])
        await browser.click_text("OK")
        await browser.wait_for_texts(
            "config flow menu", ["Add to qbitrr", "qBittorrent server", "Radarr, Sonarr or Lidarr"]
        )
        await browser.screenshot(menu)
        shots.append(check_png(menu))
        form = self.screenshots_dir / "config-flow-qbittorrent.png"
        await browser.click_text("qBittorrent server")
        await browser.wait_for_texts(
            "qBittorrent form", ["Add a qBittorrent server", "Verify SSL certificate", "Password"]
        )
        await browser.screenshot(form)
        shots.append(check_png(form))
        await self._abort_ui_flows()

        # (b) the integration page: three entries and their devices.
        page = self.screenshots_dir / "integration-page.png"
        await browser.navigate(f"{base}/config/integrations/integration/{DOMAIN}")
        titles = [str(e["title"]) for e in self.entries]
        await browser.wait_for_texts("integration page", titles)
        await browser.screenshot(page)
        shots.append(check_png(page))

        # (c) the example dashboard.
        board = self.screenshots_dir / "dashboard.png"
        await browser.navigate(f"{base}/{DASHBOARD_URL_PATH}/{config['views'][0]['path']}")
        await browser.wait_for_texts(
            "dashboard",
            [
                f"qBittorrent {HOST}:{self.stack.servers[4].port}",
                f"qBittorrent {HOST}:{self.stack.servers[5].port}",
                "Where the torrents are",
                "Per category",
                "Per app",
                "Sync categories",
            ],
        )
        # Every tile has its value, and the history graph has drawn (no spinner left).
        await browser.wait_until(
            "dashboard cards rendered",
            "deepCount('hui-tile-card') >= 12"
            " && deepCount('ha-spinner, ha-circular-progress') == 0",
        )
        await browser.screenshot(board)
        shots.append(check_png(board))
        if dropped:
            shots.append(f"left out of the example dashboard (no such entity here): {dropped}")
        await self.browser.stop()
        self.browser = None
        return "\n".join(shots)

    async def _abort_ui_flows(self) -> None:
        """Abort the qbitrr flow the browser started (it would otherwise wait in progress)."""
        (flows,) = await self.ha.websocket({"type": "config_entries/flow/progress"})
        for flow in flows or []:
            if flow.get("handler") == DOMAIN:
                await self.ha.request(
                    "DELETE", f"/api/config/config_entries/flow/{flow['flow_id']}", ok=(200, 404)
                )

    # 12. handle_torrents dry run

    async def dry_run(self) -> str:
        """Plan only Radarr's bad torrents (removal through Radarr); change nothing anywhere."""
        magnets = await self._radarr_magnets()
        expect(magnets, "no radarr torrent without metadata on the servers")
        expected = {key: str(torrent["name"]) for key, torrent in magnets.items()}
        newest = max(int(torrent["added_on"]) for torrent in magnets.values())
        # The metadata rule fires once a magnet waited the stall delay since it was added.
        wait = newest + STALL_SECONDS + 2 - time.time()
        if wait > 0:
            log(f"waiting {wait:.0f}s until the demo magnets are {STALL_SECONDS}s old")
            await asyncio.sleep(wait)
        before = await self._world()
        response = await self.stack.call_service(self.ha, "handle_torrents", {"dry_run": True})
        await asyncio.sleep(2)  # a real run's changes would show on the servers by now
        after = await self._world()
        expect(response.get("dry_run") is True, f"not a dry run: {response.get('dry_run')}")
        summary = response.get("summary", {})
        actions: list[dict[str, Any]] = response.get("actions", [])
        skipped: list[dict[str, Any]] = response.get("skipped", [])
        expect(
            set(summary)
            >= {"removed", "failed", "struck", "tagged", "rechecked", "deferred", "by_rule"},
            f"summary lacks keys: {summary}",
        )
        expect(isinstance(skipped, list), f"skipped is not a list: {skipped}")
        keys = {"instance", "hash", "name", "category", "arr", "rule", "action", "reason", "result"}
        for action in actions:
            expect(keys <= set(action), f"action lacks {keys - set(action)}: {action}")
            expect(action["category"] == APP, f"action outside the radarr category: {action}")
            expect(action["arr"] == self.radarr_id, f"action for another Arr: {action}")
            expect(action["result"] == "planned", f"a dry run action not just planned: {action}")
            expect(action["rule"] == "metadata", f"unexpected rule: {action}")
            expect(
                action["action"] == "arr_remove",
                f"a bad torrent in Radarr's queue must be removed through Radarr: {action}",
            )
        for item in skipped:
            expect(item.get("category") == APP, f"skipped torrent outside radarr: {item}")
        planned = {(a["instance"], a["hash"]) for a in actions}
        expect(
            planned == set(expected),
            f"planned {len(planned)} torrents, expected the {len(expected)} radarr magnets:"
            f" missing {sorted(set(expected) - planned)}, extra {sorted(planned - set(expected))}",
        )
        expect(summary.get("removed") == len(expected), f"summary.removed: {summary}")
        expect(summary.get("failed") == 0, f"summary.failed: {summary}")
        expect(before == after, f"the dry run changed something: {_difference(before, after)}")
        per_server = Counter(a["instance_title"] for a in actions)
        return (
            f"{len(actions)} actions (all arr_remove/metadata/planned, category radarr):"
            f" {dict(per_server)}; {len(skipped)} skipped; summary {summary}\n"
            f"e.g. {actions[0]['name']}: {actions[0]['reason']}\n"
            "servers' torrents, categories and tags, and Radarr's queue, removals,"
            " blocklist and commands: unchanged"
        )

    async def _world(self) -> dict[str, Any]:
        """What a real run would change: torrents (stable fields) and categories, Radarr's state."""
        world: dict[str, Any] = {}
        for major, server in self.stack.servers.items():
            view = await asyncio.to_thread(read_server, server)
            world[f"qbt{major} torrents"] = view.stable()
            world[f"qbt{major} categories"] = view.categories
        emulator = self.stack.arrs[APP]
        world["radarr queue"] = sorted(str(q.get("downloadId")) for q in emulator.queue)
        world["radarr removals"] = len(emulator.removals)
        world["radarr blocklist"] = len(emulator.blocklist)
        world["radarr commands"] = len(emulator.commands)
        return world

    async def _radarr_magnets(self) -> dict[tuple[str, str], dict[str, Any]]:
        """(instance, hash) -> torrent: the radarr torrents still waiting for their metadata."""
        magnets: dict[tuple[str, str], dict[str, Any]] = {}
        for major, server in self.stack.servers.items():
            view = await asyncio.to_thread(read_server, server)
            for torrent in view.torrents:
                if torrent.get("category") == APP and torrent.get("state") in METADATA_STATES:
                    magnets[(self.qbt_ids[major], str(torrent["hash"]))] = torrent
        return magnets

    # 13. strikes across Home Assistant restarts

    async def strikes_across_restarts(self) -> str:
        """Strike 1 of 3; restart: strike 2 (history from .storage); corrupt it, restart: 1 again.

        The qBittorrent servers and the emulator keep running; only hass restarts (SIGTERM,
        then a new process on the same config dir and port).
        """
        lines: list[str] = []
        started = time.monotonic()
        defaults, _ = await self._set_radarr_options(STRIKE_OPTIONS)
        changed = {k: v for k, v in STRIKE_OPTIONS.items() if defaults.get(k) != v}
        lines.append(
            "options: " + ", ".join(f"{k} {defaults[k]} → {v}" for k, v in changed.items())
        )
        magnets = await self._radarr_magnets()
        expect(magnets, "no radarr torrent without metadata on the servers")
        expected = set(magnets)
        removals = len(self.stack.arrs[APP].removals)

        # (a) a real run: each magnet gets its first strike and the strike tag.
        first, seconds = await _timed(self._handle_for_real())
        lines.append(f"run 1 ({seconds:.1f}s): {self._expect_strikes(first, expected, 1)}")
        tagged = await self._tagged(expected)
        lines.append(f"  {tagged}")
        history = self.stack.config_dir / HISTORY_FILE
        expect(history.exists(), f"{history} was not written by the real run")

        # (b) a real restart: the strikes count on from the history on disk.
        restart = await self._restart_hass()
        lines.append(f"restart 1: {_timings(restart)}")
        second, seconds = await _timed(self._handle_for_real())
        lines.append(f"run 2 ({seconds:.1f}s): {self._expect_strikes(second, expected, 2)}")
        text = history.read_text(encoding="utf-8")
        missing = sorted(h for _, h in expected if h not in text)
        expect(not missing, f"{history} lacks the struck torrents {missing}: {text[:500]}")
        lines.append(f"  {HISTORY_FILE} holds all {len(expected)} hashes ({len(text)} bytes)")

        # (c) a restart over a corrupt history file: reset, reported once, no traceback.
        restart = await self._restart_hass(
            before_start=lambda: history.write_text(CORRUPT_HISTORY, encoding="utf-8")
        )
        lines.append(f"restart 2, {HISTORY_FILE} cut short first: {_timings(restart)}")
        third, seconds = await _timed(self._handle_for_real())
        lines.append(f"run 3 ({seconds:.1f}s): {self._expect_strikes(third, expected, 1)}")
        lines += [f"  {line}" for line in await self._expect_history_reset_reported()]
        expect(
            len(self.stack.arrs[APP].removals) == removals,
            f"Radarr got removals while the torrents had fewer than 3 strikes:"
            f" {self.stack.arrs[APP].removals[removals:]}",
        )
        lines.append(f"no removals through Radarr; step {time.monotonic() - started:.1f}s")
        return "\n".join(lines)

    async def _handle_for_real(self) -> dict[str, Any]:
        """handle_torrents with dry_run false (HTTP 200 with a response, else it fails)."""
        return await self.stack.call_service(self.ha, "handle_torrents", {"dry_run": False})

    def _expect_strikes(
        self, response: Mapping[str, Any], expected: set[tuple[str, str]], number: int
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

    async def _tagged(self, expected: set[tuple[str, str]]) -> str:
        """The struck torrents carry the strike tag on their servers."""
        tags: dict[tuple[str, str], set[str]] = {}
        for major, server in self.stack.servers.items():
            view = await asyncio.to_thread(read_server, server)
            for torrent in view.torrents:
                names = {t.strip() for t in str(torrent.get("tags") or "").split(",")}
                tags[(self.qbt_ids[major], str(torrent["hash"]))] = names - {""}
        untagged = sorted(key for key in expected if STRIKE_TAG not in tags.get(key, set()))
        expect(not untagged, f"struck torrents without the tag {STRIKE_TAG!r}: {untagged}")
        others = sorted(
            key for key, names in tags.items() if STRIKE_TAG in names and key not in expected
        )
        expect(not others, f"torrents tagged {STRIKE_TAG!r} that were not struck: {others}")
        return f"all {len(expected)} carry the tag {STRIKE_TAG!r} on their servers, no other does"

    async def _restart_hass(
        self, *, before_start: Callable[[], object] | None = None
    ) -> dict[str, float]:
        """Stop hass with SIGTERM, start a new one (same config dir and port), wait until usable.

        Usable: RUNNING, every entry loaded, each qBittorrent sensor showing its server's count
        (the coordinators have polled). Returns the phases' seconds.
        """
        hass = self.stack.hass
        expect(hass is not None and hass.poll() is None, "Home Assistant is not running")
        assert hass is not None  # noqa: S101 - for mypy
        timings: dict[str, float] = {}
        started = time.monotonic()
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
        port = self.stack.hass_port
        while not port_is_free(port):
            expect(time.monotonic() < started + HASS_STOP_TIMEOUT, f"port {port} stays taken")
            await asyncio.sleep(0.1)
        timings["stop"] = time.monotonic() - started
        if before_start is not None:
            before_start()
        started = time.monotonic()
        self.stack.start_hass()
        self.stack.record_pids()
        await self.stack.wait_hass(self.ha)
        timings["RUNNING"] = time.monotonic() - started
        started = time.monotonic()
        self.entries = await self.stack.wait_entries_loaded(self.ha)
        expect(
            self.stack.qbt_entry_ids(self.entries) == self.qbt_ids
            and self.stack.arr_entry_ids(self.entries)[APP] == self.radarr_id,
            f"the entries changed across the restart: {self.entries}",
        )
        timings["entries loaded"] = time.monotonic() - started
        started = time.monotonic()
        await self._wait_qbt_polled()
        timings["polled"] = time.monotonic() - started
        return timings

    async def _wait_qbt_polled(self) -> None:
        """Wait until each server's torrents sensor shows the number of torrents it holds."""
        counts = {
            major: len((await asyncio.to_thread(read_server, server)).torrents)
            for major, server in self.stack.servers.items()
        }
        deadline = time.monotonic() + SENSOR_TIMEOUT
        while True:
            by_unique_id, states = await self._entities()
            wrong = []
            for major, entry_id in self.qbt_ids.items():
                entity_id = by_unique_id.get(f"{entry_id}-total_torrents", "?")
                state = str(states.get(entity_id, {}).get("state", "missing"))
                if state != str(counts[major]):
                    wrong.append(f"{entity_id} is {state!r}, server: {counts[major]}")
            if not wrong:
                return
            expect(time.monotonic() < deadline, "after the restart: " + "; ".join(wrong))
            await asyncio.sleep(0.5)

    async def _expect_history_reset_reported(self) -> list[str]:
        """The corrupt history was reported once in this hass's log; no qbitrr traceback.

        Once: one WARNING from qbitrr that its history was unreadable, or, when Home
        Assistant's Store dealt with the file itself, none from qbitrr and exactly one Store
        ERROR for this key. The Store does so for any invalid JSON (up to Home Assistant
        2026.10 at least): it moves the file to ``<file>.corrupt.<time>``, raises a repair
        issue and hands qbitrr nothing, so qbitrr's own warning never comes.

        hass rotates home-assistant.log at each start, so the log holds this start only. The
        records are logged during the run; their lines can reach the file a moment later.
        """
        log_path = self.stack.config_dir / "home-assistant.log"
        store_marker = f"decoding storage {HISTORY_FILE.name} "
        deadline = time.monotonic() + 5
        while True:
            records = _log_records(log_path.read_text(encoding="utf-8", errors="replace"))
            warnings = [
                text
                for level, logger, text in records
                if level == "WARNING"
                and _is_qbitrr(logger)
                and "history" in text.lower()
                and "unreadable" in text.lower()
            ]
            store_errors = [
                text
                for level, logger, text in records
                if level == "ERROR"
                and logger == "homeassistant.helpers.storage"
                and store_marker in text
            ]
            if warnings or store_errors or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        tracebacks = [
            text
            for _, logger, text in records
            if "Traceback (most recent call last)" in text
            and (_is_qbitrr(logger) or f"custom_components/{DOMAIN}/" in text)
        ]
        expect(not tracebacks, f"qbitrr tracebacks in {log_path}: {tracebacks}")
        about_history = [
            f"{level} [{logger}] {text.splitlines()[0][:200]}"
            for level, logger, text in records
            if level in {"WARNING", "ERROR", "CRITICAL"} and HISTORY_FILE.name in text
        ]
        expect(
            len(warnings) <= 1,
            f"{len(warnings)} qbitrr WARNING records about the unreadable history in"
            f" {log_path}, expected 1: {warnings}",
        )
        if warnings:
            warning = warnings[0].splitlines()[0][:200]
            return [
                f"{log_path.name}: 1 WARNING from custom_components.{DOMAIN}: {warning}",
                "no traceback from qbitrr",
            ]
        expect(
            len(store_errors) == 1,
            f"no WARNING from custom_components.{DOMAIN} about the unreadable history and"
            f" {len(store_errors)} Store errors for it in {log_path}, expected 1 of either;"
            f" what the log says about {HISTORY_FILE.name}: {about_history or 'nothing'}",
        )
        history = self.stack.config_dir / HISTORY_FILE
        copies = sorted(history.parent.glob(f"{history.name}.corrupt.*"))
        expect(
            len(copies) == 1 and copies[0].read_text(encoding="utf-8") == CORRUPT_HISTORY,
            f"the Store did not keep exactly one copy of the corrupt file: {copies}",
        )
        (repairs,) = await self.ha.websocket({"type": "repairs/list_issues"})
        issues = [
            str(issue.get("issue_id"))
            for issue in (repairs or {}).get("issues", [])
            if str(issue.get("issue_id", "")).startswith(f"storage_corruption_{history.name}_")
        ]
        expect(len(issues) == 1, f"repair issues for the corrupt history: {issues}")
        note = (
            f"NOTE: no WARNING from custom_components.{DOMAIN}: Home Assistant's Store handled"
            " the invalid JSON itself and gave qbitrr no error to warn about:"
        )
        error = store_errors[0].splitlines()[0][:120]
        return [
            note,
            f"{log_path.name}: 1 ERROR [homeassistant.helpers.storage] {error}...",
            f"the file was moved to {copies[0].name}; repair issue {issues[0]}",
            "no traceback from qbitrr",
        ]

    # 14. stop

    async def stop(self) -> str:
        """Stop the browser, hass, the emulator and both servers; check they are gone."""
        pids = [(s.pid, "qbittorrent-nox") for s in self.stack.servers.values() if s.pid]
        if self.stack.hass is not None:
            pids.append((self.stack.hass.pid, "homeassistant"))
        pids += self.pids
        ports = [p for p in self.stack.state.ports.values() if p]
        if self.browser is not None:
            await self.browser.stop()
            self.browser = None
        await asyncio.to_thread(self.stack.stop)
        alive = [
            f"{marker} {pid}" for pid, marker in pids if pid and _running(pid, str(self.scratch))
        ]
        expect(not alive, f"still running: {alive}")
        deadline = time.monotonic() + 10
        while taken := [p for p in ports if not port_is_free(p)]:
            expect(time.monotonic() < deadline, f"ports still taken: {taken}")
            await asyncio.sleep(0.2)
        return f"stopped {len(pids)} processes ({', '.join(m for _, m in pids)}) and the emulator"


def _compare_qbt(
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


async def _timed[T](awaitable: Awaitable[T]) -> tuple[T, float]:
    """Await ``awaitable``; return its result and the seconds it took."""
    started = time.monotonic()
    result = await awaitable
    return result, time.monotonic() - started


def _timings(timings: Mapping[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f}s" for name, seconds in timings.items())


def _log_records(text: str) -> list[tuple[str, str, str]]:
    """home-assistant.log as (level, logger, text) records; a traceback stays with its record."""
    starts = list(LOG_RECORD.finditer(text))
    return [
        (match["level"], match["logger"], text[match.end() : end].rstrip())
        for match, end in zip(starts, [m.start() for m in starts[1:]] + [len(text)], strict=True)
    ]


def _is_qbitrr(logger: str) -> bool:
    return logger == f"custom_components.{DOMAIN}" or logger.startswith(
        f"custom_components.{DOMAIN}."
    )


def _difference(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    changed = [key for key in before if before[key] != after.get(key)]
    return "; ".join(f"{key}: {before[key]!r:.300} → {after.get(key)!r:.300}" for key in changed)


def _running(pid: int, marker: str) -> bool:
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
    """Stop what a previous run left behind (it was killed hard): only pids it recorded whose
    command line still names the scratch directory."""
    pids_path = scratch / "run" / "pids"
    stopped: list[str] = []
    try:
        lines = pids_path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return stopped
    for line in lines:
        pid_text, _, marker = line.partition(" ")
        if not pid_text.isdigit() or not _running(int(pid_text), str(scratch)):
            continue
        pid = int(pid_text)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not _running(pid, str(scratch)):
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


async def run(test: EndToEnd) -> int:
    """Run the test; Ctrl-C/SIGTERM cancel it (everything is still stopped)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    interrupted = False

    def interrupt() -> None:
        nonlocal interrupted
        if not interrupted and task is not None:
            interrupted = True
            log("interrupted: stopping everything")
            task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, interrupt)
    passed = False
    try:
        passed = await test.run()
    except asyncio.CancelledError:
        passed = False
    finally:
        print("\n".join(test.steps.summary()), flush=True)
    if interrupted:
        log("E2E INTERRUPTED")
        return 130
    if not passed:
        failed = next((r for r in test.steps.results if not r.ok), None)
        print(
            f"\n\033[1;31mE2E FAILED\033[0m at: {failed.name if failed else '?'}\n"
            f"  logs: {test.scratch / 'config' / 'home-assistant.log'},"
            f" {test.scratch / 'hass.out'}, {test.scratch}/qbittorrent*/qbittorrent-nox.log,"
            f" {test.scratch / 'chromium.log'}",
            file=sys.stderr,
            flush=True,
        )
        return 1
    print("\n\033[1;32mE2E PASSED\033[0m", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of scripts/e2e."""
    parser = argparse.ArgumentParser(prog="scripts/e2e", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--screenshots",
        action="store_true",
        help=f"write the screenshots to {IMAGES_DIR.relative_to(ROOT)}/ (default: scratch only)",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="skip the screenshots step (no Chromium)"
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(os.environ.get("QBITRR_E2E_DIR") or DEFAULT_DIR),
        help="scratch directory, wiped at the start (default: .cache/e2e-run)",
    )
    args = parser.parse_args(argv)
    if args.screenshots and args.no_browser:
        parser.error("--screenshots needs the browser")
    scratch: Path = args.dir.resolve()
    if scratch in {ROOT, ROOT / "dev-instance", Path.home(), Path("/")}:
        parser.error(f"refusing to use {scratch} as a scratch directory")
    scratch.parent.mkdir(parents=True, exist_ok=True)
    lock = (scratch.parent / f".{scratch.name}.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log(f"another scripts/e2e is using {scratch}")
        return 1
    if args.no_browser:
        shots = None
    elif args.screenshots:
        shots = IMAGES_DIR
    else:
        shots = scratch / "screenshots"
    return asyncio.run(run(EndToEnd(scratch, screenshots_dir=shots)))


if __name__ == "__main__":
    sys.exit(main())
