"""Tests of the fault-injecting proxy, in front of a real qBittorrent 4.5 and the Arr emulator.

Each fault is checked from the client's side, with the libraries the integration uses:
qbittorrent-api (requests) for qBittorrent, aiohttp and urllib for the Arr emulator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
import json
import os
from pathlib import Path
import shutil
import socket
import threading
import time
from typing import Any
import urllib.error
import urllib.request

import aiohttp
import pytest
import pytest_socket
import qbittorrentapi
import requests

from devtools.arr_emulator import ArrEmulator
from devtools.fault_proxy import FAULT_KINDS, LOGIN_PATH, Fault, FaultProxy, RecordedRequest
from devtools.qbittorrent_server import DEFAULT_QBT4_BIN, QbittorrentServer, add_magnets, free_port

MAINDATA = r"/api/v2/sync/maindata$"
VERSION = r"/api/v2/app/version$"
API_KEY = "k"


@pytest.fixture(autouse=True)
def _loopback_sockets() -> None:
    """Home Assistant's plugin blocks sockets before each test; these tests need loopback."""
    pytest_socket.enable_socket()
    pytest_socket.socket_allow_hosts(["127.0.0.1", "::1"], allow_unix_socket=True)


@pytest.fixture
def proxies() -> Iterator[Callable[[str], FaultProxy]]:
    """Start proxies on demand; all are stopped (threads joined) at teardown."""
    started: list[FaultProxy] = []

    def make(upstream: str) -> FaultProxy:
        proxy = FaultProxy(upstream).start()
        started.append(proxy)
        return proxy

    try:
        yield make
    finally:
        for proxy in started:
            proxy.stop()


@pytest.fixture
def qbt(tmp_path: Path) -> Iterator[QbittorrentServer]:
    """A real qBittorrent 4.5 (about 0.25 s to start)."""
    if not Path(DEFAULT_QBT4_BIN).exists() and not shutil.which("qbittorrent-nox"):
        pytest.skip("qbittorrent-nox not installed")
    server = QbittorrentServer(4, tmp_path / "qbt").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def proxy(qbt: QbittorrentServer, proxies: Callable[[str], FaultProxy]) -> FaultProxy:
    return proxies(qbt.url)


def _installed(major: int) -> bool:
    if major == 4:
        return Path(DEFAULT_QBT4_BIN).exists() or shutil.which("qbittorrent-nox") is not None
    root = os.environ.get("QBITRR_QBT5_ROOT")
    return bool(root) and (Path(root) / "usr" / "bin" / "qbittorrent-nox").exists()


@pytest.fixture(params=[4, 5], ids=["qbt4", "qbt5"])
def any_qbt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QbittorrentServer]:
    """A real qBittorrent 4.5, then 5.x (they name their session cookie differently)."""
    major = int(request.param)
    if not _installed(major):
        pytest.skip(f"qbittorrent-nox {major}.x not installed")
    server = QbittorrentServer(major, tmp_path / f"qbt{major}").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def arr(proxies: Callable[[str], FaultProxy]) -> Iterator[tuple[ArrEmulator, FaultProxy]]:
    emulator = ArrEmulator("radarr", api_key=API_KEY).start()
    try:
        yield emulator, proxies(emulator.url)
    finally:
        emulator.stop()


def _client(qbt: QbittorrentServer, proxy: FaultProxy, timeout: float = 2) -> qbittorrentapi.Client:
    client = qbittorrentapi.Client(
        host=proxy.url,
        username=qbt.username,
        password=qbt.password,
        SIMPLE_RESPONSES=True,
        REQUESTS_ARGS={"timeout": timeout},
    )
    client.auth_log_in()
    proxy.clear_requests()
    return client


def _api(proxy: FaultProxy) -> list[RecordedRequest]:
    """Recorded API calls (qbittorrent-api also sends ``HEAD /`` to find the scheme)."""
    return [r for r in proxy.requests if r.path.startswith("/api/")]


