"""Seeding goals and private-tracker minimums: what they are and which applies to a torrent.

Plain data, no I/O. A goal says when a completed torrent has seeded enough; a private
tracker's minimum says how long a private torrent must seed before anything may take it away.
Goals are chosen by tracker, then tag, then category (first match wins), else the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from ..model.torrent import Torrent, split_tags
from .model import DEFAULT_PROTECT_TAG

HOUR_SECONDS = 3600
DAY = 24 * HOUR_SECONDS


class GoalAction(StrEnum):
    """What happens to a torrent that met its goal."""

    STOP = "stop"
    REMOVE = "remove"
    REMOVE_WITH_FILES = "remove_with_files"


class MatchKind(StrEnum):
    """What a goal rule matches on, in order of precedence."""

    TRACKER = "tracker"
    TAG = "tag"
    CATEGORY = "category"


@dataclass(frozen=True, slots=True)
class SeedingGoal:
    """When a completed torrent has seeded enough. Every limit 0 means none; times in seconds."""

    max_ratio: float = 0.0
    max_seeding_time: int = 0
    max_inactive_time: int = 0
    min_seeding_time: int = 0  # below it no limit counts
    action: GoalAction = GoalAction.STOP

    @property
    def active(self) -> bool:
        """Whether any limit is set."""
        return self.max_ratio > 0 or self.max_seeding_time > 0 or self.max_inactive_time > 0


@dataclass(frozen=True, slots=True)
class PrivateMinimum:
    """How long a private torrent seeds before it may be stopped or removed: either suffices.

    The default (ratio 1, or a week of seeding) is stricter than most trackers' hit-and-run
    rules, so an unknown tracker is safe.
    """

    ratio: float = 1.0
    seeding_time: int = 7 * DAY


@dataclass(frozen=True, slots=True)
class GoalRule:
    """A goal for the torrents of one tracker, tag or category; a tracker may set its minimum."""

    kind: MatchKind
    value: str  # a tracker host (also matches its subdomains), a tag or a category
    goal: SeedingGoal
    private_minimum: PrivateMinimum | None = None

    def matches(self, torrent: Torrent, tags: frozenset[str]) -> bool:
        """Whether this rule is about the torrent."""
        if self.kind is MatchKind.TRACKER:
            host = torrent.tracker_host
            return host == self.value or host.endswith(f".{self.value}")
        if self.kind is MatchKind.TAG:
            return self.value in tags
        return torrent.category == self.value


class Applied(NamedTuple):
    """The goal and the private minimum that apply to one torrent."""

    goal: SeedingGoal
    private_minimum: PrivateMinimum


@dataclass(frozen=True, slots=True)
class SeedingConfig:
    """One qBittorrent server's goals: the rules, the default and the private minimum."""

    default: SeedingGoal = field(default_factory=SeedingGoal)
    rules: tuple[GoalRule, ...] = ()
    private_minimum: PrivateMinimum = field(default_factory=PrivateMinimum)
    protect_tags: frozenset[str] = frozenset({DEFAULT_PROTECT_TAG})
    _ordered: tuple[GoalRule, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Order the rules by precedence once (trackers, then tags, then categories)."""
        precedence = list(MatchKind)
        ordered = tuple(sorted(self.rules, key=lambda rule: precedence.index(rule.kind)))
        object.__setattr__(self, "_ordered", ordered)

    @property
    def any_goal(self) -> bool:
        """Whether any torrent can have a goal at all."""
        return self.default.active or any(rule.goal.active for rule in self.rules)

    def applied(self, torrent: Torrent, tags: frozenset[str]) -> Applied:
        """Return the first matching rule's goal (else the default) and the minimum."""
        goal: SeedingGoal | None = None
        minimum: PrivateMinimum | None = None
        for rule in self._ordered:
            if not rule.matches(torrent, tags):
                continue
            if goal is None:
                goal = rule.goal
            if minimum is None and rule.private_minimum is not None:
                minimum = rule.private_minimum
            if rule.kind is not MatchKind.TRACKER or (goal is not None and minimum is not None):
                break
        return Applied(goal or self.default, minimum or self.private_minimum)


def private_minimum_met(torrent: Torrent, minimum: PrivateMinimum, seeded: int | None) -> bool:
    """Whether a torrent may go without risk for its private tracker.

    Public torrents and torrents that downloaded nothing are never at risk; a torrent whose
    flag is not known yet (4.x asks per torrent) counts as private. `seeded` is qBittorrent's
    own clock: seeding time once complete, time active before; None when not asked yet.
    """
    if torrent.private == 0 or torrent.progress <= 0:
        return True
    if torrent.ratio >= minimum.ratio or minimum.seeding_time <= 0:
        return True
    return seeded is not None and seeded >= minimum.seeding_time


class RiskCheck:
    """Tells, for one server, whether removing a torrent would hurt its private tracker."""

    def __init__(self, config: SeedingConfig, seeded: Mapping[str, int]) -> None:
        """Use the server's minimums and the clocks asked for this run."""
        self._config = config
        self._seeded = seeded
        self._minimums: dict[tuple[str, str, str], PrivateMinimum] = {}

    @property
    def config(self) -> SeedingConfig:
        """The server's seeding options."""
        return self._config

    @property
    def clocked(self) -> frozenset[str]:
        """The hashes whose seeding clock this run asked for."""
        return frozenset(self._seeded)

    def at_risk(self, torrent_hash: str, torrent: Torrent) -> bool:
        """Whether the torrent is private (or not known yet), has data and its minimum is unmet."""
        if torrent.private == 0 or torrent.progress <= 0:
            return False
        key = (torrent.tracker_host, torrent.tags, torrent.category)
        minimum = self._minimums.get(key)
        if minimum is None:
            tags = frozenset(split_tags(torrent.tags))
            minimum = self._minimums[key] = self._config.applied(torrent, tags).private_minimum
        return not private_minimum_met(torrent, minimum, self._seeded.get(torrent_hash))
