"""A real Home Assistant core in the bench's own event loop, loading qbitrr from custom_components.

Built by the test harness Home Assistant's own tests use (``async_test_home_assistant``: the
core, its registries and config entries, no HTTP server, no recorder), in a scratch config
folder, so the integration's store is written to disk as in production. What the tests'
``enable_custom_integrations`` fixture does, ``home_assistant`` does too: it drops the harness's
empty list of custom integrations, so the loader finds ours in ``custom_components``.
"""

from __future__ import annotations

# Ours before Home Assistant's test helpers, which bring a `custom_components` package of their
# own (the same order as tests/conftest.py).
import custom_components  # noqa: F401  # isort: skip

from collections.abc import AsyncIterator, Mapping
import contextlib
import logging
from typing import TYPE_CHECKING, Any, Final
from unittest import mock

from aiohttp.resolver import AsyncResolver
from pytest_homeassistant_custom_component import common  # type: ignore[import-untyped]

from custom_components.qbitrr.const import DOMAIN
from homeassistant import loader
from homeassistant.config_entries import ConfigEntryState
from homeassistant.helpers import frame
from homeassistant.setup import async_setup_component

from .common import BenchError

if TYPE_CHECKING:
    from pathlib import Path

    from homeassistant.core import HomeAssistant

_RESOLVER: Final = "homeassistant.helpers.aiohttp_client._async_make_resolver"


@contextlib.asynccontextmanager
async def home_assistant(config_dir: Path) -> AsyncIterator[HomeAssistant]:
    """A running Home Assistant core whose loader sees custom integrations; stopped after.

    Every config entry loaded is unloaded first, as Home Assistant's own test fixture does.
    """
    # "We found a custom integration ... not tested by Home Assistant": true, and not news.
    logging.getLogger("homeassistant.loader").setLevel(logging.ERROR)
    # No zeroconf integration here: Home Assistant's aiohttp sessions get a plain resolver,
    # as the harness's own fixture gives the tests (every server is on 127.0.0.1). Home
    # Assistant closes it on stop through `real_close`.
    resolver = AsyncResolver()
    resolver.real_close = resolver.close  # type: ignore[attr-defined]
    harness: contextlib.AbstractAsyncContextManager[HomeAssistant]
    harness = common.async_test_home_assistant(config_dir=str(config_dir))
    with mock.patch(_RESOLVER, return_value=resolver):
        async with harness as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            frame.async_setup(hass)
            try:
                yield hass
            finally:
                for entry in hass.config_entries.async_entries():
                    if entry.state is ConfigEntryState.LOADED:
                        await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_stop(force=True)


def add_entry(
    hass: HomeAssistant,
    title: str,
    data: Mapping[str, Any],
    options: Mapping[str, Any] | None = None,
) -> None:
    """Add (not set up) one of qbitrr's config entries, as its config flow would store it."""
    entry = common.MockConfigEntry(
        domain=DOMAIN,
        title=title,
        data=dict(data),
        options=dict(options or {}),
        unique_id=data.get("url"),
    )
    entry.add_to_hass(hass)


async def set_up(hass: HomeAssistant) -> None:
    """Set up qbitrr: every entry added so far loads (and polls once)."""
    if not await async_setup_component(hass, DOMAIN, {}):
        raise BenchError("qbitrr did not set up in Home Assistant")
    await hass.async_block_till_done(wait_background_tasks=True)
    failed = [
        entry.title
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is not ConfigEntryState.LOADED
    ]
    if failed:
        raise BenchError(f"config entries not loaded: {', '.join(failed)}")
