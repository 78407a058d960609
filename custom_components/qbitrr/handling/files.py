"""The file rule in a handling run: each torrent's file list read once, its bad files skipped.

Only torrents not checked yet are asked about (`torrents/files`, one request each), at most
`MAX_FILE_LISTS` per server and run, newest first; nothing is added to the polls. What a list
showed is remembered per server and info-hash (a torrent's files never change) until the
torrent leaves the server or its Arr's rule changes. The memory is not persisted: after a
restart each torrent is read once more, and files already set to "do not download" no longer
count, so nothing is done twice.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
import heapq
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback

from ..api.qbittorrent import QbitConnectionError, QbitError, QbittorrentClient
from ..const import CONF_APP, LOGGER
from ..coordinator import ArrCoordinator, QbitCoordinator
from ..entries import qbit_coordinators
from ..errors import NOT_LOADED, error_code
from ..model.arr import ArrApp
from ..model.files import TorrentFile
from ..model.torrent import TorrentKey
from ..policy.files import FileMode, FileRule, FileStep, FileVerdict, judge_files
from ..policy.files_options import OPT_EXCLUDE_DANGEROUS, excluded_patterns, file_rule
from ..policy.inputs import ArrView
from ..policy.model import ActionKind, Plan, PolicyInput, Rule
from .executor import DONE, RESULT_FAILED, Outcome
from .seeding import SeedingServer

MAX_FILE_LISTS: Final = 50  # file lists asked per server and run
# Without metadata a torrent has no file list yet.
_NO_METADATA: Final = frozenset({"metaDL", "forcedMetaDL"})
_NOT_SETTLED: Final = frozenset({ActionKind.DEFERRED, ActionKind.PENDING_REMOVAL})


@dataclass(slots=True)
class _Checked:
    """What one torrent's file list showed under a rule, and whether it has been dealt with."""

    rule: FileRule
    verdict: FileVerdict | None  # None: no bad file
    done: bool = False


@callback
def file_rules(arrs: Sequence[ArrCoordinator], judged: Sequence[ArrView]) -> dict[str, FileRule]:
    """Return each judged category's (every spelling's) file rule; rules that are off left out."""
    by_id = {arr.config_entry.entry_id: arr for arr in arrs}
    rules: dict[str, FileRule] = {}
    for view in judged:
        entry = by_id[view.entry_id].config_entry
        rule = file_rule(entry.options, ArrApp(entry.data.get(CONF_APP, ArrApp.RADARR)))
        if rule.mode is not FileMode.OFF:
            rules.update(dict.fromkeys(view.categories, rule))
    return rules


def _judged_lists(
    client: QbittorrentClient, hashes: list[str], rules: Mapping[str, FileRule]
) -> dict[str, FileVerdict | None]:
    """Read and judge file lists (blocking; in the executor)."""
    lists: Mapping[str, Sequence[TorrentFile]] = client.file_lists(hashes)
    return {h: judge_files(files, rules[h]) for h, files in lists.items()}


def _skip(client: QbittorrentClient, steps: Sequence[FileStep]) -> dict[str, str | None]:
    """Skip each torrent's bad files (blocking); per hash, its error code or None."""
    errors: dict[str, str | None] = {}
    gone: str | None = None
    for step in steps:
        if gone is not None:
            errors[step.hash] = gone
            continue
        try:
            client.skip_files(step.hash, step.indices)
        except QbitConnectionError as err:
            gone = errors[step.hash] = error_code(err)
        except QbitError as err:
            errors[step.hash] = error_code(err)
        else:
            errors[step.hash] = None
    return errors


