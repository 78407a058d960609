"""One qBittorrent server's session, one call at a time, and the actions sent through it.

`QbittorrentClient` (qbittorrent.py) builds on this: polling and validation there, the actions
on torrents and on the server here, each holding the session's lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
import functools
import threading
from typing import Concatenate

import qbittorrentapi

from ..model.server import ShareLimitFeatures, SpeedLimit, speed_limits
from .library import ignore_environment
from .qbit_errors import QbitConflictError, QbitError, QbitNotQbittorrentError, translate_errors


class LockedSession:
    """The library client of one server, with the lock every public call holds."""

    def __init__(self, api: qbittorrentapi.Client, *, uses_api_key: bool) -> None:
        """Wrap a configured library client."""
        self._api = api
        self._uses_api_key = uses_api_key
        self._lock = threading.Lock()

    @property
    def uses_api_key(self) -> bool:
        """Whether this client authenticates with an API key rather than a password."""
        return self._uses_api_key

    def _translated(self) -> AbstractContextManager[None]:
        """Map the library's exceptions onto ours, knowing how this client authenticates.

        Every request is sent inside this, so it also keeps the session from reading the
        environment per request (the client passes what it read there once).
        """
        ignore_environment(self._api)
        return translate_errors(api_key=self._uses_api_key)


def one_at_a_time[S: LockedSession, **P, R](
    method: Callable[Concatenate[S, P], R],
) -> Callable[Concatenate[S, P], R]:
    """Serialise calls to one server: the session cookie and the sync state are shared.

    Two threads that each meet an expired session would both log in again and race on the
    cookie; the poll, services, handling and category sync all call from executor threads.
    """

    def locked(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            return method(self, *args, **kwargs)

    functools.update_wrapper(locked, method)
    return locked


class QbitActions(LockedSession):
    """What qbitrr does to torrents and to the server (blocking; run from an executor)."""

    @one_at_a_time
    def add_tags(self, hashes: list[str], tags: list[str]) -> None:
        """Add tags (created when missing) to torrents."""
        with self._translated():
            self._api.torrents_add_tags(tags=tags, torrent_hashes=hashes)

    @one_at_a_time
    def remove_tags(self, hashes: list[str], tags: list[str]) -> None:
        """Remove tags from torrents (the tags themselves stay defined)."""
        with self._translated():
            self._api.torrents_remove_tags(tags=tags, torrent_hashes=hashes)

    @one_at_a_time
    def pause(self, hashes: list[str]) -> None:
        """Pause (4.x) or stop (5.x) torrents; the library picks the call."""
        with self._translated():
            self._api.torrents_stop(torrent_hashes=hashes)

    @one_at_a_time
    def resume(self, hashes: list[str]) -> None:
        """Resume (4.x) or start (5.x) torrents."""
        with self._translated():
            self._api.torrents_start(torrent_hashes=hashes)

    @one_at_a_time
    def recheck(self, hashes: list[str]) -> None:
        """Force a recheck of torrents."""
        with self._translated():
            self._api.torrents_recheck(torrent_hashes=hashes)

    @one_at_a_time
    def delete(self, hashes: list[str], *, delete_files: bool) -> None:
        """Delete torrents, with or without their files."""
        with self._translated():
            self._api.torrents_delete(delete_files=delete_files, torrent_hashes=hashes)

    @one_at_a_time
    def set_share_limits(
        self, hashes: list[str], limits: tuple[float, int, int], features: ShareLimitFeatures
    ) -> None:
        """Set per-torrent share limits: (ratio, seeding minutes, inactive minutes), -1 none.

        The server then stops each torrent at its first limit reached: on 5.x the action is set
        per torrent ("Stop"); on 4.x its global action applies (the caller checks it pauses).
        """
        ratio, seeding_minutes, inactive_minutes = limits
        with self._translated():
            self._api.torrents_set_share_limits(
                ratio_limit=ratio,
                seeding_time_limit=seeding_minutes,
                inactive_seeding_time_limit=inactive_minutes if features.inactive_limit else None,
                share_limit_action="Stop" if features.per_torrent_action else None,
                share_limits_mode="Default" if features.limits_mode else None,
                torrent_hashes=hashes,
            )

    @one_at_a_time
    def pauses_on_share_limit(self) -> bool:
        """Whether the server's global action at a share limit is to pause (4.x: 0)."""
        with self._translated():
            preferences = self._api.app_preferences()
        action = preferences.get("max_ratio_act") if isinstance(preferences, Mapping) else None
        return action == 0

    # --- server-wide controls ----------------------------------------------------------------

    @one_at_a_time
    def speed_limits(self) -> dict[SpeedLimit, int]:
        """Read the global and alternative speed limits (bytes/s, 0 = none) from preferences."""
        with self._translated():
            preferences = self._api.app_preferences()
        return speed_limits(preferences if isinstance(preferences, Mapping) else {})

    @one_at_a_time
    def set_speed_limit(self, limit: SpeedLimit, bytes_per_second: int) -> None:
        """Set one global or alternative speed limit (bytes/s, 0 = none).

        Through preferences, not `transfer/setDownloadLimit`: that one sets whichever limits
        are in use, so while the alternative limits are on it would change those instead.
        """
        with self._translated():
            self._api.app_set_preferences({limit.value: bytes_per_second})

    @one_at_a_time
    def set_alternative_speed(self, enabled: bool) -> None:  # noqa: FBT001
        """Use the alternative speed limits (True) or the global ones (False)."""
        with self._translated():
            self._api.transfer_set_speed_limits_mode(intended_state=enabled)

    @one_at_a_time
    def pause_all(self) -> None:
        """Pause (4.x) or stop (5.x) every torrent on the server."""
        with self._translated():
            self._api.torrents_stop(torrent_hashes="all")

    @one_at_a_time
    def resume_all(self) -> None:
        """Resume (4.x) or start (5.x) every torrent on the server."""
        with self._translated():
            self._api.torrents_start(torrent_hashes="all")

    @one_at_a_time
    def content_path(self, torrent_hash: str) -> str | None:
        """Return where a torrent's content is (its file or top folder); None when it is gone."""
        with self._translated():
            rows: object = self._api.torrents_info(torrent_hashes=torrent_hash)
        for row in rows if isinstance(rows, Sequence) else []:
            if isinstance(row, Mapping):
                path = row.get("content_path") or row.get("save_path")
                return str(path) if path else None
        return None

    @one_at_a_time
    def create_categories(self, names: list[str]) -> dict[str, QbitError | None]:
        """Create categories; per name None when created, else why not.

        Each name is tried on its own, so one refused name does not stop the others. A name
        that exists already gives `QbitConflictError`.
        """
        outcome: dict[str, QbitError | None] = {}
        for name in names:
            try:
                with self._translated():
                    self._api.torrents_create_category(name=name)
            except QbitNotQbittorrentError as err:
                # qBittorrent answers 409 for a name that exists (or that it refuses).
                conflict = isinstance(err.__cause__, qbittorrentapi.Conflict409Error)
                outcome[name] = QbitConflictError("exists") if conflict else err
            except QbitError as err:
                outcome[name] = err
            else:
                outcome[name] = None
        return outcome
