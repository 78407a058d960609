"""Every blueprint loads with Home Assistant's loader and schema; its selectors validate.

Every input's selector (and default) is validated by the selector helper, and the README has
an import button per blueprint.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.components.blueprint.schemas import BLUEPRINT_SCHEMA
from homeassistant.helpers import selector
from homeassistant.util import yaml as yaml_util

from .common import BLUEPRINT_FILES, BLUEPRINTS, ROOT

# Blueprints that only act, with nothing to tell (slow mode is visible on its switch).
SILENT_BLUEPRINTS = {"slow_mode.yaml"}
REPOSITORY = "qbitrr/qbitrr-homeassistant"
SOURCE_URL = f"https://github.com/{REPOSITORY}/blob/main/blueprints/automation/qbitrr/{{}}"
RAW_URL = f"https://raw.githubusercontent.com/{REPOSITORY}/main/blueprints/automation/qbitrr/{{}}"
MIN_VERSION = "2026.10.0"


def _load(name: str) -> Blueprint:
    data = yaml_util.load_yaml_dict(BLUEPRINTS / name)
    return Blueprint(
        data, path=name, expected_domain="automation", schema=AUTOMATION_BLUEPRINT_SCHEMA
    )


def test_the_folder_holds_exactly_the_known_blueprints() -> None:
    assert sorted(path.name for path in BLUEPRINTS.glob("*.yaml")) == sorted(BLUEPRINT_FILES)


@pytest.mark.parametrize("name", BLUEPRINT_FILES)
def test_blueprint_loads_and_validates(name: str) -> None:
    raw = yaml_util.load_yaml_dict(BLUEPRINTS / name)
    BLUEPRINT_SCHEMA(raw)  # the generic schema, as the blueprint integration checks it
    blueprint = _load(name)  # the automation schema; also: every !input used is declared

    assert blueprint.domain == "automation"
    metadata = blueprint.metadata
    assert metadata["source_url"] == SOURCE_URL.format(name)
    assert metadata["homeassistant"]["min_version"] == MIN_VERSION
    assert blueprint.validate() is None  # this Home Assistant satisfies min_version
    assert metadata["name"].startswith("qbitrr")
    assert metadata["description"]

    # Every declared input is used somewhere (the loader only checks the converse).
    assert set(blueprint.inputs) == yaml_util.extract_inputs(raw)
    for key, spec in blueprint.inputs.items():
        assert spec["name"], key
        validated = selector.validate_selector(spec["selector"])
        if "default" in spec:
            # The default must be a value the input's own selector accepts.
            selector.selector(validated)(spec["default"])


def _selector(name: str, key: str) -> dict[str, Any]:
    """An input's selector as written in the file (not normalised by the schema)."""
    raw = yaml_util.load_yaml_dict(BLUEPRINTS / name)
    return dict(raw["blueprint"]["input"][key]["selector"])


@pytest.mark.parametrize("name", BLUEPRINT_FILES)
def test_every_blueprint_notifies_a_mobile_app_device(name: str) -> None:
    if name in SILENT_BLUEPRINTS:
        assert "mobile_app" not in (BLUEPRINTS / name).read_text(encoding="utf-8")
        return
    assert _selector(name, "notify_device") == {"device": {"filter": {"integration": "mobile_app"}}}


def test_entity_inputs_offer_only_the_right_qbitrr_entities() -> None:
    connectivity = _selector("instance_offline.yaml", "connectivity_entity")["entity"]
    assert connectivity["filter"] == {
        "integration": "qbitrr",
        "domain": "binary_sensor",
        "device_class": "connectivity",
    }
    free_space = _selector("low_disk_space.yaml", "free_space_entity")["entity"]
    assert free_space["filter"] == {
        "integration": "qbitrr",
        "domain": "sensor",
        "device_class": "data_size",
    }
    arr = _selector("scheduled_handling.yaml", "arr_entry")
    assert arr == {"config_entry": {"integration": "qbitrr"}}
    # The controls: one server's switch and buttons, its status sensor and address sensors.
    assert _selector("slow_mode.yaml", "alternative_speed_switch")["entity"] == {
        "filter": {"integration": "qbitrr", "domain": "switch"}
    }
    assert _selector("slow_mode.yaml", "media_players")["entity"]["filter"] == {
        "domain": "media_player"
    }
    status = _selector("vpn_guard.yaml", "connection_status_entity")["entity"]
    assert status["filter"] == {"integration": "qbitrr", "domain": "sensor", "device_class": "enum"}
    addresses = _selector("vpn_guard.yaml", "external_address_entities")["entity"]
    assert addresses == {"multiple": True, "filter": {"integration": "qbitrr", "domain": "sensor"}}
    for key in ("pause_button", "resume_button"):
        button = _selector("vpn_guard.yaml", key)["entity"]
        assert button["filter"] == {"integration": "qbitrr", "domain": "button"}
        assert not button.get("multiple")


def test_readme_has_an_import_button_per_blueprint() -> None:
    readme = (ROOT / "blueprints" / "README.md").read_text(encoding="utf-8")
    links = re.findall(
        r"\(https://my\.home-assistant\.io/create-link/\?redirect=blueprint_import"
        r"&blueprint_url=([^)\s]+)\)",
        readme,
    )
    imported = []
    for encoded in links:
        url = parse_qs(f"blueprint_url={encoded}")["blueprint_url"][0]
        assert "%" not in url  # encoded exactly once
        imported.append(url)
    assert imported == [RAW_URL.format(name) for name in BLUEPRINT_FILES]
    assert readme.count("https://my.home-assistant.io/badges/blueprint_import.svg") == len(
        BLUEPRINT_FILES
    )
    for name in BLUEPRINT_FILES:
        assert urlparse(RAW_URL.format(name)).path.endswith(f"/blueprints/automation/qbitrr/{name}")
