"""The two private qbittorrent-api internals qbitrr relies on, checked against the library.

If an upgrade of qbittorrent-api renames or reshapes them, these fail first (and
`api/library.py` is the one place to adapt).
"""

from __future__ import annotations

import inspect

import pytest
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
    assert isinstance(body, bytearray)  # read in chunks, never joined in one call
    assert body.startswith(b"{")
    assert b'"rid"' in body
    library.drop_session(client)
    # The next call opens a new session (logging in again) and works.
    assert isinstance(client.app_version(), str)


def test_the_environment_is_read_once_not_per_request(
    qbt: QbittorrentServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/a/bundle.pem")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    remote = library.environment_arguments("https://qbt.example:8080", verify=True)
    assert remote["verify"] == "/a/bundle.pem"
    assert remote["proxies"].get("https") == "http://proxy.invalid:3128"
    assert library.environment_arguments("https://qbt.example", verify=False)["verify"] is False
    monkeypatch.setenv("NO_PROXY", "qbt.example")
    assert library.environment_arguments("https://qbt.example:8080", verify=True)["proxies"] == {}

    client = qbt.client()
    library.ignore_environment(client)
    assert client._session.trust_env is False
    # A reset session is made trusting the environment again, and set apart once more.
    library.drop_session(client)
    library.ignore_environment(client)
    assert client._session.trust_env is False
    assert isinstance(client.app_version(), str)
