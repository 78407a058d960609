"""The benchmark's targets and report rows: margins, the 5-instance figure read, slowed phases."""

from __future__ import annotations

import os
from typing import Any

from devtools.bench.machine import SLOWED_CORES, MachineWatch, Phase, Sample
from devtools.bench.report import margin_text
from devtools.bench.targets import INSTANCES_LIMIT, Target, _instance_targets


def _target(value: float, limit: float, **kwargs: Any) -> Target:
    return Target("figure", "scope", value, limit, str(value), f"≤ {limit}", **kwargs)


def test_every_kind_of_row_gets_a_margin() -> None:
    assert margin_text(_target(0.5, 2.0)) == "4x under"
    assert margin_text(_target(3.0, 2.0)) == "1.5x over"
    assert margin_text(_target(0.0, 2.0)) == "nothing measured: under any limit"
    assert margin_text(_target(1, 1, exact=True)) == "exact"
    assert margin_text(_target(4, 1, exact=True)) == "off by +3"


def _concurrency(ratio: float, apart: float) -> dict[str, Any]:
    return {"ratio_of_medians": ratio, "ratio_of_medians_apart": apart}


def test_the_instances_target_reads_the_servers_apart() -> None:
    result = {
        "torrents_each": 1000,
        "latency_s": 0.3,
        "full": _concurrency(1.5, 1.1),
        "idle": _concurrency(1.3, 1.0),
        "colocated": {"full": {"ratio_of_medians": 3.0}, "idle": {"ratio_of_medians": 2.0}},
    }
    targets = _instance_targets(result)
    counted = [(t.scope, t.value, t.passed) for t in targets if not t.extra]
    assert counted == [
        ("5 x 1,000, 300 ms/request, servers apart", 1.1, True),
        ("5 x 1,000, 300 ms/request, servers apart", 1.0, True),
    ]
    extra = sorted(t.value for t in targets if t.extra)
    assert extra == [1.3, 1.5, 2.0, 3.0]
    assert all(t.limit == INSTANCES_LIMIT for t in targets)


def test_a_phase_is_slowed_by_what_others_used() -> None:
    start = Sample(wall=0.0, busy=100.0, steal=0.0, ours=10.0)
    # 10 s: the machine was busy 15 CPU-s, the bench's own tree 12 of them.
    busy = Phase.between("busy", start, Sample(10.0, 115.0, 0.0, 22.0))
    assert busy.others == 0.3
    assert busy.slowed
    assert "other processes used 0.30 of" in busy.describe()
    mostly_ours = Phase.between("ours", start, Sample(10.0, 115.0, 0.0, 24.0))
    assert mostly_ours.others == 0.1
    assert mostly_ours.others < SLOWED_CORES
    assert not mostly_ours.slowed
    # Counters that step unevenly never give a negative share, nor more than the cores.
    assert Phase.between("x", start, Sample(10.0, 110.0, 0.0, 25.0)).others == 0.0
    blip = Phase.between("blip", start, Sample(1e-6, 100.01, 0.0, 10.0))
    assert blip.others == os.cpu_count()


def test_the_watch_reports_slowed_phases_only() -> None:
    watch = MachineWatch()
    watch.phases["polls"] = Phase("polls", 10.0, 0.1, 0.0)
    watch.phases["plan"] = Phase("plan", 10.0, 0.9, 0.0)
    assert watch.slowed("polls") is None
    assert watch.slowed("plan") is watch.phases["plan"]
    assert watch.slowed("never measured") is None
    assert watch.slowed("") is None
    assert [p["slowed"] for p in watch.as_json()["phases"]] == [False, True]
