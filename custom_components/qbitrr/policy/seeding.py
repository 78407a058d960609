"""The seeding plan of one qBittorrent server: goals met, private torrents kept, limits set.

Pure and deterministic like the stalled-torrent engine, so its dry run is the plan. A goal is
a fact, not a suspicion: no strikes. Removal needs two things besides the goal: no Arr lists
the torrent any more (it imported or dropped it) and its private tracker's minimum is met.
Where the server can enforce a goal itself (its per-torrent share limits), the plan sets the
limits, so the goal holds while Home Assistant is down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from operator import attrgetter
from typing import NamedTuple

from ..model.server import ShareLimitFeatures
from ..model.states import StateGroup, states_of
from ..model.torrent import Torrent, split_tags
from .model import TAG_OBSOLETE, Action, ActionKind, Rule
from .seeding_goals import (
    Applied,
    GoalAction,
    PrivateMinimum,
    SeedingConfig,
    SeedingGoal,
    private_minimum_met,
)

# Re-exported (handling/seeding.py imports it from here).
from .seeding_memo import NEVER, UNLISTED, SeedingMemo as SeedingMemo  # noqa: PLC0414

_STOPPED_STATES = states_of(StateGroup.PAUSED)
_REMOVE_KINDS = {
    GoalAction.REMOVE: ActionKind.DELETE,
    GoalAction.REMOVE_WITH_FILES: ActionKind.DELETE_WITH_FILES,
}
# How many torrents one run asks the server about (one request each).
MAX_EXACT_LOOKUPS = 100


class ShareLimits(NamedTuple):
    """Per-torrent share limits in qBittorrent's units: ratio, minutes; -1 is none."""

    ratio: float
    seeding_minutes: int
    inactive_minutes: int


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """What the server can enforce by itself."""

    features: ShareLimitFeatures
    # 4.x follows its global action at a limit: usable only when it pauses (a global
    # "remove" would bypass the Arr check). 5.x takes "Stop" per torrent.
    pauses_on_limit: bool

    @property
    def stops(self) -> bool:
        """Whether a limit set on a torrent ends in stopping it."""
        return self.features.per_torrent_action or self.pauses_on_limit


@dataclass(frozen=True, slots=True)
class SeedingInput:
    """Everything one server's seeding plan reads."""

    now: int
    instance: str
    torrents: Mapping[str, Torrent]
    config: SeedingConfig
    # Hashes some Arr's queue lists; None when an Arr's queue is not known (then no removals).
    arr_listed: frozenset[str] | None
    # qBittorrent's own clock per hash (seeding time, or time active while incomplete), for
    # the torrents asked about; see `needs_exact_time`.
    seeded: Mapping[str, int]
    server: ServerLimits


@dataclass(frozen=True, slots=True)
class SeedingPlan:
    """Actions (rule seeding_goal) and the share limits to set, by limits."""

    actions: tuple[Action, ...]
    share_limits: Mapping[ShareLimits, tuple[str, ...]]


class _Profile(NamedTuple):
    """What torrents of one tracker, tag list and category share: worked out once per run."""

    goal: SeedingGoal
    minimum: PrivateMinimum
    skip: bool  # protected by a tag, or no goal (and not kept for its tracker)
    obsolete: bool
    uses_clock: bool  # a limit looks at the seeding time
    limits: ShareLimits | None  # what the server is to enforce for a public torrent
    private_limits: ShareLimits | None  # the same for a private one
    smallest_time: int  # the least seeding time any of its limits looks at; 0 for none


def _profile(config: SeedingConfig, server: ServerLimits, torrent: Torrent) -> _Profile:
    tags = frozenset(split_tags(torrent.tags))
    applied = config.applied(torrent, tags)
    goal, minimum = applied
    times = [t for t in (goal.max_seeding_time, goal.min_seeding_time) if t > 0]
    obsolete = TAG_OBSOLETE in tags
    return _Profile(
        goal,
        minimum,
        bool(config.protect_tags & tags) or not (obsolete or goal.active),
        obsolete,
        bool(times),
        _expressible(applied, private=False, server=server),
        _expressible(applied, private=True, server=server),
        min(times, default=0),
    )


