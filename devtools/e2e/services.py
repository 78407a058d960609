"""qbitrr's services against the servers: categories, distribution, a handle_torrents dry run."""

from __future__ import annotations

import asyncio
from collections import Counter
import time
from typing import TYPE_CHECKING, Any, Final

from devtools.devstack.checks import call_service
from devtools.devstack.common import QBT_LABELS, log

from .common import APP, STALL_SECONDS, expect
from .servers import read_server

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .context import Context

METADATA_STATES: Final = frozenset({"metaDL", "forcedMetaDL"})


async def sync_categories(ctx: Context) -> str:
    """Radarr's category is managed and exists on both servers afterwards."""
    response = await call_service(ctx.ha, "sync_categories")
    expect(response.get("categories") == [APP], f"managed categories: {response}")
    instances = response.get("instances", {})
    lines = []
    for major, entry_id in ctx.qbt_ids.items():
        result = instances.get(entry_id)
        expect(result is not None, f"sync_categories skipped {QBT_LABELS[major]}: {response}")
        expect(not result.get("failed"), f"sync_categories on {QBT_LABELS[major]}: {result}")
        expect(
            APP in result.get("created", []) + result.get("present", []),
            f"sync_categories on {QBT_LABELS[major]} does not report {APP!r}: {result}",
        )
        view = await asyncio.to_thread(read_server, ctx.stack.servers[major])
        expect(APP in view.categories, f"{QBT_LABELS[major]} has no {APP!r} category")
        lines.append(
            f"{result.get('title')}: created {result.get('created') or 'none'},"
            f" present {result.get('present')}; server categories {view.categories}"
        )
    return "\n".join(lines)


async def get_distribution(ctx: Context) -> str:
    """Counts per category and server equal each server's torrents_info."""
    response = await call_service(ctx.ha, "get_distribution")
    distribution: dict[str, dict[str, int]] = response.get("distribution", {})
    by_state: dict[str, dict[str, dict[str, int]]] = response.get("by_state", {})
    expect(not response.get("unreachable_instances"), f"unreachable: {response}")
    lines = []
    for major, entry_id in ctx.qbt_ids.items():
        view = await asyncio.to_thread(read_server, ctx.stack.servers[major])
        server_counts = Counter(str(t.get("category") or "") for t in view.torrents)
        reported = {c: per[entry_id] for c, per in distribution.items() if per.get(entry_id)}
        expect(
            reported == dict(server_counts),
            f"get_distribution for {QBT_LABELS[major]}: {reported}, server: {dict(server_counts)}",
        )
        for category, count in server_counts.items():
            groups = by_state.get(category, {}).get(entry_id, {})
            expect(
                sum(groups.values()) == count,
                f"by_state {category} on {QBT_LABELS[major]}: {groups}, server: {count}",
            )
        lines.append(f"{QBT_LABELS[major]}: {dict(sorted(reported.items()))}")
    return "\n".join(lines)


async def dry_run(ctx: Context) -> str:
    """Plan only Radarr's bad torrents (removal through Radarr); change nothing anywhere."""
    magnets = await radarr_magnets(ctx)
    expect(magnets, "no radarr torrent without metadata on the servers")
    expected = {key: str(torrent["name"]) for key, torrent in magnets.items()}
    newest = max(int(torrent["added_on"]) for torrent in magnets.values())
    # The metadata rule fires once a magnet waited the stall delay since it was added.
    wait = newest + STALL_SECONDS + 2 - time.time()
    if wait > 0:
        log(f"waiting {wait:.0f}s until the demo magnets are {STALL_SECONDS}s old")
        await asyncio.sleep(wait)
    before = await world(ctx)
    response = await call_service(ctx.ha, "handle_torrents", {"dry_run": True})
    await asyncio.sleep(2)  # a real run's changes would show on the servers by now
    after = await world(ctx)
    expect(response.get("dry_run") is True, f"not a dry run: {response.get('dry_run')}")
    summary = response.get("summary", {})
    actions: list[dict[str, Any]] = response.get("actions", [])
    skipped: list[dict[str, Any]] = response.get("skipped", [])
    _expect_planned(ctx, summary, actions, skipped, set(expected))
    expect(before == after, f"the dry run changed something: {difference(before, after)}")
    per_server = Counter(a["instance_title"] for a in actions)
    return (
        f"{len(actions)} actions (all arr_remove/metadata/planned, category radarr):"
        f" {dict(per_server)}; {len(skipped)} skipped; summary {summary}\n"
        f"e.g. {actions[0]['name']}: {actions[0]['reason']}\n"
        "servers' torrents, categories and tags, and Radarr's queue, removals,"
        " blocklist and commands: unchanged"
    )


