"""Setting up and unloading qBittorrent entries against the real servers."""

from __future__ import annotations

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qbitrr.const import DOMAIN
from devtools.qbittorrent_server import QbittorrentServer, free_port
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .conftest import entry_data


async def test_load_unload(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    init_qbt: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    assert init_qbt.state is ConfigEntryState.LOADED
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, init_qbt.entry_id), init_qbt.entry_id
    )
    assert device is not None
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    assert device.sw_version is not None
    assert device.sw_version.startswith(f"v{qbt.major}.")
    assert device.configuration_url == f"http://127.0.0.1:{qbt.port}"

    assert await hass.config_entries.async_unload(init_qbt.entry_id)
    await hass.async_block_till_done()
    assert init_qbt.state is ConfigEntryState.NOT_LOADED


async def test_unreachable_server_retries_setup(hass: HomeAssistant) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_URL: url, CONF_PASSWORD: "x"}, unique_id=url)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_wrong_password_starts_reauth(hass: HomeAssistant, qbt: QbittorrentServer) -> None:
    data = entry_data(qbt, **{CONF_PASSWORD: "wrong"})
    entry = MockConfigEntry(domain=DOMAIN, data=data, unique_id=data[CONF_URL])
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
