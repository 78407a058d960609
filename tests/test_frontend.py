"""The card ships with the integration: served by Home Assistant's own HTTP server, loaded."""

from __future__ import annotations

import hashlib
import re

from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.frontend import CARD_DIR, CARD_FILE, CARD_URL
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

BUNDLE = (CARD_DIR / CARD_FILE).read_bytes()


async def test_card_is_served_and_added_to_the_frontend(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """Setting up qbitrr (no entry needed) serves the bundle and loads it in every dashboard."""
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()

    (url,) = [u for u in hass.data[DATA_EXTRA_MODULE_URL].urls if u.startswith(CARD_URL)]
    assert url == f"{CARD_URL}?v={hashlib.sha256(BUNDLE).hexdigest()[:16]}"

    client = await hass_client()
    response = await client.get(url)
    assert response.status == 200
    assert response.content_type in {"text/javascript", "application/javascript"}
    assert await response.read() == BUNDLE
    # Cached for long: the digest in the URL changes with the bundle.
    assert "max-age" in response.headers.get("Cache-Control", "")

    missing = await client.get(f"{CARD_URL.rsplit('/', 1)[0]}/nothing.js")
    assert missing.status == 404


def test_bundle_is_one_self_contained_module() -> None:
    """The committed bundle imports nothing (HACS users do not build) and defines the card."""
    text = BUNDLE.decode()
    assert not re.search(r"""(?:^|[;\s}])import\s*[\w{*\s,]*from\s*["']""", text)
    assert not re.search(r"""(?:^|[;\s}])import\s*["']""", text)
    assert re.search(r'\.define\("qbitrr-card",', text)
    assert 'type:"qbitrr-card"' in text