class _Profiles(dict[tuple[str, str, str], _Profile]):
    """Profiles by (tracker host, tags as sent, category): a handful per server."""

    def __init__(self, config: SeedingConfig, server: ServerLimits) -> None:
        super().__init__()
        self.config = config
        self.server = server

    def of(self, torrent: Torrent) -> _Profile:
        """Return the torrent's profile (worked out on first sight)."""
        key = (torrent.tracker_host, torrent.tags, torrent.category)
        found = self.get(key)
        if found is None:
            found = self[key] = _profile(self.config, self.server, torrent)
        return found


def needs_exact_time(data: SeedingInput) -> list[str]:
    """Return the hashes whose fate depends on the server's seeding clock, likeliest first.

    The time since completion (since added, for a torrent kept for its tracker) is an upper
    bound of seeding time: when even the bound stays under every time a goal or a private
    minimum looks at, nothing is asked.
    """
    profiles = _Profiles(data.config, data.server)
    goals = data.config.any_goal
    wanted: list[tuple[int, str]] = []
    for torrent_hash, torrent in data.torrents.items():
        if (torrent.progress < 1 or not goals) and TAG_OBSOLETE not in torrent.tags:
            continue
        profile = profiles.of(torrent)
        if profile.skip or torrent_hash in data.seeded:
            continue
        if profile.obsolete:
            bound, smallest = data.now - torrent.added_on, profile.minimum.seeding_time
        elif profile.goal.active:
            bound = data.now - torrent.completion_on if torrent.completion_on > 0 else 0
            smallest = profile.smallest_time
            if torrent.private != 0 and torrent.ratio < profile.minimum.ratio:
                smallest = min(
                    smallest or profile.minimum.seeding_time, profile.minimum.seeding_time
                )
        else:
            continue
        if smallest > 0 and bound >= smallest:
            wanted.append((-bound, torrent_hash))
    return [torrent_hash for _, torrent_hash in sorted(wanted)[:MAX_EXACT_LOOKUPS]]


def plan_seeding(data: SeedingInput, memo: SeedingMemo | None = None) -> SeedingPlan:
    """Evaluate one server's torrents against their goals.

    The hot path of a run at 50,000 torrents: the tests that drop most torrents stay inline,
    on locals. A torrent whose server already holds the limits of its goal is the server's
    to stop (it does so when a limit is reached, with or without Home Assistant), so only
    the rest are judged. With a memo, the plan is the same; records settled by an earlier
    plan are skipped unread.
    """
    planner = _Planner(data)
    profiles = _Profiles(data.config, data.server)
    get_profile, new_profile = profiles.get, profiles.of
    goals = data.config.any_goal
    judge = planner.judge
    inactive, stop_action = planner.inactive_limit, planner.stop_action
    records, settled, judged = (
        memo.start(data) if memo is not None else (data.torrents.items(), {}, {})
    )
    known, note = settled.get, judged.__setitem__
    keep = memo.keep if memo is not None else _judged_anew
    for torrent_hash, torrent in records:
        old = known(torrent_hash)
        if old is torrent:
            continue
        # The cheap tests first: most incomplete torrents are no goal's business.
        complete = torrent.progress >= 1
        if (not complete or not goals) and TAG_OBSOLETE not in torrent.tags:
            settled[torrent_hash] = torrent
            continue
        profile = get_profile((torrent.tracker_host, torrent.tags, torrent.category))
        if profile is None:
            profile = new_profile(torrent)
        if profile.skip:
            settled[torrent_hash] = torrent
            continue
        if old is not None:
            del settled[torrent_hash]  # its record changed: no longer settled
        if profile.obsolete or not complete:
            note(torrent_hash, torrent)
            if profile.obsolete:
                planner.obsolete(torrent_hash, torrent, profile.minimum)
            continue
        wanted = profile.private_limits if torrent.private else profile.limits
        if (
            wanted is not None
            and torrent.seeding_time_limit == wanted.seeding_minutes
            and abs(torrent.ratio_limit - wanted.ratio) < _RATIO_ROUNDING
            and (not inactive or torrent.inactive_seeding_time_limit == wanted.inactive_minutes)
            and (not stop_action or torrent.share_limit_action == "Stop")
        ):
            settled[torrent_hash] = torrent  # the server holds the limits of its goal
            continue
        keep(torrent_hash, torrent, judge(torrent_hash, torrent, profile, wanted))
    return planner.plan()