def _calls(proxy: FaultProxy) -> list[tuple[str, int | None, str | None]]:
    return [(r.path.rsplit("/", 1)[-1], r.status, r.fault) for r in _api(proxy)]


def _wait_done(proxy: FaultProxy, timeout: float = 3) -> None:
    deadline = time.monotonic() + timeout
    while not all(r.done for r in proxy.requests):
        assert time.monotonic() < deadline, proxy.requests
        time.sleep(0.02)


# --- qBittorrent: plain forwarding ----------------------------------------------------------------


def test_login_and_maindata_through_proxy(qbt: QbittorrentServer, proxy: FaultProxy) -> None:
    client = qbittorrentapi.Client(
        host=proxy.url,
        username=qbt.username,
        password=qbt.password,
        SIMPLE_RESPONSES=True,
        REQUESTS_ARGS={"timeout": 2},
    )
    client.auth_log_in()
    login = next(r for r in proxy.requests if r.path == "/api/v2/auth/login")
    assert (login.method, login.status, login.upstream_status, login.fault) == (
        "POST",
        200,
        200,
        None,
    )
    assert login.form["username"] == [qbt.username]
    # qBittorrent's Set-Cookie came through untouched, and the client sends it back.
    assert client._http_session.cookies.get("SID")
    hashes = add_magnets(client, 3, category="proxy")  # multipart POST, then GETs with a query
    maindata = client.sync_maindata()
    assert maindata["full_update"] is True
    assert set(maindata["torrents"]) == set(hashes)
    assert "server_state" in maindata
    later = client.sync_maindata(rid=maindata["rid"])
    assert "full_update" not in later
    assert later["rid"] > maindata["rid"]

    calls = _api(proxy)
    assert all(r.fault is None and r.done for r in calls)
    assert all(
        r.header("Cookie") == f"SID={client._http_session.cookies['SID']}" for r in calls[1:]
    )
    last = calls[-1]
    assert (last.method, last.path, last.status) == ("POST", "/api/v2/sync/maindata", 200)
    assert last.form == {"rid": [str(maindata["rid"])]}
    # A raw query (with "|") reaches qBittorrent as sent.
    listed = client._http_session.get(
        f"{proxy.url}/api/v2/torrents/info?category=proxy&hashes={'|'.join(hashes[:2])}", timeout=2
    ).json()
    assert {t["hash"] for t in listed} == set(hashes[:2])
    assert proxy.requests[-1].query == {"category": ["proxy"], "hashes": ["|".join(hashes[:2])]}


# --- qBittorrent: session expiry ---------------------------------------------------------------


def _session_cookie(qbt: QbittorrentServer) -> str:
    """qBittorrent's session cookie: SID on 4.x, QBT_SID_<WebUI port> on 5.x."""
    return "SID" if qbt.major == 4 else f"QBT_SID_{qbt.port}"


