"""Constants and helpers the blueprint tests share."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component

ROOT = Path(__file__).parents[2]  # the repository root
BLUEPRINTS = ROOT / "blueprints" / "automation" / "qbitrr"
BLUEPRINT_FILES = (
    "instance_offline.yaml",
    "scheduled_handling.yaml",
    "torrent_finished_or_failed.yaml",
    "low_disk_space.yaml",
    "torrent_handled.yaml",
    "slow_mode.yaml",
    "vpn_guard.yaml",
    "removal_approval.yaml",
    "ready_to_watch.yaml",
    "nightly_search.yaml",
)

PHONE_NAME = "test"  # the registration's device name: its notify service is notify.mobile_app_test
WEBHOOK_ID = "qbitrr-test-webhook"


async def use_blueprint(hass: HomeAssistant, path: str, inputs: dict[str, Any]) -> None:
    assert await async_setup_component(
        hass,
        "automation",
        {"automation": {"use_blueprint": {"path": f"qbitrr/{path}", "input": inputs}}},
    )
    await hass.async_block_till_done()
    automations = hass.states.async_entity_ids("automation")
    assert len(automations) == 1
    state = hass.states.get(automations[0])
    assert state is not None
    assert state.state == "on", "the automation failed to set up"


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def qbitrr_device(hass: HomeAssistant, title: str, key: str) -> str:
    """A qbitrr server's device, as the integration registers it (name = entry title)."""
    entry = MockConfigEntry(domain="qbitrr", title=title, entry_id=f"{key}entry")
    entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={("qbitrr", entry.entry_id)},
        name=title,
        entry_type=dr.DeviceEntryType.SERVICE,
    )
    return device.id


async def settle(hass: HomeAssistant) -> None:
    """Let pending work run while an automation waits in `wait_for_trigger`.

    `async_block_till_done` would wait for that run to end; Home Assistant's own blueprint
    tests spin the loop a few times instead.
    """
    for _ in range(50):
        await asyncio.sleep(0)


async def advance_waiting(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await settle(hass)


def qbitrr_entity(hass: HomeAssistant, domain: str, key: str, device_id: str) -> str:
    """One of a server's entities, registered on its device as qbitrr registers it."""
    entity = er.async_get(hass).async_get_or_create(
        domain, "qbitrr", f"{key}-id", device_id=device_id, suggested_object_id=key
    )
    return entity.entity_id
