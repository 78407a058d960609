"""Downloads their Arr cannot import, and queue records of media no longer monitored.

Pure, like the engine: the Arr's queue records (with the app's tracked state, status and
messages), the engine's input and its plan in; the plan with these rules' actions out. The
engine's rules come first: a torrent the engine acts on or remembers is left to it here.

An import is blocked when the app tracks the download as importBlocked, importPending,
importFailed, failedPending or downloadFailedPending with a warning or an error. Blocked for
the delay (counted from when qbitrr first saw it so), it is removed through its Arr with
blocklist and search when one of its messages matches a pattern; otherwise it is reported
and left alone, since only the user can tell what the app wants. A season pack or
discography is one download with several records: it is removed once, and every episode or
album of it searched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from operator import itemgetter
import re
from typing import Final, NamedTuple

from ..model.arr import QueueItem
from ..model.torrent import TorrentKey
from .model import (
    REMOVALS,
    Action,
    ActionKind,
    Guard,
    HistoryEntry,
    ImportReport,
    Plan,
    PolicyInput,
    PrivateMode,
    QueueEntry,
    Rule,
    Settings,
    Skipped,
    TorrentInfo,
    has_key,
    merge_by_key,
)
from .routing import route

BLOCKED_STATES: Final = frozenset(
    {"importBlocked", "importPending", "importFailed", "failedPending", "downloadFailedPending"}
)
PROBLEM_STATUSES: Final = frozenset({"warning", "error"})
_REGEX: Final = re.compile(r"^/(.+)/$")
_OLDEST_FIRST: Final = itemgetter(0, 1)  # since, then (instance, hash) of the torrent
_KIND: Final = itemgetter(6)  # an action's kind


def parse_patterns(text: str) -> tuple[str, ...]:
    """One pattern a line: blank lines dropped, substrings lower-cased, duplicates once."""
    patterns = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            patterns.append(stripped if _REGEX.match(stripped) else stripped.lower())
    return tuple(dict.fromkeys(patterns))


def invalid_pattern(text: str) -> str | None:
    """Return the first line that is not a valid regular expression, or None."""
    for pattern in parse_patterns(text):
        if (found := _REGEX.match(pattern)) is not None:
            try:
                re.compile(found.group(1))
            except re.error:
                return pattern
    return None


@lru_cache(maxsize=32)
def _compiled(patterns: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled = []
    for pattern in patterns:
        found = _REGEX.match(pattern)
        try:
            expression = re.compile(found.group(1) if found else re.escape(pattern), re.IGNORECASE)
        except re.error:  # validated by the options form; an old entry's is skipped
            continue
        compiled.append((pattern, expression))
    return tuple(compiled)


def matching(messages: Iterable[str], patterns: tuple[str, ...]) -> tuple[str, str] | None:
    """Return the first (message, pattern) where the pattern matches, or None."""
    compiled = _compiled(patterns)
    for message in messages:
        for pattern, expression in compiled:
            if expression.search(message):
                return message, pattern
    return None


def is_blocked(item: QueueItem) -> bool:
    """Whether the app cannot import the record's download (and says why it worries)."""
    return item.tracked_state in BLOCKED_STATES and item.tracked_status in PROBLEM_STATUSES


class _Candidate(NamedTuple):
    """A download one of these rules would remove, before the removal limit."""

    since: int
    torrent: TorrentInfo
    rule: Rule
    reason: str
    entry: QueueEntry


