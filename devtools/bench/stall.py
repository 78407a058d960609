"""Scenario 8: how long the event loop stalls while a full refresh runs in the executor."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import TYPE_CHECKING, Final, Self

from .clients import Ours, log_out, make_baseline
from .common import Json, log, ratios, stats
from .machine import Phase, sample

if TYPE_CHECKING:
    from collections.abc import Callable

    from .fill import Instance
    from .runner import Benchmark

PROBE_SLEEP: Final = 0.005  # the event-loop lag probe's sleep
FULL_GENERATION: Final = 2  # the oldest generation: a collection of the whole heap
MAX_REDONE: Final = 3  # refreshes measured again because the machine slowed them, at most


def measure_stall(bench: Benchmark, instance: Instance, size: int) -> Json:
    """Longest event-loop stall while a full refresh runs in the default executor.

    Each refresh starts from the same collector state (`gc.collect()` first, as the plan's
    repetitions do): otherwise whichever refresh happens to push the collector over its
    threshold, after the survivors of the earlier ones (the baseline's among them), meets a
    full collection of the benchmark's whole heap. Its length is the heap's, not the refresh's;
    the collector's pauses inside each refresh are reported beside the stall all the same.
    A refresh during which other processes or the hypervisor took a quarter of a core or
    more is measured again (at most `MAX_REDONE` times; reported).
    """
    log(f"{instance.version} @ {size:,}: event-loop stall during a full refresh")
    floor = asyncio.run(loop_lag(None))[0]
    ours: list[float] = []
    ours_wall: list[float] = []
    ours_gc: list[float] = []
    full_collections: list[int] = []
    base: list[float] = []
    base_wall: list[float] = []
    redone = 0
    while len(ours) < bench.s.reps:
        client = Ours(instance.server, None)
        try:
            gc.collect()
            before = sample()
            stall, wall, pauses = asyncio.run(loop_lag(client.poll))
            during = Phase.between("refresh", before, sample())
        finally:
            client.close()
        if during.slowed and redone < MAX_REDONE:
            # Other processes or the hypervisor took the cores for this very refresh (a
            # burst the phase's average hides): measured again, and counted.
            log(f"   refresh measured again: {during.describe()}")
            redone += 1
            continue
        ours.append(stall)
        ours_wall.append(wall)
        ours_gc.append(max((end - start for start, end, _ in pauses), default=0.0))
        full_collections.append(sum(generation == FULL_GENERATION for _, _, generation in pauses))
        api = make_baseline(instance.server, None)
        try:
            gc.collect()
            stall, wall, _ = asyncio.run(loop_lag(api.sync_maindata))
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
        "ours_gc_longest_pause": stats(ours_gc),
        "ours_full_collections": full_collections,
        "ours_redone": redone,
        "baseline_refresh_wall": stats(base_wall),
    }


async def loop_lag(
    call: Callable[[], object] | None,
) -> tuple[float, float, list[tuple[float, float, int]]]:
    """Longest stall while ``call`` runs in the default executor (or 0.3 s idle).

    Returns (longest stall, refresh wall time, the collector's pauses meanwhile).
    """
    loop = asyncio.get_running_loop()
    async with LagProbe() as probe:
        t0 = time.perf_counter()
        if call is None:
            await asyncio.sleep(0.3)
        else:
            await loop.run_in_executor(None, call)
        wall = time.perf_counter() - t0
    return probe.worst, wall, probe.gc_pauses


class LagProbe:
    """The longest overshoot of a 5 ms sleep on the running loop while the block runs.

    ``async with LagProbe() as probe: ...`` then ``probe.worst`` (seconds): how long the event
    loop was held at a stretch, the stall an automation or the UI would feel. The collector's
    pauses meanwhile (any thread's: each holds the GIL, so the loop waits too) are kept in
    ``gc_pauses``, and ``worst_without_gc`` is the longest overshoot once they are taken out.
    """

    def __init__(self) -> None:
        """Nothing runs yet."""
        self.worst = 0.0
        self.worst_without_gc = 0.0
        self.gc_pauses: list[tuple[float, float, int]] = []  # (start, end, generation)
        self._gc_started = 0.0
        self._done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        """Start probing; the first 50 ms (the probe's own start) are not counted."""
        gc.callbacks.append(self._on_gc)
        self._task = asyncio.create_task(self._probe())
        await asyncio.sleep(0.05)
        self.worst = self.worst_without_gc = 0.0
        self.gc_pauses.clear()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Stop probing."""
        self._done.set()
        if self._task is not None:
            await self._task
        gc.callbacks.remove(self._on_gc)

    async def _probe(self) -> None:
        while not self._done.is_set():
            t0 = time.perf_counter()
            await asyncio.sleep(PROBE_SLEEP)
            t1 = time.perf_counter()
            overshoot = t1 - t0 - PROBE_SLEEP
            self.worst = max(self.worst, overshoot)
            collecting = 0.0
            for start, end, _ in reversed(self.gc_pauses):  # in time order: the last ones
                if end <= t0:
                    break
                collecting += min(end, t1) - max(start, t0)
            self.worst_without_gc = max(self.worst_without_gc, overshoot - collecting)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pauses.append((self._gc_started, time.perf_counter(), info["generation"]))
