"""Orchestrate the dev stack behind ``scripts/develop`` (runs as ``python -m scripts.devstack``).

Starts, on 127.0.0.1 only: qBittorrent 4.5 and 5.x with demo torrents, a Radarr and a Sonarr
emulator (``tests/support/arr_emulator.py``, in this process) whose queues point at those
torrents, and a real Home Assistant with this repository's ``custom_components/qbitrr``; onboards
Home Assistant over its REST API, adds all four servers as ``qbitrr`` config entries through the
config flow, prints the logins and waits for Ctrl-C. ``--check`` verifies the entries load and
provide entities, the Arr sensors and the cross-instance services, then stops.

Everything lives in ``dev-instance/`` (or ``$QBITRR_DEV_DIR``) and is reused by the next run:
profiles, torrents, passwords, API keys, the Home Assistant user and its config entries.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
import fcntl
import importlib.metadata
import importlib.util
import json
import os
from pathlib import Path
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from typing import IO, TYPE_CHECKING, Any, Self, cast

import aiohttp
from packaging.requirements import Requirement

from tests.support.arr_emulator import ArrEmulator
from tests.support.qbittorrent_server import (
    PAUSED_STATES,
    QbittorrentServer,
    add_magnets,
    free_port,
    port_is_free,
    terminate,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Iterator, Mapping

    from tests.support.arr_emulator import App

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "qbitrr"
HOST = "127.0.0.1"
HA_DEFAULT_PORT = 8123
QBT_DEFAULT_PORTS = {4: 8081, 5: 8082}
QBT_LABELS = {4: "qBittorrent 4.5", 5: "qBittorrent 5.x"}
HA_USER = "dev"
HA_NAME = "Developer"
QBT_USER = "admin"
QBT_MENU_OPTION = "qbittorrent"  # the config flow's menu entry for a qBittorrent server
ARR_APPS: tuple[App, ...] = ("radarr", "sonarr")
ARR_DEFAULT_PORTS: dict[App, int] = {"radarr": 7878, "sonarr": 8989}
ARR_LABELS: dict[App, str] = {"radarr": "Radarr", "sonarr": "Sonarr"}
ARR_MENU_OPTION = "arr"  # the config flow's menu entry for a Radarr/Sonarr/Lidarr
ARR_CATEGORY_STEP = "arr_category"  # the step after the API key: which category the app uses
# Radarr's health check reports this, so its Health (problem) binary sensor is on.
RADARR_HEALTH: tuple[dict[str, str], ...] = (
    {
        "source": "IndexerStatusCheck",
        "type": "warning",
        "message": "Indexers unavailable due to failures: Demo Indexer",
        "wikiUrl": "https://wiki.servarr.com/radarr/system#indexers-are-unavailable-due-to-failures",
    },
)
# Demo torrents without metadata wait in these states; the apps show them as queued.
QUEUED_STATES = frozenset({"metaDL", "forcedMetaDL", "queuedDL", "checkingResumeData"})
HA_START_TIMEOUT = 180.0
ENTRY_TIMEOUT = 60.0
# The Arr sensors follow the qBittorrent polls (every 15 s) and the Arr polls (every 30 s).
SENSOR_TIMEOUT = 45.0
HASS_RESTART_EXIT_CODE = 100  # "Restart" in the UI: hass exits with 100 and expects a supervisor

# Demo torrents per server: (category, count, tags, paused, display-name prefix).
DEMO_TORRENTS: tuple[tuple[str, int, tuple[str, ...], bool, str], ...] = (
    ("radarr", 3, (), False, "Demo.Movie.2024.1080p.WEB-DL"),
    ("radarr", 1, ("4k", "upgrade"), False, "Demo.Movie.2023.2160p.UHD.BluRay"),
    ("radarr", 1, (), True, "Demo.Movie.2022.720p.BluRay"),
    ("sonarr", 2, ("anime",), False, "Demo.Show.S01E01.1080p.WEB"),
    ("sonarr", 1, (), False, "Demo.Show.S02E05.720p.HDTV"),
    ("sonarr", 2, (), True, "Demo.Show.S03.COMPLETE.1080p"),
)


class StackError(RuntimeError):
    """A step of the stack failed; the message says which and why."""


def log(message: str) -> None:
    """Progress line in the same style as scripts/_lib.sh."""
    print(f"\033[1;34m==>\033[0m {message}", file=sys.stderr, flush=True)


# --- persistent state ----------------------------------------------------------------------------


@dataclass
class State:
    """What a later run must reuse; stored in ``<dev dir>/state.json`` (mode 600)."""

    qbt_password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    ha_password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    ha_token: str = ""
    # app ("radarr"/"sonarr") -> the emulator's API key (32 hex digits, as the apps make them)
    arr_api_keys: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    # server key ("qbt4"/"qbt5"/"radarr"/"sonarr") -> {"url": ..., "entry_id": ...} of the
    # entries this script made
    entries: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Generate the API keys a new (or older) state lacks; kept from then on."""
        for app in ARR_APPS:
            self.arr_api_keys.setdefault(app, secrets.token_hex(16))

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read the state, or start a new one."""
        if not path.exists():
            return cls()
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            qbt_password=str(raw["qbt_password"]),
            ha_password=str(raw["ha_password"]),
            ha_token=str(raw.get("ha_token", "")),
            arr_api_keys={str(k): str(v) for k, v in raw.get("arr_api_keys", {}).items()},
            ports={str(k): int(v) for k, v in raw.get("ports", {}).items()},
            entries={str(k): dict(v) for k, v in raw.get("entries", {}).items()},
        )

    def save(self, path: Path) -> None:
        """Write the state (secrets inside: owner-only)."""
        _write_private(
            path,
            json.dumps(
                {
                    "qbt_password": self.qbt_password,
                    "ha_password": self.ha_password,
                    "ha_token": self.ha_token,
                    "arr_api_keys": self.arr_api_keys,
                    "ports": self.ports,
                    "entries": self.entries,
                },
                indent=2,
            )
            + "\n",
        )


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text, encoding="utf-8")


def pick_port(preferred: list[int | None], taken: set[int]) -> int:
    """Return the first preferred port that is free (and not already handed out), else any."""
    for port in preferred:
        if port is not None and port not in taken and port_is_free(port):
            return port
    while (candidate := free_port()) in taken:
        pass
    return candidate


# --- pre-flight: packages the loaded integrations need -------------------------------------------


def missing_requirements(components: tuple[str, ...] = ()) -> list[str]:
    """Return the frontend's (and ``components``') and our manifest's requirements not installed.

    hass runs with --skip-pip (it must not reach PyPI at run time), so these must be in the venv;
    without the frontend hass even falls back to recovery mode. Reads manifests only: importing
    homeassistant.bootstrap to list every default integration would add ~7 s to each start
    (their failures are reported from the log instead, see ``failed_setups``).
    """
    spec = importlib.util.find_spec("homeassistant")
    if spec is None or not spec.submodule_search_locations:
        return ["homeassistant"]
    builtin = Path(next(iter(spec.submodule_search_locations))) / "components"
    requirements: list[str] = []
    folders = [builtin / name for name in ("frontend", *components)]
    for manifest in (*folders, ROOT / "custom_components" / DOMAIN):
        requirements += json.loads((manifest / "manifest.json").read_text()).get("requirements", [])
    missing = []
    for line in requirements:
        requirement = Requirement(line)
        try:
            installed = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(line)
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            missing.append(f"{line} (installed: {installed})")
    return missing


def failed_setups(log_path: Path) -> list[str]:
    """Domains whose set-up failed in this hass start (hass rotates its log at each start)."""
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return sorted(set(re.findall(r"Setup failed for '([^']+)'", text)))


# --- Home Assistant HTTP/websocket client ---------------------------------------------------------


class HomeAssistantApi:
    """The few REST and websocket calls the stack needs."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        """Talk to ``base_url`` (http://127.0.0.1:<port>)."""
        self._session = session
        self.base_url = base_url
        self.token = ""
        # The last /auth/token reply (access and refresh token): a browser session can use it.
        self.token_reply: dict[str, Any] = {}

    @property
    def client_id(self) -> str:
        """OAuth client id: our own base URL, so no redirect URI has to be fetched."""
        return f"{self.base_url}/"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def request(
        self, method: str, path: str, *, json_body: object = None, ok: tuple[int, ...] = (200,)
    ) -> Any:
        """Send a request with the bearer token; return the JSON reply (or None when empty)."""
        async with self._session.request(
            method, f"{self.base_url}{path}", json=json_body, headers=self._headers()
        ) as response:
            text = await response.text()
            if response.status not in ok:
                raise StackError(f"{method} {path}: HTTP {response.status} {text[:300]}")
            return json.loads(text) if text else None

    async def status(self, path: str) -> int:
        """HTTP status of an unauthenticated-or-token GET, or 0 when nothing answers."""
        try:
            async with self._session.get(
                f"{self.base_url}{path}", headers=self._headers()
            ) as response:
                return response.status
        except aiohttp.ClientError, TimeoutError:
            return 0

    async def exchange_code(self, code: str) -> str:
        """Trade an authorization code for an access token."""
        data = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id}
        async with self._session.post(f"{self.base_url}/auth/token", data=data) as response:
            if response.status != 200:  # noqa: PLR2004
                raise StackError(f"/auth/token: HTTP {response.status} {await response.text()}")
            reply = await response.json()
        self.token_reply = dict(reply)
        return str(reply["access_token"])

    async def login(self, username: str, password: str) -> str:
        """Log in with the login flow (the way the frontend does) and return an access token."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            json_body={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{self.base_url}/?auth_callback=1",
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json_body={"username": username, "password": password, "client_id": self.client_id},
        )
        if result.get("type") != "create_entry":
            raise StackError(f"Home Assistant login failed: {result.get('errors') or result}")
        return await self.exchange_code(str(result["result"]))

    async def websocket(self, *commands: dict[str, Any]) -> list[Any]:
        """Run websocket commands in order and return their results."""
        results: list[Any] = []
        async with self._session.ws_connect(
            f"{self.base_url.replace('http', 'ws', 1)}/api/websocket"
        ) as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            reply = await ws.receive_json()
            if reply.get("type") != "auth_ok":
                raise StackError(f"websocket auth failed: {reply}")
            for number, command in enumerate(commands, start=1):
                await ws.send_json({"id": number, **command})
                while (reply := await ws.receive_json()).get("id") != number:
                    pass
                if not reply.get("success"):
                    raise StackError(f"websocket {command['type']}: {reply.get('error')}")
                results.append(reply.get("result"))
        return results


# --- the stack ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryPlan:
    """A config entry the stack wants, and what a user would enter in the config flow for it."""

    key: str  # in State.entries: qbt4, qbt5, radarr, sonarr
    label: str
    url: str
    menu_option: str
    user_input: dict[str, Any]
    category: str | None = None  # Arr apps: the answer to the arr_category step


class DevStack:
    """Both qBittorrent servers, the Arr emulators, hass, and the calls that wire them together."""

    def __init__(
        self,
        dev_dir: Path,
        *,
        check: bool = False,
        apps: tuple[App, ...] = ARR_APPS,
        documented_ports: bool = True,
        preferred_ports: Mapping[str, int] | None = None,
        extra_config: str = "",
        made_by: str = "scripts/develop",
    ) -> None:
        """Prepare paths; nothing starts yet.

        ``apps``: the Arr emulators to run (and add as entries). ``documented_ports``: prefer
        8123/8081/8082/7878/8989 (scripts/develop); when False those are never used, so another
        stack (scripts/e2e) can run beside a dev instance, and ``preferred_ports`` (keys "hass",
        "qbt4", "qbt5" and the apps) are tried first instead. ``extra_config``: YAML appended to the
        generated configuration.yaml. ``made_by`` names the generated files' author.
        """
        self.dev_dir = dev_dir
        self.check = check
        self.apps = apps
        self.documented_ports = documented_ports
        self.preferred_ports: Mapping[str, int] = preferred_ports or {}
        self.extra_config = extra_config
        self.made_by = made_by
        self.config_dir = dev_dir / "config"
        self.state_path = dev_dir / "state.json"
        self.pids_path = dev_dir / "run" / "pids"
        self.state = State.load(self.state_path)
        self.servers: dict[int, QbittorrentServer] = {}
        self.arrs: dict[App, ArrEmulator] = {}
        # Queue records per app and qBittorrent major: that server's torrents of the app's category.
        self.queued: dict[App, dict[int, int]] = {}
        self.hass: subprocess.Popen[bytes] | None = None
        self.hass_port = 0
        # Other children to stop if this process dies hard: pid -> a string in their command line.
        self.extra_pids: dict[int, str] = {}
        self._hass_log: IO[bytes] | None = None
        self.timings: dict[str, float] = {}
        # What the Arr check saw, for the summary.
        self.arr_sensors: dict[str, str] = {}
        self.distribution: dict[str, Any] = {}
        self.category_sync: dict[str, Any] = {}
        # Per entry plan key: the config flow's steps as run_flow saw them ("menu:user", ...).
        self.flow_trails: dict[str, list[str]] = {}
        # stop() can run while a start is still busy in a worker thread (Ctrl-C during start-up):
        # they take turns, and nothing starts once stop() began, so nothing is left running.
        self._lifecycle = threading.Lock()
        self._stopping = False

    @property
    def ha_url(self) -> str:
        """Home Assistant base URL."""
        return f"http://{HOST}:{self.hass_port}"

    # ports and processes

    def choose_ports(self) -> None:
        """Use the documented ports, else last run's (entries point at them), else any free one.

        Without ``documented_ports`` the documented ones are never handed out.
        """
        documented = {HA_DEFAULT_PORT, *QBT_DEFAULT_PORTS.values(), *ARR_DEFAULT_PORTS.values()}
        taken: set[int] = set() if self.documented_ports else set(documented)
        servers: list[tuple[str, str, int | None]] = [
            (f"qbt{major}", QBT_LABELS[major], QBT_DEFAULT_PORTS[major]) for major in (4, 5)
        ]
        servers += [
            (app, f"the {ARR_LABELS[app]} emulator", ARR_DEFAULT_PORTS[app]) for app in self.apps
        ]
        for key, label, documented_port in servers:
            default = documented_port if self.documented_ports else self.preferred_ports.get(key)
            previous = self.state.ports.get(key)
            port = pick_port([default, previous], taken)
            if previous is not None and previous != port:
                if port == default:
                    log(f"{label} moves back from port {previous} to its own, {port}")
                else:
                    log(f"port {previous} is taken: {label} moves to {port}")
            self.state.ports[key] = port
            taken.add(port)
        ha_default = HA_DEFAULT_PORT if self.documented_ports else self.preferred_ports.get("hass")
        self.hass_port = pick_port([ha_default, self.state.ports.get("hass")], taken)
        self.state.ports["hass"] = self.hass_port

    @contextlib.contextmanager
    def _starting(self, what: str) -> Iterator[None]:
        """Hold off stop() while ``what`` starts; refuse to start once stopping began."""
        with self._lifecycle:
            if self._stopping:
                raise StackError(f"not starting {what}: the stack is stopping")
            yield

    def record_pids(self) -> None:
        """Write the children's pids so scripts/develop can still stop them if we die hard."""
        lines = [f"{s.pid} qbittorrent-nox" for s in self.servers.values() if s.pid is not None]
        if self.hass is not None and self.hass.poll() is None:
            lines.append(f"{self.hass.pid} homeassistant")
        lines += [f"{pid} {marker}" for pid, marker in self.extra_pids.items()]
        self.pids_path.parent.mkdir(parents=True, exist_ok=True)
        self.pids_path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")

    def start_qbittorrent(self, major: int) -> None:
        """Start one server (keeping its profile) and add demo torrents to a new one."""
        started = time.monotonic()
        server = QbittorrentServer(
            major,
            self.dev_dir / f"qbittorrent{major}",
            username=QBT_USER,
            password=self.state.qbt_password,
            port=self.state.ports[f"qbt{major}"],
            fresh=False,
        )
        with self._starting(QBT_LABELS[major]):
            self.servers[major] = server
            server.start()
        self.timings[f"qBittorrent {major}.x start"] = time.monotonic() - started
        client = server.client()
        try:
            if not client.torrents_info():
                for category, count, tags, paused, name in DEMO_TORRENTS:
                    add_magnets(
                        client,
                        count,
                        category=category,
                        tags=tags or None,
                        paused=paused,
                        name_prefix=name,
                    )
                log(f"{QBT_LABELS[major]}: added {sum(d[1] for d in DEMO_TORRENTS)} demo torrents")
        finally:
            client.auth_log_out()

    def start_arr(self, app: App) -> None:
        """Start one emulator; its queue holds the app's torrents on both qBittorrent servers.

        It serves from its own thread in this process. One qBittorrent download client per
        server, with the app's category (what the config flow offers as the category).
        """
        started = time.monotonic()
        emulator = ArrEmulator(
            app,
            api_key=self.state.arr_api_keys[app],
            port=self.state.ports[app],
            qbittorrent_remover=self.remove_torrent,
        )
        emulator.set_download_clients(
            [
                emulator.qbittorrent_client(
                    client_id=number,
                    name=QBT_LABELS[major],
                    host=HOST,
                    port=server.port,
                    username=server.username,
                    category=app,
                )
                for number, (major, server) in enumerate(sorted(self.servers.items()), start=1)
            ]
        )
        if app == "radarr":
            emulator.set_health(RADARR_HEALTH)
        with self._starting(f"the {ARR_LABELS[app]} emulator"):
            self.queued[app] = self.fill_queue(emulator, app)
            self.arrs[app] = emulator
            try:
                emulator.start()
            except OSError as err:
                where = f"{HOST}:{self.state.ports[app]}"
                raise StackError(
                    f"the {ARR_LABELS[app]} emulator cannot listen on {where}: {err}"
                ) from err
        self.timings[f"{ARR_LABELS[app]} start"] = time.monotonic() - started

    def fill_queue(self, emulator: ArrEmulator, app: App) -> dict[int, int]:
        """One queue record per torrent of the app's category on each server; count per server.

        As the apps report them: downloadId is the upper-case hash, the title the torrent's
        name, downloadClient the client's name; media ids 1..n (Sonarr: episode ids too).
        """
        counts: dict[int, int] = {}
        media_id = 0
        for major, server in sorted(self.servers.items()):
            client = server.client()
            try:
                torrents = client.torrents_info(category=app)
            finally:
                client.auth_log_out()
            for torrent in sorted(torrents, key=lambda t: (str(t["name"]), str(t["hash"]))):
                media_id += 1
                state = str(torrent.get("state", ""))
                emulator.add_queue_item(
                    str(torrent["hash"]).upper(),
                    title=str(torrent["name"]),
                    media_id=media_id,
                    episode_id=1000 + media_id if app == "sonarr" else None,
                    download_client=QBT_LABELS[major],
                    status=(
                        "paused"
                        if state in PAUSED_STATES
                        else "queued"
                        if state in QUEUED_STATES
                        else "downloading"
                    ),
                    output_path=str(torrent.get("content_path") or "") or None,
                )
            counts[major] = len(torrents)
        return counts

    def remove_torrent(self, info_hash: str) -> None:
        """The emulators' ``qbittorrent_remover``: delete the torrent and its files everywhere.

        An emulator calls it from a worker thread when a queue item is removed with
        ``removeFromClient=true``, as Radarr/Sonarr delete the download in qBittorrent.
        """
        for major, server in sorted(self.servers.items()):
            if not server.running:
                continue
            client = server.client()
            try:
                held = bool(client.torrents_info(torrent_hashes=info_hash))
                client.torrents_delete(delete_files=True, torrent_hashes=info_hash)
            finally:
                client.auth_log_out()
            if held:
                log(f"{QBT_LABELS[major]}: deleted torrent {info_hash} (removed from an Arr queue)")

    def write_ha_config(self) -> None:
        """configuration.yaml (regenerated each run), the integration symlink, onboarding seed."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(
            f"""\
