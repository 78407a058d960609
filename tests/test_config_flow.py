"""Config flow against real servers: success, every error, duplicates, reauth, reconfigure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
import re
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qbitrr.const import CONF_CATEGORY, CONF_KIND, DOMAIN, KIND_QBITTORRENT
from devtools.arr_emulator import ArrEmulator
from devtools.path_proxy import PathProxy
from devtools.qbittorrent_server import QbittorrentServer, free_port
from devtools.web_servers import Reply, serve
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
)
from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er

from .conftest import entry_data


def _user_input(server: QbittorrentServer, **overrides: Any) -> dict[str, Any]:
    return {
        CONF_URL: server.url,
        CONF_USERNAME: server.username,
        CONF_PASSWORD: server.password,
        CONF_VERIFY_SSL: True,
        **overrides,
    }


async def _start_user_flow(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["qbittorrent", "arr"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "qbittorrent"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "qbittorrent"
    assert result["errors"] == {}
    return str(result["flow_id"])


async def test_user_flow_creates_entry(hass: HomeAssistant, qbt: QbittorrentServer) -> None:
    flow_id = await _start_user_flow(hass)
    # A trailing slash and upper-case host still name the same server.
    url = qbt.url.replace("http://", "HTTP://") + "/"
    result = await hass.config_entries.flow.async_configure(
        flow_id, _user_input(qbt, **{CONF_URL: url})
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"qBittorrent 127.0.0.1:{qbt.port}"
    assert result["data"] == {
        CONF_KIND: KIND_QBITTORRENT,
        CONF_URL: f"http://127.0.0.1:{qbt.port}",
        CONF_USERNAME: qbt.username,
        CONF_PASSWORD: qbt.password,
        CONF_VERIFY_SSL: True,
    }
    entry = result["result"]
    assert entry.unique_id == f"http://127.0.0.1:{qbt.port}"
    assert entry.state is ConfigEntryState.LOADED


async def test_wrong_password_then_recover(hass: HomeAssistant, qbt: QbittorrentServer) -> None:
    flow_id = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _user_input(qbt, **{CONF_PASSWORD: "wrong-password"})
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    # The password is never sent back to the browser as a suggested value.
    for key in result["data_schema"].schema:
        if key == CONF_PASSWORD:
            assert "suggested_value" not in (key.description or {})

    result = await hass.config_entries.flow.async_configure(flow_id, _user_input(qbt))
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_missing_credentials_are_invalid_auth(
    hass: HomeAssistant, qbt: QbittorrentServer
) -> None:
    flow_id = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: qbt.url, CONF_VERIFY_SSL: True}
    )
    assert result["errors"] == {"base": "invalid_auth"}


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://127.0.0.1:21",
        "http://",
        "http://127.0.0.1:99999",
        "http://u:p@127.0.0.1:1",
        "http://" + "a" * 3000,
    ],
)
async def test_invalid_url(hass: HomeAssistant, url: str) -> None:
    flow_id = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: url, CONF_VERIFY_SSL: True}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_url"}


async def test_closed_port_cannot_connect(hass: HomeAssistant) -> None:
    flow_id = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: f"127.0.0.1:{free_port()}", CONF_VERIFY_SSL: True}
    )
    assert result["errors"] == {"base": "cannot_connect"}


@pytest.fixture
def html_server() -> Iterator[int]:
    """A web server that answers every path with an HTML page (status 200)."""
    with serve() as port:
        yield port


@pytest.fixture
def json_404_server() -> Iterator[int]:
    """A JSON API that is not qBittorrent: every path is a 404."""
    with serve(Reply(404, b'{"error": "not found"}', "application/json")) as port:
        yield port


async def test_html_page_is_not_qbittorrent(hass: HomeAssistant, html_server: int) -> None:
    flow_id = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            CONF_URL: f"http://127.0.0.1:{html_server}",
            CONF_USERNAME: "admin",
            CONF_PASSWORD: "secret",
            CONF_VERIFY_SSL: True,
        },
    )
    assert result["errors"] == {"base": "not_qbittorrent"}


async def test_other_json_api_is_not_qbittorrent(hass: HomeAssistant, json_404_server: int) -> None:
    flow_id = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: f"http://127.0.0.1:{json_404_server}", CONF_VERIFY_SSL: True}
    )
    assert result["errors"] == {"base": "not_qbittorrent"}


async def test_self_signed_certificate(hass: HomeAssistant, https_html_server: int) -> None:
    url = f"https://127.0.0.1:{https_html_server}"
    flow_id = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: url, CONF_VERIFY_SSL: True}
    )
    assert result["errors"] == {"base": "ssl_error"}

    # With verification off the TLS handshake passes, and the page behind it is judged.
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: url, CONF_VERIFY_SSL: False}
    )
    assert result["errors"] == {"base": "not_qbittorrent"}


async def test_unexpected_error_is_unknown(hass: HomeAssistant, qbt: QbittorrentServer) -> None:
    flow_id = await _start_user_flow(hass)
    with patch(
        "custom_components.qbitrr.flow_checks.QbittorrentClient.validate",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, _user_input(qbt))
    assert result["errors"] == {"base": "unknown"}


async def test_duplicate_aborts(
    hass: HomeAssistant, qbt: QbittorrentServer, qbt_entry: MockConfigEntry
) -> None:
    flow_id = await _start_user_flow(hass)
    # Another spelling of the configured URL (explicit default path) is the same server.
    result = await hass.config_entries.flow.async_configure(
        flow_id, _user_input(qbt, **{CONF_URL: f"{qbt.url}/"})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def _entry_needing_reauth(
    hass: HomeAssistant, server: QbittorrentServer
) -> tuple[MockConfigEntry, str]:
    """Add an entry whose stored password the server refuses; return it and its reauth flow."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data=entry_data(server, **{CONF_PASSWORD: "old-password"}),
        unique_id=entry_data(server)[CONF_URL],
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    return entry, str(flows[0]["flow_id"])


