"""The blocked-import and unmonitored rules on literal data: delay, patterns, routing, guards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from custom_components.qbitrr.model.arr import QueueItem
from custom_components.qbitrr.policy.engine import evaluate
from custom_components.qbitrr.policy.imports import (
    invalid_pattern,
    is_blocked,
    matching,
    parse_patterns,
    with_imports,
)
from custom_components.qbitrr.policy.model import (
    DEFAULT_IMPORT_PATTERNS,
    Action,
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
)
from custom_components.qbitrr.policy.options import (
    OPT_IMPORT_BLOCKED_DELAY,
    OPT_IMPORT_PATTERNS,
    OPT_REMOVE_UNMONITORED,
    settings_from_options,
)

NOW = 1_800_000_000
MIN = 60
A, B = "instance-a", "instance-b"
H1, H2 = "1" * 40, "2" * 40
RADARR, SONARR = "radarr-entry", "sonarr-entry"
NOT_AN_UPGRADE = "Not an upgrade for existing movie file(s)"


def torrent(**overrides: Any) -> TorrentInfo:
    base: dict[str, Any] = {
        "instance": A,
        "hash": H1,
        "name": "Some.Movie.2024",
        "category": "radarr",
        "state": "stalledUP",
        "progress": 1.0,
        "dlspeed": 0,
        "eta": 0,
        "added_on": NOW - 600 * MIN,
        "last_activity": NOW - 60 * MIN,
    }
    return TorrentInfo(**(base | overrides))


def record(
    record_id: int = 7,
    *,
    torrent_hash: str = H1,
    state: str = "importBlocked",
    status: str = "warning",
    messages: Sequence[str] = (NOT_AN_UPGRADE,),
    media_id: int | None = 42,
    monitored: bool | None = None,
) -> QueueItem:
    return QueueItem(
        record_id,
        torrent_hash,
        "completed",
        "qBittorrent",
        media_id,
        tracked_state=state,
        tracked_status=status,
        status_messages=tuple(messages),
        monitored=monitored,
    )


def entry(queue: Sequence[QueueItem], arr: str = RADARR, instance: str | None = A) -> QueueEntry:
    media = tuple(sorted({r.media_id for r in queue if r.media_id is not None}))
    return QueueEntry(arr, min(r.id for r in queue), media, instance)


def run(
    queue: Sequence[QueueItem],
    *torrents: TorrentInfo,
    settings: Settings | None = None,
    history: Mapping[tuple[str, str], HistoryEntry] | None = None,
    owner: str | None = A,
    extra_queues: Mapping[str, tuple[QueueEntry, ...]] | None = None,
    unreachable: frozenset[str] = frozenset(),
    now: int = NOW,
) -> Plan:
    by_hash: dict[str, list[QueueItem]] = {}
    for item in queue:
        by_hash.setdefault(item.torrent_hash or "", []).append(item)
    queues: dict[str, tuple[QueueEntry, ...]] = {
        h: (entry(items, instance=owner),) for h, items in by_hash.items()
    }
    for h, more in (extra_queues or {}).items():
        queues[h] = queues.get(h, ()) + more
    data = PolicyInput(
        now=now,
        torrents=torrents or (torrent(),),
        reachable_instances=frozenset({A, B}) - unreachable,
        arrs={RADARR: ("radarr", settings or Settings())},
        queues=queues,
        history=history or {},
        unreachable_instances=unreachable,
    )
    return with_imports(data, queue, evaluate(data))


def seen(minutes_ago: int, rule: Rule = Rule.IMPORT_BLOCKED) -> dict[tuple[str, str], HistoryEntry]:
    return {(A, H1): HistoryEntry(NOW - minutes_ago * MIN, 0, rule)}


# --- patterns -----------------------------------------------------------------------------------


def test_patterns_parse_lower_and_deduplicate() -> None:
    text = "  Not An Upgrade \n\nnot an upgrade\n/Sample\\b/\n"
    assert parse_patterns(text) == ("not an upgrade", "/Sample\\b/")
    assert invalid_pattern(text) is None
    assert invalid_pattern("ok\n/(unclosed/") == "/(unclosed/"
    assert invalid_pattern("/") is None  # one slash is a substring


def test_matching_substring_and_regex_ignore_case() -> None:
    assert matching(["NOT AN UPGRADE for x"], ("not an upgrade",)) == (
        "NOT AN UPGRADE for x",
        "not an upgrade",
    )
    assert matching(["Sample"], ("/^sample$/",)) == ("Sample", "/^sample$/")
    assert matching(["Samples here"], ("/^sample$/",)) is None
    assert matching(["a+b"], ("a+b",)) == ("a+b", "a+b")  # substrings are literal
    assert matching(["anything"], ("/(bad/",)) is None  # an invalid stored regex is skipped


@pytest.mark.parametrize(
    ("state", "status", "blocked"),
    [
        ("importBlocked", "warning", True),
        ("importPending", "warning", True),
        ("importPending", "ok", False),  # waiting for its turn, nothing wrong
        ("failedPending", "error", True),
        ("downloadFailedPending", "error", True),  # Lidarr's spelling
        ("importFailed", "warning", True),
        ("downloading", "warning", False),
        ("imported", "ok", False),
    ],
)
def test_blocked_states(state: str, status: str, *, blocked: bool) -> None:
    assert is_blocked(record(state=state, status=status)) is blocked


def test_options_make_settings() -> None:
    settings = settings_from_options(
        {
            OPT_IMPORT_BLOCKED_DELAY: 5,
            OPT_IMPORT_PATTERNS: "Foo\n\n/ba+r/",
            OPT_REMOVE_UNMONITORED: True,
        }
    )
    assert settings.import_blocked_delay == 5 * MIN
    assert settings.import_patterns == ("foo", "/ba+r/")
    assert settings.remove_unmonitored is True
    assert settings_from_options({}).import_patterns == DEFAULT_IMPORT_PATTERNS


# --- the delay ----------------------------------------------------------------------------------


def test_first_seen_blocked_starts_the_clock() -> None:
    plan = run([record()])
    assert plan.actions == ()
    assert plan.history == {(A, H1): HistoryEntry(NOW, 0, Rule.IMPORT_BLOCKED)}
    assert plan.unmatched_imports == ()


def test_at_the_delay_a_matching_record_is_removed_with_search() -> None:
    assert run([record()], history=seen(29)).actions == ()
    plan = run([record()], history=seen(30))
    assert plan.actions == (
        Action(
            A,
            H1,
            "Some.Movie.2024",
            "radarr",
            RADARR,
            Rule.IMPORT_BLOCKED,
            ActionKind.ARR_REMOVE,
            'importBlocked for 30 min (delay 30 min): "Not an upgrade for existing movie'
            ' file(s)" matches "not an upgrade"',
            7,
            (42,),
        ),
    )
    assert plan.history == {}  # removed: nothing to remember


def test_a_history_of_another_rule_does_not_count_as_blocked() -> None:
    plan = run([record()], history=seen(90, Rule.SLOW))
    assert plan.actions == ()
    assert plan.history[A, H1].first_seen_bad == NOW


def test_an_unblocked_record_forgets_its_clock() -> None:
    plan = run([record(state="importing", status="ok")], history=seen(90))
    assert plan.actions == ()
    assert plan.history == {}


def test_delay_zero_turns_the_rule_off() -> None:
    plan = run([record()], history=seen(90), settings=Settings(import_blocked_delay=0))
    assert plan == evaluate(
        PolicyInput(NOW, (torrent(),), frozenset({A, B}), {RADARR: ("radarr", Settings())}, {}, {})
    )


# --- unmatched messages -------------------------------------------------------------------------


def test_unmatched_messages_are_reported_and_left() -> None:
    odd = record(messages=("Something new went wrong", "Something new went wrong"))
    plan = run([odd], history=seen(45))
    assert plan.actions == ()
    (report,) = plan.unmatched_imports
    assert report.messages == ("Something new went wrong",)
    assert (report.instance, report.hash, report.arr, report.queue_id) == (A, H1, RADARR, 7)
    assert (report.state, report.status, report.blocked_since) == (
        "importBlocked",
        "warning",
        NOW - 45 * MIN,
    )
    assert plan.history[A, H1].first_seen_bad == NOW - 45 * MIN  # the clock keeps running


def test_before_the_delay_nothing_is_reported() -> None:
    assert run([record(messages=("odd",))], history=seen(10)).unmatched_imports == ()


def test_no_patterns_reports_everything() -> None:
    plan = run([record()], history=seen(45), settings=Settings(import_patterns=()))
    assert plan.actions == ()
    assert len(plan.unmatched_imports) == 1


# --- season packs -------------------------------------------------------------------------------


def test_season_pack_is_removed_once_and_every_episode_searched() -> None:
    pack = [
        record(11, media_id=501, messages=("Sample",)),
        record(12, media_id=502, messages=("Sample",)),
        record(13, media_id=503, state="importPending", status="ok", messages=()),
    ]
    plan = run(pack, history=seen(60))
    (action,) = plan.actions
    assert (action.kind, action.queue_id, action.media_ids) == (
        ActionKind.ARR_REMOVE,
        11,
        (501, 502, 503),
    )


# --- routing and guards -------------------------------------------------------------------------


def test_only_the_copy_the_arr_downloads_is_judged() -> None:
    copy_b = torrent(instance=B)
    history = {(B, H1): HistoryEntry(NOW - 60 * MIN, 0, Rule.IMPORT_BLOCKED)}
    plan = run([record()], torrent(), copy_b, history=history, owner=B)
    assert [(a.instance, a.kind) for a in plan.actions] == [(B, ActionKind.ARR_REMOVE)]
    assert plan.skipped == ()  # the other copy is not this record's business


def test_owner_unreachable_leaves_the_copy() -> None:
    plan = run([record()], history=seen(60), owner=B, unreachable=frozenset({B}))
    assert plan.actions == ()
    assert [s.guard for s in plan.skipped] == [Guard.OWNER_UNREACHABLE]


def test_unmatched_client_with_two_copies_is_ambiguous() -> None:
    plan = run([record()], torrent(), torrent(instance=B), history=seen(60), owner=None)
    assert plan.actions == ()
    assert {s.guard for s in plan.skipped} == {Guard.AMBIGUOUS_ARR}


def test_a_torrent_gone_from_the_client_is_left() -> None:
    plan = run([record(torrent_hash=H2)], history=seen(60))
    assert plan.actions == ()
    assert plan.skipped == ()


def test_protected_tag_keeps_it() -> None:
    tagged = torrent(tags=frozenset({"qbitrr-protected"}))
    plan = run([record()], tagged, history=seen(60))
    assert plan.actions == ()
    assert [s.guard for s in plan.skipped] == [Guard.PROTECTED]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (PrivateMode.KEEP_SEEDING, ActionKind.ARR_REMOVE_KEEP),
        (PrivateMode.LIKE_PUBLIC, ActionKind.ARR_REMOVE),
        (PrivateMode.NEVER_TOUCH, None),
    ],
)
def test_private_guard(mode: PrivateMode, expected: ActionKind | None) -> None:
    at_risk = torrent(at_risk=True)
    plan = run([record()], at_risk, history=seen(60), settings=Settings(private_mode=mode))
    assert [a.kind for a in plan.actions] == ([expected] if expected else [])
    if expected is None:
        assert [s.guard for s in plan.skipped] == [Guard.PRIVATE]


def test_engine_rules_come_first() -> None:
    stalled = torrent(state="stalledDL", progress=0.5, last_activity=NOW - 600 * MIN)
    plan = run([record()], stalled, history=seen(60))
    assert [(a.rule, a.kind) for a in plan.actions] == [(Rule.STALLED, ActionKind.STRIKE)]


def test_removal_limit_defers_oldest_last() -> None:
    queue = [record(1, torrent_hash=H1), record(2, torrent_hash=H2)]
    history = {
        (A, H1): HistoryEntry(NOW - 40 * MIN, 0, Rule.IMPORT_BLOCKED),
        (A, H2): HistoryEntry(NOW - 90 * MIN, 0, Rule.IMPORT_BLOCKED),
    }
    plan = run(
        queue,
        torrent(),
        torrent(hash=H2),
        history=history,
        settings=Settings(max_removals=1),
    )
    kinds = {a.hash: a.kind for a in plan.actions}
    assert kinds == {H2: ActionKind.ARR_REMOVE, H1: ActionKind.DEFERRED}
    assert plan.history == {(A, H1): history[A, H1]}
    deferred = next(a for a in plan.actions if a.hash == H1)
    assert deferred.reason.endswith("removal limit of 1 per run reached")
    assert (deferred.queue_id, deferred.media_ids) == (None, ())


# --- unmonitored --------------------------------------------------------------------------------


def test_unmonitored_is_off_by_default() -> None:
    assert run([record(state="downloading", status="ok", monitored=False)]).actions == ()


def test_unmonitored_is_removed_without_search_at_once() -> None:
    settings = Settings(remove_unmonitored=True)
    plan = run([record(state="downloading", status="ok", monitored=False)], settings=settings)
    (action,) = plan.actions
    assert (action.rule, action.kind, action.queue_id, action.media_ids) == (
        Rule.UNMONITORED,
        ActionKind.ARR_REMOVE,
        7,
        (),
    )


def test_unmonitored_wins_over_blocked() -> None:
    settings = Settings(remove_unmonitored=True)
    plan = run([record(monitored=False)], history=seen(60), settings=settings)
    assert [(a.rule, a.media_ids) for a in plan.actions] == [(Rule.UNMONITORED, ())]


def test_a_pack_with_one_monitored_episode_stays() -> None:
    settings = Settings(remove_unmonitored=True)
    pack = [
        record(1, media_id=1, state="downloading", status="ok", monitored=False),
        record(2, media_id=2, state="downloading", status="ok", monitored=True),
    ]
    assert run(pack, settings=settings).actions == ()
    unknown = [record(state="downloading", status="ok", monitored=None)]
    assert run(unknown, settings=settings).actions == ()  # queue read without media


def test_rules_off_return_the_plan_unchanged() -> None:
    settings = Settings(import_blocked_delay=0, remove_unmonitored=False)
    data = PolicyInput(NOW, (torrent(),), frozenset({A}), {RADARR: ("radarr", settings)}, {}, {})
    plan = evaluate(data)
    assert with_imports(data, [record(monitored=False)], plan) is plan


def test_a_record_without_a_download_id_is_skipped() -> None:
    hashless = QueueItem(9, None, "completed", "qBittorrent", 42, "importBlocked", "warning")
    plan = run([hashless, record()], history=seen(60))
    assert [(a.queue_id, a.kind) for a in plan.actions] == [(7, ActionKind.ARR_REMOVE)]
