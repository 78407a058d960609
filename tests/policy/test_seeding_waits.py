"""Records that wait for their time or their clock never change a seeding plan.

A judged torrent whose plan did nothing waits in the memo until its record or its seeding
clock changes, or until the time that could meet its goal comes. Runs here move the clock
forward, ask the server's clock for other torrents, change records (an earlier record may come
back, as the very same object) and goals: at every run the plan made with the memo equals the
plan made from scratch.
"""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.qbitrr.model.server import ShareLimitFeatures
from custom_components.qbitrr.model.torrent import Torrent
from custom_components.qbitrr.policy import seeding
from custom_components.qbitrr.policy.model import TAG_OBSOLETE
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
    SeedingConfig,
    SeedingGoal,
)
from custom_components.qbitrr.policy.views import TorrentViews

NOW = 1_800_000_000
HOUR = 3600
HASHES = [c * 40 for c in "abcdefgh"]
V5 = ServerLimits(ShareLimitFeatures.of((2, 16, 2)), pauses_on_limit=False)
V4 = ServerLimits(ShareLimitFeatures.of((2, 8, 19)), pauses_on_limit=True)

_records = st.builds(
    Torrent,
    name=st.just("Some.Torrent"),
    state=st.sampled_from(["stalledUP", "uploading", "stoppedUP", "pausedUP", "stalledDL"]),
    category=st.sampled_from(["radarr", "other"]),
    tags=st.sampled_from(["", TAG_OBSOLETE]),
    progress=st.sampled_from([0.5, 1.0, 1.0, 1.0]),
    ratio=st.sampled_from([0.0, 0.7, 3.0]),
    added_on=st.just(NOW - 5 * DAY),
    completion_on=st.sampled_from([0, NOW - 2 * DAY, NOW - 3 * HOUR]),
    last_activity=st.sampled_from([0, NOW - 5 * HOUR, NOW - HOUR, NOW + 2 * HOUR]),
    tracker_host=st.sampled_from(["t.private.example", "t.public.example"]),
    private=st.sampled_from([0, 1, 1]),
    share_limit_action=st.sampled_from(["", "Stop"]),
)
_goals = st.builds(
    SeedingGoal,
    max_ratio=st.sampled_from([0.0, 2.0]),
    max_seeding_time=st.sampled_from([0, DAY]),
    max_inactive_time=st.sampled_from([0, 2 * HOUR, 4 * HOUR]),
    min_seeding_time=st.sampled_from([0, 0, 12 * HOUR]),
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
            private_minimum=st.builds(
                PrivateMinimum,
                ratio=st.sampled_from([0.5, 1.0]),
                seeding_time=st.sampled_from([0, DAY, 3 * DAY]),
            ),
        ),
        max_size=1,
    ).map(tuple),
)


type _Run = tuple[int, dict[str, Torrent], dict[str, int], SeedingConfig, frozenset[str] | None]


@st.composite
def _runs(draw: st.DrawFn) -> list[_Run]:
    """A few runs, each later than the last: records, clocks, goals and listed hashes."""
    torrents = draw(st.dictionaries(st.sampled_from(HASHES), _records, min_size=1))
    config = draw(_configs)
    now, runs = NOW, []
    clocks = st.sampled_from([0, 6 * HOUR, 13 * HOUR, 2 * DAY, 4 * DAY])
    seen = {h: [record] for h, record in torrents.items()}  # a record may come back
    for _ in range(draw(st.integers(2, 6))):
        seeded = draw(st.dictionaries(st.sampled_from(HASHES), clocks, max_size=4))
        # Listed by an Arr: a few hashes, or unknown (an Arr's queue could not be read).
        listed = draw(st.none() | st.frozensets(st.sampled_from(HASHES), max_size=3))
        runs.append((now, torrents, seeded, config, listed))
        now += draw(st.sampled_from([0, 15 * 60, HOUR, 3 * HOUR]))
        torrents = dict(torrents)
        for torrent_hash in draw(st.lists(st.sampled_from(HASHES), max_size=3)):
            choice = draw(st.integers(0, 2))
            if choice == 0:
                torrents[torrent_hash] = draw(_records)
                seen.setdefault(torrent_hash, []).append(torrents[torrent_hash])
            elif choice == 1 and torrent_hash in seen:
                torrents[torrent_hash] = draw(st.sampled_from(seen[torrent_hash]))
            else:
                torrents.pop(torrent_hash, None)
        if draw(st.integers(0, 4)) == 0:
            config = draw(_configs)
    return runs


@settings(max_examples=600, deadline=None)
@given(runs=_runs(), server=st.sampled_from([V4, V5]), follow=st.lists(st.booleans(), max_size=6))
def test_waiting_records_never_change_a_seeding_plan(
    runs: list[_Run],
    server: ServerLimits,
    follow: list[bool],
) -> None:
    """Clocks asked and no longer asked, time passing, goals and records changing."""
    views, memo = TorrentViews(), SeedingMemo()
    for index, (now, torrents, seeded, config, listed) in enumerate(runs):
        views.update("qbt", torrents, frozenset({"radarr"}), messages={}, risk=None)
        in_step = follow[index] if index < len(follow) else True
        memo.follow(views.changes("qbt") if in_step else None)
        data = SeedingInput(now, "qbt", torrents, config, listed, seeded, server)
        assert plan_seeding(data, memo) == plan_seeding(data)


