"""Command line of scripts/e2e: ``python -m devtools.e2e [--screenshots | --no-browser]``."""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
from pathlib import Path
import signal
import sys

from devtools import e2e
from devtools.devstack.common import ROOT, log

from .common import DEFAULT_DIR, IMAGES_DIR
from .scenario import EndToEnd


async def run(test: EndToEnd) -> int:
    """Run the test; Ctrl-C/SIGTERM cancel it (everything is still stopped)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    interrupted = False

    def interrupt() -> None:
        nonlocal interrupted
        if not interrupted and task is not None:
            interrupted = True
            log("interrupted: stopping everything")
            task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, interrupt)
    passed = False
    try:
        passed = await test.run()
    except asyncio.CancelledError:
        passed = False
    finally:
        print("\n".join(test.steps.summary()), flush=True)
    if interrupted:
        log("E2E INTERRUPTED")
        return 130
    if not passed:
        failed = next((r for r in test.steps.results if not r.ok), None)
        print(
            f"\n\033[1;31mE2E FAILED\033[0m at: {failed.name if failed else '?'}\n"
            f"  logs: {test.scratch / 'config' / 'home-assistant.log'},"
            f" {test.scratch / 'hass.out'}, {test.scratch}/qbittorrent*/qbittorrent-nox.log,"
            f" {test.scratch / 'chromium.log'}",
            file=sys.stderr,
            flush=True,
        )
        return 1
    print("\n\033[1;32mE2E PASSED\033[0m", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of scripts/e2e."""
    parser = argparse.ArgumentParser(
        prog="scripts/e2e", description=(e2e.__doc__ or "").split("\n")[0]
    )
    parser.add_argument(
        "--screenshots",
        action="store_true",
        help=f"write the screenshots to {IMAGES_DIR.relative_to(ROOT)}/ (default: scratch only)",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="skip the screenshots step (no Chromium)"
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(os.environ.get("QBITRR_E2E_DIR") or DEFAULT_DIR),
        help="scratch directory, wiped at the start (default: .cache/e2e-run)",
    )
    args = parser.parse_args(argv)
    if args.screenshots and args.no_browser:
        parser.error("--screenshots needs the browser")
    scratch: Path = args.dir.resolve()
    if scratch in {ROOT, ROOT / "dev-instance", Path.home(), Path("/")}:
        parser.error(f"refusing to use {scratch} as a scratch directory")
    scratch.parent.mkdir(parents=True, exist_ok=True)
    lock = (scratch.parent / f".{scratch.name}.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log(f"another scripts/e2e is using {scratch}")
        return 1
    if args.no_browser:
        shots = None
    elif args.screenshots:
        shots = IMAGES_DIR
    else:
        shots = scratch / "screenshots"
    return asyncio.run(run(EndToEnd(scratch, screenshots_dir=shots)))


if __name__ == "__main__":
    sys.exit(main())