def _judged_anew(_torrent_hash: str, _torrent: Torrent, _wake: int | None) -> None:
    """Without a memo, every record is judged each time."""


# qBittorrent keeps a ratio limit to two decimals.
_RATIO_ROUNDING = 0.005


class _Met(Enum):
    """Which limit a goal met first."""

    RATIO = 1
    TIME = 2
    INACTIVE = 3


def _reason(met: _Met, torrent: Torrent, goal: SeedingGoal, clock: int | None, now: int) -> str:
    if met is _Met.RATIO:
        return f"ratio {torrent.ratio:.2f} reached {goal.max_ratio:g}"
    if met is _Met.TIME:
        return f"seeded {(clock or 0) // 3600} h of {goal.max_seeding_time // 3600} h"
    since = torrent.last_activity if torrent.last_activity > 0 else torrent.completion_on
    return f"inactive {(now - since) // 3600} h of {goal.max_inactive_time // 3600} h"


def _goal_met(
    goal: SeedingGoal, torrent: Torrent, clock: int | None, now: int
) -> tuple[_Met | None, int]:
    """Which limit the goal met first, if any, and when the time alone could meet one."""
    if goal.min_seeding_time and (clock is None or clock < goal.min_seeding_time):
        return None, NEVER
    if goal.max_ratio and torrent.ratio >= goal.max_ratio:
        return _Met.RATIO, NEVER
    if goal.max_seeding_time and clock is not None and clock >= goal.max_seeding_time:
        return _Met.TIME, NEVER
    if goal.max_inactive_time:
        since = torrent.last_activity if torrent.last_activity > 0 else torrent.completion_on
        if since > 0:
            wake = since + goal.max_inactive_time
            return (_Met.INACTIVE if now >= wake else None), wake
    return None, NEVER


