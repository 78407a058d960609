"""strings.json and translations/en.json agree, and every key the code uses has a text."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.sensor import SENSORS
from custom_components.qbitrr.services.targets import ONE_SERVER_ERRORS
from homeassistant.core import HomeAssistant
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.setup import async_setup_component

INTEGRATION = Path(__file__).parent.parent / "custom_components" / "qbitrr"


def test_english_translation_mirrors_strings(strings: dict[str, Any]) -> None:
    english = json.loads((INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8"))
    assert english == strings
    # Custom integrations get no reference resolution: every text must be literal.
    assert "[%key:" not in json.dumps(english)


def test_every_raised_translation_key_exists(strings: dict[str, Any]) -> None:
    source = "\n".join(path.read_text(encoding="utf-8") for path in INTEGRATION.rglob("*.py"))
    keys = set(re.findall(r'translation_domain=DOMAIN,\s*translation_key="([a-z_]+)"', source))
    assert keys, "the integration raises translated errors"
    assert keys <= set(strings["exceptions"])
    # Keys picked from a table by error code.
    assert set(ONE_SERVER_ERRORS.values()) <= set(strings["exceptions"])


def test_every_sensor_has_a_name_and_an_icon(strings: dict[str, Any]) -> None:
    icons = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
    for description in SENSORS:
        assert description.translation_key in strings["entity"]["sensor"]
        assert description.translation_key in icons["entity"]["sensor"]


async def test_every_service_is_described_translated_and_has_an_icon(
    hass: HomeAssistant, strings: dict[str, Any]
) -> None:
    await async_setup_component(hass, DOMAIN, {})
    descriptions = await async_get_all_descriptions(hass)
    services = descriptions[DOMAIN]
    icons = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
    assert set(services) == set(strings["services"]) == set(icons["services"])
    for name, description in services.items():
        assert set(description["fields"]) == set(strings["services"][name].get("fields", {})), name
