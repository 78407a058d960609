"""The qbitrr card on a dashboard, checked from the page itself against the servers.

Both servers, the distribution (equal to what the servers hold) and a stalled torrent appear;
a click on Keep protects that torrent on its server; screenshots wide and phone-wide, light and
dark; a stopped server reads as down, and as up again once it is back.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import TYPE_CHECKING, Any, Final

from devtools.devstack.common import log

from .card_page import PHONE, click, read_card, shoot_card, wait_card
from .common import APP, expect
from .screenshots import _open_browser
from .servers import read_server
from .services import radarr_magnets

if TYPE_CHECKING:
    from .browser import Browser
    from .context import Context

CARD_DASHBOARD: Final = "qbitrr-card"
CARD_VIEW: Final = "card"
PROTECT_TAG: Final = "qbitrr-protected"
SERVER_WAIT: Final = 90.0  # seconds for a poll to notice a server going or coming back
SHOTS: Final = (("wide", 1400), ("phone", PHONE[0]))


async def card(ctx: Context) -> str:
    """Open the card's dashboard and check it; click, shoot, stop a server."""
    await ctx.ha.websocket(
        {
            "type": "lovelace/dashboards/create",
            "url_path": CARD_DASHBOARD,
            "title": "qbitrr card",
            "icon": "mdi:view-dashboard",
            "show_in_sidebar": True,
            "require_admin": False,
            "mode": "storage",
        },
        {
            "type": "lovelace/config/save",
            "url_path": CARD_DASHBOARD,
            "config": {
                "views": [
                    {
                        "title": "qbitrr",
                        "path": CARD_VIEW,
                        "type": "panel",
                        "cards": [{"type": "custom:qbitrr-card", "title": "Downloads"}],
                    }
                ]
            },
        },
    )
    browser = await _open_browser(ctx)
    try:
        await browser.navigate(f"{ctx.stack.ha_url}/{CARD_DASHBOARD}/{CARD_VIEW}")
        lines = [await _shows_servers_and_distribution(ctx, browser)]
        lines.append(await _keep_from_the_card(ctx, browser))
        lines.append(await _dry_run_from_the_card(browser))
        folder = ctx.screenshots_dir
        assert folder is not None  # noqa: S101 - the step runs only with a browser
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        for name, width in SHOTS:
            for dark in (False, True):
                path = folder / f"card-{name}-{'dark' if dark else 'light'}.png"
                lines.append(await shoot_card(browser, path, width, dark=dark))
        lines.append(await _stopped_server_is_down(ctx, browser))
    finally:
        await browser.chromium.stop()
        ctx.chromium = None
    return "\n".join(lines)


def _first_int(cell: str) -> int:
    match = re.match(r"\d+", cell)
    return int(match[0]) if match else -1


async def _shows_servers_and_distribution(ctx: Context, browser: Browser) -> str:
    """Both servers up with their titles, and the radarr row equal to the servers' counts.

    The servers are polled first: the steps before may have removed torrents since the last
    poll, and the card shows what Home Assistant knows.
    """
    titles = {str(e["entry_id"]): str(e["title"]) for e in ctx.entries}
    qbt = set(ctx.qbt_ids.values())
    counts: dict[str, int] = {}
    for major, server in ctx.stack.servers.items():
        view = await asyncio.to_thread(read_server, server)
        counts[titles[ctx.qbt_ids[major]]] = view.category_counts.get(APP, 0)
        await _poll(ctx, ctx.qbt_ids[major])

    def matches(shown: dict[str, Any]) -> bool:
        if {s["entry"] for s in shown["servers"] if s["up"]} != qbt:
            return False
        row = next((r for r in shown["rows"] if r[0] == APP), None)
        columns = {
            title: i
            for title in counts
            for i, h in enumerate(shown["columns"])
            if h.startswith(title)
        }
        return row is not None and all(
            title in columns and _first_int(row[columns[title]]) == expected
            for title, expected in counts.items()
        )

    shown = await wait_card(
        browser, f"both servers up and the {APP} row equal to the servers' {counts}", matches
    )
    for server in shown["servers"]:
        expect(titles[server["entry"]] in server["text"], f"server row {server}")
    return f"servers {sorted(titles[e] for e in qbt)} up; {APP} per server {counts}"


