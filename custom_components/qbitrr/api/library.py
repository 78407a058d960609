"""The places qbitrr reaches past qbittorrent-api's public interface, kept in one module.

The library offers no public way to (1) fetch a reply's raw body through its authenticated
request path, which renews expired sessions, (2) drop the HTTP session without a logout
round trip, (3) keep it from filling empty credentials from `QBITTORRENTAPI_*` environment
variables, (4) keep requests from reading the environment again on every request, nor (5)
hand out the credentials its session sends (for `direct_poll`). All are wrapped here, and
`tests/api/test_library.py` (and `tests/test_api_key.py` for the third) fails if an upgrade
of the library changes what they rely on.
"""

from __future__ import annotations

import os
from typing import Any

import qbittorrentapi
from qbittorrentapi.definitions import APINames
from requests.exceptions import RequestException
from requests.utils import get_environ_proxies

_CHUNK_BYTES = 65_536  # read (compressed) per step of a streamed body
# requests' session defaults that a direct request sets itself (it decodes gzip only).
_SET_PER_REQUEST = frozenset({"accept-encoding", "connection", "content-type", "cookie"})


def post_raw(
    client: qbittorrentapi.Client, api_name: APINames, method: str, data: Any
) -> bytearray:
    """POST through the library's authenticated path (re-login included); return the raw body.

    The public methods parse the reply themselves; the raw body lets a large reply be decoded
    in small steps instead (see `maindata.parse_maindata`). It is read in chunks into one
    buffer: requests would join a 10,000-torrent body (15 MB) in one call that holds the GIL,
    and with it Home Assistant's event loop, for several milliseconds.
    """
    response = client._post(  # noqa: SLF001 - no public call returns the raw body
        _name=api_name, _method=method, data=data, requests_args={"stream": True}
    )
    body = bytearray()
    with response:
        try:
            for chunk in response.iter_content(_CHUNK_BYTES):
                body += chunk
        except RequestException as err:
            # Read after the library's request returned, so outside its error mapping: the
            # same error it raises when the body fails (a timeout, a dropped connection).
            raise qbittorrentapi.APIConnectionError(f"reading the reply: {err!r}") from err
    return body


def session_headers(client: qbittorrentapi.Client) -> dict[str, str] | None:
    """Return the headers that authenticate a request as the library's session does, if any.

    The session cookie after a login, or the API key's `Authorization` header, and any extra
    header the session sends; None before the first login (nothing to send yet).
    """
    session = client._http_session  # noqa: SLF001 - made lazily, no public accessor
    if session is None:
        return None
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in session.cookies)
    authorization = session.headers.get("Authorization")
    if not cookies and not authorization:
        return None
    headers = {
        name: str(value)
        for name, value in session.headers.items()
        if name.lower() not in _SET_PER_REQUEST
    }
    headers["Accept-Encoding"] = "gzip"
    if cookies:
        headers["Cookie"] = cookies
    return headers


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


def environment_arguments(url: str, *, verify: bool) -> dict[str, Any]:
    """Read once the proxies and CA bundle requests would take from the environment for `url`.

    requests reads them (scanning every environment variable, twice) on every request of a
    session that trusts the environment: most of an idle poll's CPU. Passed as request
    arguments to a session that does not (see `ignore_environment`), they act the same.
    """
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return {"proxies": get_environ_proxies(url), "verify": (bundle or True) if verify else False}


def ignore_environment(client: qbittorrentapi.Client) -> None:
    """Keep the client's HTTP session (made anew after a reset) from reading the environment.

    Call before each request; the arguments from `environment_arguments` stand in for it.
    """
    session = client._session  # noqa: SLF001 - the session is built lazily, no public hook
    if session.trust_env:
        session.trust_env = False
