"""An asyncio client for Radarr, Sonarr and Lidarr: no Home Assistant imports.

The three apps share one API shape and differ in a few names (API base, the query flag that
includes queue items of unknown media, the download client's category field, the search
command and its id list), so those live in one table rather than in three classes. The
aiohttp session is passed in; Home Assistant passes its shared one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
import json
from typing import Any, Final

import aiohttp

from ..model.arr import (
    APP_DISPLAY_NAMES,
    ArrApp,
    ArrStatus,
    DiskSpace,
    DownloadClient,
    HealthMessage,
    QueueItem,
)
from ..model.url import normalize_url

DEFAULT_TIMEOUT: Final = aiohttp.ClientTimeout(total=30, connect=10)
QUEUE_PAGE_SIZE: Final = 250
# A queue larger than this is a broken server answering the same page forever.
_MAX_QUEUE_PAGES: Final = 400


@dataclass(frozen=True, slots=True)
class ArrAppTraits:
    """What differs between the apps' APIs."""

    api_base: str
    include_unknown_param: str
    category_field: str
    search_command: str
    search_ids_field: str
    media_id_field: str


APPS: Final[Mapping[ArrApp, ArrAppTraits]] = {
    ArrApp.RADARR: ArrAppTraits(
        api_base="/api/v3",
        include_unknown_param="includeUnknownMovieItems",
        category_field="movieCategory",
        search_command="MoviesSearch",
        search_ids_field="movieIds",
        media_id_field="movieId",
    ),
    ArrApp.SONARR: ArrAppTraits(
        api_base="/api/v3",
        include_unknown_param="includeUnknownSeriesItems",
        category_field="tvCategory",
        search_command="EpisodeSearch",
        search_ids_field="episodeIds",
        media_id_field="episodeId",
    ),
    ArrApp.LIDARR: ArrAppTraits(
        api_base="/api/v1",
        include_unknown_param="includeUnknownArtistItems",
        category_field="musicCategory",
        search_command="AlbumSearch",
        search_ids_field="albumIds",
        media_id_field="albumId",
    ),
}
_BY_APP_NAME: Final = {name.lower(): app for app, name in APP_DISPLAY_NAMES.items()}
# Where to look for system/status: Radarr and Sonarr answer on v3, Lidarr on v1.
_PROBE_BASES: Final = ("/api/v3", "/api/v1")


class ArrError(Exception):
    """Base class of the errors this client raises."""


class ArrConnectionError(ArrError):
    """The app could not be reached, timed out or answered with a server error."""


class ArrSSLError(ArrConnectionError):
    """The TLS handshake failed."""


class ArrAuthError(ArrError):
    """The app refused the API key."""


class ArrNotArrError(ArrError):
    """Something answered, but not a Radarr, Sonarr or Lidarr API."""


class ArrUnsupportedAppError(ArrError):
    """An *arr API answered, but of an app qbitrr does not manage (Prowlarr, Readarr...)."""

    def __init__(self, app_name: str) -> None:
        """Keep the app's own name for the message."""
        super().__init__(app_name)
        self.app_name = app_name


def _as_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _as_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _records(payload: object) -> list[Mapping[str, Any]]:
    if not isinstance(payload, list):
        raise ArrNotArrError("expected a list")
    return [item for item in payload if isinstance(item, Mapping)]


# The queue's query flags that embed each record's media (with its `monitored` flag), and the
# record keys they fill: an episode counts as monitored only while its series is too.
INCLUDE_MEDIA_PARAMS: Final[Mapping[ArrApp, tuple[str, ...]]] = {
    ArrApp.RADARR: ("includeMovie",),
    ArrApp.SONARR: ("includeSeries", "includeEpisode"),
    ArrApp.LIDARR: ("includeArtist", "includeAlbum"),
}
_MEDIA_KEYS: Final = ("movie", "series", "episode", "artist", "album")


def _status_messages(value: object) -> tuple[str, ...]:
    """Each status message's texts; its title when it has none (the apps put some there)."""
    texts: list[str] = []
    for message in value if isinstance(value, list) else ():
        if not isinstance(message, Mapping):
            continue
        lines = [m for m in message.get("messages") or () if isinstance(m, str) and m.strip()]
        title = _as_str(message.get("title"))
        texts.extend(lines or ([title] if title else []))
    return tuple(dict.fromkeys(texts))