class _Imports:
    """One Arr's pass over its queue."""

    def __init__(self, data: PolicyInput, plan: Plan, hashes: frozenset[str]) -> None:
        """Take the Arr's input and plan; `hashes` are the downloads to judge."""
        self.data = data
        self.arr, (_, self.settings) = next(iter(data.arrs.items()))
        self.acted = plan.actions  # in (instance, hash) order
        self.remembered = plan.history
        self.history: dict[TorrentKey, HistoryEntry] = {}
        self.candidates: list[_Candidate] = []
        self.skipped: list[Skipped] = []
        self.reports: list[ImportReport] = []
        # The copies of the judged downloads only, found through the index.
        index = data.index
        self.copies = {torrent_hash: index.copies(torrent_hash) for torrent_hash in hashes}

    def owner(self, torrent_hash: str, rule: Rule) -> tuple[TorrentInfo, QueueEntry] | None:
        """Find the copy this Arr's record is about, with its entry; list guarded copies."""
        arr, queue = self.arr, self.data.queues.get(torrent_hash, ())
        entries: tuple[QueueEntry, ...] = queue if len(queue) == 1 and queue[0].arr == arr else ()
        if not entries and len(queue) > 1:
            entries = tuple(entry for entry in queue if entry.arr == arr)
        copies = self.copies.get(torrent_hash, [])
        for torrent in copies:
            for own in entries:
                if own.instance == torrent.instance:
                    return torrent, own  # the Arr's own copy (as `route` finds it first)
            routed = route(
                torrent,
                entries,
                self.settings,
                reachable=self.data.reachable_instances,
                any_unreachable=bool(self.data.unreachable_instances),
                copies=lambda _hash: len(copies),
            )
            if isinstance(routed, Guard):
                if routed is not Guard.COPY_ELSEWHERE:
                    self.skip(torrent, rule, routed)
                continue
            _, entry = routed
            if entry is not None:
                return torrent, entry
        return None

    def skip(self, torrent: TorrentInfo, rule: Rule, guard: Guard) -> None:
        head = (torrent.instance, torrent.hash, torrent.name, torrent.category, self.arr)
        self.skipped.append(Skipped(*head, rule, guard))

    def judge(self, download: Download) -> None:
        """Judge one download: every record of it, taken together."""
        settings = self.settings
        unmonitored = settings.remove_unmonitored and download.unmonitored
        blocked = list(download.blocked) if settings.import_blocked_delay else []
        if not (unmonitored or blocked):
            return
        rule = Rule.UNMONITORED if unmonitored else Rule.IMPORT_BLOCKED
        found = self.owner(download.hash, rule)
        if found is None:
            return
        torrent, entry = found
        key = (torrent.instance, torrent.hash)
        if key in self.remembered or has_key(self.acted, key):
            return  # the engine's rules came first
        if settings.protect_tag and settings.protect_tag in torrent.tags:
            self.skip(torrent, rule, Guard.PROTECTED)
            return
        if unmonitored:
            reason = "its media is no longer monitored; removed without a search"
            self.candidates.append(
                _Candidate(self.data.now, torrent, rule, reason, entry._replace(media_ids=()))
            )
            return
        self.blocked(torrent, key, entry, blocked)

    def blocked(
        self, torrent: TorrentInfo, key: TorrentKey, entry: QueueEntry, records: list[QueueItem]
    ) -> None:
        """Wait for the delay, then remove on a known reason or report an unknown one."""
        now, delay = self.data.now, self.settings.import_blocked_delay
        past = self.data.history.get(key)
        since = (
            past.first_seen_bad if past is not None and past.rule is Rule.IMPORT_BLOCKED else now
        )
        # Kept while it waits, is reported or is deferred; dropped once removed.
        self.history[key] = HistoryEntry(since, 0, Rule.IMPORT_BLOCKED)
        if now - since < delay:
            return
        messages = tuple(dict.fromkeys(m for r in records for m in r.status_messages))
        first = records[0]
        found = matching(messages, self.settings.import_patterns)
        if found is None:
            self.reports.append(
                ImportReport(
                    torrent.instance,
                    torrent.hash,
                    torrent.name,
                    self.arr,
                    entry.queue_id,
                    first.tracked_state,
                    first.tracked_status,
                    messages,
                    since,
                )
            )
            return
        message, pattern = found
        reason = (
            f"{first.tracked_state} for {(now - since) // 60} min (delay {delay // 60} min):"
            f' "{message}" matches "{pattern}"'
        )
        self.candidates.append(_Candidate(since, torrent, Rule.IMPORT_BLOCKED, reason, entry))

    def actions(self, removed_by_engine: int) -> list[Action]:
        """Settle the candidates, oldest first, within the removal limit and the private guard."""
        settings: Settings = self.settings
        actions = []
        removed = removed_by_engine
        for candidate in sorted(self.candidates, key=_OLDEST_FIRST):
            torrent, rule, reason, entry = candidate[1:5]
            key = (torrent.instance, torrent.hash)
            kind = ActionKind.ARR_REMOVE
            if torrent.at_risk and settings.private_mode is not PrivateMode.LIKE_PUBLIC:
                if settings.private_mode is PrivateMode.NEVER_TOUCH:
                    self.skip(torrent, rule, Guard.PRIVATE)
                    continue
                kind = ActionKind.ARR_REMOVE_KEEP
            queue_id: int | None = entry.queue_id
            media_ids = entry.media_ids
            if removed >= settings.max_removals:
                reason += f"; removal limit of {settings.max_removals} per run reached"
                kind, queue_id, media_ids = ActionKind.DEFERRED, None, ()
            else:
                removed += 1
                self.history.pop(key, None)  # removed: nothing to remember
            head = (torrent.instance, torrent.hash, torrent.name, torrent.category, self.arr)
            actions.append(Action(*head, rule, kind, reason, queue_id, media_ids))
        return actions


