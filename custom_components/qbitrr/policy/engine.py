"""The policy engine: torrents, queues, history and settings in; a plan out.

Deterministic (the same input gives the same plan) and free of I/O, so a dry run returns
exactly what a real run would do, and every rule and guard is tested on literal data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple

from ..model.states import StateGroup, states_of
from ..model.torrent import TorrentKey
from .model import (
    REMOVALS,
    TAG_STRIKE,
    Action,
    ActionKind,
    Guard,
    HistoryEntry,
    Plan,
    PolicyInput,
    QueueEntry,
    Rule,
    Settings,
    Skipped,
    TorrentInfo,
)
from .routing import UNKNOWN_KINDS, Route, route
from .rules import RECHECK_FIRST, Clock, is_slow, rules_for

# After a recheck, remember it this long, so a torrent that errors again is not rechecked in
# a loop but goes on to strikes.
RECHECK_MEMORY = 24 * 3600

_SEEDING_STATES = states_of(StateGroup.SEEDING)
_PAUSED_STATES = states_of(StateGroup.PAUSED)


@dataclass(frozen=True, slots=True)
class _Bad:
    """A torrent that reached its strike limit and is to be removed or tagged."""

    torrent: TorrentInfo
    arr: str
    settings: Settings
    rule: Rule
    reason: str
    entry: HistoryEntry
    kind: ActionKind
    queue_entry: QueueEntry | None


def _guard(torrent: TorrentInfo, settings: Settings, now: int) -> Guard | None:
    if settings.protect_tag and settings.protect_tag in torrent.tags:
        return Guard.PROTECTED
    if now - torrent.added_on < settings.min_age:
        return Guard.TOO_YOUNG
    if torrent.progress > settings.max_progress:
        return Guard.NEARLY_DONE
    if torrent.state in _PAUSED_STATES:
        return Guard.PAUSED
    return None


class _Unmatched(NamedTuple):
    """A bad torrent whose routing waits for the count of its hash's copies."""

    torrent: TorrentInfo
    arr: str
    settings: Settings
    rule: Rule
    reason: str
    past: HistoryEntry | None
    slow_since: int | None


def _never_asked(torrent_hash: str) -> int:  # pragma: no cover - see the walk's branches
    # With an entry matched to an instance, routing never needs the count of copies.
    raise AssertionError(torrent_hash)


