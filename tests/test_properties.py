"""Property-based tests (fixed seed): the policy never breaks a guard; services never crash.

Hypothesis draws hundreds of torrent sets and settings for the engine, and random and hostile
values for every service field against a real qBittorrent server.
"""

from __future__ import annotations

import asyncio
from collections import Counter
import json
import math
from typing import Any
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings, strategies as st
import probatio

from custom_components.qbitrr.api import maindata
from custom_components.qbitrr.api.maindata import merge_maindata
from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.model.arr import QueueItem
from custom_components.qbitrr.model.server import ServerState
from custom_components.qbitrr.model.states import STATE_GROUPS, StateGroup, state_group
from custom_components.qbitrr.model.torrent import Torrent
from custom_components.qbitrr.policy.engine import evaluate
from custom_components.qbitrr.policy.files import FileVerdict, with_bad_files
from custom_components.qbitrr.policy.imports import is_blocked, matching, with_imports
from custom_components.qbitrr.policy.model import (
    DEFAULT_IMPORT_PATTERNS,
    REMOVALS,
    TAG_STRIKE,
    Action,
    ActionKind,
    HistoryEntry,
    PolicyInput,
    PrivateMode,
    QueueEntry,
    Rule,
    Settings,
    TorrentInfo,
    UnknownTorrentAction,
)
from custom_components.qbitrr.policy.torrents import distribution
from custom_components.qbitrr.policy.views import torrent_info
from custom_components.qbitrr.sensor import SENSORS
from custom_components.qbitrr.services.views import _iso as iso
from custom_components.qbitrr.snapshot import build_snapshot
from devtools.arr_emulator import ArrEmulator
from devtools.qbittorrent_server import QbittorrentServer, add_magnets
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from .conftest import add_arr_entry, add_qbt_entry, setup_integration

NOW = 1_800_000_000
INSTANCES = ("inst-a", "inst-b", "inst-c")
CATEGORIES = ("radarr", "sonarr", "manual", "")
HASHES = tuple(f"{n:040x}" for n in range(12))
STATES = (*STATE_GROUPS, "someFutureState", "")
PROTECT = "qbitrr-protected"

