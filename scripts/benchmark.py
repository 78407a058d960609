"""Benchmark qbitrr's qBittorrent polling against the core integration's (``scripts/bench``).

Starts real qbittorrent-nox servers (4.5 from apt, 5.x from ``$QBITRR_QBT5_ROOT``) on 127.0.0.1,
fills them with magnets (random info-hashes, no trackers: stalled in ``metaDL`` for ever), gives
each a library's history (dates and transfer totals written into its resume data; see
``give_history``; ``--no-history`` leaves them as added) and drives the integration's own
``QbittorrentClient.sync()`` (incremental ``sync/maindata`` merged into the held model) against the
baseline the core ``qbittorrent`` integration uses: a full ``sync/maindata`` (rid=0) on every poll,
parsed by qbittorrent-api's default wrapped responses.

Every client-side figure is a ratio against that baseline measured in the same repetition, so the
machine's noise cancels; each is reported as min / median / max over the repetitions. Absolute
figures (plan time, event-loop stall, 5-instance refresh) carry their own targets.

The client's own behaviour is read from the integration, not copied: polls in which it made its
periodic full resync (``FULL_RESYNC_POLLS``) are counted as full polls, and the "idle+resyncs"
rows average one whole resync cycle; the poll interval per hour is what the coordinator's
``next_interval`` picks after such a poll (else the ``QBIT_*_UPDATE_INTERVAL`` constants).

Output: a table on stdout and, last, one line ``BENCH_JSON {...}``; progress goes to stderr.
Exit status: 0 when every target passes (``--smoke``: 0 even when one fails, since CI must not
fail on timing noise), 1 when a target fails (not in smoke mode), 2 when something crashed,
130 on Ctrl-C. Every server started is stopped, also on Ctrl-C, SIGTERM and errors.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
import contextlib
from dataclasses import dataclass, field
from datetime import timedelta
import gc
import importlib
import importlib.util
import json
import math
import os
from pathlib import Path
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import traceback
import tracemalloc
from types import FrameType
from typing import TYPE_CHECKING, Any, Final
import urllib.parse

import qbittorrentapi
import requests

from custom_components.qbitrr import const, coordinator as qbit_coordinator
from custom_components.qbitrr.api import qbittorrent as qbit_api
from custom_components.qbitrr.api.maindata import QbitSnapshot
from custom_components.qbitrr.api.qbittorrent import QbittorrentClient
from tests.support.qbittorrent_server import QbittorrentServer, wait_for

if TYPE_CHECKING:
    from custom_components.qbitrr.policy.model import PolicyInput

ROOT: Final = Path(__file__).resolve().parent.parent
CLK_TCK: Final = os.sysconf("SC_CLK_TCK")
BASELINE_INTERVAL: Final = 30.0  # seconds: the core qbittorrent integration's poll interval
CATEGORIES: Final = ("radarr", "sonarr", "lidarr")
TAG_SETS: Final[tuple[tuple[str, ...], ...]] = ((), ("4k",), ("anime",), ("upgrade", "4k"))
NAME_PATTERNS: Final = {
    "radarr": "{t}.{y}.{q}.WEB-DL.DDP5.1.H.264-{g}",
    "sonarr": "{t}.S{s:02d}E{i:05d}.{q}.WEB.h264-{g}",
    "lidarr": "{t} - {u} ({y}) [FLAC 24-96]",
}
# Real libraries have varied titles; names built from one repeated pattern compress far better
# in a full reply than real ones do, which would flatter every ratio against a full poll.
TITLE_WORDS: Final = (  # noqa: SIM905 - a word list reads better as text
    "Amber Anchor Atlas Autumn Badger Banner Beacon Bitter Blue Border Bright Broken Canyon "
    "Captain Castle Cedar Chrome Cinder Circle Cobalt Comet Copper Coral Crimson Crown "
    "Crystal Dagger Dawn Delta Desert Distant Dragon Dream Drift Dust Echo Eclipse Ember "
    "Empire Falcon Fallen Feather Fire Forest Fortune Frost Garden Ghost Glass Golden "
    "Granite Harbor Harvest Hidden Hollow Horizon Hunter Iron Island Ivory Jade Jungle "
    "Kingdom Lantern Legacy Lemon Light Lion Lotus Lunar Marble Meadow Midnight Mirror Moon "
    "Mountain Nebula Night Noble Ocean Onyx Orbit Orchid Paper Phantom Pine Planet Prism "
    "Quiet Raven River Rogue Ruby Saga Sapphire Shadow Silent Silver Sky Solar Spark Spirit "
    "Star Steel Stone Storm Summer Sun Thunder Tide Timber Tower Twilight Valley Velvet "
    "Violet Voyage Wave Whisper Wild Willow Winter Wolf Wonder Zenith "
).split()
QUALITIES: Final = ("720p", "1080p", "2160p", "1080p.HDR", "2160p.DV.HDR10")
GROUPS: Final = ("GRP", "NTb", "FLUX", "SMURF", "EDITH", "CAKES", "KiNGS", "TEPES", "playWEB")


def random_title(rng: random.Random) -> str:
    """A title of two to four words, varied like a real library's."""
    return ".".join(rng.sample(TITLE_WORDS, rng.randint(2, 4)))


FLIP_TAG: Final = "bench-flip"  # toggled on a subset of torrents to make "changed" polls
CHANGE_COUNTS: Final = (10, 100)
CHANGE_WAIT: Final = 1.6  # seconds: qBittorrent refreshes torrent state every ~1.5 s
ADD_BATCH: Final = 250  # magnets per torrents/add call
INSTANCE_MAJORS: Final = (4, 5, 4, 5, 4)  # the 5-instance scenario's mix
INSTANCE_REPS: Final = 15  # rounds of the 5-instance scenario, at least (not in smoke mode)
PLAN_TORRENTS: Final = 50_000
PLAN_REPS: Final = 15  # at least; a plan takes well under a second
PROBE_SLEEP: Final = 0.005  # the event-loop lag probe's sleep
KB: Final = 1000
MILLISECOND: Final = 1e-3
DECIMAL_RATIO: Final = 0.1  # ratios from here up print as decimals, smaller ones as 1/x
QUIET_RATE: Final = 0.05  # a server below this CPU share (of one core) is idle
QUIET_SPREAD: Final = 0.15  # ... or one whose CPU share varies less than this
QUIET_WINDOWS: Final = 4  # ... over this many half-second windows
TARGET_SIZE: Final = 10_000  # the size the targets are read at (else the largest measured)

# Targets (the brief's): ratio limits are "ours / baseline" at the largest size measured.
BYTES_LIMIT: Final = 1 / 300
CLIENT_CPU_LIMIT: Final = 1 / 50
SERVER_HOUR_LIMIT: Final = 1 / 3
INSTANCES_LIMIT: Final = 1.3
PLAN_LIMIT: Final = 0.100
STALL_LIMIT: Final = 0.050
MODEL_LIMIT: Final = 1.0 * KB

SCENARIOS: Final = ("full", "idle", "idle_cycle", "changed_10", "changed_100")
SCENARIO_LABELS: Final = {
    "full": "full refresh",
    "idle": "idle",
    "idle_cycle": "idle+resyncs",  # idle polls and the client's periodic full resyncs, averaged
    "changed_10": "10 changed",
    "changed_100": "100 changed",
}

type Stats = dict[str, float]
type Json = dict[str, Any]


