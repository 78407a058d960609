"""Scenario 6: five servers (4.5 and 5.x) refreshing at once against the slowest one alone.

Each server behind its own ``FaultProxy`` holding each of a poll's requests ``LATENCY`` s, as a
server across a network or a busy NAS answers: refreshing is bound by waiting, and five that
overlap take about as long as the slowest alone. The five servers still share this machine's
cores, though, so their answers slow each other down; the target therefore reads each round
with every server's answer time (the proxy's upstream time) as long as it took alone, as if each
ran on a machine of its own. What is left is qbitrr's: one executor job per server, no lock
between them, and its own CPU (one interpreter) parsing five replies. Shown beside it, not
counted: the same rounds as measured, and the servers co-located without latency (where the
figure measures the machine).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import contextlib
from dataclasses import dataclass
import math
import os
import re
import statistics
import time
from typing import TYPE_CHECKING, Final

from devtools.fault_proxy import Fault, FaultProxy

from .clients import Ours, WireMeter
from .common import CHANGE_WAIT, BenchError, Json, log, ratios, server_cpu, stats
from .fill import fill, quiet

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .fill import Instance
    from .runner import Benchmark

INSTANCE_MAJORS: Final = (4, 5, 4, 5, 4)  # the 5-instance scenario's mix
INSTANCE_REPS: Final = 15  # rounds of the co-located figure, at least (not in smoke mode)
PROXIED_REPS: Final = 6  # rounds of the latency-bound figure (waiting: little noise)
LATENCY: Final = 0.3  # seconds the proxy holds each of a poll's requests
# The poll's requests (sync/maindata; on 4.x the private-flag asks, torrents/properties).
# Logins and version reads at set-up pass at once: a full refresh is timed from its poll.
DELAYED: Final = r"^/api/v2/(sync|torrents)/"
PROPERTIES: Final = "/api/v2/torrents/properties"
WARM_POLLS: Final = 200  # polls to learn every private flag on 4.x, at most


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
        result: Json = {
            "versions": [i.version for i in instances],
            "torrents_each": count,
            "workers": len(instances),
            "latency_s": LATENCY,
        }
        # A co-located round takes about a second at 1k torrents: enough of them for a steady
        # median.
        reps = bench.s.reps if bench.s.smoke else max(bench.s.reps, INSTANCE_REPS)
        log(f"5 instances x {count:,}: concurrent refreshes, co-located")
        with bench.machine.phase("instances, co-located"):
            result["colocated"] = _colocated(instances, reps)
        reps = bench.s.reps if bench.s.smoke else max(bench.s.reps, PROXIED_REPS)
        log(f"5 instances x {count:,}: concurrent refreshes, {LATENCY * 1e3:.0f} ms per request")
        with bench.machine.phase("instances, latency-bound"):
            result |= _proxied(instances, reps)
        bench.instances_result = result
    finally:
        bench.release(instances)


def _colocated(instances: Sequence[Instance], reps: int) -> Json:
    """The clients polling the servers directly: full rounds, then idle ones."""
    clients = [Ours(i.server, WireMeter()) for i in instances]
    pids = [i.pid for i in instances]
    try:
        for client in clients:
            client.poll()
        time.sleep(CHANGE_WAIT)  # new magnets change state for ~1 s
        for client in clients:
            client.poll()
        with ThreadPoolExecutor(max_workers=len(clients), thread_name_prefix="bench") as pool:
            full = measure_concurrency(clients, pool, pids, reps, full=True)
            idle = measure_concurrency(clients, pool, pids, reps, full=False)
    finally:
        for client in clients:
            client.close()
    return {"full": full, "idle": idle}


def _proxied(instances: Sequence[Instance], reps: int) -> Json:
    """Each server behind a proxy holding each poll request ``LATENCY`` s: idle, then full.

    The clients first learn every private flag (4.x asks 20 torrents per poll), so a routine
    poll is one request; the full rounds start each client afresh, asks included.
    """
    with contextlib.ExitStack() as stack:
        proxies = [stack.enter_context(FaultProxy(i.server.url)) for i in instances]
        behind = [_Behind(p, i) for p, i in zip(proxies, instances, strict=True)]
        clients = [Ours(endpoint, WireMeter()) for endpoint in behind]
        for client in clients:
            stack.callback(client.close)
        pids = [i.pid for i in instances]
        with ThreadPoolExecutor(max_workers=len(clients), thread_name_prefix="bench") as pool:
            for future in [
                pool.submit(_learn_flags, c, p) for c, p in zip(clients, proxies, strict=True)
            ]:
                future.result()
            for proxy in proxies:
                proxy.inject(DELAYED, Fault.delay(LATENCY))
            idle = measure_concurrency(clients, pool, pids, reps, full=False, proxies=proxies)
            full = measure_concurrency(clients, pool, pids, reps, full=True, proxies=proxies)
    return {"full": full, "idle": idle}


@dataclass(frozen=True, slots=True)
class _Behind:
    """A server's login at its proxy's address."""

    proxy: FaultProxy
    instance: Instance

    @property
    def url(self) -> str:
        return self.proxy.url

    @property
    def username(self) -> str:
        return self.instance.server.username

    @property
    def password(self) -> str:
        return self.instance.server.password


def _learn_flags(client: Ours, proxy: FaultProxy) -> None:
    """Poll (without delay) until a poll asks no torrent's properties any more."""
    for _ in range(WARM_POLLS):
        proxy.clear_requests()
        client.poll()
        if not any(r.path == PROPERTIES for r in proxy.requests):
            proxy.clear_requests()
            return
    raise BenchError(f"{proxy!r}: still asking private flags after {WARM_POLLS} polls")


