"""A reverse proxy on 127.0.0.1 that serves each upstream under its own path, for tests.

Like nginx's `location /a/ { proxy_pass http://upstream/; }`: two servers behind one host and
port differ only in their path. The upstream sees its own paths (the prefix is cut); cookies and
headers pass both ways. No Home Assistant imports.
"""

from __future__ import annotations

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from .background_server import BackgroundServer

_HOP_BY_HOP = frozenset({"connection", "content-length", "keep-alive", "transfer-encoding"})


class PathProxy(BackgroundServer):
    """A reverse proxy serving each upstream under its own path, as nginx's `location /a/`.

    The upstream sees its own paths (the prefix is cut); cookies and headers pass both ways.
    """

    def __init__(self) -> None:
        """Serve nothing until `routes` maps a path prefix to an upstream root URL."""
        super().__init__(port=0, thread_name="path-proxy", shutdown_timeout=1.0)
        self.routes: dict[str, str] = {}  # path prefix -> upstream root URL
        self._session: aiohttp.ClientSession | None = None

    def _make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        return app

    async def _before_serving(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True, resolver=aiohttp.ThreadedResolver()),
            cookie_jar=aiohttp.DummyCookieJar(),  # cookies belong to the client
            auto_decompress=False,
        )

    async def _after_serving(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        path = request.rel_url.raw_path
        prefix = next((p for p in self.routes if path == p or path.startswith(f"{p}/")), None)
        if prefix is None or self._session is None:
            return web.Response(status=404)
        query = request.rel_url.raw_query_string
        target = URL(
            self.routes[prefix] + path.removeprefix(prefix) + (f"?{query}" if query else ""),
            encoded=True,
        )
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in {"host", *_HOP_BY_HOP}
        }
        # qBittorrent sends a body after a HEAD reply; ask with GET, aiohttp answers HEAD bare.
        method = "GET" if request.method == "HEAD" else request.method
        async with self._session.request(
            method, target, headers=headers, data=await request.read(), allow_redirects=False
        ) as reply:
            body = await reply.read()
            relayed = CIMultiDict(
                (k, v) for k, v in reply.headers.items() if k.lower() not in _HOP_BY_HOP
            )
            return web.Response(status=reply.status, body=body, headers=relayed)