class BenchError(RuntimeError):
    """A step of the benchmark failed; the message says which."""


_STARTED: Final = time.monotonic()


def log(message: str) -> None:
    """Progress line on stderr, in the style of scripts/_lib.sh, with the time since start."""
    minutes, seconds = divmod(int(time.monotonic() - _STARTED), 60)
    print(
        f"\033[1;34m==>\033[0m [{minutes:2d}:{seconds:02d}] {message}",
        file=sys.stderr,
        flush=True,
    )


# --- small helpers --------------------------------------------------------------------------


def stats(values: Sequence[float]) -> Stats:
    """Min / median / max (and n) of some repetitions."""
    if not values:
        return {"n": 0, "min": float("nan"), "median": float("nan"), "max": float("nan")}
    return {
        "n": len(values),
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
    }


def ratios(ours: Sequence[float], baseline: Sequence[float]) -> list[float]:
    """Per-repetition ours / baseline (pairs of the same repetition)."""
    return [o / b if b > 0 else float("nan") for o, b in zip(ours, baseline, strict=True)]


def server_cpu(pid: int) -> float:
    """CPU seconds (utime + stime) a process has used, from ``/proc/<pid>/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rpartition(")")[2].split()
    # After the command name: field 3 (state) is index 0, so utime (14) and stime (15) are 11, 12.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def fmt_bytes(value: float) -> str:
    """1234567 -> '1.23 MB' (decimal units)."""
    if math.isnan(value):
        return "-"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(value) >= size:
            return f"{value / size:.3g} {unit}"
    return f"{value:.0f} B"


def fmt_time(value: float) -> str:
    """Seconds -> '1.23 s' / '12.3 ms' / '456 µs'."""
    if math.isnan(value):
        return "-"
    if abs(value) >= 1:
        return f"{value:.3g} s"
    if abs(value) >= MILLISECOND:
        return f"{value * 1e3:.3g} ms"
    return f"{value * 1e6:.3g} µs"


def fmt_ratio(value: float) -> str:
    """0.5 -> '0.50', 0.004 -> '1/250', 0 -> '0'."""
    if math.isnan(value):
        return "-"
    if value == 0:
        return "0"
    if value >= DECIMAL_RATIO:
        return f"{value:.2f}"
    return f"1/{1 / value:,.0f}"


def fmt_stats(values: Stats, fmt: Callable[[float], str]) -> str:
    """'min / median / max' with one formatter."""
    return f"{fmt(values['min'])} / {fmt(values['median'])} / {fmt(values['max'])}"


def interval_seconds(name: str) -> float | None:
    """A poll interval constant of the integration, in seconds (None when it has none)."""
    value = getattr(const, name, None)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


# --- measuring polls ------------------------------------------------------------------------


@dataclass(slots=True)
class Poll:
    """One measured poll."""

    wire: float  # response body bytes as received (gzip-compressed when the server compressed)
    body: float  # decoded JSON bytes
    cpu: float  # client CPU seconds (this process)
    wall: float  # seconds
    server: float = 0.0  # server CPU seconds from just before to just after the poll
    full: bool = False  # ours: the client asked for (or got) a full rid=0 reply
    interval: float = math.nan  # ours: seconds the coordinator would wait after this poll

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


class WireMeter:
    """A requests response hook counting ``sync/maindata`` replies' bytes."""

    def __init__(self) -> None:
        """Start with nothing counted."""
        self.wire = 0
        self.body = 0
        self.replies = 0
        self.encodings: set[str] = set()
        self.keep_body = False
        self.last_body: bytes | None = None

    def reset(self) -> None:
        """Forget the counts (before a poll)."""
        self.wire = self.body = self.replies = 0
        self.last_body = None

    def hook(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        """Count one reply (called by requests before the body is read; reading it is the same
        work requests does right afterwards)."""
        del args, kwargs
        if not response.url.endswith("/sync/maindata"):
            return
        content = response.content
        header = response.headers.get("Content-Length", "")
        self.wire += int(header) if header.isdigit() else int(response.raw.tell())
        self.body += len(content)
        self.replies += 1
        self.encodings.add(response.headers.get("Content-Encoding", "identity"))
        if self.keep_body:
            self.last_body = content

    def reply_torrents(self) -> int:
        """Torrents (changed or removed) in the last kept reply."""
        if self.last_body is None:
            return -1
        reply = json.loads(self.last_body)
        self.last_body = None
        return len(reply.get("torrents", {})) + len(reply.get("torrents_removed", []))


def timed_poll(
    call: Callable[[], object], meter: WireMeter, pid: int, client: QbittorrentClient | None = None
) -> Poll:
    """Run one poll; the reply stays referenced until the clocks stop (its release is not part
    of the poll: Home Assistant frees the previous data later, when the next one replaces it).

    The server's CPU counters are read just outside the client's clocks.
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
    interval = ours_interval(result, wall) if client is not None else math.nan
    poll = Poll(meter.wire, meter.body, cpu, wall, server, full, interval)
    del result
    return poll


def ours_interval(snapshot: object, wall: float) -> float:
    """The wait the integration's coordinator picks after this poll (``next_interval``, when
    it has one: it adapts to activity and to the poll's duration); NaN without one."""
    choose = getattr(qbit_coordinator, "next_interval", None)
    if choose is not None and isinstance(snapshot, QbitSnapshot):
        value = choose(snapshot, wall)
        if isinstance(value, timedelta):
            return value.total_seconds()
    return math.nan


def median_poll(polls: Sequence[Poll], background: float) -> Poll:
    """One poll of the medians of some polls; server CPU is the mean with the idle background
    taken out (ticks are 10 ms: only the sum over many polls resolves a cheap one)."""

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
    client: QbittorrentClient | None = None,
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

    def note(self, side: str, scenario: str, poll: Poll) -> None:
        """Record one repetition's poll."""
        self.polls[side].setdefault(scenario, []).append(poll)

    def summary(self, fallback: Mapping[str, float]) -> Json:
        """min / median / max of ours, the baseline and their per-repetition ratio.

        ``fallback``: the interval constants ("idle", "active") when the coordinator has no
        ``next_interval`` to ask.
        """
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
        # Per hour: ours at the interval its coordinator picks after such a poll (idle: over a
        # whole resync cycle; active: polls that each bring 100 changes), the baseline at 30 s.
        hour_b = [p.server * 3600 / BASELINE_INTERVAL for p in self.polls["baseline"]["full"]]
        metrics["server_cpu_per_hour"] = {}
        for name, scenario in (("idle", "idle_cycle"), ("active", "changed_100")):
            polls = self.polls["ours"][scenario]
            intervals = [fallback[name] if math.isnan(p.interval) else p.interval for p in polls]
            hour_o = [p.server * 3600 / i for p, i in zip(polls, intervals, strict=True)]
            metrics["server_cpu_per_hour"][name] = {
                "ours": stats(hour_o),
                "baseline": stats(hour_b),
                "ratio": stats(ratios(hour_o, hour_b)),
                "ours_interval_s": stats(intervals),
                "baseline_interval_s": BASELINE_INTERVAL,
            }
        return metrics


# --- servers --------------------------------------------------------------------------------


def make_ours(server: QbittorrentServer, meter: WireMeter | None) -> QbittorrentClient:
    """The integration's own client, logged in and versions read (as after config entry setup)."""
    client = QbittorrentClient(server.url, server.username, server.password)
    if meter is not None:
        # Count the replies' bytes. qbittorrent-api passes REQUESTS_ARGS to every request and
        # offers no public way to add a hook after construction; the client itself is untouched.
        client.api._REQUESTS_ARGS["hooks"] = {"response": [meter.hook]}  # noqa: SLF001
    client.validate()
    return client


def make_baseline(server: QbittorrentServer, meter: WireMeter | None) -> qbittorrentapi.Client:
    """The core integration's client: qbittorrent-api with default (wrapped) responses."""
    requests_args: dict[str, Any] = {"timeout": (5, 300)}
    if meter is not None:
        requests_args["hooks"] = {"response": [meter.hook]}
    api = qbittorrentapi.Client(
        host=server.url,
        username=server.username,
        password=server.password,
        REQUESTS_ARGS=requests_args,
        DISABLE_LOGGING_DEBUG_OUTPUT=True,
    )
    api.auth_log_in()
    return api


def log_out(api: qbittorrentapi.Client) -> None:
    """Log out so the server drops the session's sync state (big at 10k torrents)."""
    with contextlib.suppress(Exception):
        api.auth_log_out()


@dataclass(slots=True)
class Instance:
    """One server under test with the hashes of its torrents."""

    server: QbittorrentServer
    admin: qbittorrentapi.Client  # SIMPLE_RESPONSES client for filling and changing
    version: str
    hashes: list[str] = field(default_factory=list)
    flipped: set[str] = field(default_factory=set)

    @property
    def pid(self) -> int:
        """The server's process id."""
        pid = self.server.pid
        if pid is None:
            raise BenchError(f"{self.server!r} is not running")
        return pid


def fill(instance: Instance, target: int, rng: random.Random, *, history: bool) -> None:
    """Add magnets until the server holds ``target`` torrents, wait until all are listed, then
    (``history``) give every torrent a library's history."""
    api = instance.admin
    have = len(instance.hashes)
    if target <= have:
        return
    t0 = time.perf_counter()
    for first in range(have, target, ADD_BATCH):
        batch = first // ADD_BATCH
        category = CATEGORIES[batch % len(CATEGORIES)]
        tags = TAG_SETS[batch % len(TAG_SETS)]
        hashes = [rng.randbytes(20).hex() for _ in range(min(ADD_BATCH, target - first))]
        names = [
            urllib.parse.quote(
                NAME_PATTERNS[category].format(
                    i=first + offset,
                    s=batch % 30,
                    t=random_title(rng),
                    u=random_title(rng).replace(".", " "),
                    y=rng.randint(1970, 2026),
                    q=rng.choice(QUALITIES),
                    g=rng.choice(GROUPS),
                )
            )
            for offset in range(len(hashes))
        ]
        urls = [
            f"magnet:?xt=urn:btih:{info_hash}&dn={name}"
            for info_hash, name in zip(hashes, names, strict=True)
        ]
        reply = api.torrents_add(urls="\n".join(urls), category=category, tags=list(tags) or None)
        if reply == "Fails.":
            raise BenchError(f"{instance.version} refused a batch of magnets")
        instance.hashes.extend(hashes)

    # The add call answers before the torrents exist: wait until the last one is listed.
    def all_listed() -> bool:
        return bool(api.torrents_info(limit=1, offset=target - 1))

    wait_for(all_listed, timeout=120.0, interval=0.25, message=f"{target} torrents listed")
    log(f"{instance.version}: {target:,} torrents ({time.perf_counter() - t0:.1f} s to add)")
    if history:
        give_history(instance)


# --- a library's history ---------------------------------------------------------------------
#
# A real library's torrents were added over years, downloaded different amounts and seeded to
# different ratios; magnets added a moment ago all carry the same dates and zero totals, and
# such a list compresses about a third better than a real one. That would shrink the core
# integration's full poll, the baseline of every ratio. The benchmark therefore writes a history
# into each torrent's resume data (qBittorrent's own fastresume files, edited while the server is
# stopped), drawn per info-hash so that every run and size sees the same library.

LIBRARY_SECONDS: Final = 3 * 365 * 86_400  # the oldest torrent was added this long ago
STOP_TIMEOUT: Final = 120.0  # seconds: a server saves every torrent's resume data on exit


def bdecode(data: bytes) -> object:
    """Decode one bencoded value (the format of qBittorrent's fastresume files)."""

    def value(at: int) -> tuple[object, int]:
        lead = data[at : at + 1]
        if lead == b"i":
            end = data.index(b"e", at)
            return int(data[at + 1 : end]), end + 1
        if lead == b"l":
            items: list[object] = []
            at += 1
            while data[at : at + 1] != b"e":
                item, at = value(at)
                items.append(item)
            return items, at + 1
        if lead == b"d":
            mapping: dict[bytes, object] = {}
            at += 1
            while data[at : at + 1] != b"e":
                key, at = value(at)
                if not isinstance(key, bytes):
                    raise BenchError("a bencoded dictionary key is not a string")
                mapping[key], at = value(at)
            return mapping, at + 1
        colon = data.index(b":", at)
        start = colon + 1
        end = start + int(data[at:colon])
        return data[start:end], end

    decoded, end = value(0)
    if end != len(data):
        raise BenchError("trailing bytes after a bencoded value")
    return decoded


def bencode(item: object) -> bytes:
    """Encode a value decoded by ``bdecode`` (keys sorted, as the format requires)."""
    if isinstance(item, int):
        return b"i%de" % item
    if isinstance(item, bytes):
        return b"%d:%s" % (len(item), item)
    if isinstance(item, list):
        return b"l" + b"".join(bencode(i) for i in item) + b"e"
    if isinstance(item, dict):
        body = b"".join(bencode(k) + bencode(v) for k, v in sorted(item.items()))
        return b"d" + body + b"e"
    raise BenchError(f"cannot bencode {type(item).__name__}")


def library_history(info_hash: str, now: int) -> dict[bytes, int]:
    """Resume-data fields of a torrent with a past: added up to three years ago, downloaded a
    few hundred MB to tens of GB in minutes to days, seeded since to some ratio."""
    rng = random.Random(info_hash)  # noqa: S311 - test data, not secrets
    added = now - rng.randrange(3_600, LIBRARY_SECONDS)
    downloading = rng.randrange(60, 3 * 86_400)
    completed = min(added + downloading, now - 60)
    seeding = now - completed
    downloaded = int(rng.lognormvariate(21.5, 1.2))  # median about 2 GB
    uploaded = int(downloaded * rng.expovariate(1.0))
    return {
        b"added_time": added,
        b"completed_time": completed,
        b"finished_time": seeding,
        b"seeding_time": seeding,
        b"active_time": seeding + downloading,
        b"total_downloaded": downloaded,
        b"total_uploaded": uploaded,
        b"last_download": completed,
        b"last_upload": now - rng.randrange(0, 90 * 86_400) if uploaded else 0,
        b"last_seen_complete": now - rng.randrange(0, 30 * 86_400),
        b"num_complete": rng.randrange(0, 300),
        b"num_incomplete": rng.randrange(0, 40),
    }


def give_history(instance: Instance) -> None:
    """Stop the server, write every torrent's history into its resume data, start it again."""
    t0 = time.perf_counter()

    def resume_files() -> list[Path]:
        return list(instance.server.workdir.rglob("BT_backup/*.fastresume"))

    # New torrents' resume files are written in the background: stop once all exist.
    wait_for(
        lambda: len(resume_files()) >= len(instance.hashes),
        timeout=120.0,
        interval=0.5,
        message=f"{instance.version} wrote a resume file for every torrent",
    )
    instance.server.stop(timeout=STOP_TIMEOUT)
    now = int(time.time())
    backups = resume_files()
    for path in backups:
        resume = bdecode(path.read_bytes())
        if not isinstance(resume, dict):
            raise BenchError(f"{path} is not a bencoded dictionary")
        resume.update(library_history(path.stem, now))
        path.write_bytes(bencode(resume))
    instance.server.start()
    instance.admin.auth_log_in()

    def all_loaded() -> bool:
        return bool(instance.admin.torrents_info(limit=1, offset=len(instance.hashes) - 1))

    wait_for(all_loaded, timeout=120.0, interval=0.25, message="torrents loaded after restart")
    log(
        f"{instance.version}: history written into {len(backups):,} resume files"
        f" ({time.perf_counter() - t0:.1f} s with the restart)"
    )


def quiet(instance: Instance, *, timeout: float = 15.0) -> float:
    """Wait until the server's CPU use stops falling after new torrents (fastresume files are
    written for ~3 s); return its idle background (CPU seconds per second)."""
    rates: list[float] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rates.append(background_rate(instance.pid, 0.5))
        last = rates[-QUIET_WINDOWS:]
        steady = len(last) == QUIET_WINDOWS and max(last) - min(last) <= QUIET_SPREAD
        if rates[-1] < QUIET_RATE or steady:
            break
    return rates[-1]


def settle(client: QbittorrentClient, meter: WireMeter, *, timeout: float = 60.0) -> None:
    """Poll until a reply carries no torrent changes (new magnets change state for ~1 s)."""
    meter.keep_body = True
    try:
        deadline = time.monotonic() + timeout
        client.sync()
        meter.reply_torrents()
        while time.monotonic() < deadline:
            time.sleep(CHANGE_WAIT)
            meter.reset()
            client.sync()
            if meter.reply_torrents() == 0:
                return
        raise BenchError("the server never went idle")
    finally:
        meter.keep_body = False
        meter.last_body = None


def flip(instance: Instance, count: int, rng: random.Random) -> None:
    """Change ``count`` torrents: toggle FLIP_TAG on a random subset."""
    subset = rng.sample(instance.hashes, count)
    tagged = [h for h in subset if h in instance.flipped]
    untagged = [h for h in subset if h not in instance.flipped]
    if untagged:
        instance.admin.torrents_add_tags(tags=FLIP_TAG, torrent_hashes=untagged)
        instance.flipped.update(untagged)
    if tagged:
        instance.admin.torrents_remove_tags(tags=FLIP_TAG, torrent_hashes=tagged)
        instance.flipped.difference_update(tagged)


# --- the benchmark --------------------------------------------------------------------------


@dataclass(slots=True)
class Target:
    """One target row."""

    name: str
    scope: str
    value: float | None  # None: not measured (n/a)
    limit: float
    shown: str
    limit_shown: str
    strict: bool = False  # value < limit (else value <= limit)
    extra: bool = False  # beyond the brief's targets: shown, not counted in the exit status

    @property
    def passed(self) -> bool | None:
        """Whether it passes (None: n/a)."""
        if self.value is None:
            return None
        return self.value < self.limit if self.strict else self.value <= self.limit

    def as_json(self) -> Json:
        """Plain data."""
        return {
            "name": self.name,
            "scope": self.scope,
            "value": self.value,
            "limit": self.limit,
            "shown": self.shown,
            "limit_shown": self.limit_shown,
            "pass": self.passed,
            "extra": self.extra,
        }


@dataclass(slots=True)
class Settings:
    """How much to measure."""

    sizes: list[int]
    reps: int
    majors: list[int]
    instance_torrents: int
    window: float  # seconds of back-to-back polls per server-CPU window
    background: float  # seconds of idle server per background window
    memory_reps: int
    smoke: bool
    seed: int
    history: bool  # torrents get a library's history (dates, totals) in their resume data


class Benchmark:
    """Runs the scenarios and collects results."""

    def __init__(self, settings: Settings, workdir: Path, *, keep_servers: bool) -> None:
        """Nothing starts yet."""
        self.s = settings
        self.workdir = workdir
        self.keep_servers = keep_servers
        self.rng = random.Random(settings.seed)  # noqa: S311 - test data, not secrets
        self.servers: list[QbittorrentServer] = []
        self.results: list[Json] = []
        self.stalls: list[Json] = []
        self.instances_result: Json | None = None
        self.plan_result: Json | None = None
        self.targets: list[Target] = []
        self.lines: list[str] = []
        interval = interval_seconds("QBIT_UPDATE_INTERVAL")
        if interval is None:
            raise BenchError("custom_components.qbitrr.const.QBIT_UPDATE_INTERVAL is missing")
        self.interval: float = interval
        self.idle_interval: float = interval_seconds("QBIT_IDLE_UPDATE_INTERVAL") or interval
        # Incremental polls between the client's own periodic full resyncs (None: it makes none).
        resync = getattr(qbit_api, "FULL_RESYNC_POLLS", None)
        self.resync: int | None = resync if isinstance(resync, int) and resync > 0 else None
        self.target_size = TARGET_SIZE if TARGET_SIZE in settings.sizes else max(settings.sizes)

    # --- servers ---

    def start_instance(self, major: int, name: str) -> Instance:
        """Start one qbittorrent-nox with the preferences that let it fill quickly."""
        server = QbittorrentServer(major, self.workdir / name, start_timeout=60.0)
        self.servers.append(server)
        server.start()
        admin = server.client()
        # Checking and queueing would hold new magnets back: let all of them start at once.
        admin.app_set_preferences(
            prefs={
                "max_active_checking_torrents": 100_000,
                "queueing_enabled": False,
                "max_active_downloads": -1,
                "max_active_torrents": -1,
                "max_active_uploads": -1,
            }
        )
        admin.torrents_create_tags(tags=FLIP_TAG)
        version = str(admin.app_version())
        log(f"started qBittorrent {version} on {server.url} (pid {server.pid})")
        return Instance(server=server, admin=admin, version=version)

    def release(self, instances: Sequence[Instance]) -> None:
        """Stop servers no longer needed (kept for --keep-servers); in parallel (10k torrents
        take seconds to shut down)."""
        if self.keep_servers:
            return
        threads = [threading.Thread(target=i.server.stop) for i in instances]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def stop_all(self) -> None:
        """Stop every server this run started."""
        threads = [threading.Thread(target=s.stop) for s in self.servers if s.running]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # --- scenarios 1-5: one server, one size ---

    def run_version(self, major: int) -> None:
        """All sizes on one server of this major version (filled up step by step)."""
        instance = self.start_instance(major, f"qbt{major}")
        try:
            for size in sorted(self.s.sizes):
                fill(instance, size, self.rng, history=self.s.history)
                rate = quiet(instance)
                log(f"{instance.version} @ {size:,}: idle server uses {rate:.0%} of a core")
                self.results.append(self.measure_polls(instance, size))
                self.results[-1]["memory"] = self.measure_memory(instance, size)
            self.stalls.append(self.measure_stall(instance, max(self.s.sizes)))
        finally:
            self.release([instance])

    def measure_polls(self, instance: Instance, size: int) -> Json:
        """Scenarios 1-4: bytes, client CPU, wall time and server CPU per poll."""
        meter_o, meter_b = WireMeter(), WireMeter()
        ours = make_ours(instance.server, meter_o)
        base = make_baseline(instance.server, meter_b)
        log(f"{instance.version} @ {size:,}: settling")
        settle(ours, meter_o)
        reps = Reps()
        try:
            for rep in range(self.s.reps):
                log(f"{instance.version} @ {size:,}: repetition {rep + 1}/{self.s.reps}")
                self.poll_rep(
                    instance, ours=ours, meter_o=meter_o, base=base, meter_b=meter_b, reps=reps
                )
        finally:
            log_out(ours.api)
            ours.close()
            log_out(base)
        return {
            "version": instance.version,
            "major": instance.server.major,
            "size": size,
            "reps": self.s.reps,
            "encodings": sorted(meter_o.encodings | meter_b.encodings),
            "server_background_cpu": stats(reps.background),
            "reply_torrents": reps.reply_torrents,
            "periodic_fulls_in_idle_windows": reps.periodic_fulls,
            "change_polls_retried": reps.retried_changes,
            "resync_polls": self.resync,
            "metrics": reps.summary({"idle": self.idle_interval, "active": self.interval}),
        }

    def poll_rep(
        self,
        instance: Instance,
        *,
        ours: QbittorrentClient,
        meter_o: WireMeter,
        base: qbittorrentapi.Client,
        meter_b: WireMeter,
        reps: Reps,
    ) -> None:
        """One repetition: baseline window, ours full, ours idle window, ours after changes."""
        pid = instance.pid
        rate_before = background_rate(pid, self.s.background)
        # Baseline: the full reply on every poll.
        window_b = poll_window(base.sync_maindata, meter_b, pid, min_polls=1, seconds=self.s.window)
        # Ours at start or after an error: a full reply, merged from scratch.
        ours.reset()
        full = timed_poll(ours.sync, meter_o, pid, ours)
        # Ours with nothing changed: back-to-back polls. Polls that were the client's own
        # periodic full resync count for the cycle, not as idle polls.
        window_o = poll_window(ours.sync, meter_o, pid, ours, min_polls=3, seconds=self.s.window)
        rate = (rate_before + background_rate(pid, self.s.background)) / 2
        reps.background.append(rate)
        incremental = [poll for poll in window_o if not poll.full]
        resyncs = [poll for poll in window_o if poll.full]
        reps.periodic_fulls += len(resyncs)
        if not incremental:
            raise BenchError("every poll of the idle window was a full sync")
        idle = median_poll(incremental, rate)
        full_poll = median_poll([full, *resyncs], rate)
        reps.note("ours", "full", full_poll)
        reps.note("ours", "idle", idle)
        # Over one resync cycle: `resync` incremental polls, then a full one.
        cycle = self.resync or 0
        reps.note(
            "ours", "idle_cycle", Poll.combine([idle, full_poll], [cycle, 1] if cycle else [1, 0])
        )
        # Ours after 10 / 100 torrents changed (again when the poll was a periodic resync).
        for count in CHANGE_COUNTS:
            for _attempt in range(3):
                flip(instance, count, self.rng)
                time.sleep(CHANGE_WAIT)
                meter_o.keep_body = True
                poll = timed_poll(ours.sync, meter_o, pid, ours)
                meter_o.keep_body = False
                if not poll.full:
                    break
                reps.retried_changes += 1
                meter_o.last_body = None
            else:
                raise BenchError("three change polls in a row were full syncs")
            scenario = f"changed_{count}"
            reps.reply_torrents.setdefault(scenario, []).append(meter_o.reply_torrents())
            reps.note("ours", scenario, median_poll([poll], rate))
        baseline_poll = median_poll(window_b, rate)
        for scenario in SCENARIOS:
            reps.note("baseline", scenario, baseline_poll)

    # --- scenario 5: memory of the held model ---

    def measure_memory(self, instance: Instance, size: int) -> Json:
        """Tracemalloc difference around one full sync, held; divided by the torrents."""
        ours_sizes: list[float] = []
        ours_peaks: list[float] = []
        base_sizes: list[float] = []
        base_peaks: list[float] = []
        sites: list[Json] = []
        log(f"{instance.version} @ {size:,}: held model (tracemalloc)")
        for rep in range(self.s.memory_reps):
            client = make_ours(instance.server, None)
            try:
                held, peak, top = traced(client.sync, with_sites=rep == 0)
            finally:
                log_out(client.api)
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

    # --- scenario 8: event-loop stall ---

    def measure_stall(self, instance: Instance, size: int) -> Json:
        """Longest event-loop stall while a full refresh runs in the default executor."""
        log(f"{instance.version} @ {size:,}: event-loop stall during a full refresh")
        floor = asyncio.run(loop_lag(None))[0]
        ours: list[float] = []
        ours_wall: list[float] = []
        base: list[float] = []
        base_wall: list[float] = []
        for _ in range(self.s.reps):
            client = make_ours(instance.server, None)
            try:
                stall, wall = asyncio.run(loop_lag(client.sync))
            finally:
                log_out(client.api)
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

    # --- scenario 6: five instances at once ---

    def run_instances(self) -> None:
        """Five servers (4.5 and 5.x) refreshing concurrently vs the slowest alone."""
        count = self.s.instance_torrents
        majors: list[int] = [m for m in INSTANCE_MAJORS if m in self.s.majors]
        majors = majors or [self.s.majors[0]]
        majors = (majors * len(INSTANCE_MAJORS))[: len(INSTANCE_MAJORS)]
        instances: list[Instance] = []
        try:
            for index, major in enumerate(majors):
                instances.append(self.start_instance(major, f"instance{index + 1}-qbt{major}"))
            for instance in instances:
                fill(instance, count, self.rng, history=self.s.history)
            for instance in instances:
                quiet(instance)
            clients = [make_ours(i.server, WireMeter()) for i in instances]
            pids = [i.pid for i in instances]
            for client in clients:
                client.sync()
            time.sleep(CHANGE_WAIT)  # new magnets change state for ~1 s
            for client in clients:
                client.sync()
            log(f"5 instances x {count:,}: concurrent refreshes")
            # A round takes about a second at 1k torrents: enough of them for a steady median.
            reps = self.s.reps if self.s.smoke else max(self.s.reps, INSTANCE_REPS)
            with ThreadPoolExecutor(max_workers=5, thread_name_prefix="bench") as pool:
                full = measure_concurrency(clients, pool, pids, reps, full=True)
                idle = measure_concurrency(clients, pool, pids, reps, full=False)
            for client in clients:
                log_out(client.api)
                client.close()
            self.instances_result = {
                "versions": [i.version for i in instances],
                "torrents_each": count,
                "workers": 5,
                "full": full,
                "idle": idle,
            }
        finally:
            self.release(instances)

    # --- scenario 7: policy engine ---

    def run_policy(self) -> None:
        """Plan time for 50k synthetic torrents, if the policy engine exists."""
        name = "custom_components.qbitrr.policy.engine"
        if importlib.util.find_spec(name) is None:
            log("policy engine not present: plan time n/a")
            self.plan_result = {"present": False}
            return
        engine = importlib.import_module(name)
        evaluate: Callable[[Any], Any] = engine.evaluate
        policy_input = synthetic_policy_input(PLAN_TORRENTS, self.rng)
        log(f"policy engine: evaluating {PLAN_TORRENTS:,} torrents")
        plan = evaluate(policy_input)  # warm-up (imports, caches)
        times: list[float] = []
        for _ in range(max(self.s.reps, PLAN_REPS)):
            gc.collect()  # each repetition starts from the same heap (the collector stays on)
            t0 = time.perf_counter()
            plan = evaluate(policy_input)
            times.append(time.perf_counter() - t0)
        self.plan_result = {
            "present": True,
            "torrents": PLAN_TORRENTS,
            "seconds": stats(times),
            "actions": len(getattr(plan, "actions", ())),
            "skipped": len(getattr(plan, "skipped", ())),
        }

    # --- targets and report ---

    def evaluate_targets(self) -> None:
        """The brief's targets, on the medians at the largest size measured."""
        for result in self.results:
            if result["size"] != self.target_size:
                continue
            scope = f"{result['version']} @ {result['size']:,}"
            metrics = result["metrics"]
            # The brief's rows read single incremental polls; the idle+resyncs rows (extra, not
            # counted) hold the same limits against the average over the client's resync cycle.
            for scenario in ("idle", "changed_100", "idle_cycle"):
                value = metrics["wire"][scenario]["ratio"]["median"]
                self.targets.append(
                    Target(
                        f"poll bytes, {SCENARIO_LABELS[scenario]} vs full",
                        scope,
                        value,
                        BYTES_LIMIT,
                        fmt_ratio(value),
                        "≤ 1/300",
                        extra=scenario == "idle_cycle",
                    )
                )
            for scenario in ("idle", "changed_100", "idle_cycle"):
                value = metrics["cpu"][scenario]["ratio"]["median"]
                self.targets.append(
                    Target(
                        f"client CPU, {SCENARIO_LABELS[scenario]} vs full",
                        scope,
                        value,
                        CLIENT_CPU_LIMIT,
                        fmt_ratio(value),
                        "≤ 1/50",
                        extra=scenario == "idle_cycle",
                    )
                )
            for name in ("idle", "active"):
                value = metrics["server_cpu_per_hour"][name]["ratio"]["median"]
                self.targets.append(
                    Target(
                        f"server CPU per hour, {name}, vs baseline",
                        scope,
                        value,
                        SERVER_HOUR_LIMIT,
                        fmt_ratio(value),
                        "≤ 1/3",
                    )
                )
            value = result["memory"]["ours"]["median"]
            self.targets.append(
                Target(
                    "held model per torrent",
                    scope,
                    value,
                    MODEL_LIMIT,
                    fmt_bytes(value),
                    "≤ 1.0 kB",
                )
            )
        if self.instances_result is not None:
            # Both kinds of refresh: the full one (start-up, resyncs) and the routine one.
            for kind in ("full", "idle"):
                value = self.instances_result[kind]["ratio_of_medians"]
                self.targets.append(
                    Target(
                        f"5 instances {kind} refresh vs slowest alone",
                        f"5 x {self.instances_result['torrents_each']:,}",
                        value,
                        INSTANCES_LIMIT,
                        f"{value:.2f}x",
                        "≤ 1.3x",
                    )
                )
        plan = self.plan_result or {}
        value = plan["seconds"]["median"] if plan.get("present") else None
        self.targets.append(
            Target(
                f"policy plan, {PLAN_TORRENTS // 1000}k torrents",
                "engine" if value is not None else "n/a (policy engine not present)",
                value,
                PLAN_LIMIT,
                fmt_time(value) if value is not None else "n/a",
                "< 100 ms",
                strict=True,
            )
        )
        for stall in self.stalls:
            value = stall["ours"]["max"]
            self.targets.append(
                Target(
                    "event-loop stall, full refresh (max)",
                    f"{stall['version']} @ {stall['size']:,}",
                    value,
                    STALL_LIMIT,
                    fmt_time(value),
                    "< 50 ms",
                    strict=True,
                )
            )

    def out(self, line: str = "") -> None:
        """One table line."""
        self.lines.append(line)

    def render(self) -> str:
        """The human-readable table."""
        columns = "{:<22} {:<14} {:>12} {:>12}  {:<34} {}"
        self.out(
            "torrents: magnets with a library's history (dates, transfer totals)"
            if self.s.history
            else "torrents: magnets as added (--no-history: equal dates, zero totals)"
        )
        for result in self.results:
            metrics = result["metrics"]
            self.out(
                f"== qBittorrent {result['version']}, {result['size']:,} torrents,"
                f" {result['reps']} rep(s); ratio = ours / baseline in the same rep,"
                " min / median / max =="
            )
            resync = result["resync_polls"]
            self.out(
                "   idle+resyncs = one cycle of the client's own periodic full resync:"
                f" {resync} idle polls + 1 full, averaged"
                if resync
                else "   idle+resyncs = idle (the client makes no periodic full resync)"
            )
            self.out(columns.format("metric", "scenario", "ours", "baseline", "ratio", "target"))
            for attribute, label, fmt in (
                ("wire", "wire bytes / poll", fmt_bytes),
                ("body", "JSON bytes / poll", fmt_bytes),
                ("cpu", "client CPU / poll", fmt_time),
                ("wall", "wall time / poll", fmt_time),
                ("server", "server CPU / poll", fmt_time),
            ):
                for scenario in SCENARIOS:
                    row = metrics[attribute][scenario]
                    self.out(
                        columns.format(
                            label,
                            SCENARIO_LABELS[scenario],
                            fmt(row["ours"]["median"]),
                            fmt(row["baseline"]["median"]),
                            fmt_stats(row["ratio"], fmt_ratio),
                            self.target_note(result, attribute, scenario),
                        )
                    )
            for name, row in metrics["server_cpu_per_hour"].items():
                self.out(
                    columns.format(
                        "server CPU / hour",
                        f"{name} {row['ours_interval_s']['median']:.0f}s|"
                        f"{row['baseline_interval_s']:.0f}s",
                        fmt_time(row["ours"]["median"]),
                        fmt_time(row["baseline"]["median"]),
                        fmt_stats(row["ratio"], fmt_ratio),
                        self.target_note(result, "hour", name),
                    )
                )
            memory = result["memory"]
            self.out(
                columns.format(
                    "held model / torrent",
                    "after 1 sync",
                    fmt_bytes(memory["ours"]["median"]),
                    fmt_bytes(memory["baseline"]["median"]),
                    fmt_stats(memory["ratio"], fmt_ratio),
                    self.target_note(result, "memory", ""),
                )
            )
            self.out(
                columns.format(
                    "peak / torrent",
                    "during sync",
                    fmt_bytes(memory["ours_peak"]["median"]),
                    fmt_bytes(memory["baseline_peak"]["median"]),
                    "",
                    "",
                )
            )
            background = result["server_background_cpu"]["median"]
            changed = ", ".join(f"{k}: {v}" for k, v in result["reply_torrents"].items())
            self.out(
                "   periodic full resyncs inside idle windows:"
                f" {result['periodic_fulls_in_idle_windows']}"
                f" (counted as full, not idle); change polls redone after landing on one:"
                f" {result['change_polls_retried']}"
            )
            self.out(
                f"   server idle background {background * 100:.1f}% of a core (subtracted);"
                f" torrents in changed replies: {changed};"
                f" encodings: {', '.join(result['encodings'])}"
            )
            self.out()
        if self.instances_result is not None:
            r = self.instances_result
            self.out(
                f"== 5 instances ({', '.join(r['versions'])}), {r['torrents_each']:,} torrents"
                " each, ThreadPoolExecutor(5) =="
            )
            for kind in ("full", "idle"):
                row = r[kind]
                self.out(
                    f"   {kind:<5} refresh: concurrent {fmt_time(row['concurrent']['median'])},"
                    f" slowest alone {fmt_time(row['slowest_alone']['median'])},"
                    f" all alone in turn {fmt_time(row['sum_alone']['median'])},"
                    f" CPU used: client {fmt_time(row['client_cpu']['median'])}, servers"
                    f" {fmt_time(row['servers_cpu']['median'])} -> floor on {os.cpu_count()} cores"
                    f" {fmt_time(row['cpu_floor']['median'])};"
                    f" per-round ratio {fmt_stats(row['ratio'], lambda v: f'{v:.2f}x')};"
                    f" medians' ratio {row['ratio_of_medians']:.2f}x"
                )
            self.out()
        for stall in self.stalls:
            self.out(
                f"== event-loop stall, full refresh in the executor,"
                f" {stall['version']} @ {stall['size']:,} (probe sleeps 5 ms;"
                f" floor {fmt_time(stall['probe_floor_s'])}) =="
            )
            self.out(
                f"   ours {fmt_stats(stall['ours'], fmt_time)}"
                f" (refresh {fmt_time(stall['ours_refresh_wall']['median'])});"
                f" baseline {fmt_stats(stall['baseline'], fmt_time)}"
                f" (refresh {fmt_time(stall['baseline_refresh_wall']['median'])})"
            )
        plan = self.plan_result or {}
        if plan.get("present"):
            self.out(
                f"== policy plan, {plan['torrents']:,} torrents:"
                f" {fmt_stats(plan['seconds'], fmt_time)} ({plan['actions']} actions,"
                f" {plan['skipped']} skipped) =="
            )
        else:
            self.out(f"== policy plan, {PLAN_TORRENTS:,} torrents: n/a (policy engine not present)")
        self.out()
        self.out(f"== targets (medians; sizes at {self.target_size:,} torrents) ==")
        for target in self.targets:
            verdict = {True: "PASS", False: "FAIL", None: "n/a"}[target.passed]
            self.out(
                f"   {verdict:<4}  {target.name:<44} {target.scope:<34}"
                f" {target.shown:>10}  (target {target.limit_shown})"
                + ("  [extra, not counted]" if target.extra else "")
            )
        return "\n".join(self.lines)

    def target_note(self, result: Json, attribute: str, scenario: str) -> str:
        """PASS/FAIL beside the row a target reads."""
        if result["size"] != self.target_size:
            return ""
        name = {
            ("wire", "idle"): "poll bytes, idle vs full",
            ("wire", "changed_100"): "poll bytes, 100 changed vs full",
            ("wire", "idle_cycle"): "poll bytes, idle+resyncs vs full",
            ("cpu", "idle"): "client CPU, idle vs full",
            ("cpu", "changed_100"): "client CPU, 100 changed vs full",
            ("cpu", "idle_cycle"): "client CPU, idle+resyncs vs full",
            ("hour", "idle"): "server CPU per hour, idle, vs baseline",
            ("hour", "active"): "server CPU per hour, active, vs baseline",
            ("memory", ""): "held model per torrent",
        }.get((attribute, scenario))
        scope = f"{result['version']} @ {result['size']:,}"
        for target in self.targets:
            if target.name == name and target.scope == scope:
                verdict = "PASS" if target.passed else "FAIL"
                return f"{target.limit_shown} {verdict}" + (" (extra)" if target.extra else "")
        return ""


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


def measure_concurrency(
    clients: Sequence[QbittorrentClient],
    pool: ThreadPoolExecutor,
    pids: Sequence[int],
    reps: int,
    *,
    full: bool,
) -> Json:
    """Each client alone, then all at once in the pool; per rep, concurrent / slowest alone.

    Idle rounds in which a client made its own periodic full resync are measured again.
    """
    concurrent: list[float] = []
    slowest: list[float] = []
    total: list[float] = []
    floors: list[float] = []
    client_cpu: list[float] = []
    servers_cpu: list[float] = []
    cores = os.cpu_count() or 1

    def refresh(client: QbittorrentClient) -> float:
        if full:
            client.reset()
        t0 = time.perf_counter()
        client.sync()
        return time.perf_counter() - t0

    def fulls() -> int:
        return sum(client.full_syncs for client in clients)

    attempts = 0
    while len(concurrent) < reps:
        attempts += 1
        if attempts > 3 * reps:
            raise BenchError("idle rounds kept landing on periodic full resyncs")
        before = fulls()
        alone = [pool.submit(refresh, client).result() for client in clients]
        if full:
            for client in clients:
                client.reset()
        server0 = sum(server_cpu(pid) for pid in pids)
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        futures = [pool.submit(client.sync) for client in clients]
        for future in futures:
            future.result()
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        server = sum(server_cpu(pid) for pid in pids) - server0
        if not full and fulls() != before:
            continue
        concurrent.append(wall)
        slowest.append(max(alone))
        total.append(sum(alone))
        client_cpu.append(cpu)
        servers_cpu.append(server)
        floors.append(max(*alone, (cpu + server) / cores))
    return {
        "concurrent": stats(concurrent),
        "slowest_alone": stats(slowest),
        "sum_alone": stats(total),
        "client_cpu": stats(client_cpu),
        "servers_cpu": stats(servers_cpu),
        "cpu_floor": stats(floors),
        "ratio": stats(ratios(concurrent, slowest)),
        # The target: the typical wall together vs the typical wall of the slowest alone (a
        # ratio of medians; one round's ratio carries the noise of both of its walls).
        "ratio_of_medians": statistics.median(concurrent) / statistics.median(slowest),
        "rounds_redone": attempts - reps,
    }


def synthetic_policy_input(count: int, rng: random.Random) -> PolicyInput:
    """A PolicyInput of ``count`` torrents over 3 instances and 3 Arr categories."""
    from custom_components.qbitrr.policy import model  # noqa: PLC0415 - only with the engine

    now = 1_800_000_000
    instances = ("instance-a", "instance-b", "instance-c")
    arrs = {
        "arr-radarr": ("radarr", model.Settings(slow_speed=50_000, max_eta=7 * 86_400)),
        "arr-sonarr": ("sonarr", model.Settings(strikes=2)),
        "arr-lidarr": ("lidarr", model.Settings(max_removals=25)),
    }
    arr_by_category = {category: arr for arr, (category, _) in arrs.items()}
    # A library that mostly seeds, with a tail of problems for every rule and guard.
    weighted = {
        "stalledUP": 40, "uploading": 15, "pausedUP": 6, "stoppedUP": 6, "downloading": 12,
        "stalledDL": 8, "metaDL": 4, "queuedDL": 2, "pausedDL": 2, "stoppedDL": 1,
        "checkingDL": 1, "error": 1, "missingFiles": 1, "forcedMetaDL": 1,
    }  # fmt: skip
    states = list(weighted)
    weights = list(weighted.values())
    torrents = []
    queues: dict[str, tuple[Any, ...]] = {}
    history: dict[tuple[str, str], Any] = {}
    for index in range(count):
        info_hash = rng.randbytes(20).hex()
        instance = instances[index % len(instances)]
        category = CATEGORIES[(index // 3) % len(CATEGORIES)]
        state = rng.choices(states, weights)[0]
        done = state in {"stalledUP", "uploading", "pausedUP", "stoppedUP"}
        added = now - rng.randrange(60, 20 * 86_400)
        tags = frozenset(
            tag
            for tag, share in (("qbitrr-protected", 0.02), (model.TAG_STRIKE, 0.1), ("4k", 0.2))
            if rng.random() < share
        )
        torrents.append(
            model.TorrentInfo(
                instance=instance,
                hash=info_hash,
                name=f"Synthetic.Torrent.{index:06d}.1080p",
                category=category,
                state=state,
                progress=1.0 if done else rng.random(),
                dlspeed=rng.choice((0, 0, 1_000, 40_000, 2_000_000)),
                eta=rng.choice((8_640_000, 60, 3_600, 30 * 86_400)),
                added_on=added,
                last_activity=rng.choice((0, added, now - rng.randrange(0, 86_400))),
                tags=tags,
                tracker_message=rng.choices((None, "", "Unregistered torrent"), (90, 8, 2))[0],
            )
        )
        if rng.random() < 0.6:  # noqa: PLR2004
            queues[info_hash] = (
                model.QueueEntry(
                    arr=arr_by_category[category],
                    queue_id=index,
                    media_id=index // 2,
                    instance=instance if rng.random() < 0.95 else None,  # noqa: PLR2004
                ),
            )
        if rng.random() < 0.1:  # noqa: PLR2004
            history[(instance, info_hash)] = model.HistoryEntry(
                first_seen_bad=now - rng.randrange(60, 7_200),
                strikes=rng.randrange(0, 3),
                rule=rng.choice(list(model.Rule)),
            )
    return model.PolicyInput(
        now=now,
        torrents=tuple(torrents),
        reachable_instances=frozenset(instances),
        arrs=arrs,
        queues=queues,
        history=history,
    )


# --- command line ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The options."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
        epilog="Exit status: 0 all targets pass (--smoke: no crash), 1 a target failed,"
        " 2 crashed, 130 interrupted.",
    )
    parser.add_argument(
        "--torrents",
        default="1000,10000",
        help="comma-separated torrent counts per server (default 1000,10000)",
    )
    parser.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="1k torrents, 1 repetition, short windows (~1 min); exit 0 even if a target fails",
    )
    parser.add_argument(
        "--versions", default="4,5", help="qBittorrent majors to measure (default 4,5)"
    )
    parser.add_argument(
        "--instance-torrents",
        type=int,
        default=1000,
        help="torrents on each of the 5 concurrent instances (default 1000)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="folder for the server profiles (default: a temporary folder, removed at the end)",
    )
    parser.add_argument(
        "--keep-servers",
        action="store_true",
        help="keep every server running after the measurements and print their logins;"
        " they are stopped on Ctrl-C",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--no-history",
        action="store_true",
        help="leave the magnets as added (every date equal, every total zero): a list that"
        " compresses far better than a real library's, which shrinks the baseline's full poll",
    )
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(x) for x in str(args.torrents).split(",") if x.strip()})
        args.majors = sorted({int(x) for x in str(args.versions).split(",") if x.strip()})
    except ValueError:
        parser.error("--torrents and --versions take comma-separated integers")
    if not args.sizes or min(args.sizes) < max(CHANGE_COUNTS):
        parser.error(f"--torrents: every size must be at least {max(CHANGE_COUNTS)}")
    if not args.majors or not set(args.majors) <= {4, 5}:
        parser.error("--versions: 4 and/or 5")
    if args.reps < 1 or args.instance_torrents < 1:
        parser.error("--reps and --instance-torrents must be positive")
    return args


