"""Shared fixtures: real qbittorrent-nox 4.5 and 5.x servers, config entries, set-up helpers."""

from __future__ import annotations

# Our `custom_components` must be imported before Home Assistant's test helpers, which
# otherwise put their own bundled `testing_config/custom_components` package first.
import custom_components  # noqa: F401  # isort: skip

import asyncio
from collections.abc import Callable, Iterator
import contextlib
import datetime as dt
import logging
import os
from pathlib import Path
import ssl
import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket
import qbittorrentapi

from custom_components.qbitrr.const import (
    CONF_APP,
    CONF_CATEGORY,
    CONF_KIND,
    DOMAIN,
    KIND_ARR,
    KIND_QBITTORRENT,
)
from custom_components.qbitrr.model.url import normalize_url
from devtools.arr_emulator import ArrEmulator
from devtools.path_proxy import PathProxy
from devtools.qbittorrent_server import QbittorrentServer
from devtools.web_servers import Reply, serve
from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

QBT_MAJORS = (4, 5)
_SERVER_VERSIONS: dict[int, str] = {}
_PASSED_PER_MAJOR: dict[int, int] = dict.fromkeys(QBT_MAJORS, 0)
_USES_BOTH: set[str] = set()
ARR_KEYS = {"radarr": "radarr-api-key", "sonarr": "sonarr-api-key", "lidarr": "lidarr-api-key"}
_SCAN_RESULT = pytest.StashKey[tuple[int, list[tuple[str, str]]]]()
# (target, fault, outcome) rows the fault-injection tests record, printed at the end.
FAULT_MATRIX: list[tuple[str, str, str]] = []
# Where scripts/setup puts qBittorrent 5.x, so a plain `pytest` finds it too.
os.environ.setdefault(
    "QBITRR_QBT5_ROOT", str(Path(__file__).parent.parent / ".cache" / "qbittorrent5")
)


def _allow_loopback_sockets() -> None:
    """Allow sockets to loopback only: the tests talk to real local servers, never elsewhere.

    Home Assistant's plugin blocks socket creation before each test's fixtures are set up.
    """
    pytest_socket.enable_socket()
    pytest_socket.socket_allow_hosts(["127.0.0.1", "::1"], allow_unix_socket=True)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load our integration from custom_components."""
    _allow_loopback_sockets()


@pytest.fixture(scope="session")
def qbt_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[int, QbittorrentServer]]:
    """One real server per qBittorrent major version, for the whole session."""
    _allow_loopback_sockets()
    servers: dict[int, QbittorrentServer] = {}
    try:
        for major in QBT_MAJORS:
            server = QbittorrentServer(major, tmp_path_factory.mktemp(f"qbt{major}")).start()
            servers[major] = server
            SECRETS.add(server.password)
            _SERVER_VERSIONS[major] = str(server.client().app_version())
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def _reset_server(server: QbittorrentServer) -> None:
    client = server.client()
    client.torrents_delete(delete_files=True, torrent_hashes="all")
    categories = list(client.torrents_categories())
    if categories:
        client.torrents_remove_categories(categories=categories)
    tags = list(client.torrents_tags())
    if tags:
        client.torrents_delete_tags(tags=tags)
    with contextlib.suppress(qbittorrentapi.APIError):
        client.auth_log_out()


@pytest.fixture(params=QBT_MAJORS, ids=[f"qbt{major}" for major in QBT_MAJORS])
def qbt(
    request: pytest.FixtureRequest, qbt_servers: dict[int, QbittorrentServer]
) -> Iterator[QbittorrentServer]:
    """A real, empty qBittorrent server of each major version; emptied again afterwards."""
    _allow_loopback_sockets()
    server = qbt_servers[request.param]
    if not server.running:
        server.restart()
    _reset_server(server)
    yield server
    if not server.running:
        server.restart()
    _reset_server(server)


@pytest.fixture
def qbt_api(qbt: QbittorrentServer) -> qbittorrentapi.Client:
    """A logged-in qbittorrent-api client for arranging and checking server state."""
    return qbt.client()


def entry_data(server: QbittorrentServer, **overrides: Any) -> dict[str, Any]:
    """Config entry data for a server, as the config flow stores it."""
    return {
        CONF_KIND: KIND_QBITTORRENT,
        CONF_URL: normalize_url(server.url),
        CONF_USERNAME: server.username,
        CONF_PASSWORD: server.password,
        CONF_VERIFY_SSL: True,
        **overrides,
    }


@pytest.fixture
def qbt_entry(hass: HomeAssistant, qbt: QbittorrentServer) -> MockConfigEntry:
    """A config entry for the real server, added to hass but not yet set up."""
    data = entry_data(qbt)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"qBittorrent {qbt.major}",
        data=data,
        unique_id=data[CONF_URL],
        entry_id=f"qbt{qbt.major}entry",
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def init_qbt(hass: HomeAssistant, qbt_entry: MockConfigEntry) -> MockConfigEntry:
    """The config entry, set up against the real server."""
    assert await hass.config_entries.async_setup(qbt_entry.entry_id)
    await hass.async_block_till_done()
    return qbt_entry


@pytest.fixture
def strings() -> dict[str, Any]:
    """The integration's strings.json."""
    import json  # noqa: PLC0415

    path = Path(__file__).parent.parent / "custom_components" / DOMAIN / "strings.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