torrents_strategy = st.lists(
    st.builds(
        TorrentInfo,
        instance=st.sampled_from(INSTANCES),
        hash=st.sampled_from(HASHES),
        name=st.text(max_size=20),
        category=st.sampled_from(CATEGORIES),
        state=st.sampled_from(STATES),
        progress=st.floats(min_value=-1, max_value=2, allow_nan=False),
        dlspeed=st.integers(min_value=-10, max_value=10**9),
        eta=st.integers(min_value=-1, max_value=10**8),
        added_on=st.integers(min_value=NOW - 10**6, max_value=NOW + 100),
        last_activity=st.integers(min_value=-1, max_value=NOW),
        tags=st.frozensets(st.sampled_from((PROTECT, "hd", "qbitrr-strike")), max_size=2),
        tracker_message=st.one_of(st.none(), st.sampled_from(("Unregistered torrent", "OK"))),
    ),
    max_size=40,
    unique_by=lambda t: (t.instance, t.hash),
)
settings_strategy = st.builds(
    Settings,
    stall_delay=st.integers(0, 7200),
    slow_speed=st.integers(0, 10**6),
    slow_period=st.integers(0, 7200),
    max_eta=st.integers(0, 10**6),
    strikes=st.integers(1, 5),
    min_age=st.integers(0, 7200),
    max_progress=st.floats(0, 1),
    protect_tag=st.just(PROTECT),
    max_removals=st.integers(0, 5),
    unknown_action=st.sampled_from(UnknownTorrentAction),
)
history_strategy = st.dictionaries(
    st.tuples(st.sampled_from(INSTANCES), st.sampled_from(HASHES)),
    st.builds(
        HistoryEntry,
        first_seen_bad=st.integers(NOW - 10**5, NOW),
        strikes=st.integers(0, 6),
        rule=st.one_of(st.none(), st.sampled_from(Rule)),
        rechecked_at=st.one_of(st.none(), st.integers(NOW - 10**5, NOW)),
    ),
    max_size=10,
)
queues_strategy = st.dictionaries(
    st.sampled_from(HASHES),
    st.lists(
        st.builds(
            QueueEntry,
            arr=st.sampled_from(("radarr-entry", "sonarr-entry")),
            queue_id=st.integers(1, 100),
            media_ids=st.tuples(st.integers(1, 100)),
            instance=st.one_of(st.none(), st.sampled_from(INSTANCES)),
        ),
        min_size=1,
        max_size=2,
    ).map(tuple),
    max_size=6,
)


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(
    torrents=torrents_strategy,
    radarr=settings_strategy,
    sonarr=settings_strategy,
    history=history_strategy,
    queues=queues_strategy,
    reachable=st.frozensets(st.sampled_from(INSTANCES), min_size=1),
)
def test_the_plan_never_breaks_a_guard(
    torrents: list[TorrentInfo],
    radarr: Settings,
    sonarr: Settings,
    history: dict[tuple[str, str], HistoryEntry],
    queues: dict[str, tuple[QueueEntry, ...]],
    reachable: frozenset[str],
) -> None:
    torrents = [t for t in torrents if t.instance in reachable]
    by_category = {"radarr": radarr, "sonarr": sonarr}
    data = PolicyInput(
        now=NOW,
        torrents=tuple(torrents),
        reachable_instances=reachable,
        arrs={"radarr-entry": ("radarr", radarr), "sonarr-entry": ("sonarr", sonarr)},
        queues=queues,
        history=history,
    )
    plan = evaluate(data)
    assert plan == evaluate(data)  # deterministic
    by_key = {(t.instance, t.hash): t for t in torrents}
    removals: Counter[str] = Counter()
    for action in plan.actions:
        torrent = by_key[(action.instance, action.hash)]
        guard = by_category.get(torrent.category)
        assert guard is not None, "only managed categories"
        assert PROTECT not in torrent.tags
        if action.kind is ActionKind.CLEAR_STRIKE:
            # Only qbitrr's own tag, only where nothing is struck any more.
            assert TAG_STRIKE in torrent.tags
            entry = plan.history.get((action.instance, action.hash))
            assert entry is None or entry.strikes == 0
            continue
        assert NOW - torrent.added_on >= guard.min_age
        assert torrent.progress <= guard.max_progress
        assert torrent.progress < 1
        assert state_group(torrent.state) not in {StateGroup.SEEDING, StateGroup.PAUSED}
        if state_group(torrent.state) is StateGroup.UNKNOWN:
            # An unknown state is never taken for stalled or failed.
            assert action.rule not in {
                Rule.STALLED,
                Rule.METADATA,
                Rule.ERRORED,
                Rule.MISSING_FILES,
            }
        if action.kind in REMOVALS:
            removals[torrent.category] += 1
        if action.kind is ActionKind.ARR_REMOVE:
            assert any(entry.queue_id == action.queue_id for entry in queues[action.hash])
    for category, count in removals.items():
        assert count <= by_category[category].max_removals
    # History of unreachable instances is kept as it was.
    for key, entry in history.items():
        if key[0] not in reachable:
            assert plan.history[key] == entry


VALID_HASH = st.from_regex(r"\A[0-9a-fA-F]{40}\Z")
HOSTILE_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["a,b", " ", "", "tv/sonarr", "../..", "x" * 300, "ünïcødé 🎬", "%00"]),
)


def _state(server: QbittorrentServer) -> tuple[Any, ...]:
    """What a refused call must leave as it was.

    Torrent states are left out: qBittorrent applies a pause or resume from an earlier,
    accepted call about a second later, so they may still be moving.
    """
    api = server.client()
    return (
        sorted((t["hash"], t["tags"], t["category"]) for t in api.torrents_info()),
        sorted(api.torrents_categories()),
        sorted(api.torrents_tags()),
    )


