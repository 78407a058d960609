"""A run's planning, in a worker thread: every judged Arr's plan and every server's goals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import time
from typing import Final

from ..model.torrent import TorrentKey
from ..policy.engine import evaluate
from ..policy.files import FileStep, FileVerdict, with_bad_files
from ..policy.imports import with_imports
from ..policy.inputs import ArrView, InstanceView, QueueMemo, build_inputs
from ..policy.model import HistoryEntry, Plan, PolicyInput
from ..policy.seeding import SeedingPlan
from ..policy.seeding_goals import RiskCheck
from ..policy.seeding_memo import SeedingMemo
from ..policy.views import Changes, TorrentViews
from .seeding import SeedingServer, ServerClocks, plan_servers

# Tracker messages cost one request per torrent: ask only for likely candidates, and few.
TRACKER_STATES: Final = frozenset({"metaDL", "stalledDL", "error"})


def data_arr(data: PolicyInput) -> str:
    """Return the Arr an input was built for (each input covers exactly one)."""
    return next(iter(data.arrs))


@dataclass(frozen=True, slots=True)
class Gathered:
    """What a run reads from Home Assistant, taken on the event loop."""

    instances: tuple[InstanceView, ...]
    judged: tuple[ArrView, ...]
    every_arr: tuple[ArrView, ...]
    skipped_arrs: Mapping[str, tuple[str, str]]
    titles: Mapping[str, str]  # entry id -> title, for the response
    servers: tuple[SeedingServer, ...]  # reachable servers, for their seeding goals
    listed: frozenset[str] | None  # hashes some Arr lists (None: an Arr's queue is unknown)


@dataclass(frozen=True, slots=True)
class Plans:
    """A run's plans: each judged Arr's, and each server's seeding plan."""

    arrs: list[tuple[PolicyInput, Plan]]
    seeding: list[tuple[SeedingServer, SeedingPlan]]
    file_steps: tuple[FileStep, ...] = ()  # bad files to set to "do not download"


def private_candidates(gathered: Gathered) -> dict[str, list[str]]:
    """Incomplete private torrents with data in judged categories, by server: stalled first.

    Whether the stalled-torrent rules may remove them depends on how long they have been
    active, which only the server's per-torrent properties tell.
    """
    categories = {category for arr in gathered.judged for category in arr.categories}
    found: dict[str, list[str]] = {}
    for server in gathered.servers:
        candidates = sorted(
            (torrent.state not in TRACKER_STATES, torrent_hash)
            for torrent_hash, torrent in server.torrents.items()
            if torrent.private != 0 and 0 < torrent.progress < 1 and torrent.category in categories
        )
        found[server.entry_id] = [torrent_hash for _, torrent_hash in candidates]
    return found


@dataclass(slots=True)
class PlanMemory:
    """What one run's planning keeps for the next: settled records are not read again.

    Used by one run at a time (the handler's lock), in its worker thread.
    """

    views: TorrentViews = field(default_factory=TorrentViews)
    queues: QueueMemo = field(default_factory=QueueMemo)
    seeding: dict[str, SeedingMemo] = field(default_factory=dict)
    # What the last `inputs` found changed on each server it followed, for `rules` (once).
    changes: dict[str, Changes] = field(default_factory=dict)

    def plan(
        self,
        gathered: Gathered,
        messages: Mapping[TorrentKey, str | None],
        history: Mapping[str, Mapping[TorrentKey, HistoryEntry]],
        clocks: Mapping[str, ServerClocks],
        verdicts: Mapping[TorrentKey, FileVerdict],
    ) -> Plans:
        """Build every judged Arr's input and every server's, and plan them (in a worker thread)."""
        now = int(time.time())
        inputs = self.inputs(now, gathered, messages, history, clocks)
        return self.rules(now, gathered, inputs, clocks, verdicts)

    def inputs(
        self,
        now: int,
        gathered: Gathered,
        messages: Mapping[TorrentKey, str | None],
        history: Mapping[str, Mapping[TorrentKey, HistoryEntry]],
        clocks: Mapping[str, ServerClocks],
    ) -> list[PolicyInput]:
        """Bring the kept views and queue entries up to date: each judged Arr's input."""
        inputs = build_inputs(
            now,
            instances=gathered.instances,
            judged=gathered.judged,
            every_arr=gathered.every_arr,
            messages=messages,
            history=history,
            risks={
                server.entry_id: RiskCheck(server.config, clocks[server.entry_id].seeded)
                for server in gathered.servers
                if server.entry_id in clocks
            },
            views=self.views,
            queue_memo=self.queues,
        )
        self.changes = {
            instance.entry_id: changes
            for instance in gathered.instances
            if instance.torrents is not None
            and (changes := self.views.changes(instance.entry_id)) is not None
        }
        return inputs

    def rules(
        self,
        now: int,
        gathered: Gathered,
        inputs: list[PolicyInput],
        clocks: Mapping[str, ServerClocks],
        verdicts: Mapping[TorrentKey, FileVerdict],
    ) -> Plans:
        """Run every rule: each Arr's stalled, import and file rules, each server's goals."""
        judged = {arr.entry_id: arr for arr in gathered.judged}
        files = with_bad_files(
            [
                (data, with_imports(data, arr.queue, evaluate(data), self.queues.downloads(arr)))
                for data in inputs
                for arr in [judged[data_arr(data)]]
            ],
            verdicts,
        )
        self.queues.end_run()
        changes, self.changes = self.changes, {}
        for server in gathered.servers:
            memo = self.seeding.setdefault(server.entry_id, SeedingMemo())
            memo.follow(changes.get(server.entry_id))
        return Plans(
            files.arrs,
            plan_servers(gathered.servers, now, gathered.listed, clocks, self.seeding),
            files.steps,
        )