class _LogCapture(logging.Handler):
    """Keeps every log line of the session, tracebacks included, for the secret scan."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - a record that cannot format is not a leak
            self.lines.append(str(record.msg))


_LOG_CAPTURE = _LogCapture()
# Every secret the tests use; none may ever appear in a log line.
SECRETS: set[str] = {"wrong-password", "old-password", "still-wrong", *ARR_KEYS.values()}


def pytest_sessionstart(session: pytest.Session) -> None:
    """Capture every log record, at every level, from the start."""
    root = logging.getLogger()
    root.addHandler(_LOG_CAPTURE)
    root.setLevel(logging.DEBUG)
    for name in ("custom_components.qbitrr", "qbittorrentapi", "urllib3", "aiohttp"):
        logging.getLogger(name).setLevel(logging.DEBUG)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if any secret reached any log line."""
    leaks = [
        (secret, line)
        for line in _LOG_CAPTURE.lines
        for secret in SECRETS
        if secret and secret in line
    ]
    session.config.stash[_SCAN_RESULT] = (len(_LOG_CAPTURE.lines), leaks)
    if leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count passed tests per qBittorrent major version, for the closing summary."""
    if report.when == "call" and report.passed:
        for major in QBT_MAJORS:
            if report.nodeid in _USES_BOTH or f"[qbt{major}" in report.nodeid:
                _PASSED_PER_MAJOR[major] += 1


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Say which real qBittorrent builds the run exercised, and what the secret scan found."""
    scanned, leaks = config.stash.get(_SCAN_RESULT, (len(_LOG_CAPTURE.lines), []))
    terminalreporter.write_line(
        f"secret scan: {scanned} log lines, {len(SECRETS)} secrets, {len(leaks)} leaks"
    )
    for secret, line in leaks[:20]:
        terminalreporter.write_line(f"  LEAK {secret[:3]}…: {line[:200]}")
    parts = [
        f"qBittorrent {_SERVER_VERSIONS.get(major, f'{major}.x (not started)')}: "
        f"{_PASSED_PER_MAJOR[major]} tests passed"
        for major in QBT_MAJORS
    ]
    terminalreporter.write_line("real servers exercised: " + "; ".join(parts))
    if FAULT_MATRIX:
        terminalreporter.write_line("fault matrix (target, fault -> outcome, all checks passed):")
        width = max(len(f"{target} x {fault}") for target, fault, _ in FAULT_MATRIX)
        for target, fault, outcome in sorted(FAULT_MATRIX):
            terminalreporter.write_line(f"  {f'{target} x {fault}':<{width}}  ->  {outcome}")