class _Evaluation:
    """The state of one evaluation while it walks the torrents."""

    def __init__(self, data: PolicyInput) -> None:
        self.data = data
        self.now = data.now
        self.by_category: dict[str, tuple[str, Settings]] = {}
        for arr in sorted(data.arrs):
            category, settings = data.arrs[arr]
            self.by_category.setdefault(category, (arr, settings))
        for alias, category in data.category_aliases.items():
            if category in self.by_category:
                self.by_category.setdefault(alias, self.by_category[category])
        # Entries of unreachable instances are kept untouched until they are back.
        self.history: dict[TorrentKey, HistoryEntry] = {
            key: entry
            for key, entry in data.history.items()
            if key[0] not in data.reachable_instances
        }
        self.actions: list[Action] = []
        self.skipped: list[Skipped] = []
        self.due: list[_Bad] = []
        self.strike_tagged: list[TorrentInfo] = []
        self.removed: set[TorrentKey] = set()
        self.unmatched: list[_Unmatched] = []
        # No rule looked at the slowness of most torrents: they share one clock.
        self.clock = Clock(now=self.now, slow_since=None)

    def skip(self, torrent: TorrentInfo, arr: str, rule: Rule, guard: Guard) -> None:
        self.skipped.append(
            Skipped(
                torrent.instance, torrent.hash, torrent.name, torrent.category, arr, rule, guard
            )
        )

    def torrent(self, torrent: TorrentInfo, arr: str, settings: Settings) -> None:  # noqa: C901, PLR0912
        """Evaluate one managed, incomplete torrent.

        The hot path of a plan (thousands of calls at 50,000 torrents): matching, guards and
        routing stay inline here, since a call per step costs more than the steps.
        """
        now, data = self.now, self.data
        key = (torrent.instance, torrent.hash)
        past = data.history.get(key)
        slow_since = None
        clock = self.clock
        if is_slow(torrent, settings):
            slow_since = past.slow_since if past and past.slow_since is not None else now
            clock = Clock(now, slow_since)
        for rule, check in rules_for(torrent.state):  # noqa: B007 - the match, read below
            reason = check(torrent, settings, clock)
            if reason is not None:
                break
        else:  # no rule matched
            if past and past.rechecked_at is not None and now - past.rechecked_at < RECHECK_MEMORY:
                self.history[key] = past._replace(strikes=0, rule=None, slow_since=slow_since)
            elif slow_since is not None:
                self.history[key] = HistoryEntry(first_seen_bad=now, slow_since=slow_since)
            return
        guard = _guard(torrent, settings, now)
        routed: Route = Guard.PROTECTED
        if guard is None:
            entries = data.queues.get(torrent.hash, ())
            # The common cases without a call: the Arr's own copy, or a torrent no Arr knows.
            if not entries:
                routed = (UNKNOWN_KINDS[settings.unknown_action], None)
            elif len(entries) == 1 and entries[0].instance == torrent.instance:
                routed = (ActionKind.ARR_REMOVE, entries[0])
            elif all(entry.instance is None for entry in entries):
                # Whose copy depends on how many there are: decided after the walk.
                self.unmatched.append(
                    _Unmatched(torrent, arr, settings, rule, reason, past, slow_since)
                )
                return
            else:
                routed = route(
                    torrent,
                    entries,
                    settings,
                    reachable=data.reachable_instances,
                    any_unreachable=bool(data.unreachable_instances),
                    copies=_never_asked,
                )
            if isinstance(routed, Guard):
                guard = routed
        if guard is not None or isinstance(routed, Guard):
            # Left alone (or not this copy's business yet): no strike, no tag. Another Arr's
            # copy forgets what was counted here; otherwise it is kept for when it is decided.
            self.skip(torrent, arr, rule, guard or Guard.PROTECTED)
            if past is not None and guard is not Guard.COPY_ELSEWHERE:
                self.history[key] = past
            return
        self.count(
            torrent, arr, settings, (rule, reason), past=past, slow_since=slow_since, routed=routed
        )

    def count(
        self,
        torrent: TorrentInfo,
        arr: str,
        settings: Settings,
        matched: tuple[Rule, str],
        *,
        past: HistoryEntry | None,
        slow_since: int | None,
        routed: tuple[ActionKind, QueueEntry | None],
    ) -> None:
        """Recheck first, strike, or put the torrent up for removal at its strike limit."""
        now, key = self.now, (torrent.instance, torrent.hash)
        rule, reason = matched
        counting = past is not None and past.strikes > 0
        first_seen = past.first_seen_bad if past is not None and counting else now
        rechecked_at = past.rechecked_at if past is not None else None
        if rule in RECHECK_FIRST and rechecked_at is None:
            self.actions.append(
                _action(torrent, arr, rule, ActionKind.RECHECK, f"{reason}; rechecking first")
            )
            self.history[key] = _new_tuple(
                HistoryEntry,
                (first_seen, 1, rule, now, slow_since, ActionKind.RECHECK, now),
            )
            return

        strikes = min((past.strikes if past is not None and counting else 0) + 1, settings.strikes)
        if strikes < settings.strikes:
            text = f"{reason}; strike {strikes} of {settings.strikes}"
            self.actions.append(_action(torrent, arr, rule, ActionKind.STRIKE, text))
            self.history[key] = _new_tuple(
                HistoryEntry,
                (first_seen, strikes, rule, rechecked_at, slow_since, ActionKind.STRIKE, now),
            )
            return
        entry = HistoryEntry(first_seen, strikes, rule, rechecked_at, slow_since)
        self.due.append(_Bad(torrent, arr, settings, rule, reason, entry, *routed))

    def removals(self) -> None:
        """Route the torrents at their strike limit, oldest problem first, within the limits."""
        if not self.due:
            return
        removed: Counter[str] = Counter()
        for bad in sorted(
            self.due, key=lambda b: (b.entry.first_seen_bad, b.torrent.instance, b.torrent.hash)
        ):
            torrent, key = bad.torrent, (bad.torrent.instance, bad.torrent.hash)
            kind, queue_entry = bad.kind, bad.queue_entry
            arr = queue_entry.arr if queue_entry is not None else bad.arr
            reason = f"{bad.reason}; strike {bad.entry.strikes} of {bad.settings.strikes}"
            if kind in REMOVALS:
                if removed[bad.arr] >= bad.settings.max_removals:
                    reason += f"; removal limit of {bad.settings.max_removals} per run reached"
                    kind, queue_entry = ActionKind.DEFERRED, None
                    self.history[key] = bad.entry
                else:
                    removed[bad.arr] += 1
                    self.removed.add(key)
                    # Once removed it is gone: nothing to remember. A removal that fails is
                    # put back by the caller from the input history.
                    self.history.pop(key, None)
            else:
                self.history[key] = bad.entry._replace(last_action=kind, last_action_at=self.now)
            self.actions.append(
                _action(
                    torrent,
                    arr,
                    bad.rule,
                    kind,
                    reason,
                    queue_id=queue_entry.queue_id if queue_entry else None,
                    media_ids=queue_entry.media_ids if queue_entry else (),
                )
            )


