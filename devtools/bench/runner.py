"""``Benchmark``: the settings, the servers it starts, the order of the scenarios, the results."""

from __future__ import annotations

from dataclasses import dataclass
import random
import threading
from typing import TYPE_CHECKING, Final

from custom_components.qbitrr.api.qbittorrent import FULL_RESYNC_POLLS
from custom_components.qbitrr.const import QBIT_IDLE_UPDATE_INTERVAL, QBIT_UPDATE_INTERVAL
from devtools.qbittorrent_server import QbittorrentServer

from .common import log
from .fill import FLIP_TAG, Instance, fill, quiet
from .machine import MachineWatch
from .memory import measure_memory
from .server_polls import measure_polls
from .stall import measure_stall

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from .common import Json
    from .targets import Target

# --only: plan (policy plan), polls (scenarios 1-5 and 8 per server), instances, handling.
SCENARIO_GROUPS: Final = frozenset({"plan", "polls", "instances", "handling"})
TARGET_SIZE: Final = 10_000  # the size the targets are read at (else the largest measured)


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
    handling_torrents: int  # stalled magnets for the handle_torrents run (0: not run)
    scenarios: frozenset[str] = SCENARIO_GROUPS  # --only: which groups of scenarios run


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
        self.handling_result: Json | None = None
        self.targets: list[Target] = []
        self.machine = MachineWatch()  # which phases other processes slowed
        self.interval: float = QBIT_UPDATE_INTERVAL.total_seconds()
        self.idle_interval: float = QBIT_IDLE_UPDATE_INTERVAL.total_seconds()
        # Incremental polls between the client's own periodic full resyncs.
        self.resync: int = FULL_RESYNC_POLLS
        self.target_size = TARGET_SIZE if TARGET_SIZE in settings.sizes else max(settings.sizes)

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
        """Stop servers no longer needed (kept for --keep-servers).

        In parallel: 10k torrents take seconds to shut down.
        """
        if self.keep_servers:
            return
        _in_parallel([i.server for i in instances])

    def stop_all(self) -> None:
        """Stop every server this run started."""
        _in_parallel([s for s in self.servers if s.running])

    def run_version(self, major: int) -> None:
        """Scenarios 1-5 and 8 on one server of this major version, filled up size by size."""
        instance = self.start_instance(major, f"qbt{major}")
        try:
            for size in sorted(self.s.sizes):
                fill(instance, size, self.rng, history=self.s.history)
                rate = quiet(instance)
                log(f"{instance.version} @ {size:,}: idle server uses {rate:.0%} of a core")
                with self.machine.phase(f"polls {instance.version} @ {size:,}"):
                    self.results.append(measure_polls(self, instance, size))
                self.results[-1]["memory"] = measure_memory(self, instance, size)
            size = max(self.s.sizes)
            with self.machine.phase(f"stall {instance.version} @ {size:,}"):
                self.stalls.append(measure_stall(self, instance, size))
        finally:
            self.release([instance])


def _in_parallel(servers: Sequence[QbittorrentServer]) -> None:
    """Stop servers, each in its own thread."""
    threads = [threading.Thread(target=s.stop) for s in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
