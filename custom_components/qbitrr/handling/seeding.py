"""Seeding goals in a handling run: each reachable server's goals, clocks and share limits.

Read on the event loop (`gather_servers`), then per server, in the executor: qBittorrent's own
seeding clock for the few torrents whose fate depends on it (one request each, capped), and on
4.x whether the server pauses at a share limit. The plans themselves are pure (policy).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from homeassistant.core import HomeAssistant, callback

from ..api.qbittorrent import QbitError
from ..const import LOGGER
from ..coordinator import QbitCoordinator
from ..entries import arr_coordinators, arr_entries, reachable_instances
from ..model.properties import TorrentProperties
from ..model.server import ShareLimitFeatures, webapi_tuple
from ..model.torrent import Torrent
from ..policy.model import DEFAULT_PROTECT_TAG
from ..policy.options import settings_from_options
from ..policy.seeding import (
    MAX_EXACT_LOOKUPS,
    SeedingInput,
    SeedingMemo,
    SeedingPlan,
    ServerLimits,
    needs_exact_time,
    plan_seeding,
)
from ..policy.seeding_goals import SeedingConfig
from ..policy.seeding_options import seeding_config


@dataclass(frozen=True, slots=True)
class SeedingServer:
    """One reachable server as a run sees it, read on the event loop."""

    coordinator: QbitCoordinator
    entry_id: str
    title: str
    torrents: Mapping[str, Torrent]
    config: SeedingConfig
    features: ShareLimitFeatures


@dataclass(slots=True)
class ServerClocks:
    """What a run asked one server: exact clocks by hash, and its action at a limit."""

    seeded: dict[str, int] = field(default_factory=dict)
    pauses_on_limit: bool = False


@callback
def gather_servers(hass: HomeAssistant) -> list[SeedingServer]:
    """Read every reachable server's torrents and seeding options."""
    protect = frozenset(
        {DEFAULT_PROTECT_TAG}
        | {
            settings_from_options(c.config_entry.options).protect_tag
            for c in arr_coordinators(hass)
        }
    ) - {""}
    return [
        SeedingServer(
            coordinator,
            coordinator.config_entry.entry_id,
            coordinator.config_entry.title,
            coordinator.data.torrents,
            seeding_config(coordinator.config_entry.options, protect),
            ShareLimitFeatures.of(webapi_tuple(coordinator.data.webapi_version)),
        )
        for coordinator in reachable_instances(hass)
    ]


@callback
def arr_listed(hass: HomeAssistant) -> frozenset[str] | None:
    """Return the hashes some Arr's queue lists; None while any Arr's queue is not known."""
    loaded = arr_coordinators(hass)
    if len(loaded) != len(arr_entries(hass)) or not all(a.last_update_success for a in loaded):
        return None
    return frozenset(
        item.torrent_hash for arr in loaded for item in arr.data.queue if item.torrent_hash
    )


def _exact_seconds(properties: TorrentProperties, torrent: Torrent | None) -> int:
    """Seeding time once complete; time active before (an incomplete torrent seeds its pieces)."""
    if torrent is not None and torrent.progress >= 1:
        return properties.seeding_time
    return properties.time_active


def _ask(server: SeedingServer, now: int, candidates: list[str]) -> ServerClocks:
    """Find what one server's plans need and ask for it (blocking; in the executor).

    A failure leaves the clocks unknown: the plan then waits, never guesses.
    """
    wanted = needs_exact_time(seeding_input(server, now, frozenset(), ServerClocks()))
    wanted += [h for h in candidates if h not in set(wanted)]
    clocks = ServerClocks()
    client = server.coordinator.client
    try:
        if wanted:
            found = client.torrent_properties(wanted[:MAX_EXACT_LOOKUPS])
            clocks.seeded = {h: _exact_seconds(p, server.torrents.get(h)) for h, p in found.items()}
        if server.config.any_goal and not server.features.per_torrent_action:
            clocks.pauses_on_limit = client.pauses_on_share_limit()
    except QbitError as err:
        LOGGER.debug("No seeding clocks from %s: %s", server.title, err)
    return clocks


async def async_clocks(
    hass: HomeAssistant,
    servers: Sequence[SeedingServer],
    arr_candidates: Mapping[str, list[str]],
    now: int,
) -> dict[str, ServerClocks]:
    """Ask every server what its plans need, concurrently; by server entry id.

    `arr_candidates` are private torrents the stalled-torrent rules may judge (by server):
    their time active decides whether removing them would hurt their tracker.
    """
    found = await asyncio.gather(
        *(
            hass.async_add_executor_job(_ask, server, now, arr_candidates.get(server.entry_id, []))
            for server in servers
        )
    )
    return {server.entry_id: clocks for server, clocks in zip(servers, found, strict=True)}


def seeding_input(
    server: SeedingServer, now: int, listed: frozenset[str] | None, clocks: ServerClocks
) -> SeedingInput:
    """Build one server's seeding input."""
    return SeedingInput(
        now=now,
        instance=server.entry_id,
        torrents=server.torrents,
        config=server.config,
        arr_listed=listed,
        seeded=clocks.seeded,
        server=ServerLimits(server.features, clocks.pauses_on_limit),
    )


def plan_servers(
    servers: Iterable[SeedingServer],
    now: int,
    listed: frozenset[str] | None,
    clocks: Mapping[str, ServerClocks],
    memos: dict[str, SeedingMemo] | None = None,
) -> list[tuple[SeedingServer, SeedingPlan]]:
    """Plan every server's goals (in a worker thread); `memos` are kept by server between runs."""
    memos = memos if memos is not None else {}
    for gone in memos.keys() - {server.entry_id for server in servers}:
        del memos[gone]
    return [
        (
            server,
            plan_seeding(
                seeding_input(server, now, listed, clocks.get(server.entry_id, ServerClocks())),
                memos.setdefault(server.entry_id, SeedingMemo()),
            ),
        )
        for server in servers
    ]


async def async_set_limits(
    hass: HomeAssistant, plans: Sequence[tuple[SeedingServer, SeedingPlan]]
) -> dict[str, int]:
    """Set every plan's share limits on its server; the number set, by server entry id."""

    def on_server(server: SeedingServer, plan: SeedingPlan) -> int:
        done = 0
        for limits, hashes in plan.share_limits.items():
            try:
                server.coordinator.client.set_share_limits(list(hashes), limits, server.features)
            except QbitError as err:
                LOGGER.warning("Share limits not set on %s: %s", server.title, err)
                continue
            done += len(hashes)
        return done

    counts = await asyncio.gather(
        *(
            hass.async_add_executor_job(on_server, server, plan)
            for server, plan in plans
            if plan.share_limits
        )
    )
    servers = [server for server, plan in plans if plan.share_limits]
    return {server.entry_id: count for server, count in zip(servers, counts, strict=True)}