# Generated by {self.made_by} on every run: edits here are overwritten.
# Minimal on purpose (no default_config): nothing here needs the internet.
# No `http:` block: since 2026.10 Home Assistant keeps the HTTP settings in .storage/http (YAML is
# migrated once, as a trial that falls back to 0.0.0.0:8123); {self.made_by} writes that file
# with {HOST}:{self.hass_port} on every run.
api:
config:
frontend:
logger:
  default: warning
  logs:
    custom_components.{DOMAIN}: debug
    homeassistant.setup: info
    # No ffmpeg binary or libturbojpeg here; their start-up complaints are noise.
    haffmpeg: critical
    homeassistant.components.camera.img_util: critical
"""
            + self.extra_config,
            encoding="utf-8",
        )
        links = self.config_dir / "custom_components"
        links.mkdir(exist_ok=True)
        link = links / DOMAIN
        target = ROOT / "custom_components" / DOMAIN
        if link.is_symlink() and link.resolve() != target.resolve():
            link.unlink()
        if not link.is_symlink():
            link.symlink_to(target, target_is_directory=True)
        storage = self.config_dir / ".storage"
        self.write_http_storage(storage / "http")
        if not (storage / "onboarding").exists() and not (storage / "auth").exists():
            # Mark core_config done before the first start: finishing it over the API would set
            # up met / radio_browser / google_translate / shopping_list, which need the internet.
            storage.mkdir(parents=True, exist_ok=True)
            seed = {
                "version": 4,
                "minor_version": 1,
                "key": "onboarding",
                "data": {"done": ["core_config"]},
            }
            _write_private(storage / "onboarding", json.dumps(seed, indent=2))

    def write_http_storage(self, path: Path) -> None:
        """Bind hass to 127.0.0.1:<port> through its HTTP config store (stable slot, no trial).

        The stable slot is also what recovery mode uses, so even a broken start (e.g. a missing
        frontend package) stays on 127.0.0.1 instead of the default 0.0.0.0:8123.
        """
        stable: dict[str, Any] = {
            "cors_allowed_origins": ["https://cast.home-assistant.io"],
            "login_attempts_threshold": -1,
            "ip_ban_enabled": True,
            "ssl_profile": "modern",
            "use_x_frame_options": True,
            "created_at": datetime.now(UTC).isoformat(),
        }
        if path.exists():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                stable.update(json.loads(path.read_text(encoding="utf-8"))["data"]["stable"])
        stable.update(
            server_host=[HOST], server_port=self.hass_port, error=None, error_message=None
        )
        document = {
            "version": 2,
            "minor_version": 2,
            "key": "http",
            # A pending (trial) config would win over stable: drop it.
            "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
        }
        _write_private(path, json.dumps(document, indent=2))

    def start_hass(self) -> None:
        """Launch hass as a child (own session: we stop it in order, after our own cleanup)."""
        self.dev_dir.mkdir(parents=True, exist_ok=True)
        if self._hass_log is None:
            # hass's console output; mostly a copy of config/home-assistant.log, but it also
            # catches crashes before logging is set up. Truncated per run, kept across restarts.
            self._hass_log = (self.dev_dir / "hass.out").open("wb")
        self.hass = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "homeassistant",
                "--config",
                str(self.config_dir),
                # Never pip-install at run time (no PyPI for hass); pre-flight checked packages.
                "--skip-pip",
                "--log-no-color",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._hass_log,
            stderr=subprocess.STDOUT,
            cwd=self.dev_dir,
            start_new_session=True,
        )

    def hass_exited(self) -> int | None:
        """Exit code if hass is gone, else None."""
        return None if self.hass is None else self.hass.poll()

    def stop(self) -> None:
        """Stop hass first (it talks to the servers), then the emulators, then both servers."""
        with self._lifecycle:
            # Waits for a start still running in a worker thread; later starts are refused.
            self._stopping = True
        if self.hass is not None and self.hass.poll() is None:
            log("stopping Home Assistant")
            terminate(self.hass, 60)
        self.hass = None
        if self._hass_log is not None:
            self._hass_log.close()
            self._hass_log = None
        # Their removals talk to the qBittorrent servers: stop them first. stop() joins the
        # emulator's thread (and its worker threads).
        for app, emulator in self.arrs.items():
            if emulator.running:
                log(f"stopping the {ARR_LABELS[app]} emulator")
            emulator.stop()
        for major, server in self.servers.items():
            if server.running:
                log(f"stopping {QBT_LABELS[major]}")
            server.stop()
        with contextlib.suppress(FileNotFoundError):
            self.pids_path.unlink()

    # Home Assistant set-up over HTTP

    async def wait_hass(self, api: HomeAssistantApi) -> None:
        """Wait until hass answers HTTP and reports RUNNING."""
        started = time.monotonic()
        deadline = started + HA_START_TIMEOUT
        # Any answer means HTTP is up; /auth/providers needs no token (no auth warning logged).
        while await api.status("/auth/providers") == 0:
            self._raise_if_hass_died()
            if time.monotonic() > deadline:
                raise StackError(f"Home Assistant did not answer on {self.ha_url}")
            await asyncio.sleep(0.5)
        self.timings["hass HTTP up"] = time.monotonic() - started
        await self.authenticate(api)
        while True:
            self._raise_if_hass_died()
            config = await api.request("GET", "/api/config")
            if config.get("recovery_mode"):
                raise StackError(
                    "Home Assistant started in recovery mode (a critical integration failed,"
                    f" usually a missing package); see {self.config_dir / 'home-assistant.log'}"
                )
            if config.get("state") == "RUNNING":
                break
            if time.monotonic() > deadline:
                raise StackError(f"Home Assistant stuck in state {config.get('state')}")
            await asyncio.sleep(0.5)
        self.timings["hass RUNNING"] = time.monotonic() - started

    def _raise_if_hass_died(self) -> None:
        if (code := self.hass_exited()) is not None:
            raise StackError(
                f"hass exited with {code}; see {self.config_dir / 'home-assistant.log'}"
                f" and {self.dev_dir / 'hass.out'}"
            )

    async def authenticate(self, api: HomeAssistantApi) -> None:
        """Onboard a new instance, else reuse the stored token or log in with the password."""
        if await api.status("/api/onboarding") == 200:  # noqa: PLR2004 - 404 once onboarded
            await self.onboard(api)
            return
        if self.state.ha_token:
            api.token = self.state.ha_token
            if await api.status("/api/") == 200:  # noqa: PLR2004
                return
        api.token = await api.login(HA_USER, self.state.ha_password)
        self.state.ha_token = await self.long_lived_token(api)
        api.token = self.state.ha_token
        self.state.save(self.state_path)

    async def onboard(self, api: HomeAssistantApi) -> None:
        """Create the owner and finish the onboarding steps that need no internet."""
        steps = {s["step"]: s["done"] for s in await api.request("GET", "/api/onboarding")}
        if not steps.get("user"):
            reply = await api.request(
                "POST",
                "/api/onboarding/users",
                json_body={
                    "client_id": api.client_id,
                    "name": HA_NAME,
                    "username": HA_USER,
                    "password": self.state.ha_password,
                    "language": "en",
                },
            )
            api.token = await api.exchange_code(str(reply["auth_code"]))
            log(f"Home Assistant onboarded: user {HA_USER!r} created")
        else:
            api.token = await api.login(HA_USER, self.state.ha_password)
        if not steps.get("analytics"):
            await api.request("POST", "/api/onboarding/analytics", json_body={})
        if not steps.get("integration"):
            await api.request(
                "POST",
                "/api/onboarding/integration",
                json_body={
                    "client_id": api.client_id,
                    "redirect_uri": f"{self.ha_url}/?auth_callback=1",
                },
            )
        self.state.ha_token = await self.long_lived_token(api)
        api.token = self.state.ha_token
        self.state.save(self.state_path)

    async def long_lived_token(self, api: HomeAssistantApi) -> str:
        """Create a long-lived token (the client name must be unique per user)."""
        (token,) = await api.websocket(
            {
                "type": "auth/long_lived_access_token",
                "client_name": f"{self.made_by} {time.strftime('%Y-%m-%d %H:%M:%S')}",
                "lifespan": 3650,
            }
        )
        return str(token)

    def entry_plans(self) -> list[EntryPlan]:
        """The entries for both qBittorrent servers and both emulators, as a user enters them."""
        plans = [
            EntryPlan(
                key=f"qbt{major}",
                label=QBT_LABELS[major],
                url=server.url,
                menu_option=QBT_MENU_OPTION,
                user_input={
                    "url": server.url,
                    "username": server.username,
                    "password": server.password,
                    "verify_ssl": True,
                },
            )
            for major, server in self.servers.items()
        ]
        plans += [
            EntryPlan(
                key=app,
                label=ARR_LABELS[app],
                url=emulator.url,
                menu_option=ARR_MENU_OPTION,
                user_input={"url": emulator.url, "api_key": emulator.api_key, "verify_ssl": True},
                category=app,  # the demo torrents' category
            )
            for app, emulator in self.arrs.items()
        ]
        return plans

    async def add_entries(self, api: HomeAssistantApi) -> None:
        """Run the qbitrr config flow for each server whose entry is missing."""
        existing = {e["entry_id"] for e in await self.entries(api)}
        for plan in self.entry_plans():
            known = self.state.entries.get(plan.key)
            if known and known.get("entry_id") in existing:
                if known.get("url") == plan.url:
                    continue
                # Our server moved to another port: replace the entry this script made for it.
                log(f"{plan.label} moved to {plan.url}: replacing its entry for {known.get('url')}")
                await api.request("DELETE", f"/api/config/config_entries/entry/{known['entry_id']}")
                del self.state.entries[plan.key]
            result = await self.run_flow(api, plan)
            kind = result.get("type")
            if kind == "create_entry":
                entry_id = str(result["result"]["entry_id"])
                self.state.entries[plan.key] = {"url": plan.url, "entry_id": entry_id}
                log(f"config entry added for {plan.label} ({plan.url})")
            elif kind == "abort" and result.get("reason") == "already_configured":
                log(f"{plan.label} ({plan.url}) is already configured")
            else:
                raise StackError(
                    f"config flow for {plan.label} ({plan.url}) ended with {kind}:"
                    f" {result.get('errors') or result.get('reason') or result}"
                )
        self.state.save(self.state_path)

    async def run_flow(self, api: HomeAssistantApi, plan: EntryPlan) -> dict[str, Any]:
        """Go through the config flow like a user: menu, server form, (Arr) category form.

        Returns the last step's reply; a flow left at a form (errors) is aborted.
        """
        try:
            flow = await api.request(
                "POST", "/api/config/config_entries/flow", json_body={"handler": DOMAIN}
            )
        except StackError as err:
            raise StackError(
                f"{err}\n    the qbitrr config flow did not load; see"
                f" {self.config_dir / 'home-assistant.log'}"
            ) from err
        step_path = f"/api/config/config_entries/flow/{flow['flow_id']}"
        result: dict[str, Any] = flow
        trail = self.flow_trails[plan.key] = [_flow_step(result)]
        if result.get("type") == "menu":
            # The first step lets the user pick the kind of server.
            if plan.menu_option not in result.get("menu_options", []):
                raise StackError(f"qbitrr config flow menu has no {plan.menu_option!r}: {result}")
            result = await api.request(
                "POST", step_path, json_body={"next_step_id": plan.menu_option}
            )
            trail.append(_flow_step(result))
        if result.get("type") == "form":
            result = await api.request("POST", step_path, json_body=plan.user_input)
            trail.append(_flow_step(result))
        if (
            plan.category is not None
            and result.get("type") == "form"
            and result.get("step_id") == ARR_CATEGORY_STEP
            and not result.get("errors")
        ):
            fields = {f.get("name") for f in result.get("data_schema") or []}
            if "category" not in fields:
                raise StackError(f"the {ARR_CATEGORY_STEP} step asks no category: {result}")
            result = await api.request("POST", step_path, json_body={"category": plan.category})
            trail.append(_flow_step(result))
        if result.get("type") == "form":
            # Do not leave a half-done flow behind in Home Assistant.
            await api.request("DELETE", step_path, ok=(200, 404))
        return result

    async def entries(self, api: HomeAssistantApi) -> list[dict[str, Any]]:
        """The qbitrr config entries as the REST API lists them."""
        reply = await api.request("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
        return cast("list[dict[str, Any]]", reply)

    async def wait_entries_loaded(self, api: HomeAssistantApi) -> list[dict[str, Any]]:
        """Wait until every qbitrr entry is loaded (fail fast on a setup error)."""
        deadline = time.monotonic() + ENTRY_TIMEOUT
        while True:
            entries = await self.entries(api)
            states = {e["title"]: e["state"] for e in entries}
            wanted = len(self.servers) + len(self.arrs)
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
        self, api: HomeAssistantApi, entries: list[dict[str, Any]]
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
        self, api: HomeAssistantApi, entries: list[dict[str, Any]]
    ) -> dict[str, list[dict[str, Any]]]:
        """Wait until every entry has at least one sensor state in /api/states."""
        deadline = time.monotonic() + ENTRY_TIMEOUT
        while True:
            per_entry = await self.our_entities(api, entries)
            if all(
                any(s["entity_id"].startswith("sensor.") for s in per_entry.get(e["entry_id"], []))
                for e in entries
            ):
                return per_entry
            if time.monotonic() > deadline:
                counts = {e["title"]: len(per_entry.get(e["entry_id"], [])) for e in entries}
                raise StackError(f"no qbitrr sensor states for some entries: {counts}")
            await asyncio.sleep(1)

    # the Arr side

    def entry_id(self, entries: list[dict[str, Any]], key: str, title: str) -> str:
        """Entry id of a server: the one this script made, else the entry with its title."""
        ids = {e["entry_id"] for e in entries}
        known = self.state.entries.get(key, {}).get("entry_id")
        if known in ids:
            return str(known)
        for entry in entries:
            if entry["title"] == title:
                return str(entry["entry_id"])
        raise StackError(f"no qbitrr config entry {title!r}")

    def arr_entry_ids(self, entries: list[dict[str, Any]]) -> dict[App, str]:
        """Config entry id per emulator."""
        return {
            app: self.entry_id(entries, app, f"{ARR_LABELS[app]} {HOST}:{emulator.port}")
            for app, emulator in self.arrs.items()
        }

    def qbt_entry_ids(self, entries: list[dict[str, Any]]) -> dict[int, str]:
        """Config entry id per qBittorrent major version."""
        return {
            major: self.entry_id(entries, f"qbt{major}", f"qBittorrent {HOST}:{server.port}")
            for major, server in self.servers.items()
        }

    async def wait_arr_sensors(self, api: HomeAssistantApi, entries: list[dict[str, Any]]) -> None:
        """Wait until each app's device shows what its emulator holds.

        Queue: the records queued; Torrents: the app's torrents over both qBittorrent servers
        (its value follows their polls, every 15 s); Health: on for Radarr's warning only.
        """
        expected: list[tuple[App, str, str]] = []  # (app, entity unique id, state)
        for app, entry_id in self.arr_entry_ids(entries).items():
            total = str(sum(self.queued[app].values()))
            expected += [
                (app, f"{entry_id}-queue_size", total),
                (app, f"{entry_id}-torrents", total),
                (app, f"{entry_id}-health_problem", "on" if app == "radarr" else "off"),
            ]
        started = time.monotonic()
        said_so = False
        while True:
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
            if not wrong:
                self.arr_sensors = seen
                self.timings["Arr sensors right"] = time.monotonic() - started
                return
            if time.monotonic() > started + SENSOR_TIMEOUT:
                raise StackError(f"Arr sensors after {SENSOR_TIMEOUT:.0f}s: " + "; ".join(wrong))
            if not said_so:
                said_so = True
                log("waiting for the Arr sensors (next qBittorrent/Arr poll): " + "; ".join(wrong))
            await asyncio.sleep(1)

    async def call_service(
        self, api: HomeAssistantApi, service: str, data: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Call a qbitrr service over REST and return its response."""
        reply = await api.request(
            "POST", f"/api/services/{DOMAIN}/{service}?return_response", json_body=data or {}
        )
        response = reply.get("service_response") if isinstance(reply, dict) else None
        if not isinstance(response, dict):
            raise StackError(f"{DOMAIN}.{service} returned no response: {reply}")
        return response

    async def check_services(self, api: HomeAssistantApi, entries: list[dict[str, Any]]) -> None:
        """get_distribution counts each app's torrents on both instances; sync_categories works."""
        qbt_ids = self.qbt_entry_ids(entries)
        categories = sorted(self.arrs)
        distribution = await self.call_service(api, "get_distribution", {"categories": categories})
        for app in categories:
            counts = distribution.get("distribution", {}).get(app, {})
            for major, entry_id in qbt_ids.items():
                if counts.get(entry_id) != self.queued[app][major]:
                    raise StackError(
                        f"get_distribution: {app} on {QBT_LABELS[major]} is"
                        f" {counts.get(entry_id)!r}, expected {self.queued[app][major]}"
                        f" ({distribution})"
                    )
        self.distribution = distribution
        sync = await self.call_service(api, "sync_categories")
        if missing := set(categories) - set(sync.get("categories", [])):
            raise StackError(f"sync_categories does not manage {sorted(missing)}: {sync}")
        instances = sync.get("instances", {})
        for major, entry_id in qbt_ids.items():
            result = instances.get(entry_id)
            if result is None or result.get("failed"):
                raise StackError(f"sync_categories on {QBT_LABELS[major]}: {result or 'missing'}")
        self.category_sync = sync

    # output

    def write_credentials(self) -> str:
        """Write dev-instance/credentials.txt and return its text."""
        lines = [
            "# scripts/develop: local dev instance (127.0.0.1 only). Secrets: keep private.",
            f"Home Assistant   {self.ha_url}",
            f"  username: {HA_USER}",
            f"  password: {self.state.ha_password}",
            f"  long-lived token: {self.state.ha_token}",
        ]
        for major, server in self.servers.items():
            lines += [
                f"{QBT_LABELS[major]:<16} {server.url}",
                f"  username: {server.username}",
                f"  password: {server.password}",
            ]
        for app, emulator in self.arrs.items():
            lines += [
                f"{ARR_LABELS[app] + ' emulator':<16} {emulator.url}",
                f"  api key: {emulator.api_key}",
            ]
        text = "\n".join(lines) + "\n"
        _write_private(self.dev_dir / "credentials.txt", text)
        return text

    def arr_summary(self) -> list[str]:
        """The emulators, the Arr sensors and the cross-instance services, for the summary."""
        lines = ["Arr emulators (in the orchestrator process):"]
        for app, emulator in self.arrs.items():
            per_server = ", ".join(
                f"{n} on {QBT_LABELS[major]}" for major, n in sorted(self.queued[app].items())
            )
            warnings = len([h for h in emulator.health if h.get("type") in {"warning", "error"}])
            lines.append(
                f"  {ARR_LABELS[app]:<7} {emulator.url}  api key {emulator.api_key}"
                f"  queue {sum(self.queued[app].values())} ({per_server}),"
                f" {warnings} health warning{'s' * (warnings != 1)}"
            )
        lines += ["Arr sensors:"]
        lines += [f"  {entity_id} = {state}" for entity_id, state in self.arr_sensors.items()]
        titles: Mapping[str, str] = self.distribution.get("instances", {})
        lines.append("Torrents per category and instance (qbitrr.get_distribution):")
        for category, counts in self.distribution.get("distribution", {}).items():
            per_instance = ", ".join(f"{titles.get(k, k)} {n}" for k, n in counts.items())
            lines.append(f"  {category}: {per_instance}")
        if self.category_sync:
            instances = self.category_sync.get("instances", {}).values()
            lines.append(
                f"qbitrr.sync_categories: {', '.join(self.category_sync.get('categories', []))}"
                f" on {len(instances)} instances, "
                + "; ".join(
                    f"{i.get('title')}: created {i.get('created') or 'none'},"
                    f" failed {i.get('failed') or 'none'}"
                    for i in instances
                )
            )
        return lines


