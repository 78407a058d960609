"""Small non-qBittorrent web servers for error-path tests, each in its own thread.

They run outside Home Assistant's event loop on purpose: a TLS handshake that the client
aborts is an error on the server's side, and it must not land in the loop the test checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import ssl
import threading
import time

HTML_PAGE = b"<!doctype html><html><body><h1>Router login</h1></body></html>"


@dataclass(frozen=True)
class Reply:
    """One canned answer."""

    status: int = 200
    body: bytes = HTML_PAGE
    content_type: str = "text/html"
    delay: float = 0.0


class _Handler(BaseHTTPRequestHandler):
    routes: Mapping[str, Reply] = {}
    default = Reply()

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        reply = self.routes.get(self.path.split("?", 1)[0], self.default)
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = _answer  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Stay quiet: the tests read their own logs."""


class _SilentServer(ThreadingHTTPServer):
    # Join request threads on close: Home Assistant's test harness fails tests that leave any.
    daemon_threads = False
    block_on_close = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore clients that abort (a refused certificate is the point of some tests)."""


@contextmanager
def serve(
    default: Reply | None = None,
    *,
    routes: Mapping[str, Reply] | None = None,
    tls: ssl.SSLContext | None = None,
) -> Iterator[int]:
    """Answer `routes[path]` or `default` on 127.0.0.1:<port>; yield the port."""
    handler = type(
        "Handler", (_Handler,), {"routes": dict(routes or {}), "default": default or Reply()}
    )
    server = _SilentServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
    thread = threading.Thread(target=server.serve_forever, name="test-web-server", daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
