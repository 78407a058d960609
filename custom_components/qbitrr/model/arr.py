"""Radarr, Sonarr and Lidarr as qbitrr knows them: the apps and the records read from them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from .url import InvalidUrlError, normalize_url


class ArrApp(StrEnum):
    """The apps qbitrr supports."""

    RADARR = "radarr"
    SONARR = "sonarr"
    LIDARR = "lidarr"


APP_DISPLAY_NAMES: Final[Mapping[ArrApp, str]] = {
    ArrApp.RADARR: "Radarr",
    ArrApp.SONARR: "Sonarr",
    ArrApp.LIDARR: "Lidarr",
}


@dataclass(frozen=True, slots=True)
class ArrStatus:
    """What `system/status` tells."""

    app: ArrApp
    version: str

    @property
    def display_name(self) -> str:
        """The app's name as users know it."""
        return APP_DISPLAY_NAMES[self.app]


@dataclass(frozen=True, slots=True)
class HealthMessage:
    """One entry of the app's health check."""

    source: str
    type: str
    message: str
    wiki_url: str | None

    @property
    def is_problem(self) -> bool:
        """Warnings and errors are problems; notices and ok are not."""
        return self.type in {"warning", "error"}

    def as_dict(self) -> dict[str, str | None]:
        """Plain data for attributes and responses."""
        return {
            "source": self.source,
            "type": self.type,
            "message": self.message,
            "wiki_url": self.wiki_url,
        }


@dataclass(frozen=True, slots=True)
class DiskSpace:
    """Free and total space of one of the app's folders."""

    free_space: int
    total_space: int


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One record of the app's download queue; `torrent_hash` is lower-case like qBittorrent's.

    A season pack or a discography is one download with several records (one per episode or
    album), all with the same hash.
    """

    id: int
    torrent_hash: str | None
    status: str
    download_client: str | None
    media_id: int | None  # the movie, episode or album the record is for
    # How the app tracks the download (trackedDownloadState: importBlocked, failedPending...),
    # its verdict (trackedDownloadStatus: ok, warning, error) and its status messages.
    tracked_state: str = ""
    tracked_status: str = ""
    status_messages: tuple[str, ...] = ()
    # Whether its movie, episode (and series) or album (and artist) is monitored; None when
    # the queue was read without the media.
    monitored: bool | None = None


@dataclass(frozen=True, slots=True)
class DownloadClient:
    """A download client configured in the app, with where it points."""

    name: str
    implementation: str
    enabled: bool
    category: str | None
    host: str | None
    port: int | None
    use_ssl: bool = False
    url_base: str = ""

    @property
    def is_qbittorrent(self) -> bool:
        """Whether the client is a qBittorrent one."""
        return self.implementation.lower() == "qbittorrent"

    @property
    def url(self) -> str | None:
        """The WebUI address the client points at, normalised; None when it cannot be told."""
        if not self.host:
            return None
        scheme = "https" if self.use_ssl else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port else ""
        base = "/" + self.url_base.strip("/") if self.url_base.strip("/") else ""
        try:
            return normalize_url(f"{scheme}://{host}{port}{base}")
        except InvalidUrlError:
            return None


@dataclass(frozen=True, slots=True)
class ImportedDownload:
    """A download the app imported, from its history (one per download, however many files).

    `history_id` is the newest history record of the download: the apps number records in
    order, so it tells which imports were already seen.
    """

    history_id: int
    date: str  # ISO 8601, as the app wrote it
    torrent_hash: str | None  # lower-case like qBittorrent's
    title: str  # "Movie (2024)", "Series S01E02", "Artist - Album"
    quality: str | None
    release: str | None  # the release's name (the torrent's, usually)
    media_ids: tuple[int, ...]  # the movie, episodes or albums imported


@dataclass(frozen=True, slots=True)
class WantedItem:
    """A movie, episode or album on one of the app's wanted lists (missing, cutoff unmet)."""

    id: int
    title: str
    last_search_time: str | None  # ISO 8601; None when the app never searched for it


@dataclass(frozen=True, slots=True)
class WantedPage:
    """One page of a wanted list."""

    items: tuple[WantedItem, ...]
    total: int
