"""Scenario 9: one ``handle_torrents`` run over thousands of struck torrents, in Home Assistant.

The case of a tracker outage: every magnet on a 4.5 server stalled, one Radarr entry with
``strikes 3`` and neither stall delay nor minimum age, so each torrent is bad at once and gets
its first strike (the ``qbitrr-strike`` tag). The real integration runs in a real Home
Assistant core in this process (``hass``), against a real qbittorrent-nox behind
``devtools.fault_proxy.FaultProxy`` (which records every request reaching the server) and the
Arr emulator. Each repetition is a fresh Home Assistant with an empty store, and the server's
tags are cleared in between, so each one is the same first run.

Measured per run: the time ``handle_torrents`` takes to answer (``blocking=True``, with its
response), the longest event-loop stall meanwhile (``stall.LagProbe``), the client's CPU, the
requests the server received by endpoint, the ``qbitrr_torrent_action`` and
``qbitrr_handling_summary`` events fired, the state writes, and the torrents struck (in the
response and on the server).
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass
import gc
import time
from typing import TYPE_CHECKING, Any, Final

from custom_components.qbitrr.const import (
    CONF_APP,
    CONF_CATEGORY,
    CONF_KIND,
    DOMAIN,
    KIND_ARR,
    KIND_QBITTORRENT,
)
from custom_components.qbitrr.handling.report import (
    EVENT_HANDLING_SUMMARY,
    EVENT_TORRENT_ACTION,
    MAX_ACTION_EVENTS,
)
from custom_components.qbitrr.model.url import normalize_url
from custom_components.qbitrr.policy.model import TAG_STRIKE
from custom_components.qbitrr.policy.options import OPT_MIN_AGE, OPT_STALL_DELAY, OPT_STRIKES
from custom_components.qbitrr.services import SERVICE_HANDLE_TORRENTS
from devtools.arr_emulator import ArrEmulator
from devtools.fault_proxy import FaultProxy
from devtools.qbittorrent_server import wait_for
from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
    EVENT_STATE_CHANGED,
)
from homeassistant.core import Event, callback

from .common import BenchError, Json, log, stats
from .fill import fill, quiet
from .hass import add_entry, home_assistant, set_up
from .stall import LagProbe

if TYPE_CHECKING:
    from pathlib import Path

    from homeassistant.core import HomeAssistant

    from .fill import Instance
    from .runner import Benchmark

HANDLING_TORRENTS: Final = 10_000  # the count
SMOKE_HANDLING_TORRENTS: Final = 1_000  # --smoke: enough to cap the events, quick to fill
HANDLING_MAJOR: Final = 4  # the server: qBittorrent 4.5
CATEGORY: Final = "radarr"
ARR_OPTIONS: Final = {OPT_STALL_DELAY: 0, OPT_MIN_AGE: 0, OPT_STRIKES: 3}
API_KEY: Final = "bench-radarr-key"  # the emulator's; nothing real
STALLED_STATES: Final = frozenset({"metaDL", "forcedMetaDL", "stalledDL"})
API_PREFIX: Final = "/api/v2/"
OLDEST: Final = 2  # the collector's oldest generation: a full collection


@dataclass(frozen=True, slots=True)
class _Run:
    """One handle_torrents run as measured."""

    wall: float
    stall: float
    stall_without_gc: float
    gc_full: int  # full collections during the run
    gc_longest: float  # the collector's longest pause during the run
    cpu: float
    requests: dict[str, int]  # endpoint (``torrents/addTags``) -> requests
    request_seconds: dict[str, float]  # endpoint -> the proxy's time on its requests
    events: dict[str, int]  # event type -> fired during the run
    struck: int  # the response's summary
    struck_on_server: int  # torrents carrying the strike tag afterwards


def run_handling(bench: Benchmark) -> None:
    """Scenario 9 on its own server, filled with stalled magnets in one Arr's category."""
    count = bench.s.handling_torrents
    if count <= 0:
        return
    major = HANDLING_MAJOR if HANDLING_MAJOR in bench.s.majors else bench.s.majors[0]
    instance = bench.start_instance(major, f"handling-qbt{major}")
    try:
        fill(instance, count, bench.rng, history=False, categories=(CATEGORY,))
        runs: list[_Run] = []
        with (
            FaultProxy(instance.server.url) as proxy,
            ArrEmulator(CATEGORY, api_key=API_KEY) as radarr,
        ):
            for rep in range(bench.s.reps):
                _prepare(instance, count)
                log(f"{instance.version} @ {count:,}: handle_torrents, repetition {rep + 1}")
                config_dir = bench.workdir / f"hass-handling-{rep + 1}"
                config_dir.mkdir()
                run = asyncio.run(_measure(config_dir, instance, proxy, radarr))
                runs.append(run)
                log(
                    f"{instance.version} @ {count:,}: answered in {run.wall:.2f} s, longest"
                    f" stall {run.stall * 1e3:.1f} ms, {run.struck:,} struck"
                )
        bench.handling_result = _result(instance, count, runs)
    finally:
        bench.release([instance])


