"""Arr entries against the emulator: flow, errors, reauth, reconfigure, entities."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qbitrr.const import CONF_APP, CONF_CATEGORY, CONF_KIND, DOMAIN, KIND_ARR
from devtools.arr_emulator import ArrEmulator
from devtools.qbittorrent_server import free_port
from devtools.web_servers import Reply, serve
from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_USER, ConfigEntryState
from homeassistant.const import (
    CONF_API_KEY,
    CONF_URL,
    CONF_VERIFY_SSL,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er

from .conftest import add_arr_entry, setup_integration


async def _start_arr_flow(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "arr"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "arr"
    return str(result["flow_id"])


def _arr_input(emulator: ArrEmulator, **overrides: Any) -> dict[str, Any]:
    return {CONF_URL: emulator.url, CONF_API_KEY: emulator.api_key, CONF_VERIFY_SSL: True} | (
        overrides
    )


@pytest.mark.parametrize(
    ("app", "title", "default_category"),
    [
        ("radarr", "Radarr", "radarr"),
        ("sonarr", "Sonarr", "tv-sonarr"),
        ("lidarr", "Lidarr", "lidarr"),
    ],
)
async def test_arr_flow_detects_the_app(
    hass: HomeAssistant,
    app: str,
    title: str,
    default_category: str,
    request: pytest.FixtureRequest,
) -> None:
    emulator: ArrEmulator = request.getfixturevalue(app)
    flow_id = await _start_arr_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _arr_input(emulator, **{CONF_API_KEY: "wrong"})
    )
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}

    result = await hass.config_entries.flow.async_configure(flow_id, _arr_input(emulator))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "arr_category"
    assert result["description_placeholders"]["app"] == title
    # The category the app's own qBittorrent download client uses is offered first.
    schema = result["data_schema"].schema
    key = next(k for k in schema if k == CONF_CATEGORY)
    assert key.default() == default_category

    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_CATEGORY: " /bad"})
    assert result["errors"] == {CONF_CATEGORY: "invalid_category"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_CATEGORY: default_category}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    port = emulator.port
    assert result["title"] == f"{title} 127.0.0.1:{port}"
    assert result["data"] == {
        CONF_KIND: KIND_ARR,
        CONF_URL: f"http://127.0.0.1:{port}",
        CONF_API_KEY: emulator.api_key,
        CONF_VERIFY_SSL: True,
        CONF_APP: app,
        CONF_CATEGORY: default_category,
    }
    assert result["result"].state is ConfigEntryState.LOADED

    # The same app again is refused.
    flow_id = await _start_arr_flow(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _arr_input(emulator))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.fixture
def prowlarr() -> Iterator[int]:
    """An *arr API of an app qbitrr does not manage."""
    status = Reply(200, b'{"appName": "Prowlarr", "version": "1.0"}', "application/json")
    with serve(
        Reply(404, b"{}", "application/json"), routes={"/api/v1/system/status": status}
    ) as p:
        yield p


async def test_arr_flow_errors(hass: HomeAssistant, prowlarr: int) -> None:
    flow_id = await _start_arr_flow(hass)

    async def submit(url: str) -> dict[str, Any]:
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_URL: url, CONF_API_KEY: "k", CONF_VERIFY_SSL: True}
        )
        assert result["type"] is FlowResultType.FORM
        return dict(result)

    assert (await submit("ftp://x"))["errors"] == {"base": "invalid_url"}
    assert (await submit(f"http://127.0.0.1:{free_port()}"))["errors"] == {"base": "cannot_connect"}
    result = await submit(f"http://127.0.0.1:{prowlarr}")
    assert result["errors"] == {"base": "unsupported_app"}
    assert result["description_placeholders"] == {"app": "Prowlarr"}
    with serve() as html:
        assert (await submit(f"http://127.0.0.1:{html}"))["errors"] == {"base": "not_arr"}
    with serve(Reply(500, b"oops")) as broken:
        assert (await submit(f"http://127.0.0.1:{broken}"))["errors"] == {"base": "cannot_connect"}
    with patch(
        "custom_components.qbitrr.flow_checks.ArrClient.detect", side_effect=RuntimeError("boom")
    ):
        assert (await submit("http://127.0.0.1:1"))["errors"] == {"base": "unknown"}


async def test_arr_flow_ssl_error(hass: HomeAssistant, https_html_server: int) -> None:
    flow_id = await _start_arr_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            CONF_URL: f"https://127.0.0.1:{https_html_server}",
            CONF_API_KEY: "k",
            CONF_VERIFY_SSL: True,
        },
    )
    assert result["errors"] == {"base": "ssl_error"}
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            CONF_URL: f"https://127.0.0.1:{https_html_server}",
            CONF_API_KEY: "k",
            CONF_VERIFY_SSL: False,
        },
    )
    assert result["errors"] == {"base": "not_arr"}


async def test_arr_reauth(hass: HomeAssistant, radarr: ArrEmulator) -> None:
    entry = add_arr_entry(hass, radarr)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_API_KEY: "old"})
    await setup_integration(hass)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["step_id"] == "reauth_arr"

    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {CONF_API_KEY: "still-wrong"}
    )
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {CONF_API_KEY: radarr.api_key}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.state is ConfigEntryState.LOADED


async def test_arr_reconfigure(
    hass: HomeAssistant, radarr: ArrEmulator, sonarr: ArrEmulator
) -> None:
    entry = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_arr"

    # Another app at the new address is refused: that is a new entry, not this one.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**_arr_input(sonarr), CONF_CATEGORY: "radarr"}
    )
    assert result["errors"] == {"base": "app_mismatch"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**_arr_input(radarr), CONF_CATEGORY: "movies/"}
    )
    assert result["errors"] == {CONF_CATEGORY: "invalid_category"}
    # The app moved to another port.
    with ArrEmulator("radarr", api_key=radarr.api_key) as moved:
        new_url = f"http://127.0.0.1:{moved.port}"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**_arr_input(moved), CONF_CATEGORY: "movies"}
        )
        await hass.async_block_till_done()
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        assert entry.data[CONF_URL] == new_url
        assert entry.data[CONF_CATEGORY] == "movies"
        assert entry.unique_id == new_url
        assert entry.state is ConfigEntryState.LOADED
        await hass.config_entries.async_unload(entry.entry_id)


async def test_arr_entities(
    hass: HomeAssistant, radarr: ArrEmulator, entity_registry: er.EntityRegistry
) -> None:
    radarr.add_queue_item("AB" * 20, title="Movie 1")
    radarr.add_queue_item("CD" * 20, title="Movie 2")
    entry = add_arr_entry(hass, radarr)
    await setup_integration(hass)

    def state(key: str, platform: str = "sensor") -> str:
        entity_id = entity_registry.async_get_entity_id(platform, DOMAIN, f"{entry.entry_id}-{key}")
        assert entity_id is not None
        value = hass.states.get(entity_id)
        assert value is not None
        return value.state

    assert state("queue_size") == "2"
    assert state("arr_version") == radarr.version
    assert state("health_problem", "binary_sensor") == STATE_OFF
    # No qBittorrent instance is loaded: the cross-instance count is unknown, not zero.
    assert state("torrents") == "unknown"

    radarr.set_health(
        [{"source": "DownloadClientCheck", "type": "error", "message": "Unable to communicate"}]
    )
    radarr.add_queue_item("EF" * 20, title="Movie 3")
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert state("queue_size") == "3"
    assert state("health_problem", "binary_sensor") == STATE_ON

    radarr.inject_fault(r".*", "500")
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert state("queue_size") == STATE_UNAVAILABLE
    radarr.clear_faults()
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert state("queue_size") == "3"


async def test_arr_queue_over_many_pages(hass: HomeAssistant, radarr: ArrEmulator) -> None:
    for index in range(620):
        radarr.add_queue_item(f"{index:040X}", title=f"Movie {index}")
    entry = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    snapshot = entry.runtime_data.data
    assert len(snapshot.queue) == 620
    assert {item.torrent_hash for item in snapshot.queue} == {f"{i:040x}" for i in range(620)}
    pages = [r for r in radarr.requests if r.path.endswith("/queue")]
    assert len(pages) == 3


async def test_arr_unreachable_at_start_retries(hass: HomeAssistant) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            CONF_KIND: KIND_ARR,
            CONF_URL: url,
            CONF_API_KEY: "k",
            CONF_VERIFY_SSL: True,
            CONF_APP: "sonarr",
            CONF_CATEGORY: "tv",
        },
        unique_id=url,
    )
    entry.add_to_hass(hass)
    await setup_integration(hass)
    assert entry.state is ConfigEntryState.SETUP_RETRY
