"""The notifying blueprints end to end.

Instance offline, torrent finished or failed, low disk space and torrent handled.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import async_mock_service

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from .common import WEBHOOK_ID, advance, qbitrr_device, use_blueprint


async def test_instance_offline_notifies_after_the_delay_and_on_recovery(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
) -> None:
    device_id, calls = phone
    # One server registered like qbitrr registers it (entity on the server's device), and one
    # bare entity, whose friendly name stands in for the device name.
    server_device = qbitrr_device(hass, "qBittorrent 127.0.0.1:8081", "qbt4")
    registered = er.async_get(hass).async_get_or_create(
        "binary_sensor",
        "qbitrr",
        "qbt4entry-connectivity",
        device_id=server_device,
        suggested_object_id="qbittorrent_127_0_0_1_8081_connectivity",
    )
    bare = "binary_sensor.qbittorrent_127_0_0_1_8082_connectivity"
    hass.states.async_set(registered.entity_id, "on", {"device_class": "connectivity"})
    hass.states.async_set(
        bare,
        "on",
        {"device_class": "connectivity", "friendly_name": "qBittorrent 127.0.0.1:8082"},
    )
    await use_blueprint(
        hass,
        "instance_offline.yaml",
        {"connectivity_entity": [registered.entity_id, bare], "notify_device": device_id},
    )

    hass.states.async_set(registered.entity_id, "off", {"device_class": "connectivity"})
    went_off = dt_util.as_local(dt_util.utcnow()).strftime("%H:%M")
    await hass.async_block_till_done()
    await advance(hass, freezer, timedelta(seconds=90))
    assert calls == [], "no alert before the default 2 minute delay"

    await advance(hass, freezer, timedelta(seconds=45))
    assert len(calls) == 1
    assert calls[0].data == {
        "message": f"qBittorrent 127.0.0.1:8081 has not answered since {went_off}.",
        "title": "qBittorrent offline",
        "target": WEBHOOK_ID,
    }

    await advance(hass, freezer, timedelta(minutes=10))
    hass.states.async_set(registered.entity_id, "on", {"device_class": "connectivity"})
    await hass.async_block_till_done()
    assert len(calls) == 2
    assert calls[1].data["message"] == "qBittorrent 127.0.0.1:8081 is back online after 12 min."
    assert calls[1].data["title"] == "qBittorrent back online"

    # A blip shorter than the delay: neither "offline" nor "back online".
    hass.states.async_set(bare, "off", {"friendly_name": "qBittorrent 127.0.0.1:8082"})
    await advance(hass, freezer, timedelta(seconds=30))
    hass.states.async_set(bare, "on", {"friendly_name": "qBittorrent 127.0.0.1:8082"})
    await advance(hass, freezer, timedelta(minutes=5))
    assert len(calls) == 2

    # The bare entity's friendly name names the instance.
    hass.states.async_set(bare, "off", {"friendly_name": "qBittorrent 127.0.0.1:8082"})
    await advance(hass, freezer, timedelta(minutes=3))
    assert len(calls) == 3
    assert calls[2].data["message"].startswith("qBittorrent 127.0.0.1:8082 has not answered")


async def test_instance_offline_accepts_a_delay_written_as_text(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A YAML user may write the delay as "HH:MM:SS" instead of the UI's mapping."""
    device_id, calls = phone
    entity_id = "binary_sensor.qbittorrent_127_0_0_1_8081_connectivity"
    attributes = {"device_class": "connectivity", "friendly_name": "qBittorrent 127.0.0.1:8081"}
    hass.states.async_set(entity_id, "on", attributes)
    await use_blueprint(
        hass,
        "instance_offline.yaml",
        {"connectivity_entity": entity_id, "offline_for": "00:01:00", "notify_device": device_id},
    )
    hass.states.async_set(entity_id, "off", attributes)
    await advance(hass, freezer, timedelta(seconds=70))
    assert len(calls) == 1
    await advance(hass, freezer, timedelta(seconds=50))
    hass.states.async_set(entity_id, "on", attributes)
    await hass.async_block_till_done()
    assert [call.data["message"] for call in calls[1:]] == [
        "qBittorrent 127.0.0.1:8081 is back online after 2 min."
    ]


