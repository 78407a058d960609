"""The Arr options flow, and the completed/failed torrent events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.qbitrr.api.maindata import merge_maindata
from custom_components.qbitrr.const import (
    EVENT_TORRENT_COMPLETED,
    EVENT_TORRENT_FAILED,
    QBIT_IDLE_UPDATE_INTERVAL,
    QBIT_MAX_UPDATE_INTERVAL,
    QBIT_UPDATE_INTERVAL,
)
from custom_components.qbitrr.model.arr import ArrApp
from custom_components.qbitrr.options_flow import OPTION_AREAS
from custom_components.qbitrr.policy.files_options import file_defaults
from custom_components.qbitrr.policy.model import UnknownTorrentAction
from custom_components.qbitrr.policy.options import (
    DEFAULT_OPTIONS,
    OPT_PROTECT_TAG,
    OPT_STALL_DELAY,
    settings_from_options,
)
from custom_components.qbitrr.qbit_options_flow import SERVER_OPTION_AREAS
from custom_components.qbitrr.snapshot import build_snapshot, next_interval
from devtools.arr_emulator import ArrEmulator
from devtools.qbittorrent_server import QbittorrentServer, add_magnets
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from .conftest import add_arr_entry, setup_integration


async def test_options_flow(hass: HomeAssistant, radarr: ArrEmulator) -> None:
    entry = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    shown: dict[str, object] = {}
    for area, fields in OPTION_AREAS.items():
        result = await hass.config_entries.options.async_init(entry.entry_id)
        assert result["type"] is FlowResultType.MENU
        assert result["menu_options"] == list(OPTION_AREAS)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": area}
        )
        assert result["type"] is FlowResultType.FORM
        schema = result["data_schema"].schema
        assert len(schema) <= 8  # no form shows more than about eight fields
        assert [key.schema for key in schema] == list(fields)
        shown |= {key.schema: key.default() for key in schema}
        await hass.config_entries.options.async_configure(
            result["flow_id"], {key.schema: key.default() for key in schema}
        )
        await hass.async_block_till_done()
    # The file rule's defaults are the app's own (policy/files_options.py).
    assert shown == {**DEFAULT_OPTIONS, **file_defaults(ArrApp.RADARR)}

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "guards"}
    )
    guards = {key.schema: key.default() for key in result["data_schema"].schema}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**guards, OPT_PROTECT_TAG: "a,b"}
    )
    assert result["errors"] == {OPT_PROTECT_TAG: "invalid_tag"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**guards, OPT_PROTECT_TAG: " keep "}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "rules"}
    )
    rules = {key.schema: key.default() for key in result["data_schema"].schema}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**rules, OPT_STALL_DELAY: 45}
    )
    await hass.async_block_till_done()
    # Each area saves its own fields and keeps the others.
    assert entry.options[OPT_PROTECT_TAG] == "keep"
    settings = settings_from_options(entry.options)
    assert settings.stall_delay == 45 * 60
    assert settings.protect_tag == "keep"
    assert settings.unknown_action is UnknownTorrentAction.TAG


async def test_qbittorrent_entries_have_their_own_options(
    hass: HomeAssistant, init_qbt: MockConfigEntry
) -> None:
    assert init_qbt.supports_options
    result = await hass.config_entries.options.async_init(init_qbt.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "server"  # not the Arr's menu
    assert result["menu_options"] == list(SERVER_OPTION_AREAS)


async def test_completed_and_failed_events(
    hass: HomeAssistant, qbt: QbittorrentServer, init_qbt: MockConfigEntry
) -> None:
    coordinator = init_qbt.runtime_data
    completed = async_capture_events(hass, EVENT_TORRENT_COMPLETED)
    failed = async_capture_events(hass, EVENT_TORRENT_FAILED)
    first = merge_maindata(
        None,
        {
            "rid": 1,
            "torrents": {
                "aa": {"name": "A", "state": "downloading", "progress": 0.5, "category": "radarr"},
                "bb": {"name": "B", "state": "downloading", "progress": 0.5},
                "cc": {"name": "C", "state": "stalledDL", "progress": 0.1},
            },
        },
    )
    second = merge_maindata(
        first,
        {
            "rid": 2,
            "torrents": {"aa": {"state": "uploading", "progress": 1}, "bb": {"state": "error"}},
        },
    )
    before = build_snapshot(first, app_version="v5", webapi_version="2", full_update=True)
    after = build_snapshot(second, app_version="v5", webapi_version="2", full_update=False)
    coordinator._fire_transitions(before, after)
    coordinator._fire_transitions(None, after)
    await hass.async_block_till_done()
    assert [e.data for e in completed] == [
        {
            "instance": init_qbt.entry_id,
            "instance_title": init_qbt.title,
            "hash": "aa",
            "name": "A",
            "category": "radarr",
            "state": "uploading",
        }
    ]
    assert [(e.data["hash"], e.data["state"], e.data["category"]) for e in failed] == [
        ("bb", "error", "")
    ]


def _snapshot(reply: dict[str, Any], previous: Any = None, *, full: bool = False) -> Any:
    return build_snapshot(
        merge_maindata(previous, reply), app_version="v5", webapi_version="2", full_update=full
    )


def test_poll_interval_adapts() -> None:
    idle_reply = {"rid": 1, "torrents": {"aa": {"state": "metaDL"}}, "server_state": {}}
    idle = _snapshot(idle_reply, full=True)
    assert next_interval(idle, 0.05) == QBIT_IDLE_UPDATE_INTERVAL
    downloading = _snapshot({"rid": 1, "torrents": {"aa": {"state": "downloading"}}}, full=True)
    assert next_interval(downloading, 0.05) == QBIT_UPDATE_INTERVAL
    moving_bytes = _snapshot({"rid": 1, "server_state": {"up_info_speed": 10}}, full=True)
    assert next_interval(moving_bytes, 0.05) == QBIT_UPDATE_INTERVAL
    changed = _snapshot(
        {"rid": 2, "torrents": {"aa": {"tags": "x"}}}, merge_maindata(None, idle_reply)
    )
    assert next_interval(changed, 0.05) == QBIT_UPDATE_INTERVAL
    # A slow server is polled less, whatever its torrents do; never beyond the cap.
    assert next_interval(downloading, 4.0) == timedelta(seconds=120)
    assert next_interval(downloading, 100.0) == QBIT_MAX_UPDATE_INTERVAL


async def test_coordinator_slows_down_when_idle(
    hass: HomeAssistant, qbt: QbittorrentServer, init_qbt: MockConfigEntry
) -> None:
    coordinator = init_qbt.runtime_data
    await coordinator.async_refresh()
    assert coordinator.update_interval == QBIT_IDLE_UPDATE_INTERVAL
    qbt.client().torrents_create_tags(tags="new")
    add_magnets(qbt.client(), 1)
    await coordinator.async_refresh()
    assert coordinator.update_interval == QBIT_UPDATE_INTERVAL
