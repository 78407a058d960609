"""An HTTP reverse proxy on 127.0.0.1 that injects network and server faults, for tests.

Put it between a client and a real upstream (a qbittorrent-nox WebUI, the Arr emulator in
``devtools/arr_emulator.py``) and point the client at ``proxy.url``::

    with FaultProxy(server.url) as proxy:
        client = qbittorrentapi.Client(host=proxy.url, ...)
        proxy.inject(r"/sync/maindata$", Fault("status_403"), times=1)
        client.sync_maindata()  # 403, the library logs in again, then succeeds

By default every request is forwarded as received: method, path and raw query, every header
but the hop-by-hop ones (``Host``, cookies and ``X-Api-Key`` included; ``Content-Length`` is
recomputed by the HTTP layer from the same body), and the body. The upstream's status, reason,
headers (every ``Set-Cookie`` included; hop-by-hop ones dropped) and raw body (still
compressed, if it was) are relayed back, so a qBittorrent login session works through it.
Nothing is added but what aiohttp's server always sends (``Server`` and ``Date`` when the
upstream sent none); no ``X-Forwarded-*``. One exception: ``HEAD`` goes upstream as ``GET``
and only the reply's headers are relayed, since qBittorrent sends a body after its HEAD
replies, which breaks any HTTP parser reading them (qbittorrent-api sends ``HEAD /`` before its
first call). Each request gets a fresh upstream connection. An upstream that cannot be reached
is answered with nginx's 502 HTML page, as a real reverse proxy would.

Faults match a request's path with ``re.search`` (and optionally its method); the first
matching one wins, and ``times=N`` faults apply to the next N matching requests only. What
each fault kind does on the wire is described on :data:`FaultKind`.

``expire_sessions()`` makes qBittorrent's login sessions expire, as far as clients can tell:
from then on an API request carrying a session cookie (``SID`` on 4.x, ``QBT_SID_<port>`` on
5.x) that the proxy has not seen issued since the call is answered 403 ``Forbidden``, what
qBittorrent answers for an unknown session, without being forwarded, until the client logs in
again through the proxy and uses the new cookie. ``logins`` lists the login requests seen.

Like ``ArrEmulator`` it runs its own event loop in a background thread, so sync code and tests
running inside Home Assistant's event loop can both use it; ``stop()`` joins the thread and
leaves none behind. No Home Assistant imports: aiohttp and the standard library only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
import re
import socket
import struct
import threading
import time
from typing import Final, Literal, get_args
from urllib.parse import parse_qsl, urlencode, urlsplit
import zlib

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from .background_server import BackgroundServer

__all__ = ["FAULT_KINDS", "LOGIN_PATH", "Fault", "FaultKind", "FaultProxy", "RecordedRequest"]

type FaultKind = Literal[
    "delay",
    "reset",
    "refuse",
    "status_401",
    "status_403",
    "status_500",
    "status_502_html",
    "truncated_json",
    "malformed_json",
    "html_login_page",
    "maindata_full_update",
    "maindata_missing_keys",
    "trickle",
]
"""What a fault does on the wire.

* ``delay``: hold the request ``Fault.seconds`` (default 30), then forward it normally. A client
  that gives up first closes the connection; the held request is then dropped, never forwarded.
* ``reset``: read the request, then close the TCP connection with ``SO_LINGER`` 0, so the
  client gets an RST and no answer (``ConnectionResetError`` / "Connection reset by peer").
