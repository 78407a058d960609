"""An Arr entry's options (in the units its form shows) and the engine settings they make."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .imports import parse_patterns
from .model import (
    DEFAULT_IMPORT_PATTERNS,
    DEFAULT_PROTECT_TAG,
    PrivateMode,
    Settings,
    UnknownTorrentAction,
)

OPT_STALL_DELAY: Final = "stall_delay"  # minutes
OPT_SLOW_SPEED: Final = "slow_speed"  # KiB/s, 0 = off
OPT_SLOW_PERIOD: Final = "slow_period"  # minutes
OPT_MAX_ETA: Final = "max_eta"  # hours, 0 = off
OPT_STRIKES: Final = "strikes"
OPT_MIN_AGE: Final = "min_age"  # minutes
OPT_MAX_PROGRESS: Final = "max_progress"  # percent
OPT_PROTECT_TAG: Final = "protect_tag"
OPT_MAX_REMOVALS: Final = "max_removals"
OPT_UNKNOWN_ACTION: Final = "unknown_action"
OPT_AUTO_HANDLE: Final = "auto_handle"
OPT_AUTO_INTERVAL: Final = "auto_interval"  # minutes
OPT_UNREGISTERED_GRACE: Final = "unregistered_grace"  # minutes
OPT_MAX_UNREGISTERED_PER_TRACKER: Final = "max_unregistered_per_tracker"  # 0 = no cap
OPT_PRIVATE_MODE: Final = "private_mode"
OPT_INSTANT_IMPORT: Final = "instant_import"
OPT_SEARCH_COOLDOWN: Final = "search_cooldown"  # hours
OPT_ASK_BEFORE_REMOVING: Final = "ask_before_removing"
OPT_IMPORT_BLOCKED_DELAY: Final = "import_blocked_delay"  # minutes, 0 = off
OPT_IMPORT_PATTERNS: Final = "import_patterns"  # text, one pattern a line
OPT_REMOVE_UNMONITORED: Final = "remove_unmonitored"

DEFAULT_OPTIONS: Final[Mapping[str, Any]] = {
    OPT_STALL_DELAY: 15,
    OPT_SLOW_SPEED: 0,
    OPT_SLOW_PERIOD: 30,
    OPT_MAX_ETA: 0,
    OPT_STRIKES: 3,
    OPT_MIN_AGE: 3,
    OPT_MAX_PROGRESS: 99,
    OPT_PROTECT_TAG: DEFAULT_PROTECT_TAG,
    OPT_MAX_REMOVALS: 10,
    OPT_UNKNOWN_ACTION: UnknownTorrentAction.TAG.value,
    # Off by default: the user opts in to automatic removals.
    OPT_AUTO_HANDLE: False,
    OPT_AUTO_INTERVAL: 30,
    OPT_UNREGISTERED_GRACE: 10,
    OPT_MAX_UNREGISTERED_PER_TRACKER: 5,
    OPT_PRIVATE_MODE: PrivateMode.KEEP_SEEDING.value,
    OPT_INSTANT_IMPORT: True,
    OPT_SEARCH_COOLDOWN: 24,
    OPT_ASK_BEFORE_REMOVING: False,
    OPT_IMPORT_BLOCKED_DELAY: 30,
    OPT_IMPORT_PATTERNS: "\n".join(DEFAULT_IMPORT_PATTERNS),
    OPT_REMOVE_UNMONITORED: False,
}


def with_defaults(options: Mapping[str, Any]) -> dict[str, Any]:
    """Return the options with every missing key at its default."""
    return {**DEFAULT_OPTIONS, **options}


def settings_from_options(options: Mapping[str, Any]) -> Settings:
    """Turn an entry's options into the engine's settings (seconds, bytes/s, fractions)."""
    merged = with_defaults(options)
    return Settings(
        stall_delay=int(merged[OPT_STALL_DELAY] * 60),
        slow_speed=int(merged[OPT_SLOW_SPEED] * 1024),
        slow_period=int(merged[OPT_SLOW_PERIOD] * 60),
        max_eta=int(merged[OPT_MAX_ETA] * 3600),
        strikes=max(1, int(merged[OPT_STRIKES])),
        min_age=int(merged[OPT_MIN_AGE] * 60),
        max_progress=float(merged[OPT_MAX_PROGRESS]) / 100,
        protect_tag=str(merged[OPT_PROTECT_TAG]).strip(),
        max_removals=max(0, int(merged[OPT_MAX_REMOVALS])),
        unknown_action=UnknownTorrentAction(merged[OPT_UNKNOWN_ACTION]),
        private_mode=PrivateMode(merged[OPT_PRIVATE_MODE]),
        unregistered_grace=int(merged[OPT_UNREGISTERED_GRACE] * 60),
        max_unregistered_per_tracker=max(0, int(merged[OPT_MAX_UNREGISTERED_PER_TRACKER])),
        ask_before_removing=bool(merged[OPT_ASK_BEFORE_REMOVING]),
        import_blocked_delay=max(0, int(merged[OPT_IMPORT_BLOCKED_DELAY] * 60)),
        import_patterns=parse_patterns(str(merged[OPT_IMPORT_PATTERNS])),
        remove_unmonitored=bool(merged[OPT_REMOVE_UNMONITORED]),
    )
