"""What a run keeps for the next (views, settled records) never changes a plan.

Each test replays a few runs over a changing library: records replaced by polls (equal or
changed), torrents added and removed, options changed between runs; at every run the plan
made with the kept memory equals the plan made from scratch.
"""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from custom_components.qbitrr.model.arr import DownloadClient, QueueItem
from custom_components.qbitrr.model.server import ShareLimitFeatures
from custom_components.qbitrr.model.torrent import Torrent
from custom_components.qbitrr.policy.engine import evaluate
from custom_components.qbitrr.policy.imports import queue_downloads, with_imports
from custom_components.qbitrr.policy.inputs import (
    ArrView,
    InstanceView,
    QueueMemo,
    build_inputs,
    queue_entries,
)
from custom_components.qbitrr.policy.model import (
    TAG_OBSOLETE,
    TAG_STRIKE,
    Plan,
    QueueEntry,
    Settings,
    TorrentInfo,
)
from custom_components.qbitrr.policy.seeding import (
    SeedingInput,
    SeedingMemo,
    ServerLimits,
    plan_seeding,
)
from custom_components.qbitrr.policy.seeding_goals import (
    DAY,
    GoalAction,
    GoalRule,
    MatchKind,
    PrivateMinimum,
    RiskCheck,
    SeedingConfig,
    SeedingGoal,
)
from custom_components.qbitrr.policy.views import TorrentViews

NOW = 1_800_000_000
HASHES = [c * 40 for c in "abcdef"]
V5 = ServerLimits(ShareLimitFeatures.of((2, 16, 2)), pauses_on_limit=False)
V4 = ServerLimits(ShareLimitFeatures.of((2, 8, 19)), pauses_on_limit=True)

_records = st.builds(
    Torrent,
    name=st.just("Some.Torrent"),
    state=st.sampled_from(["stalledUP", "uploading", "stoppedUP", "stalledDL", "metaDL", "error"]),
    category=st.sampled_from(["radarr", "sonarr", "other"]),
    tags=st.sampled_from(["", TAG_OBSOLETE, "4k", "qbitrr-protected", TAG_STRIKE]),
    progress=st.sampled_from([0.0, 0.5, 1.0]),
    ratio=st.sampled_from([0.0, 1.0, 3.0]),
    added_on=st.just(NOW - 5 * DAY),
    completion_on=st.sampled_from([0, NOW - 4 * DAY]),
    last_activity=st.sampled_from([0, NOW - 60]),
    tracker_host=st.sampled_from(["", "t.private.example", "t.public.example"]),
    private=st.sampled_from([-1, 0, 1]),
    ratio_limit=st.sampled_from([-2.0, 2.0]),
    seeding_time_limit=st.sampled_from([-2, -1]),
    inactive_seeding_time_limit=st.sampled_from([-2, -1]),
    share_limit_action=st.sampled_from(["", "Stop"]),
)
_goals = st.builds(
    SeedingGoal,
    max_ratio=st.sampled_from([0.0, 2.0]),
    max_seeding_time=st.sampled_from([0, DAY]),
    action=st.sampled_from(list(GoalAction)),
)
_configs = st.builds(
    SeedingConfig,
    default=_goals,
    rules=st.lists(
        st.builds(
            GoalRule,
            kind=st.just(MatchKind.TRACKER),
            value=st.just("private.example"),
            goal=_goals,
            private_minimum=st.builds(PrivateMinimum, ratio=st.sampled_from([0.5, 1.0])),
        ),
        max_size=1,
    ).map(tuple),
)


class _Run:
    """One run's library and options, drawn from the last run's."""

    def __init__(
        self, torrents: dict[str, Torrent], config: SeedingConfig, seeded: dict[str, int]
    ) -> None:
        self.torrents, self.config, self.seeded = torrents, config, seeded


@st.composite
def _runs(draw: st.DrawFn) -> list[_Run]:
    """A few runs: each keeps most records as they were (the same objects), as polls do."""
    torrents = draw(st.dictionaries(st.sampled_from(HASHES), _records, min_size=1))
    config = draw(_configs)
    runs = []
    for _ in range(draw(st.integers(2, 4))):
        seeded = draw(st.dictionaries(st.sampled_from(HASHES), st.sampled_from([0, 2 * DAY])))
        runs.append(_Run(torrents, config, seeded))
        torrents = dict(torrents)
        for torrent_hash in draw(st.lists(st.sampled_from(HASHES), max_size=3)):
            if draw(st.booleans()):
                torrents[torrent_hash] = draw(_records)  # changed (or added)
            elif torrent_hash in torrents:
                if draw(st.booleans()):
                    del torrents[torrent_hash]  # left the server
                else:
                    torrents[torrent_hash] = torrents[torrent_hash]._replace()  # an equal copy
        if draw(st.booleans()):
            config = draw(_configs)
    return runs


