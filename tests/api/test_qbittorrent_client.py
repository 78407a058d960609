"""The client's error mapping against servers that only look like qBittorrent."""

from __future__ import annotations

import pytest

from custom_components.qbitrr.api.qbittorrent import (
    QbitConnectionError,
    QbitNotQbittorrentError,
    QbittorrentClient,
)
from devtools.web_servers import Reply, serve

OK = Reply(200, b"Ok.", "text/plain")
VERSIONS = {
    "/api/v2/auth/login": OK,
    "/api/v2/app/version": Reply(200, b"v4.5.2", "text/plain"),
    "/api/v2/app/webapiVersion": Reply(200, b"2.8.19", "text/plain"),
}


def test_ok_to_everything_is_not_qbittorrent() -> None:
    with serve(OK) as port:
        client = QbittorrentClient(f"http://127.0.0.1:{port}", "admin", "pw")
        with pytest.raises(QbitNotQbittorrentError):
            client.validate()
        with pytest.raises(QbitNotQbittorrentError):
            client.sync()
        assert client.maindata is None


def test_server_error_is_a_connection_error() -> None:
    with serve(Reply(500, b"<h1>oops</h1>")) as port:
        client = QbittorrentClient(f"http://127.0.0.1:{port}", "admin", "pw")
        with pytest.raises(QbitConnectionError, match="server error 500"):
            client.validate()


def test_slow_server_times_out() -> None:
    with serve(Reply(200, b"Ok.", "text/plain", delay=1.0)) as port:
        client = QbittorrentClient(f"http://127.0.0.1:{port}", "admin", "pw", timeout=(0.2, 0.2))
        with pytest.raises(QbitConnectionError, match="timeout"):
            client.validate()


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, b"[]", "application/json"),
        Reply(200, b'{"no_rid": 1}', "application/json"),
        Reply(200, b"{truncated", "application/json"),
    ],
)
def test_malformed_sync_reply_resets_the_model(reply: Reply) -> None:
    with serve(routes={**VERSIONS, "/api/v2/sync/maindata": reply}) as port:
        client = QbittorrentClient(f"http://127.0.0.1:{port}", "admin", "pw")
        with pytest.raises(QbitNotQbittorrentError):
            client.sync()
        assert client.maindata is None


def test_sync_against_a_minimal_server() -> None:
    body = b'{"rid": 3, "full_update": true, "torrents": {"aa": {"name": "A", "state": "metaDL"}}}'
    with serve(
        routes={**VERSIONS, "/api/v2/sync/maindata": Reply(200, body, "application/json")}
    ) as port:
        client = QbittorrentClient(f"http://127.0.0.1:{port}", None, None)
        result = client.sync()
        assert set(result.maindata.torrents) == {"aa"}
        assert result.info.app_version == "v4.5.2"
        assert result.full_update
        assert client.full_syncs == 1
