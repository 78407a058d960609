"""Run real qbittorrent-nox servers (4.5 from apt, 5.x from a local folder) on 127.0.0.1.

Stdlib and qbittorrent-api only (no Home Assistant imports), so the tests, ``devtools.devstack``,
``devtools.bench`` and the command line below can all use it:

    python -m devtools.qbittorrent_server --major 4 --workdir DIR [--port P] [--password PW]

prints one JSON line ``{"url", "username", "password", "pid"}`` and serves until SIGINT/SIGTERM.

Each server gets a private profile under ``<workdir>`` (``--profile=<workdir>``): WebUI on
127.0.0.1 only, the password required even from localhost, no DHT/PeX/LSD/UPnP, no GeoIP download,
BitTorrent bound to ``lo``. Magnets with random info-hashes and no trackers never get metadata,
so they stay in ``metaDL``: real stalled torrents without any network.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import hashlib
import json
import os
from pathlib import Path
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import IO, TYPE_CHECKING, Self
import urllib.error
import urllib.parse
import urllib.request

import qbittorrentapi

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from types import FrameType, TracebackType

__all__ = [
    "PAUSED_STATES",
    "QbittorrentServer",
    "add_magnets",
    "free_port",
    "random_info_hash",
    "terminate",
    "wait_for",
]

DEFAULT_QBT4_BIN = "/usr/bin/qbittorrent-nox"
# 4.x says paused*, 5.x says stopped*.
PAUSED_STATES = frozenset({"pausedDL", "pausedUP", "stoppedDL", "stoppedUP"})
_PBKDF2_ITERATIONS = 100_000  # what qBittorrent itself uses
_LOG_TAIL_CHARS = 4000

# Servers started by this process; stopped at interpreter exit so a failing test run leaves
# no qbittorrent-nox behind.
_LIVE: set[QbittorrentServer] = set()
_LIVE_LOCK = threading.Lock()


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Return whether a server could listen on ``port`` at ``host`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Servers (Qt, aiohttp) set SO_REUSEADDR, so TIME_WAIT leftovers of a previous run do not
        # block them; without it here a just-stopped port would look taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def wait_for(
    predicate: Callable[[], object],
    timeout: float = 15.0,
    *,
    interval: float = 0.2,
    message: str = "condition",
) -> None:
    """Poll ``predicate`` until it returns a truthy value; raise ``TimeoutError`` after ``timeout``.

    Exceptions raised by the predicate count as "not yet" (servers answer errors while starting);
    the last one is chained to the ``TimeoutError``.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            if predicate():
                return
        except Exception as err:  # noqa: BLE001 - any failure means "not yet"
            last_error = err
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{message} not met within {timeout:.1f}s") from last_error
        time.sleep(interval)


def terminate(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stop a child: SIGTERM, then SIGKILL after ``timeout``; wait for it either way."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


def random_info_hash() -> str:
    """Return a random lower-case 40-hex BitTorrent v1 info-hash."""
    return secrets.token_hex(20)


def pbkdf2_password(password: str) -> str:
    r"""Return the value of ``WebUI\Password_PBKDF2`` for ``password`` (Qt ``@ByteArray`` form)."""
    salt = secrets.token_bytes(16)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _PBKDF2_ITERATIONS, dklen=64)
    return f'"@ByteArray({base64.b64encode(salt).decode()}:{base64.b64encode(key).decode()})"'


def _read_qt_ini(path: Path) -> dict[str, dict[str, str]]:
    """Parse a Qt INI file into ``{section: {key: raw value}}``, keeping order and raw values.

    configparser would mangle Qt's keys (backslashes, case) and quoted values, so parse by hand.
    """
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(";"):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            current = sections.setdefault(stripped[1:-1], {})
        elif current is not None and "=" in stripped:
            key, _, value = stripped.partition("=")
            current[key] = value
    return sections


def _write_qt_ini(path: Path, sections: Mapping[str, Mapping[str, str]]) -> None:
    lines: list[str] = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines.extend(f"{key}={value}" for key, value in values.items())
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


