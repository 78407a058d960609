"""The two places qbitrr reaches past qbittorrent-api's public interface, kept in one module.

The library offers no public way to (1) fetch a reply's raw body through its authenticated
request path, which renews expired sessions, (2) drop the HTTP session without a logout
round trip, nor (3) keep it from filling empty credentials from `QBITTORRENTAPI_*` environment
variables. All are wrapped here, and `tests/api/test_library.py` (and `tests/test_api_key.py`
for the third) fails if an upgrade of the library changes what they rely on.
"""

from __future__ import annotations

from typing import Any

import qbittorrentapi
from qbittorrentapi.definitions import APINames


def post_raw(client: qbittorrentapi.Client, api_name: APINames, method: str, data: Any) -> bytes:
    """POST through the library's authenticated path (re-login included); return the raw body.

    The public methods parse the reply themselves; the raw body lets a large reply be decoded
    in small steps instead (see `maindata.parse_maindata`).
    """
    response = client._post(  # noqa: SLF001 - no public call returns the raw body
        _name=api_name, _method=method, data=data
    )
    body: bytes = response.content
    return body


def drop_session(client: qbittorrentapi.Client) -> None:
    """Close the HTTP session without a logout request (the server may be gone).

    qBittorrent expires idle sessions by itself, so skipping the logout leaks nothing.
    """
    client._trigger_session_initialization()  # noqa: SLF001 - no public close without logout


def pin_credentials(
    client: qbittorrentapi.Client,
    *,
    username: str | None,
    password: str | None,
    api_key: str | None,
) -> None:
    """Set exactly these credentials, undoing what the constructor took from the environment.

    For an empty username, password or API key the constructor reads `QBITTORRENTAPI_USERNAME`,
    `QBITTORRENTAPI_PASSWORD` and `QBITTORRENTAPI_API_KEY`; an entry without a key must never
    send one it found there (nor log in as someone else). Call it before the first request:
    the key becomes the session's `Authorization` header when the session is built.
    """
    client.username = username or ""
    client._password = password or ""  # noqa: SLF001 - no public setter without a login
    client._api_key = api_key or ""  # noqa: SLF001 - no public setter
