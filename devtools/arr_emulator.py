"""A small Radarr v3 / Sonarr v3 / Lidarr v1 server on 127.0.0.1, for tests and the dev instance.

The apps cannot be installed here, so this speaks the subset qbitrr uses, shaped like the apps'
own OpenAPI documents (see ``devtools/openapi.py``) and like their source where the
documents are silent. It runs its own event loop in a background thread, so sync code, tests
inside Home Assistant's event loop and the command line can all use it:

    python -m devtools.arr_emulator --app radarr --port 7878 --api-key KEY \
        [--queue-from-qbittorrent URL USER PASSWORD CATEGORY]

prints one JSON line ``{"url", "api_key", "app"}`` and serves until SIGINT/SIGTERM.

Where the real apps behave oddly, the emulator copies them, so clients are tested against it:
null fields are left out (``errorMessage``, a field's ``value``), queue items without a
movie/series/artist are hidden unless ``includeUnknown*Items=true``, a page past the end
answers an earlier page instead of an empty one, and ``queue/bulk`` answers 404 for an unknown
id before removing anything.

Removals act on whole downloads, as the apps' QueueController does: a Sonarr season pack has one
queue record per episode and a Lidarr discography one per album, all with the same
``downloadId``, and removing any of them (``DELETE queue/{id}`` or ``queue/bulk``) removes the
download: every record of it leaves the queue (each one is kept in ``removals``), the client is
asked to delete it once (``removeFromClient=true``), ``blocklist=true`` blocklists the release
once, and, unless ``skipRedownload=true``, the app's failed-download handling then searches for
every movie/episode/album of the download by itself (see ``ArrEmulator.searches``).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Mapping, Sequence
import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
import hashlib
import hmac
from http import HTTPStatus
import json
import re
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any, Final, Literal, cast, get_args
from urllib.parse import urlsplit

from aiohttp import web

from .arr_library_emulator import EmulatedLibrary
from .background_server import BackgroundServer

if TYPE_CHECKING:
    from types import FrameType

    import qbittorrentapi

__all__ = [
    "PROFILES",
    "App",
    "AppProfile",
    "ArrEmulator",
    "FaultKind",
    "QueueRemoval",
    "RecordedRequest",
    "Search",
    "SearchSource",
    "fill_queue_from_qbittorrent",
]

type App = Literal["radarr", "sonarr", "lidarr"]
type FaultKind = Literal["401", "500", "timeout", "malformed", "html"]
type SearchSource = Literal["command", "redownload"]
type Json = Any

# qBittorrent's eta for "never": 100 days.
_QBT_ETA_INFINITY: Final = 8_640_000
# GET queue flags that embed a record's media: QueueResource's movie, series, episode...
_INCLUDE_MEDIA: Final = (
    "includeMovie",
    "includeSeries",
    "includeEpisode",
    "includeArtist",
    "includeAlbum",
)
_FAULT_KINDS: Final = frozenset(get_args(FaultKind.__value__))
_JSON_TYPE: Final = "application/json"
_HTML_PAGE: Final = (
    "<!DOCTYPE html><html><head><title>Sign in</title></head>"
    "<body><form method='post'><input name='username'><input type='password'"
    " name='password'></form></body></html>"
)
# Rough qBittorrent state -> (queue status, trackedDownloadStatus, message), as the apps'
# QBittorrent download client maps them (CLI only).
_QBT_STATES: Final[Mapping[str, tuple[str, str, str | None]]] = {
    "error": ("warning", "warning", "qBittorrent is reporting an error"),
    "missingFiles": ("warning", "warning", "The download is missing files"),
    "pausedDL": ("paused", "ok", None),
    "stoppedDL": ("paused", "ok", None),
    "queuedDL": ("queued", "ok", None),
    "checkingDL": ("queued", "ok", None),
    "checkingUP": ("queued", "ok", None),
    "checkingResumeData": ("queued", "ok", None),
    "metaDL": ("queued", "ok", None),
    "forcedMetaDL": ("queued", "ok", None),
    "stalledDL": ("warning", "warning", "The download is stalled with no connections"),
    "pausedUP": ("completed", "ok", None),
    "stoppedUP": ("completed", "ok", None),
    "uploading": ("completed", "ok", None),
    "stalledUP": ("completed", "ok", None),
    "queuedUP": ("completed", "ok", None),
    "forcedUP": ("completed", "ok", None),
}


@dataclass(frozen=True)
class AppProfile:
    """What differs between Radarr, Sonarr and Lidarr."""

    app_name: str
    base_path: str
    default_version: str
    default_port: int
    branch: str
    # Queue record keys: the media id and (Sonarr, Lidarr) the item below it.
    media_key: str
    sub_key: str | None
    # Query parameters of GET queue.
    media_ids_param: str
    unknown_items_param: str
    # The qBittorrent download client's settings fields use this word: movieCategory, ...
    field_word: str
    default_category: str
    # Canonical command names this app knows (the apps match names case-insensitively).
    commands: tuple[str, ...]
    # The search command for single items, and its body's id list: MoviesSearch/movieIds, ...
    search_command: str
    search_ids_field: str
    # The queue record key whose ids that search takes: movieId, episodeId, albumId.
    search_key: str
    quality: Mapping[str, Json]
    has_languages: bool
    extra_status: Mapping[str, Json] = field(default_factory=dict)
    extra_record: Mapping[str, Json] = field(default_factory=dict)


_REVISION: Final[Mapping[str, Json]] = {"version": 1, "real": 0, "isRepack": False}
PROFILES: Final[Mapping[App, AppProfile]] = {
    "radarr": AppProfile(
        app_name="Radarr",
        base_path="/api/v3",
        default_version="5.27.5.10198",
        default_port=7878,
        branch="master",
        media_key="movieId",
        sub_key=None,
        media_ids_param="movieIds",
        unknown_items_param="includeUnknownMovieItems",
        field_word="movie",
        default_category="radarr",
        commands=("MoviesSearch", "DownloadedMoviesScan"),
        search_command="MoviesSearch",
        search_ids_field="movieIds",
        search_key="movieId",
        quality={
            "id": 7,
            "name": "Bluray-1080p",
            "source": "bluray",
            "resolution": 1080,
            "modifier": "none",
        },
        has_languages=True,
    ),
    "sonarr": AppProfile(
        app_name="Sonarr",
        base_path="/api/v3",
        default_version="4.0.15.2941",
        default_port=8989,
        branch="main",
        media_key="seriesId",
        sub_key="episodeId",
        media_ids_param="seriesIds",
        unknown_items_param="includeUnknownSeriesItems",
        field_word="tv",
        default_category="tv-sonarr",
        commands=("EpisodeSearch", "DownloadedEpisodesScan"),
        search_command="EpisodeSearch",
        search_ids_field="episodeIds",
        search_key="episodeId",
        quality={"id": 3, "name": "WEBDL-1080p", "source": "web", "resolution": 1080},
        has_languages=True,
        extra_status={"sqliteVersion": "3.46.1"},
        extra_record={"episodeHasFile": False},
    ),
    "lidarr": AppProfile(
        app_name="Lidarr",
        base_path="/api/v1",
        default_version="2.14.5.4836",
        default_port=8686,
        branch="master",
        media_key="artistId",
        sub_key="albumId",
        media_ids_param="artistIds",
        unknown_items_param="includeUnknownArtistItems",
        field_word="music",
        default_category="lidarr",
        commands=("AlbumSearch", "DownloadedAlbumsScan"),
        search_command="AlbumSearch",
        search_ids_field="albumIds",
        search_key="albumId",
        quality={"id": 6, "name": "FLAC"},
        has_languages=False,
        extra_record={"trackFileCount": 0, "trackHasFileCount": 0, "downloadForced": False},
    ),
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator saw it, for contract tests."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Json | None
    status: int
    fault: FaultKind | None = None

    @property
    def accepted(self) -> bool:
        """Answered normally with 2xx (no fault injected)."""
        return self.fault is None and HTTPStatus.OK <= self.status < HTTPStatus.MULTIPLE_CHOICES


@dataclass(frozen=True)
class QueueRemoval:
    """One queue record removed through DELETE queue/{id} or queue/bulk.

    The flags are the request's. ``requested`` is False for a record that left the queue only
    because another record of the same download (a season pack's episode, a discography's
    album) was named: the apps remove whole downloads.
    """

    queue_id: int
    download_id: str
    title: str
    remove_from_client: bool
    blocklist: bool
    skip_redownload: bool
    change_category: bool
    bulk: bool
    requested: bool = True


@dataclass(frozen=True)
class Search:
    """A search the app ran: asked for (POST command) or its own redownload after a failure.

    ``name`` is the canonical command name (MoviesSearch, EpisodeSearch, AlbumSearch), ``ids``
    the movie/episode/album ids searched for, ``source`` ``"command"`` for an accepted POST
    command and ``"redownload"`` for the automatic search after a blocklisting removal.
    ``command_id`` is the id the app gave the command (both kinds share the numbering);
    ``download_id`` names the removed download a redownload replaces (None for commands).
    """

    name: str
    ids: tuple[int, ...]
    source: SearchSource
    command_id: int
    download_id: str | None = None


@dataclass
class _Fault:
    pattern: re.Pattern[str]
    kind: FaultKind
    remaining: int | None
    method: str | None


@dataclass(frozen=True)
class _Reply:
    status: int
    payload: Json = None
    # No body at all: the apps' void actions answer 200 with Content-Length 0.
    empty: bool = False
    text: str | None = None
    content_type: str = _JSON_TYPE


class _BadRequestError(Exception):
    """A query value the apps' model binding refuses (400)."""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _decimal(value: float) -> float | int:
    # .NET decimals print without ".0" when whole.
    return int(value) if float(value).is_integer() else value


