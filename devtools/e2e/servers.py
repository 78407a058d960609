"""What the qBittorrent servers hold, read with their own WebAPI to check qbitrr against."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from devtools.qbittorrent_server import QbittorrentServer

# A torrent field list that a dry run must leave exactly as it was.
STABLE_FIELDS: Final = ("name", "category", "tags", "state", "added_on", "save_path", "progress")


@dataclass(frozen=True)
class ServerView:
    """One qBittorrent server's torrents and categories, read with its own WebAPI."""

    version: str
    torrents: list[dict[str, Any]]
    categories: list[str]

    @property
    def category_counts(self) -> dict[str, int]:
        """Torrents per category; every category the server knows, zero included."""
        counts = dict.fromkeys(self.categories, 0)
        counts.update(Counter(str(t.get("category") or "") for t in self.torrents))
        return dict(sorted(counts.items()))

    def count(self, states: frozenset[str]) -> int:
        """Torrents in one of ``states``."""
        return sum(1 for t in self.torrents if t.get("state") in states)

    def stable(self) -> dict[str, tuple[Any, ...]]:
        """Hash -> the fields a dry run must not change."""
        return {
            str(t["hash"]): tuple(str(t.get(key)) for key in STABLE_FIELDS) for t in self.torrents
        }


def read_server(server: QbittorrentServer) -> ServerView:
    """Read a server's torrents and categories (blocking: run it in a thread)."""
    client = server.client()
    try:
        return ServerView(
            version=str(client.app_version()),
            torrents=[dict(t) for t in client.torrents_info()],
            categories=sorted(client.torrents_categories()),
        )
    finally:
        client.auth_log_out()
