"""The policy engine on literal data: every rule, every guard, their boundaries, the routing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from custom_components.qbitrr.policy.engine import RECHECK_MEMORY, evaluate
from custom_components.qbitrr.policy.model import (
    ActionKind,
    Guard,
    HistoryEntry,
    Plan,
    PolicyInput,
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
H1, H2, H3 = "1" * 40, "2" * 40, "3" * 40
RADARR = "radarr-entry"


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
    settings: Settings | None = None,
    history: Mapping[tuple[str, str], HistoryEntry] | None = None,
    queues: Mapping[str, tuple[QueueEntry, ...]] | None = None,
    reachable: frozenset[str] = frozenset({A, B}),
    unreachable: frozenset[str] = frozenset(),
    aliases: Mapping[str, str] | None = None,
    now: int = NOW,
) -> Plan:
    return evaluate(
        PolicyInput(
            now=now,
            torrents=torrents,
            reachable_instances=reachable,
            arrs={RADARR: ("radarr", settings or Settings())},
            queues=queues or {},
            history=history or {},
            unreachable_instances=unreachable,
            category_aliases=aliases or {},
        )
    )


def kinds(plan: Plan) -> list[tuple[str, str, ActionKind]]:
    return [(a.instance, a.hash, a.kind) for a in plan.actions]


def struck(strikes: int, rule: Rule = Rule.STALLED, first: int = NOW - 30 * MIN) -> HistoryEntry:
    return HistoryEntry(first_seen_bad=first, strikes=strikes, rule=rule)


# --- rules --------------------------------------------------------------------------------------


def test_stalled_at_the_delay_boundary() -> None:
    assert run(torrent(last_activity=NOW - 15 * MIN + 1)).actions == ()
    plan = run(torrent(last_activity=NOW - 15 * MIN))
    assert kinds(plan) == [(A, H1, ActionKind.STRIKE)]
    assert plan.actions[0].rule is Rule.STALLED
    assert plan.actions[0].reason == (
        "stalled, no activity for 15 min (delay 15 min); strike 1 of 3"
    )
    assert plan.history[(A, H1)].strikes == 1


def test_stalled_clock_falls_back_to_added_time() -> None:
    assert run(torrent(last_activity=0, added_on=NOW - 10 * MIN)).actions == ()
    assert kinds(run(torrent(last_activity=0, added_on=NOW - 15 * MIN))) == [
        (A, H1, ActionKind.STRIKE)
    ]


def test_metadata_clock_is_the_added_time() -> None:
    # Activity does not matter for a magnet without metadata.
    young = torrent(state="metaDL", added_on=NOW - 14 * MIN, last_activity=NOW)
    assert run(young).actions == ()
    old = torrent(state="metaDL", added_on=NOW - 15 * MIN, last_activity=NOW)
    plan = run(old)
    assert plan.actions[0].rule is Rule.METADATA


def test_strikes_lead_to_removal_and_reset_when_healthy() -> None:
    t = torrent()
    plan = run(t, history={(A, H1): struck(1)})
    assert kinds(plan) == [(A, H1, ActionKind.STRIKE)]
    assert plan.history[(A, H1)].strikes == 2
    assert plan.history[(A, H1)].first_seen_bad == NOW - 30 * MIN

    plan = run(t, history={(A, H1): struck(2)})
    assert kinds(plan) == [(A, H1, ActionKind.TAG)]  # unknown to every Arr: tag by default
    assert plan.actions[0].reason.endswith("strike 3 of 3")

    healthy = t._replace(state="downloading", dlspeed=10_000_000, eta=600)
    plan = run(healthy, history={(A, H1): struck(2)})
    assert plan.actions == ()
    assert (A, H1) not in plan.history


def test_slow_needs_the_whole_period() -> None:
    settings = Settings(slow_speed=100 * 1024, slow_period=30 * MIN)
    t = torrent(state="downloading", dlspeed=50 * 1024, eta=3600)
    plan = run(t, settings=settings)
    assert plan.actions == ()
    assert plan.history[(A, H1)].slow_since == NOW

    later = run(t, settings=settings, history=plan.history, now=NOW + 30 * MIN - 1)
    assert later.actions == ()
    due = run(t, settings=settings, history=plan.history, now=NOW + 30 * MIN)
    assert due.actions[0].rule is Rule.SLOW
    # Fast again: the slow clock stops.
    fast = run(t._replace(dlspeed=200 * 1024), settings=settings, history=due.history)
    assert (A, H1) not in fast.history
    # Off by default.
    assert run(t, history=plan.history, now=NOW + 60 * MIN).actions == ()


def test_eta_above_maximum() -> None:
    settings = Settings(max_eta=24 * 3600)
    assert run(torrent(state="downloading", eta=24 * 3600), settings=settings).actions == ()
    plan = run(torrent(state="downloading", eta=24 * 3600 + 1), settings=settings)
    assert plan.actions[0].rule is Rule.ETA
    never = run(torrent(state="downloading", eta=ETA_INFINITY), settings=settings)
    assert "ETA never" in never.actions[0].reason
    assert run(torrent(state="downloading", eta=ETA_INFINITY)).actions == ()  # off by default


@pytest.mark.parametrize(
    ("state", "rule"), [("error", Rule.ERRORED), ("missingFiles", Rule.MISSING_FILES)]
)
def test_errors_are_rechecked_first_then_struck(state: str, rule: Rule) -> None:
    t = torrent(state=state)
    plan = run(t)
    assert kinds(plan) == [(A, H1, ActionKind.RECHECK)]
    assert plan.actions[0].rule is rule
    entry = plan.history[(A, H1)]
    assert entry.rechecked_at == NOW
    # Still errored next time: strikes go on, no second recheck.
    plan = run(t, history=plan.history, now=NOW + 10 * MIN)
    assert kinds(plan) == [(A, H1, ActionKind.STRIKE)]
    assert plan.history[(A, H1)].strikes == 2
    # Recovered after the recheck: remembered, so an error right after is not rechecked again.
    healthy = run(t._replace(state="downloading", eta=60), history=plan.history, now=NOW + 20 * MIN)
    assert healthy.history[(A, H1)].strikes == 0
    again = run(t, history=healthy.history, now=NOW + 30 * MIN)
    assert kinds(again) == [(A, H1, ActionKind.STRIKE)]
    # ...but only for a day.
    forgotten = run(
        t._replace(state="downloading", eta=60),
        history=healthy.history,
        now=NOW + RECHECK_MEMORY + 1,
    )
    assert (A, H1) not in forgotten.history


def test_unregistered_tracker_message() -> None:
    t = torrent(state="downloading", eta=60, tracker_message="Unregistered torrent")
    plan = run(t, settings=Settings(unregistered_grace=0))
    assert plan.actions[0].rule is Rule.UNREGISTERED
    assert "Unregistered torrent" in plan.actions[0].reason
    assert run(t._replace(tracker_message="Announce OK")).actions == ()


# --- guards -------------------------------------------------------------------------------------


def test_protect_tag() -> None:
    plan = run(torrent(tags=frozenset({"qbitrr-protected"})), history={(A, H1): struck(2)})
    assert plan.actions == ()
    assert [(s.hash, s.guard) for s in plan.skipped] == [(H1, Guard.PROTECTED)]
    # History is kept as it was: protection neither counts nor forgets.
    assert plan.history[(A, H1)] == struck(2)
    custom = Settings(protect_tag="keep")
    assert (
        run(torrent(tags=frozenset({"keep"})), settings=custom).skipped[0].guard is Guard.PROTECTED
    )


def test_minimum_age_boundary() -> None:
    settings = Settings(stall_delay=0, min_age=3 * MIN)
    young = torrent(state="metaDL", added_on=NOW - 3 * MIN + 1)
    assert run(young, settings=settings).skipped[0].guard is Guard.TOO_YOUNG
    old_enough = torrent(state="metaDL", added_on=NOW - 3 * MIN)
    assert kinds(run(old_enough, settings=settings)) == [(A, H1, ActionKind.STRIKE)]


def test_maximum_progress_boundary() -> None:
    assert kinds(run(torrent(progress=0.99))) == [(A, H1, ActionKind.STRIKE)]
    plan = run(torrent(progress=0.991))
    assert plan.actions == ()
    assert plan.skipped[0].guard is Guard.NEARLY_DONE


def test_complete_and_seeding_torrents_are_never_touched() -> None:
    seeding = torrent(state="stalledUP", progress=1.0, tracker_message="unregistered")
    assert run(seeding).actions == ()
    assert run(seeding).skipped == ()
    done_but_errored = torrent(state="error", progress=1.0)
    assert run(done_but_errored).actions == ()


def test_user_paused_torrents_are_left_alone() -> None:
    for state in ("pausedDL", "stoppedDL"):
        t = torrent(state=state, tracker_message="torrent not found")
        plan = run(t)
        assert plan.actions == ()
        assert plan.skipped[0].guard is Guard.PAUSED


def test_only_managed_categories() -> None:
    assert run(torrent(category="movies-manual")).actions == ()
    assert run(torrent(category="")).actions == ()


def test_removal_limit_defers_the_rest_oldest_first() -> None:
    settings = Settings(max_removals=1, unknown_action=UnknownTorrentAction.DELETE)
    older, newer = torrent(hash=H2), torrent(hash=H1)
    history = {
        (A, H2): struck(2, first=NOW - 50 * MIN),
        (A, H1): struck(2, first=NOW - 40 * MIN),
    }
    plan = run(older, newer, settings=settings, history=history)
    assert kinds(plan) == [(A, H1, ActionKind.DEFERRED), (A, H2, ActionKind.DELETE)]
    assert "removal limit of 1 per run reached" in plan.actions[0].reason
    # The deferred one keeps its strikes and goes first next run.
    assert plan.history[(A, H1)].strikes == 3
    assert (A, H2) not in plan.history
    # Tagging is no removal: it never counts against the limit.
    tag_only = run(older, newer, settings=Settings(max_removals=0), history=history)
    assert [a.kind for a in tag_only.actions] == [ActionKind.TAG, ActionKind.TAG]


# --- routing ------------------------------------------------------------------------------------


def test_removal_goes_through_the_arr_of_the_instance_that_holds_it() -> None:
    on_a, on_b = torrent(instance=A), torrent(instance=B)
    queues = {H1: (QueueEntry(arr=RADARR, queue_id=7, media_ids=(42,), instance=B),)}
    history = {(A, H1): struck(2), (B, H1): struck(2)}
    plan = run(on_a, on_b, queues=queues, history=history)
    assert kinds(plan) == [(B, H1, ActionKind.ARR_REMOVE)]
    # The copy on A is not the Arr's: it is left alone, and says why.
    assert [(s.instance, s.guard) for s in plan.skipped] == [(A, Guard.COPY_ELSEWHERE)]
    # Strikes counted on that copy before are forgotten: it is nobody's business here.
    assert (A, H1) not in plan.history
    arr_removal = plan.actions[0]
    assert (arr_removal.queue_id, arr_removal.media_ids, arr_removal.arr) == (7, (42,), RADARR)


def test_unmapped_download_client_is_used_only_for_a_single_copy() -> None:
    queues = {H1: (QueueEntry(arr=RADARR, queue_id=7, media_ids=(42,), instance=None),)}
    single = run(torrent(), queues=queues, history={(A, H1): struck(2)})
    assert kinds(single) == [(A, H1, ActionKind.ARR_REMOVE)]
    both = run(
        torrent(instance=A),
        torrent(instance=B),
        queues=queues,
        history={(A, H1): struck(2), (B, H1): struck(2)},
    )
    assert both.actions == ()
    assert {s.guard for s in both.skipped} == {Guard.AMBIGUOUS_ARR}


def test_only_the_owners_copy_is_struck() -> None:
    queues = {H1: (QueueEntry(arr=RADARR, queue_id=7, media_ids=(42,), instance=B),)}
    plan = run(torrent(instance=A), torrent(instance=B), queues=queues)
    assert kinds(plan) == [(B, H1, ActionKind.STRIKE)]
    assert [(s.instance, s.guard) for s in plan.skipped] == [(A, Guard.COPY_ELSEWHERE)]
    assert set(plan.history) == {(B, H1)}


def test_nothing_is_decided_while_the_owners_instance_is_down() -> None:
    # Radarr downloads it on B, which cannot be polled: the copy on A is not Radarr's to drop.
    queues = {H1: (QueueEntry(arr=RADARR, queue_id=7, media_ids=(42,), instance=B),)}
    past = {(A, H1): struck(2)}
    plan = run(torrent(instance=A), queues=queues, reachable=frozenset({A}), history=past)
    assert plan.actions == ()
    assert [(s.instance, s.guard) for s in plan.skipped] == [(A, Guard.OWNER_UNREACHABLE)]
    assert plan.history[(A, H1)] == past[(A, H1)]  # kept for when it is decided


def test_unmapped_client_waits_while_any_instance_is_down() -> None:
    queues = {H1: (QueueEntry(arr=RADARR, queue_id=7, media_ids=(42,), instance=None),)}
    plan = run(
        torrent(),
        queues=queues,
        history={(A, H1): struck(2)},
        reachable=frozenset({A}),
        unreachable=frozenset({B}),
    )
    assert plan.actions == ()
    assert {s.guard for s in plan.skipped} == {Guard.AMBIGUOUS_ARR}


def test_every_id_of_a_download_is_kept_for_the_search() -> None:
    pack = QueueEntry(arr=RADARR, queue_id=3, media_ids=(501, 502, 503), instance=A)
    plan = run(torrent(), queues={H1: (pack,)}, history={(A, H1): struck(2)})
    assert [(a.kind, a.queue_id, a.media_ids) for a in plan.actions] == [
        (ActionKind.ARR_REMOVE, 3, (501, 502, 503))
    ]


def test_stale_strike_tags_are_cleared() -> None:
    tagged = frozenset({"qbitrr-strike"})
    recovered = torrent(state="downloading", dlspeed=10_000, tags=tagged)
    complete = torrent(hash=H2, state="uploading", progress=1.0, tags=tagged)
    elsewhere = torrent(hash=H3, instance=A, tags=tagged)
    queues = {H3: (QueueEntry(arr=RADARR, queue_id=7, media_ids=(), instance=B),)}
    still_struck = torrent(instance=B, hash=H3, tags=tagged)
    plan = run(
        recovered,
        complete,
        elsewhere,
        still_struck,
        queues=queues,
        history={(B, H3): struck(1), (A, H3): struck(1)},
    )
    assert kinds(plan) == [
        (A, H1, ActionKind.CLEAR_STRIKE),
        (A, H2, ActionKind.CLEAR_STRIKE),
        (A, H3, ActionKind.CLEAR_STRIKE),
        (B, H3, ActionKind.STRIKE),
    ]
    # Not managed: a user's own category is none of qbitrr's business.
    assert run(torrent(category="manual", tags=tagged)).actions == ()


def test_category_aliases_are_judged_as_the_arrs() -> None:
    plan = run(torrent(category="Radarr"), aliases={"Radarr": "radarr"})
    assert kinds(plan) == [(A, H1, ActionKind.STRIKE)]
    assert plan.actions[0].arr == RADARR
    assert run(torrent(category="Radarr")).actions == ()
    # An alias of a category no Arr has is nobody's.
    assert run(torrent(category="Radarr"), aliases={"Radarr": "lidarr"}).actions == ()


def test_two_arrs_of_one_category_the_first_judges() -> None:
    plan = evaluate(
        PolicyInput(
            now=NOW,
            torrents=(torrent(),),
            reachable_instances=frozenset({A}),
            arrs={"b-entry": ("radarr", Settings(strikes=1)), "a-entry": ("radarr", Settings())},
            queues={},
            history={},
        )
    )
    assert [(a.arr, a.kind) for a in plan.actions] == [("a-entry", ActionKind.STRIKE)]


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        (UnknownTorrentAction.TAG, ActionKind.TAG),
        (UnknownTorrentAction.DELETE, ActionKind.DELETE),
        (UnknownTorrentAction.DELETE_WITH_FILES, ActionKind.DELETE_WITH_FILES),
    ],
)
def test_unknown_torrent_action(action: UnknownTorrentAction, kind: ActionKind) -> None:
    plan = run(torrent(), settings=Settings(unknown_action=action), history={(A, H1): struck(2)})
    assert kinds(plan) == [(A, H1, kind)]


# --- history and determinism ---------------------------------------------------------------------


def test_history_of_unreachable_instances_is_kept_and_vanished_torrents_dropped() -> None:
    history = {(A, H1): struck(1), (B, H2): struck(2), (A, H3): struck(1)}
    plan = run(torrent(hash=H1), history=history, reachable=frozenset({A}))
    assert plan.history[(B, H2)] == struck(2)  # B unreachable: untouched
    assert (A, H3) not in plan.history  # gone from A
    assert plan.history[(A, H1)].strikes == 2


def test_same_input_same_plan_in_any_order() -> None:
    torrents = [
        torrent(hash=H1),
        torrent(hash=H2, state="metaDL"),
        torrent(hash=H3, instance=B, state="error"),
    ]
    history = {(A, H1): struck(2)}
    first = run(*torrents, history=history)
    second = run(*reversed(torrents), history=history)
    assert first == second
    assert [a.hash for a in first.actions] == [H1, H2, H3]