def settings_from(args: argparse.Namespace) -> Settings:
    """Options -> what to measure."""
    if args.smoke:
        return Settings(
            sizes=[1000],
            reps=1,
            majors=args.majors,
            instance_torrents=min(args.instance_torrents, 1000),
            window=0.75,
            background=0.5,
            memory_reps=1,
            smoke=True,
            seed=args.seed,
            history=not args.no_history,
        )
    return Settings(
        sizes=args.sizes,
        reps=args.reps,
        majors=args.majors,
        instance_torrents=args.instance_torrents,
        window=2.0,
        background=1.5,
        memory_reps=min(args.reps, 2),
        smoke=False,
        seed=args.seed,
        history=not args.no_history,
    )


@contextlib.contextmanager
def termination_as_exit() -> Iterator[None]:
    """SIGTERM/SIGHUP end the run like Ctrl-C does, so the servers get stopped."""

    def on_signal(signum: int, frame: FrameType | None) -> None:
        del frame
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; see the module docstring for the exit status."""
    args = parse_args(argv)
    settings = settings_from(args)
    qbt5 = ROOT / ".cache" / "qbittorrent5"
    if 5 in settings.majors and not os.environ.get("QBITRR_QBT5_ROOT") and qbt5.is_dir():  # noqa: PLR2004
        os.environ["QBITRR_QBT5_ROOT"] = str(qbt5)
    temporary = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="qbitrr-bench-")) if temporary else args.workdir
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    bench: Benchmark | None = None
    try:
        with termination_as_exit():
            bench = Benchmark(settings, workdir, keep_servers=args.keep_servers)
            failed = run(bench)
            if args.keep_servers:
                keep(bench)
    except KeyboardInterrupt:
        log("interrupted; servers stopped")
        return 130
    except Exception:  # noqa: BLE001 - report any crash with its traceback, then exit 2
        traceback.print_exc()
        return 2
    finally:
        if bench is not None:
            bench.stop_all()
        if temporary:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed and not settings.smoke else 0


def run(bench: Benchmark) -> list[Target]:
    """Every scenario, the table and the JSON line; returns the failed targets."""
    settings = bench.s
    started = time.perf_counter()
    log(
        f"sizes {settings.sizes}, {settings.reps} rep(s), qBittorrent {settings.majors},"
        f" {'library history' if settings.history else 'fresh magnets (--no-history)'},"
        f" workdir {bench.workdir}"
    )
    bench.run_policy()
    for major in settings.majors:
        bench.run_version(major)
    bench.run_instances()
    bench.evaluate_targets()
    elapsed = time.perf_counter() - started
    print(bench.render())
    failed = [t for t in bench.targets if t.passed is False and not t.extra]
    summary: Json = {
        "mode": "smoke" if settings.smoke else "full",
        "library_history": settings.history,
        "sizes": settings.sizes,
        "reps": settings.reps,
        "cores": os.cpu_count(),
        "intervals_s": {
            "ours": bench.interval,
            "ours_idle": bench.idle_interval,
            "ours_chosen_by": "coordinator.next_interval"
            if hasattr(qbit_coordinator, "next_interval")
            else "constants",
            "baseline": BASELINE_INTERVAL,
        },
        "polls": bench.results,
        "instances": bench.instances_result,
        "loop_stall": bench.stalls,
        "policy": bench.plan_result,
        "targets": [t.as_json() for t in bench.targets],
        "failed": [f"{t.name} ({t.scope})" for t in failed],
        "all_pass": not failed,
        "elapsed_s": round(elapsed, 1),
    }
    print(f"   elapsed {elapsed:.0f} s; {len(failed)} target(s) failed")
    print("BENCH_JSON " + json.dumps(summary, separators=(",", ":")), flush=True)
    return failed


def keep(bench: Benchmark) -> None:
    """--keep-servers: leave the servers up for inspection until Ctrl-C."""
    for server in bench.servers:
        if server.running:
            log(f"kept {server!r}: user {server.username}, password {server.password}")
    log("servers kept running; Ctrl-C stops them")
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