class _Planner:
    """What one server's plan does: actions, and share limits by limits."""

    def __init__(self, data: SeedingInput) -> None:
        self.data = data
        self.actions: list[Action] = []
        self.limits: dict[ShareLimits, list[str]] = {}
        self.inactive_limit = data.server.features.inactive_limit
        self.stop_action = data.server.features.per_torrent_action

    def judge(
        self, torrent_hash: str, torrent: Torrent, profile: _Profile, wanted: ShareLimits | None
    ) -> int | None:
        """Act on a complete torrent that met its goal, else have the server hold its limits.

        Returns when the verdict may change while the record and its clock stay as they are
        (`NEVER` when it cannot, `UNLISTED` when the Arrs' listing can), or None when the
        torrent is to be judged again next run: its plan did something, or depends on more
        than the record, its clock, the time and the listing.
        """
        goal, seeded, now = profile.goal, self.data.seeded, self.data.now
        clock = seeded.get(torrent_hash) if profile.uses_clock else None
        met, wake = _goal_met(goal, torrent, clock, now)
        if wanted is not None:
            # Also on a torrent stopped for its goal: resumed by hand, the server stops it
            # again (as the next run would), and the runs after skip it.
            self.limits.setdefault(wanted, []).append(torrent_hash)
        if met is not None:
            if torrent.private and clock is None:
                clock = seeded.get(torrent_hash)  # the private minimum may count it
            if not private_minimum_met(torrent, profile.minimum, clock):
                wake = NEVER  # kept for its tracker's minimum
            elif goal.action is GoalAction.STOP and torrent.state in _STOPPED_STATES:
                wake = NEVER  # stopped for its goal already
            else:
                waits = self.met(torrent_hash, torrent, goal, met, clock)
                return waits if wanted is None else None
        return wake if wanted is None else None

    def plan(self) -> SeedingPlan:
        """Return the plan, in hash order."""
        self.actions.sort(key=attrgetter("hash"))
        return SeedingPlan(
            tuple(self.actions),
            {found: tuple(sorted(hashes)) for found, hashes in sorted(self.limits.items())},
        )

    def act(self, torrent_hash: str, torrent: Torrent, kind: ActionKind, reason: str) -> None:
        """Add one action of the seeding rule."""
        instance = self.data.instance
        self.actions.append(
            _new_tuple(
                Action,
                (instance, torrent_hash, torrent.name, torrent.category, instance,
                 Rule.SEEDING_GOAL, kind, reason, None, ()),
            )
        )  # fmt: skip

    def met(
        self, torrent_hash: str, torrent: Torrent, goal: SeedingGoal, met: _Met, clock: int | None
    ) -> int | None:
        """Stop or remove a torrent that met its goal; an Arr that lists it keeps it.

        Returns `UNLISTED` when nothing is to be done while an Arr lists it (it is stopped),
        else None: judged again next run.
        """
        removes, listed = goal.action is not GoalAction.STOP, self.data.arr_listed
        if removes and listed is not None and torrent_hash not in listed:
            reason = _reason(met, torrent, goal, clock, self.data.now)
            self.act(torrent_hash, torrent, _REMOVE_KINDS[goal.action], reason)
            return None
        if torrent.state in _STOPPED_STATES:
            return UNLISTED if removes and listed is not None else None
        reason = _reason(met, torrent, goal, clock, self.data.now)
        if removes:
            reason += "; an Arr still lists it" if listed else "; an Arr's queue is unknown"
        self.act(torrent_hash, torrent, ActionKind.STOP, reason)
        return None

    def obsolete(self, torrent_hash: str, torrent: Torrent, minimum: PrivateMinimum) -> None:
        """Remove a torrent kept for its private tracker once its minimum is met."""
        if not private_minimum_met(torrent, minimum, self.data.seeded.get(torrent_hash)):
            return
        listed = self.data.arr_listed
        if listed is None or torrent_hash in listed:
            return  # an Arr lists it again, or an Arr's queue is unknown: not ours to remove
        self.act(
            torrent_hash,
            torrent,
            ActionKind.DELETE_WITH_FILES,
            "kept seeding for its private tracker after its Arr dropped it; minimum met",
        )


# Named tuples are built through tuple.__new__ (see the engine): thousands per plan.
_new_tuple = tuple.__new__


def _expressible(applied: Applied, *, private: bool, server: ServerLimits) -> ShareLimits | None:
    """Return the share limits that make the server enforce the goal, or None.

    The server stops at any limit at once: a minimum seeding time, a removal (the Arr check)
    or a private minimum above a limit are qbitrr's to enforce.
    """
    goal, minimum = applied
    if not goal.active or goal.action is not GoalAction.STOP or goal.min_seeding_time > 0:
        return None
    if not server.stops:
        return None
    inactive = goal.max_inactive_time if server.features.inactive_limit else 0
    if private and (
        (0 < goal.max_ratio < minimum.ratio)
        or (0 < goal.max_seeding_time < minimum.seeding_time)
        or inactive > 0
    ):
        return None
    if not (goal.max_ratio > 0 or goal.max_seeding_time > 0 or inactive > 0):
        return None
    return ShareLimits(
        round(goal.max_ratio, 2) if goal.max_ratio > 0 else -1.0,
        goal.max_seeding_time // 60 if goal.max_seeding_time > 0 else -1,
        inactive // 60 if inactive > 0 else -1,
    )
