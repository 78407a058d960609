"""The Arr-side blueprints end to end: ready to watch (qbitrr_imported) and the nightly search."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.util import dt as dt_util

from .common import WEBHOOK_ID, use_blueprint


def _imported(app: str, title: str, quality: str | None, arr: str | None = None) -> dict[str, Any]:
    """A `qbitrr_imported` event's data, as qbitrr fires it."""
    return {
        "arr": arr or f"{app}entry",
        "arr_title": f"{app.capitalize()} 127.0.0.1",
        "app": app,
        "title": title,
        "quality": quality,
        "release": f"{title}.WEB.1080p",
        "hash": "a" * 40,
        "media_ids": [1],
        "instance": "qbt5entry",
        "instance_title": "qBittorrent 127.0.0.1:8082",
        "name": f"{title}.WEB.1080p",
    }


async def test_ready_to_watch_tells_the_phone(
    hass: HomeAssistant, blueprint_config_dir: Path, phone: tuple[str, list[ServiceCall]]
) -> None:
    device_id, notifications = phone
    await use_blueprint(hass, "ready_to_watch.yaml", {"notify_device": device_id})
    hass.bus.async_fire("qbitrr_imported", _imported("sonarr", "Severance S02E01", "WEBDL-1080p"))
    hass.bus.async_fire("qbitrr_imported", _imported("lidarr", "Massive Attack - Mezzanine", None))
    hass.bus.async_fire("qbitrr_imported", _imported("radarr", "", "Bluray-1080p"))
    await hass.async_block_till_done()
    assert [call.data for call in notifications] == [
        {
            "title": "Ready to watch",
            "message": "Severance S02E01 is ready to watch (WEBDL-1080p).",
            "target": WEBHOOK_ID,
        },
        {
            "title": "Ready to listen",
            "message": "Massive Attack - Mezzanine is ready to listen to.",
            "target": WEBHOOK_ID,
        },
        {
            "title": "Ready to watch",
            "message": ".WEB.1080p is ready to watch (Bluray-1080p).",
            "target": WEBHOOK_ID,
        },
    ]


async def test_ready_to_watch_for_one_app_without_quality(
    hass: HomeAssistant, blueprint_config_dir: Path, phone: tuple[str, list[ServiceCall]]
) -> None:
    device_id, notifications = phone
    await use_blueprint(
        hass,
        "ready_to_watch.yaml",
        {"notify_device": device_id, "arr_entry": "radarrentry", "show_quality": False},
    )
    hass.bus.async_fire("qbitrr_imported", _imported("sonarr", "Severance S02E01", "WEBDL"))
    hass.bus.async_fire("qbitrr_imported", _imported("radarr", "Arrival (2016)", "Bluray-1080p"))
    await hass.async_block_till_done()
    assert [call.data["message"] for call in notifications] == ["Arrival (2016) is ready to watch."]


def _searched(*titles: str) -> dict[str, Any]:
    """What qbitrr.search_missing / search_cutoff_unmet return."""
    return {
        "arr": "sonarrentry",
        "arr_title": "Sonarr 127.0.0.1",
        "list": "missing",
        "searched": [
            {"id": n, "title": title, "last_search_time": None} for n, title in enumerate(titles)
        ],
        "skipped_in_cooldown": 0,
        "total_wanted": len(titles),
    }


async def test_nightly_search_runs_at_its_time_and_reports(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
) -> None:
    device_id, notifications = phone
    calls: list[ServiceCall] = []
    answers = {
        "search_missing": [_searched("Show S01E01", "Show S01E02"), _searched()],
        "search_cutoff_unmet": [_searched("Show S02E01"), _searched()],
    }

    def search(call: ServiceCall) -> ServiceResponse:
        calls.append(call)
        return answers[call.service].pop(0)

    for name in answers:
        hass.services.async_register(
            "qbitrr", name, search, supports_response=SupportsResponse.OPTIONAL
        )
    zone = dt_util.get_default_time_zone()
    freezer.move_to(datetime(2026, 11, 25, 2, 59, 0, tzinfo=zone))
    await use_blueprint(
        hass,
        "nightly_search.yaml",
        {
            "arr_entry": "sonarrentry",
            "max_items": 5,
            "cutoff_unmet": True,
            "notify_device": device_id,
        },
    )
    freezer.move_to(datetime(2026, 11, 25, 3, 0, 0, tzinfo=zone))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert [(call.service, call.data) for call in calls] == [
        ("search_missing", {"config_entry_id": "sonarrentry", "max_items": 5}),
        ("search_cutoff_unmet", {"config_entry_id": "sonarrentry", "max_items": 5}),
    ]
    assert [call.data for call in notifications] == [
        {
            "title": "Sonarr 127.0.0.1: searched 3",
            "message": "Show S01E01, Show S01E02, Show S02E01",
            "target": WEBHOOK_ID,
        }
    ]
    # The next night: nothing to search, no message.
    freezer.move_to(datetime(2026, 11, 26, 3, 0, 0, tzinfo=zone))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len(calls) == 4
    assert len(notifications) == 1


async def test_nightly_search_of_missing_only(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
    freezer: FrozenDateTimeFactory,
) -> None:
    device_id, notifications = phone
    calls: list[ServiceCall] = []

    def search(call: ServiceCall) -> ServiceResponse:
        calls.append(call)
        return _searched("Arrival (2016)")

    hass.services.async_register(
        "qbitrr", "search_missing", search, supports_response=SupportsResponse.OPTIONAL
    )
    zone = dt_util.get_default_time_zone()
    freezer.move_to(datetime(2026, 11, 25, 2, 59, 0, tzinfo=zone))
    await use_blueprint(
        hass, "nightly_search.yaml", {"arr_entry": "radarrentry", "notify_device": device_id}
    )
    freezer.move_to(datetime(2026, 11, 25, 3, 0, 0, tzinfo=zone))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert [call.data for call in calls] == [{"config_entry_id": "radarrentry", "max_items": 10}]
    assert notifications[0].data["message"] == "Arrival (2016)"
