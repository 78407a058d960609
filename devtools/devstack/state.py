"""What a later run of the stack reuses, and the ports it prefers."""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from pathlib import Path
import secrets
from typing import Self

from devtools.qbittorrent_server import free_port, port_is_free

from .common import ARR_APPS, write_private


@dataclass
class State:
    """What a later run must reuse; stored in ``<dev dir>/state.json`` (mode 600)."""

    qbt_password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    ha_password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    ha_token: str = ""
    # app ("radarr"/"sonarr") -> the emulator's API key (32 hex digits, as the apps make them)
    arr_api_keys: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    # server key ("qbt4"/"qbt5"/"radarr"/"sonarr") -> {"url": ..., "entry_id": ...} of the
    # entries this script made
    entries: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Generate the API keys a new (or older) state lacks; kept from then on."""
        for app in ARR_APPS:
            self.arr_api_keys.setdefault(app, secrets.token_hex(16))

    @classmethod
    def load(cls, path: Path) -> Self:
        """Read the state, or start a new one."""
        if not path.exists():
            return cls()
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            qbt_password=str(raw["qbt_password"]),
            ha_password=str(raw["ha_password"]),
            ha_token=str(raw.get("ha_token", "")),
            arr_api_keys={str(k): str(v) for k, v in raw.get("arr_api_keys", {}).items()},
            ports={str(k): int(v) for k, v in raw.get("ports", {}).items()},
            entries={str(k): dict(v) for k, v in raw.get("entries", {}).items()},
        )

    def save(self, path: Path) -> None:
        """Write the state (secrets inside: owner-only)."""
        write_private(
            path,
            json.dumps(
                {
                    "qbt_password": self.qbt_password,
                    "ha_password": self.ha_password,
                    "ha_token": self.ha_token,
                    "arr_api_keys": self.arr_api_keys,
                    "ports": self.ports,
                    "entries": self.entries,
                },
                indent=2,
            )
            + "\n",
        )


def pick_port(preferred: list[int | None], taken: set[int]) -> int:
    """Return the first preferred port that is free (and not already handed out), else any."""
    for port in preferred:
        if port is not None and port not in taken and port_is_free(port):
            return port
    while (candidate := free_port()) in taken:
        pass
    return candidate
