"""Scenario 6: five servers (4.5 and 5.x) refreshing at once against the slowest one alone."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
import os
import statistics
import time
from typing import TYPE_CHECKING, Final

from .clients import Ours, WireMeter
from .common import CHANGE_WAIT, BenchError, Json, log, ratios, server_cpu, stats
from .fill import fill, quiet

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .fill import Instance
    from .runner import Benchmark

INSTANCE_MAJORS: Final = (4, 5, 4, 5, 4)  # the 5-instance scenario's mix
INSTANCE_REPS: Final = 15  # rounds of the 5-instance scenario, at least (not in smoke mode)


def run_instances(bench: Benchmark) -> None:
    """Five servers (4.5 and 5.x) refreshing concurrently vs the slowest alone."""
    count = bench.s.instance_torrents
    majors: list[int] = [m for m in INSTANCE_MAJORS if m in bench.s.majors]
    majors = majors or [bench.s.majors[0]]
    majors = (majors * len(INSTANCE_MAJORS))[: len(INSTANCE_MAJORS)]
    instances: list[Instance] = []
    try:
        for index, major in enumerate(majors):
            instances.append(bench.start_instance(major, f"instance{index + 1}-qbt{major}"))
        for instance in instances:
            fill(instance, count, bench.rng, history=bench.s.history)
        for instance in instances:
            quiet(instance)
        clients = [Ours(i.server, WireMeter()) for i in instances]
        pids = [i.pid for i in instances]
        for client in clients:
            client.poll()
        time.sleep(CHANGE_WAIT)  # new magnets change state for ~1 s
        for client in clients:
            client.poll()
        log(f"5 instances x {count:,}: concurrent refreshes")
        # A round takes about a second at 1k torrents: enough of them for a steady median.
        reps = bench.s.reps if bench.s.smoke else max(bench.s.reps, INSTANCE_REPS)
        with ThreadPoolExecutor(max_workers=5, thread_name_prefix="bench") as pool:
            full = measure_concurrency(clients, pool, pids, reps, full=True)
            idle = measure_concurrency(clients, pool, pids, reps, full=False)
        for client in clients:
            client.close()
        bench.instances_result = {
            "versions": [i.version for i in instances],
            "torrents_each": count,
            "workers": 5,
            "full": full,
            "idle": idle,
        }
    finally:
        bench.release(instances)


@dataclass(frozen=True, slots=True)
class _Round:
    """One round: each client alone, then all at once (wall, client and servers' CPU)."""

    alone: list[float]
    wall: float
    cpu: float
    server: float


def measure_concurrency(
    clients: Sequence[Ours],
    pool: ThreadPoolExecutor,
    pids: Sequence[int],
    reps: int,
    *,
    full: bool,
) -> Json:
    """Each client alone, then all at once in the pool; per rep, concurrent / slowest alone.

    Idle rounds in which a client made its own periodic full resync are measured again.
    """
    rounds: list[_Round] = []
    attempts = 0
    while len(rounds) < reps:
        attempts += 1
        if attempts > 3 * reps:
            raise BenchError("idle rounds kept landing on periodic full resyncs")
        before = sum(client.full_syncs for client in clients)
        measured = _round(clients, pool, pids, full=full)
        if not full and sum(client.full_syncs for client in clients) != before:
            continue
        rounds.append(measured)
    cores = os.cpu_count() or 1
    concurrent = [r.wall for r in rounds]
    slowest = [max(r.alone) for r in rounds]
    return {
        "concurrent": stats(concurrent),
        "slowest_alone": stats(slowest),
        "sum_alone": stats([sum(r.alone) for r in rounds]),
        "client_cpu": stats([r.cpu for r in rounds]),
        "servers_cpu": stats([r.server for r in rounds]),
        "cpu_floor": stats([max(*r.alone, (r.cpu + r.server) / cores) for r in rounds]),
        "ratio": stats(ratios(concurrent, slowest)),
        # The target: the typical wall together vs the typical wall of the slowest alone (a
        # ratio of medians; one round's ratio carries the noise of both of its walls).
        "ratio_of_medians": statistics.median(concurrent) / statistics.median(slowest),
        "rounds_redone": attempts - reps,
    }


def _round(
    clients: Sequence[Ours], pool: ThreadPoolExecutor, pids: Sequence[int], *, full: bool
) -> _Round:
    """Each client alone (in the pool, one after the other), then all at once."""
    alone = [pool.submit(_refresh, client, full=full).result() for client in clients]
    if full:
        for client in clients:
            client.reset()
    server0 = sum(server_cpu(pid) for pid in pids)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    futures = [pool.submit(client.poll) for client in clients]
    for future in futures:
        future.result()
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    server = sum(server_cpu(pid) for pid in pids) - server0
    return _Round(alone, wall, cpu, server)


def _refresh(client: Ours, *, full: bool) -> float:
    """One client's refresh alone (from scratch when ``full``): its wall time."""
    if full:
        client.reset()
    t0 = time.perf_counter()
    client.poll()
    return time.perf_counter() - t0