def _split_camel(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)


def _parse_bool(query: Mapping[str, list[str]], name: str, *, default: bool) -> bool:
    # Query names bind case-insensitively in ASP.NET; values as bool.Parse ("true"/"false").
    for key, values in query.items():
        if key.lower() == name.lower() and values:
            value = values[0].strip().lower()
            if value not in {"true", "false"}:
                raise _BadRequestError(f"The value '{values[0]}' is not valid for {name}.")
            return value == "true"
    return default


def _query_values(query: Mapping[str, list[str]], name: str) -> list[str]:
    return [v for key, values in query.items() if key.lower() == name.lower() for v in values]


def _parse_int(query: Mapping[str, list[str]], name: str, default: int) -> int:
    # The apps read paging with int.TryParse and fall back to the default silently.
    values = _query_values(query, name)
    try:
        return int(values[0]) if values else default
    except ValueError:
        return default


class ArrEmulator(BackgroundServer):
    """Radarr/Sonarr/Lidarr API subset on ``127.0.0.1:<port>``, served from its own thread.

    State (queue, health, download clients, faults) may be changed from any thread while it
    runs; everything it receives is kept in ``requests``, ``commands``, ``removals`` and
    ``blocklist``, and every search the app ran, asked for or automatic, in ``searches``.
    After ``stop()`` it may start again: same port, state kept (an app restart). ``url`` is
    the server's root, without the API base path (see ``api_url``).
    """

    def __init__(
        self,
        app: App,
        *,
        api_key: str,
        port: int = 0,
        instance_name: str | None = None,
        version: str | None = None,
        qbittorrent_remover: Callable[[str], object] | None = None,
        timeout_delay: float = 30.0,
        auto_redownload_failed: bool = True,
    ) -> None:
        """Describe a server; nothing listens until ``start()``.

        ``qbittorrent_remover`` is called (in a worker thread) with the lower-case hash when
        a queue item is deleted with ``removeFromClient=true``, to delete the real torrent
        (once per download, however many of its records go).
        ``timeout_delay`` is how long a ``timeout`` fault keeps a request waiting.
        ``auto_redownload_failed`` is the apps' "Redownload Failed" setting (on by default
        there too): off, a blocklisting removal starts no search (attribute, may change).
        """
        if app not in PROFILES:
            raise ValueError(f"app must be one of {', '.join(PROFILES)}, not {app!r}")
        # shutdown_timeout: in-flight requests get this long at stop (timeout faults wake early).
        super().__init__(port=port, thread_name=f"arr-emulator-{app}", shutdown_timeout=2.0)
        self.app: Final[App] = app
        self.profile: Final = PROFILES[app]
        self.api_key = api_key
        self.instance_name = instance_name or self.profile.app_name
        self.version = version or self.profile.default_version
        self.timeout_delay = timeout_delay
        self.auto_redownload_failed = auto_redownload_failed
        self._qbittorrent_remover = qbittorrent_remover
        self._start_time = _now()

        self._lock = threading.Lock()
        self._queue: dict[int, dict[str, Json]] = {}
        # Record id -> (its movie/episode/album monitored, its series/artist monitored).
        self._monitored: dict[int, tuple[bool, bool]] = {}
        self._health: list[dict[str, Json]] = []
        self._diskspace: list[dict[str, Json]] = [
            {"path": "/", "label": "", "freeSpace": 48_318_382_080, "totalSpace": 105_089_261_568},
            {
                "path": "/downloads",
                "label": "downloads",
                "freeSpace": 1_649_267_441_664,
                "totalSpace": 3_998_614_552_576,
            },
        ]
        self._download_clients: list[dict[str, Json]] = [self.qbittorrent_client()]
        self._requests: list[RecordedRequest] = []
        self._commands: list[dict[str, Json]] = []
        self._searches: list[Search] = []
        self._removals: list[QueueRemoval] = []
        self._blocklist: list[dict[str, Json]] = []
        self._faults: list[_Fault] = []
        self._next_command_id = 1
        # Wanted lists and import history (arr_library_emulator.py).
        self.library = EmulatedLibrary(app, self.profile.quality)

    # --- lifecycle -----------------------------------------------------------------------

    def __repr__(self) -> str:
        """Show app and address."""
        where = self.url if self._port is not None else "not started"
        return f"<ArrEmulator {self.app} {where}>"

    @property
    def base_path(self) -> str:
        """``/api/v3`` (Radarr, Sonarr) or ``/api/v1`` (Lidarr)."""
        return self.profile.base_path

    @property
    def api_url(self) -> str:
        """``url`` + ``base_path``."""
        return self.url + self.base_path

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    # --- state ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (oldest first), including refused ones."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    @property
    def commands(self) -> list[dict[str, Json]]:
        """Bodies of accepted POST command requests, as sent."""
        with self._lock:
            return copy.deepcopy(self._commands)

    @property
    def searches(self) -> list[Search]:
        """Every search the app ran, oldest first: asked for and automatic ones.

        An accepted POST command naming the app's search command (MoviesSearch,
        EpisodeSearch, AlbumSearch) gives ``source="command"`` with the body's
        ``movieIds``/``episodeIds``/``albumIds``; a removal with ``blocklist=true`` of a
        download the app grabbed gives ``source="redownload"`` with the ids of all its
        records, unless ``skipRedownload=true`` or ``auto_redownload_failed`` is off.
        Sonarr and Lidarr would run SeasonSearch/ArtistSearch instead when the download
        covered the whole season or artist; the emulator knows no season or artist sizes and
        always records the per-item search.
        """
        with self._lock:
            return list(self._searches)

    @property
    def removals(self) -> list[QueueRemoval]:
        """Queue records removed so far, each record of a removed download on its own."""
        with self._lock:
            return list(self._removals)

    @property
    def blocklist(self) -> list[dict[str, Json]]:
        """Downloads blocklisted by a removal with ``blocklist=true``, one entry each.

        An entry is the first removed record of the download named in the request; for
        Sonarr it also has ``episodeIds`` and for Lidarr ``albumIds``: the ids of all its
        records (the apps blocklist a release once, for all its episodes/albums). A download
        without media (``unknown``) was not grabbed by the app, which has no history to
        blocklist it with: it is removed, but neither blocklisted nor searched for.
        """
        with self._lock:
            return copy.deepcopy(self._blocklist)

    @property
    def queue(self) -> list[dict[str, Json]]:
        """All queue records (also those without media), as the API serves them."""
        with self._lock:
            return copy.deepcopy(list(self._queue.values()))

    @property
    def health(self) -> list[dict[str, Json]]:
        """What GET health answers."""
        with self._lock:
            return copy.deepcopy(self._health)

    def set_health(self, items: Sequence[Mapping[str, Json]]) -> None:
        """Replace the health list; missing ``source``/``type``/``wikiUrl`` get defaults.

        Item shape: ``{"source": "IndexerStatusCheck", "type": "warning" (ok/notice/warning/
        error), "message": "...", "wikiUrl": "https://wiki.servarr.com/..."}``.
        """
        filled: list[dict[str, Json]] = []
        for item in items:
            entry = dict(copy.deepcopy(item))
            entry.setdefault("source", "EmulatorCheck")
            entry.setdefault("type", "warning")
            entry.setdefault("message", "")
            entry.setdefault("wikiUrl", f"https://wiki.servarr.com/{self.app}/system#emulatorcheck")
            filled.append(entry)
        with self._lock:
            self._health = filled

    @property
    def diskspace(self) -> list[dict[str, Json]]:
        """What GET diskspace answers."""
        with self._lock:
            return copy.deepcopy(self._diskspace)

    def set_diskspace(self, items: Sequence[Mapping[str, Json]]) -> None:
        """Replace the disk list (``path``, ``label``, ``freeSpace``, ``totalSpace``)."""
        with self._lock:
            self._diskspace = [dict(copy.deepcopy(item)) for item in items]

    @property
    def download_clients(self) -> list[dict[str, Json]]:
        """What GET downloadclient answers."""
        with self._lock:
            return copy.deepcopy(self._download_clients)

    def set_download_clients(self, clients: Sequence[Mapping[str, Json]]) -> None:
        """Replace the download clients (build qBittorrent ones with ``qbittorrent_client``)."""
        with self._lock:
            self._download_clients = [dict(copy.deepcopy(c)) for c in clients]

    def qbittorrent_client(
        self,
        *,
        client_id: int = 1,
        name: str = "qBittorrent",
        host: str = "localhost",
        port: int = 8080,
        use_ssl: bool = False,
        url_base: str | None = None,
        username: str | None = "admin",
        category: str | None = None,
        imported_category: str | None = None,
        enable: bool = True,
        priority: int = 1,
    ) -> dict[str, Json]:
        """Return a qBittorrent download client resource as this app serves it.

        ``category`` defaults to the app's own default (radarr, tv-sonarr, lidarr). Unset
        (None) settings have no ``value`` key, as the apps leave nulls out.
        """
        word = self.profile.field_word
        cap = word[:1].upper() + word[1:]
        priority_options = [
            {"value": 0, "name": "Last", "order": 0},
            {"value": 1, "name": "First", "order": 1},
        ]
        state_options = [
            {"value": 0, "name": "Started", "order": 0},
            {"value": 1, "name": "Force Started", "order": 1},
            {"value": 2, "name": "Paused", "order": 2},
        ]
        layout_options = [
            {"value": 0, "name": "Default", "order": 0},
            {"value": 1, "name": "Original", "order": 1},
            {"value": 2, "name": "Create Subfolder", "order": 2},
        ]
        specs: list[tuple[str, str, str, Json, dict[str, Json]]] = [
            ("host", "Host", "textbox", host, {}),
            ("port", "Port", "textbox", port, {}),
            ("useSsl", "Use SSL", "checkbox", use_ssl, {}),
            ("urlBase", "URL Base", "textbox", url_base, {"advanced": True}),
            ("username", "Username", "textbox", username, {"privacy": "userName"}),
            ("password", "Password", "password", "********", {"privacy": "password"}),
            (
                f"{word}Category",
                "Category",
                "textbox",
                self.profile.default_category if category is None else category,
                {},
            ),
            (
                f"{word}ImportedCategory",
                "Post-Import Category",
                "textbox",
                imported_category,
                {"advanced": True},
            ),
            (
                f"recent{cap}Priority",
                "Recent Priority",
                "select",
                0,
                {"selectOptions": priority_options},
            ),
            (
                f"older{cap}Priority",
                "Older Priority",
                "select",
                0,
                {"selectOptions": priority_options},
            ),
            ("initialState", "Initial State", "select", 0, {"selectOptions": state_options}),
            ("sequentialOrder", "Sequential Order", "checkbox", False, {}),
            ("firstAndLast", "First and Last First", "checkbox", False, {}),
            ("contentLayout", "Content Layout", "select", 0, {"selectOptions": layout_options}),
        ]
        fields: list[dict[str, Json]] = []
        for order, (field_name, label, kind, value, extra) in enumerate(specs):
            entry: dict[str, Json] = {"order": order, "name": field_name, "label": label}
            if value is not None:
                entry["value"] = value
            entry.update(
                {
                    "type": kind,
                    "advanced": extra.get("advanced", False),
                    "privacy": extra.get("privacy", "normal"),
                    "isFloat": False,
                }
            )
            if "selectOptions" in extra:
                entry["selectOptions"] = extra["selectOptions"]
            fields.append(entry)
        return {
            "enable": enable,
            "protocol": "torrent",
            "priority": priority,
            "removeCompletedDownloads": True,
            "removeFailedDownloads": True,
            "name": name,
            "fields": fields,
            "implementationName": "qBittorrent",
            "implementation": "QBittorrent",
            "configContract": "QBittorrentSettings",
            "infoLink": f"https://wiki.servarr.com/{self.app}/supported#qbittorrent",
            "tags": [],
            "id": client_id,
        }

    def add_queue_item(
        self,
        download_id: str,
        *,
        title: str,
        media_id: int | None = None,
        download_client: str = "qBittorrent",
        status: str = "downloading",
        tracked_download_status: str = "ok",
        tracked_download_state: str = "downloading",
        size: float = 1_500_000_000,
        sizeleft: float | None = None,
        timeleft: str | None = None,
        error_message: str | None = None,
        status_messages: Sequence[Mapping[str, Json]] = (),
        episode_id: int | None = None,
        season_number: int | None = None,
        album_id: int | None = None,
        unknown: bool = False,
        indexer: str = "Emulated Indexer",
        output_path: str | None = None,
        protocol: str = "torrent",
        added: datetime | None = None,
        monitored: bool = True,
        parent_monitored: bool = True,
    ) -> int:
        """Add a queue record and return its id.

        ``download_id`` is upper-cased (the apps report torrent hashes that way). ``media_id``
        is the movieId/seriesId/artistId (default: that of an earlier record of the same
        download, else derived from a serial number); ``unknown`` makes an item matched to no
        media, hidden unless ``includeUnknown*Items=true``. Sonarr's ``episode_id`` and
        Lidarr's ``album_id`` default to serial-derived ids too.

        Several records may share one download (call this once per episode of a Sonarr
        season pack, once per album of a Lidarr discography): the id is derived as the apps
        derive it, from the download client, the download id and (Sonarr, Lidarr) the
        episode/album id, so each record gets its own, stable one. Removing any of them
        removes them all (see the module docstring).

        ``monitored`` is the movie's, episode's or album's flag, ``parent_monitored`` the
        series' or artist's; GET queue embeds them with ``includeMovie``, ``includeEpisode``...
        """
        download_id = download_id.upper()
        profile = self.profile
        with self._lock:
            serial = len(self._queue) + len(self._removals) + 1
            record: dict[str, Json] = {}
            if not unknown:
                if media_id is None:
                    media_id = next(
                        (
                            r[profile.media_key]
                            for r in self._queue.values()
                            if r["downloadId"] == download_id and profile.media_key in r
                        ),
                        100 + serial,
                    )
                record[profile.media_key] = media_id
                if self.app == "sonarr":
                    record["episodeId"] = episode_id if episode_id is not None else 10_000 + serial
                    record["seasonNumber"] = season_number if season_number is not None else 1
                elif self.app == "lidarr":
                    record["albumId"] = album_id if album_id is not None else 10_000 + serial
            record_id = self._record_id(
                download_client, download_id, record.get(profile.sub_key or "")
            )
            if profile.has_languages:
                record["languages"] = [{"id": 1, "name": "English"}]
            record["quality"] = {"quality": dict(profile.quality), "revision": dict(_REVISION)}
            record["customFormats"] = []
            record["customFormatScore"] = 0
            record["size"] = _decimal(size)
            record["title"] = title
            record["sizeleft"] = _decimal(size / 2 if sizeleft is None else sizeleft)
            if timeleft is not None:
                record["timeleft"] = timeleft
            stamp = added.astimezone(UTC) if added is not None else datetime.now(UTC)
            record["added"] = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
            record["status"] = status
            record["trackedDownloadStatus"] = tracked_download_status
            record["trackedDownloadState"] = tracked_download_state
            record["statusMessages"] = [dict(m) for m in status_messages]
            if error_message is not None:
                record["errorMessage"] = error_message
            record["downloadId"] = download_id
            record["protocol"] = protocol
            record["downloadClient"] = download_client
            record["downloadClientHasPostImportCategory"] = False
            record["indexer"] = indexer
            record["outputPath"] = output_path or f"/downloads/{profile.default_category}/{title}"
            record.update(copy.deepcopy(dict(profile.extra_record)))
            record["id"] = record_id
            self._queue[record_id] = record
            self._monitored[record_id] = (monitored, parent_monitored)
        return record_id

    def set_monitored(
        self, queue_id: int, *, monitored: bool, parent_monitored: bool = True
    ) -> None:
        """Change whether a record's media (and its series or artist) is monitored."""
        with self._lock:
            self._monitored[queue_id] = (monitored, parent_monitored)

    def _embed_media(self, record: dict[str, Json], query: Mapping[str, list[str]]) -> None:
        """Embed the media the query asks for, as the apps' QueueResource does.

        Ids, titles and the monitored flags only: the apps send the whole resource.
        """
        if self.profile.media_key not in record:
            return  # an unknown item has no media to embed
        own, parent = self._monitored.get(int(record["id"]), (True, True))
        media_id, title = record[self.profile.media_key], record["title"]
        sub_id = record.get(self.profile.sub_key or "")
        wanted = {name: _parse_bool(query, name, default=False) for name in _INCLUDE_MEDIA}
        if self.app == "radarr" and wanted["includeMovie"]:
            record["movie"] = {"id": media_id, "title": title, "monitored": own}
        elif self.app == "sonarr":
            if wanted["includeSeries"]:
                record["series"] = {"id": media_id, "title": title, "monitored": parent}
            if wanted["includeEpisode"]:
                record["episode"] = {
                    "id": sub_id,
                    "seriesId": media_id,
                    "seasonNumber": record["seasonNumber"],
                    "monitored": own,
                }
        elif self.app == "lidarr":
            if wanted["includeArtist"]:
                record["artist"] = {"id": media_id, "artistName": title, "monitored": parent}
            if wanted["includeAlbum"]:
                record["album"] = {"id": sub_id, "artistId": media_id, "monitored": own}

    def _record_id(self, client_name: str, download_id: str, sub_id: int | None) -> int:
        # QueueService: HashConverter.GetHashInt31 (SHA-1, first 4 bytes little-endian, 31
        # bits) of "trackedDownload-{client id}-{download id}", plus "-ep{episode id}" (Sonarr)
        # or "-album{album id}" (Lidarr), 0 for an unmatched record. Call with the lock held.
        client_id = next(
            (c.get("id", 1) for c in self._download_clients if c.get("name") == client_name), 1
        )
        key = f"trackedDownload-{client_id}-{download_id}"
        if self.app == "sonarr":
            key += f"-ep{sub_id or 0}"
        elif self.app == "lidarr":
            key += f"-album{sub_id or 0}"
        digest = hashlib.sha1(key.encode(), usedforsecurity=False).digest()
        record_id = int.from_bytes(digest[:4], "little") & 0x7FFFFFFF
        # The same record added twice (the apps would show one): give the copy its own id.
        while record_id in self._queue or record_id == 0:
            record_id = (record_id + 1) & 0x7FFFFFFF
        return record_id

    def remove_queue_item(self, queue_id: int) -> None:
        """Drop a record without recording a removal (the download went away by itself)."""
        with self._lock:
            self._queue.pop(queue_id, None)

    def clear_queue(self) -> None:
        """Drop every queue record."""
        with self._lock:
            self._queue.clear()

    def inject_fault(
        self,
        path_pattern: str,
        kind: FaultKind,
        *,
        times: int | None = None,
        method: str | None = None,
    ) -> None:
        """Answer requests whose path matches ``path_pattern`` (``re.search``) with a fault.

        ``401``/``500``: JSON error; ``timeout``: wait ``timeout_delay`` seconds (or until
        ``stop()``) then answer normally; ``malformed``: the normal answer cut in half, 200;
        ``html``: a login page, 200. ``times``: how many requests (None: until cleared).
        Faults come before authentication, as a proxy or a crashing app would.
        """
        if kind not in _FAULT_KINDS:
            raise ValueError(f"kind must be one of {sorted(_FAULT_KINDS)}, not {kind!r}")
        fault = _Fault(re.compile(path_pattern), kind, times, method.upper() if method else None)
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        with self._lock:
            self._faults.clear()

    # --- HTTP ----------------------------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> FaultKind | None:
        with self._lock:
            for fault in self._faults:
                if fault.method not in {None, method} or not fault.pattern.search(path):
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault.kind
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.method.upper()
        path = request.path
        query: dict[str, list[str]] = {}
        for key, value in request.query.items():
            query.setdefault(key, []).append(value)
        raw = await request.read()
        body: Json | None = None
        body_ok = True
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                body_ok = False

        fault = self._take_fault(method, path)
        if fault == "timeout" and await self._stopped_within(self.timeout_delay):
            reply = _Reply(503, {"message": "Emulator stopping"})
            return self._respond(method, path, query, body, reply=reply, fault=fault)
        if fault in {"401", "500", "html"}:
            reply = {
                "401": _Reply(401, {"error": "Unauthorized"}),
                "500": _Reply(
                    500, {"message": "Injected fault", "description": "arr_emulator fault"}
                ),
                "html": _Reply(200, text=_HTML_PAGE, content_type="text/html"),
            }[fault]
            return self._respond(method, path, query, body, reply=reply, fault=fault)

        reply = await self._route(method, path, query, body, body_ok=body_ok, request=request)
        if fault == "malformed":
            text = "" if reply.empty else json.dumps(reply.payload)
            # Cut mid-document, never at a valid end, so any JSON parser fails.
            reply = _Reply(200, text=text[: max(1, len(text) // 2)] if len(text) > 1 else "{")
        return self._respond(method, path, query, body, reply=reply, fault=fault)

    def _respond(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: Json | None,
        *,
        reply: _Reply,
        fault: FaultKind | None,
    ) -> web.Response:
        recorded = RecordedRequest(method, path, query, body, reply.status, fault)
        with self._lock:
            self._requests.append(recorded)
        if reply.text is not None:
            return web.Response(
                status=reply.status, text=reply.text, content_type=reply.content_type
            )
        if reply.empty:
            return web.Response(status=reply.status)
        return web.Response(
            status=reply.status,
            text=json.dumps(reply.payload),
            content_type=reply.content_type,
            charset="utf-8",
        )

    def _authorized(self, request: web.Request) -> bool:
        # As the apps: `apikey` in the query wins over the X-Api-Key header, then Bearer.
        provided = request.query.get("apikey")
        if provided is None:
            provided = request.headers.get("X-Api-Key")
        if provided is None:
            auth = request.headers.get("Authorization", "")
            provided = auth.removeprefix("Bearer ") if auth else None
        return bool(provided) and hmac.compare_digest(str(provided).encode(), self.api_key.encode())

    async def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: Json | None,
        *,
        body_ok: bool,
        request: web.Request,
    ) -> _Reply:
        base = self.profile.base_path
        # ASP.NET routes case-insensitively and ignores a trailing slash.
        lowered = path.lower().rstrip("/")
        if not (lowered == base or lowered.startswith(base + "/")):
            return _Reply(404, {"message": "NotFound"})
        if not self._authorized(request):
            return _Reply(401, {"error": "Unauthorized"})
        rel = lowered[len(base) :].lstrip("/")
        getters: dict[str, Callable[[], Json]] = {
            "system/status": self._system_status,
            "health": lambda: self.health,
            "diskspace": lambda: self.diskspace,
            "downloadclient": lambda: self.download_clients,
            "queue": lambda: self._queue_page(query),
        }
        try:
            if method == "GET" and rel in getters:
                return _Reply(200, getters[rel]())
            if method == "GET" and (answer := self.library.get(rel, query)) is not None:
                return _Reply(200, answer)
            if method == "DELETE" and rel == "queue/bulk":
                return await self._delete_bulk(query, body, body_ok=body_ok)
            if method == "DELETE" and re.fullmatch(r"queue/-?\d+", rel):
                return await self._delete_one(int(rel.split("/")[1]), query)
            if method == "POST" and rel == "command":
                return self._command(body, body_ok=body_ok)
        except _BadRequestError as err:
            return _Reply(400, _validation_errors("query", str(err)))
        return _Reply(404, {"message": "NotFound"})

    def _system_status(self) -> dict[str, Json]:
        profile = self.profile
        status: dict[str, Json] = {
            "appName": profile.app_name,
            "instanceName": self.instance_name,
            "version": self.version,
            "buildTime": "2025-10-12T09:41:07Z",
            "isDebug": False,
            "isProduction": True,
            "isAdmin": False,
            "isUserInteractive": False,
            "startupPath": f"/app/{self.app}/bin",
            "appData": "/config",
            "osName": "debian",
            "osVersion": "12",
            "isNetCore": True,
            "isLinux": True,
            "isOsx": False,
            "isWindows": False,
            "isDocker": True,
            "mode": "console",
            "branch": profile.branch,
            "databaseType": "sqLite",
            "databaseVersion": "3.46.1",
            "authentication": "forms",
            "migrationVersion": 241,
            "urlBase": "",
            "runtimeVersion": "8.0.20",
            "runtimeName": "netCore",
            "startTime": self._start_time,
            "packageUpdateMechanism": "docker",
        }
        status.update(profile.extra_status)
        return status

    def _queue_page(self, query: Mapping[str, list[str]]) -> dict[str, Json]:
        profile = self.profile
        page = _parse_int(query, "page", 1)
        page_size = _parse_int(query, "pageSize", 10)
        page = max(page, 1)
        page_size = page_size if page_size >= 1 else 10
        sort_key = (_query_values(query, "sortKey") or ["timeleft"])[0]
        direction = (_query_values(query, "sortDirection") or ["ascending"])[0].lower()
        if direction not in {"ascending", "descending", "default"}:
            raise _BadRequestError(f"The value '{direction}' is not valid for sortDirection.")
        direction = "ascending" if direction == "default" else direction
        include_unknown = _parse_bool(query, profile.unknown_items_param, default=False)
        try:
            wanted_media = {int(v) for v in _query_values(query, profile.media_ids_param) if v}
        except ValueError as err:
            raise _BadRequestError(f"{profile.media_ids_param}: {err}") from err
        wanted_protocol = next(iter(_query_values(query, "protocol")), None)
        wanted_status = {v.lower() for v in _query_values(query, "status")}

        with self._lock:
            records = copy.deepcopy(list(self._queue.values()))
        records = [
            r
            for r in records
            if (include_unknown or profile.media_key in r)
            and (not wanted_media or r.get(profile.media_key) in wanted_media)
            and (wanted_protocol is None or r["protocol"] == wanted_protocol.lower())
            and (not wanted_status or r["status"].lower() in wanted_status)
        ]
        # The apps sort by timeleft by default; insertion order stands in for it here.
        if sort_key in {"title", "status", "added", "downloadClient", "indexer", "protocol"}:
            records.sort(key=lambda r: str(r.get(sort_key, "")).lower())
        if direction == "descending":
            records.reverse()
        total = len(records)
        chunk = records[(page - 1) * page_size : page * page_size]
        if not chunk and page > 1:
            # Copied from the apps: past the end they answer page max(total / size, 1), with
            # integer division, so 25 records at size 10 give page 2 (not 3) for page 4.
            page = max(total // page_size, 1)
            chunk = records[(page - 1) * page_size : page * page_size]
        with self._lock:
            for record in chunk:
                self._embed_media(record, query)
        return {
            "page": page,
            "pageSize": page_size,
            "sortKey": sort_key,
            "sortDirection": direction,
            "totalRecords": total,
            "records": chunk,
        }

    def _removal_flags(self, query: Mapping[str, list[str]]) -> tuple[bool, bool, bool, bool]:
        return (
            _parse_bool(query, "removeFromClient", default=True),
            _parse_bool(query, "blocklist", default=False),
            _parse_bool(query, "skipRedownload", default=False),
            _parse_bool(query, "changeCategory", default=False),
        )

    async def _remove(
        self, queue_ids: Sequence[int], flags: tuple[bool, bool, bool, bool], *, bulk: bool
    ) -> _Reply | None:
        """Remove the downloads of ``queue_ids``; None when done, else the error reply.

        As the apps' QueueController: every id is looked up first (an unknown one: 404,
        nothing removed), then each download is removed once, whichever of its records
        were named, and all of its records leave the queue.
        """
        with self._lock:
            named: dict[str, list[int]] = {}
            for queue_id in queue_ids:
                record = self._queue.get(queue_id)
                if record is None:
                    return _Reply(404, {"message": "NotFound"})
                named.setdefault(str(record["downloadId"]), []).append(queue_id)
        for download_id, requested in named.items():
            if flags[0] and self._qbittorrent_remover is not None:
                # The remover talks to a real qBittorrent synchronously: keep it off this loop.
                loop = asyncio.get_running_loop()
                try:
                    await loop.run_in_executor(None, self._qbittorrent_remover, download_id.lower())
                except Exception as err:  # noqa: BLE001 - the apps answer 500 when the client fails
                    # Downloads before this one are gone already (the apps, which stop
                    # tracking them only at the end, would drop them at their next check).
                    return _Reply(500, {"message": str(err), "description": repr(err)})
            self._remove_download(download_id, requested, flags, bulk=bulk)
        return None

    def _remove_download(
        self,
        download_id: str,
        requested: Sequence[int],
        flags: tuple[bool, bool, bool, bool],
        *,
        bulk: bool,
    ) -> None:
        remove_from_client, blocklist, skip_redownload, change_category = flags
        profile = self.profile
        with self._lock:
            # Every record of the download, in queue order (the apps stop tracking it).
            ids = [i for i, r in self._queue.items() if r["downloadId"] == download_id]
            records = [self._queue.pop(i) for i in ids]
            if not records:
                return  # removed concurrently; the apps would not mind either
            for queue_id, record in zip(ids, records, strict=True):
                self._removals.append(
                    QueueRemoval(
                        queue_id=queue_id,
                        download_id=download_id,
                        title=str(record["title"]),
                        remove_from_client=remove_from_client,
                        blocklist=blocklist,
                        skip_redownload=skip_redownload,
                        change_category=change_category,
                        bulk=bulk,
                        requested=queue_id in requested,
                    )
                )
            # FailedDownloadService.MarkAsFailed: only a download with grab history (one the
            # app matched to media) raises DownloadFailedEvent, which the blocklist and the
            # redownload handle.
            grabbed = [r for r in records if profile.search_key in r]
            if not blocklist or not grabbed:
                return
            media_ids = list(dict.fromkeys(int(r[profile.search_key]) for r in grabbed))
            entry = copy.deepcopy(grabbed[0])
            if profile.sub_key is not None:
                entry[f"{profile.sub_key}s"] = media_ids
            self._blocklist.append(entry)
            if skip_redownload or not self.auto_redownload_failed:
                return
            self._searches.append(
                Search(
                    name=profile.search_command,
                    ids=tuple(media_ids),
                    source="redownload",
                    command_id=self._next_command_id,
                    download_id=download_id,
                )
            )
            self._next_command_id += 1

    async def _delete_one(self, queue_id: int, query: Mapping[str, list[str]]) -> _Reply:
        flags = self._removal_flags(query)
        # A void action: 200 with an empty body.
        return await self._remove([queue_id], flags, bulk=False) or _Reply(200, empty=True)

    async def _delete_bulk(
        self, query: Mapping[str, list[str]], body: Json | None, *, body_ok: bool
    ) -> _Reply:
        flags = self._removal_flags(query)
        ids = body.get("ids") if isinstance(body, dict) else None
        if not body_ok or not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            return _Reply(400, _validation_errors("ids", 'A JSON body {"ids": [...]} is required.'))
        return await self._remove(cast("list[int]", ids), flags, bulk=True) or _Reply(200, {})

    def _command(self, body: Json | None, *, body_ok: bool) -> _Reply:
        if not body_ok or not isinstance(body, dict):
            return _Reply(400, _validation_errors("", "A non-empty request body is required."))
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            return _Reply(400, _validation_errors("Name", "'Name' must not be empty."))
        known = {c.lower(): c for c in self.profile.commands}
        canonical = known.get(name.lower())
        if canonical is None:
            return _Reply(
                400,
                _validation_errors("Name", f"Unknown command '{name}' for {self.profile.app_name}"),
            )
        now = _now()
        with self._lock:
            command_id = self._next_command_id
            self._next_command_id += 1
            self._commands.append(copy.deepcopy(body))
            if canonical == self.profile.search_command:
                self._searches.append(
                    Search(
                        name=canonical,
                        ids=_search_ids(body, self.profile.search_ids_field),
                        source="command",
                        command_id=command_id,
                    )
                )
        self.library.command_accepted(
            canonical, body, _search_ids(body, self.profile.search_ids_field)
        )
        command_body = {k: v for k, v in body.items() if k != "name"}
        if self.app != "sonarr":  # Sonarr's Command class has no isTypeExclusive
            command_body["isTypeExclusive"] = False
        command_body.update(
            {
                "sendUpdatesToClient": True,
                "updateScheduledTask": True,
                "completionMessage": "Completed",
                "requiresDiskAccess": canonical.startswith("Downloaded"),
                "isExclusive": False,
                "isLongRunning": False,
                "name": canonical,
                "trigger": "manual",
                "suppressMessages": False,
            }
        )
        resource = {
            "name": canonical,
            "commandName": _split_camel(canonical),
            "body": command_body,
            "priority": "normal",
            "status": "queued",
            "result": "unknown",
            "queued": now,
            "trigger": "manual",
            "stateChangeTime": now,
            "sendUpdatesToClient": True,
            "updateScheduledTask": True,
            "id": command_id,
        }
        return _Reply(201, resource)


def _search_ids(body: Mapping[str, Json], field_name: str) -> tuple[int, ...]:
    # The apps bind command bodies case-insensitively; a missing list is an empty one.
    values = next((v for k, v in body.items() if k.lower() == field_name.lower()), None)
    if not isinstance(values, list):
        return ()
    return tuple(v for v in values if isinstance(v, int) and not isinstance(v, bool))


def _validation_errors(prop: str, message: str) -> list[dict[str, Json]]:
    # The apps' FluentValidation failure list.
    return [
        {
            "propertyName": prop,
            "errorMessage": message,
            "severity": "error",
        }
    ]


# --- command line ----------------------------------------------------------------------------


def _qbittorrent_client(url: str, username: str, password: str) -> qbittorrentapi.Client:
    import qbittorrentapi  # noqa: PLC0415 - only the CLI needs it

    client = qbittorrentapi.Client(
        host=url,
        username=username,
        password=password,
        SIMPLE_RESPONSES=True,
        VERIFY_WEBUI_CERTIFICATE=False,
        REQUESTS_ARGS={"timeout": 10},
    )
    client.auth_log_in()
    return client


def fill_queue_from_qbittorrent(
    emulator: ArrEmulator, client: qbittorrentapi.Client, category: str
) -> list[int]:
    """Add one queue record per torrent of ``category`` (read once); return the record ids."""
    ids: list[int] = []
    for torrent in client.torrents_info(category=category):
        state = str(torrent.get("state", ""))
        status, tracked, message = _QBT_STATES.get(state, ("downloading", "ok", None))
        size = _number(torrent.get("size")) or _number(torrent.get("total_size"))
        eta = int(_number(torrent.get("eta")))
        ids.append(
            emulator.add_queue_item(
                str(torrent["hash"]),
                title=str(torrent.get("name", torrent["hash"])),
                status=status,
                tracked_download_status=tracked,
                tracked_download_state="downloading",
                size=size,
                sizeleft=_number(torrent.get("amount_left")),
                timeleft=_timespan(eta) if 0 < eta < _QBT_ETA_INFINITY else None,
                error_message=message,
                status_messages=[{"title": torrent.get("name", ""), "messages": [message]}]
                if message
                else (),
                output_path=str(torrent.get("content_path") or "") or None,
            )
        )
    return ids


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def _torrent_remover(client: qbittorrentapi.Client) -> Callable[[str], None]:
    # Radarr/Sonarr/Lidarr delete the data too when they remove a download from the client.
    def remove(info_hash: str) -> None:
        client.torrents_delete(delete_files=True, torrent_hashes=info_hash)

    return remove


def _timespan(seconds: int) -> str:
    # .NET TimeSpan as the apps serialize it: [d.]hh:mm:ss
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}.{clock}" if days else clock


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a Radarr/Sonarr/Lidarr API emulator.")
    parser.add_argument("--app", choices=sorted(PROFILES), required=True)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--instance-name")
    parser.add_argument("--version")
    parser.add_argument(
        "--queue-from-qbittorrent",
        nargs=4,
        metavar=("URL", "USER", "PASSWORD", "CATEGORY"),
        help="fill the queue with that category's torrents; removals delete them there",
    )
    args = parser.parse_args(argv)
    app = cast("App", args.app)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    client: qbittorrentapi.Client | None = None
    remover: Callable[[str], object] | None = None
    if args.queue_from_qbittorrent:
        url, user, password, _category = args.queue_from_qbittorrent
        client = _qbittorrent_client(url, user, password)
        remover = _torrent_remover(client)

    emulator = ArrEmulator(
        app,
        api_key=args.api_key,
        port=args.port,
        instance_name=args.instance_name,
        version=args.version,
        qbittorrent_remover=remover,
    )
    if client is not None:
        url, _user, _password, category = args.queue_from_qbittorrent
        parts = urlsplit(url)
        emulator.set_download_clients(
            [
                emulator.qbittorrent_client(
                    host=parts.hostname or "localhost",
                    port=parts.port or (443 if parts.scheme == "https" else 80),
                    use_ssl=parts.scheme == "https",
                    url_base=parts.path.strip("/") or None,
                    username=_user,
                    category=category,
                )
            ]
        )
        fill_queue_from_qbittorrent(emulator, client, category)
    with emulator:
        info = {"url": emulator.url, "api_key": emulator.api_key, "app": app}
        print(json.dumps(info), flush=True)  # noqa: T201 - the CLI's output
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(_main())