def _prepare(instance: Instance, count: int) -> None:
    """No torrent struck yet, every one stalled, the server quiet again."""
    api = instance.admin
    api.torrents_remove_tags(tags=TAG_STRIKE, torrent_hashes="all")

    def all_stalled() -> bool:
        torrents = api.torrents_info(category=CATEGORY)
        return count == sum(
            t["state"] in STALLED_STATES and TAG_STRIKE not in str(t["tags"]).split(", ")
            for t in torrents
        )

    wait_for(all_stalled, timeout=120.0, interval=1.0, message=f"{count} stalled, unstruck")
    quiet(instance)


async def _measure(
    config_dir: Path, instance: Instance, proxy: FaultProxy, radarr: ArrEmulator
) -> _Run:
    """Set qbitrr up in a fresh Home Assistant, then time one handle_torrents run."""
    async with home_assistant(config_dir) as hass:
        _add_entries(hass, instance, proxy, radarr)
        await set_up(hass)
        events = _count_events(hass)
        gc.collect()  # each run starts from the same heap (the collector stays on)
        async with LagProbe() as probe:
            proxy.clear_requests()
            events.clear()
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            response = await hass.services.async_call(
                DOMAIN, SERVICE_HANDLE_TORRENTS, {}, blocking=True, return_response=True
            )
            wall = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
            fired = dict(events)
            requests: Counter[str] = Counter()
            seconds: defaultdict[str, float] = defaultdict(float)
            for request in proxy.requests:
                requests[request.path.removeprefix(API_PREFIX)] += 1
                seconds[request.path.removeprefix(API_PREFIX)] += request.duration
    if response is None:
        raise BenchError("handle_torrents answered no response")
    summary: dict[str, Any] = response["summary"]  # type: ignore[assignment]
    return _Run(
        wall=wall,
        stall=probe.worst,
        stall_without_gc=probe.worst_without_gc,
        gc_full=sum(generation == OLDEST for _, _, generation in probe.gc_pauses),
        gc_longest=max((end - start for start, end, _ in probe.gc_pauses), default=0.0),
        cpu=cpu,
        requests=dict(sorted(requests.items())),
        request_seconds=dict(sorted(seconds.items())),
        events=fired,
        struck=summary["struck"],
        struck_on_server=len(instance.admin.torrents_info(tag=TAG_STRIKE)),
    )


def _add_entries(
    hass: HomeAssistant, instance: Instance, proxy: FaultProxy, radarr: ArrEmulator
) -> None:
    """The server's entry (through the proxy) and the Radarr entry, as the config flow would."""
    server = instance.server
    add_entry(
        hass,
        f"qBittorrent {instance.version}",
        {
            CONF_KIND: KIND_QBITTORRENT,
            CONF_URL: normalize_url(proxy.url),
            CONF_USERNAME: server.username,
            CONF_PASSWORD: server.password,
            CONF_VERIFY_SSL: True,
        },
    )
    add_entry(
        hass,
        "Radarr",
        {
            CONF_KIND: KIND_ARR,
            CONF_URL: normalize_url(radarr.url),
            CONF_API_KEY: radarr.api_key,
            CONF_VERIFY_SSL: True,
            CONF_APP: radarr.app,
            CONF_CATEGORY: CATEGORY,
        },
        ARR_OPTIONS,
    )


def _count_events(hass: HomeAssistant) -> Counter[str]:
    """Count the run's events by type, as they are fired."""
    counts: Counter[str] = Counter()

    @callback
    def count(event: Event[Any]) -> None:
        counts[str(event.event_type)] += 1

    for event_type in (EVENT_TORRENT_ACTION, EVENT_HANDLING_SUMMARY, EVENT_STATE_CHANGED):
        hass.bus.async_listen(event_type, count)
    return counts


def _result(instance: Instance, count: int, runs: list[_Run]) -> Json:
    """What the repetitions measured (the counts per run; struck: the fewest)."""
    last = runs[-1]
    return {
        "version": instance.version,
        "torrents": count,
        "reps": len(runs),
        "arr_options": ARR_OPTIONS,
        "seconds": stats([r.wall for r in runs]),
        "loop_stall": stats([r.stall for r in runs]),
        "loop_stall_without_gc": stats([r.stall_without_gc for r in runs]),
        "gc_full_collections": [r.gc_full for r in runs],
        "gc_longest_pause": stats([r.gc_longest for r in runs]),
        "client_cpu": stats([r.cpu for r in runs]),
        "add_tags_requests": [r.requests.get("torrents/addTags", 0) for r in runs],
        "requests": sum(sum(r.requests.values()) for r in runs) / len(runs),
        "requests_last_run": last.requests,
        "request_seconds_last_run": last.request_seconds,
        "action_events": [r.events.get(EVENT_TORRENT_ACTION, 0) for r in runs],
        "action_events_cap": MAX_ACTION_EVENTS,
        "summary_events": [r.events.get(EVENT_HANDLING_SUMMARY, 0) for r in runs],
        "state_writes": max(r.events.get(str(EVENT_STATE_CHANGED), 0) for r in runs),
        "struck": min(r.struck for r in runs),
        "struck_on_server": min(r.struck_on_server for r in runs),
    }