def _expect_planned(
    ctx: Context,
    summary: Mapping[str, Any],
    actions: list[dict[str, Any]],
    skipped: list[dict[str, Any]],
    expected: set[tuple[str, str]],
) -> None:
    """The dry run planned a removal through Radarr for each of ``expected``, nothing else."""
    expect(
        set(summary)
        >= {"removed", "failed", "struck", "tagged", "rechecked", "deferred", "by_rule"},
        f"summary lacks keys: {summary}",
    )
    expect(isinstance(skipped, list), f"skipped is not a list: {skipped}")
    keys = {"instance", "hash", "name", "category", "arr", "rule", "action", "reason", "result"}
    for action in actions:
        expect(keys <= set(action), f"action lacks {keys - set(action)}: {action}")
        expect(action["category"] == APP, f"action outside the radarr category: {action}")
        expect(action["arr"] == ctx.radarr_id, f"action for another Arr: {action}")
        expect(action["result"] == "planned", f"a dry run action not just planned: {action}")
        expect(action["rule"] == "metadata", f"unexpected rule: {action}")
        expect(
            action["action"] == "arr_remove",
            f"a bad torrent in Radarr's queue must be removed through Radarr: {action}",
        )
    for item in skipped:
        expect(item.get("category") == APP, f"skipped torrent outside radarr: {item}")
    planned = {(a["instance"], a["hash"]) for a in actions}
    expect(
        planned == expected,
        f"planned {len(planned)} torrents, expected the {len(expected)} radarr magnets:"
        f" missing {sorted(expected - planned)}, extra {sorted(planned - expected)}",
    )
    expect(summary.get("removed") == len(expected), f"summary.removed: {summary}")
    expect(summary.get("failed") == 0, f"summary.failed: {summary}")


async def world(ctx: Context) -> dict[str, Any]:
    """What a real run would change: torrents (stable fields) and categories, Radarr's state."""
    state: dict[str, Any] = {}
    for major, server in ctx.stack.servers.items():
        view = await asyncio.to_thread(read_server, server)
        state[f"qbt{major} torrents"] = view.stable()
        state[f"qbt{major} categories"] = view.categories
    emulator = ctx.stack.arrs[APP]
    state["radarr queue"] = sorted(str(q.get("downloadId")) for q in emulator.queue)
    state["radarr removals"] = len(emulator.removals)
    state["radarr blocklist"] = len(emulator.blocklist)
    state["radarr commands"] = len(emulator.commands)
    return state


async def radarr_magnets(ctx: Context) -> dict[tuple[str, str], dict[str, Any]]:
    """(instance, hash) -> torrent: the radarr torrents still waiting for their metadata."""
    magnets: dict[tuple[str, str], dict[str, Any]] = {}
    for major, server in ctx.stack.servers.items():
        view = await asyncio.to_thread(read_server, server)
        for torrent in view.torrents:
            if torrent.get("category") == APP and torrent.get("state") in METADATA_STATES:
                magnets[(ctx.qbt_ids[major], str(torrent["hash"]))] = torrent
    return magnets


def difference(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """The keys whose values differ, each with both values (cut short)."""
    changed = [key for key in before if before[key] != after.get(key)]
    return "; ".join(f"{key}: {before[key]!r:.300} → {after.get(key)!r:.300}" for key in changed)