def _actions_per_run(
    config: SeedingConfig,
    runs: list[tuple[int, Torrent, dict[str, int]]],
    listed: list[frozenset[str]] | None = None,
) -> list[int]:
    """Plan one torrent's runs (time, record, clocks) in step with the views; each checked."""
    views, memo, counts = TorrentViews(), SeedingMemo(), []
    for index, (now, record, seeded) in enumerate(runs):
        torrents = {HASHES[0]: record}
        views.update("qbt", torrents, frozenset({"radarr"}), messages={}, risk=None)
        memo.follow(views.changes("qbt"))
        arr_listed = listed[index] if listed is not None else frozenset()
        data = SeedingInput(now, "qbt", torrents, config, arr_listed, seeded, V5)
        plan = plan_seeding(data, memo)
        assert plan == plan_seeding(data)
        counts.append(len(plan.actions))
    return counts


def test_a_private_torrent_waits_for_its_clock_and_its_time() -> None:
    """Kept for its tracker's minimum: judged again when the clock or the time says so."""
    goal = SeedingGoal(max_inactive_time=4 * HOUR, action=GoalAction.REMOVE)
    minimum = PrivateMinimum(ratio=1.0, seeding_time=DAY)
    config = SeedingConfig(
        default=goal, rules=(GoalRule(MatchKind.TRACKER, "private.example", goal, minimum),)
    )
    record = Torrent(
        name="x",
        category="radarr",
        state="stalledUP",
        progress=1.0,
        ratio=0.2,
        private=1,
        tracker_host="t.private.example",
        completion_on=NOW - 2 * DAY,
        last_activity=NOW - HOUR,
    )
    runs = [
        (NOW, record, {}),  # active an hour ago: not inactive for 4 h yet
        (NOW + 4 * HOUR, record, {}),  # inactive now, but the minimum is not met: kept
        (NOW + 4 * HOUR, record, {HASHES[0]: 2 * DAY}),  # its clock says the minimum is met
    ]
    assert _actions_per_run(config, runs) == [0, 0, 1]


def test_a_record_that_comes_back_is_judged_once() -> None:
    """Waiting, replaced by an incomplete record, then back (the very same object) when due."""
    goal = SeedingGoal(max_inactive_time=2 * HOUR, action=GoalAction.REMOVE)
    waiting = Torrent(
        name="x",
        category="radarr",
        state="stalledUP",
        progress=1.0,
        private=0,
        completion_on=NOW - DAY,
        last_activity=NOW - HOUR,  # inactive for 2 h an hour from now
    )
    rechecking = waiting._replace(state="checkingDL", progress=0.5)
    runs: list[tuple[int, Torrent, dict[str, int]]] = [
        (NOW, waiting, {}),
        (NOW + HOUR // 2, rechecking, {}),
        (NOW + 2 * HOUR, waiting, {}),
    ]
    assert _actions_per_run(SeedingConfig(default=goal), runs) == [0, 0, 1]


def test_an_active_torrent_does_not_pile_up_wake_times() -> None:
    """A record replaced at every run moves its wake time: the old ones are dropped."""
    goal = SeedingGoal(max_inactive_time=7 * DAY, action=GoalAction.REMOVE)
    config = SeedingConfig(default=goal)
    views, memo = TorrentViews(), SeedingMemo()
    for run in range(500):
        now = NOW + run * 15 * 60
        active = Torrent(
            name="x",
            category="radarr",
            state="uploading",
            progress=1.0,
            private=0,
            completion_on=NOW - DAY,
            last_activity=now - 60,
        )
        torrents = {h: active._replace() for h in HASHES}
        views.update("qbt", torrents, frozenset({"radarr"}), messages={}, risk=None)
        memo.follow(views.changes("qbt"))
        data = SeedingInput(now, "qbt", torrents, config, frozenset(), {}, V5)
        assert plan_seeding(data, memo) == plan_seeding(data)
    assert len(memo._wakes) <= 2 * len(HASHES) + 64  # what a long run keeps


def test_a_met_removal_goal_waits_for_its_arr(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stopped, its goal met, an Arr still lists it: judged again once the Arr lets it go."""
    judged: list[str] = []
    judge = seeding._Planner.judge

    def counted(planner: seeding._Planner, torrent_hash: str, *args: object) -> int | None:
        judged.append(torrent_hash)
        return judge(planner, torrent_hash, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(seeding._Planner, "judge", counted)
    goal = SeedingGoal(max_ratio=1.0, action=GoalAction.REMOVE)
    record = Torrent(
        name="x", category="radarr", state="stoppedUP", progress=1.0, ratio=2.0, private=0
    )
    runs: list[tuple[int, Torrent, dict[str, int]]] = [
        (NOW + run * HOUR, record, {}) for run in range(4)
    ]
    listed = [frozenset({HASHES[0]})] * 3 + [frozenset()]
    assert _actions_per_run(SeedingConfig(default=goal), runs, listed) == [0, 0, 0, 1]
    # Each run also plans from scratch (the check): the memo's plans judged it twice only.
    assert len(judged) == len(runs) + 2