async def test_torrent_finished_or_failed_filters_by_category_and_kind(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
) -> None:
    device_id, calls = phone
    await use_blueprint(
        hass,
        "torrent_finished_or_failed.yaml",
        {"category": "radarr", "notify_device": device_id},
    )

    def torrent(name: str, category: str, state: str) -> dict[str, str]:
        return {
            "instance": "qbt4entry",
            "instance_title": "qBittorrent 127.0.0.1:8081",
            "hash": "a" * 40,
            "name": name,
            "category": category,
            "state": state,
        }

    hass.bus.async_fire(
        "qbitrr_torrent_completed", torrent("Demo.Show.S01E01", "sonarr", "uploading")
    )
    hass.bus.async_fire(
        "qbitrr_torrent_completed", torrent("Demo.Movie.2024", "radarr", "uploading")
    )
    await hass.async_block_till_done()
    assert len(calls) == 1
    assert calls[0].data == {
        "title": "Torrent finished",
        "message": "Demo.Movie.2024 [radarr] finished downloading on qBittorrent 127.0.0.1:8081.",
        "target": WEBHOOK_ID,
    }

    hass.bus.async_fire(
        "qbitrr_torrent_failed", torrent("Demo.Movie.2023", "radarr", "missingFiles")
    )
    await hass.async_block_till_done()
    assert len(calls) == 2
    assert calls[1].data["title"] == "Torrent failed"
    assert calls[1].data["message"] == (
        "Demo.Movie.2023 [radarr] failed (missingFiles) on qBittorrent 127.0.0.1:8081."
    )


async def test_torrent_finished_or_failed_only_the_chosen_kind_any_category(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
) -> None:
    device_id, calls = phone
    await use_blueprint(
        hass,
        "torrent_finished_or_failed.yaml",
        {"notify_on": ["failed"], "notify_device": device_id},
    )
    data = {"instance_title": "qBittorrent 127.0.0.1:8082", "name": "Linux.iso", "category": ""}
    hass.bus.async_fire("qbitrr_torrent_completed", {**data, "state": "uploading"})
    hass.bus.async_fire("qbitrr_torrent_failed", {**data, "state": "error"})
    await hass.async_block_till_done()
    assert [call.data["message"] for call in calls] == [
        "Linux.iso failed (error) on qBittorrent 127.0.0.1:8082."
    ]


@pytest.mark.parametrize(
    ("unit", "above", "below", "free_text"),
    [
        # qbitrr's default display unit.
        ("GiB", "25", "15", "15.0"),
        # 20 GiB exactly is not below 20 GiB; 10 GiB is.
        ("B", "21474836480", "10737418240", "10.0"),
        ("MiB", "30000", "10240", "10.0"),
        # 21 GB is only 19.6 GiB: decimal units are converted, not read as GiB.
        ("GB", "25", "21", "19.6"),
        ("TiB", "1", "0.01", "10.2"),
    ],
)
async def test_low_disk_space_converts_the_sensor_unit(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
    unit: str,
    above: str,
    below: str,
    free_text: str,
) -> None:
    device_id, calls = phone
    server_device = qbitrr_device(hass, "qBittorrent 127.0.0.1:8082", "qbt5")
    sensor = er.async_get(hass).async_get_or_create(
        "sensor",
        "qbitrr",
        "qbt5entry-free_space",
        device_id=server_device,
        suggested_object_id="qbittorrent_127_0_0_1_8082_free_disk_space",
    )
    attributes = {"device_class": "data_size", "unit_of_measurement": unit}
    hass.states.async_set(sensor.entity_id, above, attributes)
    await use_blueprint(
        hass,
        "low_disk_space.yaml",
        {"free_space_entity": [sensor.entity_id], "threshold_gib": 20, "notify_device": device_id},
    )

    hass.states.async_set(sensor.entity_id, below, attributes)
    await advance(hass, freezer, timedelta(minutes=4))
    assert calls == [], "the default 5 minute delay has not passed"
    await advance(hass, freezer, timedelta(minutes=2))
    assert len(calls) == 1
    assert calls[0].data == {
        "title": "Low disk space",
        "message": f"Only {free_text} GiB free on qBittorrent 127.0.0.1:8082 (threshold 20 GiB).",
        "target": WEBHOOK_ID,
    }


