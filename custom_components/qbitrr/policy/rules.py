"""The rules: each a small named check of one torrent, returning a reason when it is bad."""

from __future__ import annotations

from collections.abc import Callable
import re
from typing import NamedTuple

from ..model.states import StateGroup, states_of
from .model import Rule, Settings, TorrentInfo

_DOWNLOADING_STATES = states_of(StateGroup.DOWNLOADING)

# qBittorrent's ETA for "never".
ETA_INFINITY = 8_640_000

# Tracker messages that mean the torrent is gone from the tracker for good.
_UNREGISTERED = re.compile(
    r"unregistered|not registered|torrent not found|infohash not found|unknown torrent"
    r"|torrent does not exist|torrent has been deleted|trumped|retitled|truncated"
    r"|complete season uploaded|nuked",
    re.IGNORECASE,
)


class Clock(NamedTuple):
    """The time of the evaluation and what history says about slowness."""

    now: int
    slow_since: int | None  # since when the torrent is below the minimum speed, if it is


type Check = Callable[[TorrentInfo, Settings, Clock], str | None]


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} min"


def stalled(torrent: TorrentInfo, settings: Settings, clock: Clock) -> str | None:
    """Match stalledDL with no activity for the stall delay (clock: last activity, else added)."""
    if torrent.state != "stalledDL":
        return None
    since = torrent.last_activity if torrent.last_activity > 0 else torrent.added_on
    idle = clock.now - since
    if idle < settings.stall_delay:
        return None
    return f"stalled, no activity for {_minutes(idle)} (delay {_minutes(settings.stall_delay)})"


def metadata(torrent: TorrentInfo, settings: Settings, clock: Clock) -> str | None:
    """Match a torrent without metadata for the stall delay since it was added."""
    if torrent.state not in {"metaDL", "forcedMetaDL"}:
        return None
    waited = clock.now - torrent.added_on
    if waited < settings.stall_delay:
        return None
    return f"no metadata after {_minutes(waited)} (delay {_minutes(settings.stall_delay)})"


def is_slow(torrent: TorrentInfo, settings: Settings) -> bool:
    """Whether it downloads below the minimum speed right now (never when the rule is off)."""
    return (
        settings.slow_speed > 0
        and torrent.state in _DOWNLOADING_STATES
        and torrent.dlspeed < settings.slow_speed
    )


def slow(torrent: TorrentInfo, settings: Settings, clock: Clock) -> str | None:
    """Match a download below the minimum speed for the whole slow period."""
    if clock.slow_since is None or not is_slow(torrent, settings):
        return None
    slow_for = clock.now - clock.slow_since
    if slow_for < settings.slow_period:
        return None
    return (
        f"slow: {torrent.dlspeed // 1024} KiB/s, below {settings.slow_speed // 1024} KiB/s"
        f" for {_minutes(slow_for)}"
    )


def eta(torrent: TorrentInfo, settings: Settings, clock: Clock) -> str | None:
    """Match an estimated time left above the maximum (off when the maximum is 0)."""
    if settings.max_eta <= 0 or torrent.state not in _DOWNLOADING_STATES:
        return None
    if torrent.eta <= settings.max_eta:
        return None
    left = "never" if torrent.eta >= ETA_INFINITY else f"{torrent.eta // 3600} h"
    return f"ETA {left}, above {settings.max_eta // 3600} h"


def missing_files(torrent: TorrentInfo, settings: Settings, clock: Clock) -> str | None:
    """Match a torrent whose files are gone from disk."""
    return "files missing" if torrent.state == "missingFiles" else None


def errored(torrent: TorrentInfo, settings: Settings, clock: Clock) -> str | None:
    """Match a torrent qBittorrent reports in error."""
    return "in error state" if torrent.state == "error" else None


def unregistered(torrent: TorrentInfo, settings: Settings, clock: Clock) -> str | None:
    """Match a torrent whose tracker says it is not (or no longer) registered."""
    message = torrent.tracker_message
    if message and _UNREGISTERED.search(message):
        return f"tracker says: {message.strip()[:120]}"
    return None


# In order of precedence: the first that matches names the problem.
RULES: tuple[tuple[Rule, Check], ...] = (
    (Rule.UNREGISTERED, unregistered),
    (Rule.MISSING_FILES, missing_files),
    (Rule.ERRORED, errored),
    (Rule.METADATA, metadata),
    (Rule.STALLED, stalled),
    (Rule.SLOW, slow),
    (Rule.ETA, eta),
)

# Rules whose first answer is a recheck rather than a strike.
RECHECK_FIRST = frozenset({Rule.ERRORED, Rule.MISSING_FILES})


def _rules_for(state: str) -> tuple[tuple[Rule, Check], ...]:
    """Return the rules that can match a torrent in this state, in the order of RULES.

    Each rule looks at one state (or at downloading ones, or at the tracker's message), so
    asking only these gives the same answer as asking all, at a fraction of the cost.
    """
    wanted = {Rule.UNREGISTERED}
    if state == "missingFiles":
        wanted.add(Rule.MISSING_FILES)
    if state == "error":
        wanted.add(Rule.ERRORED)
    if state in {"metaDL", "forcedMetaDL"}:
        wanted.add(Rule.METADATA)
    if state == "stalledDL":
        wanted.add(Rule.STALLED)
    if state in _DOWNLOADING_STATES:
        wanted |= {Rule.SLOW, Rule.ETA}
    return tuple((rule, check) for rule, check in RULES if rule in wanted)


_RULES_BY_STATE: dict[str, tuple[tuple[Rule, Check], ...]] = {}


def rules_for(state: str) -> tuple[tuple[Rule, Check], ...]:
    """Return the rules that can match a torrent in this state, in order of precedence.

    The first that matches names the problem.
    """
    rules = _RULES_BY_STATE.get(state)
    if rules is None:
        rules = _RULES_BY_STATE.setdefault(state, _rules_for(state))
    return rules