class FileChecks:
    """The file lists each server showed, and what was done about them."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start knowing nothing."""
        self.hass = hass
        self._checked: dict[str, dict[str, _Checked]] = {}  # server -> hash -> what it showed
        self._rules: dict[FileRule, FileRule] = {}  # one object per rule: compared by identity
        self._excluded: set[str] = set()  # servers whose excluded file names were written

    async def async_verdicts(
        self,
        arrs: Sequence[ArrCoordinator],
        judged: Sequence[ArrView],
        servers: Sequence[SeedingServer],
    ) -> dict[TorrentKey, FileVerdict]:
        """Check the torrents not checked yet; return the verdicts not dealt with yet."""
        rules = {c: self._rules.setdefault(r, r) for c, r in file_rules(arrs, judged).items()}
        await asyncio.gather(*(self._async_check(server, rules) for server in servers))
        verdicts: dict[TorrentKey, FileVerdict] = {}
        for server in servers:
            torrents = server.torrents
            for torrent_hash, checked in self._checked.get(server.entry_id, {}).items():
                if checked.verdict is None or checked.done:
                    continue
                if rules.get(torrents[torrent_hash].category) is checked.rule:
                    verdicts[server.entry_id, torrent_hash] = checked.verdict
        return verdicts

    async def _async_check(self, server: SeedingServer, rules: Mapping[str, FileRule]) -> None:
        torrents = server.torrents
        known = self._checked.setdefault(server.entry_id, {})
        for torrent_hash in [h for h in known if h not in torrents]:
            del known[torrent_hash]  # left the server
        if not rules:
            return
        candidates = []
        for torrent_hash, torrent in torrents.items():
            rule = rules.get(torrent.category)
            if rule is None or torrent.state in _NO_METADATA:
                continue
            checked = known.get(torrent_hash)
            if checked is None or checked.rule is not rule:
                candidates.append((torrent.added_on, torrent_hash, rule))
        newest = heapq.nlargest(MAX_FILE_LISTS, candidates)
        if not newest:
            return
        asked = {torrent_hash: rule for _, torrent_hash, rule in newest}
        try:
            found = await self.hass.async_add_executor_job(
                _judged_lists, server.coordinator.client, list(asked), asked
            )
        except QbitError as err:
            LOGGER.debug("No file lists from %s: %s", server.title, err)
            return
        for torrent_hash, verdict in found.items():
            known[torrent_hash] = _Checked(asked[torrent_hash], verdict)

    async def async_after_run(
        self,
        steps: Sequence[FileStep],
        plans: Iterable[tuple[PolicyInput, Plan]],
        outcomes: Mapping[Any, Outcome],
        servers: Sequence[SeedingServer],
    ) -> dict[TorrentKey, Outcome]:
        """Skip the planned files, remember what was dealt with, set servers' excluded names."""
        instances = {c.config_entry.entry_id: c for c in qbit_coordinators(self.hass)}
        skipped = await self.async_skip(steps, instances)
        self.settle_removals(plans, outcomes)
        await self.async_exclude_names(servers)
        return skipped

    async def async_skip(
        self, steps: Sequence[FileStep], instances: Mapping[str, QbitCoordinator]
    ) -> dict[TorrentKey, Outcome]:
        """Set the planned files to "do not download"; return each torrent's outcome."""
        by_instance: defaultdict[str, list[FileStep]] = defaultdict(list)
        for step in steps:
            by_instance[step.instance].append(step)
        outcomes: dict[TorrentKey, Outcome] = {}

        async def on_instance(instance_id: str, own: list[FileStep]) -> None:
            instance = instances.get(instance_id)
            errors: Mapping[str, str | None] = (
                await self.hass.async_add_executor_job(_skip, instance.client, own)
                if instance is not None
                else dict.fromkeys((step.hash for step in own), NOT_LOADED)
            )
            for step in own:
                error = errors.get(step.hash)
                outcomes[instance_id, step.hash] = Outcome(RESULT_FAILED, error) if error else DONE
                if not error:
                    self._settle(instance_id, step.hash)

        await asyncio.gather(*(on_instance(i, own) for i, own in by_instance.items()))
        return outcomes

    def settle_removals(
        self, plans: Iterable[tuple[PolicyInput, Plan]], outcomes: Mapping[Any, Outcome]
    ) -> None:
        """Remember the releases of bad files dealt with: removed, kept seeding or tagged."""
        for _, plan in plans:
            for action in plan.actions:
                if action.rule is not Rule.BAD_FILES or action.kind in _NOT_SETTLED:
                    continue
                outcome = outcomes.get((action.instance, action.hash, action.arr))
                if outcome is not None and outcome.result != RESULT_FAILED:
                    self._settle(action.instance, action.hash)

    def _settle(self, instance: str, torrent_hash: str) -> None:
        checked = self._checked.get(instance, {}).get(torrent_hash)
        if checked is not None:
            checked.done = True

    async def async_exclude_names(self, servers: Sequence[SeedingServer]) -> None:
        """Write the dangerous patterns into the servers' excluded file names where asked.

        Once per server while Home Assistant runs; the user's own patterns stay.
        """
        for server in servers:
            entry = server.coordinator.config_entry
            if server.entry_id in self._excluded or not entry.options.get(OPT_EXCLUDE_DANGEROUS):
                continue
            try:
                changed = await self.hass.async_add_executor_job(
                    server.coordinator.client.exclude_file_names, excluded_patterns()
                )
            except QbitError as err:
                LOGGER.warning("Excluded file names not set on %s: %s", server.title, err)
                continue
            self._excluded.add(server.entry_id)
            if changed is None:
                LOGGER.warning("%s has no excluded file names (qBittorrent 4.5+)", server.title)


def render_skipped_files(
    response: dict[str, Any],
    steps: Sequence[FileStep],
    outcomes: Mapping[TorrentKey, Outcome],
    titles: Mapping[str, str],
) -> None:
    """Add the files set (or, in a dry run, to set) to "do not download" to a response."""
    planned = Outcome()
    rows = []
    for step in steps:
        outcome = outcomes.get((step.instance, step.hash), planned)
        rows.append(
            {
                "instance": step.instance,
                "instance_title": titles.get(step.instance, step.instance),
                "hash": step.hash,
                "name": step.name,
                "arr": step.arr,
                "arr_title": titles.get(step.arr, step.arr),
                "files": list(step.names),
                "action": "skip_files",
                "result": outcome.result,
                "error": outcome.error,
            }
        )
    response["bad_files"] = rows
    response["summary"]["files_skipped"] = len(rows)
