"""Fault injection: a proxy between the integration and a real server answers wrongly on purpose.

For every fault: the instance goes unavailable (or re-logs in silently, or asks to
re-authenticate), logs once and without a traceback, the other instance keeps updating, and
after the fault clears it recovers by itself, logs that once, and its model equals the server.
"""

from __future__ import annotations

from collections.abc import Iterator
import logging

import aiohttp
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import qbittorrentapi

from custom_components.qbitrr.api import arr as arr_api, qbittorrent as qbit_api
from custom_components.qbitrr.const import DOMAIN
from devtools.arr_emulator import ArrEmulator
from devtools.fault_proxy import Fault, FaultProxy
from devtools.qbittorrent_server import QbittorrentServer, add_magnets
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant

from .conftest import FAULT_MATRIX, add_arr_entry, add_qbt_entry, entry_data, setup_integration

MAINDATA = r"/api/v2/sync/maindata$"

# fault -> what the instance must show while it lasts
QBIT_FAULTS: dict[str, tuple[Fault, str]] = {
    "reset": (Fault("reset"), "unavailable"),
    "refuse": (Fault("refuse"), "unavailable"),
    "delay beyond timeout": (Fault.delay(4), "unavailable"),
    "slow trickle": (Fault.trickle(8, 1.5), "unavailable"),
    "401": (Fault("status_401"), "reauth"),
    "403 every time": (Fault("status_403"), "unavailable"),
    "500": (Fault("status_500"), "unavailable"),
    "502 html": (Fault("status_502_html"), "unavailable"),
    "truncated json": (Fault("truncated_json"), "unavailable"),
    "malformed json": (Fault("malformed_json"), "unavailable"),
    "html login page": (Fault("html_login_page"), "unavailable"),
    "full_update": (Fault("maindata_full_update"), "resynced"),
    # The reply lacks the change it should carry: nobody can tell, so the model drifts until
    # the periodic full snapshot puts it right.
    "keys missing": (Fault("maindata_missing_keys"), "drifts until the periodic resync"),
}


@pytest.fixture(autouse=True)
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Client timeouts of a second, so faults that hang resolve quickly."""
    monkeypatch.setattr(qbit_api, "DEFAULT_TIMEOUT", (1.0, 1.0))
    monkeypatch.setattr(arr_api, "DEFAULT_TIMEOUT", aiohttp.ClientTimeout(total=1.5))


@pytest.fixture
def proxy(qbt: QbittorrentServer) -> Iterator[FaultProxy]:
    """A fault proxy in front of the real server."""
    with FaultProxy(qbt.url) as running:
        yield running


def _server_hashes(server: QbittorrentServer) -> set[str]:
    return {t["hash"] for t in server.client().torrents_info()}


def _tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Records a user would see with a traceback (Home Assistant's own debug detail aside)."""
    return [
        r
        for r in caplog.records
        if r.levelno >= logging.INFO and (r.exc_info or "Traceback" in r.getMessage())
    ]