def test_expired_session_is_refused_until_login(
    any_qbt: QbittorrentServer, proxies: Callable[[str], FaultProxy]
) -> None:
    qbt, proxy = any_qbt, proxies(any_qbt.url)
    name = _session_cookie(qbt)
    client = _client(qbt, proxy)
    old = client._http_session.cookies[name]
    proxy.expire_sessions()

    # qbittorrent-api: 403, one new login, the call retried with the new cookie.
    assert client.sync_maindata()["full_update"] is True
    refused, login, retried = _api(proxy)
    assert (refused.path, refused.status, refused.upstream_status) == (
        "/api/v2/sync/maindata",
        403,
        None,
    )
    assert (refused.session_expired, refused.fault) == (True, None)
    assert refused.header("Cookie") == f"{name}={old}"
    assert (login.method, login.path, login.session_expired) == ("POST", LOGIN_PATH, False)
    assert login.upstream_status in {200, 204}  # 5.x answers 204
    assert (retried.status, retried.upstream_status, retried.session_expired) == (200, 200, False)
    assert proxy.logins == [login]
    new = client._http_session.cookies[name]
    assert new != old
    assert retried.header("Cookie") == f"{name}={new}"

    # The new session passes from now on.
    client.torrents_categories()
    client.app_version()
    assert len(proxy.logins) == 1
    assert not any(r.session_expired for r in _api(proxy)[2:])

    # The old cookie stays refused, with the answer qBittorrent gives an unknown session.
    version = "/api/v2/app/version"
    reply = requests.get(proxy.url + version, cookies={name: old}, timeout=2)
    direct = requests.get(qbt.url + version, timeout=2)  # qBittorrent itself, no session
    assert (reply.status_code, reply.reason, reply.text) == (403, "Forbidden", "Forbidden")
    assert (reply.status_code, reply.text) == (direct.status_code, direct.text)
    assert reply.headers["Content-Type"] == direct.headers["Content-Type"]
    last = proxy.requests[-1]
    assert (last.session_expired, last.upstream_status) == (True, None)
    # A request without any session cookie is forwarded as before; qBittorrent refuses it.
    assert requests.get(proxy.url + version, timeout=2).status_code == 403
    last = proxy.requests[-1]
    assert (last.session_expired, last.upstream_status) == (False, 403)


def test_login_with_the_expired_cookie_starts_a_new_session(
    any_qbt: QbittorrentServer, proxies: Callable[[str], FaultProxy]
) -> None:
    qbt, proxy = any_qbt, proxies(any_qbt.url)
    name = _session_cookie(qbt)
    creds = {"username": qbt.username, "password": qbt.password}
    version = f"{proxy.url}/api/v2/app/version"
    with requests.Session() as session:
        assert session.post(proxy.url + LOGIN_PATH, data=creds, timeout=2).ok
        old = session.cookies[name]
        proxy.expire_sessions()
        assert session.get(version, timeout=2).status_code == 403
        # This client keeps its cookie when it logs in again. qBittorrent, which still knows
        # the session, would set no new cookie; the proxy forwards the login without it.
        reply = session.post(proxy.url + LOGIN_PATH, data=creds, timeout=2)
        assert reply.ok
        assert name in reply.cookies
        assert session.cookies[name] != old
        assert proxy.logins[-1].header("Cookie") == f"{name}={old}"  # as the client sent it
        assert session.get(version, timeout=2).status_code == 200

        # A WebUI page is forwarded without the expired cookie: the signed-out page.
        page = requests.get(f"{proxy.url}/", cookies={name: old}, timeout=2)
        signed_out = requests.get(f"{qbt.url}/", timeout=2)
        assert (page.status_code, page.text) == (signed_out.status_code, signed_out.text)
        signed_in = session.get(f"{proxy.url}/", timeout=2)
        assert signed_in.text != signed_out.text
        assert not any(r.session_expired for r in proxy.requests if r.path == "/")

        # Calling it again expires the sessions issued since.
        proxy.expire_sessions()
        assert session.get(version, timeout=2).status_code == 403
        assert len(proxy.logins) == 2


def test_concurrent_requests_during_an_expiry(qbt: QbittorrentServer, proxy: FaultProxy) -> None:
    client = _client(qbt, proxy)
    old = client._http_session.cookies["SID"]
    paths = ["sync/maindata", "torrents/categories", "app/preferences"]
    barrier = threading.Barrier(len(paths))

    def get(path: str, sid: str) -> int:
        barrier.wait(timeout=5)
        url = f"{proxy.url}/api/v2/{path}"
        return requests.get(url, cookies={"SID": sid}, timeout=2).status_code

    proxy.expire_sessions()
    with ThreadPoolExecutor(len(paths)) as pool:
        assert list(pool.map(get, paths, [old] * len(paths))) == [403] * len(paths)
        refused = _api(proxy)
        assert len(refused) == len(paths)
        assert all(r.session_expired and r.upstream_status is None for r in refused)
        client.auth_log_in()
        new = client._http_session.cookies["SID"]
        assert list(pool.map(get, paths, [new] * len(paths))) == [200] * len(paths)
    assert len(proxy.logins) == 1
    assert sum(r.upstream_status is not None for r in proxy.logins) == 1


