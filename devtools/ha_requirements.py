"""What a Home Assistant release must have installed to run scripts/e2e, from its own manifests.

``python -m devtools.ha_requirements``, run by the interpreter of a virtualenv that holds that
homeassistant release (``scripts/e2e --ha`` does when it builds ``.cache/ha/<version>``), prints
one requirement per line. hass runs with ``--skip-pip`` (no PyPI at run time), so everything it
loads must be installed up front: the integrations bootstrap always sets up, the ones the e2e
configuration names, their dependencies, and qbitrr's own manifest. The project's virtualenv
pins the same packages by hand in pyproject.toml; this list follows whichever release is asked.
"""

from __future__ import annotations

import json
from pathlib import Path
import sys

from devtools.devstack.common import DOMAIN, ROOT
from homeassistant import bootstrap

# configuration.yaml of the e2e stack (devstack.hass.write_ha_config and e2e.context's extra),
# and isal: http compresses with its package when installed (as in the project's virtualenv).
E2E_DOMAINS = frozenset({"api", "config", "frontend", "logger", "recorder", "history", "isal"})


def _manifest_lists(domain: str) -> tuple[list[str], list[str]]:
    """Read ``requirements`` and ``dependencies`` from a built-in manifest or qbitrr's."""
    if domain == DOMAIN:
        folder = ROOT / "custom_components" / DOMAIN
    else:
        folder = Path(bootstrap.__file__).parent / "components" / domain
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    return list(manifest.get("requirements", [])), list(manifest.get("dependencies", []))


def requirements() -> list[str]:
    """List the requirements of every integration hass loads in the e2e run, sorted, unique."""
    loaded = set(bootstrap.CORE_INTEGRATIONS) | set(bootstrap.DEFAULT_INTEGRATIONS)
    todo = [*sorted(loaded | E2E_DOMAINS), DOMAIN]
    seen: set[str] = set()
    found: set[str] = set()
    while todo:
        domain = todo.pop()
        if domain in seen:
            continue
        seen.add(domain)
        requires, depends_on = _manifest_lists(domain)
        found.update(requires)
        todo.extend(depends_on)
    return sorted(found, key=str.lower)


if __name__ == "__main__":
    sys.stdout.write("".join(f"{line}\n" for line in requirements()))
