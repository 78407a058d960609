"""Scenario 8: how long the event loop stalls while a full refresh runs in the executor."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Final

from .clients import Ours, log_out, make_baseline
from .common import Json, log, ratios, stats

if TYPE_CHECKING:
    from collections.abc import Callable

    from .fill import Instance
    from .runner import Benchmark

PROBE_SLEEP: Final = 0.005  # the event-loop lag probe's sleep


def measure_stall(bench: Benchmark, instance: Instance, size: int) -> Json:
    """Longest event-loop stall while a full refresh runs in the default executor."""
    log(f"{instance.version} @ {size:,}: event-loop stall during a full refresh")
    floor = asyncio.run(loop_lag(None))[0]
    ours: list[float] = []
    ours_wall: list[float] = []
    base: list[float] = []
    base_wall: list[float] = []
    for _ in range(bench.s.reps):
        client = Ours(instance.server, None)
        try:
            stall, wall = asyncio.run(loop_lag(client.poll))
        finally:
            client.close()
        ours.append(stall)
        ours_wall.append(wall)
        api = make_baseline(instance.server, None)
        try:
            stall, wall = asyncio.run(loop_lag(api.sync_maindata))
        finally:
            log_out(api)
        base.append(stall)
        base_wall.append(wall)
    return {
        "version": instance.version,
        "size": size,
        "probe_floor_s": floor,
        "ours": stats(ours),
        "baseline": stats(base),
        "ratio": stats(ratios(ours, base)),
        "ours_refresh_wall": stats(ours_wall),
        "baseline_refresh_wall": stats(base_wall),
    }


async def loop_lag(call: Callable[[], object] | None) -> tuple[float, float]:
    """Max overshoot of a 5 ms sleep while ``call`` runs in the default executor (or 0.3 s idle).

    Returns (longest stall, refresh wall time).
    """
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    worst = 0.0

    async def probe() -> None:
        nonlocal worst
        while not done.is_set():
            t0 = time.perf_counter()
            await asyncio.sleep(PROBE_SLEEP)
            worst = max(worst, time.perf_counter() - t0 - PROBE_SLEEP)

    task = asyncio.create_task(probe())
    await asyncio.sleep(0.05)
    worst = 0.0
    t0 = time.perf_counter()
    if call is None:
        await asyncio.sleep(0.3)
        result: object = None
    else:
        result = await loop.run_in_executor(None, call)
    wall = time.perf_counter() - t0
    done.set()
    await task
    del result
    return worst, wall
