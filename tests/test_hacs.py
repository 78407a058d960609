"""HACS and manifest rules, checked on the files users install."""

from __future__ import annotations

from importlib.metadata import version
import json
from pathlib import Path
import re

from awesomeversion import AwesomeVersion

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / "qbitrr"
# The keys HACS (and Home Assistant's marketplace) read from hacs.json.
HACS_KEYS = {
    "name",
    "content_in_root",
    "filename",
    "hacs",
    "hide_default_branch",
    "homeassistant",
    "persistent_directory",
    "zip_release",
    "country",
    "render_readme",
}


def test_hacs_json() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    assert set(hacs) <= HACS_KEYS
    assert hacs["name"] == "qbitrr"
    assert hacs["content_in_root"] is False
    # The minimum version is the release CI actually tests (same year.month).
    minimum = AwesomeVersion(hacs["homeassistant"])
    tested = AwesomeVersion(version("homeassistant"))
    assert (minimum.major, minimum.minor) == (tested.major, tested.minor)
    assert minimum <= tested
    # Exactly one integration, in the folder HACS expects.
    assert [
        p.name
        for p in (ROOT / "custom_components").iterdir()
        if p.is_dir() and not p.name.startswith("_")
    ] == ["qbitrr"]


def test_manifest() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["domain"] == INTEGRATION.name
    assert re.fullmatch(r"[a-z0-9_]+", manifest["domain"])
    assert AwesomeVersion(manifest["version"]).valid
    assert manifest["config_flow"] is True
    assert manifest["iot_class"] == "local_polling"
    assert manifest["integration_type"] in {"hub", "service", "device"}
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")
    assert manifest["codeowners"]
    # Home Assistant installs requirements exactly as pinned; the project pins the same.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for requirement in manifest["requirements"]:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", requirement)
        assert f'"{requirement}"' in pyproject
    # The integration's own version is the project's.
    assert f'version = "{manifest["version"]}"' in pyproject


def test_brand_images() -> None:
    for name in ("icon.png", "icon@2x.png", "logo.png"):
        assert (INTEGRATION / "brand" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


QUALITY_RULES = {
    # Bronze
    "action-setup",
    "appropriate-polling",
    "brands",
    "common-modules",
    "config-flow-test-coverage",
    "config-flow",
    "dependency-transparency",
    "docs-actions",
    "docs-high-level-description",
    "docs-installation-instructions",
    "docs-removal-instructions",
    "entity-event-setup",
    "entity-unique-id",
    "has-entity-name",
    "runtime-data",
    "test-before-configure",
    "test-before-setup",
    "unique-config-entry",
    # Silver
    "action-exceptions",
    "config-entry-unloading",
    "docs-configuration-parameters",
    "docs-installation-parameters",
    "entity-unavailable",
    "integration-owner",
    "log-when-unavailable",
    "parallel-updates",
    "reauthentication-flow",
    "test-coverage",
    # Gold
    "devices",
    "diagnostics",
    "discovery-update-info",
    "discovery",
    "docs-data-update",
    "docs-examples",
    "docs-known-limitations",
    "docs-supported-devices",
    "docs-supported-functions",
    "docs-troubleshooting",
    "docs-use-cases",
    "dynamic-devices",
    "entity-category",
    "entity-device-class",
    "entity-disabled-by-default",
    "entity-translations",
    "exception-translations",
    "icon-translations",
    "reconfiguration-flow",
    "repair-issues",
    "stale-devices",
    # Platinum
    "async-dependency",
    "inject-websession",
    "strict-typing",
}


def test_quality_scale_lists_every_rule_and_explains_exemptions() -> None:
    import yaml  # noqa: PLC0415

    rules = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text(encoding="utf-8"))[
        "rules"
    ]
    assert set(rules) == QUALITY_RULES
    for name, rule in rules.items():
        if isinstance(rule, dict):
            # A rule with a comment is exempt, or done with the decision explained.
            assert rule["status"] in {"exempt", "done"}, f"{name} is {rule['status']}"
            assert len(rule["comment"]) > 20, name
        else:
            assert rule == "done", name
    # Every platform that only reads a coordinator says so.
    for platform in ("sensor", "binary_sensor", "event"):
        assert "PARALLEL_UPDATES = 0" in (INTEGRATION / f"{platform}.py").read_text(
            encoding="utf-8"
        )
