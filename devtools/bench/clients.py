"""The two clients measured, and the meter that counts their ``sync/maindata`` replies' bytes.

Ours is the integration's own poll, as its coordinator makes it: ``QbittorrentClient.sync()``
(incremental ``sync/maindata`` merged into the held model), then ``build_snapshot`` (the figures
entities read). The baseline is the core ``qbittorrent`` integration's: qbittorrent-api with its
default (wrapped) responses, a full reply on every poll.

This is the only module that imports the integration's client, so a change of its interface
shows up here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import json
from typing import TYPE_CHECKING, Any, Protocol
from unittest import mock

import qbittorrentapi

from custom_components.qbitrr.api import qbittorrent as qbit_module
from custom_components.qbitrr.api.direct_poll import DirectPoll
from custom_components.qbitrr.api.qbittorrent import QbittorrentClient
from custom_components.qbitrr.snapshot import QbitSnapshot, build_snapshot, next_interval

from .common import BenchError

if TYPE_CHECKING:
    import requests

    from devtools.qbittorrent_server import QbittorrentServer


class Endpoint(Protocol):
    """Where a client logs in: a server, or a proxy in front of one (its login passes through)."""

    @property
    def url(self) -> str:
        """The WebUI's address."""
        ...

    @property
    def username(self) -> str:
        """The WebUI user."""
        ...

    @property
    def password(self) -> str:
        """Its password."""
        ...


class WireMeter:
    """A requests response hook counting ``sync/maindata`` replies' bytes."""

    def __init__(self) -> None:
        """Start with nothing counted."""
        self.wire = 0
        self.body = 0
        self.replies = 0
        self.encodings: set[str] = set()
        self.keep_body = False
        self.last_body: bytes | None = None

    def reset(self) -> None:
        """Forget the counts (before a poll)."""
        self.wire = self.body = self.replies = 0
        self.last_body = None

    def hook(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        """Count one reply.

        Called by requests before the body is read; reading it is the same work requests does
        right afterwards.
        """
        del args, kwargs
        if not response.url.endswith("/sync/maindata"):
            return
        content = response.content
        header = response.headers.get("Content-Length", "")
        wire = int(header) if header.isdigit() else int(response.raw.tell())
        self.count(wire, content, response.headers.get("Content-Encoding", "identity"))

    def count(self, wire: int, content: bytes | bytearray, encoding: str) -> None:
        """Count one reply: its bytes on the wire, its decoded body, its encoding."""
        self.wire += wire
        self.body += len(content)
        self.replies += 1
        self.encodings.add(encoding)
        if self.keep_body:
            self.last_body = bytes(content)

    def reply_torrents(self) -> int:
        """Torrents (changed or removed) in the last kept reply."""
        if self.last_body is None:
            return -1
        reply = json.loads(self.last_body)
        self.last_body = None
        return len(reply.get("torrents", {})) + len(reply.get("torrents_removed", []))


class Ours:
    """The integration's client polling one server, and the snapshot its last poll built."""

    def __init__(self, server: Endpoint, meter: WireMeter | None) -> None:
        """Log in and read the versions, as after config entry setup."""
        self._server = server
        self._meter = meter
        self._library: list[qbittorrentapi.Client] = []
        self._earlier_fulls = 0  # full syncs of the clients reset() replaced
        self.client = self._connect()
        self.snapshot: QbitSnapshot | None = None

    def _connect(self) -> QbittorrentClient:
        with _library_clients(self._meter) as made:
            client = QbittorrentClient(
                self._server.url, self._server.username, self._server.password
            )
        if not made:
            raise BenchError("the integration's client made no qbittorrent-api client to watch")
        client.validate()
        self._library += made
        return client

    @property
    def full_syncs(self) -> int:
        """Full (rid=0) replies so far, the client's periodic resyncs included."""
        return self._earlier_fulls + self.client.full_syncs

    def poll(self) -> QbitSnapshot:
        """One poll: sync, then the snapshot (from the previous one when the reply was partial)."""
        result = self.client.sync()
        self.snapshot = build_snapshot(
            result.maindata,
            app_version=result.info.app_version,
            webapi_version=result.info.webapi_version,
            full_update=result.full_update,
            previous=None if result.full_update else self.snapshot,
        )
        return self.snapshot

    def interval_after(self, wall: float) -> float:
        """Seconds the integration waits after the last poll, which took ``wall`` seconds.

        Its ``next_interval`` adapts to activity and to the poll's duration.
        """
        if self.snapshot is None:
            raise BenchError("no poll yet")
        return next_interval(self.snapshot, wall).total_seconds()

    def reset(self) -> None:
        """Start over as after an error: the next poll is a full one, merged from scratch.

        The client keeps no public way to forget its model, so a new one (logged in) replaces
        it; the old session is logged out.
        """
        self._earlier_fulls = self.full_syncs
        self.close()
        self.client = self._connect()
        self.snapshot = None

    def close(self) -> None:
        """Log out (the server drops the session's sync state) and drop the HTTP session."""
        for api in self._library:
            log_out(api)
        self._library.clear()
        self.client.close()


@contextlib.contextmanager
def _library_clients(meter: WireMeter | None) -> Iterator[list[qbittorrentapi.Client]]:
    """Collect the qbittorrent-api clients made meanwhile, the meter's hook on their requests.

    The integration builds its library client inside its own and hands it out no more; the
    benchmark needs it to count the replies' bytes (a requests hook, which qbittorrent-api
    takes only when the client is made) and to log out. The incremental polls' own connection
    (`DirectPoll`, made with the client) is metered where it decodes a reply. The integration's
    client is otherwise untouched. Not thread-safe: the benchmark makes its clients one at a time.
    """
    made: list[qbittorrentapi.Client] = []

    class Recorded(qbittorrentapi.Client):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if meter is not None:
                requests_args = {**(kwargs.get("REQUESTS_ARGS") or {})}
                requests_args["hooks"] = {"response": [meter.hook]}
                kwargs["REQUESTS_ARGS"] = requests_args
            super().__init__(*args, **kwargs)
            made.append(self)

    class Metered(DirectPoll):
        def _decoded(self, raw: bytearray, encoding: str) -> bytearray:
            body = super()._decoded(raw, encoding)
            if meter is not None:
                meter.count(len(raw), body, encoding)
            return body

    with (
        mock.patch.object(qbittorrentapi, "Client", Recorded),
        mock.patch.object(qbit_module, "DirectPoll", Metered),
    ):
        yield made


def make_baseline(server: QbittorrentServer, meter: WireMeter | None) -> qbittorrentapi.Client:
    """The core integration's client: qbittorrent-api with default (wrapped) responses."""
    requests_args: dict[str, Any] = {"timeout": (5, 300)}
    if meter is not None:
        requests_args["hooks"] = {"response": [meter.hook]}
    api = qbittorrentapi.Client(
        host=server.url,
        username=server.username,
        password=server.password,
        REQUESTS_ARGS=requests_args,
        DISABLE_LOGGING_DEBUG_OUTPUT=True,
    )
    api.auth_log_in()
    return api


def log_out(api: qbittorrentapi.Client) -> None:
    """Log out so the server drops the session's sync state (big at 10k torrents)."""
    with contextlib.suppress(Exception):
        api.auth_log_out()
