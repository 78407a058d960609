"""Command line of scripts/develop: ``python -m devtools.devstack [--check]``."""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
from pathlib import Path
import sys

from devtools import devstack

from .common import ROOT, log
from .preflight import missing_requirements
from .run import run
from .stack import DevStack


def main(argv: list[str] | None = None) -> int:
    """Entry point of scripts/develop."""
    parser = argparse.ArgumentParser(
        prog="scripts/develop", description=(devstack.__doc__ or "").split("\n")[0]
    )
    parser.add_argument(
        "--check",
        action="store_true",
        default=os.environ.get("QBITRR_DEVELOP_CHECK") == "1",
        help="bring everything up, verify the qbitrr entries and entities, stop, exit 0/1",
    )
    args = parser.parse_args(argv)
    dev_dir = Path(os.environ.get("QBITRR_DEV_DIR") or ROOT / "dev-instance").resolve()
    dev_dir.mkdir(parents=True, exist_ok=True)

    lock = (dev_dir / ".lock").open("w")
    try:
        # One stack per dev dir: a second one would fight over the profiles and hass's config.
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log(f"another scripts/develop is already using {dev_dir}")
        return 1

    if missing := missing_requirements():
        log("missing packages the dev instance needs: " + " ".join(missing))
        log("add them to the dev group in pyproject.toml, then run scripts/setup")
        return 1
    return asyncio.run(run(DevStack(dev_dir, check=args.check)))


if __name__ == "__main__":
    sys.exit(main())