* ``refuse``: close the connection at once with an orderly FIN, no status line, the body left
  unread (``http.client.RemoteDisconnected`` / "Remote end closed connection without
  response"). It is what a server that dies or drops idle connections looks like; a port that
  is not listening at all (``ECONNREFUSED``) is what ``stop()`` gives, or ``set_upstream`` to a
  closed port (then the proxy answers 502).
* ``status_401``: 401 ``Unauthorized`` (text/plain), as qBittorrent answers a CSRF/host-header
  refusal or a bad login on 5.x. Not forwarded.
* ``status_403``: 403 ``Forbidden`` (text/plain), qBittorrent's "not logged in / session
  expired" answer. Not forwarded.
* ``status_500``: 500 ``Internal Server Error`` (text/plain). Not forwarded.
* ``status_502_html``: 502 with nginx's HTML "Bad Gateway" page. Not forwarded.
* ``truncated_json``: forward, then relay only the first half of the (uncompressed) upstream
  body, with a ``Content-Length`` that matches the half: the reply is complete on the wire but
  its JSON is cut.
* ``malformed_json``: 200 ``application/json`` with the body ``{"rid": ``. Not forwarded.
* ``html_login_page``: 200 ``text/html`` with a sign-in form, as a misconfigured reverse proxy or
  an SSO portal in front of the app answers. Not forwarded.
* ``maindata_full_update``: forward with ``rid`` set to 0 (in the query and in a form body,
  wherever the client put it), so the upstream answers a genuine full snapshot; make sure its
  JSON says ``"full_update": true``.
* ``maindata_missing_keys``: forward, then drop the ``torrents`` and ``server_state`` keys from
  the JSON object.
* ``trickle``: forward, send the status line and headers at once, then the body
  ``Fault.chunk_size`` bytes at a time with ``Fault.interval`` seconds between chunks.
  ``requests`` (and so qbittorrent-api) times reads per ``recv``, so a trickle with pauses
  shorter than its read timeout only makes the call slow; pauses longer than it make the
  body read fail. aiohttp's ``ClientTimeout(total=...)`` counts the whole reply.

Faults that need the upstream's body as text (``truncated_json``, ``maindata_*``) ask it for
an uncompressed reply (``Accept-Encoding: identity``). When the upstream cannot be reached or
(``maindata_*``) does not answer a JSON object, its reply is relayed unchanged and the record's
``error`` says why.
"""

FAULT_KINDS: Final[frozenset[str]] = frozenset(get_args(FaultKind.__value__))
LOGIN_PATH: Final = "/api/v2/auth/login"
"""qBittorrent's login endpoint: what ``FaultProxy.logins`` filters ``requests`` by."""

# qBittorrent's session cookie: SID on 4.x, QBT_SID_<WebUI port> on 5.x.
_SESSION_COOKIE: Final = re.compile(r"SID|QBT_SID_\d+")
_EXPIRED_ERROR: Final = "session expired (expire_sessions): answered 403, not forwarded"

# RFC 9110 section 7.6.1 plus the old Keep-Alive/Proxy-Connection; Host is end-to-end and kept.
_HOP_BY_HOP: Final = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
_QBT_TEXT: Final = "text/plain; charset=UTF-8"
_NGINX_502: Final = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_LOGIN_PAGE: Final = (
    "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>Sign in</title></head>"
    "<body><h1>Sign in to continue</h1><form method='post' action='/login'>"
    "<input name='username' autocomplete='username'>"
    "<input type='password' name='password' autocomplete='current-password'>"
    "<button type='submit'>Sign in</button></form></body></html>\n"
)
_MALFORMED_JSON: Final = b'{"rid": '
_DROPPED_MAINDATA_KEYS: Final = ("torrents", "server_state")
# Faults answered by the proxy itself: (status, reason, content type, body, extra headers).
_CANNED: Final[dict[str, tuple[int, str, str, str, tuple[tuple[str, str], ...]]]] = {
    "status_401": (401, "Unauthorized", _QBT_TEXT, "Unauthorized", ()),
    "status_403": (403, "Forbidden", _QBT_TEXT, "Forbidden", ()),
    "status_500": (500, "Internal Server Error", _QBT_TEXT, "Internal Server Error", ()),
    "status_502_html": (502, "Bad Gateway", "text/html", _NGINX_502, (("Server", "nginx"),)),
    "malformed_json": (200, "OK", "application/json", _MALFORMED_JSON.decode(), ()),
    "html_login_page": (200, "OK", "text/html; charset=utf-8", _LOGIN_PAGE, ()),
}
_NEEDS_PLAIN_BODY: Final = frozenset(
    {"truncated_json", "maindata_full_update", "maindata_missing_keys"}
)


@dataclass(frozen=True)
class Fault:
    """One fault kind with its parameters.

    ``seconds``: how long ``delay`` holds a request. ``chunk_size`` and ``interval``: how many
    body bytes ``trickle`` sends at a time and how long it pauses between them. Other kinds
    ignore them.
    """

    kind: FaultKind
    seconds: float = 30.0
    chunk_size: int = 8
    interval: float = 0.5

    def __post_init__(self) -> None:
        """Refuse unknown kinds and impossible parameters."""
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {sorted(FAULT_KINDS)}, not {self.kind!r}")
        if self.seconds < 0 or self.interval < 0:
            raise ValueError("seconds and interval must not be negative")
        if self.chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Hold matching requests ``seconds``, then forward them."""
        return cls("delay", seconds=seconds)

    @classmethod
    def trickle(cls, chunk_size: int = 8, interval: float = 0.5) -> Fault:
        """Relay matching replies ``chunk_size`` bytes at a time, ``interval`` s apart."""
        return cls("trickle", chunk_size=chunk_size, interval=interval)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the proxy saw it and what it did with it.

    ``status`` is what the client was sent (``None``: no status line at all, as after
    ``reset``/``refuse``, or while the request is still being held). ``upstream_status`` is
    what the upstream answered (``None``: not forwarded, or unreachable). ``error`` explains
    anything unusual: the upstream unreachable, the client gone, a fault that could not apply.
    ``session_expired``: answered 403 by the proxy because its session cookie was expired by
    ``FaultProxy.expire_sessions()`` (never forwarded). ``upstream_seconds``: how long the
    upstream took to answer, from forwarding to its body read (0 when not forwarded).
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: tuple[tuple[str, str], ...]
    body: bytes
    status: int | None
    fault: FaultKind | None
    upstream_status: int | None = None
    error: str | None = None
    done: bool = True
    duration: float = 0.0
    session_expired: bool = False
    upstream_seconds: float = 0.0

    def header(self, name: str) -> str | None:
        """Return the first request header called ``name`` (case-insensitive), if any."""
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    @property
    def form(self) -> dict[str, list[str]]:
        """The body parsed as ``application/x-www-form-urlencoded`` (empty if it is not)."""
        content_type = (self.header("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return {}
        return _multi(parse_qsl(self.body.decode("latin-1"), keep_blank_values=True))


@dataclass
class _Entry:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: tuple[tuple[str, str], ...]
    started: float
    body: bytes = b""
    status: int | None = None
    fault: FaultKind | None = None
    upstream_status: int | None = None
    error: str | None = None
    finished: float | None = None
    session_expired: bool = False
    upstream_seconds: float = 0.0

    def snapshot(self) -> RecordedRequest:
        end = self.finished if self.finished is not None else time.monotonic()
        return RecordedRequest(
            method=self.method,
            path=self.path,
            query={key: list(values) for key, values in self.query.items()},
            headers=self.headers,
            body=self.body,
            status=self.status,
            fault=self.fault,
            upstream_status=self.upstream_status,
            error=self.error,
            done=self.finished is not None,
            duration=end - self.started,
            session_expired=self.session_expired,
            upstream_seconds=self.upstream_seconds,
        )


@dataclass
class _Injected:
    pattern: re.Pattern[str]
    fault: Fault
    remaining: int | None
    method: str | None


@dataclass
class _Upstream:
    status: int
    reason: str
    headers: CIMultiDict[str]
    body: bytes
    error: str | None = None
    forwarded: bool = True


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for key, value in pairs:
        result.setdefault(key, []).append(value)
    return result


def _hop_by_hop(headers: CIMultiDict[str]) -> set[str]:
    # Headers named in Connection are hop-by-hop too.
    named = {
        token.strip().lower()
        for value in headers.getall("Connection", [])
        for token in value.split(",")
        if token.strip()
    }
    return set(_HOP_BY_HOP) | named


def _end_to_end(headers: CIMultiDict[str], *, also_drop: set[str]) -> CIMultiDict[str]:
    dropped = _hop_by_hop(headers) | also_drop
    return CIMultiDict((key, value) for key, value in headers.items() if key.lower() not in dropped)


def _decode_body(headers: CIMultiDict[str], body: bytes) -> tuple[bytes, bool]:
    """Undo gzip/deflate if the upstream compressed anyway; returns (body, was_decoded)."""
    encoding = headers.get("Content-Encoding", "").strip().lower()
    if encoding in {"", "identity"}:
        return body, False
    if encoding in {"gzip", "x-gzip"}:
        return zlib.decompress(body, 16 + zlib.MAX_WBITS), True
    if encoding == "deflate":
        try:
            return zlib.decompress(body), True
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS), True
    raise ValueError(f"cannot decode Content-Encoding {encoding!r}")


def _cookie_pairs(values: list[str]) -> list[tuple[str, str]]:
    """Split ``Cookie`` header values into their ``(name, value)`` pairs, in order."""
    pairs: list[tuple[str, str]] = []
    for value in values:
        for part in value.split(";"):
            name, _, cookie = part.strip().partition("=")
            if name:
                pairs.append((name, cookie))
    return pairs


def _issued_session(set_cookie: str) -> tuple[str, str] | None:
    """Return the session cookie a ``Set-Cookie`` value issues (None: other or a deletion)."""
    name, _, rest = set_cookie.partition("=")
    value = rest.split(";", 1)[0].strip()
    if _SESSION_COOKIE.fullmatch(name.strip()) and value:
        return name.strip(), value
    return None


def _drop_cookies(headers: CIMultiDict[str], dropped: set[tuple[str, str]]) -> None:
    """Remove the ``dropped`` cookies from the ``Cookie`` header, the header if none is left."""
    kept = [
        f"{name}={value}"
        for name, value in _cookie_pairs(headers.popall("Cookie", []))
        if (name, value) not in dropped
    ]
    if kept:
        headers["Cookie"] = "; ".join(kept)


def _make_plain(upstream: _Upstream) -> None:
    """Decode a compressed upstream body in place (on failure: mark it not forwarded)."""
    try:
        upstream.body, decoded = _decode_body(upstream.headers, upstream.body)
    except (ValueError, zlib.error) as err:
        upstream.error = f"cannot decode upstream body: {err!r}"
        upstream.forwarded = False
    else:
        if decoded:
            del upstream.headers["Content-Encoding"]


def _with_rid_zero(raw: str) -> tuple[str, bool]:
    pairs = parse_qsl(raw, keep_blank_values=True)
    if not any(key == "rid" for key, _ in pairs):
        return raw, False
    return urlencode([(key, "0" if key == "rid" else value) for key, value in pairs]), True


class FaultProxy(BackgroundServer):
    """HTTP reverse proxy on ``127.0.0.1:<port>`` in front of ``upstream_url``, with faults.

    Faults, the upstream, session expiry and the recorded requests may be changed and read
    from any thread while it runs. After ``stop()`` it may start again on the same port,
    faults, expiry and records kept.
    """

    def __init__(
        self,
        upstream_url: str,
        *,
        port: int = 0,
        upstream_timeout: float = 30.0,
        shutdown_timeout: float = 1.0,
    ) -> None:
        """Describe a proxy; nothing listens until ``start()``.

        ``upstream_timeout``: how long to wait for the upstream (connect, then each read)
        before answering 502. ``shutdown_timeout``: how long ``stop()`` lets requests still
        being forwarded finish before cancelling them (held and trickling ones end at once).
        """
        # handler_cancellation: a client that hangs up cancels its request here too, so a held
        # (delay) request is never forwarded late and a trickle stops writing.
        super().__init__(
            port=port,
            thread_name="fault-proxy",
            shutdown_timeout=shutdown_timeout,
            handler_cancellation=True,
        )
        self._upstream = self._check_url(upstream_url)
        self._upstream_timeout = upstream_timeout
        self._lock = threading.Lock()
        self._faults: list[_Injected] = []
        self._entries: list[_Entry] = []
        self._session: aiohttp.ClientSession | None = None
        # Session expiry: once expire_sessions() was called, only the session cookies issued
        # through the proxy since its last call pass.
        self._expiring = False
        self._fresh_sessions: set[tuple[str, str]] = set()

    def __repr__(self) -> str:
        """Show both ends."""
        where = self.url if self._port is not None else "not started"
        return f"<FaultProxy {where} -> {self.upstream_url}>"

    @property
    def upstream_url(self) -> str:
        """Where requests are forwarded."""
        with self._lock:
            return str(self._upstream)

    def set_upstream(self, url: str) -> None:
        """Forward later requests to ``url`` (requests in flight keep the old one)."""
        checked = self._check_url(url)
        with self._lock:
            self._upstream = checked

    @staticmethod
    def _check_url(url: str) -> URL:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"upstream must be an http(s) URL, not {url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"upstream must not have a query or fragment: {url!r}")
        return URL(url.rstrip("/"))

    # --- faults and records ----------------------------------------------------------------

    def inject(
        self,
        path_pattern: str,
        fault: Fault | FaultKind,
        *,
        times: int | None = None,
        method: str | None = None,
    ) -> None:
        """Apply ``fault`` to requests whose path matches ``path_pattern`` (``re.search``).

        ``times``: the next N matching requests only, then forwarding resumes (``None``: until
        ``clear()``). ``method``: only requests with this HTTP method. Earlier faults win when
        several match. A bare kind uses the default parameters.
        """
        chosen = fault if isinstance(fault, Fault) else Fault(fault)
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None)")
        injected = _Injected(
            re.compile(path_pattern), chosen, times, method.upper() if method else None
        )
        with self._lock:
            self._faults.append(injected)

    def clear(self) -> None:
        """Remove every fault: forward everything again."""
        with self._lock:
            self._faults.clear()

    def expire_sessions(self) -> None:
        """Expire every qBittorrent login session issued so far, as qBittorrent would.

        From now on a request under ``/api/`` carrying a session cookie (``SID``, 5.x:
        ``QBT_SID_<port>``) that the proxy has not relayed in a login reply since this call
        is answered ``403 Forbidden`` (text/plain, ``Forbidden``: what qBittorrent answers
        for an unknown session) without being forwarded; its record says
        ``session_expired``. A login (``POST /api/v2/auth/login``) passes and is forwarded
        without the expired cookie, so qBittorrent starts a new session and sets a new
        cookie (it sets none for a request whose session it still knows); requests with
        that cookie pass. Other paths (the WebUI's pages) are forwarded without the expired
        cookie too, so they get what a signed-out browser gets. Requests without a session
        cookie are forwarded as before. Sessions issued upstream without going through the
        proxy count as expired. The check is made when the request would be forwarded
        (after a ``delay``); faults that answer instead of forwarding still win. Calling it
        again expires the sessions issued since.
        """
        with self._lock:
            self._expiring = True
            self._fresh_sessions.clear()

    @property
    def logins(self) -> list[RecordedRequest]:
        """The login requests received so far (``POST`` to :data:`LOGIN_PATH`), oldest first.

        The same records as in ``requests`` (``clear_requests()`` forgets them too), faulted
        ones included: ``len(proxy.logins)`` counts the logins clients attempted, and those
        with an ``upstream_status`` are the ones qBittorrent saw.
        """
        return [r for r in self.requests if r.method == "POST" and r.path == LOGIN_PATH]

    def _expired_sessions(self, request: web.Request) -> set[tuple[str, str]]:
        """Return the request's session cookies that ``expire_sessions()`` expired."""
        with self._lock:
            if not self._expiring:
                return set()
            return {
                (name, value)
                for name, value in _cookie_pairs(request.headers.getall("Cookie", []))
                if _SESSION_COOKIE.fullmatch(name) and (name, value) not in self._fresh_sessions
            }

    def _note_sessions(self, upstream: _Upstream) -> None:
        issued = {
            pair
            for value in upstream.headers.getall("Set-Cookie", [])
            if (pair := _issued_session(value)) is not None
        }
        if issued:
            with self._lock:
                self._fresh_sessions |= issued

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (held ones too, with ``done`` False)."""
        with self._lock:
            return [entry.snapshot() for entry in self._entries]

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._entries.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for injected in self._faults:
                if injected.method not in {None, method} or not injected.pattern.search(path):
                    continue
                if injected.remaining is not None:
                    injected.remaining -= 1
                    if injected.remaining <= 0:
                        self._faults.remove(injected)
                return injected.fault
        return None

    def _update(self, entry: _Entry, **changes: object) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(entry, name, value)

    # --- serving -------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=256 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def _before_serving(self) -> None:
        self._session = aiohttp.ClientSession(
            # A fresh upstream connection per request: qBittorrent sends a body after its HEAD
            # replies, which would poison a kept-alive connection. The threaded resolver starts
            # no helper thread (aiodns/pycares would) and is not even used for IP addresses.
            connector=aiohttp.TCPConnector(force_close=True, resolver=aiohttp.ThreadedResolver()),
            cookie_jar=aiohttp.DummyCookieJar(),  # cookies belong to the client, not to us
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(
                total=None,
                sock_connect=self._upstream_timeout,
                sock_read=self._upstream_timeout,
            ),
            # Send only the headers the client sent.
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
        )

    async def _after_serving(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.method.upper()
        entry = _Entry(
            method=method,
            path=request.path,
            query=_multi(list(request.query.items())),
            headers=tuple(request.headers.items()),
            started=time.monotonic(),
        )
        fault = self._take_fault(method, request.path)
        entry.fault = fault.kind if fault else None
        with self._lock:
            self._entries.append(entry)
        try:
            return await self._answer(request, entry, fault)
        except asyncio.CancelledError:
            self._update(entry, error=entry.error or "client hung up or proxy stopped")
            raise
        finally:
            self._update(entry, finished=time.monotonic())

    async def _answer(
        self, request: web.Request, entry: _Entry, fault: Fault | None
    ) -> web.StreamResponse:
        kind = fault.kind if fault else None
        if kind == "refuse":
            return await self._drop(request, entry, rst=False)
        body = await request.read()
        self._update(entry, body=body)
        if kind == "reset":
            return await self._drop(request, entry, rst=True)
        if kind in _CANNED:
            status, reason, content_type, text, extra = _CANNED[kind]
            headers = CIMultiDict([("Content-Type", content_type), *extra])
            self._update(entry, status=status)
            return web.Response(status=status, reason=reason, body=text.encode(), headers=headers)
        if fault is not None and kind == "delay" and await self._stopped_within(fault.seconds):
            return await self._drop(request, entry, rst=False)  # stopping: no answer

        expired = self._expired_sessions(request)
        if expired and request.path.startswith("/api/") and request.path != LOGIN_PATH:
            # qBittorrent's answer for an unknown session; trickle still trickles it.
            self._update(entry, session_expired=True)
            upstream = _Upstream(
                403,
                "Forbidden",
                CIMultiDict([("Content-Type", _QBT_TEXT)]),
                b"Forbidden",
                error=_EXPIRED_ERROR,
                forwarded=False,
            )
        else:
            upstream = await self._forward(request, entry, body, kind, drop_cookies=expired)
            self._note_sessions(upstream)
        if kind == "truncated_json" and upstream.forwarded:
            upstream.body = upstream.body[: len(upstream.body) // 2]
        elif kind in {"maindata_full_update", "maindata_missing_keys"} and upstream.forwarded:
            self._edit_json(upstream, entry, kind)
        if upstream.error is not None:
            self._update(entry, error=upstream.error)
        headers = _end_to_end(upstream.headers, also_drop={"content-length"})
        if fault is not None and kind == "trickle":
            return await self._trickle(request, entry, upstream, headers, fault)
        self._update(entry, status=upstream.status)
        return web.Response(
            status=upstream.status, reason=upstream.reason, body=upstream.body, headers=headers
        )

    def _client_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("not serving")
        return self._session

    async def _forward(
        self,
        request: web.Request,
        entry: _Entry,
        body: bytes,
        kind: FaultKind | None,
        *,
        drop_cookies: set[tuple[str, str]],
    ) -> _Upstream:
        session = self._client_session()
        with self._lock:
            base = self._upstream
        headers = _end_to_end(CIMultiDict(request.headers), also_drop={"content-length"})
        if drop_cookies:
            _drop_cookies(headers, drop_cookies)
        raw_query = request.rel_url.raw_query_string
        if kind in _NEEDS_PLAIN_BODY:
            headers["Accept-Encoding"] = "identity"
        if kind == "maindata_full_update":
            raw_query, _ = _with_rid_zero(raw_query)
            if request.content_type == "application/x-www-form-urlencoded":
                text, changed = _with_rid_zero(body.decode("latin-1"))
                if changed:
                    body = text.encode("latin-1")
        # The raw path and query as the client sent them, never re-quoted.
        target = str(base) + request.rel_url.raw_path + (f"?{raw_query}" if raw_query else "")
        url = URL(target, encoded=True)
        has_body = bool(body) or "Content-Length" in request.headers
        started = time.monotonic()
        try:
            async with session.request(
                # qBittorrent sends a body after its HEAD replies, which no client's parser
                # accepts: ask with GET and answer the HEAD with the headers only.
                "GET" if request.method == "HEAD" else request.method,
                url,
                headers=headers,
                data=body if has_body else None,
                allow_redirects=False,
            ) as response:
                payload = await response.read()
                raw_headers = CIMultiDict(
                    (key.decode("latin-1"), value.decode("latin-1"))
                    for key, value in response.raw_headers
                )
                self._update(
                    entry,
                    upstream_status=response.status,
                    upstream_seconds=time.monotonic() - started,
                )
                result = _Upstream(response.status, response.reason or "", raw_headers, payload)
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            return _Upstream(
                502,
                "Bad Gateway",
                CIMultiDict([("Content-Type", "text/html"), ("Server", "nginx")]),
                _NGINX_502.encode(),
                error=f"upstream unreachable: {err!r}",
                forwarded=False,
            )
        if kind in _NEEDS_PLAIN_BODY:
            _make_plain(result)
        return result

    def _edit_json(self, upstream: _Upstream, entry: _Entry, kind: FaultKind) -> None:
        try:
            document = json.loads(upstream.body)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            upstream.error = f"{kind}: upstream body is not a JSON object; relayed unchanged"
            return
        if kind == "maindata_full_update":
            document["full_update"] = True
        else:
            for key in _DROPPED_MAINDATA_KEYS:
                document.pop(key, None)
        upstream.body = json.dumps(document, separators=(",", ":")).encode()

    async def _trickle(
        self,
        request: web.Request,
        entry: _Entry,
        upstream: _Upstream,
        headers: CIMultiDict[str],
        fault: Fault,
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            status=upstream.status, reason=upstream.reason, headers=headers
        )
        response.content_length = len(upstream.body)
        await response.prepare(request)
        self._update(entry, status=upstream.status)
        body = upstream.body
        for offset in range(0, len(body), fault.chunk_size):
            if offset and await self._stopped_within(fault.interval):
                self._update(entry, error="proxy stopped mid-body")
                break
            try:
                await response.write(body[offset : offset + fault.chunk_size])
            except ConnectionError:
                self._update(entry, error="client hung up mid-body")
                return response
        else:
            await response.write_eof()
            return response
        # Stopped mid-body: cut the connection rather than end a short reply cleanly.
        if request.transport is not None:
            request.transport.abort()
        return response

    async def _drop(self, request: web.Request, entry: _Entry, *, rst: bool) -> web.Response:
        """Close the connection without any answer: RST (``rst``) or an orderly FIN."""
        transport = request.transport
        if transport is not None:
            if rst:
                sock = transport.get_extra_info("socket")
                if sock is not None:
                    # Linger on, timeout 0: close() discards the connection with an RST.
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                transport.abort()
            else:
                transport.close()
        self._update(entry, error="connection reset (RST)" if rst else "connection closed (FIN)")
        # The connection is gone: aiohttp cancels this handler (handler_cancellation) as soon
        # as it notices. Should it not, the reply below is discarded on the closed transport.
        await asyncio.sleep(1.0)
        return web.Response(status=499)
