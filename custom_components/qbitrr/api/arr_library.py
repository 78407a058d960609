"""The Arr's library side: import a finished download, read its imports, page its wanted lists.

Beside `arr.py` (which reads the queue and removes from it), with the few names that differ
between the apps in one table. No Home Assistant imports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from ..model.arr import ArrApp, ImportedDownload, WantedItem, WantedPage
from .arr import ArrClient, ArrError, ArrNotArrError

WANTED_PAGE_SIZE: Final = 50


class WantedList(StrEnum):
    """The app's two wanted lists."""

    MISSING = "missing"
    CUTOFF_UNMET = "cutoff"


@dataclass(frozen=True, slots=True)
class LibraryTraits:
    """What differs between the apps' library APIs."""

    scan_command: str
    # The history event of a finished download's import (Lidarr's is per album).
    import_event: str
    # Query flags that embed the media in history records and wanted items.
    history_includes: tuple[str, ...]
    wanted_includes: tuple[str, ...]
    # Sorting the wanted lists by it, ascending, puts never-searched items first.
    last_search_sort_key: str


LIBRARY: Final[Mapping[ArrApp, LibraryTraits]] = {
    ArrApp.RADARR: LibraryTraits(
        scan_command="DownloadedMoviesScan",
        import_event="downloadFolderImported",
        history_includes=("includeMovie",),
        wanted_includes=(),
        last_search_sort_key="movies.lastSearchTime",
    ),
    ArrApp.SONARR: LibraryTraits(
        scan_command="DownloadedEpisodesScan",
        import_event="downloadFolderImported",
        history_includes=("includeSeries", "includeEpisode"),
        wanted_includes=("includeSeries",),
        last_search_sort_key="episodes.lastSearchTime",
    ),
    ArrApp.LIDARR: LibraryTraits(
        scan_command="DownloadedAlbumsScan",
        import_event="downloadImported",
        history_includes=("includeArtist", "includeAlbum"),
        wanted_includes=("includeArtist",),
        last_search_sort_key="albums.lastSearchTime",
    ),
}


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _movie_title(movie: Mapping[str, Any]) -> str | None:
    title, year = _str(movie.get("title")), _int(movie.get("year"))
    if title is None:
        return None
    return f"{title} ({year})" if year else title


def _album_title(album: Mapping[str, Any], artist: Mapping[str, Any]) -> str | None:
    parts = [_str(artist.get("artistName")), _str(album.get("title"))]
    return " - ".join(part for part in parts if part) or None


def _episodes_label(episodes: Sequence[Mapping[str, Any]]) -> str:
    """`S01E02`; `S01E01-E08` for several episodes of one season; else their count."""
    numbers = sorted(
        (season, number)
        for episode in episodes
        if (season := _int(episode.get("seasonNumber"))) is not None
        and (number := _int(episode.get("episodeNumber"))) is not None
    )
    if not numbers:
        return ""
    (first_season, first), (last_season, last) = numbers[0], numbers[-1]
    if len(numbers) == 1:
        return f"S{first_season:02d}E{first:02d}"
    if first_season == last_season:
        return f"S{first_season:02d}E{first:02d}-E{last:02d}"
    return f"{len(numbers)} episodes"


def _imported(app: ArrApp, records: Sequence[Mapping[str, Any]]) -> ImportedDownload:
    """One download's import from its history records (Sonarr: one per episode)."""
    newest = max(records, key=lambda record: int(record["id"]))  # ids checked by the caller
    if app is ArrApp.RADARR:
        title = _movie_title(_mapping(newest.get("movie")))
        media_key = "movieId"
    elif app is ArrApp.SONARR:
        series = _str(_mapping(newest.get("series")).get("title"))
        label = _episodes_label([_mapping(record.get("episode")) for record in records])
        title = " ".join(part for part in (series, label) if part) or None
        media_key = "episodeId"
    else:
        title = _album_title(_mapping(newest.get("album")), _mapping(newest.get("artist")))
        media_key = "albumId"
    download_id = _str(newest.get("downloadId"))
    release = _str(newest.get("sourceTitle"))
    quality = _mapping(_mapping(newest.get("quality")).get("quality"))
    return ImportedDownload(
        history_id=int(newest["id"]),
        date=_str(newest.get("date")) or "",
        torrent_hash=download_id.lower() if download_id else None,
        title=title or release or "",
        quality=_str(quality.get("name")),
        release=release,
        media_ids=tuple(
            dict.fromkeys(i for record in records if (i := _int(record.get(media_key))))
        ),
    )