def test_session_expiry_and_faults(qbt: QbittorrentServer, proxy: FaultProxy) -> None:
    client = _client(qbt, proxy)
    sid = {"SID": client._http_session.cookies["SID"]}
    url = f"{proxy.url}/api/v2/app/version"
    proxy.expire_sessions()
    # A fault that answers by itself wins.
    proxy.inject(VERSION, "status_500", times=1)
    assert requests.get(url, cookies=sid, timeout=2).status_code == 500
    assert not proxy.requests[-1].session_expired
    # A held request is refused when it would have been forwarded.
    proxy.inject(VERSION, Fault.delay(0.2), times=1)
    assert requests.get(url, cookies=sid, timeout=2).status_code == 403
    held = proxy.requests[-1]
    assert (held.fault, held.session_expired, held.upstream_status) == ("delay", True, None)
    assert held.duration >= 0.2
    # A login that never reached qBittorrent is a login attempt all the same.
    proxy.inject(r"/auth/login$", "status_500", times=1)
    client.auth_log_in()  # the library retries the 500 once
    faulted, forwarded = proxy.logins
    assert (faulted.fault, faulted.upstream_status) == ("status_500", None)
    assert (forwarded.fault, forwarded.upstream_status) == (None, 200)
    assert client.app_version()
    assert not proxy.requests[-1].session_expired


# --- qBittorrent: HTTP status faults --------------------------------------------------------------


def test_403_once_logs_in_again(qbt: QbittorrentServer, proxy: FaultProxy) -> None:
    client = _client(qbt, proxy)
    proxy.inject(MAINDATA, Fault("status_403"), times=1)
    assert client.sync_maindata()["full_update"] is True
    assert _calls(proxy) == [
        ("maindata", 403, "status_403"),
        ("login", 200, None),
        ("maindata", 200, None),
    ]
    # Still refused after the new login: the library gives up.
    proxy.inject(MAINDATA, "status_403")
    with pytest.raises(qbittorrentapi.Forbidden403Error, match="Forbidden"):
        client.sync_maindata()


@pytest.mark.parametrize(
    ("kind", "error", "status"),
    [
        ("status_401", qbittorrentapi.Unauthorized401Error, 401),
        ("status_500", qbittorrentapi.InternalServerError500Error, 500),
        ("status_502_html", qbittorrentapi.HTTP5XXError, 502),
    ],
)
def test_http_errors(
    qbt: QbittorrentServer,
    proxy: FaultProxy,
    kind: str,
    error: type[qbittorrentapi.HTTPError],
    status: int,
) -> None:
    client = _client(qbt, proxy)
    proxy.inject(MAINDATA, Fault(kind))  # type: ignore[arg-type]
    with pytest.raises(error) as raised:
        client.sync_maindata()
    assert raised.value.http_status_code == status
    # The library tries 5xx twice (its own retry), 401 once.
    attempts = [r for r in _api(proxy) if r.fault == kind]
    assert len(attempts) == (1 if status == 401 else 2)
    assert {r.status for r in attempts} == {status}
    assert {r.upstream_status for r in attempts} == {None}  # never forwarded
    if kind == "status_502_html":
        assert "502 Bad Gateway" in str(raised.value)


def test_5xx_once_is_hidden_by_the_library_retry(qbt: QbittorrentServer, proxy: FaultProxy) -> None:
    client = _client(qbt, proxy)
    proxy.inject(MAINDATA, "status_500", times=1)
    assert "rid" in client.sync_maindata()
    # The retry starts a new requests session: the cookie is gone, so it logs in again.
    assert _calls(proxy) == [
        ("maindata", 500, "status_500"),
        ("maindata", 403, None),
        ("login", 200, None),
        ("maindata", 200, None),
    ]


