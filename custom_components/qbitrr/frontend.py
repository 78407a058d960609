"""Serve the qbitrr card and load it in every dashboard: installing qbitrr is all it takes.

The bundle (built from the repository's frontend/ folder, committed) is served as a static file
and added to the frontend as an extra module; its URL carries a digest of the file, so browsers
keep it cached until an update ships a new one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final

from homeassistant.components.frontend import add_extra_js_url
from homeassistant.components.http import StaticPathConfig  # type: ignore[attr-defined]
from homeassistant.core import HomeAssistant

CARD_DIR: Final = Path(__file__).parent / "frontend"
CARD_FILE: Final = "qbitrr-card.js"
# Not under /qbitrr: that is where a dashboard named "qbitrr" would live.
URL_BASE: Final = "/qbitrr_card"
CARD_URL: Final = f"{URL_BASE}/{CARD_FILE}"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


async def async_register_card(hass: HomeAssistant) -> str:
    """Serve the card's folder and add the bundle to the frontend; return the module's URL."""
    digest = await hass.async_add_executor_job(_digest, CARD_DIR / CARD_FILE)
    await hass.http.async_register_static_paths(
        [StaticPathConfig(URL_BASE, str(CARD_DIR), cache_headers=True)]
    )
    url = f"{CARD_URL}?v={digest}"
    add_extra_js_url(hass, url)
    return url
