"""Property tests (fixed seed) of the private-tracker guard and the per-tracker cap.

Hypothesis draws thousands of torrent sets, histories, queues and settings: whatever they are,
no plan removes a private torrent at risk (unless its Arr says to treat it like a public one),
none touches an obsolete torrent, and no tracker loses more than its cap in one run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from hypothesis import given, settings, strategies as st

from custom_components.qbitrr.model.states import STATE_GROUPS
from custom_components.qbitrr.policy.engine import evaluate
from custom_components.qbitrr.policy.model import (
    REMOVALS,
    TAG_OBSOLETE,
    TAG_STRIKE,
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

NOW = 1_800_000_000
INSTANCES = ("inst-a", "inst-b", "inst-c")
HASHES = tuple(f"{n:040x}" for n in range(10))
TRACKERS = ("", "tracker.a", "tracker.b")
ARRS = {"radarr-entry": "radarr", "sonarr-entry": "sonarr"}
# Removals that would cost a private torrent its seeding.
LOSES_SEEDING = frozenset({ActionKind.ARR_REMOVE, ActionKind.DELETE, ActionKind.DELETE_WITH_FILES})

torrents_strategy = st.lists(
    st.builds(
        TorrentInfo,
        instance=st.sampled_from(INSTANCES),
        hash=st.sampled_from(HASHES),
        name=st.just("name"),
        category=st.sampled_from(("radarr", "sonarr", "manual")),
        state=st.sampled_from((*STATE_GROUPS, "someFutureState")),
        progress=st.sampled_from((0.0, 0.5, 0.995, 1.0)),
        dlspeed=st.sampled_from((0, 10_000, 10**7)),
        eta=st.sampled_from((60, 10**5, 8_640_000)),
        added_on=st.integers(NOW - 10**5, NOW),
        last_activity=st.integers(-1, NOW),
        tags=st.frozensets(st.sampled_from(("qbitrr-protected", TAG_STRIKE, TAG_OBSOLETE))),
        tracker_message=st.sampled_from((None, "", "Unregistered torrent", "OK")),
        tracker=st.sampled_from(TRACKERS),
        at_risk=st.booleans(),
    ),
    max_size=30,
    unique_by=lambda t: (t.instance, t.hash),
)
settings_strategy = st.builds(
    Settings,
    stall_delay=st.sampled_from((0, 900)),
    slow_speed=st.sampled_from((0, 50_000)),
    max_eta=st.sampled_from((0, 3600)),
    strikes=st.integers(1, 3),
    min_age=st.sampled_from((0, 600)),
    max_removals=st.integers(0, 4),
    unknown_action=st.sampled_from(UnknownTorrentAction),
    private_mode=st.sampled_from(PrivateMode),
    unregistered_grace=st.sampled_from((0, 600)),
    max_unregistered_per_tracker=st.integers(0, 2),
)
history_strategy = st.dictionaries(
    st.tuples(st.sampled_from(INSTANCES), st.sampled_from(HASHES)),
    st.builds(
        HistoryEntry,
        first_seen_bad=st.integers(NOW - 10**4, NOW),
        strikes=st.integers(0, 4),
        rule=st.one_of(st.none(), st.sampled_from(Rule)),
        rechecked_at=st.one_of(st.none(), st.just(NOW - 60)),
        unregistered_since=st.one_of(st.none(), st.integers(NOW - 10**4, NOW)),
    ),
    max_size=10,
)
queues_strategy = st.dictionaries(
    st.sampled_from(HASHES),
    st.lists(
        st.builds(
            QueueEntry,
            arr=st.sampled_from(tuple(ARRS)),
            queue_id=st.integers(1, 100),
            media_ids=st.tuples(st.integers(1, 100)),
            instance=st.one_of(st.none(), st.sampled_from(INSTANCES)),
        ),
        min_size=1,
        max_size=2,
    ).map(tuple),
    max_size=6,
)


@settings(max_examples=2000, derandomize=True, database=None, deadline=None)
@given(
    torrents=torrents_strategy,
    radarr=settings_strategy,
    sonarr=settings_strategy,
    history=history_strategy,
    queues=queues_strategy,
)
def test_no_plan_removes_an_at_risk_private_torrent(
    torrents: list[TorrentInfo],
    radarr: Settings,
    sonarr: Settings,
    history: dict[tuple[str, str], HistoryEntry],
    queues: dict[str, tuple[QueueEntry, ...]],
) -> None:
    by_category = {"radarr": radarr, "sonarr": sonarr}
    data = PolicyInput(
        now=NOW,
        torrents=tuple(torrents),
        reachable_instances=frozenset(INSTANCES),
        arrs={arr: (category, by_category[category]) for arr, category in ARRS.items()},
        queues=queues,
        history=history,
    )
    plan = evaluate(data)
    # The same plan whatever order the torrents come in.
    assert plan == evaluate(replace(data, torrents=tuple(reversed(torrents))))
    by_key = {(t.instance, t.hash): t for t in torrents}
    per_tracker: Counter[tuple[str, str]] = Counter()
    for action in plan.actions:
        torrent = by_key[action.instance, action.hash]
        mode = by_category[torrent.category].private_mode
        assert TAG_OBSOLETE not in torrent.tags, "an obsolete torrent is the seeding rules'"
        if torrent.at_risk and mode is not PrivateMode.LIKE_PUBLIC:
            assert action.kind not in LOSES_SEEDING, (action, mode)
        if not torrent.at_risk or mode is PrivateMode.NEVER_TOUCH:
            assert action.kind not in {ActionKind.ARR_REMOVE_KEEP, ActionKind.KEEP_SEEDING}
        if action.kind in REMOVALS and action.rule is Rule.UNREGISTERED:
            per_tracker[torrent.category, torrent.tracker] += 1
    for (category, _), removed in per_tracker.items():
        cap = by_category[category].max_unregistered_per_tracker
        assert cap == 0 or removed <= cap
    for torrent in torrents:
        if TAG_OBSOLETE in torrent.tags:
            assert (torrent.instance, torrent.hash) not in plan.history
