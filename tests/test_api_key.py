"""API-key login (qBittorrent 5.2+) against the real servers: 5.x accepts, 4.5 is refused.

Keys are created on the 5.x test server with `app/rotateAPIKey` through a client logged in with
the password (each call replaces the previous key). Every key goes into the session's secret scan.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import json
import logging
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.qbitrr.api.qbittorrent import (
    QbitApiKeyUnsupportedError,
    QbitAuthError,
    QbitConnectionError,
    QbittorrentClient,
)
from custom_components.qbitrr.const import CONF_KIND, DOMAIN, KIND_QBITTORRENT
from devtools.qbittorrent_server import QbittorrentServer, free_port
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
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

from .conftest import SECRETS, entry_data
from .test_config_flow import _start_user_flow, _suggested

# A key of the right shape that no server issued (4.5 cannot issue any).
FAKE_KEY = "qbt_NotIssuedByAnyServer00000000"
SECRETS.add(FAKE_KEY)

# The `qbt` fixture for one major version only; the ids keep the per-version tally right.
only_qbt5 = pytest.mark.parametrize("qbt", [5], ids=["qbt5"], indirect=True)
only_qbt4 = pytest.mark.parametrize("qbt", [4], ids=["qbt4"], indirect=True)


def _new_key(server: QbittorrentServer) -> str:
    """Create a new API key on a 5.x server (the previous one stops working at once)."""
    reply = server.client().app_rotate_api_key()
    key = str(reply["apiKey"])
    SECRETS.add(key)
    assert key.startswith("qbt_")
    return key


def _key_entry(hass: HomeAssistant, server: QbittorrentServer, key: str) -> MockConfigEntry:
    """Add an entry that holds only a key: no username, no password."""
    data = entry_data(server, **{CONF_USERNAME: "", CONF_PASSWORD: "", CONF_API_KEY: key})
    entry = MockConfigEntry(domain=DOMAIN, data=data, unique_id=data[CONF_URL])
    entry.add_to_hass(hass)
    return entry


@contextlib.contextmanager
def _local_auth_bypassed(server: QbittorrentServer) -> Iterator[None]:
    """Let 127.0.0.1 in without logging in, as some users set it up; restored afterwards."""
    client = server.client()
    client.app_set_preferences(prefs={"bypass_local_auth": True})
    try:
        yield
    finally:
        client.app_set_preferences(prefs={"bypass_local_auth": False})


# --- the client ------------------------------------------------------------------------------


@only_qbt5
def test_the_key_is_what_logs_in(qbt: QbittorrentServer) -> None:
    """With a key, a wrong stored password does not matter; a stale key is refused."""
    key = _new_key(qbt)
    client = QbittorrentClient(qbt.url, qbt.username, "wrong-password", api_key=key)
    try:
        client.validate()
        assert client.uses_api_key
        assert client.sync().maindata.rid > 0
        # A poll's 403 is the key refused, not a lost session: an authentication error.
        _new_key(qbt)
        with pytest.raises(QbitAuthError):
            client.sync()
        with pytest.raises(QbitAuthError):
            client.validate()
    finally:
        client.close()


def test_a_key_on_an_unreachable_server_is_a_connection_error() -> None:
    """The library reports any failure of a key check as a refused login; we do not."""
    client = QbittorrentClient(f"http://127.0.0.1:{free_port()}", None, None, api_key=FAKE_KEY)
    with pytest.raises(QbitConnectionError):
        client.validate()
    client.close()


@only_qbt5
def test_no_credentials_come_from_the_environment(qbt: QbittorrentServer) -> None:
    """qbittorrent-api fills empty credentials from QBITTORRENTAPI_*; an entry never does."""
    key = _new_key(qbt)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("QBITTORRENTAPI_API_KEY", key)
        env.setenv("QBITTORRENTAPI_USERNAME", qbt.username)
        env.setenv("QBITTORRENTAPI_PASSWORD", qbt.password)
        # Without the environment's key (or login) the server refuses a client without any.
        for username, password in ((None, None), (qbt.username, "wrong-password")):
            client = QbittorrentClient(qbt.url, username, password)
            with pytest.raises(QbitAuthError):
                client.validate()
            assert not client.uses_api_key
            client.close()
        # The password it was given still works, without the environment's key.
        client = QbittorrentClient(qbt.url, qbt.username, qbt.password, api_key=None)
        client.validate()
        client.close()


@only_qbt4
def test_an_old_server_is_refused_even_when_it_lets_the_caller_in(
    qbt: QbittorrentServer,
) -> None:
    """4.5 (WebAPI 2.8) ignores the header; with local auth bypassed it would answer anyway."""
    client = QbittorrentClient(qbt.url, None, None, api_key=FAKE_KEY)
    try:
        # It asks 127.0.0.1 to log in: the key is simply refused.
        with pytest.raises(QbitAuthError) as refused:
            client.validate()
        assert not isinstance(refused.value, QbitApiKeyUnsupportedError)
        with _local_auth_bypassed(qbt):
            with pytest.raises(QbitApiKeyUnsupportedError):
                client.validate()
            with pytest.raises(QbitApiKeyUnsupportedError):
                client.sync()
            assert client.maindata is None
            # Without a key the same server answers (the bypass is real).
            open_client = QbittorrentClient(qbt.url, None, None)
            open_client.validate()
            open_client.close()
    finally:
        client.close()


# --- entries ----------------------------------------------------------------------------------


@only_qbt5
async def test_key_entry_polls_and_diagnostics_redact_it(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, qbt: QbittorrentServer
) -> None:
    key = _new_key(qbt)
    entry = _key_entry(hass, qbt, key)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    coordinator = entry.runtime_data
    assert coordinator.client.uses_api_key
    assert coordinator.data.app_version.startswith("v5.")
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert entities
    states = [hass.states.get(entity.entity_id) for entity in entities]
    assert any(state is not None and state.state != "unavailable" for state in states)

    await coordinator.async_refresh()
    assert coordinator.last_update_success

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["entry"]["data"][CONF_API_KEY] == "**REDACTED**"
    assert key not in json.dumps(diagnostics)


@only_qbt4
async def test_key_entry_on_an_old_server_asks_to_log_in_again(
    hass: HomeAssistant, qbt: QbittorrentServer
) -> None:
    """An entry with a key meets a server too old to check it: no data, a reauth instead."""
    entry = _key_entry(hass, qbt, FAKE_KEY)
    with _local_auth_bypassed(qbt):
        assert not await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


# --- the config flow --------------------------------------------------------------------------


def _key_input(server: QbittorrentServer, key: str, **overrides: Any) -> dict[str, Any]:
    return {CONF_URL: server.url, CONF_API_KEY: key, CONF_VERIFY_SSL: True, **overrides}


@only_qbt5
async def test_user_flow_with_a_key_stores_the_key(
    hass: HomeAssistant, qbt: QbittorrentServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = _new_key(qbt)
    flow_id = await _start_user_flow(hass)

    result = await hass.config_entries.flow.async_configure(flow_id, _key_input(qbt, FAKE_KEY))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_API_KEY: "invalid_qbit_api_key"}
    assert _suggested(result, CONF_API_KEY) is None  # never sent back to the browser

    # The key wins over a username and password typed as well (they are not stored).
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        _key_input(qbt, f" {key} ", **{CONF_USERNAME: "admin", CONF_PASSWORD: "wrong-password"}),
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_KIND: KIND_QBITTORRENT,
        CONF_URL: f"http://127.0.0.1:{qbt.port}",
        CONF_USERNAME: "",
        CONF_PASSWORD: "",
        CONF_API_KEY: key,
        CONF_VERIFY_SSL: True,
    }
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.client.uses_api_key
    assert key not in caplog.text
    assert FAKE_KEY not in caplog.text


@only_qbt5
async def test_reauth_with_a_rotated_key(hass: HomeAssistant, qbt: QbittorrentServer) -> None:
    old_key = _new_key(qbt)
    entry = _key_entry(hass, qbt, old_key)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    new_key = _new_key(qbt)  # the stored key stops working
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    flow_id = flows[0]["flow_id"]

    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "reauth_confirm"
    assert _suggested(result, CONF_API_KEY) is None
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: old_key})
    assert result["errors"] == {CONF_API_KEY: "invalid_qbit_api_key"}
    assert entry.data[CONF_API_KEY] == old_key

    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: new_key})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_API_KEY] == new_key
    assert entry.state is ConfigEntryState.LOADED


@only_qbt5
async def test_reconfigure_from_a_key_back_to_the_password(
    hass: HomeAssistant, qbt: QbittorrentServer
) -> None:
    """Without a key the form checks the password, and the stored key is cleared."""
    entry = _key_entry(hass, qbt, _new_key(qbt))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await entry.start_reconfigure_flow(hass)
    assert _suggested(result, CONF_API_KEY) is None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_URL: qbt.url,
            CONF_USERNAME: qbt.username,
            CONF_PASSWORD: qbt.password,
            CONF_VERIFY_SSL: True,
        },
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == entry_data(qbt, **{CONF_API_KEY: ""})
    assert entry.state is ConfigEntryState.LOADED
    assert not entry.runtime_data.client.uses_api_key


@only_qbt4
async def test_flow_refuses_a_key_on_an_old_server(
    hass: HomeAssistant, qbt: QbittorrentServer
) -> None:
    flow_id = await _start_user_flow(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _key_input(qbt, FAKE_KEY))
    assert result["errors"] == {CONF_API_KEY: "invalid_qbit_api_key"}

    with _local_auth_bypassed(qbt):
        result = await hass.config_entries.flow.async_configure(flow_id, _key_input(qbt, FAKE_KEY))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_API_KEY: "api_key_unsupported"}
    assert not hass.config_entries.async_entries(DOMAIN)
