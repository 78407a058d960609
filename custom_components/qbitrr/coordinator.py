"""Data update coordinators: one per config entry, so every server polls on its own timer."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api.arr import (
    ArrAuthError,
    ArrClient,
    ArrError,
    ArrStatus,
    DiskSpace,
    DownloadClient,
    HealthMessage,
    QueueItem,
)
from .api.maindata import QbitSnapshot, Torrent
from .api.qbittorrent import QbitAuthError, QbitError, QbittorrentClient
from .const import (
    ARR_UPDATE_INTERVAL,
    CONF_CATEGORY,
    DOMAIN,
    EVENT_TORRENT_COMPLETED,
    EVENT_TORRENT_FAILED,
    LOGGER,
    QBIT_IDLE_UPDATE_INTERVAL,
    QBIT_MAX_UPDATE_INTERVAL,
    QBIT_POLL_LOAD_FACTOR,
    QBIT_UPDATE_INTERVAL,
    SIGNAL_QBIT_UPDATED,
)
from .helpers import managed_categories
from .issues import (
    ISSUE_ARR_HEALTH,
    ISSUE_AUTH_FAILED,
    ISSUE_CATEGORY_MISSING,
    ISSUE_UNREACHABLE,
    UNREACHABLE_AFTER,
    clear_category_issues,
    clear_issue,
    raise_issue,
)
from .policy.categories import CategorySyncResult, is_valid_category, missing_categories
from .policy.states import StateGroup, state_group


def _progress(torrent: Torrent) -> float:
    progress = torrent.get("progress")
    return float(progress) if isinstance(progress, int | float) else 0.0


def is_active(snapshot: QbitSnapshot) -> bool:
    """Whether torrents are moving: transfers, checks, moves, or changes since the last poll."""
    counts = snapshot.counts
    busy = counts[StateGroup.DOWNLOADING] + counts[StateGroup.CHECKING] + counts[StateGroup.MOVING]
    speeds = (
        snapshot.server_state.get("dl_info_speed"),
        snapshot.server_state.get("up_info_speed"),
    )
    return (
        busy > 0
        or any(isinstance(speed, int | float) and speed > 0 for speed in speeds)
        or (not snapshot.full_update and bool(snapshot.maindata.changed))
    )


def next_interval(snapshot: QbitSnapshot, poll_seconds: float) -> timedelta:
    """Return the wait before the next poll (the policy is described at QBIT_UPDATE_INTERVAL)."""
    base = QBIT_UPDATE_INTERVAL if is_active(snapshot) else QBIT_IDLE_UPDATE_INTERVAL
    load_bound = timedelta(seconds=poll_seconds * QBIT_POLL_LOAD_FACTOR)
    return min(max(base, load_bound), QBIT_MAX_UPDATE_INTERVAL)


type QbitrrConfigEntry = ConfigEntry[QbitCoordinator | ArrCoordinator]
type QbitConfigEntry = ConfigEntry[QbitCoordinator]
type ArrConfigEntry = ConfigEntry[ArrCoordinator]


@dataclass(slots=True)
class InstanceHealth:
    """How the last polls of one server went."""

    consecutive_failures: int = 0
    last_success: datetime | None = None
    last_error: str | None = None
    failing_since: datetime | None = None

    def record_success(self) -> None:
        """Note a successful poll."""
        self.consecutive_failures = 0
        self.last_success = dt_util.utcnow()
        self.last_error = None
        self.failing_since = None

    def record_failure(self, err: Exception) -> None:
        """Note a failed poll."""
        self.consecutive_failures += 1
        self.last_error = str(err) or type(err).__name__
        self.failing_since = self.failing_since or dt_util.utcnow()

    @property
    def down_too_long(self) -> bool:
        """Whether the server has been failing for longer than a blip."""
        return (
            self.failing_since is not None
            and dt_util.utcnow() - self.failing_since >= UNREACHABLE_AFTER
        )


def _track_health(
    hass: HomeAssistant, entry: ConfigEntry[Any], health: InstanceHealth, err: Exception | None
) -> None:
    """Raise or clear the unreachable and authentication issues after a poll."""
    entry_id = entry.entry_id
    placeholders = {"title": entry.title}
    if err is None:
        clear_issue(hass, ISSUE_UNREACHABLE, entry_id)
        clear_issue(hass, ISSUE_AUTH_FAILED, entry_id)
    elif isinstance(err, QbitAuthError | ArrAuthError):
        raise_issue(hass, ISSUE_AUTH_FAILED, entry_id, placeholders)
    elif health.down_too_long and health.failing_since is not None:
        since = dt_util.as_local(health.failing_since).strftime("%Y-%m-%d %H:%M")
        raise_issue(
            hass,
            ISSUE_UNREACHABLE,
            entry_id,
            {**placeholders, "since": since, "error": health.last_error or ""},
        )


class QbitCoordinator(DataUpdateCoordinator[QbitSnapshot]):
    """Polls one qBittorrent server with incremental `sync/maindata` requests."""

    config_entry: QbitConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: QbitConfigEntry, client: QbittorrentClient
    ) -> None:
        """Create the coordinator for one qBittorrent entry."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=QBIT_UPDATE_INTERVAL,
        )
        self.client = client
        self.health = InstanceHealth()
        # The managed categories last ensured on this instance; None after an outage, so the
        # instance gets them again as soon as it is back.
        self._categories_ensured_for: frozenset[str] | None = None
        self._category_lock = asyncio.Lock()
        self.async_add_listener(self._announce_update)

    def _announce_update(self) -> None:
        async_dispatcher_send(self.hass, SIGNAL_QBIT_UPDATED)

    async def _async_update_data(self) -> QbitSnapshot:
        # One executor job per poll (request, parsing, merge): nothing blocks the event loop.
        started = time.monotonic()
        try:
            snapshot = await self.hass.async_add_executor_job(self.client.sync)
        except QbitAuthError as err:
            self._record_failure(err)
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except QbitError as err:
            self._record_failure(err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="communication_error",
                translation_placeholders={"error": str(err)},
            ) from err
        self.health.record_success()
        _track_health(self.hass, self.config_entry, self.health, None)
        self.schedule_category_sync(snapshot)
        self._fire_transitions(self.data, snapshot)
        self.update_interval = next_interval(snapshot, time.monotonic() - started)
        return snapshot

    def _fire_transitions(self, before: QbitSnapshot | None, after: QbitSnapshot) -> None:
        """Fire an event for each torrent that finished or failed since the last poll."""
        if before is None:
            return  # nothing to compare with on the first poll
        hashes = after.torrents.keys() if after.full_update else after.maindata.changed
        for torrent_hash in hashes:
            old, new = before.torrents.get(torrent_hash), after.torrents.get(torrent_hash)
            if old is None or new is None:
                continue
            if _progress(old) < 1 <= _progress(new):
                event = EVENT_TORRENT_COMPLETED
            elif (
                state_group(new.get("state")) is StateGroup.ERRORED
                and state_group(old.get("state")) is not StateGroup.ERRORED
            ):
                event = EVENT_TORRENT_FAILED
            else:
                continue
            self.hass.bus.async_fire(
                event,
                {
                    "instance": self.config_entry.entry_id,
                    "instance_title": self.config_entry.title,
                    "hash": torrent_hash,
                    "name": new.get("name"),
                    "category": new.get("category") or "",
                    "state": new.get("state"),
                },
            )

    def _record_failure(self, err: QbitError) -> None:
        self.health.record_failure(err)
        _track_health(self.hass, self.config_entry, self.health, err)
        self._categories_ensured_for = None

    def schedule_category_sync(self, snapshot: QbitSnapshot | None = None) -> None:
        """Ensure the managed categories when the instance is new, back, or they changed."""
        if snapshot is None:  # called from outside a poll: use the last good one
            if self.data is None or not self.last_update_success:
                return  # done when the instance is back
            snapshot = self.data
        wanted = managed_categories(self.hass)
        if wanted == self._categories_ensured_for:
            return
        self._categories_ensured_for = wanted
        if missing_categories(wanted, snapshot.maindata.categories):
            self.config_entry.async_create_background_task(
                self.hass,
                self.async_ensure_categories(wanted, snapshot),
                name=f"{DOMAIN} categories {self.config_entry.title}",
            )

    async def async_ensure_categories(
        self, wanted: frozenset[str], snapshot: QbitSnapshot | None = None
    ) -> CategorySyncResult:
        """Create the wanted categories this instance lacks; leave existing ones untouched."""
        # A snapshot handed in comes from a poll that just succeeded (the coordinator marks
        # success only after the poll returns); otherwise the last good one must be current.
        if snapshot is None and self.last_update_success:
            snapshot = self.data
        if snapshot is None:
            return CategorySyncResult(failed=dict.fromkeys(sorted(wanted), "instance unreachable"))
        async with self._category_lock:
            result = await self._async_create_missing(wanted, snapshot)
        self._report_categories(result)
        if result.failed:
            LOGGER.warning(
                "Could not create categories on %s: %s", self.config_entry.title, result.failed
            )
            self._categories_ensured_for = None
        if result.created:
            LOGGER.info("Created categories %s on %s", result.created, self.config_entry.title)
            await self.async_request_refresh()
        return result

    async def _async_create_missing(
        self, wanted: frozenset[str], snapshot: QbitSnapshot
    ) -> CategorySyncResult:
        existing = set(snapshot.maindata.categories)
        if self.data is not None:
            existing |= set(self.data.maindata.categories)
        missing = missing_categories(wanted, existing)
        result = CategorySyncResult(present=sorted(set(wanted) - set(missing)))
        to_create = [name for name in missing if is_valid_category(name)]
        result.failed = dict.fromkeys(
            sorted(set(missing) - set(to_create)), "invalid category name"
        )
        if not to_create:
            return result
        outcome = await self.hass.async_add_executor_job(self.client.create_categories, to_create)
        for name, error in outcome.items():
            if error is None:
                result.created.append(name)
            elif error == "exists":
                result.present.append(name)
            else:
                result.failed[name] = error
        return result

    def _report_categories(self, result: CategorySyncResult) -> None:
        """Keep one repair issue per category this instance lacks and could not get."""
        entry = self.config_entry
        clear_category_issues(self.hass, entry.entry_id, [*result.created, *result.present])
        for category, error in result.failed.items():
            raise_issue(
                self.hass,
                ISSUE_CATEGORY_MISSING,
                entry.entry_id,
                {"title": entry.title, "category": category, "error": error},
                detail=category,
                fixable=True,
            )

    async def async_shutdown(self) -> None:
        """Stop polling and drop the HTTP session."""
        await super().async_shutdown()
        await self.hass.async_add_executor_job(self.client.close)