async def test_low_disk_space_ignores_unknown_units_and_states(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
) -> None:
    device_id, calls = phone
    entity_id = "sensor.qbittorrent_127_0_0_1_8082_free_disk_space"
    hass.states.async_set(entity_id, "500", {"unit_of_measurement": "GiB"})
    await use_blueprint(
        hass,
        "low_disk_space.yaml",
        {"free_space_entity": [entity_id], "below_for": "00:00:00", "notify_device": device_id},
    )
    hass.states.async_set(entity_id, "unavailable", {"unit_of_measurement": "GiB"})
    hass.states.async_set(entity_id, "1", {"unit_of_measurement": "parsecs"})
    await advance(hass, freezer, timedelta(minutes=1))
    assert calls == []
    hass.states.async_set(entity_id, "1", {"unit_of_measurement": "GiB"})
    await hass.async_block_till_done()
    assert len(calls) == 1


@pytest.mark.parametrize("turn_on_guard", [True, False, None], ids=["on", "off", "default"])
async def test_low_disk_space_can_turn_on_the_servers_free_space_guard(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
    turn_on_guard: bool | None,
) -> None:
    device_id, calls = phone
    registry = er.async_get(hass)
    server_device = qbitrr_device(hass, "qBittorrent 127.0.0.1:8082", "qbt5")
    other_device = qbitrr_device(hass, "qBittorrent 127.0.0.1:8081", "qbt4")
    entities: dict[str, str] = {}
    for key, domain, device, attributes in (
        ("free_space", "sensor", server_device, {"unit_of_measurement": "GiB"}),
        ("alternative_speed_limits", "switch", server_device, {}),
        ("space_guard", "switch", server_device, {"minimum_free_space": 50.0}),
        ("other_guard", "switch", other_device, {"minimum_free_space": 50.0}),
    ):
        entity = registry.async_get_or_create(
            domain, "qbitrr", f"{key}-id", device_id=device, suggested_object_id=key
        )
        hass.states.async_set(entity.entity_id, "25" if domain == "sensor" else "off", attributes)
        entities[key] = entity.entity_id
    switched_on = async_mock_service(hass, "switch", "turn_on")
    inputs: dict[str, Any] = {
        "free_space_entity": [entities["free_space"]],
        "below_for": "00:00:00",
        "notify_device": device_id,
    }
    if turn_on_guard is not None:
        inputs["turn_on_guard"] = turn_on_guard
    await use_blueprint(hass, "low_disk_space.yaml", inputs)

    hass.states.async_set(entities["free_space"], "10", {"unit_of_measurement": "GiB"})
    await hass.async_block_till_done()
    assert len(calls) == 1  # notified either way
    if turn_on_guard:
        # Only the guard of the server that runs short; not its other switch, not other servers.
        assert [call.data["entity_id"] for call in switched_on] == [[entities["space_guard"]]]
    else:
        assert switched_on == []


async def test_torrent_handled_tells_removed_and_kept_not_dry_runs(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
) -> None:
    device_id, calls = phone
    await use_blueprint(hass, "torrent_handled.yaml", {"notify_device": device_id})

    def acted(action: str, *, dry_run: bool = False, result: str = "done") -> dict[str, Any]:
        return {
            "instance": "qbt4entry",
            "instance_title": "qBittorrent 127.0.0.1:8081",
            "hash": "a" * 40,
            "name": "Demo.Movie.2024",
            "action": action,
            "reason": "ratio 2.05 reached 2",
            "result": result,
            "dry_run": dry_run,
        }

    for event in (
        acted("arr_remove", dry_run=True),  # a dry run
        acted("delete", result="failed"),  # did not happen
        acted("stop"),  # not asked for by default
        acted("strike"),  # never told
        acted("delete_with_files"),
        acted("arr_remove_keep"),
    ):
        hass.bus.async_fire("qbitrr_torrent_action", event)
    await hass.async_block_till_done()
    assert [(c.data["title"], c.data["message"]) for c in calls] == [
        (
            "Torrent removed",
            "Demo.Movie.2024 on qBittorrent 127.0.0.1:8081: ratio 2.05 reached 2.",
        ),
        (
            "Torrent kept seeding",
            "Demo.Movie.2024 on qBittorrent 127.0.0.1:8081: ratio 2.05 reached 2.",
        ),
    ]


async def test_torrent_handled_can_tell_seeding_goals_only(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
) -> None:
    device_id, calls = phone
    await use_blueprint(
        hass, "torrent_handled.yaml", {"notify_device": device_id, "notify_on": ["stopped"]}
    )
    for action in ("arr_remove", "stop"):
        hass.bus.async_fire(
            "qbitrr_torrent_action",
            {"name": "Done", "instance": "q", "action": action, "reason": "r", "dry_run": False},
        )
    await hass.async_block_till_done()
    assert [c.data["title"] for c in calls] == ["Seeding goal met"]
