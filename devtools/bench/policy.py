"""Scenario 7: the policy engine's plan time for 50k synthetic torrents (no server involved)."""

from __future__ import annotations

from dataclasses import replace
import gc
import random
import time
from typing import TYPE_CHECKING, Final, NamedTuple, cast

from custom_components.qbitrr.handling.planning import Gathered, PlanMemory, Plans
from custom_components.qbitrr.handling.seeding import SeedingServer, ServerClocks
from custom_components.qbitrr.model.arr import DownloadClient, QueueItem
from custom_components.qbitrr.model.server import ShareLimitFeatures
from custom_components.qbitrr.model.torrent import Torrent
from custom_components.qbitrr.policy import model
from custom_components.qbitrr.policy.files import FileVerdict
from custom_components.qbitrr.policy.inputs import ArrView, InstanceView
from custom_components.qbitrr.policy.seeding import SeedingInput, ServerLimits, plan_seeding
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
    from custom_components.qbitrr.coordinator import QbitCoordinator

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
    """One handling run's planning over 50k synthetic torrents, every rule enabled.

    A run plans in its worker thread (`PlanMemory.plan`) in two steps, timed apart: it brings
    its inputs up to date (the engine's views of the records that changed, each Arr's queue
    entries), then runs every rule over them: the stalled-torrent rules with their guards, the
    import and unmonitored rules, the file rule, and every server's seeding goals. The target
    reads the rules; both steps together are reported beside it. The figures are a routine
    run: an earlier run planned this library (its memory is kept), its seeding goals were
    applied (torrents that met theirs are stopped or gone, the servers hold the limits), and
    since then polls replaced the record of every torrent that moves data and every queue
    record. The first run after Home Assistant starts, with nothing kept and a third of the
    library meeting its goals at once, is reported beside it.
    """
    policy_input = synthetic_policy_input(PLAN_TORRENTS, bench.rng)
    first_inputs = synthetic_seeding_inputs(policy_input, bench.rng)
    settled_inputs = [settled(data) for data in first_inputs]
    log(f"policy engine: planning {PLAN_TORRENTS:,} torrents, every rule")
    reps = max(bench.s.reps, PLAN_REPS)
    routine = _Library(policy_input, settled_inputs, bench.rng)
    warm = _time_plans(routine, reps, cold=False)
    first = _time_plans(_Library(policy_input, first_inputs, bench.rng), reps, cold=True)
    plans, first_goals = warm.plans, [plan for _, plan in first.plans.seeding]
    bench.plan_result = {
        "present": True,
        "torrents": PLAN_TORRENTS,
        "seconds": stats(warm.rules),
        "inputs_seconds": stats(warm.inputs),
        "whole_seconds": stats(warm.whole),
        "actions": sum(len(plan.actions) for _, plan in plans.arrs)
        + sum(len(plan.actions) for _, plan in plans.seeding),
        "skipped": sum(len(plan.skipped) for _, plan in plans.arrs),
        "file_steps": len(plans.file_steps),
        "changed_per_run": routine.changed_per_run,
        "first_run_seconds": stats(first.rules),
        "first_run_whole_seconds": stats(first.whole),
        "first_run_goal_actions": sum(len(plan.actions) for plan in first_goals),
        "first_run_share_limits": sum(len(h) for p in first_goals for h in p.share_limits.values()),
    }


# States in which a torrent moves data: a poll between two runs replaces their records.
_MOVING: Final = frozenset({"downloading", "uploading", "metaDL", "forcedMetaDL", "checkingDL"})


