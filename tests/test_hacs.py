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
