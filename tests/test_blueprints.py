"""The automation blueprints and the example dashboard, checked with Home Assistant itself.

Every blueprint is loaded with Home Assistant's blueprint loader and schema, and every input's
selector (and default) is validated by the selector helper. Then each blueprint runs end to end
in the test harness: a real ``automation`` set up with ``use_blueprint``, fake qbitrr states,
events and services, and a real ``mobile_app`` registration whose notify service is replaced by
a recorder, so the blueprints' ``mobile_app`` device action resolves the phone as it would in a
real installation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
import re
import shutil
from typing import Any
from urllib.parse import parse_qs, urlparse

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.components.blueprint.schemas import BLUEPRINT_SCHEMA
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.helpers import device_registry as dr, entity_registry as er, selector
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util, yaml as yaml_util

ROOT = Path(__file__).parent.parent
BLUEPRINTS = ROOT / "blueprints" / "automation" / "qbitrr"
BLUEPRINT_FILES = (
    "instance_offline.yaml",
    "scheduled_handling.yaml",
    "torrent_finished_or_failed.yaml",
    "low_disk_space.yaml",
)
REPOSITORY = "qbitrr/qbitrr-homeassistant"
SOURCE_URL = f"https://github.com/{REPOSITORY}/blob/main/blueprints/automation/qbitrr/{{}}"
RAW_URL = f"https://raw.githubusercontent.com/{REPOSITORY}/main/blueprints/automation/qbitrr/{{}}"
MIN_VERSION = "2026.10.0"

PHONE_NAME = "test"  # the registration's device name: its notify service is notify.mobile_app_test
WEBHOOK_ID = "qbitrr-test-webhook"


def _load(name: str) -> Blueprint:
    data = yaml_util.load_yaml_dict(BLUEPRINTS / name)
    return Blueprint(
        data, path=name, expected_domain="automation", schema=AUTOMATION_BLUEPRINT_SCHEMA
    )


# --- Static checks -------------------------------------------------------------------------


def test_the_folder_holds_exactly_the_known_blueprints() -> None:
    assert sorted(path.name for path in BLUEPRINTS.glob("*.yaml")) == sorted(BLUEPRINT_FILES)


@pytest.mark.parametrize("name", BLUEPRINT_FILES)
def test_blueprint_loads_and_validates(name: str) -> None:
    raw = yaml_util.load_yaml_dict(BLUEPRINTS / name)
    BLUEPRINT_SCHEMA(raw)  # the generic schema, as the blueprint integration checks it
    blueprint = _load(name)  # the automation schema; also: every !input used is declared

    assert blueprint.domain == "automation"
    metadata = blueprint.metadata
    assert metadata["source_url"] == SOURCE_URL.format(name)
    assert metadata["homeassistant"]["min_version"] == MIN_VERSION
    assert blueprint.validate() is None  # this Home Assistant satisfies min_version
    assert metadata["name"].startswith("qbitrr")
    assert metadata["description"]

    # Every declared input is used somewhere (the loader only checks the converse).
    assert set(blueprint.inputs) == yaml_util.extract_inputs(raw)
    for key, spec in blueprint.inputs.items():
        assert spec["name"], key
        validated = selector.validate_selector(spec["selector"])
        if "default" in spec:
            # The default must be a value the input's own selector accepts.
            selector.selector(validated)(spec["default"])


def _selector(name: str, key: str) -> dict[str, Any]:
    """An input's selector as written in the file (not normalised by the schema)."""
    raw = yaml_util.load_yaml_dict(BLUEPRINTS / name)
    return dict(raw["blueprint"]["input"][key]["selector"])


@pytest.mark.parametrize("name", BLUEPRINT_FILES)
def test_every_blueprint_notifies_a_mobile_app_device(name: str) -> None:
    assert _selector(name, "notify_device") == {"device": {"filter": {"integration": "mobile_app"}}}


