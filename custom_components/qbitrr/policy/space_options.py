"""A qBittorrent entry's free-space guard options (in the units its form shows) and settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .space import SpaceOrder, SpaceSettings

OPT_MIN_FREE_SPACE: Final = "min_free_space"  # GiB, 0 = the guard is off
OPT_FREE_SPACE_MARGIN: Final = "free_space_margin"  # GiB
OPT_SPACE_ORDER: Final = "space_order"
# Set by the server's "Free-space guard" switch, not by the form: a minimum stays configured
# while the guard is switched off.
OPT_SPACE_GUARD_ENABLED: Final = "space_guard_enabled"

GIB: Final = 1024**3

DEFAULT_SPACE_OPTIONS: Final[Mapping[str, Any]] = {
    OPT_MIN_FREE_SPACE: 0,
    OPT_FREE_SPACE_MARGIN: 5,
    OPT_SPACE_ORDER: SpaceOrder.NEWEST_FIRST.value,
    OPT_SPACE_GUARD_ENABLED: True,
}


def with_space_defaults(options: Mapping[str, Any]) -> dict[str, Any]:
    """Return the guard's options with every missing key at its default."""
    known = {key: value for key, value in options.items() if key in DEFAULT_SPACE_OPTIONS}
    return {**DEFAULT_SPACE_OPTIONS, **known}


def minimum_free_space(options: Mapping[str, Any]) -> int:
    """Return the minimum free space configured in bytes (0: none), the guard on or off."""
    return max(int(float(with_space_defaults(options)[OPT_MIN_FREE_SPACE]) * GIB), 0)


def space_margin(options: Mapping[str, Any]) -> int:
    """Return the margin configured, in bytes."""
    return max(int(float(with_space_defaults(options)[OPT_FREE_SPACE_MARGIN]) * GIB), 0)


def space_settings_from_options(options: Mapping[str, Any]) -> SpaceSettings | None:
    """Return the guard's settings in bytes; None while it is switched off or unset."""
    merged = with_space_defaults(options)
    minimum = minimum_free_space(merged)
    if not merged[OPT_SPACE_GUARD_ENABLED] or minimum <= 0:
        return None
    return SpaceSettings(
        minimum=minimum,
        margin=space_margin(merged),
        order=SpaceOrder(merged[OPT_SPACE_ORDER]),
    )
