"""The example dashboard (``examples/dashboard.yaml``) made to fit this instance."""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import Any, Final

import yaml

from devtools.devstack.common import ROOT

DASHBOARD_EXAMPLE: Final = ROOT / "examples" / "dashboard.yaml"
# The dev instance's ports in examples/dashboard.yaml, and which server each belongs to.
EXAMPLE_PORTS: Final[Mapping[str, str]] = {
    "8081": "qbt4",
    "8082": "qbt5",
    "7878": "radarr",
    "8989": "sonarr",
}


def dashboard_config(ports: Mapping[str, int], known: set[str]) -> tuple[dict[str, Any], list[str]]:
    """The example dashboard for this instance: the dev ports swapped for ours.

    Entities that do not exist here (the example also shows a Sonarr) are left out. Returns the
    config and the entity ids left out.
    """
    mapping = {dev: str(ports[key]) for dev, key in EXAMPLE_PORTS.items() if key in ports}
    text = re.sub(
        r"(?<!\d)(" + "|".join(EXAMPLE_PORTS) + r")(?!\d)",
        lambda m: mapping.get(m[1], m[1]),
        DASHBOARD_EXAMPLE.read_text(encoding="utf-8"),
    )
    config = yaml.safe_load(text)
    pruner = _Pruner(known)
    for view in config.get("views", []):
        view["cards"] = [card for card in view.get("cards", []) if pruner.keep(card)]
    return config, sorted(set(pruner.dropped))


class _Pruner:
    """Drops a dashboard's references to entities that do not exist."""

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.dropped: list[str] = []

    def exists(self, item: object) -> bool:
        entity = item.get("entity") if isinstance(item, dict) else item
        if not isinstance(entity, str) or "." not in entity or entity in self.known:
            return True
        self.dropped.append(entity)
        return False

    def keep(self, card: dict[str, Any]) -> bool:
        """Prune ``card`` in place; False when nothing of it is left."""
        if "entity" in card and not self.exists(card):
            return False
        if isinstance(card.get("entities"), list):
            rows = [row for row in card["entities"] if self.exists(row)]
            while rows and _is_divider(rows[-1]):
                rows.pop()
            while rows and _is_divider(rows[0]):
                rows.pop(0)
            if not rows:
                return False
            card["entities"] = rows
        if isinstance(card.get("cards"), list):
            card["cards"] = [c for c in card["cards"] if self.keep(c)]
            return bool(card["cards"])
        return True


def _is_divider(row: object) -> bool:
    return isinstance(row, dict) and row.get("type") == "divider"