def test_entity_inputs_offer_only_the_right_qbitrr_entities() -> None:
    connectivity = _selector("instance_offline.yaml", "connectivity_entity")["entity"]
    assert connectivity["filter"] == {
        "integration": "qbitrr",
        "domain": "binary_sensor",
        "device_class": "connectivity",
    }
    free_space = _selector("low_disk_space.yaml", "free_space_entity")["entity"]
    assert free_space["filter"] == {
        "integration": "qbitrr",
        "domain": "sensor",
        "device_class": "data_size",
    }
    arr = _selector("scheduled_handling.yaml", "arr_entry")
    assert arr == {"config_entry": {"integration": "qbitrr"}}


def test_readme_has_an_import_button_per_blueprint() -> None:
    readme = (ROOT / "blueprints" / "README.md").read_text(encoding="utf-8")
    links = re.findall(
        r"\(https://my\.home-assistant\.io/create-link/\?redirect=blueprint_import"
        r"&blueprint_url=([^)\s]+)\)",
        readme,
    )
    imported = []
    for encoded in links:
        url = parse_qs(f"blueprint_url={encoded}")["blueprint_url"][0]
        assert "%" not in url  # encoded exactly once
        imported.append(url)
    assert imported == [RAW_URL.format(name) for name in BLUEPRINT_FILES]
    assert readme.count("https://my.home-assistant.io/badges/blueprint_import.svg") == len(
        BLUEPRINT_FILES
    )
    for name in BLUEPRINT_FILES:
        assert urlparse(RAW_URL.format(name)).path.endswith(f"/blueprints/automation/qbitrr/{name}")


# --- End to end ----------------------------------------------------------------------------


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


async def _use_blueprint(hass: HomeAssistant, path: str, inputs: dict[str, Any]) -> None:
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


async def _advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def _qbitrr_device(hass: HomeAssistant, title: str, key: str) -> str:
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


async def test_instance_offline_notifies_after_the_delay_and_on_recovery(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
) -> None:
    device_id, calls = phone
    # One server registered like qbitrr registers it (entity on the server's device), and one
    # bare entity, whose friendly name stands in for the device name.
    server_device = _qbitrr_device(hass, "qBittorrent 127.0.0.1:8081", "qbt4")
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
    await _use_blueprint(
        hass,
        "instance_offline.yaml",
        {"connectivity_entity": [registered.entity_id, bare], "notify_device": device_id},
    )

    hass.states.async_set(registered.entity_id, "off", {"device_class": "connectivity"})
    went_off = dt_util.as_local(dt_util.utcnow()).strftime("%H:%M")
    await hass.async_block_till_done()
    await _advance(hass, freezer, timedelta(seconds=90))
    assert calls == [], "no alert before the default 2 minute delay"

    await _advance(hass, freezer, timedelta(seconds=45))
    assert len(calls) == 1
    assert calls[0].data == {
        "message": f"qBittorrent 127.0.0.1:8081 has not answered since {went_off}.",
        "title": "qBittorrent offline",
        "target": WEBHOOK_ID,
    }

    await _advance(hass, freezer, timedelta(minutes=10))
    hass.states.async_set(registered.entity_id, "on", {"device_class": "connectivity"})
    await hass.async_block_till_done()
    assert len(calls) == 2
    assert calls[1].data["message"] == "qBittorrent 127.0.0.1:8081 is back online after 12 min."
    assert calls[1].data["title"] == "qBittorrent back online"

    # A blip shorter than the delay: neither "offline" nor "back online".
    hass.states.async_set(bare, "off", {"friendly_name": "qBittorrent 127.0.0.1:8082"})
    await _advance(hass, freezer, timedelta(seconds=30))
    hass.states.async_set(bare, "on", {"friendly_name": "qBittorrent 127.0.0.1:8082"})
    await _advance(hass, freezer, timedelta(minutes=5))
    assert len(calls) == 2

    # The bare entity's friendly name names the instance.
    hass.states.async_set(bare, "off", {"friendly_name": "qBittorrent 127.0.0.1:8082"})
    await _advance(hass, freezer, timedelta(minutes=3))
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
    await _use_blueprint(
        hass,
        "instance_offline.yaml",
        {"connectivity_entity": entity_id, "offline_for": "00:01:00", "notify_device": device_id},
    )
    hass.states.async_set(entity_id, "off", attributes)
    await _advance(hass, freezer, timedelta(seconds=70))
    assert len(calls) == 1
    await _advance(hass, freezer, timedelta(seconds=50))
    hass.states.async_set(entity_id, "on", attributes)
    await hass.async_block_till_done()
    assert [call.data["message"] for call in calls[1:]] == [
        "qBittorrent 127.0.0.1:8081 is back online after 2 min."
    ]


