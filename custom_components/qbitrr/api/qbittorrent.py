"""A thin synchronous qBittorrent client over qbittorrent-api, run from an executor.

qbittorrent-api is synchronous and version-aware (it picks `torrents/stop` or `torrents/pause`
for 5.x or 4.x and logs in again when a session expires). This wrapper owns the incremental
`sync/maindata` state and maps the library's exceptions onto a few of our own, so the Home
Assistant side only ever sees `QbitAuthError`, `QbitConnectionError` and their kin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
import functools
import re
import threading
from typing import Any, Concatenate, Final

import qbittorrentapi
from qbittorrentapi.definitions import APINames
from requests import exceptions as requests_exceptions

from ..model.url import normalize_url
from .library import drop_session, post_raw
from .maindata import Maindata, merge_maindata, parse_maindata

DEFAULT_TIMEOUT: Final = (5.0, 30.0)
# A full snapshot every this many polls bounds how long the model can drift if a reply was
# wrong in a way no one can see (an incremental reply that silently lacks a change): about two
# hours while torrents move, a day or less at rest. Rare enough that a 10,000-torrent full reply
# (1.4 MB, seconds of server CPU) adds little to the cheap polls between.
FULL_RESYNC_POLLS: Final = 480
_APP_VERSION = re.compile(r"^v?\d+\.\d+")
_WEBAPI_VERSION = re.compile(r"^\d+\.\d+")


class QbitError(Exception):
    """Base class of the errors this client raises."""


class QbitConnectionError(QbitError):
    """The server could not be reached or answered with a server error."""


class QbitSSLError(QbitConnectionError):
    """The TLS handshake failed (for example a self-signed certificate with verification on)."""


class QbitAuthError(QbitError):
    """The server refused the credentials (or banned this client after too many failures)."""


class QbitNotQbittorrentError(QbitError):
    """Something answered, but it is not a qBittorrent WebUI."""


class QbitConflictError(QbitError):
    """The server refused to create what exists already."""


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """Versions the server reports."""

    app_version: str
    webapi_version: str


@dataclass(frozen=True, slots=True)
class SyncResult:
    """One poll: the merged model, the server's versions, and whether the reply was full."""

    maindata: Maindata
    info: ServerInfo
    full_update: bool


