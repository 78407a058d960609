"""The direct poll's HTTP/1.1 framing: what it reads, and everything it refuses."""

from __future__ import annotations

from collections.abc import Iterator
import socket
import threading

import pytest

from custom_components.qbitrr.api.http_wire import get_request, read_reply


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected pair: the test writes the server's side, `read_reply` reads the other."""
    ours, theirs = socket.socketpair()
    ours.settimeout(2)
    try:
        yield ours, theirs
    finally:
        ours.close()
        theirs.close()


def _send_in_pieces(sock: socket.socket, data: bytes, size: int) -> threading.Thread:
    """Write `data` a few bytes at a time, as a slow network would deliver it."""

    def write() -> None:
        for start in range(0, len(data), size):
            sock.sendall(data[start : start + size])

    thread = threading.Thread(target=write)
    thread.start()
    return thread


@pytest.mark.parametrize("piece", [1, 7, 4096])
def test_a_reply_framed_by_its_length(
    pair: tuple[socket.socket, socket.socket], piece: int
) -> None:
    ours, theirs = pair
    body = b'{"rid": 12}'
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    _send_in_pieces(theirs, head.encode() + b"\r\n\r\n" + body, piece).join()
    reply = read_reply(ours)
    assert (reply.status, bytes(reply.body), reply.keep_alive) == (200, body, True)
    assert reply.headers["content-type"] == "application/json"


@pytest.mark.parametrize("piece", [1, 5, 4096])
def test_a_chunked_reply_with_a_trailer(
    pair: tuple[socket.socket, socket.socket], piece: int
) -> None:
    ours, theirs = pair
    wire = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n"
        b"7\r\n, world\r\n"
        b"0\r\nX-Trailer: 1\r\n\r\n"
    )
    _send_in_pieces(theirs, wire, piece).join()
    assert bytes(read_reply(ours).body) == b"hello, world"


@pytest.mark.parametrize(
    ("head", "keep_alive"),
    [
        ("HTTP/1.1 403 Forbidden\r\nConnection: close", False),
        ("HTTP/1.0 200 OK", False),
        ("HTTP/1.1 500 Internal Server Error", True),
    ],
)
def test_status_and_keep_alive(
    pair: tuple[socket.socket, socket.socket], head: str, keep_alive: bool
) -> None:
    ours, theirs = pair
    theirs.sendall(head.encode() + b"\r\nContent-Length: 2\r\n\r\nno")
    reply = read_reply(ours)
    assert reply.status == int(head.split()[1])
    assert reply.keep_alive is keep_alive


@pytest.mark.parametrize(
    "wire",
    [
        b"HTTP/1.1 200 OK\r\n\r\n{}",  # no length: the end of the body cannot be told
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}}",  # more than its length
        b"HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n",
        b"SPDY/3 200 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"a" * 70_000,  # a head that never ends
    ],
)
def test_malformed_replies_are_refused(
    pair: tuple[socket.socket, socket.socket], wire: bytes
) -> None:
    ours, theirs = pair
    writer = _send_in_pieces(theirs, wire, 65_536)
    with pytest.raises(ValueError):
        read_reply(ours)
    writer.join()


@pytest.mark.parametrize(
    "wire", [b"", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", b"HTTP/1.1 200"]
)
def test_a_connection_closed_early(pair: tuple[socket.socket, socket.socket], wire: bytes) -> None:
    ours, theirs = pair
    theirs.sendall(wire)
    theirs.shutdown(socket.SHUT_WR)
    with pytest.raises(ConnectionError):
        read_reply(ours)


def test_the_request_is_one_buffer_and_never_split() -> None:
    request = get_request("/api/v2/sync/maindata?rid=3", "nas:8080", {"Cookie": "SID=a"})
    assert request == (
        b"GET /api/v2/sync/maindata?rid=3 HTTP/1.1\r\nHost: nas:8080\r\nCookie: SID=a\r\n\r\n"
    )
    with pytest.raises(ValueError, match="line break"):
        get_request("/x", "nas", {"Cookie": "SID=a\r\nX-Evil: 1"})
    with pytest.raises(ValueError, match="latin-1"):
        get_request("/x", "nas", {"Cookie": "SID=\u2603"})