# --- qBittorrent: broken bodies -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["malformed_json", "truncated_json", "html_login_page"])
def test_unparsable_bodies(qbt: QbittorrentServer, proxy: FaultProxy, kind: str) -> None:
    client = _client(qbt, proxy)
    add_magnets(client, 2)
    proxy.clear_requests()
    proxy.inject(MAINDATA, Fault(kind), times=1)  # type: ignore[arg-type]
    with pytest.raises(qbittorrentapi.APIError, match="response parsing") as raised:
        client.sync_maindata()
    assert not isinstance(
        raised.value, qbittorrentapi.HTTPError | qbittorrentapi.APIConnectionError
    )
    (record,) = _api(proxy)
    assert (record.status, record.fault) == (200, kind)
    assert record.upstream_status == (200 if kind == "truncated_json" else None)
    assert "rid" in client.sync_maindata()  # times=1: the next one is forwarded


def test_truncated_json_is_half_of_the_plain_body(
    qbt: QbittorrentServer, proxy: FaultProxy
) -> None:
    client = _client(qbt, proxy)
    add_magnets(client, 2)
    session = client._http_session
    url = f"{proxy.url}/api/v2/torrents/info"
    full = session.get(url, timeout=2)
    assert full.headers["Content-Encoding"] == "gzip"  # relayed compressed, as qBittorrent sent
    proxy.inject(r"/torrents/info$", "truncated_json", times=1)
    cut = session.get(url, timeout=2)
    assert "Content-Encoding" not in cut.headers
    assert cut.headers["Content-Type"] == full.headers["Content-Type"]
    assert int(cut.headers["Content-Length"]) == len(cut.content)
    assert full.text.startswith(cut.text)
    assert abs(len(cut.text) - len(full.text) // 2) <= 1
    with pytest.raises(ValueError):
        cut.json()


def test_html_login_page_where_text_is_expected(qbt: QbittorrentServer, proxy: FaultProxy) -> None:
    client = _client(qbt, proxy)
    proxy.inject(VERSION, "html_login_page", times=1)
    version = client.app_version()
    assert isinstance(version, str)
    assert version.lstrip().startswith("<!DOCTYPE html>")  # an "unexpected type" of version
    proxy.inject(r"/auth/login$", "html_login_page", times=1)
    with pytest.raises(qbittorrentapi.LoginFailed):
        client.auth_log_in()


# --- qBittorrent: sync/maindata edits -------------------------------------------------------------


def test_maindata_full_update_is_a_real_snapshot(qbt: QbittorrentServer, proxy: FaultProxy) -> None:
    client = _client(qbt, proxy)
    hashes = set(add_magnets(client, 3))
    first = client.sync_maindata()
    assert set(first["torrents"]) == hashes
    quiet = client.sync_maindata(rid=first["rid"])
    assert "torrents" not in quiet  # nothing changed: an incremental reply is nearly empty
    proxy.clear_requests()

    proxy.inject(MAINDATA, "maindata_full_update", times=1)
    full = client.sync_maindata(rid=quiet["rid"])
    assert full["full_update"] is True
    assert set(full["torrents"]) == hashes
    assert {"server_state", "categories", "tags"} <= set(full)
    assert full["torrents"][next(iter(hashes))]["state"]  # whole torrent records, not deltas
    (record,) = _api(proxy)
    assert record.form == {"rid": [str(quiet["rid"])]}  # what the client sent (rid=0 went upstream)
    assert (record.fault, record.status, record.upstream_status) == (
        "maindata_full_update",
        200,
        200,
    )
    # The upstream's sync state follows the new rid.
    after = client.sync_maindata(rid=full["rid"])
    assert "full_update" not in after
    assert after["rid"] > full["rid"]


def test_maindata_missing_keys(qbt: QbittorrentServer, proxy: FaultProxy) -> None:
    client = _client(qbt, proxy)
    add_magnets(client, 1)
    proxy.inject(MAINDATA, "maindata_missing_keys", times=1)
    reply = client.sync_maindata()
    assert "torrents" not in reply
    assert "server_state" not in reply
    assert reply["full_update"] is True
    assert isinstance(reply["rid"], int)
    assert "torrents" in client.sync_maindata()


def test_maindata_edit_of_a_non_json_reply_relays_it(
    qbt: QbittorrentServer, proxy: FaultProxy
) -> None:
    proxy.inject(MAINDATA, "maindata_missing_keys")
    reply = requests.post(f"{proxy.url}/api/v2/sync/maindata", timeout=2)  # not logged in
    assert (reply.status_code, reply.text) == (403, "Forbidden")
    assert "not a JSON object" in (proxy.requests[-1].error or "")


# --- qBittorrent: connection faults ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "message"),
    [("reset", "Connection reset by peer"), ("refuse", "closed connection without response")],
)
def test_connection_dropped(
    qbt: QbittorrentServer, proxy: FaultProxy, kind: str, message: str
) -> None:
    client = _client(qbt, proxy)
    proxy.inject(MAINDATA, Fault(kind))  # type: ignore[arg-type]
    with pytest.raises(qbittorrentapi.APIConnectionError, match=message):
        client.sync_maindata()
    attempts = [r for r in _api(proxy) if r.fault == kind]
    assert len(attempts) == 2  # the library's retry
    assert all(r.status is None and r.upstream_status is None for r in attempts)
    proxy.clear()
    proxy.inject(MAINDATA, Fault(kind), times=1)
    assert "rid" in client.sync_maindata()  # one drop is absorbed by the retry


