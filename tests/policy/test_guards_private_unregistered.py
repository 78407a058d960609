"""The private-tracker guard, the unregistered grace period and the tracker cap, on literal data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from custom_components.qbitrr.policy.engine import evaluate
from custom_components.qbitrr.policy.model import (
    REMOVALS,
    TAG_OBSOLETE,
    TAG_STRIKE,
    ActionKind,
    Guard,
    HistoryEntry,
    Plan,
    PolicyInput,
    PrivateMode,
    QueueEntry,
    Rule,
    Settings,
    TorrentInfo,
    UnknownTorrentAction,
)
from custom_components.qbitrr.policy.rules import ETA_INFINITY

NOW = 1_800_000_000
MIN = 60
A, B = "instance-a", "instance-b"
H1, H2, H3, H4 = "1" * 40, "2" * 40, "3" * 40, "4" * 40
RADARR = "radarr-entry"
GONE = "Unregistered torrent"
# One strike removes; no grace; deletes what no Arr knows.
QUICK = Settings(strikes=1, unregistered_grace=0, unknown_action=UnknownTorrentAction.DELETE)


def torrent(**overrides: Any) -> TorrentInfo:
    base: dict[str, Any] = {
        "instance": A,
        "hash": H1,
        "name": "Some.Movie.2024",
        "category": "radarr",
        "state": "stalledDL",
        "progress": 0.2,
        "dlspeed": 0,
        "eta": ETA_INFINITY,
        "added_on": NOW - 120 * MIN,
        "last_activity": NOW - 60 * MIN,
    }
    return TorrentInfo(**(base | overrides))


def run(
    *torrents: TorrentInfo,
    settings: Settings = QUICK,
    history: Mapping[tuple[str, str], HistoryEntry] | None = None,
    queues: Mapping[str, tuple[QueueEntry, ...]] | None = None,
    now: int = NOW,
) -> Plan:
    return evaluate(
        PolicyInput(
            now=now,
            torrents=torrents,
            reachable_instances=frozenset({A, B}),
            arrs={RADARR: ("radarr", settings)},
            queues=queues or {},
            history=history or {},
        )
    )


def kinds(plan: Plan) -> list[tuple[str, ActionKind]]:
    return [(a.hash, a.kind) for a in plan.actions]


def queued(torrent_hash: str = H1, instance: str | None = A) -> dict[str, tuple[QueueEntry, ...]]:
    return {torrent_hash: (QueueEntry(arr=RADARR, queue_id=7, media_ids=(42,), instance=instance),)}


# --- unregistered grace period -------------------------------------------------------------------


def test_unregistered_waits_out_the_grace_period() -> None:
    settings = Settings(unregistered_grace=10 * MIN)
    gone = torrent(tracker_message=GONE)
    first = run(gone, settings=settings)
    assert first.actions == ()
    assert [(s.hash, s.rule, s.guard) for s in first.skipped] == [
        (H1, Rule.UNREGISTERED, Guard.UNREGISTERED_GRACE)
    ]
    assert first.history[(A, H1)].unregistered_since == NOW
    assert first.history[(A, H1)].strikes == 0  # no strike, no tag
    # Still within the grace period a second before it ends.
    almost = run(gone, settings=settings, history=first.history, now=NOW + 10 * MIN - 1)
    assert almost.actions == ()
    assert almost.history[(A, H1)].unregistered_since == NOW
    # Then it counts, and the history still knows since when.
    due = run(gone, settings=settings, history=almost.history, now=NOW + 10 * MIN)
    assert kinds(due) == [(H1, ActionKind.STRIKE)]
    assert due.actions[0].rule is Rule.UNREGISTERED
    assert due.history[(A, H1)].unregistered_since == NOW
    assert due.history[(A, H1)].strikes == 1


def test_a_tracker_that_recovers_within_the_grace_period_is_forgotten() -> None:
    settings = Settings(unregistered_grace=10 * MIN)
    gone = torrent(state="downloading", eta=60, tracker_message=GONE)
    first = run(gone, settings=settings)
    back = run(gone._replace(tracker_message="OK"), settings=settings, history=first.history)
    assert back.skipped == ()
    assert (A, H1) not in back.history
    # Unregistered again later: a new grace period.
    again = run(gone, settings=settings, history=back.history, now=NOW + 20 * MIN)
    assert again.skipped[0].guard is Guard.UNREGISTERED_GRACE


def test_the_other_guards_come_before_the_grace_period() -> None:
    protected = torrent(tracker_message=GONE, tags=frozenset({"qbitrr-protected"}))
    plan = run(protected, settings=Settings())
    assert [s.guard for s in plan.skipped] == [Guard.PROTECTED]
    assert plan.history == {}
    elsewhere = run(torrent(tracker_message=GONE), settings=Settings(), queues=queued(instance=B))
    assert [s.guard for s in elsewhere.skipped] == [Guard.COPY_ELSEWHERE]


def test_a_grace_period_of_zero_counts_at_once() -> None:
    plan = run(torrent(tracker_message=GONE), settings=Settings(unregistered_grace=0))
    assert kinds(plan) == [(H1, ActionKind.STRIKE)]
    assert plan.history[(A, H1)].unregistered_since == NOW


# --- per-tracker cap -----------------------------------------------------------------------------


def test_unregistered_removals_are_capped_per_tracker() -> None:
    settings = Settings(
        strikes=1,
        unregistered_grace=0,
        unknown_action=UnknownTorrentAction.DELETE,
        max_unregistered_per_tracker=2,
    )
    on_a = [
        torrent(hash=h, tracker="tracker.a", tracker_message=GONE, added_on=NOW - age * MIN)
        for h, age in ((H1, 100), (H2, 200), (H3, 300))
    ]
    on_b = torrent(hash=H4, tracker="tracker.b", tracker_message=GONE)
    history = {
        (A, h): HistoryEntry(first_seen_bad=NOW - minutes * MIN, strikes=1, rule=Rule.UNREGISTERED)
        for h, minutes in ((H1, 1), (H2, 3), (H3, 2))
    }
    plan = run(*on_a, on_b, settings=settings, history=history)
    # Oldest problems first: H1, the newest on tracker.a, waits.
    assert kinds(plan) == [
        (H1, ActionKind.DEFERRED),
        (H2, ActionKind.DELETE),
        (H3, ActionKind.DELETE),
        (H4, ActionKind.DELETE),
    ]
    assert plan.actions[0].reason.endswith(
        "; limit of 2 unregistered removals per tracker and run reached on tracker.a"
    )
    assert plan.history[(A, H1)].strikes == 1  # the deferred one keeps its strike
    assert (A, H2) not in plan.history


def test_the_cap_counts_only_the_unregistered_rule() -> None:
    settings = Settings(
        strikes=1, unknown_action=UnknownTorrentAction.DELETE, max_unregistered_per_tracker=1
    )
    stalled = [torrent(hash=h, tracker="tracker.a") for h in (H1, H2, H3)]
    assert [k for _, k in kinds(run(*stalled, settings=settings))] == [ActionKind.DELETE] * 3


def test_no_cap_at_zero_and_an_unknown_tracker_is_named() -> None:
    gone = [torrent(hash=h, tracker_message=GONE) for h in (H1, H2, H3)]
    uncapped = Settings(
        strikes=1,
        unregistered_grace=0,
        unknown_action=UnknownTorrentAction.DELETE,
        max_unregistered_per_tracker=0,
    )
    assert [k for _, k in kinds(run(*gone, settings=uncapped))] == [ActionKind.DELETE] * 3
    capped = run(
        *gone, settings=Settings(**{**_fields(uncapped), "max_unregistered_per_tracker": 1})
    )
    assert [k for _, k in kinds(capped)].count(ActionKind.DEFERRED) == 2
    assert capped.actions[-1].reason.endswith("reached on an unknown tracker")


def test_the_removal_limit_is_named_before_the_cap() -> None:
    settings = Settings(
        strikes=1,
        unregistered_grace=0,
        unknown_action=UnknownTorrentAction.DELETE,
        max_removals=1,
        max_unregistered_per_tracker=1,
    )
    gone = [torrent(hash=h, tracker="tracker.a", tracker_message=GONE) for h in (H1, H2)]
    plan = run(*gone, settings=settings)
    assert sorted(k for _, k in kinds(plan)) == [ActionKind.DEFERRED, ActionKind.DELETE]
    deferred = next(a for a in plan.actions if a.kind is ActionKind.DEFERRED)
    assert deferred.reason.endswith("removal limit of 1 per run reached")


def _fields(settings: Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in Settings.__slots__}


# --- private torrents at risk --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unknown", "queues", "expected"),
    [
        (UnknownTorrentAction.DELETE, None, ActionKind.KEEP_SEEDING),
        (UnknownTorrentAction.DELETE_WITH_FILES, None, ActionKind.KEEP_SEEDING),
        (UnknownTorrentAction.TAG, None, ActionKind.TAG),
        (UnknownTorrentAction.TAG, queued(), ActionKind.ARR_REMOVE_KEEP),
    ],
)
def test_an_at_risk_torrent_keeps_seeding(
    unknown: UnknownTorrentAction,
    queues: Mapping[str, tuple[QueueEntry, ...]] | None,
    expected: ActionKind,
) -> None:
    settings = Settings(strikes=2, unknown_action=unknown)
    at_risk = torrent(at_risk=True)
    first = run(at_risk, settings=settings, queues=queues)
    assert kinds(first) == [(H1, ActionKind.STRIKE)]  # strikes count as for any torrent
    plan = run(at_risk, settings=settings, queues=queues, history=first.history)
    assert kinds(plan) == [(H1, expected)]
    action = plan.actions[0]
    if expected is ActionKind.ARR_REMOVE_KEEP:
        assert (action.queue_id, action.media_ids, action.arr) == (7, (42,), RADARR)
        assert (A, H1) not in plan.history  # it left the Arr: nothing to remember
    else:
        assert plan.history[(A, H1)].last_action is expected


def test_kept_removals_count_against_the_removal_limit() -> None:
    settings = Settings(strikes=1, max_removals=1, private_mode=PrivateMode.KEEP_SEEDING)
    torrents = [torrent(hash=h, at_risk=True) for h in (H1, H2)]
    queues = queued(H1) | queued(H2)
    plan = run(*torrents, settings=settings, queues=queues)
    assert sorted(k for _, k in kinds(plan)) == [ActionKind.ARR_REMOVE_KEEP, ActionKind.DEFERRED]
    assert ActionKind.ARR_REMOVE_KEEP in REMOVALS


def test_never_touch_leaves_an_at_risk_torrent_alone() -> None:
    settings = Settings(strikes=1, private_mode=PrivateMode.NEVER_TOUCH)
    past = {(A, H1): HistoryEntry(first_seen_bad=NOW - 30 * MIN, strikes=1, rule=Rule.STALLED)}
    at_risk = torrent(at_risk=True, tags=frozenset({TAG_STRIKE}))
    plan = run(at_risk, settings=settings, queues=queued(), history=past)
    assert plan.actions == ()  # no strike, no tag, and its strike tag is not cleared either
    assert [(s.hash, s.guard) for s in plan.skipped] == [(H1, Guard.PRIVATE)]
    assert plan.history == past
    # A tag is no removal: an unknown at-risk torrent is still tagged qbitrr-bad.
    assert kinds(run(at_risk, settings=settings)) == [(H1, ActionKind.TAG)]


def test_like_public_and_torrents_not_at_risk_are_removed() -> None:
    like_public = Settings(strikes=1, private_mode=PrivateMode.LIKE_PUBLIC)
    assert kinds(run(torrent(at_risk=True), settings=like_public, queues=queued())) == [
        (H1, ActionKind.ARR_REMOVE)
    ]
    # Public, nothing downloaded, or minimum met: the input builder says not at risk.
    assert kinds(run(torrent(), queues=queued())) == [(H1, ActionKind.ARR_REMOVE)]
    never = Settings(
        strikes=1,
        unknown_action=UnknownTorrentAction.DELETE,
        private_mode=PrivateMode.NEVER_TOUCH,
    )
    assert kinds(run(torrent(), settings=never)) == [(H1, ActionKind.DELETE)]


def test_an_unmatched_download_client_keeps_an_at_risk_torrent_seeding() -> None:
    plan = run(torrent(at_risk=True), settings=Settings(strikes=1), queues=queued(instance=None))
    assert kinds(plan) == [(H1, ActionKind.ARR_REMOVE_KEEP)]


def test_an_obsolete_torrent_is_the_seeding_rules_business() -> None:
    obsolete = torrent(tags=frozenset({TAG_OBSOLETE, TAG_STRIKE}), tracker_message=GONE)
    past = {(A, H1): HistoryEntry(first_seen_bad=NOW - 30 * MIN, strikes=1, rule=Rule.STALLED)}
    plan = run(obsolete, history=past)
    assert plan.actions == ()  # not judged, and its stale strike tag stays
    assert plan.skipped == ()
    assert plan.history == {}


# --- finished torrents ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["checkingUP", "queuedUP", "pausedUP", "stoppedUP"])
def test_a_finished_torrent_is_never_judged_whatever_its_progress(state: str) -> None:
    # qBittorrent shows a finished torrent's recheck progress (below 1) while it checks.
    checking = torrent(state=state, progress=0.4, tracker_message=GONE)
    plan = run(checking, history={(A, H1): HistoryEntry(NOW - MIN, strikes=1)})
    assert (plan.actions, plan.skipped, plan.history) == ((), (), {})