@dataclass(frozen=True, slots=True)
class ArrSnapshot:
    """What one poll of an Arr app yields."""

    status: ArrStatus
    health: tuple[HealthMessage, ...]
    disk_space: tuple[DiskSpace, ...]
    queue: tuple[QueueItem, ...]
    download_clients: tuple[DownloadClient, ...]
    # Queue items by lower-case torrent hash (the first item wins for a shared hash).
    queue_by_hash: Mapping[str, QueueItem]

    @property
    def problems(self) -> tuple[HealthMessage, ...]:
        """Health warnings and errors."""
        return tuple(message for message in self.health if message.is_problem)


def build_arr_snapshot(
    status: ArrStatus,
    health: list[HealthMessage],
    disk_space: list[DiskSpace],
    queue: list[QueueItem],
    download_clients: list[DownloadClient],
) -> ArrSnapshot:
    """Assemble a snapshot and index its queue once per poll."""
    by_hash: dict[str, QueueItem] = {}
    for item in queue:
        if item.torrent_hash:
            by_hash.setdefault(item.torrent_hash, item)
    return ArrSnapshot(
        status=status,
        health=tuple(health),
        disk_space=tuple(disk_space),
        queue=tuple(queue),
        download_clients=tuple(download_clients),
        queue_by_hash=by_hash,
    )