def _flow_step(result: Mapping[str, Any]) -> str:
    """A flow reply in short: "menu:user", "form:arr_category", "create_entry", "abort:reason"."""
    kind = str(result.get("type"))
    if kind in {"menu", "form"}:
        return f"{kind}:{result.get('step_id')}"
    if kind == "abort":
        return f"abort:{result.get('reason')}"
    return kind


def summarize(
    entries: list[dict[str, Any]], per_entry: dict[str, list[dict[str, Any]]]
) -> list[str]:
    """One line per config entry: title, state, entity counts by platform."""
    lines = []
    for entry in entries:
        states = per_entry.get(entry["entry_id"], [])
        by_domain: dict[str, int] = {}
        for state in states:
            domain = state["entity_id"].split(".", 1)[0]
            by_domain[domain] = by_domain.get(domain, 0) + 1
        unavailable = sum(1 for s in states if s["state"] == "unavailable")
        counts = ", ".join(f"{n} {d}" for d, n in sorted(by_domain.items())) or "no entities"
        lines.append(
            f"  {entry['title']}: {entry['state']}; {counts}"
            + (f" ({unavailable} unavailable)" if unavailable else "")
        )
    return lines


async def start_processes(stack: DevStack) -> None:
    """Start hass (it boots in the background), both qBittorrent servers and the emulators."""
    stack.choose_ports()
    stack.state.save(stack.state_path)
    stack.write_ha_config()
    log(f"starting Home Assistant on {stack.ha_url} (log: {stack.config_dir}/home-assistant.log)")
    stack.start_hass()
    stack.record_pids()
    # qBittorrent starts in well under a second each, meanwhile hass boots.
    for major in (4, 5):
        log(f"starting {QBT_LABELS[major]} on {HOST}:{stack.state.ports[f'qbt{major}']}")
        await asyncio.to_thread(stack.start_qbittorrent, major)
        stack.record_pids()
    # In this process (own threads), so no pids to record; their queues need the torrents.
    for app in stack.apps:
        log(f"starting the {ARR_LABELS[app]} emulator on {HOST}:{stack.state.ports[app]}")
        await asyncio.to_thread(stack.start_arr, app)