class _Library:
    """Three servers' records and three Arrs' queues, as a run gathers them."""

    def __init__(
        self, policy_input: model.PolicyInput, servers: list[SeedingInput], rng: random.Random
    ) -> None:
        self.servers = servers
        # The records a run reads; polls replace some in place.
        self.records = {s.instance: dict(s.torrents) for s in servers}
        # Each Arr remembers its own torrents (a run keeps one history per judged Arr).
        infos = {(t.instance, t.hash): t for t in policy_input.torrents}
        self.history: dict[str, dict[tuple[str, str], model.HistoryEntry]] = {
            arr: {
                key: entry
                for key, entry in policy_input.history.items()
                if infos[key].category == category
            }
            for arr, (category, _) in policy_input.arrs.items()
        }
        # The run asks at most 100 tracker messages per server (handling/runner.py).
        asked: dict[str, int] = {}
        self.messages: dict[tuple[str, str], str | None] = {}
        for key, info in infos.items():
            if info.tracker_message is not None and asked.get(key[0], 0) < _MAX_LOOKUPS:
                asked[key[0]] = asked.get(key[0], 0) + 1
                self.messages[key] = info.tracker_message
        # File lists are asked for 50 torrents per server and run (handling/files.py).
        self.verdicts = {
            key: FileVerdict((0,), ("Sample.exe",), all_bad=rng.random() < 0.5)  # noqa: PLR2004
            for key in rng.sample(sorted(infos), 150)
        }
        self.arrs = _arr_views(policy_input, rng)
        self.changed_per_run = sum(
            t.state in _MOVING for torrents in self.records.values() for t in torrents.values()
        )

    def gathered(self) -> Gathered:
        """What the run reads on the event loop."""
        listed = frozenset(
            item.torrent_hash for arr in self.arrs for item in arr.queue if item.torrent_hash
        )
        return Gathered(
            instances=tuple(
                InstanceView(s.instance, f"http://{s.instance}:8080", self.records[s.instance])
                for s in self.servers
            ),
            judged=self.arrs,
            every_arr=self.arrs,
            skipped_arrs={},
            titles={},
            servers=tuple(
                SeedingServer(
                    cast("QbitCoordinator", None),  # planning never reaches the server
                    s.instance,
                    s.instance,
                    self.records[s.instance],
                    s.config,
                    s.server.features,
                )
                for s in self.servers
            ),
            listed=listed,
        )

    def clocks(self) -> dict[str, ServerClocks]:
        """The seeding clocks the run asked for, by server."""
        return {s.instance: ServerClocks(dict(s.seeded)) for s in self.servers}

    def poll(self) -> None:
        """Poll as between two runs: every moving torrent's record and every queue record anew.

        The queues come back equal (nothing was grabbed or imported in between), as new
        objects, like a poll's.
        """
        for torrents in self.records.values():
            for torrent_hash, torrent in list(torrents.items()):
                if torrent.state in _MOVING:
                    torrents[torrent_hash] = torrent._replace()
        self.arrs = tuple(
            replace(arr, queue=tuple(replace(item) for item in arr.queue)) for arr in self.arrs
        )


_MAX_LOOKUPS: Final = 100


def _arr_views(policy_input: model.PolicyInput, rng: random.Random) -> tuple[ArrView, ...]:
    """Each Arr's queue: a record per listed download, some of them blocked or unmonitored."""
    queues: dict[str, list[QueueItem]] = {arr: [] for arr in policy_input.arrs}
    for torrent_hash, entries in policy_input.queues.items():
        for entry in entries:
            blocked = rng.random() < 0.02  # noqa: PLR2004
            queues[entry.arr].append(
                QueueItem(
                    id=entry.queue_id,
                    torrent_hash=torrent_hash,
                    status="completed" if blocked else "downloading",
                    download_client=f"qBittorrent {entry.instance}" if entry.instance else None,
                    media_id=entry.media_ids[0],
                    tracked_state="importBlocked" if blocked else "downloading",
                    tracked_status="warning" if blocked else "ok",
                    status_messages=("Not an upgrade for existing movie file",) if blocked else (),
                    monitored=rng.random() >= 0.01,  # noqa: PLR2004
                )
            )
    clients = tuple(
        DownloadClient(
            f"qBittorrent {i}", "QBittorrent", enabled=True, category=None, host=i, port=8080
        )
        for i in INSTANCES
    )
    return tuple(
        ArrView(
            arr,
            category,
            replace(settings, remove_unmonitored=True),
            tuple(queues[arr]),
            clients,
        )
        for arr, (category, settings) in sorted(policy_input.arrs.items())
    )


class _Timed(NamedTuple):
    """One scenario's times: the rules' plan, the inputs it needed, and both."""

    rules: list[float]
    inputs: list[float]
    whole: list[float]
    plans: Plans


def _time_plans(library: _Library, reps: int, *, cold: bool) -> _Timed:
    """Time one run's planning `reps` times; warm runs keep their memory between runs.

    A run's planning is two steps, timed apart: bringing the inputs up to date (the views of
    changed records, the queues' entries) and running every rule over them.
    """
    clocks = library.clocks()
    memory = PlanMemory()
    gathered = library.gathered()
    result = memory.plan(gathered, library.messages, library.history, clocks, library.verdicts)
    timed = _Timed([], [], [], result)
    for _ in range(reps):
        if cold:
            memory = PlanMemory()
        else:
            library.poll()
        gathered = library.gathered()
        gc.collect()  # each repetition starts from the same heap (the collector stays on)
        t0 = time.perf_counter()
        inputs = memory.inputs(NOW, gathered, library.messages, library.history, clocks)
        t1 = time.perf_counter()
        result = memory.rules(NOW, gathered, inputs, clocks, library.verdicts)
        t2 = time.perf_counter()
        timed.rules.append(t2 - t1)
        timed.inputs.append(t1 - t0)
        timed.whole.append(t2 - t0)
    return timed._replace(plans=result)


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
            dlspeed=info.dlspeed,
            eta=info.eta,
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
