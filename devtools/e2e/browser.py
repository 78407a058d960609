"""The page of a headless Chromium: open, read through shadow roots, click, screenshot."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import time
from typing import TYPE_CHECKING, Any, Final

from devtools.devstack.common import StackError

from .chromium import HEIGHT, WIDTH
from .common import expect

if TYPE_CHECKING:
    from pathlib import Path

    from .chromium import Chromium

BROWSER_TIMEOUT: Final = 45.0
# Texts that mean a page shows an error instead of what it should.
PAGE_ERRORS: Final = (
    "Entity not available",
    "Configuration error",
    "Unable to load",
    "Unknown error",
    "Error loading",
    "Config flow could not be loaded",
    "Invalid handler specified",
)

# Helpers for Runtime.evaluate: Home Assistant's frontend lives in nested shadow roots, which
# neither innerText nor querySelector cross.
_JS_PRELUDE: Final = """
const walk = (node, visit) => {
  visit(node);
  if (node.shadowRoot) walk(node.shadowRoot, visit);
  for (const child of node.childNodes || []) walk(child, visit);
};
const deepText = () => {
  const parts = [];
  walk(document, (n) => {
    if (n.nodeType === Node.TEXT_NODE && !["STYLE", "SCRIPT"].includes(n.parentNode?.nodeName)) {
      parts.push(n.textContent);
    }
  });
  return parts.join(" ").replace(/\\s+/g, " ");
};
const deepFind = (text) => {
  let found = null;
  walk(document, (n) => {
    if (found || n.nodeType !== Node.ELEMENT_NODE) return;
    const own = [...n.childNodes].filter((c) => c.nodeType === Node.TEXT_NODE)
      .map((c) => c.textContent).join("").trim();
    if (own === text) found = n;
  });
  return found;
};
const deepCount = (selector) => {
  let count = 0;
  walk(document, (n) => { if (n.nodeType === Node.ELEMENT_NODE && n.matches(selector)) count++; });
  return count;
};
"""


class Browser:
    """What the steps do in the page of one ``Chromium``, through its DevTools connection."""

    def __init__(self, chromium: Chromium, debug_dir: Path) -> None:
        """Drive ``chromium``'s page; ``debug_dir``: failure screenshots."""
        self.chromium = chromium
        self.debug_dir = debug_dir

    async def navigate(self, url: str) -> None:
        """Open ``url`` in the page."""
        result = await self.chromium.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise StackError(f"cannot open {url}: {result['errorText']}")

    async def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript (the shadow-DOM helpers are in scope) and return its value."""
        result = await self.chromium.send(
            "Runtime.evaluate",
            {
                "expression": f"(async () => {{ {_JS_PRELUDE}\nreturn ({expression}); }})()",
                "returnByValue": True,
                "awaitPromise": True,
            },
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise StackError(f"JavaScript failed: {text}")
        return result.get("result", {}).get("value")

    async def page_text(self) -> str:
        """All text of the page, shadow roots included (empty while it loads)."""
        with contextlib.suppress(StackError):
            return str(await self.evaluate("deepText()") or "")
        return ""

    async def wait_for_texts(
        self, what: str, texts: list[str], *, within: float = BROWSER_TIMEOUT
    ) -> None:
        """Wait until the page shows every one of ``texts``; fail on a login or error page."""
        deadline = time.monotonic() + within
        missing = texts
        while True:
            text = await self.page_text()
            location = str(await self.evaluate("location.pathname") or "")
            if location.startswith("/auth/") or "Welcome home!" in text:
                shot = await self.debug_screenshot(what)
                raise StackError(
                    f"{what}: the browser shows the login page ({location}); screenshot: {shot}"
                )
            if errors := [e for e in PAGE_ERRORS if e in text]:
                shot = await self.debug_screenshot(what)
                raise StackError(
                    f"{what}: the page shows {errors}: {text[:600]}; screenshot: {shot}"
                )
            missing = [t for t in texts if t not in text]
            if not missing:
                return
            if time.monotonic() > deadline:
                shot = await self.debug_screenshot(what)
                raise StackError(
                    f"{what}: after {within:.0f}s the page ({location}) still lacks {missing};"
                    f" it shows: {text[:600]!r}; screenshot: {shot}"
                )
            await asyncio.sleep(0.3)

    async def wait_until(
        self, what: str, expression: str, *, within: float = BROWSER_TIMEOUT
    ) -> None:
        """Wait until a JavaScript expression is truthy."""
        deadline = time.monotonic() + within
        while not await self.evaluate(expression):
            if time.monotonic() > deadline:
                shot = await self.debug_screenshot(what)
                raise StackError(
                    f"{what}: not true after {within:.0f}s: {expression}; screenshot: {shot}"
                )
            await asyncio.sleep(0.3)

    async def click_text(self, text: str) -> None:
        """Click (with the mouse, at its centre) the element whose own text is ``text``.

        Waits until it stands still first: a dialog that is still opening scales and moves its
        buttons, and a click aimed at "OK" would land on "Cancel".
        """
        locate = f"""(() => {{
          const el = deepFind({json.dumps(text)});
          if (!el) return null;
          el.scrollIntoView({{block: "center"}});
          const r = el.getBoundingClientRect();
          return {{x: r.x + r.width / 2, y: r.y + r.height / 2, w: r.width, h: r.height}};
        }})()"""
        deadline = time.monotonic() + 10
        previous = None
        while True:
            rect = await self.evaluate(locate)
            if rect and rect["w"] > 0 and rect["h"] > 0 and rect == previous:
                break
            expect(time.monotonic() < deadline, f"nothing steady to click saying {text!r}: {rect}")
            previous = rect
            await asyncio.sleep(0.25)
        for event in ("mouseMoved", "mousePressed", "mouseReleased"):
            await self.chromium.send(
                "Input.dispatchMouseEvent",
                {"type": event, "x": rect["x"], "y": rect["y"], "button": "left", "clickCount": 1},
            )
        # Park the pointer on an empty edge: no hover highlight in the next screenshot.
        await self.chromium.send(
            "Input.dispatchMouseEvent", {"type": "mouseMoved", "x": WIDTH - 2, "y": HEIGHT // 2}
        )

    async def screenshot(self, path: Path) -> None:
        """Save the viewport as a PNG once fonts are loaded and animations have settled."""
        await self.evaluate("document.fonts.ready.then(() => true)")
        await asyncio.sleep(1.0)
        result = await self.chromium.send("Page.captureScreenshot", {"format": "png"})
        await asyncio.to_thread(path.write_bytes, base64.b64decode(result["data"]))

    async def debug_screenshot(self, what: str) -> Path | None:
        """Save what the page shows now (for a failure's report); None when that fails too."""
        path = self.debug_dir / f"failed-{re.sub(r'[^a-z0-9]+', '-', what.lower())}.png"
        try:
            result = await self.chromium.send(
                "Page.captureScreenshot", {"format": "png"}, within=10
            )
            await asyncio.to_thread(path.write_bytes, base64.b64decode(result["data"]))
        except StackError, OSError:
            return None
        return path