@st.composite
def _polls(draw: st.DrawFn) -> list[dict[str, Torrent]]:
    """Several polls' records, drawn from two records a hash: a record may come back."""
    pool = {h: draw(st.lists(_records, min_size=2, max_size=2)) for h in HASHES[:4]}
    return [
        {
            h: pool[h][pick - 1]
            for h, pick in zip(
                pool, draw(st.lists(st.integers(0, 2), min_size=4, max_size=4)), strict=True
            )
            if pick
        }
        for _ in range(draw(st.integers(2, 7)))
    ]


@settings(max_examples=500, deadline=None)
@given(
    polls=_polls(),
    config=_configs,
    server=st.sampled_from([V4, V5]),
    steps=st.lists(st.sampled_from(["both", "views", "plan"]), min_size=7, max_size=7),
    in_place=st.booleans(),
)
def test_the_views_changes_never_change_a_seeding_plan(
    polls: list[dict[str, Torrent]],
    config: SeedingConfig,
    server: ServerLimits,
    steps: list[str],
    *,
    in_place: bool,
) -> None:
    """The seeding plan judges only what the views saw change, unless it missed a follow.

    A run may update the views without planning the goals, or plan them without updating
    the views (the changes then are of an earlier poll's records, or of the same mapping
    changed in place since): the plan stays the same.
    """
    views, memo, live = TorrentViews(), SeedingMemo(), dict[str, Torrent]()
    for poll, step in zip(polls, steps, strict=False):
        torrents = live if in_place else poll
        live.clear()
        live.update(poll)
        data = SeedingInput(NOW, "qbt", torrents, config, frozenset(), {}, server)
        if step != "plan":
            views.update("qbt", torrents, frozenset({"radarr"}), messages={}, risk=None)
        if step != "views":
            # A run hands over what its own follow found; on a new mapping, stale changes
            # of an earlier one are refused.
            memo.follow(views.changes("qbt") if step == "both" or not in_place else None)
            assert plan_seeding(data, memo) == plan_seeding(data)


def test_changes_are_used_once() -> None:
    """Changes handed over again (the records changed in place since) are not trusted."""
    met = Torrent(name="x", category="radarr", state="stalledUP", progress=1.0, ratio=3.0)
    other = met._replace(ratio=0.0)
    config = SeedingConfig(default=SeedingGoal(max_ratio=2.0, action=GoalAction.REMOVE))
    views, memo, live = TorrentViews(), SeedingMemo(), {HASHES[0]: met}
    data = SeedingInput(NOW, "qbt", live, config, frozenset(), {}, V5)
    for record, follow in ((met, True), (other, False), (met, True)):
        live[HASHES[0]] = record
        if follow:
            views.update("qbt", live, frozenset({"radarr"}), messages={}, risk=None)
        memo.follow(views.changes("qbt"))
        assert plan_seeding(data, memo) == plan_seeding(data)
    assert plan_seeding(data).actions  # the goal is met


@settings(max_examples=300, deadline=None)
@given(runs=_runs(), server=st.sampled_from([V4, V5]), listed=st.sampled_from([None, frozenset()]))
def test_settled_records_never_change_a_seeding_plan(
    runs: list[_Run], server: ServerLimits, listed: frozenset[str] | None
) -> None:
    memo = SeedingMemo()
    for run in runs:
        data = SeedingInput(NOW, "qbt", run.torrents, run.config, listed, run.seeded, server)
        assert plan_seeding(data, memo) == plan_seeding(data)


type _Views = tuple[
    list[TorrentInfo], list[TorrentInfo], list[TorrentInfo], dict[str, tuple[str, Settings]], Plan
]


def _inputs(
    run: _Run, messages: dict[tuple[str, str], str | None], views: TorrentViews | None
) -> list[_Views]:
    arrs = [
        ArrView("arr-radarr", "radarr", Settings(), (), ()),
        ArrView("arr-sonarr", "sonarr", Settings(), (), (), aliases=frozenset({"Sonarr"})),
    ]
    inputs = build_inputs(
        NOW,
        instances=[InstanceView("qbt", "http://localhost:8080", run.torrents)],
        judged=arrs,
        every_arr=arrs,
        messages=messages,
        history={},
        risks={"qbt": RiskCheck(run.config, run.seeded)},
        views=views,
    )
    return [
        (
            sorted(data.torrents),
            sorted(data.index.unfinished),
            sorted(data.index.strike_tagged),
            dict(data.arrs),
            evaluate(data),
        )
        for data in inputs
    ]


@settings(max_examples=300, deadline=None)
@given(
    runs=_runs(),
    messages=st.lists(
        st.dictionaries(
            st.tuples(st.just("qbt"), st.sampled_from(HASHES)),
            st.sampled_from([None, "", "Unregistered torrent"]),
        ),
        min_size=4,
        max_size=4,
    ),
)
def test_kept_views_are_the_views_built_from_scratch(
    runs: list[_Run], messages: list[dict[tuple[str, str], str | None]]
) -> None:
    views = TorrentViews()
    for run, run_messages in zip(runs, messages, strict=False):
        assert _inputs(run, run_messages, views) == _inputs(run, run_messages, None)


