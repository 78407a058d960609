"""Pre-flight: the packages the loaded integrations need, and the ones that failed to load."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
from pathlib import Path
import re

from packaging.requirements import Requirement

from .common import DOMAIN, ROOT


def missing_requirements(components: tuple[str, ...] = ()) -> list[str]:
    """Return the frontend's (and ``components``') and our manifest's requirements not installed.

    hass runs with --skip-pip (it must not reach PyPI at run time), so these must be in the venv;
    without the frontend hass even falls back to recovery mode. Reads manifests only: importing
    homeassistant.bootstrap to list every default integration would add ~7 s to each start
    (their failures are reported from the log instead, see ``failed_setups``).
    """
    spec = importlib.util.find_spec("homeassistant")
    if spec is None or not spec.submodule_search_locations:
        return ["homeassistant"]
    builtin = Path(next(iter(spec.submodule_search_locations))) / "components"
    requirements: list[str] = []
    folders = [builtin / name for name in ("frontend", *components)]
    for manifest in (*folders, ROOT / "custom_components" / DOMAIN):
        requirements += json.loads((manifest / "manifest.json").read_text()).get("requirements", [])
    missing = []
    for line in requirements:
        requirement = Requirement(line)
        try:
            installed = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(line)
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            missing.append(f"{line} (installed: {installed})")
    return missing


def failed_setups(log_path: Path) -> list[str]:
    """Domains whose set-up failed in this hass start (hass rotates its log at each start)."""
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return sorted(set(re.findall(r"Setup failed for '([^']+)'", text)))
