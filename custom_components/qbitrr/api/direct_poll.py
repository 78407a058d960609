"""Incremental `sync/maindata` polls over one kept-alive connection, past requests.

An idle poll's reply is a few bytes, yet requests, urllib3 and qbittorrent-api spend about
0.6 ms of CPU around it, four times what the rest of the poll costs (1.5 ms against 0.45 ms
on a slow 4.x server whose long answers leave the caches cold). The polls that repeat every
few seconds, the incremental ones, are therefore sent over a kept-alive socket of their own
(`http_wire`: one GET, one reply) carrying the library session's credentials. The library
stays the authority: whenever this path does not get a clean 200 (an expired or refused
session, a dropped connection, a proxy in the environment, an unknown encoding or framing,
any other status), the poll is sent again through it, which logs in again, maps the errors
and reads a full reply in steps as before.

Why not Home Assistant's aiohttp session: the poll runs in an executor thread under the
server's lock, like every call to that server (one at a time, sharing the session cookie);
an aiohttp request would have to cross that lock from the event loop, and measured more CPU
for an idle reply (0.14 ms against 0.09 ms).
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
import socket
import ssl
from typing import Final
from urllib.parse import urlsplit
import zlib

from .http_wire import get_request, read_reply

_CHUNK_BYTES: Final = 65_536  # decompressed per step, as the library path does
_GZIP_WINDOW: Final = 16 + zlib.MAX_WBITS  # zlib's window bits for a gzip stream


class DirectPollTimeoutError(Exception):
    """The server did not answer in time: asking again through the library would wait again."""


class DirectPollRefusedError(Exception):
    """The server refused the session (401/403): it has expired, or the key was revoked."""


class DirectPoll:
    """One kept-alive connection for incremental `sync/maindata` polls of one server.

    Not thread-safe on its own: the client that owns it makes one call at a time.
    """

    def __init__(
        self,
        url: str,
        *,
        verify: bool | str,
        timeout: tuple[float, float],
        proxied: bool,
    ) -> None:
        """Prepare the connection to `url` (normalised); nothing is sent until the first poll.

        `verify`: False, True (the library's CA bundle) or a CA bundle's path, as the library
        was given. `proxied`: the environment names a proxy for this server, which only the
        library path honours, so this path stays off.
        """
        parts = urlsplit(url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if self._https else 80)
        # As requests sends it: the port only when it is not the scheme's own.
        default_port = self._port == (443 if self._https else 80)
        name = f"[{self._host}]" if ":" in self._host else self._host
        self._host_header = name if default_port else f"{name}:{self._port}"
        self._path = f"{parts.path.rstrip('/')}/api/v2/sync/maindata"
        self._verify = verify
        self._connect_timeout, self._read_timeout = timeout
        self.enabled = not proxied and bool(self._host)
        self._socket: socket.socket | None = None
        self._tls: ssl.SSLContext | None = None

    def fetch(self, rid: int, headers: Mapping[str, str]) -> bytearray | None:
        """Return the decoded body of `sync/maindata?rid=`, or None to ask through the library.

        A kept-alive connection the server closed meanwhile is opened again once. Raises
        `DirectPollTimeoutError` when the server takes longer than the read timeout, and
        `DirectPollRefusedError` when it refuses the credentials.
        """
        if not self.enabled:
            return None
        for reused in (self._socket is not None, False):
            try:
                return self._exchange(rid, headers)
            except TimeoutError as err:
                self.close()
                raise DirectPollTimeoutError from err
            except OSError, zlib.error, ValueError:
                self.close()
                if not reused:
                    return None
        return None  # pragma: no cover - the loop returns on its second pass

    def close(self) -> None:
        """Drop the connection; the next poll opens a new one."""
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()

    def _exchange(self, rid: int, headers: Mapping[str, str]) -> bytearray | None:
        sock = self._socket or self._connect()
        # A GET: the request goes out in one write (a POST's body would take a second one).
        sock.sendall(get_request(f"{self._path}?rid={rid}", self._host_header, headers))
        reply = read_reply(sock)
        if not reply.keep_alive:
            self.close()
        if reply.status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}:
            raise DirectPollRefusedError
        if reply.status != HTTPStatus.OK:
            return None
        encoding = reply.headers.get("content-encoding", "identity").lower()
        return self._decoded(reply.body, encoding)

    def _decoded(self, raw: bytearray, encoding: str) -> bytearray:
        """Decode the body: gzip is what the poll asks for, identity what a tiny reply uses."""
        if encoding == "identity":
            return raw
        if encoding != "gzip":
            raise ValueError(f"unexpected encoding {encoding!r}")
        decoder = zlib.decompressobj(_GZIP_WINDOW)
        body = bytearray()
        view = memoryview(raw)
        # In steps, so a large reply never holds the interpreter for one long call.
        for start in range(0, len(view), _CHUNK_BYTES):
            body += decoder.decompress(view[start : start + _CHUNK_BYTES])
        body += decoder.flush()
        if not decoder.eof:
            raise ValueError("truncated gzip body")
        return body

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self._host, self._port), timeout=self._connect_timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._https:
                sock = self._context().wrap_socket(sock, server_hostname=self._host)
            sock.settimeout(self._read_timeout)
        except BaseException:
            sock.close()
            raise
        self._socket = sock
        return sock

    def _context(self) -> ssl.SSLContext:
        if self._tls is None:
            if self._verify is False:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            else:
                cafile = self._verify if isinstance(self._verify, str) else None
                context = ssl.create_default_context(cafile=cafile or _default_bundle())
            self._tls = context
        return self._tls


def _default_bundle() -> str:
    """Return the CA bundle requests verifies against by default (certifi's)."""
    from requests.utils import DEFAULT_CA_BUNDLE_PATH  # noqa: PLC0415 - only for TLS servers

    return str(DEFAULT_CA_BUNDLE_PATH)