@pytest.mark.parametrize("fault_name", list(QBIT_FAULTS))
async def test_qbittorrent_fault(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    qbt_servers: dict[int, QbittorrentServer],
    proxy: FaultProxy,
    fault_name: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fault, expected = QBIT_FAULTS[fault_name]
    other = qbt_servers[9 - qbt.major]  # the other major version, reached directly
    add_magnets(qbt.client(), 3, category="radarr")
    data = entry_data(qbt, **{CONF_URL: proxy.url})
    faulty = MockConfigEntry(domain=DOMAIN, data=data, unique_id=data[CONF_URL], title="Faulty")
    faulty.add_to_hass(hass)
    healthy = add_qbt_entry(hass, other)
    await setup_integration(hass)
    coordinator = faulty.runtime_data
    full_syncs = coordinator.client.full_syncs
    caplog.clear()
    caplog.set_level(logging.INFO, logger="custom_components.qbitrr")

    proxy.inject(MAINDATA, fault)
    add_magnets(qbt.client(), 1, category="radarr")  # something changes meanwhile
    for _ in range(2):
        await coordinator.async_refresh()
    await healthy.runtime_data.async_refresh()
    await hass.async_block_till_done()

    assert healthy.runtime_data.last_update_success
    assert not _tracebacks(caplog)
    flows = [
        f["context"]["source"] for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    ]
    failures = [r for r in caplog.records if "Error fetching" in r.getMessage()]
    if expected == "unavailable":
        assert not coordinator.last_update_success
        assert len(failures) == 1
        assert flows == []
    elif expected == "reauth":
        assert not coordinator.last_update_success
        assert flows == [SOURCE_REAUTH]
    else:
        assert coordinator.last_update_success
        assert failures == []
        if expected == "resynced":
            assert coordinator.client.full_syncs > full_syncs
            assert set(coordinator.data.torrents) == _server_hashes(qbt)
        else:
            assert set(coordinator.data.torrents) < _server_hashes(qbt)

    proxy.clear()
    if expected.startswith("drifts"):
        monkeypatch.setattr(qbit_api, "FULL_RESYNC_POLLS", 3)
        for _ in range(3):
            await coordinator.async_refresh()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert coordinator.last_update_success
    if expected == "unavailable":
        assert len([r for r in caplog.records if "recovered" in r.getMessage()]) == 1
        # A poll after an error starts over with a full snapshot.
        assert coordinator.client.full_syncs == full_syncs + 1
    assert set(coordinator.data.torrents) == _server_hashes(qbt)
    assert coordinator.data.total == len(_server_hashes(qbt))
    assert not _tracebacks(caplog)
    FAULT_MATRIX.append((f"qBittorrent {qbt.major}.x", fault_name, f"{expected}, recovered"))


async def test_expired_session_is_renewed_silently(
    hass: HomeAssistant, qbt: QbittorrentServer, proxy: FaultProxy, caplog: pytest.LogCaptureFixture
) -> None:
    data = entry_data(qbt, **{CONF_URL: proxy.url})
    entry = MockConfigEntry(domain=DOMAIN, data=data, unique_id=data[CONF_URL])
    entry.add_to_hass(hass)
    await setup_integration(hass)
    caplog.clear()
    proxy.clear_requests()
    proxy.inject(MAINDATA, "status_403", times=1)
    await entry.runtime_data.async_refresh()
    assert entry.runtime_data.last_update_success
    assert any(r.path.endswith("/auth/login") for r in proxy.requests)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "qbitrr" in r.name]
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    FAULT_MATRIX.append(
        (f"qBittorrent {qbt.major}.x", "403 once (session expired)", "re-logged in silently")
    )


ARR_FAULTS = {
    "401": "reauth",
    "500": "unavailable",
    "timeout": "unavailable",
    "malformed": "unavailable",
    "html": "unavailable",
}


@pytest.fixture
def slow_radarr() -> Iterator[ArrEmulator]:
    """A Radarr emulator whose timeout fault holds requests 3 s."""
    with ArrEmulator("radarr", api_key="k", timeout_delay=3) as arr:
        yield arr


@pytest.mark.parametrize("fault_name", list(ARR_FAULTS))
async def test_arr_fault(
    hass: HomeAssistant,
    slow_radarr: ArrEmulator,
    qbt_servers: dict[int, QbittorrentServer],
    fault_name: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    expected = ARR_FAULTS[fault_name]
    slow_radarr.add_queue_item("AB" * 20, title="Movie")
    entry = add_arr_entry(hass, slow_radarr)
    healthy = add_qbt_entry(hass, qbt_servers[5])
    await setup_integration(hass)
    coordinator = entry.runtime_data
    caplog.clear()

    slow_radarr.inject_fault(r"/queue$", fault_name)  # type: ignore[arg-type]
    for _ in range(2):
        await coordinator.async_refresh()
    await healthy.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert not coordinator.last_update_success
    assert healthy.runtime_data.last_update_success
    assert not _tracebacks(caplog)
    flows = [
        f["context"]["source"] for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    ]
    if expected == "reauth":
        assert flows == [SOURCE_REAUTH]
    else:
        assert flows == []
        assert len([r for r in caplog.records if "Error fetching" in r.getMessage()]) == 1

    slow_radarr.clear_faults()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert len(coordinator.data.queue) == 1
    FAULT_MATRIX.append(("Radarr", fault_name, f"{expected}, recovered"))


def test_qbittorrentapi_is_what_the_proxy_expects() -> None:
    """The fault names map onto the library errors the client translates (a guard on upgrades)."""
    assert issubclass(qbittorrentapi.Forbidden403Error, qbittorrentapi.HTTPError)