async def _keep_from_the_card(ctx: Context, browser: Browser) -> str:
    """A stalled radarr magnet is listed; its Keep button protects it on its server."""
    magnets = await radarr_magnets(ctx)
    expect(magnets, "no stalled radarr magnet on the servers")

    def stalled_row(shown: dict[str, Any]) -> bool:
        return any(
            (p["entry"], p["hash"]) in magnets and "Stalled" in p["kinds"]
            for p in shown["problems"]
        )

    if (await read_card(browser) or {}).get("showAll") == "false":
        await click(browser, 'button[data-action="show-all"]')
    shown = await wait_card(browser, "a stalled radarr torrent in Problems", stalled_row)
    problem = next(p for p in shown["problems"] if (p["entry"], p["hash"]) in magnets)
    entry, torrent_hash = problem["entry"], problem["hash"]
    selector = f'li.problem[data-hash="{torrent_hash}"][data-entry="{entry}"]'
    await click(browser, f'{selector} button[data-action="keep"]')
    major = next(m for m, e in ctx.qbt_ids.items() if e == entry)
    deadline = time.monotonic() + 20
    while True:
        view = await asyncio.to_thread(read_server, ctx.stack.servers[major])
        tags = next((str(t.get("tags")) for t in view.torrents if t["hash"] == torrent_hash), "")
        if PROTECT_TAG in tags:
            break
        expect(time.monotonic() < deadline, f"{torrent_hash} not tagged {PROTECT_TAG}: {tags!r}")
        await asyncio.sleep(0.5)

    def kept(shown: dict[str, Any]) -> bool:
        row = next((p for p in shown["problems"] if p["hash"] == torrent_hash), None)
        return row is None or "Kept" in row["result"]

    await wait_card(browser, "the row's result after Keep", kept, within=20)
    return f"Keep clicked: {torrent_hash[:8]} on qbt{major} tagged {PROTECT_TAG} on the server"


async def _stopped_server_is_down(ctx: Context, browser: Browser) -> str:
    """Stop qBittorrent 4.5: its row and column say Down; start it: Up again."""
    server = ctx.stack.servers[4]
    entry = ctx.qbt_ids[4]
    started = time.monotonic()
    await asyncio.to_thread(server.stop)
    # A poll now rather than at the next one (up to minutes away while the servers are idle).
    await _poll(ctx, entry)
    try:
        shown = await wait_card(
            browser,
            "the stopped server shown as down",
            lambda c: any(s["entry"] == entry and not s["up"] for s in c["servers"]),
            within=SERVER_WAIT,
        )
        row = next(s for s in shown["servers"] if s["entry"] == entry)
        expect("Down" in row["text"] and "Not reachable" in row["text"], f"down row: {row}")
        down = time.monotonic() - started
    finally:
        await asyncio.to_thread(server.start)
        ctx.stack.record_pids()
    log("qBittorrent 4.5 started again; waiting for the card to show it up")
    await _poll(ctx, entry)
    await wait_card(
        browser,
        "the restarted server shown as up",
        lambda c: any(s["entry"] == entry and s["up"] for s in c["servers"]),
        within=SERVER_WAIT,
    )
    return f"qBittorrent 4.5 stopped: Down after {down:.0f}s; started: Up again"


async def _poll(ctx: Context, entry: str) -> None:
    """Ask for a poll of one server, as a user's "update entity" does."""
    by_unique_id, _ = await ctx.entities()
    await ctx.ha.request(
        "POST",
        "/api/services/homeassistant/update_entity",
        json_body={"entity_id": by_unique_id[f"{entry}-connectivity"]},
    )


async def _dry_run_from_the_card(browser: Browser) -> str:
    """Fold the problem list, then "What would handling do?" shows the dry run's plan."""
    if (await read_card(browser) or {}).get("showAll") == "true":
        await click(browser, 'button[data-action="show-all"]')
    await click(browser, 'button[data-action="dry-run"]')
    shown = await wait_card(
        browser,
        "the dry run's plan",
        lambda c: "planned (dry run" in c["plan"] or "Nothing to do" in c["plan"],
        within=60,
    )
    return f"dry run from the card: {shown['plan'][:160]}"
