"""Shared fixtures: real qbittorrent-nox 4.5 and 5.x servers, config entries, set-up helpers."""

from __future__ import annotations

# Our `custom_components` must be imported before Home Assistant's test helpers, which
# otherwise put their own bundled `testing_config/custom_components` package first.
import custom_components  # noqa: F401  # isort: skip

from collections.abc import Iterator
import contextlib
import os
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import pytest_socket
import qbittorrentapi

from custom_components.qbitrr.api.url import normalize_url
from custom_components.qbitrr.const import CONF_KIND, DOMAIN, KIND_QBITTORRENT
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant

from .support.qbittorrent_server import QbittorrentServer

QBT_MAJORS = (4, 5)
_SERVER_VERSIONS: dict[int, str] = {}
_PASSED_PER_MAJOR: dict[int, int] = dict.fromkeys(QBT_MAJORS, 0)
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


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count passed tests per qBittorrent major version, for the closing summary."""
    if report.when == "call" and report.passed:
        for major in QBT_MAJORS:
            if f"[qbt{major}" in report.nodeid or f"-qbt{major}" in report.nodeid:
                _PASSED_PER_MAJOR[major] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say which real qBittorrent builds the run exercised."""
    parts = [
        f"qBittorrent {_SERVER_VERSIONS.get(major, f'{major}.x (not started)')}: "
        f"{_PASSED_PER_MAJOR[major]} tests passed"
        for major in QBT_MAJORS
    ]
    terminalreporter.write_line("real servers exercised: " + "; ".join(parts))
