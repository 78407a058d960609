"""The controlling blueprints end to end: slow mode and the VPN guard."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service

from homeassistant.core import HomeAssistant, ServiceCall

from .common import WEBHOOK_ID, advance_waiting, qbitrr_device, qbitrr_entity, settle, use_blueprint


async def _slow_mode(
    hass: HomeAssistant, players: list[str], switch_state: str
) -> tuple[str, list[ServiceCall], list[ServiceCall]]:
    """A server's alternative speed switch in `switch_state`, and slow mode set up on it."""
    device = qbitrr_device(hass, "qBittorrent 127.0.0.1:8081", "qbt4")
    switch = qbitrr_entity(hass, "switch", "alternative_speed_limits", device)
    hass.states.async_set(switch, switch_state)
    for player in players:
        hass.states.async_set(player, "idle")
    turned_on = async_mock_service(hass, "switch", "turn_on")
    turned_off = async_mock_service(hass, "switch", "turn_off")
    await use_blueprint(
        hass, "slow_mode.yaml", {"media_players": players, "alternative_speed_switch": switch}
    )
    return switch, turned_on, turned_off


async def test_slow_mode_follows_the_media_players(
    hass: HomeAssistant, blueprint_config_dir: Path, freezer: FrozenDateTimeFactory
) -> None:
    tv, speaker = "media_player.living_room_tv", "media_player.kitchen"
    switch, turned_on, turned_off = await _slow_mode(hass, [tv, speaker], "off")

    hass.states.async_set(tv, "playing")
    await settle(hass)
    assert [call.data["entity_id"] for call in turned_on] == [[switch]]
    hass.states.async_set(switch, "on", context=turned_on[0].context)  # the poll that follows
    hass.states.async_set(speaker, "playing")
    await settle(hass)
    assert len(turned_on) == 1, "on already"

    # One player stops while the other plays; then a gap shorter than the delay.
    hass.states.async_set(tv, "paused")
    await advance_waiting(hass, freezer, timedelta(minutes=5))
    hass.states.async_set(speaker, "idle")
    await advance_waiting(hass, freezer, timedelta(seconds=40))
    hass.states.async_set(tv, "buffering")
    await advance_waiting(hass, freezer, timedelta(seconds=40))
    hass.states.async_set(tv, "playing")
    await advance_waiting(hass, freezer, timedelta(minutes=5))
    assert turned_off == []

    # Nothing plays for the default minute: the limits go off.
    hass.states.async_set(tv, "off")
    await advance_waiting(hass, freezer, timedelta(seconds=50))
    assert turned_off == []
    await advance_waiting(hass, freezer, timedelta(seconds=15))
    assert [call.data["entity_id"] for call in turned_off] == [[switch]]
    hass.states.async_set(switch, "off", context=turned_off[0].context)

    # The next playback is a new stretch of slow mode.
    hass.states.async_set(speaker, "playing")
    await settle(hass)
    assert len(turned_on) == 2


@pytest.mark.parametrize("by_hand", ["before_playback", "during_playback"])
async def test_slow_mode_leaves_limits_turned_on_by_hand(
    hass: HomeAssistant, blueprint_config_dir: Path, freezer: FrozenDateTimeFactory, by_hand: str
) -> None:
    tv = "media_player.living_room_tv"
    initial = "on" if by_hand == "before_playback" else "off"
    switch, turned_on, turned_off = await _slow_mode(hass, [tv], initial)

    hass.states.async_set(tv, "playing")
    await settle(hass)
    if by_hand == "before_playback":
        assert turned_on == [], "already on: the user's"
    else:
        assert len(turned_on) == 1
        hass.states.async_set(switch, "on", context=turned_on[0].context)
        await advance_waiting(hass, freezer, timedelta(minutes=10))
        # The user turns the limits off, and on again: they are the user's from now on.
        hass.states.async_set(switch, "off")
        await advance_waiting(hass, freezer, timedelta(minutes=1))
        hass.states.async_set(switch, "on")
        await settle(hass)

    hass.states.async_set(tv, "idle")
    await advance_waiting(hass, freezer, timedelta(minutes=10))
    assert turned_off == []
    assert len(turned_on) == (0 if by_hand == "before_playback" else 1)


CONNECTION = {"device_class": "enum", "options": ["connected", "firewalled", "disconnected"]}


async def _vpn_guard(
    hass: HomeAssistant, phone: tuple[str, list[ServiceCall]], **inputs: Any
) -> tuple[dict[str, str], list[ServiceCall]]:
    """A connected server's status, address sensors and buttons, guarded; the presses made."""
    device = qbitrr_device(hass, "qBittorrent 127.0.0.1:8082", "qbt5")
    entities = {
        key: qbitrr_entity(hass, domain, key, device)
        for domain, key in (
            ("sensor", "connection_status"),
            ("sensor", "external_ipv4_address"),
            ("sensor", "external_ipv6_address"),
            ("button", "pause_all_torrents"),
            ("button", "resume_all_torrents"),
        )
    }
    hass.states.async_set(entities["connection_status"], "connected", CONNECTION)
    hass.states.async_set(entities["external_ipv4_address"], "198.51.100.20")
    hass.states.async_set(entities["external_ipv6_address"], "unknown")
    for button in ("pause_all_torrents", "resume_all_torrents"):
        hass.states.async_set(entities[button], "unknown")
    pressed = async_mock_service(hass, "button", "press")
    await use_blueprint(
        hass,
        "vpn_guard.yaml",
        {
            "connection_status_entity": entities["connection_status"],
            "pause_button": entities["pause_all_torrents"],
            "resume_button": entities["resume_all_torrents"],
            "notify_device": phone[0],
            **inputs,
        },
    )
    return entities, pressed