def _action(name: str, action: str, result: str, rule: str = "stalled") -> dict[str, Any]:
    """One entry of handle_torrents' `actions`."""
    return {
        "instance": "qbt4entry",
        "instance_title": "qBittorrent 127.0.0.1:8081",
        "hash": "b" * 40,
        "name": name,
        "category": "radarr",
        "arr": "radarrentry",
        "arr_title": "Radarr 127.0.0.1:7878",
        "rule": rule,
        "action": action,
        "reason": "no progress for 2 h",
        "result": result,
        "error": "HTTP 500" if result == "failed" else None,
    }


def _handling_response(
    actions: list[dict[str, Any]], *, dry_run: bool, struck: int = 0
) -> dict[str, Any]:
    """What qbitrr.handle_torrents returns for these actions."""
    removals = {"arr_remove", "delete", "delete_with_files"}
    by_rule: dict[str, int] = {}
    for action in actions:
        by_rule[action["rule"]] = by_rule.get(action["rule"], 0) + 1
    return {
        "dry_run": dry_run,
        "summary": {
            "removed": sum(a["action"] in removals for a in actions),
            "failed": sum(a["result"] == "failed" for a in actions),
            "struck": struck,
            "tagged": sum(a["action"] == "tag" for a in actions),
            "by_rule": dict(sorted(by_rule.items())),
        },
        "actions": actions,
        "skipped": [],
    }


async def test_scheduled_handling_runs_on_the_interval_and_reports(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
) -> None:
    device_id, notifications = phone
    responses = [
        _handling_response(
            [
                _action("Demo.Movie.Strike.1080p", "strike", "planned"),
                *(_action(f"Demo.Movie.{n}.1080p", "arr_remove", "planned") for n in range(1, 8)),
                _action("Demo.Movie.Broken.1080p", "delete", "failed", rule="errored"),
            ],
            dry_run=True,
            struck=1,
        ),
        _handling_response([_action("Demo.Movie.Strike.1080p", "strike", "planned")], dry_run=True),
    ]
    handled: list[ServiceCall] = []

    def handle_torrents(call: ServiceCall) -> ServiceResponse:
        handled.append(call)
        return responses[len(handled) - 1]

    hass.services.async_register(
        "qbitrr", "handle_torrents", handle_torrents, supports_response=SupportsResponse.OPTIONAL
    )
    zone = dt_util.get_default_time_zone()
    freezer.move_to(datetime(2026, 11, 25, 10, 7, 30, tzinfo=zone))
    await _use_blueprint(
        hass,
        "scheduled_handling.yaml",
        {
            "interval_minutes": 15,
            "dry_run": True,
            "arr_entry": "radarrentry",
            "notify_device": device_id,
            "listed_torrents": 3,
        },
    )

    for minute in range(8, 15):
        freezer.move_to(datetime(2026, 11, 25, 10, minute, 0, tzinfo=zone))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert handled == [], "nothing runs between the quarter hours"

    freezer.move_to(datetime(2026, 11, 25, 10, 15, 0, tzinfo=zone))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len(handled) == 1
    assert handled[0].data == {"dry_run": True, "config_entry_id": "radarrentry"}
    assert len(notifications) == 1
    assert notifications[0].data["title"] == "qbitrr (dry run): torrents handled"
    assert notifications[0].data["message"] == (
        "Dry run: would remove 8 torrents, 1 failed, 1 struck, 0 tagged.\n"
        "By rule: errored 1, stalled 8.\n"
        "• Demo.Movie.Broken.1080p (qBittorrent 127.0.0.1:8081): delete, failed\n"
        "• Demo.Movie.1.1080p (qBittorrent 127.0.0.1:8081): arr remove, planned\n"
        "• Demo.Movie.2.1080p (qBittorrent 127.0.0.1:8081): arr remove, planned\n"
        "…and 5 more."
    )

    # The next quarter hour: nothing removed and nothing failed, so no message.
    for minute in range(16, 31):
        freezer.move_to(datetime(2026, 11, 25, 10, minute, 0, tzinfo=zone))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert len(handled) == 2
    assert len(notifications) == 1


