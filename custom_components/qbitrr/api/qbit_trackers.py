"""A torrent's trackers on one server: what they last said (one request per torrent).

`QbittorrentClient` takes this beside the other calls; it holds the session's lock like
every call. The engine reads the joined messages to spot a torrent its tracker dropped.
"""

from __future__ import annotations

from .qbit_session import LockedSession, one_at_a_time


def tracker_message(rows: object) -> str | None:
    """Join the trackers' messages; DHT, PeX and LSD rows ("** [DHT] **") are left out."""
    texts = [
        str(row["msg"])
        for row in (rows if isinstance(rows, list) else [])
        if isinstance(row, dict)
        and row.get("msg")
        and not str(row.get("url", "")).startswith("** [")
    ]
    return "; ".join(texts) or None


class QbitTrackers(LockedSession):
    """Reading the trackers' messages (blocking; run from an executor)."""

    @one_at_a_time
    def tracker_messages(self, hashes: list[str]) -> dict[str, str | None]:
        """Return the trackers' messages per torrent, joined; DHT, PeX and LSD rows left out."""
        messages: dict[str, str | None] = {}
        with self._translated():
            for torrent_hash in hashes:
                rows = self._api.torrents_trackers(torrent_hash=torrent_hash)
                messages[torrent_hash] = tracker_message(rows)
        return messages
