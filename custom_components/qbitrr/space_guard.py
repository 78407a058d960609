"""The free-space guard of every qBittorrent server, run after each of its polls.

The rule (`policy/space.py`) decides from one poll's torrents and free space; this keeps each
server's guard state between polls, sends the stops and resumes (one evaluation in flight per
server: the next one waits for the poll that follows them), fires the start and end events and
tells the guard's entities.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .api.qbittorrent import QbitError, QbittorrentClient
from .const import (
    DOMAIN,
    EVENT_SPACE_GUARD_ENDED,
    EVENT_SPACE_GUARD_STARTED,
    LOGGER,
    SIGNAL_SPACE_GUARD,
)
from .coordinator import QbitCoordinator
from .model.torrent import Torrent
from .policy.space import TAG_SPACE_PAUSED, SpaceDecision, SpaceSettings, decide_space
from .policy.space_options import minimum_free_space, space_settings_from_options

# An event names at most this many torrents (a guard may stop thousands); counts are whole.
MAX_EVENT_HASHES: Final = 100
ENDED_SPACE_FREED: Final = "space_freed"
ENDED_SWITCHED_OFF: Final = "switched_off"


@dataclass(frozen=True, slots=True)
class GuardState:
    """One server's guard as its entities show it."""

    active: bool = False
    held: int = 0  # stopped torrents carrying the guard's tag, at the last evaluation


def _send(client: QbittorrentClient, decision: SpaceDecision) -> None:
    """Carry out one decision (blocking; run from an executor).

    The tag goes on before the stop: a stop that fails leaves a tagged download, which the next
    evaluation stops again, never an untagged stopped one that would look like the user's.
    """
    if decision.stop:
        client.add_tags(list(decision.stop), [TAG_SPACE_PAUSED])
        client.pause(list(decision.stop))
    if decision.resume:
        client.resume(list(decision.resume))
    if decision.release:
        client.remove_tags(list(decision.release), [TAG_SPACE_PAUSED])


class SpaceGuard:
    """Evaluates each qBittorrent server's guard after its polls and acts on the server."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with no guard known (a server's tags tell its state on first sight)."""
        self.hass = hass
        # Kept across reloads (an options change reloads the entry); dropped on removal.
        self._states: dict[str, GuardState] = {}
        self._busy: set[str] = set()

    @callback
    def state(self, entry_id: str) -> GuardState:
        """Return the guard of one server, as last evaluated."""
        return self._states.get(entry_id, GuardState())

    @callback
    def forget(self, entry_id: str) -> None:
        """Drop a removed server's guard."""
        self._states.pop(entry_id, None)

    @callback
    def instance_polled(self, instance: QbitCoordinator) -> None:
        """After a poll (or a switch): decide in a worker, and act if anything is to change."""
        entry = instance.config_entry
        settings = space_settings_from_options(entry.options)
        if settings is None:
            self._switched_off(instance)
            return
        if entry.entry_id in self._busy or not instance.reachable:
            return
        snapshot = instance.data
        free = snapshot.server_state.free_space_on_disk
        if free is None:
            return  # this server does not say; nothing to go by
        self._busy.add(entry.entry_id)
        entry.async_create_background_task(
            self.hass,
            self._async_evaluate(instance, snapshot.torrents, free, settings),
            name=f"{DOMAIN} free-space guard {entry.title}",
        )

    async def _async_evaluate(
        self,
        instance: QbitCoordinator,
        torrents: Mapping[str, Torrent],
        free: int,
        settings: SpaceSettings,
    ) -> None:
        """Decide off the event loop (a pass over every torrent), then send what changes.

        A poll's torrents are never changed afterwards (the next poll makes new ones), so a
        worker can read them while the loop goes on.
        """
        entry = instance.config_entry
        entry_id = entry.entry_id
        try:
            before = self._states.get(entry_id)
            decision = await self.hass.async_add_executor_job(
                partial(
                    decide_space,
                    torrents,
                    free,
                    settings,
                    was_active=None if before is None else before.active,
                )
            )
            if space_settings_from_options(entry.options) != settings:
                return  # changed meanwhile (switched off, say): this decision is stale
            self._set_state(entry_id, GuardState(decision.active, decision.held))
            done = await self._async_send(instance, decision)
        finally:
            self._busy.discard(entry_id)
        self._announce(instance, decision, free, settings, done=done)
        if decision.acts and done:
            # The poll shows the result, and the rule runs on it again.
            await instance.async_request_refresh()

    async def _async_send(self, instance: QbitCoordinator, decision: SpaceDecision) -> bool:
        """Send one decision's actions; whether they all went through (True for none)."""
        if not decision.acts:
            return True
        try:
            await self.hass.async_add_executor_job(_send, instance.client, decision)
        except QbitError as err:
            # The next poll decides again; an unreachable server also fails that poll.
            LOGGER.warning(
                "Free-space guard could not act on %s: %s", instance.config_entry.title, err
            )
            return False
        return True

    @callback
    def _switched_off(self, instance: QbitCoordinator) -> None:
        """Stop holding (the guard is off); the torrents it stopped stay as they are."""
        entry = instance.config_entry
        before = self._states.get(entry.entry_id)
        if before is None or not before.active:
            return
        self._set_state(entry.entry_id, GuardState(active=False, held=before.held))
        LOGGER.info("Free-space guard of %s switched off while holding", entry.title)
        snapshot = instance.data
        self.hass.bus.async_fire(
            EVENT_SPACE_GUARD_ENDED,
            {
                **self._base_data(instance),
                "free_space": snapshot.server_state.free_space_on_disk if snapshot else None,
                "minimum": minimum_free_space(entry.options),
                "reason": ENDED_SWITCHED_OFF,
                "resumed": 0,
                "hashes": [],
                "held": before.held,
            },
        )

    @callback
    def _announce(
        self,
        instance: QbitCoordinator,
        decision: SpaceDecision,
        free: int,
        settings: SpaceSettings,
        *,
        done: bool,
    ) -> None:
        """Fire the start or end event with what was sent (nothing, when sending failed)."""
        title = instance.config_entry.title
        data = {**self._base_data(instance), "free_space": free, "minimum": settings.minimum}
        if decision.started:
            stopped = decision.stop if done else ()
            LOGGER.info("Free-space guard of %s started; stopped %d", title, len(stopped))
            self.hass.bus.async_fire(
                EVENT_SPACE_GUARD_STARTED,
                {**data, "stopped": len(stopped), "hashes": list(stopped[:MAX_EVENT_HASHES])},
            )
        elif decision.ended:
            resumed = decision.resume if done else ()
            LOGGER.info("Free-space guard of %s ended; resumed %d", title, len(resumed))
            self.hass.bus.async_fire(
                EVENT_SPACE_GUARD_ENDED,
                {
                    **data,
                    "reason": ENDED_SPACE_FREED,
                    "resumed": len(resumed),
                    "hashes": list(resumed[:MAX_EVENT_HASHES]),
                    "held": decision.held - len(resumed),
                },
            )

    @staticmethod
    def _base_data(instance: QbitCoordinator) -> dict[str, object]:
        entry = instance.config_entry
        return {"instance": entry.entry_id, "instance_title": entry.title}

    @callback
    def _set_state(self, entry_id: str, state: GuardState) -> None:
        if self._states.get(entry_id) != state:
            self._states[entry_id] = state
            async_dispatcher_send(self.hass, f"{SIGNAL_SPACE_GUARD}_{entry_id}")
