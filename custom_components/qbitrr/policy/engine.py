"""The policy engine: torrents, queues, history and settings in; a plan out.

Deterministic (the same input gives the same plan) and free of I/O, so a dry run returns
exactly what a real run would do, and every rule and guard is tested on literal data.

The walk is the hot path (50,000 torrents in a large library): each step below is there
because it was measured to pay. Most of a library seeds and is never read: the input's index
holds the unfinished torrents apart (kept between runs by the caller). Each of those costs a
lookup of its category's prepared rules and of its state's checks; only a torrent some rule
matches is routed, guarded and counted (`strikes.py`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Final, NamedTuple

from ..model.states import StateGroup, states_of
from ..model.torrent import TorrentKey
from .model import (
    TAG_OBSOLETE,
    Action,
    ActionKind,
    Guard,
    HistoryEntry,
    Plan,
    PolicyInput,
    QueueEntry,
    Rule,
    TorrentIndex,
    TorrentInfo,
)
from .routing import route
from .rules import RECHECK_FIRST, ArrRules, unregistered
from .strikes import Tally, clear_stale_strikes, settle_removals, sort_by_key

_new = tuple.__new__

# After a recheck, remember it this long, so a torrent that errors again is not rechecked in
# a loop but goes on to strikes.
RECHECK_MEMORY = 24 * 3600

_PAUSED_STATES: Final = states_of(StateGroup.PAUSED)
# Rules whose first match is more than a strike: a recheck, or a grace period.
_SPECIAL: Final = RECHECK_FIRST | {Rule.UNREGISTERED}
_STRIKE: Final = ActionKind.STRIKE


class _Unmatched(NamedTuple):
    """A bad torrent whose routing waits for the count of its hash's copies."""

    torrent: TorrentInfo
    rules: ArrRules
    rule: Rule
    reason: str
    past: HistoryEntry | None
    slow_since: int | None


def _never_asked(torrent_hash: str) -> int:  # pragma: no cover - see `route_shared`
    # With an entry matched to an instance, routing never needs the count of copies.
    raise AssertionError(torrent_hash)


