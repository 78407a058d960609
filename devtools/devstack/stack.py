"""``DevStack``: what the stages share (paths, state, ports, processes), and stopping it all."""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any

from .common import ARR_APPS, ARR_LABELS, HOST, QBT_LABELS, StackError, log
from .hass import HassProcess
from .state import State, pick_port

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

    from devtools.arr_emulator import App, ArrEmulator
    from devtools.qbittorrent_server import QbittorrentServer

HA_DEFAULT_PORT = 8123
QBT_DEFAULT_PORTS = {4: 8081, 5: 8082}
ARR_DEFAULT_PORTS: dict[App, int] = {"radarr": 7878, "sonarr": 8989}


class DevStack:
    """Both qBittorrent servers, the Arr emulators, hass, and what the stages learn about them."""

    def __init__(
        self,
        dev_dir: Path,
        *,
        check: bool = False,
        apps: tuple[App, ...] = ARR_APPS,
        documented_ports: bool = True,
        preferred_ports: Mapping[str, int] | None = None,
        extra_config: str = "",
        made_by: str = "scripts/develop",
    ) -> None:
        """Prepare paths; nothing starts yet.

        ``apps``: the Arr emulators to run (and add as entries). ``documented_ports``: prefer
        8123/8081/8082/7878/8989 (scripts/develop); when False those are never used, so another
        stack (scripts/e2e) can run beside a dev instance, and ``preferred_ports`` (keys "hass",
        "qbt4", "qbt5" and the apps) are tried first instead. ``extra_config``: YAML appended to the
        generated configuration.yaml. ``made_by`` names the generated files' author.
        """
        self.dev_dir = dev_dir
        self.check = check
        self.apps = apps
        self.documented_ports = documented_ports
        self.preferred_ports: Mapping[str, int] = preferred_ports or {}
        self.extra_config = extra_config
        self.made_by = made_by
        self.config_dir = dev_dir / "config"
        self.state_path = dev_dir / "state.json"
        self.pids_path = dev_dir / "run" / "pids"
        self.state = State.load(self.state_path)
        self.servers: dict[int, QbittorrentServer] = {}
        self.arrs: dict[App, ArrEmulator] = {}
        # Queue records per app and qBittorrent major: that server's torrents of the app's category.
        self.queued: dict[App, dict[int, int]] = {}
        self.hass = HassProcess(dev_dir, self.config_dir)
        self.hass_port = 0
        # Other children to stop if this process dies hard: pid -> a string in their command line.
        self.extra_pids: dict[int, str] = {}
        self.timings: dict[str, float] = {}
        # What the Arr check saw, for the summary.
        self.arr_sensors: dict[str, str] = {}
        self.distribution: dict[str, Any] = {}
        self.category_sync: dict[str, Any] = {}
        # Per entry plan key: the config flow's steps as run_flow saw them ("menu:user", ...).
        self.flow_trails: dict[str, list[str]] = {}
        # stop() can run while a start is still busy in a worker thread (Ctrl-C during start-up):
        # they take turns, and nothing starts once stop() began, so nothing is left running.
        self._lifecycle = threading.Lock()
        self._stopping = False

    @property
    def ha_url(self) -> str:
        """Home Assistant base URL."""
        return f"http://{HOST}:{self.hass_port}"

    def choose_ports(self) -> None:
        """Use the documented ports, else last run's (entries point at them), else any free one.

        Without ``documented_ports`` the documented ones are never handed out.
        """
        documented = {HA_DEFAULT_PORT, *QBT_DEFAULT_PORTS.values(), *ARR_DEFAULT_PORTS.values()}
        taken: set[int] = set() if self.documented_ports else set(documented)
        servers: list[tuple[str, str, int | None]] = [
            (f"qbt{major}", QBT_LABELS[major], QBT_DEFAULT_PORTS[major]) for major in (4, 5)
        ]
        servers += [
            (app, f"the {ARR_LABELS[app]} emulator", ARR_DEFAULT_PORTS[app]) for app in self.apps
        ]
        for key, label, documented_port in servers:
            default = documented_port if self.documented_ports else self.preferred_ports.get(key)
            previous = self.state.ports.get(key)
            port = pick_port([default, previous], taken)
            if previous is not None and previous != port:
                if port == default:
                    log(f"{label} moves back from port {previous} to its own, {port}")
                else:
                    log(f"port {previous} is taken: {label} moves to {port}")
            self.state.ports[key] = port
            taken.add(port)
        ha_default = HA_DEFAULT_PORT if self.documented_ports else self.preferred_ports.get("hass")
        self.hass_port = pick_port([ha_default, self.state.ports.get("hass")], taken)
        self.state.ports["hass"] = self.hass_port

    @contextlib.contextmanager
    def starting(self, what: str) -> Iterator[None]:
        """Hold off stop() while ``what`` starts; refuse to start once stopping began."""
        with self._lifecycle:
            if self._stopping:
                raise StackError(f"not starting {what}: the stack is stopping")
            yield

    def record_pids(self) -> None:
        """Write the children's pids so scripts/develop can still stop them if we die hard."""
        lines = [f"{s.pid} qbittorrent-nox" for s in self.servers.values() if s.pid is not None]
        hass = self.hass.process
        if hass is not None and hass.poll() is None:
            lines.append(f"{hass.pid} homeassistant")
        lines += [f"{pid} {marker}" for pid, marker in self.extra_pids.items()]
        self.pids_path.parent.mkdir(parents=True, exist_ok=True)
        self.pids_path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")

    def stop(self) -> None:
        """Stop hass first (it talks to the servers), then the emulators, then both servers."""
        with self._lifecycle:
            # Waits for a start still running in a worker thread; later starts are refused.
            self._stopping = True
        self.hass.stop()
        # Their removals talk to the qBittorrent servers: stop them first. stop() joins the
        # emulator's thread (and its worker threads).
        for app, emulator in self.arrs.items():
            if emulator.running:
                log(f"stopping the {ARR_LABELS[app]} emulator")
            emulator.stop()
        for major, server in self.servers.items():
            if server.running:
                log(f"stopping {QBT_LABELS[major]}")
            server.stop()
        with contextlib.suppress(FileNotFoundError):
            self.pids_path.unlink()