class ArrCoordinator(DataUpdateCoordinator[ArrSnapshot]):
    """Polls one Radarr, Sonarr or Lidarr: status, health, disk space and the whole queue."""

    config_entry: ArrConfigEntry

    def __init__(self, hass: HomeAssistant, entry: ArrConfigEntry, client: ArrClient) -> None:
        """Create the coordinator for one Arr entry."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=ARR_UPDATE_INTERVAL,
        )
        self.client = client
        self.health = InstanceHealth()

    @property
    def category(self) -> str:
        """The qBittorrent category this app downloads into."""
        return str(self.config_entry.data[CONF_CATEGORY])

    async def _async_update_data(self) -> ArrSnapshot:
        try:
            status, health, disk_space, queue, download_clients = await asyncio.gather(
                self.client.status(),
                self.client.health(),
                self.client.disk_space(),
                self.client.queue(),
                self.client.download_clients(),
            )
        except ArrAuthError as err:
            self.health.record_failure(err)
            _track_health(self.hass, self.config_entry, self.health, err)
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_api_key"
            ) from err
        except ArrError as err:
            self.health.record_failure(err)
            _track_health(self.hass, self.config_entry, self.health, err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="arr_communication_error",
                translation_placeholders={"error": str(err) or type(err).__name__},
            ) from err
        self.health.record_success()
        _track_health(self.hass, self.config_entry, self.health, None)
        errors = [message for message in health if message.type == "error"]
        if errors:
            raise_issue(
                self.hass,
                ISSUE_ARR_HEALTH,
                self.config_entry.entry_id,
                {
                    "title": self.config_entry.title,
                    "messages": "; ".join(m.message for m in errors),
                },
            )
        else:
            clear_issue(self.hass, ISSUE_ARR_HEALTH, self.config_entry.entry_id)
        return build_arr_snapshot(status, health, disk_space, queue, download_clients)
