"""One measured poll (bytes, client CPU, wall time, server CPU), and what repetitions collect."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
import math
import statistics
import time
from typing import TYPE_CHECKING, Final

from .common import BASELINE_INTERVAL, BenchError, Json, ratios, server_cpu, stats

if TYPE_CHECKING:
    from .clients import Ours, WireMeter

SCENARIOS: Final = ("full", "idle", "idle_cycle", "changed_10", "changed_100")
SCENARIO_LABELS: Final = {
    "full": "full refresh",
    "idle": "idle",
    "idle_cycle": "idle+resyncs",  # idle polls and the client's periodic full resyncs, averaged
    "changed_10": "10 changed",
    "changed_100": "100 changed",
}


@dataclass(slots=True)
class Poll:
    """One measured poll."""

    wire: float  # response body bytes as received (gzip-compressed when the server compressed)
    body: float  # decoded JSON bytes
    cpu: float  # client CPU seconds (this process)
    wall: float  # seconds
    server: float = 0.0  # server CPU seconds from just before to just after the poll
    full: bool = False  # ours: the client asked for (or got) a full rid=0 reply
    interval: float = math.nan  # ours: seconds the integration would wait after this poll

    @classmethod
    def combine(cls, polls: Sequence[Poll], weights: Sequence[float]) -> Poll:
        """The weighted mean of some polls (e.g. one resync cycle)."""
        total = sum(weights)

        def mean(attribute: str) -> float:
            values = (float(getattr(p, attribute)) * w for p, w in zip(polls, weights, strict=True))
            return sum(values) / total

        return cls(
            mean("wire"),
            mean("body"),
            mean("cpu"),
            mean("wall"),
            mean("server"),
            interval=polls[0].interval,
        )


POLL_FIELDS: Final = ("wire", "body", "cpu", "wall")


def timed_poll(
    call: Callable[[], object], meter: WireMeter, pid: int, client: Ours | None = None
) -> Poll:
    """Run one poll and measure it.

    The reply stays referenced until the clocks stop (its release is not part of the poll:
    Home Assistant frees the previous data later, when the next one replaces it). The
    server's CPU counters are read just outside the client's clocks.
    """
    meter.reset()
    fulls = client.full_syncs if client is not None else 0
    server0 = server_cpu(pid)
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    result = call()
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    server = server_cpu(pid) - server0
    if meter.replies == 0:
        raise BenchError("a poll sent no sync/maindata request")
    full = client is None or client.full_syncs != fulls
    interval = client.interval_after(wall) if client is not None else math.nan
    poll = Poll(meter.wire, meter.body, cpu, wall, server, full, interval)
    del result
    return poll


def median_poll(polls: Sequence[Poll], background: float) -> Poll:
    """One poll of the medians of some polls.

    Server CPU is the mean with the idle background taken out (ticks are 10 ms: only the sum
    over many polls resolves a cheap one).
    """

    def median(attribute: str) -> float:
        return statistics.median(float(getattr(poll, attribute)) for poll in polls)

    spent = sum(p.server for p in polls) - background * sum(p.wall for p in polls)
    return Poll(
        median("wire"),
        median("body"),
        median("cpu"),
        median("wall"),
        max(0.0, spent) / len(polls),
        full=all(p.full for p in polls),
        interval=median("interval"),
    )


def poll_window(
    call: Callable[[], object],
    meter: WireMeter,
    pid: int,
    client: Ours | None = None,
    *,
    min_polls: int,
    seconds: float,
) -> list[Poll]:
    """Poll back to back until ``min_polls`` and ``seconds`` are both reached."""
    polls: list[Poll] = []
    t0 = time.perf_counter()
    while len(polls) < min_polls or time.perf_counter() - t0 < seconds:
        polls.append(timed_poll(call, meter, pid, client))
    return polls


def background_rate(pid: int, seconds: float) -> float:
    """The server's CPU use while nobody polls it (CPU seconds per second)."""
    cpu0 = server_cpu(pid)
    t0 = time.perf_counter()
    time.sleep(seconds)
    return (server_cpu(pid) - cpu0) / (time.perf_counter() - t0)


@dataclass(slots=True)
class Reps:
    """What the repetitions of one server and size collected."""

    # side ("ours"/"baseline") -> scenario -> one Poll per repetition
    polls: dict[str, dict[str, list[Poll]]] = field(
        default_factory=lambda: {"ours": {}, "baseline": {}}
    )
    background: list[float] = field(default_factory=list)
    reply_torrents: dict[str, list[int]] = field(default_factory=dict)
    periodic_fulls: int = 0  # full resyncs the client made by itself inside idle windows
    retried_changes: int = 0  # change polls repeated because they fell on a periodic resync
    retried_crowded: int = 0  # ... because their reply carried other torrents than the change

    def note(self, side: str, scenario: str, poll: Poll) -> None:
        """Record one repetition's poll."""
        self.polls[side].setdefault(scenario, []).append(poll)

    def summary(self) -> Json:
        """Min / median / max of ours, the baseline and their per-repetition ratio."""
        metrics: Json = {}
        for attribute in (*POLL_FIELDS, "server"):
            rows: Json = {}
            for scenario in SCENARIOS:
                o = [float(getattr(p, attribute)) for p in self.polls["ours"][scenario]]
                b = [float(getattr(p, attribute)) for p in self.polls["baseline"][scenario]]
                rows[scenario] = {
                    "ours": stats(o),
                    "baseline": stats(b),
                    "ratio": stats(ratios(o, b)),
                }
            metrics[attribute] = rows
        metrics["server_cpu_per_hour"] = self._per_hour()
        return metrics

    def _per_hour(self) -> Mapping[str, Json]:
        """Server CPU per hour: ours at the interval the integration picks after such a poll.

        Idle: over a whole resync cycle; active: polls that each bring 100 changes. The
        baseline polls every 30 s.
        """
        hour_b = [p.server * 3600 / BASELINE_INTERVAL for p in self.polls["baseline"]["full"]]
        rows: dict[str, Json] = {}
        for name, scenario in (("idle", "idle_cycle"), ("active", "changed_100")):
            polls = self.polls["ours"][scenario]
            intervals = [p.interval for p in polls]
            hour_o = [p.server * 3600 / i for p, i in zip(polls, intervals, strict=True)]
            rows[name] = {
                "ours": stats(hour_o),
                "baseline": stats(hour_b),
                "ratio": stats(ratios(hour_o, hour_b)),
                "ours_interval_s": stats(intervals),
                "baseline_interval_s": BASELINE_INTERVAL,
            }
        return rows
