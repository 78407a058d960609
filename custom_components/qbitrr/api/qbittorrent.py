"""A thin synchronous qBittorrent client over qbittorrent-api, run from an executor.

qbittorrent-api is synchronous and version-aware (it picks `torrents/stop` or `torrents/pause`
for 5.x or 4.x and logs in again when a session expires). This wrapper owns the incremental
`sync/maindata` state and maps the library's exceptions onto a few of our own, so the Home
Assistant side only ever sees `QbitAuthError`, `QbitConnectionError` and their kin.

A server is reached with a username and password (a session cookie) or, from qBittorrent 5.2,
with an API key sent as `Authorization: Bearer` on every request (no login, no session).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import time
from typing import Any, Final

import qbittorrentapi
from qbittorrentapi.definitions import APINames

from ..model.properties import TorrentProperties
from ..model.server import ShareLimitFeatures
from ..model.url import normalize_url
from .direct_poll import DirectPoll, DirectPollRefusedError, DirectPollTimeoutError
from .library import drop_session, environment_arguments, pin_credentials, post_raw, session_headers
from .maindata import Maindata, merge_maindata, parse_maindata, with_share_limits
from .private_flags import PrivateFlags, lists_private
from .qbit_errors import (
    QbitApiKeyUnsupportedError,
    QbitAuthError,
    QbitConflictError,
    QbitConnectionError,
    QbitError,
    QbitNotQbittorrentError,
    QbitSSLError,
)
from .qbit_files import QbitFiles
from .qbit_login import API_KEY_MIN_WEBAPI, QbitLogin, ServerInfo
from .qbit_session import one_at_a_time
from .qbit_trackers import QbitTrackers

# The client and the errors it raises: what the rest of qbitrr imports from here.
__all__ = [
    "API_KEY_MIN_WEBAPI",
    "FULL_RESYNC_POLLS",
    "QbitApiKeyUnsupportedError",
    "QbitAuthError",
    "QbitConflictError",
    "QbitConnectionError",
    "QbitError",
    "QbitNotQbittorrentError",
    "QbitSSLError",
    "QbittorrentClient",
    "ServerInfo",
    "SyncResult",
    "TorrentProperties",
]

DEFAULT_TIMEOUT: Final = (5.0, 30.0)
# A full snapshot every this many polls bounds how long the model can drift if a reply was
# wrong in a way no one can see (an incremental reply that silently lacks a change): about two
# hours while torrents move, a day or less at rest. Rare enough that a 10,000-torrent full reply
# (1.4 MB, seconds of server CPU) adds little to the cheap polls between.
FULL_RESYNC_POLLS: Final = 480
# qBittorrent 4.x tells whether a torrent is private only in its properties, one request per
# torrent. A poll asks at most this many torrents (newest first), each once ever, and stops
# asking after this long: learning a large library spreads over many polls, and what a poll
# spends here counts into its measured time, so the adaptive interval accounts for it.
PRIVATE_ASKS_PER_POLL: Final = 20
PRIVATE_ASK_SECONDS: Final = 2.0


@dataclass(frozen=True, slots=True)
class SyncResult:
    """One poll: the merged model, the server's versions, and whether the reply was full."""

    maindata: Maindata
    info: ServerInfo
    full_update: bool


