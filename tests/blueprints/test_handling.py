"""The scheduled handling blueprint end to end: qbitrr.handle_torrents on an interval."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import async_fire_time_changed, async_mock_service

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.util import dt as dt_util

from .common import use_blueprint


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
    await use_blueprint(
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
    await use_blueprint(hass, "scheduled_handling.yaml", {"notify_device": device_id})
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
