"""The qbitrr card in the browser's page: read its shadow DOM, click its buttons, shoot it."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import TYPE_CHECKING, Any, Final

from PIL import Image

from devtools.devstack.common import StackError

from .browser import BROWSER_TIMEOUT
from .common import expect

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from .browser import Browser

# The card's element, found through Home Assistant's nested shadow roots.
_FIND_CARD: Final = """
let card = null;
walk(document, (n) => {
  if (!card && n.nodeType === 1 && n.localName === "qbitrr-card") card = n;
});
const root = card && card.shadowRoot;
const text = (el) => (el ? el.textContent : "").replace(/\\s+/g, " ").trim();
"""
# What the card shows, as plain data: servers, the distribution table, the problem rows.
READ_CARD: Final = f"""(() => {{ {_FIND_CARD}
  if (!root || !root.querySelector("ha-card")) return null;
  return {{
    servers: [...root.querySelectorAll("li.server")].map((li) => ({{
      entry: li.dataset.entry, up: li.dataset.up === "true", text: text(li)}})),
    columns: [...root.querySelectorAll("table.distribution thead th")].map(text),
    rows: [...root.querySelectorAll("table.distribution tbody tr")]
      .map((tr) => [...tr.children].map(text)),
    problems: [...root.querySelectorAll("li.problem")].map((li) => ({{
      hash: li.dataset.hash, entry: li.dataset.entry,
      kinds: [...li.querySelectorAll(".chip")].map(text),
      result: text(li.querySelector(".result"))}})),
    plan: text(root.querySelector('section[aria-labelledby="plan"]')),
    showAll: root.querySelector('button[data-action="show-all"]')?.getAttribute("aria-expanded"),
    text: text(root),
  }};
}})()"""

PHONE: Final = (390, 844)


async def read_card(browser: Browser) -> dict[str, Any] | None:
    """The card's content (None until it rendered)."""
    value = await browser.evaluate(READ_CARD)
    return value if isinstance(value, dict) else None


async def wait_card(
    browser: Browser,
    what: str,
    check: Callable[[dict[str, Any]], bool],
    *,
    within: float = BROWSER_TIMEOUT,
) -> dict[str, Any]:
    """Wait until ``check`` holds for what the card shows; fail with what it showed."""
    deadline = time.monotonic() + within
    while True:
        card = await read_card(browser)
        if card is not None and check(card):
            return card
        if time.monotonic() > deadline:
            shot = await browser.debug_screenshot(what)
            shown = (card or {}).get("text", "no card")
            raise StackError(f"{what}: not shown after {within:.0f}s: {shown!r:.900}; {shot}")
        await asyncio.sleep(0.5)


async def click(browser: Browser, selector: str) -> None:
    """Click, with the mouse, the element of the card's shadow root matching ``selector``."""
    rect = await browser.evaluate(f"""(() => {{ {_FIND_CARD}
      const el = root && root.querySelector({json.dumps(selector)});
      if (!el) return null;
      el.scrollIntoView({{block: "center"}});
      const r = el.getBoundingClientRect();
      return {{x: r.x + r.width / 2, y: r.y + r.height / 2}};
    }})()""")
    expect(rect, f"the card has no {selector}")
    await asyncio.sleep(0.3)  # after the scroll
    for event in ("mouseMoved", "mousePressed", "mouseReleased"):
        await browser.chromium.send(
            "Input.dispatchMouseEvent",
            {"type": event, "x": rect["x"], "y": rect["y"], "button": "left", "clickCount": 1},
        )


async def set_view(browser: Browser, width: int, height: int, *, dark: bool) -> None:
    """Resize the page (a phone below 600 px) and switch the system colour scheme."""
    mobile = width < 600  # noqa: PLR2004
    await browser.chromium.send(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": width,
            "height": height,
            "deviceScaleFactor": 2 if mobile else 1,
            "mobile": mobile,
        },
    )
    await browser.chromium.send(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]},
    )
    # Home Assistant's default theme follows the system's scheme.
    await browser.wait_until(
        "theme follows the colour scheme",
        "document.querySelector('home-assistant')?.hass?.themes?.darkMode === "
        + ("true" if dark else "false"),
    )


async def shoot_card(browser: Browser, path: Path, width: int, *, dark: bool) -> str:
    """Screenshot the whole card at ``width`` (the page made tall enough to hold it)."""
    await set_view(browser, width, PHONE[1] if width < 600 else 1000, dark=dark)  # noqa: PLR2004
    measure = f"""(() => {{ {_FIND_CARD}
      const r = root.querySelector("ha-card").getBoundingClientRect();
      return {{x: r.x, y: r.y + window.scrollY, w: r.width, h: r.height}};
    }})()"""
    await asyncio.sleep(0.5)
    rect = await browser.evaluate(measure)
    height = int(rect["y"] + rect["h"] + 24)
    if height > (PHONE[1] if width < 600 else 1000):  # noqa: PLR2004
        await set_view(browser, width, height, dark=dark)
        await asyncio.sleep(0.5)
        rect = await browser.evaluate(measure)
    await browser.evaluate("document.fonts.ready.then(() => true)")
    await asyncio.sleep(1.0)
    margin = 8
    clip = {
        "x": max(0, rect["x"] - margin),
        "y": max(0, rect["y"] - margin),
        "width": rect["w"] + 2 * margin,
        "height": rect["h"] + 2 * margin,
        "scale": 1,
    }
    result = await browser.chromium.send(
        "Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True}
    )
    await asyncio.to_thread(path.write_bytes, base64.b64decode(result["data"]))
    return await asyncio.to_thread(_checked, path)


def _checked(path: Path) -> str:
    """Fail unless ``path`` is a PNG of a real card (not blank); return a short description."""
    with Image.open(path) as image:
        expect(image.format == "PNG" and image.width >= 300, f"{path}: {image.size}")  # noqa: PLR2004
        small = image.convert("RGB").resize((max(1, image.width // 8), max(1, image.height // 8)))
        size = image.size
    colors = small.getcolors(maxcolors=small.width * small.height) or []
    expect(len(colors) >= 20, f"{path} has only {len(colors)} colours: nearly blank")  # noqa: PLR2004
    return f"{path.name} {size[0]}x{size[1]}, {path.stat().st_size // 1024} KiB"
