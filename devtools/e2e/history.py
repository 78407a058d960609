"""qbitrr's torrent history file, and what home-assistant.log says after it went bad."""

from __future__ import annotations

import asyncio
from pathlib import Path
import re
import time
from typing import TYPE_CHECKING, Final

from devtools.devstack.common import DOMAIN

from .common import expect

if TYPE_CHECKING:
    from .context import Context

# Where qbitrr keeps the per-torrent history (strikes) in the config dir, and what the restart
# step overwrites it with: a save cut short.
HISTORY_FILE: Final = Path(".storage") / f"{DOMAIN}.torrent_history"
CORRUPT_HISTORY: Final = '{"version": 1, "data": {"arrs": '
# A record of home-assistant.log: "2026-01-02 03:04:05.678 WARNING (MainThread) [logger] text";
# since Home Assistant 2026.11 the time carries its UTC offset ("03:04:05.678+00:00").
LOG_RECORD: Final = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)? "
    r"(?P<level>[A-Z]+) \([^)]*\) \[(?P<logger>[^\]]+)\] ",
    re.MULTILINE,
)

type Record = tuple[str, str, str]  # level, logger, text


async def expect_history_reset_reported(ctx: Context) -> list[str]:
    """The corrupt history was reported once in this hass's log; no qbitrr traceback.

    Once: one WARNING from qbitrr that its history was unreadable, or, when Home
    Assistant's Store dealt with the file itself, none from qbitrr and exactly one Store
    ERROR for this key. The Store does so for any invalid JSON (up to Home Assistant
    2026.10 at least): it moves the file to ``<file>.corrupt.<time>``, raises a repair
    issue and hands qbitrr nothing, so qbitrr's own warning never comes.

    hass rotates home-assistant.log at each start, so the log holds this start only.
    """
    log_path = ctx.stack.config_dir / "home-assistant.log"
    records, warnings, store_errors = await _reports(log_path)
    tracebacks = [
        text
        for _, logger, text in records
        if "Traceback (most recent call last)" in text
        and (_is_qbitrr(logger) or f"custom_components/{DOMAIN}/" in text)
    ]
    expect(not tracebacks, f"qbitrr tracebacks in {log_path}: {tracebacks}")
    about_history = [
        f"{level} [{logger}] {text.splitlines()[0][:200]}"
        for level, logger, text in records
        if level in {"WARNING", "ERROR", "CRITICAL"} and HISTORY_FILE.name in text
    ]
    expect(
        len(warnings) <= 1,
        f"{len(warnings)} qbitrr WARNING records about the unreadable history in"
        f" {log_path}, expected 1: {warnings}",
    )
    if warnings:
        warning = warnings[0].splitlines()[0][:200]
        return [
            f"{log_path.name}: 1 WARNING from custom_components.{DOMAIN}: {warning}",
            "no traceback from qbitrr",
        ]
    expect(
        len(store_errors) == 1,
        f"no WARNING from custom_components.{DOMAIN} about the unreadable history and"
        f" {len(store_errors)} Store errors for it in {log_path}, expected 1 of either;"
        f" what the log says about {HISTORY_FILE.name}: {about_history or 'nothing'}",
    )
    return await _store_handled_it(ctx, log_path, store_errors[0])


async def _reports(log_path: Path) -> tuple[list[Record], list[str], list[str]]:
    """The log's records, qbitrr's warnings about the history and the Store's errors for it.

    The records are logged during the run; their lines can reach the file a moment later.
    """
    store_marker = f"decoding storage {HISTORY_FILE.name} "
    deadline = time.monotonic() + 5
    while True:
        text = await asyncio.to_thread(log_path.read_text, encoding="utf-8", errors="replace")
        records = log_records(text)
        warnings = [
            text
            for level, logger, text in records
            if level == "WARNING"
            and _is_qbitrr(logger)
            and "history" in text.lower()
            and "unreadable" in text.lower()
        ]
        store_errors = [
            text
            for level, logger, text in records
            if level == "ERROR"
            and logger == "homeassistant.helpers.storage"
            and store_marker in text
        ]
        if warnings or store_errors or time.monotonic() > deadline:
            return records, warnings, store_errors
        await asyncio.sleep(0.2)


async def _store_handled_it(ctx: Context, log_path: Path, store_error: str) -> list[str]:
    """Home Assistant's Store kept one copy of the bad file and raised one repair issue."""
    history = ctx.stack.config_dir / HISTORY_FILE
    copies = sorted(history.parent.glob(f"{history.name}.corrupt.*"))
    expect(
        len(copies) == 1 and copies[0].read_text(encoding="utf-8") == CORRUPT_HISTORY,
        f"the Store did not keep exactly one copy of the corrupt file: {copies}",
    )
    (repairs,) = await ctx.ha.websocket({"type": "repairs/list_issues"})
    issues = [
        str(issue.get("issue_id"))
        for issue in (repairs or {}).get("issues", [])
        if str(issue.get("issue_id", "")).startswith(f"storage_corruption_{history.name}_")
    ]
    expect(len(issues) == 1, f"repair issues for the corrupt history: {issues}")
    note = (
        f"NOTE: no WARNING from custom_components.{DOMAIN}: Home Assistant's Store handled"
        " the invalid JSON itself and gave qbitrr no error to warn about:"
    )
    error = store_error.splitlines()[0][:120]
    return [
        note,
        f"{log_path.name}: 1 ERROR [homeassistant.helpers.storage] {error}...",
        f"the file was moved to {copies[0].name}; repair issue {issues[0]}",
        "no traceback from qbitrr",
    ]


def log_records(text: str) -> list[Record]:
    """home-assistant.log as (level, logger, text) records; a traceback stays with its record."""
    starts = list(LOG_RECORD.finditer(text))
    ends = [m.start() for m in starts[1:]] + [len(text)]
    return [
        (match["level"], match["logger"], text[match.end() : end].rstrip())
        for match, end in zip(starts, ends, strict=False)
    ]


def _is_qbitrr(logger: str) -> bool:
    return logger == f"custom_components.{DOMAIN}" or logger.startswith(
        f"custom_components.{DOMAIN}."
    )