@pytest.fixture
def both_qbt(
    request: pytest.FixtureRequest, qbt_servers: dict[int, QbittorrentServer]
) -> Iterator[tuple[QbittorrentServer, QbittorrentServer]]:
    """Both real servers at once (4.5 and 5.x), emptied before and after."""
    _allow_loopback_sockets()
    _USES_BOTH.add(request.node.nodeid)
    servers = (qbt_servers[4], qbt_servers[5])
    for server in servers:
        if not server.running:
            server.restart()
        _reset_server(server)
    yield servers
    for server in servers:
        if not server.running:
            server.restart()
        _reset_server(server)


def add_qbt_entry(hass: HomeAssistant, server: QbittorrentServer) -> MockConfigEntry:
    """Add (not set up) a config entry for a real server."""
    data = entry_data(server)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"qBittorrent {server.major}",
        data=data,
        unique_id=data[CONF_URL],
        entry_id=f"qbt{server.major}entry",
    )
    entry.add_to_hass(hass)
    return entry


def _emulator(app: str) -> Iterator[ArrEmulator]:
    _allow_loopback_sockets()
    with ArrEmulator(app, api_key=ARR_KEYS[app]) as emulator:  # type: ignore[arg-type]
        yield emulator


@pytest.fixture
def radarr() -> Iterator[ArrEmulator]:
    """A Radarr emulator on 127.0.0.1."""
    yield from _emulator("radarr")


@pytest.fixture
def sonarr() -> Iterator[ArrEmulator]:
    """A Sonarr emulator on 127.0.0.1."""
    yield from _emulator("sonarr")


@pytest.fixture
def lidarr() -> Iterator[ArrEmulator]:
    """A Lidarr emulator on 127.0.0.1."""
    yield from _emulator("lidarr")


def add_arr_entry(
    hass: HomeAssistant,
    emulator: ArrEmulator,
    *,
    category: str | None = None,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """Add (not set up) a config entry for an Arr emulator."""
    url = normalize_url(emulator.url)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"{emulator.app.capitalize()} test",
        data={
            CONF_KIND: KIND_ARR,
            CONF_URL: url,
            CONF_API_KEY: emulator.api_key,
            CONF_VERIFY_SSL: True,
            CONF_APP: emulator.app,
            CONF_CATEGORY: category or emulator.app,
        },
        unique_id=url,
        entry_id=f"{emulator.app}entry",
        options=options or {},
    )
    entry.add_to_hass(hass)
    return entry


async def setup_integration(hass: HomeAssistant) -> None:
    """Set up the integration: every entry added so far loads."""
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done(wait_background_tasks=True)


async def async_wait_for(
    hass: HomeAssistant, predicate: Callable[[], object], message: str, within: float = 15
) -> None:
    """Poll a blocking predicate from the executor while the event loop keeps running."""
    deadline = time.monotonic() + within
    while not await hass.async_add_executor_job(predicate):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{message} not met within {within}s")
        await asyncio.sleep(0.1)


@pytest.fixture(scope="session")
def self_signed_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "qbitrr-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def https_html_server(self_signed_cert: tuple[Path, Path]) -> Iterator[int]:
    """An HTTPS server with a self-signed certificate (serving HTML)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*self_signed_cert)
    with serve(tls=context) as port:
        yield port


@pytest.fixture
def path_proxy() -> Iterator[PathProxy]:
    """A reverse proxy on 127.0.0.1 whose routes (path prefix -> upstream) a test fills."""
    _allow_loopback_sockets()
    with PathProxy() as proxy:
        yield proxy


@pytest.fixture
def announce_tracker() -> Iterator[str]:
    """An HTTP tracker on 127.0.0.1 that answers every announce with no peers.

    Gives `.torrent` files a working tracker: qBittorrent then lists it (`tracker_host` is
    127.0.0.1), and private torrents, which use no DHT or PeX, have one at all.
    """
    _allow_loopback_sockets()
    with serve(Reply(200, b"d8:intervali60e5:peers0:e", "text/plain")) as port:
        yield f"http://127.0.0.1:{port}/announce"
