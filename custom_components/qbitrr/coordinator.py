"""Data update coordinators: one per config entry, so every server polls on its own timer.

They poll, map the clients' errors onto Home Assistant's, and announce what changed (torrents
that finished or failed, every refresh on the dispatcher); work across entries is the hub's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import time
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api.arr import ArrAuthError, ArrClient, ArrError
from .api.qbittorrent import (
    QbitApiKeyUnsupportedError,
    QbitAuthError,
    QbitConnectionError,
    QbitError,
    QbittorrentClient,
)
from .const import (
    ARR_UPDATE_INTERVAL,
    CONF_CATEGORY,
    DOMAIN,
    EVENT_TORRENT_COMPLETED,
    EVENT_TORRENT_FAILED,
    LOGGER,
    QBIT_UPDATE_INTERVAL,
    SIGNAL_QBIT_UPDATED,
)
from .health import InstanceHealth
from .model.server import ServerState, SpeedLimit
from .model.states import StateGroup, state_group
from .policy.options import OPT_REMOVE_UNMONITORED, with_defaults
from .snapshot import ArrSnapshot, QbitSnapshot, build_snapshot, next_interval

type QbitrrConfigEntry = ConfigEntry[QbitCoordinator | ArrCoordinator]
type QbitConfigEntry = ConfigEntry[QbitCoordinator]
type ArrConfigEntry = ConfigEntry[ArrCoordinator]

# A speed limit not in use (the alternative ones while they are off, the global ones while
# they are on) shows nowhere in `sync/maindata`: it takes a request for `app/preferences`.
# Polls send it only when the limits may have changed: on a full reply (setup, after any
# error, every FULL_RESYNC_POLLS), when the reply changes the limits in use or the alternative
# mode, after qbitrr set a limit, and every LIMITS_EVERY_POLLS polls for an edit made in the
# WebUI to limits not in use: at most 10 minutes late while torrents move (80 at rest), for
# one small request in 40 polls.
LIMITS_EVERY_POLLS: Final = 40


def _limits_may_have_changed(before: ServerState, after: ServerState) -> bool:
    return (before.dl_rate_limit, before.up_rate_limit, before.use_alt_speed_limits) != (
        after.dl_rate_limit,
        after.up_rate_limit,
        after.use_alt_speed_limits,
    )


@dataclass(frozen=True, slots=True)
class _Poll:
    snapshot: QbitSnapshot
    seconds: float
    read_limits: bool


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
        self._limits_stale = True
        self._polls_since_limits = 0

    @property
    def reachable(self) -> bool:
        """Whether the last poll succeeded (and so `data` is current)."""
        return self.last_update_success and self.data is not None

    def _poll(self, previous: QbitSnapshot | None, limits_stale: bool) -> _Poll:  # noqa: FBT001
        """Request, parse, merge and count in one executor job: nothing blocks the loop."""
        started = time.monotonic()
        result = self.client.sync()
        read_limits = (
            limits_stale
            or previous is None
            or result.full_update
            or _limits_may_have_changed(previous.server_state, result.maindata.server_state)
        )
        limits = self.client.speed_limits() if read_limits or previous is None else previous.limits
        snapshot = build_snapshot(
            result.maindata,
            app_version=result.info.app_version,
            webapi_version=result.info.webapi_version,
            full_update=result.full_update,
            previous=None if result.full_update else previous,
            limits=limits,
        )
        return _Poll(snapshot, time.monotonic() - started, read_limits)

    async def _async_update_data(self) -> QbitSnapshot:
        limits_stale = self._limits_stale or self._polls_since_limits >= LIMITS_EVERY_POLLS
        self._limits_stale = False
        try:
            poll = await self.hass.async_add_executor_job(self._poll, self.data, limits_stale)
        except QbitAuthError as err:
            self._limits_stale = True
            self.health.record_failure(err)
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key=(
                    "api_key_unsupported"
                    if isinstance(err, QbitApiKeyUnsupportedError)
                    else "invalid_auth"
                ),
            ) from err
        except QbitError as err:
            self._limits_stale = True
            self.health.record_failure(err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="communication_error",
                translation_placeholders={"error": str(err)},
            ) from err
        self._polls_since_limits = 0 if poll.read_limits else self._polls_since_limits + 1
        self.health.record_success()
        self._fire_transitions(self.data, poll.snapshot)
        self.update_interval = next_interval(poll.snapshot, poll.seconds)
        return poll.snapshot

    # --- server-wide controls: what the switch, numbers and buttons do -------------------------

    async def async_set_alternative_speed(self, enabled: bool) -> None:  # noqa: FBT001
        """Use the alternative speed limits (True) or the global ones (False)."""
        await self._async_act(self.client.set_alternative_speed, enabled)

    async def async_set_speed_limit(self, limit: SpeedLimit, bytes_per_second: int) -> None:
        """Set one global or alternative speed limit (bytes/s, 0 = none)."""
        await self._async_act(
            self.client.set_speed_limit, limit, bytes_per_second, limits_changed=True
        )

    async def async_pause_all(self) -> None:
        """Pause (5.x: stop) every torrent on the server."""
        await self._async_act(self.client.pause_all)

    async def async_resume_all(self) -> None:
        """Resume (5.x: start) every torrent on the server."""
        await self._async_act(self.client.resume_all)

    async def _async_act[*Ts](
        self, action: Callable[[*Ts], None], *args: *Ts, limits_changed: bool = False
    ) -> None:
        """Run one client call in the executor, then poll so entities show the server's value.

        Failures become translated errors. An unreachable server makes its entities unavailable
        at once (as elgato's handler does), rather than after the next poll.
        """
        title = self.config_entry.title
        try:
            await self.hass.async_add_executor_job(action, *args)
        except QbitConnectionError as err:
            self.last_update_success = False
            self.async_update_listeners()
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="instance_unreachable",
                translation_placeholders={"title": title},
            ) from err
        except QbitAuthError as err:
            await self.async_request_refresh()  # the poll fails too and asks for reauth
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="instance_auth_failed",
                translation_placeholders={"title": title},
            ) from err
        except QbitError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="instance_refused",
                translation_placeholders={"title": title},
            ) from err
        if limits_changed:
            self._limits_stale = True  # read back from the server by the poll below
        await self.async_request_refresh()

    @callback
    def async_update_listeners(self) -> None:
        """Update this server's entities, then tell views across servers (the hub, Arr counts)."""
        super().async_update_listeners()
        async_dispatcher_send(self.hass, SIGNAL_QBIT_UPDATED, self.config_entry.entry_id)

    def _fire_transitions(self, before: QbitSnapshot | None, after: QbitSnapshot) -> None:
        """Fire an event for each torrent that finished or failed since the last poll."""
        if before is None:
            return  # nothing to compare with on the first poll
        hashes = after.torrents.keys() if after.full_update else after.maindata.changed
        for torrent_hash in hashes:
            old, new = before.torrents.get(torrent_hash), after.torrents.get(torrent_hash)
            if old is None or new is None:
                continue
            if old.progress < 1 <= new.progress:
                event = EVENT_TORRENT_COMPLETED
            elif (
                state_group(new.state) is StateGroup.ERRORED
                and state_group(old.state) is not StateGroup.ERRORED
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
                    "name": new.name,
                    "category": new.category,
                    "state": new.state,
                },
            )

    async def async_shutdown(self) -> None:
        """Stop polling and drop the HTTP session."""
        await super().async_shutdown()
        await self.hass.async_add_executor_job(self.client.close)


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

    @property
    def display_name(self) -> str:
        """The app's name as users know it (Radarr, Sonarr, Lidarr)."""
        return self.data.status.display_name

    @property
    def _needs_monitored(self) -> bool:
        """Whether a rule needs the queue's media (their `monitored`): a larger answer."""
        return bool(with_defaults(self.config_entry.options)[OPT_REMOVE_UNMONITORED])

    async def _async_update_data(self) -> ArrSnapshot:
        try:
            status, health, disk_space, queue, download_clients = await asyncio.gather(
                self.client.status(),
                self.client.health(),
                self.client.disk_space(),
                self.client.queue(include_media=self._needs_monitored),
                self.client.download_clients(),
            )
        except ArrAuthError as err:
            self.health.record_failure(err)
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_api_key"
            ) from err
        except ArrError as err:
            self.health.record_failure(err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="arr_communication_error",
                translation_placeholders={"error": str(err) or type(err).__name__},
            ) from err
        self.health.record_success()
        return ArrSnapshot(
            status=status,
            health=tuple(health),
            disk_space=tuple(disk_space),
            queue=tuple(queue),
            download_clients=tuple(download_clients),
        )
