"""The two places qbitrr reaches past qbittorrent-api's public interface, kept in one module.

The library offers no public way to (1) fetch a reply's raw body through its authenticated
request path, which renews expired sessions, nor (2) drop the HTTP session without a logout
round trip. Both are wrapped here, and `tests/api/test_library.py` fails if an upgrade of the
library changes what they rely on.
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
