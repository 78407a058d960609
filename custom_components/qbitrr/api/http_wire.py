"""One HTTP/1.1 GET and its reply on an open socket: the little `direct_poll` needs.

http.client would do it with more code on the path (its header parsing goes through the email
package): after a slow server's long answer the caches are cold and every step shows, about
0.2 ms of an idle poll's 0.65. Only what qBittorrent and the usual reverse proxies send is read:
a status line, headers, and a body framed by Content-Length or chunked. Anything else raises
`ValueError`, and the caller asks through the library instead.
"""

from __future__ import annotations

from collections.abc import Mapping
import socket
from typing import Final

_CHUNK_BYTES: Final = 65_536
_MAX_HEAD_BYTES: Final = 65_536  # a reply's status line and headers; qBittorrent's are ~1 kB
_END_OF_HEAD: Final = b"\r\n\r\n"


class Reply:
    """A reply read off the socket: status, headers (lower-case names), raw body, keep-alive."""

    __slots__ = ("body", "headers", "keep_alive", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytearray) -> None:
        """Hold what was read; `keep_alive` tells whether the socket may be reused."""
        self.status = status
        self.headers = headers
        self.body = body
        self.keep_alive = "close" not in headers.get("connection", "").lower()


def get_request(target: str, host: str, headers: Mapping[str, str]) -> bytes:
    """Encode a GET of `target` (path and query) to `host`, in one buffer for one write."""
    lines = [f"GET {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if any("\r" in line or "\n" in line for line in lines):
        raise ValueError("a header holds a line break")  # never send a split header
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_reply(sock: socket.socket) -> Reply:
    """Read one reply; raise `ConnectionError` if the server closed first, else `ValueError`."""
    buffer = bytearray()
    while (end := buffer.find(_END_OF_HEAD)) < 0:
        if len(buffer) > _MAX_HEAD_BYTES:
            raise ValueError("reply head too long")
        _receive(sock, buffer)
    status_line, *header_lines = buffer[:end].decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    if not version.startswith("HTTP/1."):
        raise ValueError("not an HTTP/1.x reply")
    status = int(rest[:3])
    headers: dict[str, str] = {}
    for line in header_lines:
        name, colon, value = line.partition(":")
        if not colon:
            raise ValueError("malformed header")
        headers[name.strip().lower()] = value.strip()
    del buffer[: end + len(_END_OF_HEAD)]
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _read_chunked(sock, buffer)
    elif "content-length" in headers:
        body = _read_exactly(sock, buffer, int(headers["content-length"]))
    else:
        raise ValueError("a reply without a length")
    reply = Reply(status, headers, body)
    reply.keep_alive = reply.keep_alive and version == "HTTP/1.1"
    return reply


def _receive(sock: socket.socket, buffer: bytearray) -> None:
    chunk = sock.recv(_CHUNK_BYTES)
    if not chunk:
        raise ConnectionError("closed by the server")
    buffer += chunk


def _read_exactly(sock: socket.socket, buffer: bytearray, length: int) -> bytearray:
    while len(buffer) < length:
        _receive(sock, buffer)
    if len(buffer) != length:
        raise ValueError("more bytes than the reply's length")
    return buffer


def _read_chunked(sock: socket.socket, buffer: bytearray) -> bytearray:
    body = bytearray()
    while True:
        while (end := buffer.find(b"\r\n")) < 0:
            _receive(sock, buffer)
        size = int(bytes(buffer[:end]).split(b";", 1)[0], 16)
        del buffer[: end + 2]
        if size == 0:
            # Trailers (none expected) up to the blank line that ends the reply.
            while (end := buffer.find(b"\r\n")) != 0:
                if end < 0:
                    _receive(sock, buffer)
                else:
                    del buffer[: end + 2]
            del buffer[:2]
            if buffer:
                raise ValueError("more bytes than the reply")
            return body
        while len(buffer) < size + 2:
            _receive(sock, buffer)
        body += buffer[:size]
        del buffer[: size + 2]