async def test_services_accept_or_refuse_cleanly(
    hass: HomeAssistant, qbt_servers: dict[int, QbittorrentServer], radarr: ArrEmulator
) -> None:
    server = qbt_servers[5]
    hashes = add_magnets(server.client(), 3, category="radarr")
    qbt_entry = add_qbt_entry(hass, server)
    arr_entry = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    entry_ids = st.sampled_from(
        [qbt_entry.entry_id, arr_entry.entry_id, "no-such-entry", "", "x" * 100]
    )
    hash_values = st.one_of(
        st.sampled_from([h.upper() for h in hashes] + hashes), VALID_HASH, HOSTILE_TEXT
    )
    fields = st.fixed_dictionaries(
        {},
        optional={
            "config_entry_id": st.one_of(entry_ids, st.lists(entry_ids, max_size=3)),
            "hashes": st.lists(hash_values, max_size=4),
            "category": st.one_of(st.sampled_from(["radarr", ""]), HOSTILE_TEXT),
            "tag": HOSTILE_TEXT,
            "tags": st.lists(
                st.one_of(st.sampled_from(["keep", "4k hdr"]), HOSTILE_TEXT), max_size=3
            ),
            "categories": st.lists(HOSTILE_TEXT, max_size=3),
            "states": st.lists(st.sampled_from(["stalled", "paused", "nope"]), max_size=2),
            "limit": st.one_of(st.integers(-5, 20000), HOSTILE_TEXT),
            "dry_run": st.just(True),  # noqa: FBT003
        },
    )
    services = st.sampled_from(
        [
            "add_tags",
            "remove_tags",
            "pause_torrents",
            "resume_torrents",
            "get_torrents",
            "get_distribution",
            "sync_categories",
            "handle_torrents",
        ]
    )
    outcomes: Counter[str] = Counter()

    async def call(service: str, data: dict[str, Any]) -> None:
        before = await hass.async_add_executor_job(_state, server)
        try:
            response = await hass.services.async_call(
                DOMAIN, service, data, blocking=True, return_response=True
            )
        except ServiceValidationError as err:
            assert err.translation_key, "every refusal is translated"  # noqa: PT017
            assert await hass.async_add_executor_job(_state, server) == before
            outcomes["refused (translated)"] += 1
            return
        except probatio.Invalid:
            # Home Assistant's own schema check, before our handler runs.
            assert await hass.async_add_executor_job(_state, server) == before
            outcomes["refused by schema"] += 1
            return
        assert isinstance(response, dict)
        outcomes["accepted"] += 1
        if service == "add_tags":
            tags = {tag.strip() for tag in data["tags"]}
            now = {t["hash"]: t["tags"] for t in server.client().torrents_info()}
            for result in response["instances"].values():
                for torrent_hash in result["hashes"]:
                    assert tags <= {tag.strip() for tag in now[torrent_hash].split(",")}

    @settings(
        max_examples=150,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(service=services, data=fields)
    def fuzz(service: str, data: dict[str, Any]) -> None:
        asyncio.run_coroutine_threadsafe(call(service, data), hass.loop).result(30)

    await hass.async_add_executor_job(fuzz)
    # Both ways out were exercised, not just one.
    assert outcomes["accepted"] > 10
    assert outcomes["refused (translated)"] > 0
    assert outcomes["refused by schema"] > 0


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
torrent_fields = st.dictionaries(
    st.sampled_from(
        [
            "name",
            "state",
            "category",
            "tags",
            "progress",
            "size",
            "dlspeed",
            "eta",
            "added_on",
            "last_activity",
            "ratio",
            "upspeed",
            "future_field",
        ]
    ),
    json_values,
    max_size=8,
)
replies = st.fixed_dictionaries(
    {},
    optional={
        "rid": json_values,
        "full_update": json_values,
        "torrents": st.one_of(
            json_values, st.dictionaries(st.sampled_from(HASHES), torrent_fields, max_size=5)
        ),
        "torrents_removed": st.one_of(json_values, st.lists(st.sampled_from(HASHES), max_size=3)),
        "categories": json_values,
        "categories_removed": json_values,
        "tags": json_values,
        "tags_removed": json_values,
        "server_state": json_values,
    },
)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(first=replies, second=replies)
def test_any_server_reply_is_merged_without_crashing(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    model = merge_maindata(merge_maindata(None, first), second)
    snapshot = build_snapshot(model, app_version="v9", webapi_version="9", full_update=False)
    assert sum(snapshot.counts.values()) == len(model.torrents)
    # Typed once, at the boundary: every field has its declared type, every number is finite.
    for torrent in model.torrents.values():
        for name, value in torrent._asdict().items():
            assert type(value) is type(getattr(Torrent(), name)), (name, value)
            assert not isinstance(value, float) or math.isfinite(value)
    for name, value in model.server_state._asdict().items():
        declared = type(ServerState._field_defaults[name])
        assert value is None or type(value) in {int, str, bool, float}, name
        assert not isinstance(value, float) or math.isfinite(value), name
        assert declared is type(None) or type(value) is declared, name
    for torrent in model.torrents.values():
        iso(torrent.added_on)  # any whole number, however far off, gives a date or None
    for description in SENSORS:
        value = description.value_fn(snapshot)
        assert value is None or isinstance(value, str) or math.isfinite(value)
        if description.attributes_fn is not None:
            description.attributes_fn(snapshot)
    # Whatever the server sent, the view and the policy read it without crashing.
    instances = {"i": model.torrents}
    distribution(instances)
    evaluate(
        PolicyInput(
            now=NOW,
            torrents=tuple(torrent_info("i", h, t, None) for h, t in model.torrents.items()),
            reachable_instances=frozenset({"i"}),
            arrs={"r": ("radarr", Settings(stall_delay=0, min_age=0))},
            queues={},
            history={},
        )
    )


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(sequence=st.lists(replies, min_size=1, max_size=5))
def test_incremental_counts_equal_a_full_recount(sequence: list[dict[str, Any]]) -> None:
    model = None
    snapshot = None
    for reply in sequence:
        model = merge_maindata(model, reply)
        snapshot = build_snapshot(
            model, app_version="v", webapi_version="w", full_update=False, previous=snapshot
        )
        recount = build_snapshot(model, app_version="v", webapi_version="w", full_update=False)
        assert snapshot.counts == recount.counts
        assert snapshot.category_counts == recount.category_counts
        assert snapshot.category_group_counts == recount.category_group_counts


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(
    reply=replies,
    indent=st.sampled_from([None, 0, 2]),
    compact=st.booleans(),
    ascii_only=st.booleans(),
)
def test_torrent_by_torrent_decoding_equals_the_plain_one(
    reply: dict[str, Any], indent: int | None, compact: bool, ascii_only: bool
) -> None:
    separators = (",", ":") if compact else None
    body = json.dumps(
        reply, indent=indent, separators=separators, ensure_ascii=ascii_only, allow_nan=True
    ).encode()
    plain = merge_maindata(None, json.loads(body))
    with patch.object(maindata, "_CHUNKED_ABOVE", 0):
        chunked = merge_maindata(None, maindata.parse_maindata(body))
    assert chunked == plain


IMPORT_MESSAGES = ("Not an upgrade for existing movie file(s)", "Sample", "weird thing", "")
import_queue_strategy = st.lists(
    st.builds(
        QueueItem,
        id=st.integers(1, 50),
        torrent_hash=st.sampled_from(HASHES[:6]),
        status=st.just("completed"),
        download_client=st.just("qBittorrent"),
        media_id=st.one_of(st.none(), st.integers(1, 20)),
        tracked_state=st.sampled_from(("importBlocked", "importPending", "failedPending", "")),
        tracked_status=st.sampled_from(("ok", "warning", "error")),
        status_messages=st.lists(st.sampled_from(IMPORT_MESSAGES), max_size=2).map(tuple),
        monitored=st.one_of(st.none(), st.booleans()),
    ),
    max_size=10,
    unique_by=lambda item: item.id,
)
import_torrents_strategy = st.lists(
    st.builds(
        TorrentInfo,
        instance=st.sampled_from(INSTANCES),
        hash=st.sampled_from(HASHES[:6]),
        name=st.just("Some.Movie"),
        category=st.just("radarr"),
        state=st.sampled_from(("stalledUP", "uploading", "pausedUP", "stalledDL", "metaDL")),
        progress=st.sampled_from((1.0, 1.0, 0.5)),
        dlspeed=st.just(0),
        eta=st.just(0),
        added_on=st.integers(min_value=NOW - 10**5, max_value=NOW),
        last_activity=st.integers(min_value=NOW - 10**5, max_value=NOW),
        tags=st.frozensets(st.sampled_from((PROTECT, "hd")), max_size=1),
        at_risk=st.booleans(),
    ),
    max_size=8,
    unique_by=lambda t: (t.instance, t.hash),
)
import_settings_strategy = st.builds(
    Settings,
    max_removals=st.integers(0, 3),
    protect_tag=st.just(PROTECT),
    private_mode=st.sampled_from(PrivateMode),
    import_blocked_delay=st.sampled_from((0, 60, 1800)),
    import_patterns=st.sampled_from((DEFAULT_IMPORT_PATTERNS, (), ("/^weird/",))),
    remove_unmonitored=st.booleans(),
)


def _check_import_action(
    action: Action,
    torrent: TorrentInfo,
    own: list[QueueItem],
    chosen: Settings,
    past: HistoryEntry | None,
) -> None:
    """What the import rules may do to one torrent: only what the user asked, never more."""
    assert PROTECT not in torrent.tags
    # A private torrent short of its minimum keeps its data unless the user said otherwise.
    if torrent.at_risk:
        assert chosen.private_mode is not PrivateMode.NEVER_TOUCH
        if chosen.private_mode is PrivateMode.KEEP_SEEDING:
            assert action.kind is not ActionKind.ARR_REMOVE
    if action.rule is Rule.UNMONITORED:
        assert chosen.remove_unmonitored
        assert all(item.monitored is False for item in own)
        assert action.media_ids == ()
        return
    # Blocked for the delay, and a message matched: never what the rule should leave.
    assert chosen.import_blocked_delay > 0
    assert past is not None
    assert past.rule is Rule.IMPORT_BLOCKED
    assert NOW - past.first_seen_bad >= chosen.import_blocked_delay
    blocked = [item for item in own if is_blocked(item)]
    assert blocked
    messages = [m for item in blocked for m in item.status_messages]
    assert matching(messages, chosen.import_patterns) is not None


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(
    torrents=import_torrents_strategy,
    queue=import_queue_strategy,
    owners=st.dictionaries(
        st.sampled_from(HASHES[:6]), st.one_of(st.none(), st.sampled_from(INSTANCES)), max_size=3
    ),
    blocked_since=st.dictionaries(st.sampled_from(HASHES[:6]), st.integers(NOW - 7200, NOW)),
    chosen=import_settings_strategy,
    history=history_strategy,
    reachable=st.one_of(
        st.just(frozenset(INSTANCES)), st.frozensets(st.sampled_from(INSTANCES), min_size=1)
    ),
)
def test_the_import_rules_never_break_a_guard(
    torrents: list[TorrentInfo],
    queue: list[QueueItem],
    owners: dict[str, str | None],
    blocked_since: dict[str, int],
    chosen: Settings,
    history: dict[tuple[str, str], HistoryEntry],
    reachable: frozenset[str],
) -> None:
    torrents = [t for t in torrents if t.instance in reachable]
    for t in torrents:
        if t.hash in blocked_since:
            since = blocked_since[t.hash]
            history.setdefault((t.instance, t.hash), HistoryEntry(since, 0, Rule.IMPORT_BLOCKED))
    records: dict[str, list[QueueItem]] = {}
    for item in queue:
        records.setdefault(item.torrent_hash or "", []).append(item)
    queues = {
        h: (
            QueueEntry(
                "radarr-entry",
                min(i.id for i in items),
                tuple(sorted({i.media_id for i in items if i.media_id is not None})),
                # Mostly where a copy is; else elsewhere, or a client matched to no instance.
                owners[h]
                if h in owners
                else next((t.instance for t in torrents if t.hash == h), None),
            ),
        )
        for h, items in records.items()
    }
    data = PolicyInput(
        now=NOW,
        torrents=tuple(torrents),
        reachable_instances=reachable,
        arrs={"radarr-entry": ("radarr", chosen)},
        queues=queues,
        history=history,
        unreachable_instances=frozenset(INSTANCES) - reachable,
    )
    engine_plan = evaluate(data)
    plan = with_imports(data, queue, engine_plan)
    assert plan == with_imports(data, queue, evaluate(data))  # deterministic
    by_key = {(t.instance, t.hash): t for t in torrents}
    engine_keys = {(a.instance, a.hash) for a in engine_plan.actions}
    removals = 0
    for action in plan.actions:
        removals += action.kind in REMOVALS
        if action.rule not in {Rule.IMPORT_BLOCKED, Rule.UNMONITORED}:
            continue
        key = (action.instance, action.hash)
        assert key not in engine_keys  # never twice, the engine's rules first
        if action.kind is not ActionKind.DEFERRED:
            assert action.queue_id == queues[action.hash][0].queue_id
        _check_import_action(action, by_key[key], records[action.hash], chosen, history.get(key))
    assert removals <= max(
        chosen.max_removals, sum(a.kind in REMOVALS for a in engine_plan.actions)
    )
    for report in plan.unmatched_imports:
        assert not any(
            a.hash == report.hash and a.rule is Rule.IMPORT_BLOCKED for a in plan.actions
        )


file_verdicts_strategy = st.dictionaries(
    st.tuples(st.sampled_from(INSTANCES), st.sampled_from(HASHES[:6])),
    st.builds(
        FileVerdict,
        indices=st.just((0,)),
        names=st.just(("Release/setup.exe",)),
        all_bad=st.booleans(),
    ),
    max_size=8,
)


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(
    torrents=import_torrents_strategy,
    verdicts=file_verdicts_strategy,
    chosen=import_settings_strategy,
    queues=queues_strategy,
    reachable=st.frozensets(st.sampled_from(INSTANCES), min_size=1),
)
def test_the_file_rule_never_breaks_a_guard(
    torrents: list[TorrentInfo],
    verdicts: dict[tuple[str, str], FileVerdict],
    chosen: Settings,
    queues: dict[str, tuple[QueueEntry, ...]],
    reachable: frozenset[str],
) -> None:
    torrents = [t for t in torrents if t.instance in reachable]
    data = PolicyInput(
        now=NOW,
        torrents=tuple(torrents),
        reachable_instances=reachable,
        arrs={"radarr-entry": ("radarr", chosen)},
        queues=queues,
        history={},
        unreachable_instances=frozenset(INSTANCES) - reachable,
    )
    engine_plan = evaluate(data)
    files = with_bad_files([(data, engine_plan)], verdicts)
    assert files == with_bad_files([(data, evaluate(data))], verdicts)  # deterministic
    ((_, plan),) = files.arrs
    by_key = {(t.instance, t.hash): t for t in torrents}
    engine_keys = {(a.instance, a.hash) for a in engine_plan.actions}
    for step in files.steps:
        torrent = by_key[step.instance, step.hash]
        assert PROTECT not in torrent.tags
        assert not verdicts[step.instance, step.hash].all_bad
        assert torrent.progress < 1
        assert not (torrent.at_risk and chosen.private_mode is PrivateMode.NEVER_TOUCH)
    removals = 0
    for action in plan.actions:
        removals += action.kind in REMOVALS
        if action.rule is not Rule.BAD_FILES:
            continue
        key = (action.instance, action.hash)
        torrent = by_key[key]
        assert key not in engine_keys  # never twice, the engine's rules first
        assert verdicts[key].all_bad
        assert PROTECT not in torrent.tags
        # The private-tracker guard: a private torrent with data, short of its minimum, is
        # never deleted unless the user said to handle it like a public one.
        if torrent.at_risk:
            assert chosen.private_mode is not PrivateMode.NEVER_TOUCH
            if chosen.private_mode is PrivateMode.KEEP_SEEDING:
                assert action.kind not in {
                    ActionKind.ARR_REMOVE,
                    ActionKind.DELETE,
                    ActionKind.DELETE_WITH_FILES,
                }
        if action.kind in {ActionKind.ARR_REMOVE, ActionKind.ARR_REMOVE_KEEP}:
            owner = [e for e in queues[action.hash] if e.arr == "radarr-entry"]
            assert any(e.queue_id == action.queue_id for e in owner)
    assert removals <= max(
        chosen.max_removals, sum(a.kind in REMOVALS for a in engine_plan.actions)
    )