def test_delay_beyond_the_client_timeout(qbt: QbittorrentServer, proxy: FaultProxy) -> None:
    client = _client(qbt, proxy, timeout=0.4)
    proxy.inject(MAINDATA, Fault.delay(3))
    started = time.monotonic()
    with pytest.raises(qbittorrentapi.APIConnectionError, match="Read timed out"):
        client.sync_maindata()
    elapsed = time.monotonic() - started
    assert 0.8 <= elapsed < 2.5  # two attempts (POST: no urllib3 read retry) of 0.4 s
    _wait_done(proxy)
    held = [r for r in _api(proxy) if r.fault == "delay"]
    assert len(held) == 2
    # The client hung up while held: the request was dropped, never forwarded.
    assert all(r.status is None and r.upstream_status is None for r in held)
    assert all("hung up" in (r.error or "") for r in held)


def test_delay_within_the_client_timeout_is_only_slow(
    qbt: QbittorrentServer, proxy: FaultProxy
) -> None:
    client = _client(qbt, proxy, timeout=2)
    proxy.inject(MAINDATA, Fault.delay(0.3), times=1)
    started = time.monotonic()
    assert "rid" in client.sync_maindata()
    assert time.monotonic() - started >= 0.3
    (record,) = _api(proxy)
    assert (record.status, record.upstream_status, record.fault) == (200, 200, "delay")
    assert record.duration >= 0.3


def test_trickle_with_pauses_longer_than_the_read_timeout(
    qbt: QbittorrentServer, proxy: FaultProxy
) -> None:
    client = _client(qbt, proxy, timeout=0.3)
    proxy.inject(MAINDATA, Fault.trickle(chunk_size=16, interval=0.6))
    # A plain logged-in session: the body read fails (requests says ConnectionError).
    with pytest.raises(requests.ConnectionError, match="Read timed out"):
        client._http_session.post(f"{proxy.url}/api/v2/sync/maindata", data={"rid": 0}, timeout=0.3)
    proxy.clear_requests()
    # qbittorrent-api retries on a new requests session, without its cookie: that attempt
    # gets qBittorrent's real 403 (9 bytes, one chunk), it logs in, stalls again, and ends
    # with a 403, as if the password were wrong.
    with pytest.raises(qbittorrentapi.Forbidden403Error):
        client.sync_maindata()
    _wait_done(proxy)
    assert _calls(proxy) == [
        ("maindata", 200, "trickle"),
        ("maindata", 403, "trickle"),
        ("login", 200, None),
        ("maindata", 200, "trickle"),
        ("maindata", 403, "trickle"),
    ]
    stalled = [r for r in _api(proxy) if r.status == 200 and r.fault]
    assert all("hung up" in (r.error or "") for r in stalled)  # headers out, body never ended