def _suggested(result: Any, field: str) -> Any:
    """The value a form suggests for `field` (None when it suggests nothing)."""
    key = next(key for key in result["data_schema"].schema if key == field)
    return (key.description or {}).get("suggested_value")


async def test_reauth_after_password_change(hass: HomeAssistant, qbt: QbittorrentServer) -> None:
    entry, flow_id = await _entry_needing_reauth(hass, qbt)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: qbt.username, CONF_PASSWORD: "still-wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: qbt.username, CONF_PASSWORD: qbt.password}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == qbt.password
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_checks_a_cleared_username_as_empty(
    hass: HomeAssistant, qbt: QbittorrentServer
) -> None:
    """Reauth checks exactly what it would store, so a cleared username is never stored."""
    entry, flow_id = await _entry_needing_reauth(hass, qbt)
    assert _suggested(await hass.config_entries.flow.async_configure(flow_id), CONF_USERNAME) == (
        qbt.username
    )

    # The frontend leaves a cleared field out; an API client may send it empty. This server
    # asks 127.0.0.1 to log in too, so it refuses a login without a username.
    for cleared in ({}, {CONF_USERNAME: ""}):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {**cleared, CONF_PASSWORD: qbt.password}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "invalid_auth"}
        assert _suggested(result, CONF_USERNAME) in {None, ""}  # cleared stays cleared
        assert entry.data[CONF_USERNAME] == qbt.username
        assert entry.data[CONF_PASSWORD] == "old-password"

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: qbt.username, CONF_PASSWORD: qbt.password}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data == entry_data(qbt)
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_refuses_an_entry_whose_address_is_not_its_server(
    hass: HomeAssistant, qbt: QbittorrentServer
) -> None:
    """Credentials are stored only for the server the entry stands for (its unique id)."""
    entry, flow_id = await _entry_needing_reauth(hass, qbt)
    # The entry's address no longer names the server it was added for.
    hass.config_entries.async_update_entry(entry, unique_id=f"http://localhost:{qbt.port}")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: qbt.username, CONF_PASSWORD: qbt.password}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"
    assert entry.data[CONF_PASSWORD] == "old-password"


async def test_reconfigure_keeps_entities(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    init_qbt: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    before = {
        e.unique_id for e in er.async_entries_for_config_entry(entity_registry, init_qbt.entry_id)
    }
    result = await init_qbt.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    # A closed port is refused and the form is shown again.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(qbt, **{CONF_URL: f"http://127.0.0.1:{free_port()}"})
    )
    assert result["errors"] == {"base": "cannot_connect"}

    new_url = f"http://localhost:{qbt.port}"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(qbt, **{CONF_URL: new_url})
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_qbt.data[CONF_URL] == new_url
    assert init_qbt.unique_id == new_url
    assert init_qbt.state is ConfigEntryState.LOADED
    after = {
        e.unique_id for e in er.async_entries_for_config_entry(entity_registry, init_qbt.entry_id)
    }
    assert after == before


async def test_reconfigure_onto_another_entry_aborts(
    hass: HomeAssistant, qbt: QbittorrentServer, init_qbt: MockConfigEntry
) -> None:
    other_url = f"http://localhost:{qbt.port}"
    MockConfigEntry(
        domain=DOMAIN, data=entry_data(qbt, **{CONF_URL: other_url}), unique_id=other_url
    ).add_to_hass(hass)
    result = await init_qbt.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(qbt, **{CONF_URL: other_url})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert init_qbt.data[CONF_URL] == f"http://127.0.0.1:{qbt.port}"


async def test_reconfigure_to_its_own_address(
    hass: HomeAssistant, qbt: QbittorrentServer, init_qbt: MockConfigEntry
) -> None:
    """The entry's own address, in any spelling, is no duplicate of itself."""
    result = await init_qbt.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(qbt, **{CONF_URL: f"{qbt.url}/"})
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_qbt.unique_id == init_qbt.data[CONF_URL] == f"http://127.0.0.1:{qbt.port}"
    assert init_qbt.title == f"qBittorrent 127.0.0.1:{qbt.port}"
    assert init_qbt.state is ConfigEntryState.LOADED


