"""Seeding goals on literal data: which goal applies, when it is met, what the plan does."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.qbitrr.model.server import ShareLimitFeatures
from custom_components.qbitrr.model.torrent import Torrent
from custom_components.qbitrr.policy.model import TAG_OBSOLETE, ActionKind, Rule
from custom_components.qbitrr.policy.seeding import (
    SeedingInput,
    ServerLimits,
    ShareLimits,
    needs_exact_time,
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

NOW = 1_800_000_000
HOUR = 3600
V4 = ServerLimits(ShareLimitFeatures.of((2, 8, 19)), pauses_on_limit=True)
V5 = ServerLimits(ShareLimitFeatures.of((2, 16, 2)), pauses_on_limit=False)
H1, H2, H3 = "a" * 40, "b" * 40, "c" * 40


def seeding(**fields: object) -> Torrent:
    base = Torrent(
        name="Done",
        state="stalledUP",
        category="radarr",
        progress=1.0,
        ratio=0.5,
        added_on=NOW - 10 * DAY,
        completion_on=NOW - 9 * DAY,
        last_activity=NOW - 60,
        tracker_host="tracker.example.org",
        private=0,
    )
    return base._replace(**fields)  # type: ignore[arg-type]


def data(
    torrents: dict[str, Torrent],
    config: SeedingConfig,
    *,
    listed: frozenset[str] | None = frozenset(),
    seeded: dict[str, int] | None = None,
    server: ServerLimits = V5,
) -> SeedingInput:
    return SeedingInput(NOW, "qbt-1", torrents, config, listed, seeded or {}, server)


def kinds(plan_input: SeedingInput) -> dict[str, ActionKind]:
    return {action.hash: action.kind for action in plan_seeding(plan_input).actions}


RATIO_2 = SeedingConfig(default=SeedingGoal(max_ratio=2.0))


def test_no_goal_no_plan() -> None:
    plan = plan_seeding(data({H1: seeding(ratio=50.0)}, SeedingConfig()))
    assert plan.actions == ()
    assert plan.share_limits == {}


def test_ratio_goal_stops_a_completed_torrent() -> None:
    plan = plan_seeding(data({H1: seeding(ratio=2.5), H2: seeding(ratio=1.0)}, RATIO_2))
    assert [(a.hash, a.kind, a.rule) for a in plan.actions] == [
        (H1, ActionKind.STOP, Rule.SEEDING_GOAL)
    ]
    assert "ratio 2.50 reached 2" in plan.actions[0].reason


def test_already_stopped_is_left_alone() -> None:
    for state in ("pausedUP", "stoppedUP"):
        assert kinds(data({H1: seeding(ratio=3.0, state=state)}, RATIO_2)) == {}


def test_incomplete_torrents_have_no_goal() -> None:
    torrent = seeding(ratio=3.0, progress=0.5, state="stalledDL", completion_on=0)
    assert kinds(data({H1: torrent}, RATIO_2)) == {}


def test_removal_waits_while_an_arr_lists_it() -> None:
    config = SeedingConfig(default=SeedingGoal(max_ratio=2.0, action=GoalAction.REMOVE))
    torrents = {H1: seeding(ratio=3.0), H2: seeding(ratio=3.0)}
    plan = plan_seeding(data(torrents, config, listed=frozenset({H1})))
    by_hash = {a.hash: a for a in plan.actions}
    assert by_hash[H1].kind is ActionKind.STOP
    assert "an Arr still lists it" in by_hash[H1].reason
    assert by_hash[H2].kind is ActionKind.DELETE
    # With an Arr's queue unknown, nothing is removed.
    assert set(kinds(data(torrents, config, listed=None)).values()) == {ActionKind.STOP}


def test_remove_with_files() -> None:
    config = SeedingConfig(default=SeedingGoal(max_ratio=1.0, action=GoalAction.REMOVE_WITH_FILES))
    assert kinds(data({H1: seeding(ratio=1.0)}, config)) == {H1: ActionKind.DELETE_WITH_FILES}


def test_seeding_time_needs_the_servers_clock() -> None:
    config = SeedingConfig(default=SeedingGoal(max_seeding_time=48 * HOUR))
    torrents = {H1: seeding(), H2: seeding(completion_on=NOW - HOUR)}
    probe = data(torrents, config)
    # Completed 9 days ago could have seeded 48 h; an hour ago could not: not asked.
    assert needs_exact_time(probe) == [H1]
    assert kinds(probe) == {}  # unknown time is never taken as reached
    assert kinds(data(torrents, config, seeded={H1: 47 * HOUR})) == {}
    assert kinds(data(torrents, config, seeded={H1: 48 * HOUR})) == {H1: ActionKind.STOP}


def test_minimum_seeding_time_gates_every_limit() -> None:
    config = SeedingConfig(default=SeedingGoal(max_ratio=1.0, min_seeding_time=24 * HOUR))
    torrents = {H1: seeding(ratio=5.0)}
    assert kinds(data(torrents, config, seeded={H1: 23 * HOUR})) == {}
    assert kinds(data(torrents, config, seeded={H1: 24 * HOUR})) == {H1: ActionKind.STOP}


def test_inactive_goal() -> None:
    config = SeedingConfig(default=SeedingGoal(max_inactive_time=12 * HOUR))
    torrents = {H1: seeding(last_activity=NOW - 13 * HOUR), H2: seeding(last_activity=NOW - HOUR)}
    assert kinds(data(torrents, config)) == {H1: ActionKind.STOP}


def test_rules_by_tracker_then_tag_then_category() -> None:
    keep = SeedingGoal()  # no limit: nothing happens
    config = SeedingConfig(
        default=SeedingGoal(max_ratio=1.0),
        rules=(
            GoalRule(MatchKind.CATEGORY, "radarr", SeedingGoal(max_ratio=3.0)),
            GoalRule(MatchKind.TAG, "keep", keep),
            GoalRule(MatchKind.TRACKER, "example.org", SeedingGoal(max_ratio=2.0)),
        ),
    )
    torrents = {
        H1: seeding(ratio=2.5),  # tracker rule (subdomain of example.org): 2.0 reached
        H2: seeding(ratio=2.5, tracker_host="other.net", tags="keep"),  # tag: no limit
        H3: seeding(ratio=2.5, tracker_host="other.net"),  # category: 3.0 not reached
    }
    assert kinds(data(torrents, config)) == {H1: ActionKind.STOP}
    sonarr = {H3: seeding(ratio=1.5, tracker_host="other.net", category="sonarr")}
    assert kinds(data(sonarr, config)) == {H3: ActionKind.STOP}  # the default


def test_protect_tag_wins() -> None:
    torrents = {H1: seeding(ratio=9.0, tags="qbitrr-protected")}
    assert kinds(data(torrents, RATIO_2)) == {}


def test_private_torrent_waits_for_its_minimum() -> None:
    config = SeedingConfig(
        default=SeedingGoal(max_ratio=0.5, action=GoalAction.REMOVE),
        private_minimum=PrivateMinimum(ratio=1.0, seeding_time=72 * HOUR),
    )
    private = seeding(ratio=0.6, private=1)
    assert kinds(data({H1: private}, config)) == {}
    assert kinds(data({H1: private}, config, seeded={H1: 71 * HOUR})) == {}
    assert kinds(data({H1: private}, config, seeded={H1: 72 * HOUR})) == {H1: ActionKind.DELETE}
    # Ratio alone meets the minimum; a flag not known yet (4.x) counts as private.
    assert kinds(data({H1: private._replace(ratio=1.0)}, config)) == {H1: ActionKind.DELETE}
    assert kinds(data({H1: private._replace(private=-1)}, config)) == {}
    assert kinds(data({H1: private._replace(private=0)}, config)) == {H1: ActionKind.DELETE}


def test_tracker_sets_its_own_minimum() -> None:
    config = SeedingConfig(
        default=SeedingGoal(max_ratio=0.5, action=GoalAction.REMOVE),
        rules=(
            GoalRule(
                MatchKind.TRACKER,
                "example.org",
                SeedingGoal(max_ratio=0.5, action=GoalAction.REMOVE),
                PrivateMinimum(ratio=0.6, seeding_time=10 * DAY),
            ),
        ),
    )
    assert kinds(data({H1: seeding(ratio=0.6, private=1)}, config)) == {H1: ActionKind.DELETE}


def test_obsolete_private_torrent_is_removed_once_its_minimum_is_met() -> None:
    config = SeedingConfig(private_minimum=PrivateMinimum(ratio=1.0, seeding_time=DAY))
    kept = seeding(
        state="stalledDL", progress=0.4, ratio=0.1, private=1, completion_on=0, tags=TAG_OBSOLETE
    )
    assert kinds(data({H1: kept}, config, seeded={H1: DAY - 1})) == {}
    assert kinds(data({H1: kept}, config, seeded={H1: DAY})) == {H1: ActionKind.DELETE_WITH_FILES}
    # An Arr lists it again, or an Arr's queue is unknown: not removed.
    assert kinds(data({H1: kept}, config, seeded={H1: DAY}, listed=frozenset({H1}))) == {}
    assert kinds(data({H1: kept}, config, seeded={H1: DAY}, listed=None)) == {}
    # The obsolete torrent's clock is asked for (an upper bound from when it was added).
    assert needs_exact_time(data({H1: kept}, config)) == [H1]


def test_server_limits_where_the_server_can_enforce_them() -> None:
    config = SeedingConfig(default=SeedingGoal(max_ratio=2.0, max_seeding_time=7 * DAY))
    plan = plan_seeding(data({H1: seeding(), H2: seeding(private=1)}, config))
    assert plan.share_limits == {ShareLimits(2.0, 7 * 24 * 60, -1): (H1, H2)}
    # Already set on the server: nothing to do (5.x also needs the per-torrent "Stop").
    done = seeding(ratio_limit=2.0, seeding_time_limit=7 * 24 * 60, share_limit_action="Stop")
    assert (
        plan_seeding(data({H1: done._replace(inactive_seeding_time_limit=-1)}, config)).share_limits
        == {}
    )
    assert plan_seeding(data({H1: done}, config)).share_limits != {}


def test_a_met_goal_the_server_can_hold_is_stopped_and_limited_then_left_to_the_server() -> None:
    """The run that stops a torrent also sets its limits; the runs after leave it alone."""
    met = seeding(ratio=2.5)
    plan = plan_seeding(data({H1: met}, RATIO_2))
    assert [(a.hash, a.kind) for a in plan.actions] == [(H1, ActionKind.STOP)]
    held = ShareLimits(2.0, -1, -1)
    assert plan.share_limits == {held: (H1,)}
    # Already stopped by that run: only the limits are still set.
    assert plan_seeding(data({H1: met._replace(state="stoppedUP")}, RATIO_2)).share_limits == {
        held: (H1,)
    }
    # The server holds them: even resumed by hand, it is the server's to stop, not qbitrr's.
    holding = met._replace(
        ratio_limit=2.0, seeding_time_limit=-1, inactive_seeding_time_limit=-1,
        share_limit_action="Stop",
    )  # fmt: skip
    plan = plan_seeding(data({H1: holding}, RATIO_2))
    assert (plan.actions, plan.share_limits) == ((), {})
    # Limits the server holds for another goal are no reason to skip a met one.
    other = holding._replace(ratio_limit=3.0)
    assert kinds(data({H1: other}, RATIO_2)) == {H1: ActionKind.STOP}


def test_server_limits_not_set_when_the_server_cannot_express_the_goal() -> None:
    goal = SeedingGoal(max_ratio=2.0)
    cases = [
        replace(goal, action=GoalAction.REMOVE),  # the Arr check is qbitrr's
        replace(goal, min_seeding_time=HOUR),  # the server would stop before the minimum
    ]
    for case in cases:
        plan = plan_seeding(data({H1: seeding()}, SeedingConfig(default=case)))
        assert plan.share_limits == {}, case
    # A 4.x server whose global action at a limit is not "pause".
    v4_removes = ServerLimits(V4.features, pauses_on_limit=False)
    assert plan_seeding(data({H1: seeding()}, RATIO_2, server=v4_removes)).share_limits == {}
    assert plan_seeding(data({H1: seeding()}, RATIO_2, server=V4)).share_limits == {
        ShareLimits(2.0, -1, -1): (H1,)
    }
    # A private torrent whose tracker needs more than the goal allows.
    low = SeedingConfig(default=SeedingGoal(max_ratio=0.5))
    assert plan_seeding(data({H1: seeding(private=1)}, low)).share_limits == {}


@pytest.mark.parametrize("server", [V4, V5])
def test_inactive_limit_only_where_supported(server: ServerLimits) -> None:
    config = SeedingConfig(default=SeedingGoal(max_inactive_time=2 * HOUR))
    plan = plan_seeding(data({H1: seeding()}, config, server=server))
    if server.features.inactive_limit:
        assert plan.share_limits == {ShareLimits(-1.0, -1, 120): (H1,)}
    else:
        assert plan.share_limits == {}


_torrents = st.builds(
    seeding,
    state=st.sampled_from(["stalledUP", "uploading", "pausedUP", "stoppedUP", "stalledDL"]),
    progress=st.sampled_from([0.0, 0.3, 1.0]),
    ratio=st.floats(0, 5),
    private=st.sampled_from([-1, 0, 1]),
    tags=st.sampled_from(["", TAG_OBSOLETE, "keep", "qbitrr-protected"]),
    tracker_host=st.sampled_from(["", "a.example.org", "b.net"]),
)
_goals = st.builds(
    SeedingGoal,
    max_ratio=st.sampled_from([0.0, 0.5, 2.0]),
    max_seeding_time=st.sampled_from([0, HOUR, 10 * DAY]),
    max_inactive_time=st.sampled_from([0, HOUR]),
    min_seeding_time=st.sampled_from([0, DAY]),
    action=st.sampled_from(list(GoalAction)),
)


@settings(max_examples=400, deadline=None)
@given(
    torrents=st.dictionaries(st.sampled_from([H1, H2, H3]), _torrents, min_size=1),
    goal=_goals,
    tracker_goal=_goals,
    minimum=st.builds(
        PrivateMinimum, ratio=st.sampled_from([0.5, 1.0]), seeding_time=st.sampled_from([0, DAY])
    ),
    listed=st.none() | st.frozensets(st.sampled_from([H1, H2, H3])),
    seeded=st.dictionaries(st.sampled_from([H1, H2, H3]), st.sampled_from([0, HOUR, 2 * DAY])),
)
def test_no_plan_removes_what_an_arr_lists_or_a_private_torrent_before_its_minimum(
    torrents: dict[str, Torrent],
    goal: SeedingGoal,
    tracker_goal: SeedingGoal,
    minimum: PrivateMinimum,
    listed: frozenset[str] | None,
    seeded: dict[str, int],
) -> None:
    config = SeedingConfig(
        default=goal,
        rules=(GoalRule(MatchKind.TRACKER, "example.org", tracker_goal),),
        private_minimum=minimum,
    )
    plan = plan_seeding(data(torrents, config, listed=listed, seeded=seeded))
    for action in plan.actions:
        torrent = torrents[action.hash]
        assert "qbitrr-protected" not in torrent.tags
        if action.kind in {ActionKind.DELETE, ActionKind.DELETE_WITH_FILES}:
            assert listed is not None
            assert action.hash not in listed
            at_risk = torrent.private != 0 and torrent.progress > 0
            if at_risk:
                assert (
                    torrent.ratio >= minimum.ratio
                    or minimum.seeding_time <= 0
                    or seeded.get(action.hash, -1) >= minimum.seeding_time
                )
        else:
            assert action.kind is ActionKind.STOP
            assert torrent.progress >= 1