def test_trickle_within_the_read_timeout_is_only_slow(
    qbt: QbittorrentServer, proxy: FaultProxy
) -> None:
    """requests' timeout bounds each read, not the reply: a 1 s timeout, a 1.25 s reply."""
    client = _client(qbt, proxy, timeout=1.0)
    proxy.inject(VERSION, Fault.trickle(chunk_size=1, interval=0.25), times=1)
    started = time.monotonic()
    assert client.app_version() == "v4.5.2"
    assert time.monotonic() - started > 1.0


# --- faults: matching, times, recording -----------------------------------------------------------


def test_times_method_and_order(qbt: QbittorrentServer, proxy: FaultProxy) -> None:
    url = f"{proxy.url}/api/v2/app/version"
    proxy.inject(r"/app/", "status_401", times=2, method="GET")
    proxy.inject(r"/app/", "status_500")  # after the first one, until cleared
    assert requests.post(url, timeout=2).status_code == 500  # wrong method for the first fault
    assert [requests.get(url, timeout=2).status_code for _ in range(3)] == [401, 401, 500]
    proxy.clear()
    assert requests.get(url, timeout=2).status_code == 403  # forwarded: not logged in
    assert requests.get(f"{proxy.url}/api/v2/app/webapiVersion?x=1", timeout=2).status_code == 403
    assert [(r.method, r.status, r.fault) for r in proxy.requests] == [
        ("POST", 500, "status_500"),
        ("GET", 401, "status_401"),
        ("GET", 401, "status_401"),
        ("GET", 500, "status_500"),
        ("GET", 403, None),
        ("GET", 403, None),
    ]
    assert proxy.requests[-1].query == {"x": ["1"]}
    assert proxy.requests[-1].upstream_status == 403
    proxy.clear_requests()
    assert proxy.requests == []
    with pytest.raises(ValueError, match="kind must be one of"):
        proxy.inject(".", "nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="times"):
        proxy.inject(".", "reset", times=0)
    assert len(FAULT_KINDS) == 13


def test_recording_from_many_threads(qbt: QbittorrentServer, proxy: FaultProxy) -> None:
    proxy.inject(r"/odd$", "status_500")

    def hammer(index: int) -> None:
        with requests.Session() as session:
            for n in range(10):
                session.get(
                    f"{proxy.url}/api/v2/app/{'odd' if n % 2 else 'even'}?t={index}", timeout=2
                )

    workers = [threading.Thread(target=hammer, args=(i,)) for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    recorded = proxy.requests
    assert len(recorded) == 40
    assert sum(r.fault == "status_500" for r in recorded) == 20
    assert {r.query["t"][0] for r in recorded} == {"0", "1", "2", "3"}


def test_unreachable_upstream_and_set_upstream(qbt: QbittorrentServer, proxy: FaultProxy) -> None:
    proxy.set_upstream(f"http://127.0.0.1:{free_port()}")
    reply = requests.get(f"{proxy.url}/api/v2/app/version", timeout=2)
    assert reply.status_code == 502
    assert "502 Bad Gateway" in reply.text
    assert "upstream unreachable" in (proxy.requests[-1].error or "")
    proxy.set_upstream(qbt.url)
    assert proxy.upstream_url == qbt.url
    assert requests.get(f"{proxy.url}/api/v2/app/version", timeout=2).status_code == 403
    with pytest.raises(ValueError, match="http"):
        proxy.set_upstream("ftp://127.0.0.1")


def test_stop_during_a_delay_and_restart(qbt: QbittorrentServer) -> None:
    before = set(threading.enumerate())
    proxy = FaultProxy(qbt.url).start()
    assert len(threading.enumerate()) == len(before) + 1
    proxy.inject(VERSION, Fault.delay(30))
    outcome: list[BaseException | int] = []

    def call() -> None:
        try:
            outcome.append(requests.get(f"{proxy.url}/api/v2/app/version", timeout=10).status_code)
        except requests.RequestException as err:
            outcome.append(err)

    caller = threading.Thread(target=call)
    caller.start()
    while not proxy.requests:
        time.sleep(0.01)
    started = time.monotonic()
    proxy.stop()
    assert time.monotonic() - started < 1
    caller.join(5)
    assert isinstance(outcome[0], requests.ConnectionError)  # no answer, not a late one
    assert set(threading.enumerate()) == before
    port = proxy.port
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), 1).close()
    proxy.clear()
    with proxy:
        assert proxy.port == port
        assert requests.get(f"{proxy.url}/api/v2/app/version", timeout=2).status_code == 403
        with pytest.raises(OSError, match="address already in use"):
            FaultProxy(qbt.url, port=port).start()
    assert set(threading.enumerate()) == before
    proxy.stop()  # a second stop is harmless


