"""Scenario 7: the policy engine's plan time for 50k synthetic torrents (no server involved)."""

from __future__ import annotations

from dataclasses import replace
import gc
import random
import time
from typing import TYPE_CHECKING, Final

from custom_components.qbitrr.model.server import ShareLimitFeatures
from custom_components.qbitrr.model.torrent import Torrent
from custom_components.qbitrr.policy import model
from custom_components.qbitrr.policy.engine import evaluate
from custom_components.qbitrr.policy.seeding import (
    SeedingInput,
    SeedingPlan,
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

from .common import CATEGORIES, log, stats

if TYPE_CHECKING:
    from .runner import Benchmark

PLAN_TORRENTS: Final = 50_000
PLAN_REPS: Final = 15  # at least; a plan takes well under a second
NOW: Final = 1_800_000_000
INSTANCES: Final = ("instance-a", "instance-b", "instance-c")
# A library that mostly seeds, with a tail of problems for every rule and guard.
STATE_WEIGHTS: Final = {
    "stalledUP": 40, "uploading": 15, "pausedUP": 6, "stoppedUP": 6, "downloading": 12,
    "stalledDL": 8, "metaDL": 4, "queuedDL": 2, "pausedDL": 2, "stoppedDL": 1,
    "checkingDL": 1, "error": 1, "missingFiles": 1, "forcedMetaDL": 1,
}  # fmt: skip
DONE_STATES: Final = frozenset({"stalledUP", "uploading", "pausedUP", "stoppedUP"})


def run_policy(bench: Benchmark) -> None:
    """Plan time for 50k synthetic torrents: every rule, the seeding goals included.

    The target figure is a routine run: the goals were applied by an earlier run (torrents
    that met theirs are stopped or gone, the server holds the limits), while the stalled
    rules strike their usual tail. The first run after goals are turned on, when a third of
    the library meets them at once, is reported beside it.
    """
    policy_input = synthetic_policy_input(PLAN_TORRENTS, bench.rng)
    first_inputs = synthetic_seeding_inputs(policy_input, bench.rng)
    settled_inputs = [settled(data) for data in first_inputs]
    log(f"policy engine: evaluating {PLAN_TORRENTS:,} torrents, stalled rules and seeding goals")
    reps = max(bench.s.reps, PLAN_REPS)
    times, (plan, seeding) = _time_plans(policy_input, settled_inputs, reps)
    first_times, (_, first) = _time_plans(policy_input, first_inputs, reps)
    bench.plan_result = {
        "present": True,
        "torrents": PLAN_TORRENTS,
        "seconds": stats(times),
        "actions": len(plan.actions) + sum(len(s.actions) for s in seeding),
        "skipped": len(plan.skipped),
        "first_run_seconds": stats(first_times),
        "first_run_goal_actions": sum(len(s.actions) for s in first),
        "first_run_share_limits": sum(len(h) for s in first for h in s.share_limits.values()),
    }


def _time_plans(
    policy_input: model.PolicyInput, seeding_inputs: list[SeedingInput], reps: int
) -> tuple[list[float], tuple[model.Plan, list[SeedingPlan]]]:
    result = _plan_all(policy_input, seeding_inputs)  # warm-up (imports, caches)
    times: list[float] = []
    for _ in range(reps):
        gc.collect()  # each repetition starts from the same heap (the collector stays on)
        t0 = time.perf_counter()
        result = _plan_all(policy_input, seeding_inputs)
        times.append(time.perf_counter() - t0)
    return times, result


def settled(data: SeedingInput) -> SeedingInput:
    """The server after a run carried out its seeding plan: stopped, removed, limits held."""
    plan = plan_seeding(data)
    torrents = dict(data.torrents)
    for action in plan.actions:
        if action.kind is model.ActionKind.STOP:
            torrents[action.hash] = torrents[action.hash]._replace(state="stoppedUP")
        else:
            torrents.pop(action.hash, None)
    for limits, hashes in plan.share_limits.items():
        for torrent_hash in hashes:
            torrents[torrent_hash] = torrents[torrent_hash]._replace(
                ratio_limit=limits.ratio,
                seeding_time_limit=limits.seeding_minutes,
                inactive_seeding_time_limit=limits.inactive_minutes,
                share_limit_action="Stop",
            )
    return replace(data, torrents=torrents)


def _plan_all(
    policy_input: model.PolicyInput, seeding_inputs: list[SeedingInput]
) -> tuple[model.Plan, list[SeedingPlan]]:
    """One handling run's planning: the stalled-torrent rules, then every server's goals."""
    return evaluate(policy_input), [plan_seeding(data) for data in seeding_inputs]


def synthetic_seeding_inputs(
    policy_input: model.PolicyInput, rng: random.Random
) -> list[SeedingInput]:
    """Each instance's torrents as the seeding goals see them, with goals on every kind."""
    config = SeedingConfig(
        default=SeedingGoal(max_ratio=2.0, max_seeding_time=14 * DAY),
        rules=(
            GoalRule(
                MatchKind.TRACKER,
                "private.example",
                SeedingGoal(max_ratio=3.0, action=GoalAction.REMOVE),
                PrivateMinimum(ratio=1.0, seeding_time=3 * DAY),
            ),
            GoalRule(MatchKind.TRACKER, "public.example", SeedingGoal(max_ratio=1.0)),
            GoalRule(MatchKind.TAG, "4k", SeedingGoal(max_inactive_time=7 * DAY)),
            GoalRule(
                MatchKind.CATEGORY,
                "sonarr",
                SeedingGoal(max_ratio=1.5, action=GoalAction.REMOVE_WITH_FILES),
            ),
        ),
    )
    by_instance: dict[str, dict[str, Torrent]] = {instance: {} for instance in INSTANCES}
    for info in policy_input.torrents:
        private = rng.random() < 0.3  # noqa: PLR2004
        by_instance[info.instance][info.hash] = Torrent(
            name=info.name,
            state=info.state,
            category=info.category,
            tags=",".join(sorted(info.tags)),
            progress=info.progress,
            ratio=rng.choice((0.0, 0.4, 1.2, 2.5, 4.0)),
            added_on=info.added_on,
            last_activity=info.last_activity,
            completion_on=info.added_on + 3_600 if info.progress >= 1 else 0,
            tracker_host="tracker.private.example" if private else "tracker.public.example",
            private=int(private),
        )
    listed = frozenset(
        info.hash for info in policy_input.torrents if info.hash in policy_input.queues
    )
    return [
        SeedingInput(
            now=NOW,
            instance=instance,
            torrents=torrents,
            config=config,
            arr_listed=listed,
            # The clocks a run asks for: at most 100 torrents per server.
            seeded={h: rng.randrange(0, 20 * DAY) for h in list(torrents)[:100]},
            server=ServerLimits(ShareLimitFeatures.of((2, 16, 2)), pauses_on_limit=False),
        )
        for instance, torrents in by_instance.items()
    ]


def synthetic_policy_input(count: int, rng: random.Random) -> model.PolicyInput:
    """A PolicyInput of ``count`` torrents over 3 instances and 3 Arr categories."""
    arrs = {
        "arr-radarr": ("radarr", model.Settings(slow_speed=50_000, max_eta=7 * 86_400)),
        "arr-sonarr": ("sonarr", model.Settings(strikes=2)),
        "arr-lidarr": ("lidarr", model.Settings(max_removals=25)),
    }
    arr_by_category = {category: arr for arr, (category, _) in arrs.items()}
    torrents: list[model.TorrentInfo] = []
    queues: dict[str, tuple[model.QueueEntry, ...]] = {}
    history: dict[tuple[str, str], model.HistoryEntry] = {}
    for index in range(count):
        torrent = _torrent(index, rng)
        if rng.random() < 0.6:  # noqa: PLR2004
            queues[torrent.hash] = (
                model.QueueEntry(
                    arr=arr_by_category[torrent.category],
                    queue_id=index,
                    media_ids=(index // 2,),
                    instance=torrent.instance if rng.random() < 0.95 else None,  # noqa: PLR2004
                ),
            )
        if rng.random() < 0.1:  # noqa: PLR2004
            entry = model.HistoryEntry(
                first_seen_bad=NOW - rng.randrange(60, 7_200),
                strikes=rng.randrange(0, 3),
                rule=rng.choice(list(model.Rule)),
            )
            history[(torrent.instance, torrent.hash)] = entry
            if entry.strikes and torrent.progress < 1:  # qbitrr tags what it strikes
                torrent = torrent._replace(tags=torrent.tags | {model.TAG_STRIKE})
        torrents.append(torrent)
    return model.PolicyInput(
        now=NOW,
        torrents=tuple(torrents),
        reachable_instances=frozenset(INSTANCES),
        arrs=arrs,
        queues=queues,
        history=history,
    )


def _torrent(index: int, rng: random.Random) -> model.TorrentInfo:
    """One synthetic torrent: mostly seeding, some bad in every way a rule looks for."""
    info_hash = rng.randbytes(20).hex()
    state = rng.choices(list(STATE_WEIGHTS), list(STATE_WEIGHTS.values()))[0]
    added = NOW - rng.randrange(60, 20 * 86_400)
    tags = frozenset(
        tag
        # The strike tag is where the history has strikes (above), plus stale ones left by
        # an earlier version or a crash, for the clearing to do.
        for tag, share in (("qbitrr-protected", 0.02), (model.TAG_STRIKE, 0.01), ("4k", 0.2))
        if rng.random() < share
    )
    return model.TorrentInfo(
        instance=INSTANCES[index % len(INSTANCES)],
        hash=info_hash,
        name=f"Synthetic.Torrent.{index:06d}.1080p",
        category=CATEGORIES[(index // 3) % len(CATEGORIES)],
        state=state,
        progress=1.0 if state in DONE_STATES else rng.random(),
        dlspeed=rng.choice((0, 0, 1_000, 40_000, 2_000_000)),
        eta=rng.choice((8_640_000, 60, 3_600, 30 * 86_400)),
        added_on=added,
        last_activity=rng.choice((0, added, NOW - rng.randrange(0, 86_400))),
        tags=tags,
        tracker_message=rng.choices((None, "", "Unregistered torrent"), (90, 8, 2))[0],
    )