def _resolve_unmatched(run: _Evaluation) -> None:
    """Route the bad torrents whose Arr's download client matched no instance.

    Safe only for the one copy of a hash, so their hashes are counted, in one pass over
    the torrents once the walk is done (they are few).
    """
    if not run.unmatched:
        return
    hashes = {pending.torrent.hash for pending in run.unmatched}
    managed = run.by_category
    copies = Counter(
        torrent.hash
        for torrent in run.data.torrents
        if torrent.hash in hashes and torrent.category in managed
    )
    data = run.data
    for pending in run.unmatched:
        torrent, key = pending.torrent, (pending.torrent.instance, pending.torrent.hash)
        routed = route(
            torrent,
            data.queues.get(torrent.hash, ()),
            pending.settings,
            reachable=data.reachable_instances,
            any_unreachable=bool(data.unreachable_instances),
            copies=copies.__getitem__,
        )
        if isinstance(routed, Guard):
            run.skip(torrent, pending.arr, pending.rule, routed)
            if pending.past is not None:
                run.history[key] = pending.past
            continue
        run.count(
            torrent,
            pending.arr,
            pending.settings,
            (pending.rule, pending.reason),
            past=pending.past,
            slow_since=pending.slow_since,
            routed=routed,
        )


def _clear_stale_strikes(run: _Evaluation) -> None:
    """Untag torrents that carry the strike tag but are struck no more."""
    history, removed = run.history, run.removed
    for torrent in run.strike_tagged:
        key = (torrent.instance, torrent.hash)
        entry = history.get(key)
        if (entry is not None and entry.strikes > 0) or key in removed:
            continue  # still struck (struck, rechecked, tagged or deferred now), or removed
        arr, settings = run.by_category[torrent.category]
        if settings.protect_tag and settings.protect_tag in torrent.tags:
            continue  # the user's: never touched
        run.actions.append(
            _action(torrent, arr, Rule.STALLED, ActionKind.CLEAR_STRIKE, "no longer struck")
        )


# States some rule looks at whatever the settings; downloading ones only matter when the slow
# or ETA rule is on, and any state when a tracker message was fetched.
_RULE_STATES = frozenset({"stalledDL", "metaDL", "forcedMetaDL", "error", "missingFiles"})


def evaluate(data: PolicyInput) -> Plan:
    """Evaluate every managed torrent and return the plan.

    The walk is in input order (cheap); every output is sorted, so the plan does not depend
    on the order the torrents came in.
    """
    run = _Evaluation(data)
    # category -> (Arr, settings, whether a downloading torrent can match a rule at all)
    managed_categories = {
        category: (arr, settings, settings.slow_speed > 0 or settings.max_eta > 0)
        for category, (arr, settings) in run.by_category.items()
    }
    history = data.history
    evaluate_one = run.torrent
    strike_tagged = run.strike_tagged
    # Cheapest tests first: most of a library seeds.
    for torrent in data.torrents:
        if TAG_STRIKE in torrent.tags and torrent.category in managed_categories:
            strike_tagged.append(torrent)  # complete or not: a stale tag is cleared
        state = torrent.state
        if state in _SEEDING_STATES or torrent.progress >= 1:
            continue  # complete torrents are never touched
        managed = managed_categories.get(torrent.category)
        if managed is None:
            continue
        arr, settings, watches_downloads = managed
        if (
            watches_downloads
            or state in _RULE_STATES
            or torrent.tracker_message is not None
            or (torrent.instance, torrent.hash) in history
        ):
            evaluate_one(torrent, arr, settings)
        # else: no rule can match and there is nothing to remember
    _resolve_unmatched(run)
    run.removals()
    _clear_stale_strikes(run)
    by_key = attrgetter("instance", "hash")
    run.actions.sort(key=by_key)
    run.skipped.sort(key=by_key)
    return Plan(actions=tuple(run.actions), skipped=tuple(run.skipped), history=run.history)


# Named tuples are built through tuple.__new__: their generated __new__ is a Python function
# call, and a plan for 50,000 torrents builds thousands of them.
_new_tuple = tuple.__new__


def _action(
    torrent: TorrentInfo,
    arr: str,
    rule: Rule,
    kind: ActionKind,
    reason: str,
    *,
    queue_id: int | None = None,
    media_ids: tuple[int, ...] = (),
) -> Action:
    return _new_tuple(
        Action,
        (
            torrent.instance,
            torrent.hash,
            torrent.name,
            torrent.category,
            arr,
            rule,
            kind,
            reason,
            queue_id,
            media_ids,
        ),
    )
