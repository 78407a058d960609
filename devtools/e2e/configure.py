"""Setting up over HTTP as the UI does: onboarding, the config flows, Radarr's options."""

from __future__ import annotations

import asyncio
from collections import Counter
import time
from typing import TYPE_CHECKING, Any, Final

from custom_components.qbitrr.options_flow import OPTION_AREAS
from devtools.devstack.checks import call_service
from devtools.devstack.common import HOST, QBT_LABELS
from devtools.devstack.entries import (
    arr_entry_ids,
    list_entries,
    qbt_entry_ids,
    wait_entities,
    wait_entries_loaded,
)
from devtools.devstack.flows import add_entries
from devtools.devstack.hass import wait_hass

from .common import APP, OPTIONS, expect

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .context import Context

# What the config flow must go through, as the UI does.
QBT_TRAIL: Final = ["menu:user", "form:qbittorrent", "create_entry"]
ARR_TRAIL: Final = ["menu:user", "form:arr", "form:arr_category", "create_entry"]


async def onboard(ctx: Context) -> str:
    """Wait for RUNNING; the stack onboards a new instance over HTTP."""
    await wait_hass(ctx.stack, ctx.ha)
    # The onboarding's own login: a refresh token for the browser.
    ctx.browser_tokens = dict(ctx.ha.token_reply)
    expect(
        ctx.browser_tokens.get("access_token") and ctx.browser_tokens.get("refresh_token"),
        f"onboarding gave no access/refresh token: {sorted(ctx.browser_tokens)}",
    )
    steps = await ctx.ha.request("GET", "/api/onboarding", ok=(200, 404))
    if isinstance(steps, list):
        undone = [s["step"] for s in steps if not s.get("done")]
        expect(not undone, f"onboarding steps not done: {undone}")
    # The country is what the skipped core_config step would have asked; without it a
    # "country not configured" repair badges Settings in every screenshot.
    await ctx.ha.websocket({"type": "config/core/update", "country": "US"})
    timings = ctx.stack.timings
    return (
        f"HTTP up {timings['hass HTTP up']:.1f}s, RUNNING {timings['hass RUNNING']:.1f}s"
        " after this step began; user, analytics and integration steps done; country set"
    )


async def config_flows(ctx: Context) -> str:
    """Add both servers and Radarr through the config flow, as the UI does."""
    stack = ctx.stack
    await add_entries(stack, ctx.ha)
    trails = stack.flow_trails
    for major in stack.servers:
        got = trails.get(f"qbt{major}")
        expect(got == QBT_TRAIL, f"{QBT_LABELS[major]} flow went {got}, expected {QBT_TRAIL}")
    got = trails.get(APP)
    expect(got == ARR_TRAIL, f"Radarr flow went {got}, expected {ARR_TRAIL}")
    entries = await list_entries(ctx.ha)
    titles = sorted(e["title"] for e in entries)
    wanted = sorted(
        [f"qBittorrent {HOST}:{s.port}" for s in stack.servers.values()]
        + [f"Radarr {HOST}:{stack.arrs[APP].port}"]
    )
    expect(titles == wanted, f"entries {titles}, expected {wanted}")
    return "\n".join(f"{key}: {' → '.join(trail)}" for key, trail in trails.items())


async def entries_loaded(ctx: Context) -> str:
    """Every entry loaded; every entry has sensors."""
    ctx.entries = await wait_entries_loaded(ctx.stack, ctx.ha)
    per_entry = await wait_entities(ctx.ha, ctx.entries)
    ctx.qbt_ids = qbt_entry_ids(ctx.stack, ctx.entries)
    ctx.radarr_id = arr_entry_ids(ctx.stack, ctx.entries)[APP]
    lines = []
    for entry in ctx.entries:
        states = per_entry.get(entry["entry_id"], [])
        domains = Counter(s["entity_id"].split(".", 1)[0] for s in states)
        lines.append(
            f"{entry['title']}: {entry['state']}, "
            + ", ".join(f"{n} {d}" for d, n in sorted(domains.items()))
        )
    return "\n".join(lines)


async def _send_options_area(
    ctx: Context, area: str, options: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Open the options menu, pick `area`, send its form with `options` changed."""
    base = "/api/config/config_entries/options/flow"
    menu = await ctx.ha.request("POST", base, json_body={"handler": ctx.radarr_id})
    expect(
        menu.get("type") == "menu" and area in (menu.get("menu_options") or []),
        f"options flow did not open its menu with {area}: {menu}",
    )
    flow = await ctx.ha.request(
        "POST", f"{base}/{menu['flow_id']}", json_body={"next_step_id": area}
    )
    expect(
        flow.get("type") == "form" and flow.get("step_id") == area,
        f"options area {area} did not open its form: {flow}",
    )
    fields = {f["name"]: f for f in flow.get("data_schema") or []}
    defaults = {name: field.get("default") for name, field in fields.items()}
    expect(
        all(v is not None for v in defaults.values()),
        f"options form fields without a default: {[k for k, v in defaults.items() if v is None]}",
    )
    values = {**defaults, **{k: v for k, v in options.items() if k in fields}}
    result = await ctx.ha.request("POST", f"{base}/{flow['flow_id']}", json_body=values)
    expect(result.get("type") == "create_entry", f"options flow ended with {result}")
    return defaults, values


async def options(ctx: Context) -> str:
    """Open Radarr's options flow, send every field (ours changed), wait for the reload."""
    defaults, values = await set_radarr_options(ctx, OPTIONS)
    changed = ", ".join(f"{k} {defaults[k]} → {v}" for k, v in OPTIONS.items())
    return f"{len(values)} fields sent; {changed}; entry reloaded"


async def set_radarr_options(
    ctx: Context, options: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Change Radarr's options area by area, as the UI's menu does; wait for the reload.

    Each area whose fields ``options`` touches is opened from the menu and sent whole (its
    defaults with ``options`` changed). Returns the defaults seen (the options before) and every
    value sent.
    """
    defaults: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for area, fields in OPTION_AREAS.items():
        if set(fields) & set(options):
            area_defaults, sent = await _send_options_area(ctx, area, options)
            defaults |= area_defaults
            values |= sent
    expect(set(options) <= set(values), f"no options area has {set(options) - set(values)}")
    # OptionsFlowWithReload reloads the entry: wait until get_status lists Radarr as loaded.
    deadline = time.monotonic() + 30
    while True:
        status = await call_service(ctx.ha, "get_status")
        if ctx.radarr_id in status.get("arrs", {}) and not status.get("not_loaded"):
            break
        expect(time.monotonic() < deadline, f"Radarr not loaded again after its options: {status}")
        await asyncio.sleep(0.5)
    return defaults, values
