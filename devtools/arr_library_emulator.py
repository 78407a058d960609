"""The library side of the Arr emulator: wanted lists, import history, and what commands do to them.

``ArrEmulator`` keeps one ``EmulatedLibrary`` (``emulator.library``) and hands it the GET
requests it does not answer itself and every accepted command. The shapes follow the apps'
OpenAPI documents (MovieResource, EpisodeResource, AlbumResource, HistoryResource):

- ``GET wanted/missing`` and ``GET wanted/cutoff``: monitored items (``monitored=false``: the
  unmonitored ones) without a file, or below the cutoff; paged, sorted by ``sortKey`` (the
  app's ``movies/episodes/albums.lastSearchTime`` puts never-searched items first; anything
  else sorts by id, as an unknown key falls back to the default). Sonarr embeds ``series``
  with ``includeSeries=true``, Lidarr ``artist`` with ``includeArtist=true``.
- ``GET history/since?date=...&eventType=...``: history records at or after ``date``, oldest
  first; ``includeMovie`` / ``includeSeries`` + ``includeEpisode`` / ``includeArtist`` +
  ``includeAlbum`` embed the media.
- ``DownloadedMoviesScan`` / ``DownloadedEpisodesScan`` / ``DownloadedAlbumsScan`` naming a
  ``downloadClientId`` registered with ``add_grab`` import it: one ``downloadFolderImported``
  record per movie or episode (Lidarr: ``downloadImported`` per album), the items leave the
  missing list. The search command sets ``lastSearchTime`` of the items it names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import copy
from dataclasses import dataclass
from datetime import UTC, datetime
import threading
from typing import Any, Final

type Json = Any

_IMPORT_EVENT: Final = {
    "radarr": "downloadFolderImported",
    "sonarr": "downloadFolderImported",
    "lidarr": "downloadImported",
}
_SCAN_COMMAND: Final = {
    "radarr": "DownloadedMoviesScan",
    "sonarr": "DownloadedEpisodesScan",
    "lidarr": "DownloadedAlbumsScan",
}
_LAST_SEARCH_KEY: Final = {
    "radarr": "movies.lastsearchtime",
    "sonarr": "episodes.lastsearchtime",
    "lidarr": "albums.lastsearchtime",
}
_REVISION: Final[Mapping[str, Json]] = {"version": 1, "real": 0, "isRepack": False}
_INCLUDES: Final = (
    "includeMovie",
    "includeSeries",
    "includeEpisode",
    "includeArtist",
    "includeAlbum",
)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _stamp(when: datetime | None = None) -> str:
    return (when or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _values(query: Mapping[str, list[str]], name: str) -> list[str]:
    return [v for key, values in query.items() if key.lower() == name.lower() for v in values]


def _flag(query: Mapping[str, list[str]], name: str, *, default: bool) -> bool:
    values = _values(query, name)
    return values[0].lower() == "true" if values else default


def _number(query: Mapping[str, list[str]], name: str, default: int) -> int:
    values = _values(query, name)
    try:
        return int(values[0]) if values else default
    except ValueError:
        return default


@dataclass
class LibraryItem:
    """A movie (Radarr), an episode (Sonarr) or an album (Lidarr) of the emulated library.

    ``parent_id``/``parent_title`` are the episode's series or the album's artist.
    """

    id: int
    title: str
    year: int = 2024
    parent_id: int = 1
    parent_title: str = "Emulated"
    season: int = 1
    episode: int = 1
    monitored: bool = True
    missing: bool = True
    cutoff_unmet: bool = False
    last_search_time: str | None = None


class EmulatedLibrary:
    """Wanted lists and import history of one emulated app (thread-safe)."""

    def __init__(self, app: str, quality: Mapping[str, Json]) -> None:
        """Start empty: no items, no history."""
        self.app = app
        self._quality = dict(quality)
        self._lock = threading.Lock()
        self._items: dict[int, LibraryItem] = {}
        self._history: list[dict[str, Json]] = []
        self._grabs: dict[str, tuple[tuple[int, ...], str]] = {}

    # --- state ---------------------------------------------------------------------------

    def add_item(self, item_id: int, title: str, **fields: Any) -> LibraryItem:
        """Add (or replace) a movie/episode/album; see ``LibraryItem`` for the fields."""
        item = LibraryItem(item_id, title, **fields)
        with self._lock:
            self._items[item_id] = item
        return item

    def item(self, item_id: int) -> LibraryItem:
        """One item as it is now (a copy)."""
        with self._lock:
            return copy.copy(self._items[item_id])

    def set_last_search_time(self, item_id: int, when: str | None) -> None:
        """Set or clear when the app last searched an item (a database restore, say)."""
        with self._lock:
            self._items[item_id].last_search_time = when

    def add_grab(self, download_id: str, item_ids: Sequence[int], release: str) -> None:
        """Tell which items a download carries, so its scan command imports them."""
        with self._lock:
            self._grabs[download_id.upper()] = (tuple(item_ids), release)

    @property
    def history(self) -> list[dict[str, Json]]:
        """Every history record, oldest first (without embedded media)."""
        with self._lock:
            return copy.deepcopy(self._history)

    def add_import(
        self,
        download_id: str,
        item_ids: Sequence[int],
        release: str,
        *,
        when: datetime | None = None,
    ) -> list[int]:
        """Record the import of a download (one record per item); return the record ids."""
        event = _IMPORT_EVENT[self.app]
        ids: list[int] = []
        with self._lock:
            for item_id in item_ids:
                item = self._items[item_id]
                item.missing = False
                record_id = len(self._history) + 1
                record = self._record_keys(item)
                record.update(
                    {
                        "sourceTitle": release,
                        "quality": {"quality": dict(self._quality), "revision": dict(_REVISION)},
                        "customFormats": [],
                        "customFormatScore": 0,
                        "qualityCutoffNotMet": False,
                        "date": _stamp(when),
                        "downloadId": download_id.upper(),
                        "eventType": event,
                        "data": {"downloadClient": "qBittorrent", "importedPath": f"/{release}"},
                        "id": record_id,
                    }
                )
                if self.app != "lidarr":
                    record["languages"] = [{"id": 1, "name": "English"}]
                self._history.append(record)
                ids.append(record_id)
        return ids

    def _record_keys(self, item: LibraryItem) -> dict[str, Json]:
        if self.app == "radarr":
            return {"movieId": item.id}
        if self.app == "sonarr":
            return {"episodeId": item.id, "seriesId": item.parent_id}
        return {"albumId": item.id, "artistId": item.parent_id, "trackId": 0}

    # --- what the emulator hands over --------------------------------------------------------

    def command_accepted(self, name: str, body: Mapping[str, Json], ids: Sequence[int]) -> None:
        """React to an accepted command: a scan imports a known download, a search stamps."""
        if name == _SCAN_COMMAND[self.app]:
            download_id = str(body.get("downloadClientId") or "").upper()
            with self._lock:
                grab = self._grabs.pop(download_id, None)
            if grab is not None:
                self.add_import(download_id, grab[0], grab[1])
            return
        now = _stamp()
        with self._lock:
            for item_id in ids:
                if item_id in self._items:
                    self._items[item_id].last_search_time = now

    def get(self, rel: str, query: Mapping[str, list[str]]) -> Json | None:
        """Answer ``GET <rel>`` if it is a library path (``rel`` lower-case); else None."""
        if rel in {"wanted/missing", "wanted/cutoff"}:
            return self._wanted_page(rel.split("/")[1], query)
        if rel == "history/since":
            return self._history_since(query)
        return None

    # --- resources ---------------------------------------------------------------------------

    def _parent(self, item: LibraryItem) -> dict[str, Json]:
        if self.app == "sonarr":
            return {
                "id": item.parent_id,
                "title": item.parent_title,
                "sortTitle": item.parent_title.lower(),
                "monitored": True,
                "year": item.year,
            }
        return {
            "id": item.parent_id,
            "artistName": item.parent_title,
            "sortName": item.parent_title.lower(),
            "monitored": True,
        }

    def _resource(self, item: LibraryItem, *, with_parent: bool) -> dict[str, Json]:
        if self.app == "radarr":
            resource: dict[str, Json] = {
                "id": item.id,
                "title": item.title,
                "sortTitle": item.title.lower(),
                "year": item.year,
                "monitored": item.monitored,
                "hasFile": not item.missing,
                "qualityProfileId": 1,
            }
        elif self.app == "sonarr":
            resource = {
                "id": item.id,
                "seriesId": item.parent_id,
                "seasonNumber": item.season,
                "episodeNumber": item.episode,
                "title": item.title,
                "hasFile": not item.missing,
                "monitored": item.monitored,
            }
        else:
            resource = {
                "id": item.id,
                "title": item.title,
                "artistId": item.parent_id,
                "monitored": item.monitored,
                "albumType": "Album",
            }
        if item.last_search_time is not None:
            resource["lastSearchTime"] = item.last_search_time
        if with_parent and self.app != "radarr":
            resource["series" if self.app == "sonarr" else "artist"] = self._parent(item)
        return resource

    def _wanted_page(self, which: str, query: Mapping[str, list[str]]) -> dict[str, Json]:
        page = max(_number(query, "page", 1), 1)
        page_size = _number(query, "pageSize", 10)
        page_size = page_size if page_size >= 1 else 10
        sort_key = (_values(query, "sortKey") or ["default"])[0]
        direction = (_values(query, "sortDirection") or ["ascending"])[0].lower()
        monitored = _flag(query, "monitored", default=True)
        parent_flag = {"sonarr": "includeSeries", "lidarr": "includeArtist"}.get(self.app, "")
        with_parent = bool(parent_flag) and _flag(query, parent_flag, default=False)
        with self._lock:
            items = [
                copy.copy(item)
                for item in self._items.values()
                if item.monitored == monitored
                and (item.missing if which == "missing" else item.cutoff_unmet and not item.missing)
            ]
        if sort_key.lower() == _LAST_SEARCH_KEY[self.app]:
            # SQL sorts NULL first when ascending.
            items.sort(key=lambda item: (item.last_search_time is not None, item.last_search_time))
        else:
            items.sort(key=lambda item: item.id)
        if direction == "descending":
            items.reverse()
        chunk = items[(page - 1) * page_size : page * page_size]
        return {
            "page": page,
            "pageSize": page_size,
            "sortKey": sort_key,
            "sortDirection": direction,
            "totalRecords": len(items),
            "records": [self._resource(item, with_parent=with_parent) for item in chunk],
        }

    def _history_since(self, query: Mapping[str, list[str]]) -> list[dict[str, Json]]:
        since_text = (_values(query, "date") or [""])[0]
        try:
            since = datetime.fromisoformat(since_text) if since_text else _EPOCH
        except ValueError:
            since = _EPOCH
        since = since.replace(tzinfo=since.tzinfo or UTC)
        event_type = next(iter(_values(query, "eventType")), None)
        include = {name: _flag(query, name, default=False) for name in _INCLUDES}
        with self._lock:
            records = [
                (copy.deepcopy(record), self._items.get(self._item_id(record)))
                for record in self._history
                if datetime.fromisoformat(record["date"]) >= since
                and (event_type is None or record["eventType"].lower() == event_type.lower())
            ]
        answer: list[dict[str, Json]] = []
        for record, item in records:
            if item is not None:
                self._embed(record, item, include)
            answer.append(record)
        return answer

    def _item_id(self, record: Mapping[str, Json]) -> int:
        key = {"radarr": "movieId", "sonarr": "episodeId", "lidarr": "albumId"}[self.app]
        return int(record[key])

    def _embed(
        self, record: dict[str, Json], item: LibraryItem, include: Mapping[str, bool]
    ) -> None:
        if self.app == "radarr" and include["includeMovie"]:
            record["movie"] = self._resource(item, with_parent=False)
        elif self.app == "sonarr":
            if include["includeEpisode"]:
                record["episode"] = self._resource(item, with_parent=False)
            if include["includeSeries"]:
                record["series"] = self._parent(item)
        elif self.app == "lidarr":
            if include["includeAlbum"]:
                record["album"] = self._resource(item, with_parent=False)
            if include["includeArtist"]:
                record["artist"] = self._parent(item)
