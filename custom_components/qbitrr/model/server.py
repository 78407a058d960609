"""What one qBittorrent server reports about itself, typed like the torrents."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
import ipaddress
import math
import re
from typing import Final, NamedTuple

from .torrent import as_str

CONNECTION_STATUSES: Final = ("connected", "firewalled", "disconnected")
# qBittorrent 5 reports the addresses peers last saw; 4.x has no such fields.
EXTERNAL_ADDRESS_FIELDS: Final = ("last_external_address_v4", "last_external_address_v6")


class ServerState(NamedTuple):
    """The figures of `sync/maindata`'s `server_state`, each typed once here.

    Fields a server has not sent (yet), or sent as something they cannot be, are None:
    unknown, not zero.
    """

    dl_info_speed: int | None = None  # bytes/s
    up_info_speed: int | None = None  # bytes/s
    free_space_on_disk: int | None = None  # bytes
    connection_status: str | None = None  # one of CONNECTION_STATUSES
    alltime_dl: int | None = None  # bytes
    alltime_ul: int | None = None  # bytes
    global_ratio: float | None = None  # sent as text ("1.25")
    dht_nodes: int | None = None
    # The limits in use (bytes/s, 0 = none): the alternative ones while those are on.
    dl_rate_limit: int | None = None
    up_rate_limit: int | None = None
    use_alt_speed_limits: bool | None = None
    last_external_address_v4: str | None = None
    last_external_address_v6: str | None = None
    # Whether the server sends the external addresses at all (5.x), even empty ones.
    reports_external_addresses: bool = False

    def merged(self, partial: Mapping[str, object]) -> ServerState:
        """Return the state after one reply's (partial) `server_state`."""
        values: list[object] = list(self)
        for index, key in enumerate(self._fields):
            coerce = _COERCE.get(key)
            if coerce is not None and key in partial:
                values[index] = coerce(partial[key])
        if any(key in partial for key in EXTERNAL_ADDRESS_FIELDS):
            values[self._fields.index("reports_external_addresses")] = True
        return ServerState._make(values)

    def as_dict(self) -> dict[str, object]:
        """Plain data for diagnostics; the external addresses are the user's, so left out."""
        return {
            key: value
            for key, value in self._asdict().items()
            if key not in EXTERNAL_ADDRESS_FIELDS
        }


class SpeedLimit(StrEnum):
    """A global speed limit; the value is its key in `app/preferences`."""

    DOWNLOAD = "dl_limit"
    UPLOAD = "up_limit"
    ALT_DOWNLOAD = "alt_dl_limit"
    ALT_UPLOAD = "alt_up_limit"


def speed_limits(preferences: Mapping[str, object]) -> dict[SpeedLimit, int]:
    """Read the four limits (bytes/s, 0 = none) from `app/preferences`; junk is left out.

    qBittorrent keeps them in whole KiB/s but reports and takes bytes/s on 4.x and 5.x.
    A negative limit means none, as 0 does.
    """
    limits: dict[SpeedLimit, int] = {}
    for limit in SpeedLimit:
        value = _number_or_none(preferences.get(limit.value))
        if value is not None:
            limits[limit] = max(value, 0)
    return limits


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


def _ratio_or_none(value: object) -> float | None:
    """Return a finite, non-negative ratio (qBittorrent sends it as text), else None."""
    if type(value) is str:
        try:
            value = float(value)
        except ValueError:
            return None
    if type(value) is int:
        value = float(value)
    if type(value) is float and math.isfinite(value) and value >= 0:
        return value
    return None


def _flag_or_none(value: object) -> bool | None:
    return value if type(value) is bool else None


def _status_or_none(value: object) -> str | None:
    text = as_str(value)
    return text if text in CONNECTION_STATUSES else None


def _address_or_none(version: int) -> Callable[[object], str | None]:
    def coerce(value: object) -> str | None:
        try:
            address = ipaddress.ip_address(as_str(value).strip())
        except ValueError:
            return None  # "" while unknown, or not an address at all
        return str(address) if address.version == version else None

    return coerce


_COERCE: Final[Mapping[str, Callable[[object], object]]] = {
    "dl_info_speed": _number_or_none,
    "up_info_speed": _number_or_none,
    "free_space_on_disk": _number_or_none,
    "connection_status": _status_or_none,
    "alltime_dl": _number_or_none,
    "alltime_ul": _number_or_none,
    "global_ratio": _ratio_or_none,
    "dht_nodes": _number_or_none,
    "dl_rate_limit": _number_or_none,
    "up_rate_limit": _number_or_none,
    "use_alt_speed_limits": _flag_or_none,
    "last_external_address_v4": _address_or_none(4),
    "last_external_address_v6": _address_or_none(6),
}


def webapi_tuple(version: str) -> tuple[int, ...]:
    """Return the leading dotted numbers of a WebAPI version ("2.8.19" -> (2, 8, 19))."""
    numbers = re.match(r"^\d+(?:\.\d+)*", version)
    return tuple(int(part) for part in numbers.group().split(".")) if numbers else ()


class ShareLimitFeatures(NamedTuple):
    """Which per-torrent share-limit settings a server's WebAPI takes."""

    inactive_limit: bool  # inactive seeding time: WebAPI 2.9.2 (qBittorrent 4.6)
    per_torrent_action: bool  # the action at the limit, per torrent: WebAPI 2.10.4 (5.0)
    limits_mode: bool  # "match any / all", required from WebAPI 2.16.0

    @classmethod
    def of(cls, webapi: tuple[int, ...]) -> ShareLimitFeatures:
        """Return what a server of this WebAPI version (e.g. (2, 8, 19)) takes."""
        return cls(webapi >= (2, 9, 2), webapi >= (2, 10, 4), webapi >= (2, 16, 0))
