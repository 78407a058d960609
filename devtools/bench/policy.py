"""Scenario 7: the policy engine's plan time for 50k synthetic torrents (no server involved)."""

from __future__ import annotations

import gc
import random
import time
from typing import TYPE_CHECKING, Final

from custom_components.qbitrr.policy import model
from custom_components.qbitrr.policy.engine import evaluate

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
    """Plan time for 50k synthetic torrents."""
    policy_input = synthetic_policy_input(PLAN_TORRENTS, bench.rng)
    log(f"policy engine: evaluating {PLAN_TORRENTS:,} torrents")
    plan = evaluate(policy_input)  # warm-up (imports, caches)
    times: list[float] = []
    for _ in range(max(bench.s.reps, PLAN_REPS)):
        gc.collect()  # each repetition starts from the same heap (the collector stays on)
        t0 = time.perf_counter()
        plan = evaluate(policy_input)
        times.append(time.perf_counter() - t0)
    bench.plan_result = {
        "present": True,
        "torrents": PLAN_TORRENTS,
        "seconds": stats(times),
        "actions": len(plan.actions),
        "skipped": len(plan.skipped),
    }


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
