"""The files of one torrent, as qBittorrent's `torrents/files` lists them, typed once.

Each row carries its `index` from WebAPI 2.8.2 (qBittorrent 4.3.0) on; an older server lists the
files in index order, so the position stands in for it there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from .torrent import as_int, as_str

DO_NOT_DOWNLOAD = 0  # qBittorrent's file priority for "do not download"


class TorrentFile(NamedTuple):
    """One file of a torrent."""

    file_id: int  # its index: what `torrents/filePrio` takes
    name: str  # path inside the torrent, "/"-separated
    size: int  # bytes
    priority: int  # 0 = do not download; 1, 6, 7 = normal, high, maximal


def file_rows(reply: object) -> tuple[TorrentFile, ...]:
    """Type a `torrents/files` reply; rows that are not objects are left out."""
    rows = reply if isinstance(reply, list) else []
    files = []
    for position, row in enumerate(rows):
        if not isinstance(row, Mapping):
            continue
        index = row.get("index")
        files.append(
            TorrentFile(
                as_int(index) if index is not None else position,
                as_str(row.get("name")),
                max(0, as_int(row.get("size"))),
                as_int(row.get("priority")),
            )
        )
    return tuple(files)