class QbittorrentClient(QbitFiles, QbitTrackers, QbitLogin):
    """One qBittorrent server: validation, incremental polling and the merged model.

    Every public call holds the client's lock, so one server sees one call at a time while
    servers stay independent of each other.
    """

    def __init__(
        self,
        url: str,
        username: str | None,
        password: str | None,
        *,
        api_key: str | None = None,
        verify_ssl: bool = True,
        timeout: tuple[float, float] | None = None,
    ) -> None:
        """Prepare a client; nothing is sent until the first call.

        With an `api_key` (qBittorrent 5.2+) the username and password are not used.
        """
        self.url = normalize_url(url)
        environment = environment_arguments(self.url, verify=verify_ssl)
        api = qbittorrentapi.Client(
            host=self.url,
            username=username or None,
            password=password or None,
            api_key=api_key or None,
            VERIFY_WEBUI_CERTIFICATE=verify_ssl,
            FORCE_SCHEME_FROM_HOST=True,
            # `verify` and the proxies per request, read from the environment once: the
            # session does not read it (see `ignore_environment`), and a session-wide
            # verify=False would lose to REQUESTS_CA_BUNDLE if it did.
            REQUESTS_ARGS={
                "timeout": timeout or DEFAULT_TIMEOUT,
                **environment,
            },
            SIMPLE_RESPONSES=True,
            DISABLE_LOGGING_DEBUG_OUTPUT=True,
        )
        # The library falls back to QBITTORRENTAPI_* environment variables for what is empty;
        # an entry uses exactly what it stores (no key means no key).
        pin_credentials(api, username=username, password=password, api_key=api_key)
        super().__init__(api, uses_api_key=bool(api_key))
        self._maindata: Maindata | None = None
        self._polls_since_full = 0
        self._private_flags = PrivateFlags()
        # The incremental polls' own connection (see `direct_poll`); the library does the rest.
        self._direct = DirectPoll(
            self.url,
            verify=environment["verify"],
            timeout=timeout or DEFAULT_TIMEOUT,
            proxied=bool(environment["proxies"]),
        )
        self.full_syncs = 0
        self.incremental_syncs = 0

    @property
    def maindata(self) -> Maindata | None:
        """The merged model, or None before the first poll and after an error."""
        return self._maindata

    def set_share_limits(
        self, hashes: list[str], limits: tuple[float, int, int], features: ShareLimitFeatures
    ) -> None:
        """Set per-torrent share limits, and hold them in the model at once.

        qBittorrent 5.x does not list a change of limits in its incremental replies; without
        this the model would show the old ones until the next full snapshot.
        """
        super().set_share_limits(hashes, limits, features)
        with self._lock:
            if self._maindata is not None:
                self._maindata = with_share_limits(self._maindata, hashes, limits, features)

    @one_at_a_time
    def sync(self) -> SyncResult:
        """Poll once: ask only for what changed since the last reply and merge it.

        After any error the next poll starts over with a full `rid=0` reply, since a reply
        may have been lost and the server's idea of our `rid` can no longer be trusted.
        On a server whose list lacks the private flag (4.x), a few torrents are asked for it
        (see `PRIVATE_ASKS_PER_POLL`), and every flag known is written onto the records.
        """
        try:
            info = self._info or self._read_info()
            previous = self._maindata
            if self._polls_since_full >= FULL_RESYNC_POLLS:
                previous = None
            reply = self._fetch_maindata(previous.rid if previous else 0)
            if "rid" not in reply:
                raise QbitNotQbittorrentError("unexpected sync reply")
        except QbitError:
            self._forget()
            raise
        full_update = previous is None or bool(reply.get("full_update"))
        if full_update:
            self.full_syncs += 1
            self._polls_since_full = 0
        else:
            self.incremental_syncs += 1
            self._polls_since_full += 1
        merged = merge_maindata(previous, reply)
        flags = self._private_flags
        flags.follow(merged, listed=flags.listed or lists_private(reply))
        self._ask_private_flags(merged)
        self._maindata = flags.applied(merged)
        return SyncResult(self._maindata, info, full_update)

    def _ask_private_flags(self, maindata: Maindata) -> None:
        """Ask a few torrents not asked yet whether they are private (4.x only).

        A failure here never fails the poll, whose purpose is the list: a lost connection
        stops the asking until the next poll (which tells whether the server is down), and a
        torrent whose request is refused is not asked again.
        """
        flags = self._private_flags
        if flags.listed:
            return
        deadline = time.monotonic() + PRIVATE_ASK_SECONDS
        for torrent_hash in flags.to_ask(maindata, PRIVATE_ASKS_PER_POLL):
            try:
                properties = self._properties(torrent_hash)
            except QbitConnectionError, QbitAuthError:
                return
            except QbitError:
                properties = None
            flags.learn(torrent_hash, properties.private if properties else -1)
            if time.monotonic() > deadline:
                return

    @one_at_a_time
    def torrent_properties(self, hashes: list[str]) -> dict[str, TorrentProperties]:
        """Read each torrent's properties, one request per hash; unknown hashes are left out.

        The private flags read here also spare the polls from asking for them (4.x).
        """
        found: dict[str, TorrentProperties] = {}
        for torrent_hash in hashes:
            properties = self._properties(torrent_hash)
            if properties is not None:
                found[torrent_hash] = properties
                self._private_flags.learn_if_listed(
                    self._maindata, torrent_hash.lower(), properties.private
                )
        return found

    def _properties(self, torrent_hash: str) -> TorrentProperties | None:
        """One torrent's properties, or None when the server does not know the hash."""
        try:
            with self._translated():
                reply = self._api.torrents_properties(torrent_hash=torrent_hash)
        except QbitNotQbittorrentError as err:
            if isinstance(err.__cause__, qbittorrentapi.NotFound404Error):
                return None
            raise
        return TorrentProperties.from_reply(reply if isinstance(reply, Mapping) else {})

    def _fetch_maindata(self, rid: int) -> dict[str, Any]:
        """Ask for the changes since `rid` (everything for 0) and decode them ourselves.

        An incremental poll goes over the client's own connection when it can (see
        `direct_poll`); a full one, and any the direct path cannot make, through the library,
        whose raw body (sessions renewed as usual) lets a large reply be decoded without
        freezing the event loop; see `parse_maindata`.
        """
        body = self._direct_body(rid) if rid else None
        if body is None:
            with self._translated():
                body = post_raw(self._api, APINames.Sync, "maindata", {"rid": rid})
        try:
            return parse_maindata(body)
        except (ValueError, UnicodeDecodeError) as err:
            raise QbitNotQbittorrentError("unexpected sync reply") from err

    def _direct_body(self, rid: int) -> bytearray | None:
        """Poll over the direct connection; None means: ask through the library."""
        headers = session_headers(self._api)
        if headers is None:
            return None
        try:
            return self._direct.fetch(rid, headers)
        except DirectPollTimeoutError as err:
            raise QbitConnectionError("timeout") from err
        except DirectPollRefusedError:
            # What the library does on a refused session: log in again, then ask (with a
            # key it logs in never, and reports the refusal its own way).
            if not self._uses_api_key:
                with self._translated():
                    self._api.auth_log_in()
            return None

    def _forget(self) -> None:
        """Forget the model and versions; the next poll is a full resync."""
        self._direct.close()
        self._maindata = None
        self._info = None
        self._private_flags.reset_listing()

    @one_at_a_time
    def close(self) -> None:
        """Drop the HTTP session without a logout round trip (the server may be gone)."""
        self._direct.close()
        drop_session(self._api)