async def bring_up(stack: DevStack) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Start everything and wire it together; return the entries and their entity states."""
    await start_processes(stack)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        api = HomeAssistantApi(session, stack.ha_url)
        await stack.wait_hass(api)
        log(f"Home Assistant running after {stack.timings['hass RUNNING']:.1f}s")
        if failed := failed_setups(stack.config_dir / "home-assistant.log"):
            # Usually a built-in integration whose package is not in the venv; qbitrr may be fine.
            log(f"built-in integrations that failed to set up: {', '.join(failed)} (see its log)")
        if not (ROOT / "custom_components" / DOMAIN / "config_flow.py").exists():
            raise StackError("custom_components/qbitrr/config_flow.py does not exist yet")
        await stack.add_entries(api)
        entries = await stack.wait_entries_loaded(api)
        per_entry = await stack.wait_entities(api, entries)
        await stack.wait_arr_sensors(api, entries)
        await stack.check_services(api, entries)
    return entries, per_entry


async def until_stopped(stack: DevStack, stop: asyncio.Event) -> int:
    """Keep the stack up until a signal; restart hass when it asks to (UI "Restart")."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
        if (code := stack.hass_exited()) is not None and not stop.is_set():
            if code != HASS_RESTART_EXIT_CODE:
                log(f"Home Assistant exited with {code}; stopping (see its log)")
                return 1
            log("Home Assistant asked for a restart: starting it again")
            stack.start_hass()
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
        credentials = stack.write_credentials()
        print("\n".join(["", "qbitrr dev stack is up:", *summarize(entries, per_entry), ""]))
        print("\n".join([*stack.arr_summary(), ""]))
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of scripts/develop."""
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        default=os.environ.get("QBITRR_DEVELOP_CHECK") == "1",
        help="bring everything up, verify the qbitrr entries and entities, stop, exit 0/1",
    )
    args = parser.parse_args(argv)
    dev_dir = Path(os.environ.get("QBITRR_DEV_DIR") or ROOT / "dev-instance").resolve()
    dev_dir.mkdir(parents=True, exist_ok=True)

    lock = (dev_dir / ".lock").open("w")
    try:
        # One stack per dev dir: a second one would fight over the profiles and hass's config.
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log(f"another scripts/develop is already using {dev_dir}")
        return 1

    if missing := missing_requirements():
        log("missing packages the dev instance needs: " + " ".join(missing))
        log("add them to the dev group in pyproject.toml, then run scripts/setup")
        return 1
    return asyncio.run(run(DevStack(dev_dir, check=args.check)))


if __name__ == "__main__":
    sys.exit(main())
