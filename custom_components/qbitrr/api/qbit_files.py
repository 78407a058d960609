"""A torrent's files on one server: the list, "do not download", and the server's own filter.

`QbittorrentClient` takes these beside the other actions (qbit_session.py); each holds the
session's lock like every call. qBittorrent 4.5 and 5.x both keep excluded file names in their
preferences (`excluded_file_names`, one pattern a line, and `excluded_file_names_enabled`): a
torrent added while they are on gets "do not download" on every matching file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import qbittorrentapi

from ..model.files import DO_NOT_DOWNLOAD, TorrentFile, file_rows
from .qbit_errors import QbitNotQbittorrentError
from .qbit_session import LockedSession, one_at_a_time

EXCLUDED_NAMES = "excluded_file_names"
EXCLUDED_NAMES_ENABLED = "excluded_file_names_enabled"


class QbitFiles(LockedSession):
    """Reading and choosing a torrent's files (blocking; run from an executor)."""

    @one_at_a_time
    def file_lists(self, hashes: Sequence[str]) -> dict[str, tuple[TorrentFile, ...]]:
        """Each torrent's files, one request per hash; hashes the server lacks are left out."""
        found: dict[str, tuple[TorrentFile, ...]] = {}
        for torrent_hash in hashes:
            try:
                with self._translated():
                    reply = self._api.torrents_files(torrent_hash=torrent_hash)
            except QbitNotQbittorrentError as err:
                if isinstance(err.__cause__, qbittorrentapi.NotFound404Error):
                    continue  # removed since the last poll
                raise
            found[torrent_hash] = file_rows(reply)
        return found

    @one_at_a_time
    def skip_files(self, torrent_hash: str, indices: Iterable[int]) -> None:
        """Set files of one torrent to "do not download" (priority 0)."""
        with self._translated():
            self._api.torrents_file_priority(
                torrent_hash=torrent_hash, file_ids=sorted(indices), priority=DO_NOT_DOWNLOAD
            )

    @one_at_a_time
    def exclude_file_names(self, patterns: Sequence[str]) -> bool | None:
        """Add patterns to the server's excluded file names and turn the filter on.

        The user's own patterns stay. Returns whether anything changed, or None when the
        server has no such preference (before qBittorrent 4.5).
        """
        with self._translated():
            preferences = self._api.app_preferences()
        if not isinstance(preferences, Mapping) or EXCLUDED_NAMES not in preferences:
            return None
        current = [line for line in str(preferences[EXCLUDED_NAMES]).split("\n") if line]
        missing = [pattern for pattern in patterns if pattern not in current]
        if not missing and preferences.get(EXCLUDED_NAMES_ENABLED) is True:
            return False
        with self._translated():
            self._api.app_set_preferences(
                {EXCLUDED_NAMES: "\n".join([*current, *missing]), EXCLUDED_NAMES_ENABLED: True}
            )
        return True
