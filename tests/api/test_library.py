"""The two private qbittorrent-api internals qbitrr relies on, checked against the library.

If an upgrade of qbittorrent-api renames or reshapes them, these fail first (and
`api/library.py` is the one place to adapt).
"""

from __future__ import annotations

import inspect

import qbittorrentapi
from qbittorrentapi.definitions import APINames

from custom_components.qbitrr.api import library
from devtools.qbittorrent_server import QbittorrentServer


def test_the_raw_post_exists_with_the_arguments_used() -> None:
    parameters = inspect.signature(qbittorrentapi.Client._post).parameters
    assert {"_name", "_method", "data"} <= set(parameters)
    assert APINames.Sync.value == "sync"


def test_the_session_reset_exists() -> None:
    assert callable(qbittorrentapi.Client._trigger_session_initialization)
    assert inspect.signature(
        qbittorrentapi.Client._trigger_session_initialization
    ).parameters.keys() == {"self"}


def test_raw_body_and_session_drop_on_a_real_server(qbt: QbittorrentServer) -> None:
    client = qbt.client()
    body = library.post_raw(client, APINames.Sync, "maindata", {"rid": 0})
    assert isinstance(body, bytes)
    assert body.startswith(b"{")
    assert b'"rid"' in body
    library.drop_session(client)
    # The next call opens a new session (logging in again) and works.
    assert isinstance(client.app_version(), str)
