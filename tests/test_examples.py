"""The example dashboard: built-in cards, real services, real entity ids, a working template."""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockEntity,
    MockEntityPlatform,
)
import yaml

import homeassistant.components.binary_sensor as binary_sensor_component
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.template import Template
from homeassistant.util import slugify

ROOT = Path(__file__).parent.parent
DASHBOARD = ROOT / "examples" / "dashboard.yaml"
INTEGRATION = ROOT / "custom_components" / "qbitrr"

# Built-in Lovelace cards the example may use (a card a user must install would not be).
BUILT_IN_CARDS = {
    "button",
    "entities",
    "glance",
    "grid",
    "history-graph",
    "markdown",
    "statistic",
    "tile",
    "vertical-stack",
}
# Services being added alongside the dashboard; accepted even before services.yaml lists them.
PLANNED_SERVICES = {
    "handle_torrents",
    "add_tags",
    "remove_tags",
    "pause_torrents",
    "resume_torrents",
}
# The development instance's entries (scripts/develop): entry title = device name.
DEV_QBITTORRENT = ("qBittorrent 127.0.0.1:8081", "qBittorrent 127.0.0.1:8082")
DEV_ARRS = ("Radarr 127.0.0.1:7878", "Sonarr 127.0.0.1:8989")


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    return yaml.safe_load(DASHBOARD.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _cards(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every card of every view, the cards inside stacks and grids included."""

    def nested(cards: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for card in cards:
            yield card
            yield from nested(card.get("cards", []))

    for view in dashboard["views"]:
        yield from nested(view.get("cards", []))


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every key and value, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _entity_ids(dashboard: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for key, value in _walk(dashboard):
        if key == "entity" and isinstance(value, str):
            found.add(value)
        elif key == "entities":
            found.update(item for item in value if isinstance(item, str))
    return found


def _markdown(dashboard: dict[str, Any]) -> str:
    (content,) = [card["content"] for card in _cards(dashboard) if card["type"] == "markdown"]
    return content  # type: ignore[no-any-return]


def test_dashboard_uses_only_built_in_cards(dashboard: dict[str, Any]) -> None:
    cards = list(_cards(dashboard))
    assert len(cards) > 10
    types = {card["type"] for card in cards}
    # Besides built-in cards, only qbitrr's own card (the integration serves it).
    assert types - {"custom:qbitrr-card"} <= BUILT_IN_CARDS, types - BUILT_IN_CARDS
    assert {"tile", "markdown", "button", "glance", "history-graph"} <= types


def test_dashboard_buttons_perform_existing_qbitrr_services(dashboard: dict[str, Any]) -> None:
    services_yaml = yaml.safe_load((INTEGRATION / "services.yaml").read_text(encoding="utf-8"))
    known = set(services_yaml) | PLANNED_SERVICES
    performed = [value for key, value in _walk(dashboard) if key == "perform_action"]
    assert sorted(performed) == ["qbitrr.handle_torrents", "qbitrr.sync_categories"]
    for action in performed:
        domain, service = action.split(".")
        assert domain == "qbitrr"
        assert service in known, action
    # No legacy "call-service" actions, and the dry-run button really is a dry run.
    actions = [value for key, value in _walk(dashboard) if key == "tap_action"]
    assert {action["action"] for action in actions} == {"perform-action"}
    (handle,) = [a for a in actions if a["perform_action"] == "qbitrr.handle_torrents"]
    assert handle["data"] == {"dry_run": True}


def test_dashboard_entity_ids_are_the_integrations_own(dashboard: dict[str, Any]) -> None:
    """Every entity id is slug(device name + entity name) of an entity qbitrr creates."""
    from custom_components.qbitrr.binary_sensor import ARR_HEALTH, CONNECTIVITY, SPACE_GUARD_ACTIVE  # noqa: PLC0415
    from custom_components.qbitrr.button import QBIT_BUTTONS  # noqa: PLC0415
    from custom_components.qbitrr.number import NUMBERS  # noqa: PLC0415
    from custom_components.qbitrr.sensor import ARR_SENSORS, ARR_TORRENT_SENSORS, SENSORS  # noqa: PLC0415
    from custom_components.qbitrr.switch import SWITCHES  # noqa: PLC0415

    strings = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
    device_classes = json.loads(
        (Path(binary_sensor_component.__file__).parent / "translations" / "en.json").read_text(
            encoding="utf-8"
        )
    )["entity_component"]

    def name(platform: str, description: Any) -> str:
        if description.translation_key:
            return strings["entity"][platform][description.translation_key]["name"]  # type: ignore[no-any-return]
        return device_classes[str(description.device_class)]["name"]  # type: ignore[no-any-return]

    # Only entities a user has without enabling them (not the external addresses, say).
    qbit_entities = {
        "sensor": SENSORS,
        "binary_sensor": (CONNECTIVITY, SPACE_GUARD_ACTIVE),
        "switch": SWITCHES,
        "number": NUMBERS,
        "button": QBIT_BUTTONS,
    }
    expected: set[str] = set()
    for title in DEV_QBITTORRENT:
        expected.update(
            f"{platform}.{slugify(f'{title} {name(platform, d)}')}"
            for platform, descriptions in qbit_entities.items()
            for d in descriptions
            if d.entity_registry_enabled_default
        )
    for title in DEV_ARRS:
        expected.update(
            f"sensor.{slugify(f'{title} {name("sensor", d)}')}"
            for d in (*ARR_SENSORS, *ARR_TORRENT_SENSORS)
        )
        expected.add(f"binary_sensor.{slugify(f'{title} {name("binary_sensor", ARR_HEALTH)}')}")

    used = _entity_ids(dashboard)
    assert "sensor.qbittorrent_127_0_0_1_8081_download_speed" in used
    assert "binary_sensor.qbittorrent_127_0_0_1_8082_connectivity" in used
    assert used <= expected, sorted(used - expected)
    # Every server shows its connectivity, connection and speeds, and offers its controls.
    for title in DEV_QBITTORRENT:
        slug = slugify(title)
        assert {
            f"binary_sensor.{slug}_connectivity",
            f"sensor.{slug}_connection_status",
            f"sensor.{slug}_download_speed",
            f"sensor.{slug}_upload_speed",
            f"sensor.{slug}_stalled_torrents",
            f"switch.{slug}_alternative_speed_limits",
            f"number.{slug}_alternative_download_limit",
            f"number.{slug}_alternative_upload_limit",
            f"number.{slug}_download_limit",
            f"number.{slug}_upload_limit",
            f"button.{slug}_pause_all_torrents",
            f"button.{slug}_resume_all_torrents",
            f"switch.{slug}_free_space_guard",
            f"binary_sensor.{slug}_free_space_guard_active",
        } <= used


def test_dashboard_names_every_entity_shortly(dashboard: dict[str, Any]) -> None:
    """A tile without a name shows "qBittorrent 127.0.0.1:8081 Download speed", cut off."""
    rows = [
        row
        for card in _cards(dashboard)
        for row in ([card] if card["type"] in {"tile", "statistic"} else card.get("entities", []))
    ]
    assert len(rows) > 40
    for row in rows:
        if isinstance(row, dict) and row.get("type") == "divider":
            continue
        assert isinstance(row, dict), f"{row}: no name"
        assert row.get("name"), f"{row['entity']}: no name"
        assert len(row["name"]) <= 16, row["name"]
        assert "127.0.0.1" not in row["name"], row["name"]
    titles = [card["title"] for card in _cards(dashboard) if "title" in card]
    assert not [title for title in titles if "127.0.0.1" in title]


async def test_distribution_markdown_renders_a_table_per_category_and_app(
    hass: HomeAssistant, dashboard: dict[str, Any]
) -> None:
    registry = er.async_get(hass)
    # The qBittorrent sensors come from config entries, as qbitrr's own do: their column
    # headings are the entry titles, the keys the apps' `instances` attributes use.
    for key, title in zip(("qbt4", "qbt5"), DEV_QBITTORRENT, strict=True):
        entry = MockConfigEntry(domain="qbitrr", title=title, entry_id=f"{key}entry")
        entry.add_to_hass(hass)
        platform = MockEntityPlatform(hass, domain="sensor", platform_name="qbitrr")
        platform.config_entry = entry
        for sensor in ("torrents", "stalled_torrents"):
            registry.async_get_or_create(
                "sensor",
                "qbitrr",
                f"{key}-{sensor}",
                config_entry=entry,
                suggested_object_id=f"{slugify(title)}_{sensor}",
            )
        await platform.async_add_entities(
            [MockEntity(unique_id=f"{key}-{sensor}") for sensor in ("torrents", "stalled_torrents")]
        )
    # The apps' sensors are bare entities: their names stand in for the titles.
    platform = MockEntityPlatform(hass, domain="sensor", platform_name="qbitrr")
    await platform.async_add_entities(
        [
            MockEntity(entity_id=f"sensor.{slugify(title)}_{sensor}")
            for title in DEV_ARRS
            for sensor in ("torrents", "stalled_torrents")
        ]
    )
    await hass.async_block_till_done()
    assert "sensor.qbittorrent_127_0_0_1_8081_torrents" in hass.states.async_entity_ids()

    q4, q5 = DEV_QBITTORRENT
    states: dict[str, tuple[Any, dict[str, Any]]] = {
        "sensor.qbittorrent_127_0_0_1_8081_torrents": (
            5,
            {"categories": {"": 1, "radarr": 3, "sonarr": 1}},
        ),
        "sensor.qbittorrent_127_0_0_1_8081_stalled_torrents": (1, {}),
        "sensor.qbittorrent_127_0_0_1_8082_torrents": (
            4,
            {"categories": {"anime": 2, "radarr": 2}},
        ),
        "sensor.qbittorrent_127_0_0_1_8082_stalled_torrents": (0, {}),
        "sensor.radarr_127_0_0_1_7878_torrents": (
            5,
            {
                "friendly_name": "Radarr 127.0.0.1:7878 Torrents",
                "category": "radarr",
                "instances": {q4: 3, q5: 2},
            },
        ),
        "sensor.radarr_127_0_0_1_7878_stalled_torrents": (
            1,
            {
                "friendly_name": "Radarr 127.0.0.1:7878 Stalled torrents",
                "category": "radarr",
                "instances": {q4: 1, q5: 0},
            },
        ),
        # Sonarr's server 8082 is unreachable: the app counts only what it can see.
        "sensor.sonarr_127_0_0_1_8989_torrents": (
            1,
            {
                "friendly_name": "Sonarr 127.0.0.1:8989 Torrents",
                "category": "sonarr",
                "instances": {q4: 1},
            },
        ),
        "sensor.sonarr_127_0_0_1_8989_stalled_torrents": (
            0,
            {
                "friendly_name": "Sonarr 127.0.0.1:8989 Stalled torrents",
                "category": "sonarr",
                "instances": {q4: 0},
            },
        ),
    }
    for entity_id, (state, attributes) in states.items():
        hass.states.async_set(entity_id, str(state), attributes)
    # Not qbitrr's: never counted even though it carries the same attribute.
    hass.states.async_set("sensor.other_torrents", "9", {"categories": {"radarr": 9}})

    rendered = Template(_markdown(dashboard), hass).async_render(parse_result=False)
    assert rendered.strip() == (
        "**Per category**\n"
        "\n"
        f"| Category | {q4} | {q5} | Total |\n"
        "|:--|--:|--:|--:|\n"
        "| *none* | 1 | 0 | **1** |\n"
        "| anime | 0 | 2 | **2** |\n"
        "| radarr | 3 | 2 | **5** |\n"
        "| sonarr | 1 | 0 | **1** |\n"
        "\n"
        "**Per app** (stalled in brackets)\n"
        "\n"
        f"| App | Category | {q4} | {q5} | Total |\n"
        "|:--|:--|--:|--:|--:|\n"
        "| Radarr 127.0.0.1:7878 | radarr | 3 (1) | 2 | **5** (1) |\n"
        "| Sonarr 127.0.0.1:8989 | sonarr | 1 | \N{EN DASH} | **1** |"
    )


async def test_distribution_markdown_without_servers(
    hass: HomeAssistant, dashboard: dict[str, Any]
) -> None:
    rendered = Template(_markdown(dashboard), hass).async_render(parse_result=False)
    assert rendered.strip() == "*No qBittorrent server is reachable.*"


def test_brand_images_have_the_sizes_home_assistant_expects() -> None:
    """brand/ holds what HA serves for a custom integration: square icons, a wide logo."""
    from PIL import Image  # noqa: PLC0415

    brand = INTEGRATION / "brand"
    expected = {"icon.png": (256, 256), "icon@2x.png": (512, 512)}
    for name, size in expected.items():
        with Image.open(brand / name) as image:
            assert image.size == size, name
            assert image.mode == "RGBA", name
            assert image.getchannel("A").getpixel((0, 0)) == 0, f"{name}: opaque corner"
    with Image.open(brand / "logo.png") as logo:
        assert logo.mode == "RGBA"
        assert logo.width > 2 * logo.height
        assert 128 <= logo.height <= 256
        assert logo.getchannel("A").getpixel((logo.width - 1, 0)) == 0, "logo: opaque background"