def group_imports(app: ArrApp, payload: object) -> list[ImportedDownload]:
    """Group history records by download (oldest download first); others are skipped."""
    if not isinstance(payload, list):
        raise ArrNotArrError("history is not a list")
    by_download: dict[str, list[Mapping[str, Any]]] = {}
    for record in payload:
        if isinstance(record, Mapping) and _int(record.get("id")) is not None:
            key = _str(record.get("downloadId")) or f"record-{record['id']}"
            by_download.setdefault(key.upper(), []).append(record)
    imports = [_imported(app, records) for records in by_download.values()]
    return sorted(imports, key=lambda found: found.history_id)


def _wanted_item(app: ArrApp, record: Mapping[str, Any]) -> WantedItem | None:
    item_id = _int(record.get("id"))
    if item_id is None:
        return None
    if app is ArrApp.RADARR:
        title = _movie_title(record)
    elif app is ArrApp.SONARR:
        series = _str(_mapping(record.get("series")).get("title"))
        title = " ".join(part for part in (series, _episodes_label([record])) if part)
    else:
        title = _album_title(record, _mapping(record.get("artist")))
    return WantedItem(
        id=item_id,
        title=title or _str(record.get("title")) or str(item_id),
        last_search_time=_str(record.get("lastSearchTime")),
    )


class ArrLibrary:
    """The library requests of one app, sent through its client."""

    def __init__(self, client: ArrClient) -> None:
        """Use the client's session, address and key."""
        self._client = client

    @property
    def _app(self) -> ArrApp:
        if self._client.app is None:
            raise ArrError("app not detected yet")
        return self._client.app

    async def request_import(self, download_id: str, path: str) -> None:
        """Ask the app to import a finished download now, as its completed-download check would.

        `download_id` is the torrent's hash as the apps write it (upper-case); `path` its
        content as the app sees it. Import mode `Auto` lets the app copy (hardlink) a torrent
        that keeps seeding, as its own check does.
        """
        await self._client.call(
            "POST",
            "/command",
            body={
                "name": LIBRARY[self._app].scan_command,
                "path": path,
                "downloadClientId": download_id.upper(),
                "importMode": "Auto",
            },
        )

    async def imports_since(self, since: datetime) -> list[ImportedDownload]:
        """Return the downloads imported at or after `since`, oldest first."""
        app = self._app
        traits = LIBRARY[app]
        params: dict[str, str | int] = {
            "date": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventType": traits.import_event,
        }
        params.update(dict.fromkeys(traits.history_includes, "true"))
        return group_imports(app, await self._client.call("GET", "/history/since", params=params))

    async def wanted(
        self, wanted_list: WantedList, page: int, page_size: int = WANTED_PAGE_SIZE
    ) -> WantedPage:
        """Read a page of a wanted list: monitored items, never or least recently searched first."""
        app = self._app
        traits = LIBRARY[app]
        params: dict[str, str | int] = {
            "page": page,
            "pageSize": page_size,
            "sortKey": traits.last_search_sort_key,
            "sortDirection": "ascending",
            "monitored": "true",
        }
        params.update(dict.fromkeys(traits.wanted_includes, "true"))
        payload = await self._client.call("GET", f"/wanted/{wanted_list.value}", params=params)
        if not isinstance(payload, Mapping) or not isinstance(payload.get("records"), list):
            raise ArrNotArrError("wanted list is not a page")
        records = [r for r in payload["records"] if isinstance(r, Mapping)]
        return WantedPage(
            items=tuple(item for record in records if (item := _wanted_item(app, record))),
            total=_int(payload.get("totalRecords")) or 0,
        )