def test_every_flow_error_is_translated(strings: dict[str, Any]) -> None:
    """Every error key the flow can show has an English text (read from the code)."""
    integration = Path(__file__).parent.parent / "custom_components" / DOMAIN
    source = "\n".join(
        (integration / name).read_text(encoding="utf-8")
        for name in ("config_flow.py", "flow_checks.py")
    )
    returned = set(re.findall(r'error="([a-z_]+)"', source))
    returned |= set(re.findall(r'\{(?:"base"|CONF_[A-Z_]+): "([a-z_]+)"\}', source))
    returned |= set(re.findall(r'errors\[CONF_[A-Z_]+\] = "([a-z_]+)"', source))
    assert returned == {
        "invalid_url",
        "ssl_error",
        "cannot_connect",
        "invalid_auth",
        "invalid_api_key",
        "invalid_qbit_api_key",
        "api_key_unsupported",
        "not_qbittorrent",
        "not_arr",
        "unsupported_app",
        "app_mismatch",
        "invalid_category",
        "unknown",
    }
    assert returned <= set(strings["config"]["error"])
    # Abort reasons: the flow's own, and the default one of `_abort_if_unique_id_mismatch`.
    aborts = set(re.findall(r'reason="([a-z_]+)"', source)) | {"unique_id_mismatch"}
    assert aborts <= set(strings["config"]["abort"])


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("127.0.0.1:1", "cannot_connect"),  # no scheme: taken as http
        ("http://[::1]:1", "cannot_connect"),  # IPv6 literal
        ("http://127.0.0.1:1/qbt/", "cannot_connect"),  # a reverse-proxy path
        ("http://127.0.0.1:65536", "invalid_url"),
        ("http://127.0.0.1:-1", "invalid_url"),
        ("http://[::1", "invalid_url"),
        ("https:///nohost", "invalid_url"),
        ("   ", "invalid_url"),
    ],
)
async def test_odd_urls_answer_a_translated_error(
    hass: HomeAssistant, url: str, error: str, strings: dict[str, Any]
) -> None:
    flow_id = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_URL: url, CONF_USERNAME: "ü" * 500, CONF_VERIFY_SSL: True}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert error in strings["config"]["error"]
    assert hass.config_entries.async_entries(DOMAIN) == []


def _arr_input(emulator: ArrEmulator, url: str) -> dict[str, Any]:
    return {CONF_URL: url, CONF_API_KEY: emulator.api_key, CONF_VERIFY_SSL: True}


async def _start_reconfigure_flow(hass: HomeAssistant, entry: ConfigEntry[Any]) -> Any:
    return await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )


async def test_titles_tell_apart_servers_behind_one_proxy(
    hass: HomeAssistant,
    both_qbt: tuple[QbittorrentServer, QbittorrentServer],
    radarr: ArrEmulator,
    path_proxy: PathProxy,
) -> None:
    """Two real qBittorrent servers and an Arr behind one host:port, told apart by their paths."""
    qbt4, qbt5 = both_qbt
    path_proxy.routes.update({"/qbt/a": qbt4.url, "/qbt/b": qbt5.url, "/radarr": radarr.url})
    where = f"127.0.0.1:{path_proxy.port}"
    entries: dict[str, ConfigEntry[Any]] = {}
    for path, server in (("/qbt/a", qbt4), ("/qbt/b", qbt5)):
        flow_id = await _start_user_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            flow_id, _user_input(server, **{CONF_URL: f"{path_proxy.url}{path}/"})
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["title"] == f"qBittorrent {where}{path}"
        entries[path] = result["result"]
        assert entries[path].unique_id == f"http://{where}{path}"

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "arr"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _arr_input(radarr, f"{path_proxy.url}/radarr")
    )
    assert result["step_id"] == "arr_category"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CATEGORY: "radarr"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Radarr {where}/radarr"
    entries["/radarr"] = result["result"]
    await hass.async_block_till_done()

    # Moved to another path, each keeps telling where it is.
    path_proxy.routes.update({"/qbt/c": qbt4.url, "/movies": radarr.url})
    result = await _start_reconfigure_flow(hass, entries["/qbt/a"])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(qbt4, **{CONF_URL: f"{path_proxy.url}/qbt/c"})
    )
    assert result["reason"] == "reconfigure_successful"
    assert entries["/qbt/a"].title == f"qBittorrent {where}/qbt/c"
    assert entries["/qbt/a"].unique_id == f"http://{where}/qbt/c"
    result = await _start_reconfigure_flow(hass, entries["/radarr"])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**_arr_input(radarr, f"{path_proxy.url}/movies"), CONF_CATEGORY: "radarr"},
    )
    assert result["reason"] == "reconfigure_successful"
    assert entries["/radarr"].title == f"Radarr {where}/movies"
    await hass.async_block_till_done()
    for entry in entries.values():  # before the proxy they poll through stops
        await hass.config_entries.async_unload(entry.entry_id)
