"""The plan as it grows: strikes counted, torrents at their limit settled within the limits.

Per-torrent records are built through `tuple.__new__`: a named tuple's generated `__new__`
is a Python function call, and a plan for 50,000 torrents builds thousands of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Final, NamedTuple

from ..model.torrent import TorrentKey
from .model import (
    REMOVALS,
    TAG_OBSOLETE,
    Action,
    ActionKind,
    Guard,
    HistoryEntry,
    PrivateMode,
    QueueEntry,
    Rule,
    Skipped,
    TorrentInfo,
)
from .rules import RECHECK_FIRST, ArrRules

_new = tuple.__new__
_STRIKE: Final = ActionKind.STRIKE
_INSTANCE: Final = itemgetter(0)
_HASH: Final = itemgetter(1)
_DUE_ORDER: Final = itemgetter(0, 1, 2)  # oldest problem first, then (instance, hash)
# An at-risk private torrent keeps seeding: what it gets instead of a removal.
_KEPT_SEEDING: Final = {
    ActionKind.ARR_REMOVE: ActionKind.ARR_REMOVE_KEEP,
    ActionKind.DELETE: ActionKind.KEEP_SEEDING,
    ActionKind.DELETE_WITH_FILES: ActionKind.KEEP_SEEDING,
}


class Due(NamedTuple):
    """A torrent at its strike limit, to be removed, kept or tagged in the removal pass."""

    first_seen_bad: int
    instance: str
    hash: str
    torrent: TorrentInfo
    rules: ArrRules
    rule: Rule
    reason: str  # ending in "; strike n of n"
    entry: HistoryEntry
    kind: ActionKind
    queue_entry: QueueEntry | None


def action(
    torrent: TorrentInfo,
    arr: str,
    rule: Rule,
    kind: ActionKind,
    reason: str,
    *,
    queue_entry: QueueEntry | None = None,
) -> Action:
    """Return one step of the plan for `torrent`."""
    head = (torrent.instance, torrent.hash, torrent.name, torrent.category, arr, rule, kind)
    if queue_entry is None:
        return _new(Action, (*head, reason, None, ()))
    return _new(Action, (*head, reason, queue_entry.queue_id, queue_entry.media_ids))


def sort_by_key(items: list[Action] | list[Skipped]) -> None:
    """Sort actions or skipped torrents by (instance, hash), stably, in place.

    Two stable sorts on one existing string each cost less than one sort on a key tuple
    built for every item, and give the same order.
    """
    items.sort(key=_HASH)
    items.sort(key=_INSTANCE)


class Tally:
    """Actions, skipped torrents, the new history and the torrents due, for one evaluation."""

    def __init__(self, now: int, history: dict[TorrentKey, HistoryEntry]) -> None:
        """Start from the history to keep whatever happens (unreachable instances')."""
        self.now = now
        self.history = history
        self.actions: list[Action] = []
        self.skipped: list[Skipped] = []
        self.due: list[Due] = []
        self.removed: set[TorrentKey] = set()
        # The entry of a first strike or recheck depends on the rule (and whether a slow clock
        # starts now) only: shared, not built for each torrent.
        self.first_strikes = {
            rule: HistoryEntry(now, 1, rule, None, None, ActionKind.STRIKE, now) for rule in Rule
        }
        self._first_slow_strikes = {
            rule: HistoryEntry(now, 1, rule, None, now, ActionKind.STRIKE, now) for rule in Rule
        }
        self._first_rechecks = {
            rule: HistoryEntry(now, 1, rule, now, None, ActionKind.RECHECK, now)
            for rule in RECHECK_FIRST
        }

    def skip(self, torrent: TorrentInfo, arr: str, rule: Rule, guard: Guard) -> None:
        """List a torrent a rule matched but a guard protects."""
        self.skipped.append(
            _new(
                Skipped,
                (torrent.instance, torrent.hash, torrent.name, torrent.category, arr, rule, guard),
            )
        )

    def leave(
        self,
        torrent: TorrentInfo,
        key: TorrentKey,
        rules: ArrRules,
        rule: Rule,
        *,
        guard: Guard,
        past: HistoryEntry | None,
    ) -> None:
        """Leave a bad torrent alone (or not this copy's business yet): no strike, no tag.

        Another Arr's copy forgets what was counted here; otherwise it is kept for when it
        is decided.
        """
        self.skip(torrent, rules.arr, rule, guard)
        if past is not None and guard is not Guard.COPY_ELSEWHERE:
            self.history[key] = past

    def act(  # noqa: PLR0917 - called from the hot path
        self,
        torrent: TorrentInfo,
        key: TorrentKey,
        rules: ArrRules,
        rule: Rule,
        reason: str,
        past: HistoryEntry | None,
        slow_since: int | None,
        kind: ActionKind,
        queue_entry: QueueEntry | None,
    ) -> None:
        """Apply the last guards of a routed torrent (grace, private), then count it."""
        unregistered_since = None
        if rule is Rule.UNREGISTERED:
            now = self.now
            since = past.unregistered_since if past is not None else None
            unregistered_since = now if since is None else since
            if now - unregistered_since < rules.grace:
                # Trackers say "unregistered" for a while after an outage too: wait and see.
                # The rest of the entry is kept as it was: the grace neither counts nor forgets.
                base = past or _new(HistoryEntry, (now, 0, None, None, None, None, None, None))
                self.history[key] = _new(
                    HistoryEntry, (*base[:4], slow_since, *base[5:7], unregistered_since)
                )
                self.skip(torrent, rules.arr, rule, Guard.UNREGISTERED_GRACE)
                return
        if torrent.at_risk and kind in _KEPT_SEEDING:
            if rules.private_mode is PrivateMode.NEVER_TOUCH:
                self.leave(torrent, key, rules, rule, guard=Guard.PRIVATE, past=past)
                return
            if rules.private_mode is PrivateMode.KEEP_SEEDING:
                kind = _KEPT_SEEDING[kind]
        self.count(
            torrent,
            key,
            rules,
            rule,
            reason,
            past,
            slow_since,
            unregistered_since,
            kind,
            queue_entry,
        )

    def count(  # noqa: PLR0917 - the hot path: positional arguments cost least
        self,
        torrent: TorrentInfo,
        key: TorrentKey,
        rules: ArrRules,
        rule: Rule,
        reason: str,
        past: HistoryEntry | None,
        slow_since: int | None,
        unregistered_since: int | None,
        kind: ActionKind,
        queue_entry: QueueEntry | None,
    ) -> None:
        """Recheck first, strike, or put the torrent up for its `kind` at its strike limit."""
        now = self.now
        if past is not None and past.strikes > 0:
            first_seen, strikes = past.first_seen_bad, past.strikes + 1
        else:
            first_seen, strikes = now, 1
        rechecked_at = None if past is None else past.rechecked_at
        since = unregistered_since
        fresh = strikes == 1 and since is None  # nothing to carry on
        if rechecked_at is None and rule in RECHECK_FIRST:
            self.actions.append(
                action(torrent, rules.arr, rule, ActionKind.RECHECK, reason + "; rechecking first")
            )
            self.history[key] = (
                self._first_rechecks[rule]
                if fresh and slow_since is None
                else HistoryEntry(first_seen, 1, rule, now, slow_since, ActionKind.RECHECK, now)
            )
            return
        limit = rules.strikes
        if strikes < limit:
            name, category = torrent.name, torrent.category
            text = reason + rules.strike_texts[strikes]
            step = (key[0], key[1], name, category, rules.arr, rule, _STRIKE, text, None, ())
            self.actions.append(_new(Action, step))
            if fresh and rechecked_at is None and (slow_since is None or slow_since == now):
                shared = self.first_strikes if slow_since is None else self._first_slow_strikes
                self.history[key] = shared[rule]
                return
            values = (first_seen, strikes, rule, rechecked_at, slow_since, _STRIKE, now, since)
            self.history[key] = _new(HistoryEntry, values)
            return
        entry = _new(
            HistoryEntry,
            (first_seen, limit, rule, rechecked_at, slow_since, None, None, unregistered_since),
        )
        text = reason + rules.strike_texts[limit]
        self.due.append(
            _new(
                Due,
                (first_seen, key[0], key[1], torrent, rules, rule, text, entry, kind, queue_entry),
            )
        )


def _deferral(rules: ArrRules, removed: int, on_tracker: int) -> str | None:
    """Why a removal waits for the next run (a template naming the tracker), or None."""
    if removed >= rules.settings.max_removals:
        return f"; removal limit of {rules.settings.max_removals} per run reached"
    if rules.tracker_cap > 0 and on_tracker >= rules.tracker_cap:
        return (
            f"; limit of {rules.tracker_cap} unregistered removals per tracker and run"
            " reached on {tracker}"
        )
    return None


def settle_removals(tally: Tally) -> None:
    """Settle the torrents at their strike limit, oldest problem first, within the limits."""
    if not tally.due:
        return
    removed: Counter[str] = Counter()
    per_tracker: Counter[tuple[str, str]] = Counter()
    for bad in sorted(tally.due, key=_DUE_ORDER):
        kind, queue_entry, reason = bad.kind, bad.queue_entry, bad.reason
        key, arr = (bad.instance, bad.hash), bad.rules.arr
        owner = queue_entry.arr if queue_entry is not None else arr  # whose queue, if any
        tracker = (arr, bad.torrent.tracker) if bad.rule is Rule.UNREGISTERED else None
        if kind in REMOVALS:
            deferral = _deferral(bad.rules, removed[arr], per_tracker[tracker] if tracker else 0)
            if deferral is not None:
                reason += deferral.format(tracker=bad.torrent.tracker or "an unknown tracker")
                kind, queue_entry = ActionKind.DEFERRED, None
                tally.history[key] = bad.entry
            else:
                removed[arr] += 1
                if tracker is not None:
                    per_tracker[tracker] += 1
                tally.removed.add(key)
                # Once removed it is gone: nothing to remember. A removal that fails is
                # put back by the caller from the input history.
                tally.history.pop(key, None)
        else:
            tally.history[key] = bad.entry._replace(last_action=kind, last_action_at=tally.now)
        tally.actions.append(
            action(bad.torrent, owner, bad.rule, kind, reason, queue_entry=queue_entry)
        )


def clear_stale_strikes(
    tally: Tally, strike_tagged: Sequence[TorrentInfo], by_category: Mapping[str, ArrRules]
) -> None:
    """Untag torrents that carry the strike tag but are struck no more.

    An obsolete torrent is the seeding rules' now: its tag is left as it is.
    """
    history, removed = tally.history, tally.removed
    for torrent in strike_tagged:
        rules = by_category.get(torrent.category)
        if rules is None or TAG_OBSOLETE in torrent.tags:
            continue
        key = (torrent.instance, torrent.hash)
        entry = history.get(key)
        if (entry is not None and entry.strikes > 0) or key in removed:
            continue  # still struck (struck, rechecked, tagged or deferred now), or removed
        if rules.protect_tag and rules.protect_tag in torrent.tags:
            continue  # the user's: never touched
        tally.actions.append(
            action(torrent, rules.arr, Rule.STALLED, ActionKind.CLEAR_STRIKE, "no longer struck")
        )