def _monitored(record: Mapping[str, Any]) -> bool | None:
    embedded = [record.get(key) for key in _MEDIA_KEYS]
    flags = [
        media["monitored"]
        for media in embedded
        if isinstance(media, Mapping) and isinstance(media.get("monitored"), bool)
    ]
    return all(flags) if flags else None


def parse_queue_record(record: Mapping[str, Any], traits: ArrAppTraits) -> QueueItem | None:
    """Turn one queue record into a QueueItem; records without an integer id are skipped."""
    item_id = _as_int(record.get("id"))
    if item_id is None:
        return None
    download_id = _as_str(record.get("downloadId"))
    return QueueItem(
        id=item_id,
        torrent_hash=download_id.lower() if download_id else None,
        status=_as_str(record.get("status")) or "unknown",
        download_client=_as_str(record.get("downloadClient")),
        media_id=_as_int(record.get(traits.media_id_field)),
        tracked_state=_as_str(record.get("trackedDownloadState")) or "",
        tracked_status=_as_str(record.get("trackedDownloadStatus")) or "",
        status_messages=_status_messages(record.get("statusMessages")),
        monitored=_monitored(record),
    )


def _download_client(record: Mapping[str, Any], traits: ArrAppTraits) -> DownloadClient:
    fields = {
        field["name"]: field.get("value")
        for field in record.get("fields") or []
        if isinstance(field, Mapping) and isinstance(field.get("name"), str)
    }
    category = fields.get(traits.category_field)
    return DownloadClient(
        name=_as_str(record.get("name")) or "",
        implementation=_as_str(record.get("implementation")) or "",
        enabled=record.get("enable") is True,
        category=category if isinstance(category, str) and category else None,
        host=_as_str(fields.get("host")),
        port=_as_int(fields.get("port")),
        use_ssl=fields.get("useSsl") is True,
        url_base=_as_str(fields.get("urlBase")) or "",
    )


