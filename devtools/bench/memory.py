"""Scenario 5: the memory of the held model after one full sync, per torrent (tracemalloc)."""

from __future__ import annotations

import contextlib
import gc
from pathlib import Path
import tracemalloc
from typing import TYPE_CHECKING

from .clients import Ours, log_out, make_baseline
from .common import ROOT, Json, log, ratios, stats

if TYPE_CHECKING:
    from collections.abc import Callable

    from .fill import Instance
    from .runner import Benchmark


def measure_memory(bench: Benchmark, instance: Instance, size: int) -> Json:
    """Tracemalloc difference around one full sync, held; divided by the torrents."""
    ours_sizes: list[float] = []
    ours_peaks: list[float] = []
    base_sizes: list[float] = []
    base_peaks: list[float] = []
    sites: list[Json] = []
    log(f"{instance.version} @ {size:,}: held model (tracemalloc)")
    for rep in range(bench.s.memory_reps):
        client = Ours(instance.server, None)
        try:
            held, peak, top = traced(client.poll, with_sites=rep == 0)
        finally:
            client.close()
        ours_sizes.append(held / size)
        ours_peaks.append(peak / size)
        if top:
            sites = top
        api = make_baseline(instance.server, None)
        try:
            held, peak, _ = traced(api.sync_maindata, with_sites=False)
        finally:
            log_out(api)
        base_sizes.append(held / size)
        base_peaks.append(peak / size)
    return {
        "ours": stats(ours_sizes),
        "baseline": stats(base_sizes),
        "ratio": stats(ratios(ours_sizes, base_sizes)),
        "ours_peak": stats(ours_peaks),
        "baseline_peak": stats(base_peaks),
        "ours_sites": sites,
    }


def traced(call: Callable[[], object], *, with_sites: bool) -> tuple[int, int, list[Json]]:
    """Bytes still held after ``call()`` (its result kept), the peak, and the top sites."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        tracemalloc.reset_peak()
        start, _ = tracemalloc.get_traced_memory()
        result = call()
        gc.collect()
        _, peak = tracemalloc.get_traced_memory()
        after = tracemalloc.take_snapshot()
        differences = after.compare_to(before, "lineno")
        held = sum(d.size_diff for d in differences)
        sites: list[Json] = []
        if with_sites:
            for difference in differences[:6]:
                frame = difference.traceback[0]
                sites.append(
                    {
                        "site": f"{short_path(frame.filename)}:{frame.lineno}",
                        "bytes": difference.size_diff,
                        "blocks": difference.count_diff,
                    }
                )
        del result
    finally:
        tracemalloc.stop()
    return held, peak - start, sites


def short_path(filename: str) -> str:
    """A file name relative to the repository or to site-packages."""
    path = Path(filename)
    with contextlib.suppress(ValueError):
        return str(path.relative_to(ROOT))
    parts = path.parts
    if "site-packages" in parts:
        return "/".join(parts[parts.index("site-packages") + 1 :])
    return path.name