async def test_scheduled_handling_without_an_app_handles_every_app(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
) -> None:
    device_id, notifications = phone
    calls = async_mock_service(
        hass,
        "qbitrr",
        "handle_torrents",
        response=_handling_response(
            [_action("Demo.Show.S01E01", "arr_remove", "done", rule="failed_import")],
            dry_run=False,
        ),
    )
    zone = dt_util.get_default_time_zone()
    freezer.move_to(datetime(2026, 11, 25, 11, 59, 30, tzinfo=zone))
    await _use_blueprint(hass, "scheduled_handling.yaml", {"notify_device": device_id})
    freezer.move_to(datetime(2026, 11, 25, 12, 0, 0, tzinfo=zone))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert [call.data for call in calls] == [{"dry_run": False}]
    assert notifications[0].data["title"] == "qbitrr: torrents handled"
    assert notifications[0].data["message"] == (
        "Removed 1 torrent, 0 failed, 0 struck, 0 tagged.\n"
        "By rule: failed import 1.\n"
        "• Demo.Show.S01E01 (qBittorrent 127.0.0.1:8081): arr remove, done"
    )


async def test_torrent_finished_or_failed_filters_by_category_and_kind(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
) -> None:
    device_id, calls = phone
    await _use_blueprint(
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
    await _use_blueprint(
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
    server_device = _qbitrr_device(hass, "qBittorrent 127.0.0.1:8082", "qbt5")
    sensor = er.async_get(hass).async_get_or_create(
        "sensor",
        "qbitrr",
        "qbt5entry-free_space",
        device_id=server_device,
        suggested_object_id="qbittorrent_127_0_0_1_8082_free_disk_space",
    )
    attributes = {"device_class": "data_size", "unit_of_measurement": unit}
    hass.states.async_set(sensor.entity_id, above, attributes)
    await _use_blueprint(
        hass,
        "low_disk_space.yaml",
        {"free_space_entity": [sensor.entity_id], "threshold_gib": 20, "notify_device": device_id},
    )

    hass.states.async_set(sensor.entity_id, below, attributes)
    await _advance(hass, freezer, timedelta(minutes=4))
    assert calls == [], "the default 5 minute delay has not passed"
    await _advance(hass, freezer, timedelta(minutes=2))
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
    await _use_blueprint(
        hass,
        "low_disk_space.yaml",
        {"free_space_entity": [entity_id], "below_for": "00:00:00", "notify_device": device_id},
    )
    hass.states.async_set(entity_id, "unavailable", {"unit_of_measurement": "GiB"})
    hass.states.async_set(entity_id, "1", {"unit_of_measurement": "parsecs"})
    await _advance(hass, freezer, timedelta(minutes=1))
    assert calls == []
    hass.states.async_set(entity_id, "1", {"unit_of_measurement": "GiB"})
    await hass.async_block_till_done()
    assert len(calls) == 1
