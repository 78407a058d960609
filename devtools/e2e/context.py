"""What the end-to-end steps share: the stack, the Home Assistant client, what was found."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from devtools.devstack.common import DOMAIN
from devtools.devstack.stack import DevStack

from .common import APP, expect

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    import aiohttp

    from devtools.devstack.hass_api import HomeAssistantApi

    from .chromium import Chromium

# Tried first (else any free port), so the screenshots show the same addresses every time.
PREFERRED_PORTS: Final[Mapping[str, int]] = {
    "hass": 18123,
    "qbt4": 18081,
    "qbt5": 18082,
    "radarr": 17878,
}


class Context:
    """One DevStack in the scratch directory, and what the steps learn about it on the way."""

    def __init__(self, scratch: Path, *, screenshots_dir: Path | None) -> None:
        """Nothing starts yet. ``screenshots_dir`` None: no browser at all."""
        self.scratch = scratch
        self.screenshots_dir = screenshots_dir
        self.stack = DevStack(
            scratch,
            apps=(APP,),
            documented_ports=False,
            preferred_ports=PREFERRED_PORTS,
            # The dashboard's history graph and statistics need the recorder.
            extra_config="recorder:\n  commit_interval: 1\nhistory:\n",
            made_by="scripts/e2e",
        )
        self.session: aiohttp.ClientSession | None = None
        self.api: HomeAssistantApi | None = None
        self.browser_tokens: dict[str, Any] = {}
        self.entries: list[dict[str, Any]] = []
        self.qbt_ids: dict[int, str] = {}
        self.radarr_id = ""
        self.chromium: Chromium | None = None
        self.pids: list[tuple[int, str]] = []

    @property
    def ha(self) -> HomeAssistantApi:
        """The Home Assistant client (after the start step)."""
        expect(self.api is not None, "Home Assistant is not up")
        assert self.api is not None  # noqa: S101 - for mypy
        return self.api

    async def entities(self) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
        """Unique id -> entity id of qbitrr's entities, and every state by entity id."""
        (registry,) = await self.ha.websocket({"type": "config/entity_registry/list"})
        by_unique_id = {
            str(item["unique_id"]): str(item["entity_id"])
            for item in registry
            if item.get("platform") == DOMAIN
        }
        states = {s["entity_id"]: s for s in await self.ha.request("GET", "/api/states")}
        return by_unique_id, states