def _pressed(entities: dict[str, str], pressed: list[ServiceCall]) -> list[str]:
    """Which buttons were pressed, by key."""
    keys = {entity_id: key for key, entity_id in entities.items()}
    return [keys[entity_id] for call in pressed for entity_id in call.data["entity_id"]]


async def test_vpn_guard_pauses_while_disconnected_and_resumes(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
) -> None:
    calls = phone[1]
    entities, pressed = await _vpn_guard(hass, phone)
    status = entities["connection_status"]

    # Disconnected for less than the default minute: nothing.
    hass.states.async_set(status, "disconnected", CONNECTION)
    await advance_waiting(hass, freezer, timedelta(seconds=40))
    hass.states.async_set(status, "connected", CONNECTION)
    await advance_waiting(hass, freezer, timedelta(minutes=5))
    assert pressed == []

    hass.states.async_set(status, "disconnected", CONNECTION)
    await advance_waiting(hass, freezer, timedelta(seconds=50))
    assert pressed == []
    await advance_waiting(hass, freezer, timedelta(seconds=15))
    assert _pressed(entities, pressed) == ["pause_all_torrents"]
    assert [call.data for call in calls] == [
        {
            "title": "qBittorrent paused",
            "message": "qBittorrent 127.0.0.1:8082 is disconnected. All torrents are paused.",
            "target": WEBHOOK_ID,
        }
    ]

    # The server goes down while paused, then answers connected again: resumed after a minute.
    hass.states.async_set(status, "unavailable")
    await advance_waiting(hass, freezer, timedelta(minutes=10))
    hass.states.async_set(status, "connected", CONNECTION)
    await advance_waiting(hass, freezer, timedelta(seconds=50))
    assert len(pressed) == 1
    await advance_waiting(hass, freezer, timedelta(seconds=15))
    assert _pressed(entities, pressed) == ["pause_all_torrents", "resume_all_torrents"]
    assert calls[1].data == {
        "title": "qBittorrent resumed",
        "message": "qBittorrent 127.0.0.1:8082 is connected again. All torrents are resumed.",
        "target": WEBHOOK_ID,
    }


async def test_vpn_guard_pauses_when_the_servers_address_is_your_own(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
) -> None:
    calls = phone[1]
    entities, pressed = await _vpn_guard(
        hass,
        phone,
        # The ids _vpn_guard registers them under.
        external_address_entities=[
            "sensor.external_ipv4_address",
            "sensor.external_ipv6_address",
        ],
        own_addresses=["203.0.113.7", " 2001:DB8::7 "],
        lasting_for="00:00:30",
    )
    ipv4, ipv6 = entities["external_ipv4_address"], entities["external_ipv6_address"]
    assert (ipv4, ipv6) == ("sensor.external_ipv4_address", "sensor.external_ipv6_address")

    hass.states.async_set(ipv6, "2001:db8::7")  # connected, but through the ISP
    await advance_waiting(hass, freezer, timedelta(seconds=35))
    assert _pressed(entities, pressed) == ["pause_all_torrents"]
    assert calls[0].data["message"] == (
        "qBittorrent 127.0.0.1:8082 shows your own address 2001:db8::7: its traffic bypasses "
        "the VPN. All torrents are paused."
    )

    # Both addresses leak, then only one: still wrong, and no second pause.
    hass.states.async_set(ipv4, "203.0.113.7")
    await advance_waiting(hass, freezer, timedelta(minutes=2))
    hass.states.async_set(ipv4, "198.51.100.21")
    await advance_waiting(hass, freezer, timedelta(minutes=2))
    assert len(pressed) == 1

    hass.states.async_set(ipv6, "2001:db8:ffff::1")
    await advance_waiting(hass, freezer, timedelta(seconds=35))
    assert _pressed(entities, pressed) == ["pause_all_torrents", "resume_all_torrents"]
    assert calls[1].data["message"] == (
        "qBittorrent 127.0.0.1:8082 is connected again (198.51.100.21, 2001:db8:ffff::1). "
        "All torrents are resumed."
    )


@pytest.mark.parametrize(
    ("allow_firewalled", "spells", "paused"),
    [
        # A server that does not answer is neither wrong nor right: nothing to pause or resume.
        (False, [("unavailable", 600), ("connected", 600)], False),
        (False, [("unknown", 600), ("connected", 45), ("unavailable", 600)], False),
        (True, [("firewalled", 45), ("unavailable", 600), ("firewalled", 600)], False),
        (False, [("firewalled", 65)], True),
        # Down in the middle of a wrong spell: the delay starts again when it answers.
        (False, [("disconnected", 45), ("unavailable", 45), ("disconnected", 45)], False),
        (False, [("disconnected", 45), ("unavailable", 45), ("disconnected", 65)], True),
    ],
)
async def test_vpn_guard_ignores_a_server_that_does_not_answer(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
    allow_firewalled: bool,
    spells: list[tuple[str, int]],
    paused: bool,
) -> None:
    calls = phone[1]
    entities, pressed = await _vpn_guard(hass, phone, allow_firewalled=allow_firewalled)
    for state, seconds in spells:
        hass.states.async_set(entities["connection_status"], state, CONNECTION)
        await advance_waiting(hass, freezer, timedelta(seconds=seconds))
    assert _pressed(entities, pressed) == (["pause_all_torrents"] if paused else [])
    assert len(calls) == (1 if paused else 0)