class QbittorrentServer:
    """One real qbittorrent-nox process with its own profile, WebUI on ``127.0.0.1:<port>``.

    ``start()`` (re)writes ``<workdir>/qBittorrent/config/qBittorrent.conf``; with ``fresh=True``
    (default) it first wipes any previous profile, with ``fresh=False`` it keeps the torrents and
    settings already there and only sets the keys it needs (used by the dev instance so demo
    torrents survive). ``restart()`` and a later ``start()`` keep the profile and the port as they
    are, so a test can stop a server mid-run and bring it back at the same URL.
    """

    def __init__(
        self,
        major: int,
        workdir: Path,
        *,
        username: str = "admin",
        password: str | None = None,
        port: int | None = None,
        fresh: bool = True,
        start_timeout: float = 30.0,
    ) -> None:
        """Describe a server; nothing runs until ``start()``."""
        if major not in {4, 5}:
            raise ValueError(f"major must be 4 or 5, not {major!r}")
        self._major = major
        self._workdir = Path(workdir).resolve()
        self._username = username
        self._password = password if password is not None else secrets.token_urlsafe(12)
        self._requested_port = port
        self._port: int | None = port
        self._fresh = fresh
        self._start_timeout = start_timeout
        self._profile_ready = False
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    # --- properties ----------------------------------------------------------------------------

    @property
    def major(self) -> int:
        """Major qBittorrent version: 4 or 5."""
        return self._major

    @property
    def workdir(self) -> Path:
        """Profile folder given to ``--profile``."""
        return self._workdir

    @property
    def port(self) -> int:
        """WebUI port (chosen at the first ``start()`` when not given)."""
        if self._port is None:
            raise RuntimeError("the port is chosen by start()")
        return self._port

    @property
    def url(self) -> str:
        """WebUI base URL, e.g. ``http://127.0.0.1:8081``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def username(self) -> str:
        """WebUI user name."""
        return self._username

    @property
    def password(self) -> str:
        """WebUI password (plain text; the profile only holds its PBKDF2 hash)."""
        return self._password

    @property
    def pid(self) -> int | None:
        """Process id while running, else ``None``."""
        return self._process.pid if self.running and self._process is not None else None

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def config_path(self) -> Path:
        """The profile's ``qBittorrent.conf``."""
        return self._workdir / "qBittorrent" / "config" / "qBittorrent.conf"

    @property
    def log_path(self) -> Path:
        """File receiving the server's stdout and stderr."""
        return self._workdir / "qbittorrent-nox.log"

    @property
    def save_path(self) -> Path:
        """Default download folder (inside ``workdir``)."""
        return self._workdir / "downloads"

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> Self:
        """Write the profile (first start only), launch the server and wait until login works."""
        if self.running:
            return self
        attempts = 3 if self._requested_port is None and not self._profile_ready else 1
        for attempt in range(attempts):
            if not self._profile_ready:
                if self._port is None or attempt > 0:
                    # Another process may grab a free port before qBittorrent binds it: retry.
                    self._port = free_port()
                self._write_profile(fresh=self._fresh and attempt == 0)
            try:
                self._launch()
                self._wait_ready()
            except RuntimeError:
                self.stop()
                if attempt + 1 == attempts:
                    raise
            else:
                self._profile_ready = True
                return self
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after ``timeout``) and wait for it."""
        if self._process is not None:
            terminate(self._process, timeout)
            self._process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        with _LIVE_LOCK:
            _LIVE.discard(self)

    def restart(self) -> Self:
        """Stop and start again with the same profile, port and password."""
        self.stop()
        return self.start()

    def __enter__(self) -> Self:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()

    def __repr__(self) -> str:
        """Show version, URL and state."""
        where = self.url if self._port is not None else "no port yet"
        state = "running" if self.running else "stopped"
        return f"<QbittorrentServer {self._major}.x {where} {state}>"

    # --- clients -------------------------------------------------------------------------------

    def client(self) -> qbittorrentapi.Client:
        """Return a qbittorrent-api client that is already logged in."""
        client = qbittorrentapi.Client(
            host=self.url,
            username=self._username,
            password=self._password,
            SIMPLE_RESPONSES=True,
            VERIFY_WEBUI_CERTIFICATE=False,
            REQUESTS_ARGS={"timeout": 10},
        )
        client.auth_log_in()
        return client

    def login_status(self, password: str | None = None) -> tuple[int, str]:
        """POST ``/api/v2/auth/login`` and return ``(HTTP status, body)``.

        4.x: 200 ``Ok.`` (wrong password: 200 ``Fails.``); 5.x: 204 (wrong password: 401).
        """
        chosen = self._password if password is None else password
        fields = {"username": self._username, "password": chosen}
        data = urllib.parse.urlencode(fields).encode()
        url = f"{self.url}/api/v2/auth/login"  # always http://127.0.0.1:<port>
        request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                return int(response.status), response.read().decode(errors="replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(errors="replace")

    def log_tail(self, chars: int = _LOG_TAIL_CHARS) -> str:
        """Return the end of the server's log (stdout and stderr)."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return text[-chars:]

    # --- internals -----------------------------------------------------------------------------

    def _command(self) -> tuple[list[str], dict[str, str]]:
        env = dict(os.environ)
        profile = f"--profile={self._workdir}"
        if self._major == 4:  # noqa: PLR2004 - the major version
            return [os.environ.get("QBITRR_QBT4_BIN") or DEFAULT_QBT4_BIN, profile], env
        root_env = os.environ.get("QBITRR_QBT5_ROOT")
        if not root_env:
            raise RuntimeError("QBITRR_QBT5_ROOT is not set (source scripts/_lib.sh)")
        root = Path(root_env)
        lib = root / "usr" / "lib" / "x86_64-linux-gnu"
        # Forky's build needs forky's glibc: run it through the folder's own loader and libraries.
        # Without QT_PLUGIN_PATH Qt looks in /usr and finds no TLS/SQL plugins.
        env["QT_PLUGIN_PATH"] = str(lib / "qt6" / "plugins")
        command = [
            str(lib / "ld-linux-x86-64.so.2"),
            "--library-path",
            f"{lib}:{lib / 'libproxy'}",
            str(root / "usr" / "bin" / "qbittorrent-nox"),
            profile,
        ]
        return command, env

    def _write_profile(self, *, fresh: bool) -> None:
        qbt_dir = self._workdir / "qBittorrent"
        if fresh and qbt_dir.exists():
            shutil.rmtree(qbt_dir)
        self.config_path.parent.mkdir(parents=True, exist_ok=True)
        self.save_path.mkdir(parents=True, exist_ok=True)
        sections = _read_qt_ini(self.config_path) if self.config_path.exists() else {}
        save = self.save_path.as_posix()
        wanted: dict[str, dict[str, str]] = {
            "LegalNotice": {"Accepted": "true"},
            "BitTorrent": {
                "Session\\DHTEnabled": "false",
                "Session\\PeXEnabled": "false",
                "Session\\LSDEnabled": "false",
                "Session\\Interface": "lo",
                "Session\\InterfaceName": "lo",
                "Session\\InterfaceAddress": "127.0.0.1",
                "Session\\Port": str(free_port()),
                "Session\\DefaultSavePath": save,
                "Session\\TempPath": f"{save}/incomplete",
                # Otherwise only 3 downloads are active and the rest sit in queuedDL.
                "Session\\QueueingSystemEnabled": "false",
                "Session\\AddTorrentStopped": "false",
            },
            "Network": {"PortForwardingEnabled": "false"},
            "Preferences": {
                "Connection\\ResolvePeerCountries": "false",
                "Connection\\UPnP": "false",
                "Downloads\\SavePath": save,
                "General\\Locale": "en",
                "WebUI\\Enabled": "true",
                "WebUI\\Address": "127.0.0.1",
                "WebUI\\Port": str(self.port),
                "WebUI\\UseUPnP": "false",
                "WebUI\\Username": self._username,
                "WebUI\\Password_PBKDF2": pbkdf2_password(self._password),
                "WebUI\\CSRFProtection": "false",
                "WebUI\\ClickjackingProtection": "false",
                "WebUI\\HostHeaderValidation": "false",
                "WebUI\\LocalHostAuth": "true",
                "WebUI\\AuthSubnetWhitelistEnabled": "false",
                # Tests log in with wrong passwords on purpose; the default bans 127.0.0.1 for an
                # hour after 5 failures.
                "WebUI\\MaxAuthenticationFailCount": "1000",
                "WebUI\\BanDuration": "1",
                "WebUI\\HTTPS\\Enabled": "false",
            },
        }
        for section, values in wanted.items():
            sections.setdefault(section, {}).update(values)
        _write_qt_ini(self.config_path, sections)

    def _launch(self) -> None:
        command, env = self._command()
        self._workdir.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log_path.open("ab")
        self._log_file.write(f"\n=== {time.strftime('%H:%M:%S')} {' '.join(command)}\n".encode())
        self._log_file.flush()
        try:
            # A new session keeps a terminal's Ctrl-C away from the server: its owner stops it.
            self._process = subprocess.Popen(  # noqa: S603 - our own command line
                command,
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self._workdir,
                start_new_session=True,
            )
        except OSError as err:
            raise RuntimeError(f"cannot run {command[0]}: {err}") from err
        with _LIVE_LOCK:
            _LIVE.add(self)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self._start_timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                code = None if self._process is None else self._process.returncode
                raise RuntimeError(
                    f"qbittorrent-nox {self._major}.x exited with {code} while starting;"
                    f" log tail:\n{self.log_tail()}"
                )
            try:
                status, body = self.login_status()
            except OSError as err:  # not listening yet
                last = repr(err)
            else:
                if (status, body.strip()) in {(200, "Ok."), (204, "")}:
                    return
                last = f"HTTP {status} {body!r}"
            time.sleep(0.1)
        raise RuntimeError(
            f"qbittorrent-nox {self._major}.x on port {self._port} not ready after"
            f" {self._start_timeout:.0f}s (last: {last}); log tail:\n{self.log_tail()}"
        )


