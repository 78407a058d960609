"""Incremental polls over the client's own connection, and every way back to the library.

Against a real qbittorrent-nox behind the fault proxy, which records each request: the library
POSTs `sync/maindata`, the direct connection GETs it, so the method tells which path asked.
"""

from __future__ import annotations

from collections.abc import Iterator
import gzip
from pathlib import Path
import ssl

import pytest

from custom_components.qbitrr.api.direct_poll import DirectPoll
from custom_components.qbitrr.api.qbittorrent import QbitConnectionError, QbittorrentClient
from devtools.fault_proxy import Fault, FaultProxy
from devtools.qbittorrent_server import QbittorrentServer, add_magnets
from devtools.web_servers import Reply, serve

MAINDATA = r"/api/v2/sync/maindata$"


@pytest.fixture
def proxy(qbt: QbittorrentServer) -> Iterator[FaultProxy]:
    """A fault proxy in front of the real server."""
    with FaultProxy(qbt.url) as running:
        yield running


def _client(qbt: QbittorrentServer, proxy: FaultProxy) -> QbittorrentClient:
    return QbittorrentClient(proxy.url, qbt.username, qbt.password, timeout=(1.0, 1.0))


def _maindata_methods(proxy: FaultProxy) -> list[str]:
    return [r.method for r in proxy.requests if r.path.endswith("/sync/maindata")]


def test_incremental_polls_go_direct_and_see_changes(
    qbt: QbittorrentServer, proxy: FaultProxy
) -> None:
    client = _client(qbt, proxy)
    try:
        first = client.sync()
        added = add_magnets(qbt.client(), 2, category="radarr")
        second = client.sync()
        third = client.sync()
    finally:
        client.close()
    assert first.full_update
    assert not second.full_update
    assert not third.full_update
    assert set(added) <= set(second.maindata.torrents)
    assert second.maindata.torrents.keys() == third.maindata.torrents.keys()
    # The full poll through the library, both incremental ones over the direct connection.
    assert _maindata_methods(proxy) == ["POST", "GET", "GET"]
    direct = [r for r in proxy.requests if r.method == "GET" and "maindata" in r.path]
    assert [r.query["rid"] for r in direct] == [
        [str(first.maindata.rid)],
        [str(second.maindata.rid)],
    ]
    assert all(r.status == 200 for r in direct)


def test_an_expired_session_is_renewed_through_the_library(
    qbt: QbittorrentServer, proxy: FaultProxy
) -> None:
    client = _client(qbt, proxy)
    try:
        client.sync()
        logins = len(proxy.logins)
        proxy.expire_sessions()
        renewed = client.sync()
        again = client.sync()
    finally:
        client.close()
    # A new session has no sync state: qBittorrent answers it in full.
    assert renewed.full_update
    assert not again.full_update
    assert len(proxy.logins) == logins + 1
    # Refused direct: a new login, as the library makes on a refusal; the library asks once
    # with the new session, and the next poll is direct again.
    assert _maindata_methods(proxy) == ["POST", "GET", "POST", "GET"]


def test_a_dropped_connection_is_opened_again_once(
    qbt: QbittorrentServer, proxy: FaultProxy
) -> None:
    client = _client(qbt, proxy)
    try:
        client.sync()
        client.sync()  # the direct connection is now open and kept alive
        proxy.inject(MAINDATA, "reset", times=1, method="GET")
        result = client.sync()
    finally:
        client.close()
    assert not result.full_update
    assert _maindata_methods(proxy) == ["POST", "GET", "GET", "GET"]


def test_an_error_status_is_asked_again_and_mapped_by_the_library(
    qbt: QbittorrentServer, proxy: FaultProxy
) -> None:
    client = _client(qbt, proxy)
    try:
        client.sync()
        proxy.inject(MAINDATA, "status_500")
        with pytest.raises(QbitConnectionError, match="server error 500"):
            client.sync()
        proxy.clear()
        recovered = client.sync()
    finally:
        client.close()
    assert recovered.full_update  # a poll after an error starts over
    assert _maindata_methods(proxy)[:3] == ["POST", "GET", "POST"]


def test_a_timeout_is_not_waited_twice(qbt: QbittorrentServer, proxy: FaultProxy) -> None:
    client = _client(qbt, proxy)
    try:
        client.sync()
        proxy.inject(MAINDATA, Fault.delay(3), method="GET")
        with pytest.raises(QbitConnectionError, match="timeout"):
            client.sync()
    finally:
        client.close()
    assert _maindata_methods(proxy) == ["POST", "GET"]


def test_a_proxy_in_the_environment_keeps_the_library_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Only the library honours the environment's proxies: the direct path must stay off.
    url = "http://127.0.0.1:8080"
    assert QbittorrentClient(url, "admin", "pw")._direct.enabled
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert not QbittorrentClient(url, "admin", "pw")._direct.enabled


@pytest.fixture
def tls_server(self_signed_cert: tuple[Path, Path]) -> Iterator[int]:
    """An HTTPS server with a self-signed certificate answering a gzip'd maindata reply."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*self_signed_cert)
    reply = Reply(200, b'{"rid": 7}', "application/json")
    with serve(routes={"/api/v2/sync/maindata": reply}, tls=context) as port:
        yield port


@pytest.mark.parametrize(("verify", "expected"), [(False, b'{"rid": 7}'), (True, None)])
def test_tls_follows_the_entry_s_verification(
    tls_server: int, verify: bool, expected: bytes | None
) -> None:
    direct = DirectPoll(
        f"https://127.0.0.1:{tls_server}", verify=verify, timeout=(1.0, 1.0), proxied=False
    )
    try:
        body = direct.fetch(3, {"Cookie": "SID=x"})
    finally:
        direct.close()
    assert (bytes(body) if body is not None else None) == expected


def test_gzip_bodies_are_decoded_and_truncated_ones_refused() -> None:
    direct = DirectPoll("http://127.0.0.1:1", verify=True, timeout=(1.0, 1.0), proxied=False)
    packed = gzip.compress(b'{"rid": 9, "torrents": {}}' * 5000)
    assert direct._decoded(bytearray(packed), "gzip") == b'{"rid": 9, "torrents": {}}' * 5000
    with pytest.raises(ValueError, match="truncated"):
        direct._decoded(bytearray(packed[:-20]), "gzip")
    with pytest.raises(ValueError, match="encoding"):
        direct._decoded(bytearray(b"x"), "br")


def test_nothing_is_sent_while_off() -> None:
    direct = DirectPoll("http://127.0.0.1:1", verify=True, timeout=(1.0, 1.0), proxied=True)
    assert direct.fetch(1, {"Cookie": "SID=x"}) is None
