"""A torrent's properties (`torrents/properties`): what the list does not tell on every server.

qBittorrent 4.x lists no private flag; 4.5.1 and later tell it here as `is_private` (4.5.0 not
at all). Typed once here, like the torrent list (`updated_torrent`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .torrent import as_flag, as_float, as_int


@dataclass(frozen=True, slots=True)
class TorrentProperties:
    """One torrent's properties that qbitrr reads; times in seconds, amounts in bytes."""

    private: int = -1  # 1 private, 0 public, -1 unknown (not told, or no metadata yet)
    seeding_time: int = 0  # time spent seeding (complete), summed over sessions
    time_active: int = 0  # time spent started, downloading or seeding (`time_elapsed`)
    total_downloaded: int = 0
    share_ratio: float = 0.0

    @classmethod
    def from_reply(cls, reply: Mapping[str, object]) -> TorrentProperties:
        """Type a `torrents/properties` reply; missing or hostile values become safe ones."""
        return cls(
            private=_private(reply),
            seeding_time=max(as_int(reply.get("seeding_time")), 0),
            time_active=max(as_int(reply.get("time_elapsed")), 0),
            total_downloaded=max(as_int(reply.get("total_downloaded")), 0),
            share_ratio=max(as_float(reply.get("share_ratio")), 0.0),
        )


def _private(reply: Mapping[str, object]) -> int:
    """Return the flag; -1 when the reply does not tell or the torrent has no metadata yet.

    Without metadata (a magnet still looking for it) both versions answer "not private"
    whatever the torrent turns out to be: 5.x says `has_metadata: false`, 4.x `pieces_num: -1`.
    """
    if "has_metadata" in reply:
        has_metadata = as_flag(reply["has_metadata"]) == 1
    else:
        has_metadata = as_int(reply.get("pieces_num", 1)) > 0
    if not has_metadata:
        return -1
    return as_flag(reply.get("is_private", reply.get("private")))