def _one_at_a_time[**P, R](
    method: Callable[Concatenate[QbittorrentClient, P], R],
) -> Callable[Concatenate[QbittorrentClient, P], R]:
    """Serialise calls to one server: the session cookie and the sync state are shared.

    Two threads that each meet an expired session would both log in again and race on the
    cookie; the poll, services, handling and category sync all call from executor threads.
    """

    def locked(self: QbittorrentClient, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            return method(self, *args, **kwargs)

    functools.update_wrapper(locked, method)
    return locked


def _is_app_version(reply: object) -> bool:
    return isinstance(reply, str) and bool(_APP_VERSION.match(reply))


def _tracker_message(rows: object) -> str | None:
    """Join the trackers' messages; DHT, PeX and LSD rows ("** [DHT] **") are left out."""
    texts = [
        str(row["msg"])
        for row in (rows if isinstance(rows, list) else [])
        if isinstance(row, dict)
        and row.get("msg")
        and not str(row.get("url", "")).startswith("** [")
    ]
    return "; ".join(texts) or None


@contextmanager
def _translate_errors() -> Iterator[None]:
    """Map qbittorrent-api's exceptions onto ours."""
    try:
        yield
    except qbittorrentapi.LoginFailed as err:
        raise QbitAuthError("login refused") from err
    except qbittorrentapi.Unauthorized401Error as err:
        raise QbitAuthError("not authorised") from err
    except qbittorrentapi.Forbidden403Error as err:
        # A 403 from the login itself means this address is banned after failed logins. Any
        # other 403 survived the library's own re-login: a session lost to a stalling or
        # restarting server (its retries drop the cookie), not a wrong password.
        if _is_login(err):
            raise QbitAuthError("login forbidden (banned after failed logins?)") from err
        raise QbitConnectionError("session refused") from err
    except qbittorrentapi.HTTP4XXError as err:
        # A 404 or 405 on the WebAPI's own paths means this is some other web server.
        raise QbitNotQbittorrentError(type(err).__name__) from err
    except qbittorrentapi.APIConnectionError as err:
        if isinstance(err.__context__, requests_exceptions.SSLError):
            raise QbitSSLError("TLS handshake failed") from err
        raise QbitConnectionError(_describe(err)) from err
    except qbittorrentapi.APIError as err:
        # The reply could not be parsed: not the JSON a qBittorrent sends.
        raise QbitNotQbittorrentError("unexpected reply") from err


def _is_login(err: qbittorrentapi.HTTPError) -> bool:
    response = getattr(err, "response", None)
    return "/auth/login" in str(getattr(response, "url", ""))


def _describe(err: Exception) -> str:
    """Describe the failure briefly, without the URL or body the library puts in messages."""
    context = err.__context__
    # urllib3 wraps a read timeout on a GET in a ConnectionError; the text tells.
    if isinstance(context, requests_exceptions.Timeout) or "timed out" in str(context):
        return "timeout"
    if isinstance(context, requests_exceptions.ConnectionError):
        return "connection failed"
    if isinstance(err, qbittorrentapi.HTTP5XXError):
        return f"server error {err.http_status_code}"
    return type(err).__name__


class QbittorrentClient:
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
        verify_ssl: bool = True,
        timeout: tuple[float, float] | None = None,
    ) -> None:
        """Prepare a client; nothing is sent until the first call."""
        self.url = normalize_url(url)
        self._api = qbittorrentapi.Client(
            host=self.url,
            username=username or None,
            password=password or None,
            VERIFY_WEBUI_CERTIFICATE=verify_ssl,
            FORCE_SCHEME_FROM_HOST=True,
            # `verify` per request too: requests lets REQUESTS_CA_BUNDLE in the environment
            # override a session-wide verify=False.
            REQUESTS_ARGS={"timeout": timeout or DEFAULT_TIMEOUT, "verify": verify_ssl},
            SIMPLE_RESPONSES=True,
            DISABLE_LOGGING_DEBUG_OUTPUT=True,
        )
        self._lock = threading.Lock()
        self._maindata: Maindata | None = None
        self._info: ServerInfo | None = None
        self._polls_since_full = 0
        self.full_syncs = 0
        self.incremental_syncs = 0

    @property
    def maindata(self) -> Maindata | None:
        """The merged model, or None before the first poll and after an error."""
        return self._maindata

    @_one_at_a_time
    def validate(self) -> None:
        """Log in and read the versions; raise the matching `QbitError` when that fails."""
        try:
            with _translate_errors():
                self._api.auth_log_in()
        except QbitAuthError:
            self._raise_if_not_qbittorrent()
            raise
        self._read_info()

    def _raise_if_not_qbittorrent(self) -> None:
        """After a refused login, tell a real qBittorrent from a page that merely answered."""
        try:
            with _translate_errors():
                reply = self._api.app_version()
        except QbitNotQbittorrentError:
            raise
        except QbitError:
            return  # a real qBittorrent refuses the version to a stranger
        if not _is_app_version(reply):
            raise QbitNotQbittorrentError("no qBittorrent version")

    def _read_info(self) -> ServerInfo:
        with _translate_errors():
            app_version = self._api.app_version()
            webapi_version = self._api.app_web_api_version()
        if not (
            _is_app_version(app_version)
            and isinstance(webapi_version, str)
            and _WEBAPI_VERSION.match(webapi_version)
        ):
            raise QbitNotQbittorrentError("no qBittorrent version")
        self._info = ServerInfo(app_version=app_version, webapi_version=webapi_version)
        return self._info

    @_one_at_a_time
    def sync(self) -> SyncResult:
        """Poll once: ask only for what changed since the last reply and merge it.

        After any error the next poll starts over with a full `rid=0` reply, since a reply
        may have been lost and the server's idea of our `rid` can no longer be trusted.
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
        self._maindata = merge_maindata(previous, reply)
        return SyncResult(self._maindata, info, full_update)

    @_one_at_a_time
    def create_categories(self, names: list[str]) -> dict[str, QbitError | None]:
        """Create categories; per name None when created, else why not.

        Each name is tried on its own, so one refused name does not stop the others. A name
        that exists already gives `QbitConflictError`.
        """
        outcome: dict[str, QbitError | None] = {}
        for name in names:
            try:
                with _translate_errors():
                    self._api.torrents_create_category(name=name)
            except QbitNotQbittorrentError as err:
                # qBittorrent answers 409 for a name that exists (or that it refuses).
                conflict = isinstance(err.__cause__, qbittorrentapi.Conflict409Error)
                outcome[name] = QbitConflictError("exists") if conflict else err
            except QbitError as err:
                outcome[name] = err
            else:
                outcome[name] = None
        return outcome

    # --- actions (blocking; each maps errors like polling does) -----------------------------

    @_one_at_a_time
    def add_tags(self, hashes: list[str], tags: list[str]) -> None:
        """Add tags (created when missing) to torrents."""
        with _translate_errors():
            self._api.torrents_add_tags(tags=tags, torrent_hashes=hashes)

    @_one_at_a_time
    def remove_tags(self, hashes: list[str], tags: list[str]) -> None:
        """Remove tags from torrents (the tags themselves stay defined)."""
        with _translate_errors():
            self._api.torrents_remove_tags(tags=tags, torrent_hashes=hashes)

    @_one_at_a_time
    def pause(self, hashes: list[str]) -> None:
        """Pause (4.x) or stop (5.x) torrents; the library picks the call."""
        with _translate_errors():
            self._api.torrents_stop(torrent_hashes=hashes)

    @_one_at_a_time
    def resume(self, hashes: list[str]) -> None:
        """Resume (4.x) or start (5.x) torrents."""
        with _translate_errors():
            self._api.torrents_start(torrent_hashes=hashes)

    @_one_at_a_time
    def recheck(self, hashes: list[str]) -> None:
        """Force a recheck of torrents."""
        with _translate_errors():
            self._api.torrents_recheck(torrent_hashes=hashes)

    @_one_at_a_time
    def delete(self, hashes: list[str], *, delete_files: bool) -> None:
        """Delete torrents, with or without their files."""
        with _translate_errors():
            self._api.torrents_delete(delete_files=delete_files, torrent_hashes=hashes)

    @_one_at_a_time
    def tracker_messages(self, hashes: list[str]) -> dict[str, str | None]:
        """Return the trackers' messages per torrent, joined; DHT, PeX and LSD rows left out."""
        messages: dict[str, str | None] = {}
        with _translate_errors():
            for torrent_hash in hashes:
                rows = self._api.torrents_trackers(torrent_hash=torrent_hash)
                messages[torrent_hash] = _tracker_message(rows)
        return messages

    def _fetch_maindata(self, rid: int) -> dict[str, Any]:
        """Ask for the changes since `rid` (everything for 0) and decode them ourselves.

        The raw body (through the library, so sessions are renewed as usual) lets a large
        full reply be decoded without freezing the event loop; see `parse_maindata`.
        """
        with _translate_errors():
            body = post_raw(self._api, APINames.Sync, "maindata", {"rid": rid})
        try:
            return parse_maindata(body)
        except (ValueError, UnicodeDecodeError) as err:
            raise QbitNotQbittorrentError("unexpected sync reply") from err

    def _forget(self) -> None:
        """Forget the model and versions; the next poll is a full resync."""
        self._maindata = None
        self._info = None

    @_one_at_a_time
    def close(self) -> None:
        """Drop the HTTP session without a logout round trip (the server may be gone)."""
        drop_session(self._api)
