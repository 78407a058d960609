"""Fixtures of the blueprint tests: a config folder holding the blueprints, and a phone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
import shutil

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component

from .common import BLUEPRINT_FILES, BLUEPRINTS, PHONE_NAME, WEBHOOK_ID


@pytest.fixture
async def blueprint_config_dir(hass: HomeAssistant, tmp_path: Path) -> AsyncIterator[Path]:
    """A config folder of our own, holding the blueprints where Home Assistant looks for them.

    The harness's default config folder lives inside the installed test package; copying
    blueprints there would leave files behind in the virtualenv.
    """
    original = hass.config.config_dir
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints" / "automation" / "qbitrr"
    target.mkdir(parents=True)
    for name in BLUEPRINT_FILES:
        shutil.copy(BLUEPRINTS / name, target / name)
    yield tmp_path
    # Detach the automations' triggers: a template trigger on now() keeps a per-minute timer.
    if hass.services.has_service("automation", "turn_off"):
        await hass.services.async_call(
            "automation", "turn_off", {"entity_id": "all"}, blocking=True
        )
    hass.config.config_dir = original


@pytest.fixture
async def phone(hass: HomeAssistant) -> tuple[str, list[ServiceCall]]:
    """A real mobile_app registration with push support; its notify service only records.

    Returns the phone's device id (what the blueprints' device selector stores) and the calls
    the mobile_app device action made to ``notify.mobile_app_test``.
    """
    assert await async_setup_component(hass, "mobile_app", {})
    entry = MockConfigEntry(
        domain="mobile_app",
        title=PHONE_NAME,
        data={
            "webhook_id": WEBHOOK_ID,
            "secret": None,
            "cloudhook_url": None,
            "user_id": "qbitrr-test-user",
            "app_id": "io.homeassistant.mobile_app",
            "app_name": "Home Assistant",
            "app_version": "2026.10",
            "app_data": {"push_token": "token", "push_url": "https://push.invalid/notify"},
            "device_id": "qbitrr-test-phone",
            "device_name": PHONE_NAME,
            "manufacturer": "Test",
            "model": "Phone",
            "os_name": "Android",
            "os_version": "16",
            "supports_encryption": False,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.services.has_service("notify", f"mobile_app_{PHONE_NAME}")
    # Replace the real push sender (it would post to the push URL) with a recorder.
    calls = async_mock_service(hass, "notify", f"mobile_app_{PHONE_NAME}")
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return device.id, calls
