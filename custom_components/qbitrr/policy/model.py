"""The policy engine's data: what it is fed and the plan it returns. Plain data, no I/O.

Per-torrent records are named tuples: immutable like frozen dataclasses, but several times
cheaper to build, which matters at 50,000 torrents per evaluation.

A torrent is identified by (instance, hash): the same hash on two qBittorrent instances is two
torrents with two histories. Times are Unix seconds (qBittorrent's own unit).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from operator import attrgetter
from typing import Final, NamedTuple, Protocol

from ..model.states import StateGroup, states_of
from ..model.torrent import TorrentKey

# Tags qbitrr writes all carry this prefix, so users can tell them from their own:
# qbitrr-strike: a rule matched and strikes are counting; qbitrr-bad: bad, unknown to every
# Arr and left in place (the default for such torrents). qbitrr-protected is the user's: a
# torrent carrying it is never touched.
TAG_STRIKE = "qbitrr-strike"
TAG_BAD = "qbitrr-bad"
# qbitrr-obsolete: its Arr dropped it, but its private tracker's minimum seeding is not met yet:
# it keeps seeding until the seeding rules remove it.
TAG_OBSOLETE = "qbitrr-obsolete"
DEFAULT_PROTECT_TAG = "qbitrr-protected"


class Rule(StrEnum):
    """Why a torrent is bad."""

    STALLED = "stalled"  # stalledDL with no activity for the stall delay
    METADATA = "metadata"  # metaDL (no metadata) for the stall delay since it was added
    SLOW = "slow"  # downloading below the minimum speed for the slow period
    ETA = "eta"  # estimated time left above the maximum
    MISSING_FILES = "missing_files"  # missingFiles
    ERRORED = "errored"  # error state, still errored after a recheck
    UNREGISTERED = "unregistered"  # the tracker says the torrent is unregistered / not found
    SEEDING_GOAL = "seeding_goal"  # a completed torrent met its seeding goal (a fact, no strikes)
    # Its Arr cannot import it (import blocked or failed) for the delay, for a known reason.
    IMPORT_BLOCKED = "import_blocked"
    UNMONITORED = "unmonitored"  # every record's movie, episode or album is no longer monitored
    BAD_FILES = "bad_files"  # every wanted file breaks its Arr's file rule (policy/files.py)


class ActionKind(StrEnum):
    """What the plan does to a torrent."""

    STRIKE = "strike"  # counted a strike, tagged TAG_STRIKE; nothing removed yet
    RECHECK = "recheck"  # force a recheck (first answer to an errored torrent)
    ARR_REMOVE = "arr_remove"  # through the Arr: remove from client, blocklist, search again
    TAG = "tag"  # unknown to every Arr: tag TAG_BAD only (the default)
    DELETE = "delete"  # unknown to every Arr: delete the torrent, keep its files
    DELETE_WITH_FILES = "delete_with_files"  # unknown to every Arr: delete torrent and files
    DEFERRED = "deferred"  # would be removed, but the run's removal limit was reached
    CLEAR_STRIKE = "clear_strike"  # carries TAG_STRIKE but is no longer struck: tag removed
    # A private torrent short of its tracker's minimum seeding (at risk of a hit and run):
    # ARR_REMOVE_KEEP removes it from the Arr's queue only (blocklisted, searched again) and
    # tags it TAG_OBSOLETE; KEEP_SEEDING, for one no Arr knows, only tags it TAG_OBSOLETE.
    # Either way it keeps seeding, and the seeding rules remove it once the minimum is met.
    ARR_REMOVE_KEEP = "arr_remove_keep"
    KEEP_SEEDING = "keep_seeding"
    STOP = "stop"  # seeding goal met: stop (4.x: pause) the torrent
    # A removal its Arr asks the user to approve first (ask before removing): nothing is done
    # until qbitrr.remove_torrent or qbitrr.keep_torrent answers.
    PENDING_REMOVAL = "pending_removal"


# What ends the Arr's interest in a torrent: counted against the removal limit; once done,
# its history is dropped.
REMOVALS = frozenset(
    {
        ActionKind.ARR_REMOVE,
        ActionKind.ARR_REMOVE_KEEP,
        ActionKind.DELETE,
        ActionKind.DELETE_WITH_FILES,
    }
)


# The messages users meet most when an import is blocked or fails (lower case, substrings).
DEFAULT_IMPORT_PATTERNS: tuple[str, ...] = (
    "not an upgrade",
    "not a custom format upgrade",
    "no files found are eligible for import",
    "sample",
    "potentially dangerous",
    "executable file",
    "unknown movie",
    "unknown series",
    "unknown episode",
    "unknown artist",
    "unknown album",
    "invalid season or episode",
    "invalid episode",
    "invalid movie",
)


class UnknownTorrentAction(StrEnum):
    """What to do with a bad torrent that no Arr has in its queue."""

    TAG = "tag"
    DELETE = "delete"
    DELETE_WITH_FILES = "delete_with_files"


class PrivateMode(StrEnum):
    """What to do with a bad private torrent at risk (short of its tracker's minimum seeding)."""

    LIKE_PUBLIC = "like_public"  # remove it like any other (the tracker may count a hit and run)
    KEEP_SEEDING = "keep_seeding"  # drop it from the Arr, tag it TAG_OBSOLETE, keep seeding
    NEVER_TOUCH = "never_touch"  # leave it alone: no strike, no tag, no removal


class Guard(StrEnum):
    """Why a bad torrent was left alone."""

    PROTECTED = "protected"  # carries the protect tag
    TOO_YOUNG = "too_young"  # added less than the minimum age ago
    NEARLY_DONE = "nearly_done"  # progress above the maximum
    PAUSED = "paused"  # paused/stopped by the user
    AMBIGUOUS_ARR = "ambiguous_arr"  # in an Arr queue, but the instance it uses is unclear
    COPY_ELSEWHERE = "copy_elsewhere"  # an Arr tracks the copy of this hash on another instance
    OWNER_UNREACHABLE = "owner_unreachable"  # the instance the Arr downloads it on is down
    PRIVATE = "private"  # private and at risk, and the private mode is never_touch
    UNREGISTERED_GRACE = "unregistered_grace"  # unregistered for less than the grace period


@dataclass(frozen=True, slots=True)
class Settings:
    """One Arr's rules and guards (an Arr entry's options)."""

    stall_delay: int = 15 * 60  # seconds
    slow_speed: int = 0  # bytes/s; 0 = rule off
    slow_period: int = 30 * 60  # seconds
    max_eta: int = 0  # seconds; 0 = rule off
    strikes: int = 3  # consecutive bad evaluations before removal
    min_age: int = 3 * 60  # seconds
    max_progress: float = 0.99  # 0..1
    protect_tag: str = DEFAULT_PROTECT_TAG
    max_removals: int = 10  # per run, over all instances
    unknown_action: UnknownTorrentAction = UnknownTorrentAction.TAG
    private_mode: PrivateMode = PrivateMode.KEEP_SEEDING
    unregistered_grace: int = 10 * 60  # seconds an unregistered torrent waits before it counts
    max_unregistered_per_tracker: int = 5  # unregistered removals per tracker per run; 0 = no cap
    ask_before_removing: bool = False  # removals wait for the user's approval
    import_blocked_delay: int = 30 * 60  # seconds blocked before the import rule acts; 0 = off
    # Lower-case substrings, or regular expressions written /like this/, of the messages that
    # make a blocked import bad.
    import_patterns: tuple[str, ...] = DEFAULT_IMPORT_PATTERNS
    remove_unmonitored: bool = False  # remove queue records of unmonitored media, no search


class TorrentInfo(NamedTuple):
    """One torrent as the engine sees it."""

    instance: str  # config entry id of the qBittorrent instance
    hash: str  # lower-case info-hash
    name: str
    category: str
    state: str  # raw qBittorrent state (4.x or 5.x spelling)
    progress: float  # 0..1
    dlspeed: int  # bytes/s
    eta: int  # seconds; qBittorrent's 8640000 means infinity
    added_on: int
    last_activity: int  # 0 or negative when never active
    tags: frozenset[str] = frozenset()
    tracker_message: str | None = None  # the working tracker's message, when fetched
    tracker: str = ""  # host of its tracker; "" when unknown
    # Private, has downloaded something, and has not met its tracker's minimum seeding.
    at_risk: bool = False


class QueueEntry(NamedTuple):
    """A download an Arr knows: its queue records of one hash, taken together.

    A season pack or a discography is one download with a record per episode or album.
    """

    arr: str  # config entry id of the Arr
    queue_id: int  # the first record's id: removing it removes the download
    media_ids: tuple[int, ...]  # every record's episode, movie or album: what to search again
    # Instance (any configured one, reachable or not) the Arr's download client points at;
    # None when it cannot be told.
    instance: str | None


class HistoryEntry(NamedTuple):
    """What earlier evaluations remember about one (instance, hash)."""

    first_seen_bad: int  # when a rule first matched (Unix seconds)
    strikes: int = 0
    rule: Rule | None = None
    rechecked_at: int | None = None
    slow_since: int | None = None  # since when it downloads below the minimum speed
    last_action: ActionKind | None = None
    last_action_at: int | None = None
    unregistered_since: int | None = None  # since when its tracker says it is unregistered


# A finished download: seeding, or paused, queued or checked after it finished (qBittorrent
# shows a checked torrent's progress as the check's, below 1). No stalled-torrent rule's.
FINISHED_STATES: Final = states_of(StateGroup.SEEDING) | {
    "pausedUP",
    "stoppedUP",
    "queuedUP",
    "checkingUP",
}


@dataclass(frozen=True, slots=True)
class TorrentIndex:
    """Ways into an input's torrents that spare a run from reading every record.

    Most of a library seeds: the rules look at the unfinished torrents, the strike-tagged
    ones, and the copies of a few hashes. `shelves` hold every torrent, by hash, one
    mapping per (instance, category): a hash is on a shelf at most once.
    """

    unfinished: Sequence[TorrentInfo]
    strike_tagged: Sequence[TorrentInfo]
    shelves: Sequence[Mapping[str, TorrentInfo]]

    def copies(self, torrent_hash: str) -> list[TorrentInfo]:
        """Every torrent of the input with this hash."""
        return [shelf[torrent_hash] for shelf in self.shelves if torrent_hash in shelf]


def index_torrents(torrents: Iterable[TorrentInfo]) -> TorrentIndex:
    """Index torrents read from scratch (one pass over all)."""
    shelves: dict[tuple[str, str], dict[str, TorrentInfo]] = {}
    unfinished, strike_tagged = [], []
    for torrent in torrents:
        shelf = shelves.setdefault((torrent.instance, torrent.category), {})
        shelf[torrent.hash] = torrent
        if torrent.state not in FINISHED_STATES:
            unfinished.append(torrent)
        if TAG_STRIKE in torrent.tags:
            strike_tagged.append(torrent)
    return TorrentIndex(unfinished, strike_tagged, tuple(shelves.values()))


class _Keyed(Protocol):
    @property
    def instance(self) -> str: ...
    @property
    def hash(self) -> str: ...


_BY_KEY: Final = attrgetter("instance", "hash")


def has_key(ordered: Sequence[_Keyed], key: tuple[str, str]) -> bool:
    """Whether items in (instance, hash) order (a plan's actions) hold one for `key`.

    A search, not a set of every item's key: a set would build thousands of tuples.
    """
    found = bisect_left(ordered, key, key=_BY_KEY)
    return found < len(ordered) and _BY_KEY(ordered[found]) == key


def merge_by_key[T: _Keyed](ordered: Sequence[T], added: Iterable[T]) -> tuple[T, ...]:
    """Add items to a sequence in (instance, hash) order; an added item goes after its equals.

    The same as a stable sort of both, at the cost of the few added items only: a plan's
    thousands of actions are already in order.
    """
    merged = list(ordered)
    for item in sorted(added, key=_BY_KEY):
        insort(merged, item, key=_BY_KEY)
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class PolicyInput:
    """Everything one evaluation reads."""

    now: int
    torrents: Sequence[TorrentInfo]  # reachable instances only, any category
    reachable_instances: frozenset[str]
    # Arr entry id -> (its category, its settings).
    arrs: Mapping[str, tuple[str, Settings]]
    # hash -> the queue entries of every Arr holding it (an Arr's queue is per hash).
    queues: Mapping[str, tuple[QueueEntry, ...]]
    history: Mapping[TorrentKey, HistoryEntry]
    # Configured instances that could not be polled: a torrent may have a copy there.
    unreachable_instances: frozenset[str] = frozenset()
    # Other spellings of an Arr's category (differing only in case) -> the Arr's category.
    category_aliases: Mapping[str, str] = field(default_factory=dict)
    # The same torrents, indexed (kept between runs by the caller); built from `torrents`
    # on first use when not given.
    given_index: TorrentIndex | None = None

    @property
    def index(self) -> TorrentIndex:
        """The torrents indexed: the one given, else one built from `torrents` (not kept)."""
        return self.given_index or index_torrents(self.torrents)


class Action(NamedTuple):
    """One step of the plan, with its reason."""

    instance: str
    hash: str
    name: str
    category: str
    arr: str  # the Arr entry whose category and settings applied
    rule: Rule
    kind: ActionKind
    reason: str  # human-readable, e.g. "stalled for 42 min (delay 15 min), strike 3 of 3"
    queue_id: int | None = None  # for ARR_REMOVE
    media_ids: tuple[int, ...] = ()  # for ARR_REMOVE: what to search again


class ImportReport(NamedTuple):
    """A download its Arr cannot import, whose messages match no pattern: left to the user."""

    instance: str
    hash: str
    name: str
    arr: str
    queue_id: int
    state: str  # trackedDownloadState
    status: str  # trackedDownloadStatus
    messages: tuple[str, ...]
    blocked_since: int  # when qbitrr first saw it blocked (Unix seconds)


class Skipped(NamedTuple):
    """A torrent a rule matched but a guard protected."""

    instance: str
    hash: str
    name: str
    category: str
    arr: str
    rule: Rule
    guard: Guard


@dataclass(frozen=True, slots=True)
class Plan:
    """The result of one evaluation: actions in a stable order and the new history."""

    actions: tuple[Action, ...]
    skipped: tuple[Skipped, ...]
    # The history to persist if the plan is executed: bad torrents' entries (strikes
    # advanced), entries of torrents no longer bad dropped, entries of torrents that vanished
    # from reachable instances dropped; entries of unreachable instances kept as they were.
    history: Mapping[TorrentKey, HistoryEntry] = field(default_factory=dict)
    # Blocked imports past their delay whose messages match no pattern (see policy/imports.py).
    unmatched_imports: tuple[ImportReport, ...] = ()
