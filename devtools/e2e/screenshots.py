"""Screenshots with headless Chromium: the config flow, the integration page, a dashboard."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any, Final

from PIL import Image

from devtools.devstack.common import DOMAIN, HOST

from .browser import Browser
from .chromium import HEIGHT, WIDTH, Chromium
from .common import expect
from .dashboard import dashboard_config

if TYPE_CHECKING:
    from pathlib import Path

    from .context import Context

DASHBOARD_URL_PATH: Final = "qbitrr-torrents"


async def screenshots(ctx: Context) -> str:
    """Config flow menu and form, integration page, dashboard; each checked as a PNG."""
    folder = ctx.screenshots_dir
    assert folder is not None  # noqa: S101 - only called with a folder
    folder.mkdir(parents=True, exist_ok=True)
    (_, states) = await ctx.entities()
    config, dropped = dashboard_config(ctx.stack.state.ports, set(states))
    await ctx.ha.websocket(
        {
            "type": "lovelace/dashboards/create",
            "url_path": DASHBOARD_URL_PATH,
            "title": str(config.get("title") or "Torrents"),
            "icon": "mdi:download-network",
            "show_in_sidebar": True,
            "require_admin": False,
            "mode": "storage",
        },
        {"type": "lovelace/config/save", "url_path": DASHBOARD_URL_PATH, "config": config},
    )
    browser = await _open_browser(ctx)
    shots = await _config_flow(ctx, browser, folder)
    shots.append(await _integration_page(ctx, browser, folder))
    shots.append(await _dashboard(ctx, browser, folder, config))
    if dropped:
        shots.append(f"left out of the example dashboard (no such entity here): {dropped}")
    await browser.chromium.stop()
    ctx.chromium = None
    return "\n".join(shots)


async def _open_browser(ctx: Context) -> Browser:
    """Start Chromium, logged in to Home Assistant with the onboarding's tokens."""
    chromium = ctx.chromium = Chromium(
        ctx.scratch / "chromium-profile", ctx.scratch / "chromium.log"
    )
    await chromium.start()
    ctx.pids.append((chromium.process.pid if chromium.process else 0, "chromium"))
    ctx.stack.extra_pids[ctx.pids[-1][0]] = "chromium"
    ctx.stack.record_pids()
    browser = Browser(chromium, ctx.scratch)
    base = ctx.stack.ha_url
    # localStorage belongs to the origin: open a page of it, store the tokens, then go on.
    await browser.navigate(f"{base}/manifest.json")
    await browser.wait_until("origin page", f"location.origin === {json.dumps(base)}")
    expires_in = int(ctx.browser_tokens.get("expires_in") or 1800)
    tokens = {
        "hassUrl": base,
        "clientId": f"{base}/",
        "access_token": ctx.browser_tokens["access_token"],
        "refresh_token": ctx.browser_tokens["refresh_token"],
        "expires_in": expires_in,
        "expires": int(time.time() * 1000) + expires_in * 1000,
        "token_type": "Bearer",
    }
    await browser.evaluate(
        f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))}) || true"
    )
    return browser


async def _config_flow(ctx: Context, browser: Browser, folder: Path) -> list[str]:
    """(a) The config flow: the menu, then the qBittorrent form."""
    menu = folder / "config-flow-menu.png"
    await browser.navigate(f"{ctx.stack.ha_url}/config/integrations/dashboard/add?domain={DOMAIN}")
    # The frontend asks first, as for a my.home-assistant.io link.
    await browser.wait_for_texts("set-up question", [f"Do you want to set up {DOMAIN}?"])
    await browser.click_text("OK")
    await browser.wait_for_texts(
        "config flow menu", ["Add to qbitrr", "qBittorrent server", "Radarr, Sonarr or Lidarr"]
    )
    await browser.screenshot(menu)
    shots = [check_png(menu)]
    form = folder / "config-flow-qbittorrent.png"
    await browser.click_text("qBittorrent server")
    await browser.wait_for_texts(
        "qBittorrent form", ["Add a qBittorrent server", "Verify SSL certificate", "Password"]
    )
    await browser.screenshot(form)
    shots.append(check_png(form))
    await _abort_ui_flows(ctx)
    return shots


async def _abort_ui_flows(ctx: Context) -> None:
    """Abort the qbitrr flow the browser started (it would otherwise wait in progress)."""
    (flows,) = await ctx.ha.websocket({"type": "config_entries/flow/progress"})
    for flow in flows or []:
        if flow.get("handler") == DOMAIN:
            await ctx.ha.request(
                "DELETE", f"/api/config/config_entries/flow/{flow['flow_id']}", ok=(200, 404)
            )


async def _integration_page(ctx: Context, browser: Browser, folder: Path) -> str:
    """(b) The integration page: three entries and their devices."""
    page = folder / "integration-page.png"
    await browser.navigate(f"{ctx.stack.ha_url}/config/integrations/integration/{DOMAIN}")
    titles = [str(e["title"]) for e in ctx.entries]
    await browser.wait_for_texts("integration page", titles)
    await browser.screenshot(page)
    return check_png(page)


async def _dashboard(ctx: Context, browser: Browser, folder: Path, config: dict[str, Any]) -> str:
    """(c) The example dashboard."""
    board = folder / "dashboard.png"
    await browser.navigate(f"{ctx.stack.ha_url}/{DASHBOARD_URL_PATH}/{config['views'][0]['path']}")
    await browser.wait_for_texts(
        "dashboard",
        [
            f"qBittorrent {HOST}:{ctx.stack.servers[4].port}",
            f"qBittorrent {HOST}:{ctx.stack.servers[5].port}",
            "Where the torrents are",
            "Per category",
            "Per app",
            "Sync categories",
        ],
    )
    # Every tile has its value, and the history graph has drawn (no spinner left).
    await browser.wait_until(
        "dashboard cards rendered",
        "deepCount('hui-tile-card') >= 12 && deepCount('ha-spinner, ha-circular-progress') == 0",
    )
    await browser.screenshot(board)
    return check_png(board)


def check_png(path: Path) -> str:
    """Fail unless ``path`` is a WIDTHxHEIGHT PNG with real content; return a short description."""
    expect(path.exists() and path.stat().st_size > 0, f"{path} is missing or empty")
    with Image.open(path) as image:
        expect(image.format == "PNG", f"{path} is {image.format}, not PNG")
        expect(image.size == (WIDTH, HEIGHT), f"{path} is {image.size}, not {(WIDTH, HEIGHT)}")
        small = image.convert("RGB").resize((WIDTH // 10, HEIGHT // 10))
    colors = small.getcolors(maxcolors=WIDTH * HEIGHT) or []
    commonest = max(count for count, _ in colors) / (small.width * small.height)
    expect(len(colors) >= 50, f"{path} has only {len(colors)} colours: nearly blank")  # noqa: PLR2004
    expect(commonest < 0.97, f"{path} is {commonest:.0%} one colour: nearly blank")  # noqa: PLR2004
    return f"{path.name} {WIDTH}x{HEIGHT}, {path.stat().st_size // 1024} KiB, {len(colors)} colours"
