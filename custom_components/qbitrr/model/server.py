"""What one qBittorrent server reports about itself, typed like the torrents."""

from __future__ import annotations

from collections.abc import Mapping
import math
from typing import NamedTuple

from .torrent import as_str


class ServerState(NamedTuple):
    """The transfer figures and disk space of `sync/maindata`'s `server_state`.

    Fields a server has not sent (yet) are None: unknown, not zero.
    """

    dl_info_speed: int | None = None  # bytes/s
    up_info_speed: int | None = None  # bytes/s
    free_space_on_disk: int | None = None  # bytes
    connection_status: str | None = None  # connected, firewalled or disconnected

    def merged(self, partial: Mapping[str, object]) -> ServerState:
        """Return the state after one reply's (partial) `server_state`."""
        values: list[int | str | None] = list(self)
        for index, key in enumerate(self._fields):
            if key not in partial:
                continue
            if key == "connection_status":
                values[index] = as_str(partial[key]) or None
            else:
                values[index] = _number_or_none(partial[key])
        return ServerState._make(values)

    def as_dict(self) -> dict[str, int | str | None]:
        """Plain data for diagnostics."""
        return dict(self._asdict())


def _number_or_none(value: object) -> int | None:
    """Return a finite whole number, or None for anything that is not one."""
    if type(value) is int:
        return value
    if type(value) is str:
        try:
            value = float(value)
        except ValueError:
            return None
    if type(value) is float and math.isfinite(value):
        return int(value)
    return None