class ArrClient:
    """One Radarr, Sonarr or Lidarr instance."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        api_key: str,
        *,
        app: ArrApp | None = None,
        timeout: aiohttp.ClientTimeout | None = None,
    ) -> None:
        """Prepare a client; `app` may be left out and found by `detect()`."""
        self.url = normalize_url(url)
        self._session = session
        self._api_key = api_key
        self._timeout = timeout or DEFAULT_TIMEOUT
        self.app = app

    @property
    def traits(self) -> ArrAppTraits:
        """The API names of this app (after `detect()` or when given)."""
        if self.app is None:
            raise ArrError("app not detected yet")
        return APPS[self.app]

    async def _request(
        self,
        method: str,
        path: str,
        *,
        base: str | None = None,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send one request and return the decoded JSON (None for an empty body)."""
        url = f"{self.url}{base if base is not None else self.traits.api_base}{path}"
        try:
            async with self._session.request(
                method,
                url,
                params=params,
                json=body,
                headers={"X-Api-Key": self._api_key, "Accept": "application/json"},
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                if response.status == HTTPStatus.UNAUTHORIZED:
                    raise ArrAuthError("API key refused")
                if response.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
                    raise ArrConnectionError(f"server error {response.status}")
                if response.status >= HTTPStatus.MULTIPLE_CHOICES:
                    # 404 on the API paths, or a login redirect: not an Arr API we can use.
                    raise ArrNotArrError(f"HTTP {response.status}")
                text = await response.text()
        except (aiohttp.ClientSSLError, aiohttp.ClientConnectorCertificateError) as err:
            raise ArrSSLError("TLS handshake failed") from err
        except TimeoutError as err:
            raise ArrConnectionError("timeout") from err
        except aiohttp.ClientError as err:
            raise ArrConnectionError(type(err).__name__) from err
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError as err:
            raise ArrNotArrError("reply is not JSON") from err

    async def detect(self) -> ArrStatus:
        """Find which app answers at the URL, and its API base; sets `app`."""
        last_error: ArrError = ArrNotArrError("no API answered")
        for base in _PROBE_BASES:
            try:
                payload = await self._request("GET", "/system/status", base=base)
            except ArrNotArrError as err:
                last_error = err
                continue
            status = self._parse_status(payload, expected_base=base)
            self.app = status.app
            return status
        raise last_error

    async def status(self) -> ArrStatus:
        """Read `system/status` of the known app."""
        return self._parse_status(await self._request("GET", "/system/status"))

    def _parse_status(self, payload: object, expected_base: str | None = None) -> ArrStatus:
        if not isinstance(payload, Mapping) or not isinstance(payload.get("appName"), str):
            raise ArrNotArrError("no appName")
        app_name: str = payload["appName"]
        app = _BY_APP_NAME.get(app_name.lower())
        if app is None or (expected_base is not None and APPS[app].api_base != expected_base):
            raise ArrUnsupportedAppError(app_name)
        return ArrStatus(app=app, version=_as_str(payload.get("version")) or "")

    async def health(self) -> list[HealthMessage]:
        """Read the app's health check."""
        return [
            HealthMessage(
                source=_as_str(item.get("source")) or "",
                type=_as_str(item.get("type")) or "ok",
                message=_as_str(item.get("message")) or "",
                wiki_url=_as_str(item.get("wikiUrl")),
            )
            for item in _records(await self._request("GET", "/health"))
        ]

    async def disk_space(self) -> list[DiskSpace]:
        """Read free and total space of the app's folders."""
        return [
            DiskSpace(
                free_space=_as_int(item.get("freeSpace")) or 0,
                total_space=_as_int(item.get("totalSpace")) or 0,
            )
            for item in _records(await self._request("GET", "/diskspace"))
        ]

    async def download_clients(self) -> list[DownloadClient]:
        """Read the configured download clients (qBittorrent ones carry the category)."""
        traits = self.traits
        return [
            _download_client(item, traits)
            for item in _records(await self._request("GET", "/downloadclient"))
        ]

    async def queue(self, *, include_media: bool = False) -> list[QueueItem]:
        """Read the whole download queue, every page; with its media's `monitored` if asked.

        The media make the answer several times larger: asked only when a rule needs them.
        """
        traits = self.traits
        media = INCLUDE_MEDIA_PARAMS[self.app] if include_media and self.app else ()
        items: list[QueueItem] = []
        for page in range(1, _MAX_QUEUE_PAGES + 1):
            payload = await self._request(
                "GET",
                "/queue",
                params={
                    "page": page,
                    "pageSize": QUEUE_PAGE_SIZE,
                    traits.include_unknown_param: "true",
                    **dict.fromkeys(media, "true"),
                },
            )
            if not isinstance(payload, Mapping):
                raise ArrNotArrError("queue is not a page")
            records = _records(payload.get("records"))
            items.extend(item for record in records if (item := parse_queue_record(record, traits)))
            total = _as_int(payload.get("totalRecords")) or 0
            if not records or page * QUEUE_PAGE_SIZE >= total:
                break
        return items

    async def remove_from_queue(
        self, item_id: int, *, remove_from_client: bool, blocklist: bool, skip_redownload: bool
    ) -> None:
        """Remove one queue item, optionally deleting it in the client and blocklisting it.

        With `skip_redownload` the app does not search for a replacement itself after a
        blocklisting removal (qbitrr then searches, and knows what it searched).
        """
        await self._request(
            "DELETE",
            f"/queue/{item_id}",
            params={
                "removeFromClient": str(remove_from_client).lower(),
                "blocklist": str(blocklist).lower(),
                "skipRedownload": str(skip_redownload).lower(),
            },
        )

    async def search(self, media_ids: Sequence[int]) -> None:
        """Ask the app to search again for the given movies, episodes or albums."""
        traits = self.traits
        await self._request(
            "POST",
            "/command",
            body={"name": traits.search_command, traits.search_ids_field: list(media_ids)},
        )

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        """Send one request to this app's API (for the modules beside this one, `arr_library`)."""
        return await self._request(method, path, params=params, body=body)
