"""Scenarios 1-4 on one server and size: bytes, client CPU, wall time and server CPU per poll."""

from __future__ import annotations

import statistics
import time
from typing import TYPE_CHECKING, Final

from .clients import Ours, WireMeter, log_out, make_baseline
from .common import CHANGE_COUNTS, CHANGE_WAIT, BenchError, Json, log, stats
from .fill import flip, settle
from .polls import SCENARIOS, Poll, Reps, background_rate, median_poll, poll_window, timed_poll

if TYPE_CHECKING:
    import qbittorrentapi

    from .fill import Instance
    from .runner import Benchmark

QUIET_POLLS: Final = 5  # unmeasured polls at most before a change, until one lists nothing
CHANGE_REPEATS: Final = 3  # 100-changed polls per repetition (not in smoke mode)


def measure_polls(bench: Benchmark, instance: Instance, size: int) -> Json:
    """Every repetition on one server and size, summed up."""
    meter_o, meter_b = WireMeter(), WireMeter()
    ours = Ours(instance.server, meter_o)
    base = make_baseline(instance.server, meter_b)
    log(f"{instance.version} @ {size:,}: settling")
    settle(ours, meter_o)
    reps = Reps()
    try:
        for rep in range(bench.s.reps):
            log(f"{instance.version} @ {size:,}: repetition {rep + 1}/{bench.s.reps}")
            poll_rep(
                bench, instance, ours=ours, meter_o=meter_o, base=base, meter_b=meter_b, reps=reps
            )
    finally:
        ours.close()
        log_out(base)
    return {
        "version": instance.version,
        "major": instance.server.major,
        "size": size,
        "reps": bench.s.reps,
        "encodings": sorted(meter_o.encodings | meter_b.encodings),
        "server_background_cpu": stats(reps.background),
        "reply_torrents": reps.reply_torrents,
        "periodic_fulls_in_idle_windows": reps.periodic_fulls,
        "change_polls_retried": reps.retried_changes,
        "change_polls_crowded": reps.retried_crowded,
        "resync_polls": bench.resync,
        "metrics": reps.summary(),
    }


def poll_rep(
    bench: Benchmark,
    instance: Instance,
    *,
    ours: Ours,
    meter_o: WireMeter,
    base: qbittorrentapi.Client,
    meter_b: WireMeter,
    reps: Reps,
) -> None:
    """One repetition: baseline window, ours full, ours idle window, ours after changes."""
    pid = instance.pid
    rate_before = background_rate(pid, bench.s.background)
    # Baseline: the full reply on every poll.
    window_b = poll_window(base.sync_maindata, meter_b, pid, min_polls=1, seconds=bench.s.window)
    # Ours at start or after an error: a full reply, merged from scratch.
    ours.reset()
    full = timed_poll(ours.poll, meter_o, pid, ours)
    # Ours with nothing changed: back-to-back polls. Polls that were the client's own
    # periodic full resync count for the cycle, not as idle polls.
    window_o = poll_window(ours.poll, meter_o, pid, ours, min_polls=3, seconds=bench.s.window)
    rate = (rate_before + background_rate(pid, bench.s.background)) / 2
    reps.background.append(rate)
    _note_idle(bench, reps, full, window_o, rate)
    # Ours after 10 / 100 torrents changed. The server CPU per hour while active reads the
    # 100-changed poll: one poll's server CPU catches whatever else the server did meanwhile,
    # so it is measured a few times and the median poll kept.
    for count in CHANGE_COUNTS:
        scenario = f"changed_{count}"
        polls: list[Poll] = []
        repeats = CHANGE_REPEATS if count == max(CHANGE_COUNTS) and not bench.s.smoke else 1
        for _ in range(repeats):
            poll, carried = _changed_poll(bench, instance, ours, meter_o, reps=reps, count=count)
            polls.append(poll)
            reps.reply_torrents.setdefault(scenario, []).append(carried)
        reps.note("ours", scenario, _median_server(polls, rate))
    baseline_poll = median_poll(window_b, rate)
    for scenario in SCENARIOS:
        reps.note("baseline", scenario, baseline_poll)


def _median_server(polls: list[Poll], rate: float) -> Poll:
    """The median poll, with the median of the polls' server CPU (background taken out)."""
    poll = median_poll(polls, rate)
    poll.server = statistics.median(max(0.0, p.server - rate * p.wall) for p in polls)
    return poll


def _note_idle(bench: Benchmark, reps: Reps, full: Poll, window: list[Poll], rate: float) -> None:
    """Ours full, idle, and averaged over one resync cycle, from a full poll and an idle window."""
    incremental = [poll for poll in window if not poll.full]
    resyncs = [poll for poll in window if poll.full]
    reps.periodic_fulls += len(resyncs)
    if not incremental:
        raise BenchError("every poll of the idle window was a full sync")
    idle = median_poll(incremental, rate)
    full_poll = median_poll([full, *resyncs], rate)
    reps.note("ours", "full", full_poll)
    reps.note("ours", "idle", idle)
    # Over one resync cycle: `resync` incremental polls, then a full one.
    reps.note("ours", "idle_cycle", Poll.combine([idle, full_poll], [bench.resync, 1]))


def _changed_poll(
    bench: Benchmark, instance: Instance, ours: Ours, meter: WireMeter, *, reps: Reps, count: int
) -> tuple[Poll, int]:
    """Ours after ``count`` torrents changed, and how many torrents its reply carried.

    qBittorrent 5.x lists a changed torrent again about one refresh later, with its new
    active time and popularity: the server is first polled until it lists nothing, so the
    measured reply carries this change alone. Measured again when the poll was a periodic
    resync, or when its reply still carried more than the change: the figure is the cost of
    ``count`` changed torrents. Both are counted.
    """
    for _attempt in range(3):
        _quiet(ours, meter)
        flip(instance, count, bench.rng)
        time.sleep(CHANGE_WAIT)
        meter.keep_body = True
        poll = timed_poll(ours.poll, meter, instance.pid, ours)
        meter.keep_body = False
        carried = meter.reply_torrents()
        if poll.full:
            reps.retried_changes += 1
        elif carried > count + count // 5:
            reps.retried_crowded += 1
        else:
            return poll, carried
    raise BenchError("three change polls in a row were full syncs or carried other changes")


def _quiet(ours: Ours, meter: WireMeter) -> None:
    """Poll (unmeasured) until a reply lists no torrent: earlier changes all reported."""
    meter.keep_body = True
    try:
        for _ in range(QUIET_POLLS):
            time.sleep(CHANGE_WAIT)
            meter.reset()
            ours.poll()
            if meter.reply_torrents() == 0:
                return
    finally:
        meter.keep_body = False
        meter.last_body = None