@dataclass(frozen=True, slots=True)
class _Round:
    """One round: each client alone, then all at once (wall, client and servers' CPU).

    Behind proxies also the servers' own answer times (the proxies' upstream seconds), each
    client's alone and together, so that the round can be read as if every server ran on its
    own machine: each client's wall together with its server's answer time taken as it was
    alone (``apart``).
    """

    alone: list[float]
    wall: float
    cpu: float
    server: float
    apart: float = math.nan
    answer_alone: float = math.nan  # the slowest server's answer time alone
    answer_together: float = math.nan  # the same, all at once


def measure_concurrency(
    clients: Sequence[Ours],
    pool: ThreadPoolExecutor,
    pids: Sequence[int],
    reps: int,
    *,
    full: bool,
    proxies: Sequence[FaultProxy] = (),
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
        measured = _round(clients, pool, pids, full=full, proxies=proxies)
        if not full and sum(client.full_syncs for client in clients) != before:
            continue
        rounds.append(measured)
    cores = os.cpu_count() or 1
    concurrent = [r.wall for r in rounds]
    slowest = [max(r.alone) for r in rounds]
    result: Json = {
        "concurrent": stats(concurrent),
        "slowest_alone": stats(slowest),
        "sum_alone": stats([sum(r.alone) for r in rounds]),
        "client_cpu": stats([r.cpu for r in rounds]),
        "servers_cpu": stats([r.server for r in rounds]),
        "cpu_floor": stats([max(*r.alone, (r.cpu + r.server) / cores) for r in rounds]),
        "ratio": stats(ratios(concurrent, slowest)),
        # The typical wall together vs the typical wall of the slowest alone (a ratio of
        # medians; one round's ratio carries the noise of both of its walls).
        "ratio_of_medians": statistics.median(concurrent) / statistics.median(slowest),
        "rounds_redone": attempts - reps,
    }
    if proxies:
        apart = [r.apart for r in rounds]
        result |= {
            "apart": stats(apart),
            "ratio_apart": stats(ratios(apart, slowest)),
            "ratio_of_medians_apart": statistics.median(apart) / statistics.median(slowest),
            "server_answer_alone": stats([r.answer_alone for r in rounds]),
            "server_answer_together": stats([r.answer_together for r in rounds]),
        }
    return result


def _round(
    clients: Sequence[Ours],
    pool: ThreadPoolExecutor,
    pids: Sequence[int],
    *,
    full: bool,
    proxies: Sequence[FaultProxy],
) -> _Round:
    """Each client alone (in the pool, one after the other), then all at once."""
    alone: list[float] = []
    answer_alone: list[float] = []
    for index, client in enumerate(clients):
        alone.append(pool.submit(_refresh, client, full=full).result())
        if proxies:
            answer_alone.append(_answer_seconds(proxies[index]))
    if full:
        for client in clients:
            client.reset()
    for proxy in proxies:
        proxy.clear_requests()
    server0 = sum(server_cpu(pid) for pid in pids)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    futures = [pool.submit(_refresh, client, full=False) for client in clients]
    walls = [future.result() for future in futures]
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    server = sum(server_cpu(pid) for pid in pids) - server0
    if not proxies:
        return _Round(alone, wall, cpu, server)
    together = [_answer_seconds(proxy) for proxy in proxies]
    # Each server's answer as long as it took alone: the servers on machines of their own.
    apart = max(
        w - answer + own for w, answer, own in zip(walls, together, answer_alone, strict=True)
    )
    return _Round(alone, wall, cpu, server, apart, max(answer_alone), max(together))


def _answer_seconds(proxy: FaultProxy) -> float:
    """The upstream's answer time on the poll requests the proxy saw since it was last asked."""
    requests = proxy.requests
    proxy.clear_requests()
    return sum(r.upstream_seconds for r in requests if re.search(DELAYED, r.path))


def _refresh(client: Ours, *, full: bool) -> float:
    """One client's refresh (from scratch when ``full``): its wall time."""
    if full:
        client.reset()
    t0 = time.perf_counter()
    client.poll()
    return time.perf_counter() - t0