@atexit.register
def _stop_all() -> None:
    with _LIVE_LOCK:
        servers = list(_LIVE)
    for server in servers:
        with contextlib.suppress(Exception):
            server.stop()


def add_magnets(
    client: qbittorrentapi.Client,
    count: int,
    *,
    category: str | None = None,
    tags: str | Iterable[str] | None = None,
    paused: bool = False,
    name_prefix: str = "qbitrr-test",
    timeout: float = 30.0,
) -> list[str]:
    """Add ``count`` magnets (random info-hashes, no trackers) and wait until all are listed.

    They never receive metadata, so they stay in ``metaDL`` (or the paused/stopped state when
    ``paused``). Adding with a category creates it. Returns the lower-case info-hashes.
    """
    if count <= 0:
        return []
    hashes = [random_info_hash() for _ in range(count)]
    urls = [
        f"magnet:?xt=urn:btih:{info_hash}&dn={urllib.parse.quote(f'{name_prefix}-{info_hash[:8]}')}"
        for info_hash in hashes
    ]
    tag_list = [tags] if isinstance(tags, str) else list(tags) if tags is not None else None
    # qbittorrent-api sends `paused` to 4.x and `stopped` to 5.x.
    client.torrents_add(urls=urls, category=category, tags=tag_list, is_paused=paused or None)
    wanted = set(hashes)

    # The add call answers before the torrents exist.
    def all_listed() -> bool:
        listed = {str(t["hash"]).lower() for t in client.torrents_info(torrent_hashes=hashes)}
        return wanted <= listed

    wait_for(all_listed, timeout, message=f"{count} magnets listed")
    return hashes


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one qbittorrent-nox on 127.0.0.1.")
    parser.add_argument("--major", type=int, choices=(4, 5), required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--port", type=int)
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep an existing profile (torrents) instead of wiping it",
    )
    args = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    server = QbittorrentServer(
        args.major,
        args.workdir,
        username=args.username,
        password=args.password,
        port=args.port,
        fresh=not args.keep,
    )
    try:
        server.start()
        info = {
            "url": server.url,
            "username": server.username,
            "password": server.password,
            "pid": server.pid,
        }
        print(json.dumps(info), flush=True)  # noqa: T201 - the CLI's output
        while not stop.wait(1.0):
            if not server.running:
                print(f"server exited; log tail:\n{server.log_tail()}", file=sys.stderr)  # noqa: T201
                return 1
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(_main())
