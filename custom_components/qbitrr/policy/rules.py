"""The rules: each a small named check of one torrent, returning a reason when it is bad.

An Arr's rules are prepared once per evaluation (`ArrRules`): the fixed parts of every reason
are formatted then, and each torrent state maps to the few checks that can match it, so a
torrent costs a dictionary lookup and the checks of its own state.
"""

from __future__ import annotations

from collections.abc import Callable
import re
from typing import Final

from ..model.states import StateGroup, states_of
from .model import Rule, Settings, TorrentInfo
from .routing import UNKNOWN_KINDS

DOWNLOADING_STATES: Final = states_of(StateGroup.DOWNLOADING)

# qBittorrent's ETA for "never".
ETA_INFINITY = 8_640_000

# Tracker messages that mean the torrent is gone from the tracker for good.
_UNREGISTERED = re.compile(
    r"unregistered|not registered|torrent not found|infohash not found|unknown torrent"
    r"|torrent does not exist|torrent has been deleted|trumped|retitled|truncated"
    r"|complete season uploaded|nuked",
    re.IGNORECASE,
)

# Rules whose first answer is a recheck rather than a strike.
RECHECK_FIRST = frozenset({Rule.ERRORED, Rule.MISSING_FILES})

# (torrent, now, since when it is slow or None) -> the reason it is bad, or None.
type Check = Callable[[TorrentInfo, int, int | None], str | None]
type StateChecks = tuple[tuple[Rule, Check], ...]


def unregistered(message: str) -> str | None:
    """Match a tracker message saying the torrent is not (or no longer) registered."""
    if _UNREGISTERED.search(message):
        return f"tracker says: {message.strip()[:120]}"
    return None


class ArrRules:
    """One Arr's settings, prepared for thousands of torrents.

    The guards' values are plain attributes here (one lookup each on the hot path), and the
    reasons' fixed parts are formatted once.
    """

    __slots__ = (
        "_delay_text",
        "_eta_text",
        "_slow_text",
        "arr",
        "checks",
        "grace",
        "max_eta",
        "max_progress",
        "min_age",
        "private_mode",
        "protect_tag",
        "settings",
        "slow_period",
        "slow_speed",
        "slow_states",
        "stall_delay",
        "strike_texts",
        "strikes",
        "tracker_cap",
        "unknown_kind",
    )

    def __init__(self, arr: str, settings: Settings) -> None:
        """Prepare the checks of each state and the reasons' fixed parts."""
        self.arr = arr
        self.settings = settings
        self.stall_delay = settings.stall_delay
        self.slow_speed = settings.slow_speed
        # The states whose download speed is watched: none while the slow rule is off.
        self.slow_states = DOWNLOADING_STATES if settings.slow_speed > 0 else frozenset()
        self.slow_period = settings.slow_period
        self.max_eta = settings.max_eta
        self.strikes = settings.strikes
        self.min_age = settings.min_age
        self.max_progress = settings.max_progress
        self.protect_tag = settings.protect_tag
        self.unknown_kind = UNKNOWN_KINDS[settings.unknown_action]
        self.private_mode = settings.private_mode
        self.grace = settings.unregistered_grace
        self.tracker_cap = settings.max_unregistered_per_tracker
        # "; strike n of m", by n.
        self.strike_texts = tuple(
            f"; strike {n} of {settings.strikes}" for n in range(settings.strikes + 1)
        )
        self._delay_text = f" min (delay {settings.stall_delay // 60} min)"
        self._slow_text = f" KiB/s, below {settings.slow_speed // 1024} KiB/s for "
        self._eta_text = f", above {settings.max_eta // 3600} h"
        self.checks = self._checks_by_state()

    def _checks_by_state(self) -> dict[str, StateChecks]:
        """Map each state to the checks that can match it, in order of precedence.

        The tracker's message is checked first, for every state, by the caller.
        """
        checks: dict[str, StateChecks] = {
            "missingFiles": ((Rule.MISSING_FILES, self.missing_files),),
            "error": ((Rule.ERRORED, self.errored),),
            "metaDL": ((Rule.METADATA, self.metadata),),
            "forcedMetaDL": ((Rule.METADATA, self.metadata),),
            "stalledDL": ((Rule.STALLED, self.stalled),),
        }
        downloading: list[tuple[Rule, Check]] = []
        if self.slow_speed > 0:
            downloading.append((Rule.SLOW, self.slow))
        if self.max_eta > 0:
            downloading.append((Rule.ETA, self.eta))
        if downloading:
            checks.update(dict.fromkeys(DOWNLOADING_STATES, tuple(downloading)))
        return checks

    def stalled(self, torrent: TorrentInfo, now: int, slow_since: int | None) -> str | None:
        """Match stalledDL with no activity for the stall delay (since last active, else added)."""
        since = torrent.last_activity
        if since <= 0:
            since = torrent.added_on
        idle = now - since
        if idle < self.stall_delay:
            return None
        return f"stalled, no activity for {idle // 60}{self._delay_text}"

    def metadata(self, torrent: TorrentInfo, now: int, slow_since: int | None) -> str | None:
        """Match a torrent without metadata for the stall delay since it was added."""
        waited = now - torrent.added_on
        if waited < self.stall_delay:
            return None
        return f"no metadata after {waited // 60}{self._delay_text}"

    def slow(self, torrent: TorrentInfo, now: int, slow_since: int | None) -> str | None:
        """Match a download below the minimum speed for the whole slow period."""
        if slow_since is None:  # not slow now (the caller keeps the clock)
            return None
        slow_for = now - slow_since
        if slow_for < self.slow_period:
            return None
        return f"slow: {torrent.dlspeed // 1024}{self._slow_text}{slow_for // 60} min"

    def eta(self, torrent: TorrentInfo, now: int, slow_since: int | None) -> str | None:
        """Match an estimated time left above the maximum (only asked when the rule is on)."""
        if torrent.eta <= self.max_eta:
            return None
        left = "never" if torrent.eta >= ETA_INFINITY else f"{torrent.eta // 3600} h"
        return f"ETA {left}{self._eta_text}"

    @staticmethod
    def missing_files(_torrent: TorrentInfo, _now: int, _slow_since: int | None) -> str:
        """Match a torrent whose files are gone from disk (asked for missingFiles only)."""
        return "files missing"

    @staticmethod
    def errored(_torrent: TorrentInfo, _now: int, _slow_since: int | None) -> str:
        """Match a torrent qBittorrent reports in error (asked for the error state only)."""
        return "in error state"
