"""The free-space guard of one qBittorrent server: which downloads to stop, which to resume.

When the disk holding a server's default save path has less free space than a minimum, every
download on that server is stopped and tagged `TAG_SPACE_PAUSED`; seeding torrents and torrents
someone else stopped are left alone. The guard ends once the free space is back above the
minimum plus a margin (hysteresis: a disk hovering around the minimum does not flap). From
then on the torrents it holds are resumed in order, as many as fit: each one's remaining bytes
(`amount_left`) are counted against the free space above the minimum, after what the downloads
already running still need, so resuming does not fill the disk again at once.

The tag is the guard's whole memory, and it lives on the server, so it survives a restart: a
stopped torrent without the tag was stopped by someone else and is never resumed here.

Actions are idempotent, because qBittorrent reports a stop or start a second or so late: a
torrent keeps its tag while being resumed and loses it only once it is seen running, so no
torrent the guard stopped ever looks like one the user stopped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from ..model.torrent import Torrent, split_tags

TAG_SPACE_PAUSED: Final = "qbitrr-space-paused"

# Incomplete torrents that are not stopped: they write to the disk (or will, once a peer shows
# up or their turn in the queue comes). Checking and moving torrents are left to finish.
DOWNLOADING_STATES: Final = frozenset(
    {"downloading", "forcedDL", "stalledDL", "metaDL", "forcedMetaDL", "queuedDL", "allocating"}
)
# 4.x says paused, 5.x stopped.
STOPPED_STATES: Final = frozenset({"pausedDL", "stoppedDL", "pausedUP", "stoppedUP"})
# Torrents that write nothing until someone acts; every other one's `amount_left` is space
# it will still take (a checking or queued one too).
_IDLE_STATES: Final = STOPPED_STATES | {"error", "missingFiles"}


class SpaceOrder(StrEnum):
    """Which downloads matter most: they are stopped last and resumed first."""

    NEWEST_FIRST = "newest_first"  # the oldest added matter most
    QUEUE_POSITION = "queue_position"  # qBittorrent's queue, top first


@dataclass(frozen=True, slots=True)
class SpaceSettings:
    """One server's guard, in bytes."""

    minimum: int  # the guard starts below this much free space; 0 or less: off
    margin: int = 0  # and ends at minimum + margin
    order: SpaceOrder = SpaceOrder.NEWEST_FIRST


@dataclass(frozen=True, slots=True)
class SpaceDecision:
    """What the guard does after one poll; every list of hashes is in the order to act."""

    active: bool
    was_active: bool = False  # after the previous poll (as the tags tell, when unknown)
    stop: tuple[str, ...] = ()  # tag, then stop
    resume: tuple[str, ...] = ()  # start; the tag stays until the torrent is seen running
    release: tuple[str, ...] = ()  # tagged but running again: drop the tag
    held: int = 0  # stopped torrents carrying the tag, before these actions

    @property
    def acts(self) -> bool:
        """Whether anything is to be sent to the server."""
        return bool(self.stop or self.resume or self.release)

    @property
    def started(self) -> bool:
        """Whether the guard starts with this poll."""
        return self.active and not self.was_active

    @property
    def ended(self) -> bool:
        """Whether the guard ends with this poll."""
        return self.was_active and not self.active


def _importance(order: SpaceOrder, torrent_hash: str, torrent: Torrent) -> tuple[object, ...]:
    """Sort key: the most important download first (resumed first, stopped last)."""
    if order is SpaceOrder.QUEUE_POSITION:
        position = torrent.queue_position
        # Torrents outside the queue (0 or -1) after every queued one, oldest first.
        return (position <= 0, max(position, 0), torrent.added_on, torrent_hash)
    return (torrent.added_on, torrent_hash)


def guard_active(free: int, settings: SpaceSettings, *, was_active: bool) -> bool:
    """Whether the guard holds: below the minimum it starts, above minimum + margin it ends."""
    if free < settings.minimum:
        return True
    if free >= settings.minimum + max(settings.margin, 0):
        return False
    return was_active


@dataclass(slots=True)
class _Survey:
    """One pass over a server's torrents: what the guard may act on."""

    downloading: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # tagged and stopped
    release: list[str] = field(default_factory=list)  # tagged and no longer stopped
    still_needed: int = 0  # bytes the torrents not stopped will still write


def _survey(torrents: Mapping[str, Torrent]) -> _Survey:
    survey = _Survey()
    for torrent_hash, torrent in torrents.items():
        state = torrent.state
        if state not in _IDLE_STATES:
            survey.still_needed += max(torrent.amount_left, 0)
        if state in DOWNLOADING_STATES:
            survey.downloading.append(torrent_hash)
        if torrent.tags and TAG_SPACE_PAUSED in split_tags(torrent.tags):
            (survey.held if state in STOPPED_STATES else survey.release).append(torrent_hash)
    return survey


def decide_space(
    torrents: Mapping[str, Torrent],
    free: int,
    settings: SpaceSettings,
    *,
    was_active: bool | None = None,
) -> SpaceDecision:
    """Decide one server's stops and resumes from its torrents and its free space (bytes).

    `was_active` is the guard's state after the previous poll; None when unknown (after a
    restart), when a torrent carrying the tag says the guard was holding.
    """
    if settings.minimum <= 0:
        return SpaceDecision(active=False)
    survey = _survey(torrents)
    if was_active is None:
        was_active = bool(survey.held or survey.release)
    active = guard_active(free, settings, was_active=was_active)

    def ranked(hashes: list[str], *, reverse: bool = False) -> list[str]:
        return sorted(
            hashes, key=lambda h: _importance(settings.order, h, torrents[h]), reverse=reverse
        )

    if active:
        # Every download, tagged or not: a tagged one running again may be a stop qBittorrent
        # has not reported yet, or someone starting it while the disk is short.
        return SpaceDecision(
            active=True,
            was_active=was_active,
            stop=tuple(ranked(survey.downloading, reverse=True)),
            held=len(survey.held),
        )
    budget = free - settings.minimum - survey.still_needed
    resume: list[str] = []
    for torrent_hash in ranked(survey.held):
        needed = max(torrents[torrent_hash].amount_left, 0)
        if needed <= budget:  # one that does not fit waits; smaller ones behind it may go
            resume.append(torrent_hash)
            budget -= needed
    return SpaceDecision(
        active=False,
        was_active=was_active,
        resume=tuple(resume),
        release=tuple(sorted(survey.release)),
        held=len(survey.held),
    )