# --- the Arr emulator -----------------------------------------------------------------------------


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_arr_api_key_and_body_pass_through(arr: tuple[ArrEmulator, FaultProxy]) -> None:
    emulator, proxy = arr
    status, body = _get(f"{proxy.url}/api/v3/system/status", {"X-Api-Key": API_KEY})
    assert status == 200
    assert body["appName"] == "Radarr"
    assert _get(f"{proxy.url}/api/v3/system/status")[0] == 401  # the emulator's own refusal
    assert _get(f"{proxy.url}/api/v3/queue?apikey={API_KEY}&page=1")[0] == 200
    assert proxy.requests[0].header("x-api-key") == API_KEY
    assert emulator.requests[-1].query == {"apikey": [API_KEY], "page": ["1"]}
    command = json.dumps({"name": "MoviesSearch", "movieIds": [7]}).encode()
    request = urllib.request.Request(  # noqa: S310
        f"{proxy.url}/api/v3/command",
        data=command,
        headers={"X-Api-Key": API_KEY, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
        assert response.status == 201
    assert emulator.commands[-1]["name"] == "MoviesSearch"
    assert proxy.requests[-1].body == command


def test_arr_faults(arr: tuple[ArrEmulator, FaultProxy]) -> None:
    emulator, proxy = arr
    headers = {"X-Api-Key": API_KEY}
    proxy.inject(r"/api/v3/queue$", "status_502_html", times=1)
    status, body = _get(f"{proxy.url}/api/v3/queue", headers)
    assert status == 502
    assert "<h1>502 Bad Gateway</h1>" in body
    assert _get(f"{proxy.url}/api/v3/queue", headers)[0] == 200
    assert [r.path for r in emulator.requests] == ["/api/v3/queue"]  # the fault never reached it
    proxy.inject(r"/api/v3/health$", "malformed_json", times=1)
    with pytest.raises(json.JSONDecodeError):
        _get(f"{proxy.url}/api/v3/health", headers)


async def test_arr_trickle_beyond_an_aiohttp_total_timeout(
    arr: tuple[ArrEmulator, FaultProxy],
) -> None:
    """Runs inside Home Assistant's test event loop; aiohttp's total timeout counts the body."""
    _, proxy = arr
    proxy.inject(r"/system/status$", Fault.trickle(chunk_size=32, interval=0.2))
    connector = aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
    async with aiohttp.ClientSession(connector=connector) as session:

        async def fetch() -> bytes:
            async with session.get(
                f"{proxy.url}/api/v3/system/status",
                headers={"X-Api-Key": API_KEY},
                timeout=aiohttp.ClientTimeout(total=0.5),
            ) as response:
                assert response.status == 200  # the headers arrive at once
                return await response.read()

        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await fetch()
        assert time.monotonic() - started < 1.0
    _wait_done(proxy)
    assert proxy.requests[-1].status == 200