def test_a_server_gone_from_the_options_is_forgotten() -> None:
    views = TorrentViews()
    record = Torrent(name="x", category="radarr", state="stalledDL")
    found = views.update("qbt", {HASHES[0]: record}, frozenset({"radarr"}), messages={}, risk=None)
    assert list(found["radarr"]) == [HASHES[0]]
    views.keep_only(frozenset())
    again = views.update("qbt", {}, frozenset({"radarr"}), messages={}, risk=None)
    assert again == {}


def _queue(*states: str) -> tuple[QueueItem, ...]:
    return tuple(
        QueueItem(id=index, torrent_hash=HASHES[index], status="downloading",
                  download_client="qb", media_id=index, tracked_state=state)
        for index, state in enumerate(states)
    )  # fmt: skip


def test_queue_entries_are_grouped_again_only_when_a_queue_or_address_changed() -> None:
    client = DownloadClient("qb", "qBittorrent", enabled=True, category=None, host="h", port=1)
    instances = [InstanceView("qbt", "http://h:1", {})]
    memo = QueueMemo()

    def entries(
        queue: tuple[QueueItem, ...], url: str = "http://h:1"
    ) -> dict[str, tuple[QueueEntry, ...]]:
        arr = ArrView("arr", "radarr", Settings(), queue, (client,))
        return memo.entries([arr], [InstanceView("qbt", url, {})])

    first = entries(_queue("downloading", "importBlocked"))
    assert first == queue_entries(
        [ArrView("arr", "radarr", Settings(), _queue("downloading", "importBlocked"), (client,))],
        instances,
    )
    assert entries(_queue("downloading", "importBlocked")) is first  # polled again, equal
    changed = entries(_queue("downloading"))
    assert changed is not first
    assert list(changed) == [HASHES[0]]
    moved = entries(_queue("downloading"), url="http://h:2")
    assert moved is not changed
    assert moved[HASHES[0]][0].instance is None  # the client no longer points at the server


_items = st.builds(
    QueueItem,
    id=st.integers(0, 3),
    torrent_hash=st.sampled_from([None, "", *HASHES[:3]]),
    status=st.just("completed"),
    download_client=st.just("qb"),
    media_id=st.integers(0, 2),
    tracked_state=st.sampled_from(["downloading", "importBlocked", "importFailed"]),
    tracked_status=st.sampled_from(["ok", "warning"]),
    status_messages=st.sampled_from([(), ("Not an upgrade for existing movie file",)]),
    monitored=st.sampled_from([None, True, False]),
)


@settings(max_examples=200, deadline=None)
@given(
    queues=st.lists(st.lists(_items, max_size=6).map(tuple), min_size=2, max_size=4),
    judged=st.lists(st.sampled_from(["same", "copy", "other"]), min_size=4, max_size=4),
)
def test_kept_import_downloads_are_the_queues_own(
    queues: list[tuple[QueueItem, ...]], judged: list[str]
) -> None:
    """Downloads kept with a queue are those of the queue asked about, whatever it is."""
    client = DownloadClient("qb", "qBittorrent", enabled=True, category=None, host="h", port=1)
    instances = [InstanceView("qbt", "http://h:1", {})]
    memo = QueueMemo()
    for queue, other, how in zip(queues, queues[1:] + queues[:1], judged, strict=False):
        arr = ArrView("arr", "radarr", Settings(), queue, (client,))
        memo.entries([arr], instances)
        # The judged Arr's queue: the very same, an equal copy, or another one.
        asked = {"same": queue, "copy": (*queue,), "other": other}[how]
        view = ArrView("arr", "radarr", Settings(), asked, (client,))
        assert memo.downloads(view) == queue_downloads(asked)
        assert memo.downloads(arr) == queue_downloads(queue)


def _blocked(torrent_hash: str, *, monitored: bool | None = True) -> QueueItem:
    return QueueItem(
        id=0, torrent_hash=torrent_hash, status="completed", download_client="qb", media_id=1,
        tracked_state="importBlocked", tracked_status="warning",
        status_messages=("Not an upgrade for existing movie file",), monitored=monitored,
    )  # fmt: skip


def test_import_downloads_given_or_found_make_the_same_plan() -> None:
    record = Torrent(name="x", category="radarr", state="stalledUP", progress=1.0)
    settings = Settings(import_blocked_delay=60, remove_unmonitored=True)
    arrs = [ArrView("arr", "radarr", settings, (_blocked(HASHES[0]),), ())]
    (data,) = build_inputs(
        NOW,
        instances=[InstanceView("qbt", "http://localhost:8080", {HASHES[0]: record})],
        judged=arrs,
        every_arr=arrs,
        messages={},
        history={},
    )
    queue = (_blocked(HASHES[0]), _blocked(HASHES[1], monitored=False))
    plan = evaluate(data)
    found = with_imports(data, queue, plan)
    assert found.history  # the blocked download's clock started
    assert with_imports(data, queue, plan, queue_downloads(queue)) == found
    assert with_imports(data, queue, plan, ()) is plan  # nothing given to judge