class Download(NamedTuple):
    """A download of an Arr's queue the import or unmonitored rule can judge: its records."""

    hash: str
    unmonitored: bool  # every record's media is no longer monitored
    blocked: tuple[QueueItem, ...]  # the records whose import is blocked, in queue order


def queue_downloads(queue: Iterable[QueueItem]) -> tuple[Download, ...]:
    """Return the downloads with a blocked record or no monitored one, in hash order.

    Depends on the queue alone: kept while the Arr's queue stays the same (`QueueMemo`).
    Only such a download can be judged: the rest of a long queue is passed over.
    """
    records: defaultdict[str, list[QueueItem]] = defaultdict(list)
    for item in queue:
        torrent_hash = item.torrent_hash
        if torrent_hash:
            records[torrent_hash].append(item)
    flagged = {
        item.torrent_hash
        for item in queue
        if item.torrent_hash and (item.monitored is False or is_blocked(item))
    }
    found = []
    for torrent_hash in sorted(flagged):
        items = records[torrent_hash]
        unmonitored = all(item.monitored is False for item in items)
        blocked = tuple(item for item in items if is_blocked(item))
        if unmonitored or blocked:
            found.append(Download(torrent_hash, unmonitored, blocked))
    return tuple(found)


def with_imports(
    data: PolicyInput,
    queue: Sequence[QueueItem],
    plan: Plan,
    downloads: Sequence[Download] | None = None,
) -> Plan:
    """Add the import and unmonitored rules' actions, skips and reports to one Arr's plan.

    `downloads` are the queue's (`queue_downloads`), when kept from an earlier run.
    """
    settings = next(iter(data.arrs.values()))[1]
    if not (settings.import_blocked_delay or settings.remove_unmonitored):
        return plan
    blocked_too = bool(settings.import_blocked_delay)
    unmonitored_too = settings.remove_unmonitored
    judged = [
        download
        for download in (queue_downloads(queue) if downloads is None else downloads)
        if (blocked_too and download.blocked) or (unmonitored_too and download.unmonitored)
    ]
    if not judged:
        return plan
    run = _Imports(data, plan, frozenset(download.hash for download in judged))
    for download in judged:
        run.judge(download)
    removed = sum(map(REMOVALS.__contains__, map(_KIND, plan.actions)))
    added = run.actions(removed)
    if not (added or run.skipped or run.history or run.reports):
        return plan
    return replace(
        plan,
        actions=merge_by_key(plan.actions, added),
        skipped=merge_by_key(plan.skipped, run.skipped),
        history={**run.history, **plan.history},
        unmatched_imports=tuple(sorted(run.reports, key=lambda r: (r.instance, r.hash))),
    )