class _Evaluation(Tally):
    """The state of one evaluation while it walks the torrents."""

    def __init__(self, data: PolicyInput) -> None:
        reachable = data.reachable_instances
        # Entries of unreachable instances are kept untouched until they are back.
        super().__init__(
            data.now, {key: e for key, e in data.history.items() if key[0] not in reachable}
        )
        self.data = data
        self.past = data.history
        self.queues = data.queues
        self.by_category: dict[str, ArrRules] = {}
        for arr in sorted(data.arrs):
            category, settings = data.arrs[arr]
            if category not in self.by_category:
                self.by_category[category] = ArrRules(arr, settings)
        for alias, category in data.category_aliases.items():
            if category in self.by_category:
                self.by_category.setdefault(alias, self.by_category[category])
        self.unmatched: list[_Unmatched] = []
        self.slow_from_now = HistoryEntry(first_seen_bad=data.now, slow_since=data.now)

    def walk(self, torrents: Sequence[TorrentInfo]) -> None:  # noqa: C901 - the hot loop, inline
        """Match the rules of every managed, incomplete torrent; a bad one goes on to `bad`.

        The hot loop: a torrent no rule can match costs two lookups, and the checks of a
        torrent's state are asked in one call each. Fields read here are handed on, since
        reading a field of a named tuple costs more than passing it.
        """
        by_category, past_history, now, bad = self.by_category, self.past, self.now, self.bad
        for torrent in torrents:
            rules = by_category.get(torrent.category)
            if rules is None:
                continue  # not managed
            state = torrent.state
            checks = rules.checks.get(state, ())
            message = torrent.tracker_message
            if not (checks or message):
                # No rule can match: only a history can change.
                if (torrent.instance, torrent.hash) in past_history:
                    self.quiet(torrent)
                continue
            progress, tags = torrent.progress, torrent.tags
            if progress >= 1 or TAG_OBSOLETE in tags:
                continue  # complete ones are never touched; obsolete ones are the seeding rules'
            key = (torrent.instance, torrent.hash)
            past = past_history.get(key)
            slow_since = None
            if state in rules.slow_states and torrent.dlspeed < rules.slow_speed:
                slow_since = now if past is None or past.slow_since is None else past.slow_since
            if message and (reason := unregistered(message)) is not None:
                rule = Rule.UNREGISTERED
                bad(torrent, key, rules, rule, reason, past, slow_since, tags, progress)
                continue
            for rule, check in checks:
                if (reason := check(torrent, now, slow_since)) is not None:
                    bad(torrent, key, rules, rule, reason, past, slow_since, tags, progress)
                    break
            else:
                if past is not None or slow_since is not None:
                    self.healthy(key, past, slow_since)

    def quiet(self, torrent: TorrentInfo) -> None:
        """Update the history of a torrent no rule can match in its state."""
        if torrent.progress < 1 and TAG_OBSOLETE not in torrent.tags:
            key = (torrent.instance, torrent.hash)
            self.healthy(key, self.past[key], None)

    def healthy(self, key: TorrentKey, past: HistoryEntry | None, slow_since: int | None) -> None:
        """Remember what matters of a torrent no rule matched: a recent recheck, a slow clock."""
        now = self.now
        if (
            past is not None
            and past.rechecked_at is not None
            and now - past.rechecked_at < RECHECK_MEMORY
        ):
            self.history[key] = past._replace(
                strikes=0, rule=None, slow_since=slow_since, unregistered_since=None
            )
        elif slow_since == now:
            self.history[key] = self.slow_from_now  # shared: most slow clocks start now
        elif slow_since is not None:
            self.history[key] = _new(
                HistoryEntry, (now, 0, None, None, slow_since, None, None, None)
            )

    def bad(  # noqa: PLR0917 - the hot path: positional arguments cost least
        self,
        torrent: TorrentInfo,
        key: TorrentKey,
        rules: ArrRules,
        rule: Rule,
        reason: str,
        past: HistoryEntry | None,
        slow_since: int | None,
        tags: frozenset[str],
        progress: float,
    ) -> None:
        """Guard and route a torrent a rule matched, then count it.

        The common case takes no further call: a first strike, unguarded, on the Arr's own
        copy or on a torrent no Arr knows.
        """
        protect = rules.protect_tag
        if (
            (protect and protect in tags)
            or self.now - torrent.added_on < rules.min_age
            or progress > rules.max_progress
            # Only the tracker's message can make a paused torrent bad: no state rule does.
            or (rule is Rule.UNREGISTERED and torrent.state in _PAUSED_STATES)
        ):
            guard = _guard(torrent, rules, self.now)
            self.leave(torrent, key, rules, rule, guard=guard, past=past)
            return
        entries = self.queues.get(key[1])
        if not entries:
            kind, queue_entry = rules.unknown_kind, None
        elif len(entries) == 1 and entries[0].instance == key[0]:
            kind, queue_entry = ActionKind.ARR_REMOVE, entries[0]
        else:
            self.route_shared(torrent, key, rules, rule, reason, past, slow_since, entries)
            return
        if (
            past is None
            and slow_since is None
            and rules.strikes > 1
            and rule not in _SPECIAL
            and not torrent.at_risk
        ):
            name, category, text = torrent.name, torrent.category, reason + rules.strike_texts[1]
            values = (key[0], key[1], name, category, rules.arr, rule, _STRIKE, text, None, ())
            self.actions.append(_new(Action, values))
            self.history[key] = self.first_strikes[rule]
            return
        self.act(torrent, key, rules, rule, reason, past, slow_since, kind, queue_entry)

    def route_shared(  # noqa: PLR0917 - called from the hot path
        self,
        torrent: TorrentInfo,
        key: TorrentKey,
        rules: ArrRules,
        rule: Rule,
        reason: str,
        past: HistoryEntry | None,
        slow_since: int | None,
        entries: tuple[QueueEntry, ...],
    ) -> None:
        """Route a bad torrent whose hash other copies or other Arrs share."""
        if all(entry.instance is None for entry in entries):
            # Whose copy depends on how many there are: decided after the walk.
            self.unmatched.append(_Unmatched(torrent, rules, rule, reason, past, slow_since))
            return
        routed = route(
            torrent,
            entries,
            rules.settings,
            reachable=self.data.reachable_instances,
            any_unreachable=bool(self.data.unreachable_instances),
            copies=_never_asked,
        )
        if isinstance(routed, Guard):
            self.leave(torrent, key, rules, rule, guard=routed, past=past)
        else:
            self.act(torrent, key, rules, rule, reason, past, slow_since, *routed)

    def second_pass(self, index: TorrentIndex) -> list[TorrentInfo]:
        """Route the bad torrents whose Arr's client matched none; return the strike-tagged.

        An unmatched client is safe only for the one copy of a hash, so the copies of those
        hashes (few) are counted.
        """
        if self.unmatched:
            managed = self.by_category
            copies = Counter(
                {
                    torrent_hash: sum(t.category in managed for t in index.copies(torrent_hash))
                    for torrent_hash in {pending.torrent.hash for pending in self.unmatched}
                }
            )
            data = self.data
            for torrent, rules, rule, reason, past, slow_since in self.unmatched:
                key = (torrent.instance, torrent.hash)
                routed = route(
                    torrent,
                    data.queues.get(torrent.hash, ()),
                    rules.settings,
                    reachable=data.reachable_instances,
                    any_unreachable=bool(data.unreachable_instances),
                    copies=copies.__getitem__,
                )
                if isinstance(routed, Guard):
                    self.leave(torrent, key, rules, rule, guard=routed, past=past)
                else:
                    self.act(torrent, key, rules, rule, reason, past, slow_since, *routed)
        return list(index.strike_tagged)


def _guard(torrent: TorrentInfo, rules: ArrRules, now: int) -> Guard:
    """Name the guard that keeps a bad torrent (one is known to)."""
    if rules.protect_tag and rules.protect_tag in torrent.tags:
        return Guard.PROTECTED
    if now - torrent.added_on < rules.min_age:
        return Guard.TOO_YOUNG
    if torrent.progress > rules.max_progress:
        return Guard.NEARLY_DONE
    return Guard.PAUSED


def evaluate(data: PolicyInput) -> Plan:
    """Evaluate every managed torrent and return the plan.

    The walk is in input order (cheap); every output is sorted, so the plan does not depend
    on the order the torrents came in.
    """
    run = _Evaluation(data)
    # Most of a library seeds, and seeding torrents are never touched: the index holds the
    # rest apart, so they are never read.
    index = data.index
    run.walk(index.unfinished)
    strike_tagged = run.second_pass(index)
    settle_removals(run)
    clear_stale_strikes(run, strike_tagged, run.by_category)
    sort_by_key(run.actions)
    sort_by_key(run.skipped)
    return Plan(actions=tuple(run.actions), skipped=tuple(run.skipped), history=run.history)
