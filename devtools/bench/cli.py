"""The command line: options, and the settings they make (``--smoke``: a short run for CI)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from devtools import bench

from .common import CHANGE_COUNTS
from .handling import HANDLING_TORRENTS, SMOKE_HANDLING_TORRENTS
from .runner import SCENARIO_GROUPS, Settings


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The options."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=bench.__doc__.split("\n\n", 1)[0] if bench.__doc__ else None,
        epilog="Exit status: 0 all targets pass (--smoke: no crash), 1 a target failed,"
        " 2 crashed, 130 interrupted.",
    )
    _what_to_measure(parser)
    parser.add_argument(
        "--workdir",
        type=Path,
        help="folder for the server profiles (default: a temporary folder, removed at the end)",
    )
    parser.add_argument(
        "--keep-servers",
        action="store_true",
        help="keep every server running after the measurements and print their logins;"
        " they are stopped on Ctrl-C",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--no-history",
        action="store_true",
        help="leave the magnets as added (every date equal, every total zero): a list that"
        " compresses far better than a real library's, which shrinks the baseline's full poll",
    )
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(x) for x in str(args.torrents).split(",") if x.strip()})
        args.majors = sorted({int(x) for x in str(args.versions).split(",") if x.strip()})
    except ValueError:
        parser.error("--torrents and --versions take comma-separated integers")
    if not args.sizes or min(args.sizes) < max(CHANGE_COUNTS):
        parser.error(f"--torrents: every size must be at least {max(CHANGE_COUNTS)}")
    if not args.majors or not set(args.majors) <= {4, 5}:
        parser.error("--versions: 4 and/or 5")
    if args.reps < 1 or args.instance_torrents < 1:
        parser.error("--reps and --instance-torrents must be positive")
    if args.handling_torrents < 0:
        parser.error("--handling-torrents must not be negative")
    args.only = frozenset(x.strip() for x in str(args.only).split(",") if x.strip())
    if not args.only or not args.only <= SCENARIO_GROUPS:
        parser.error(f"--only: one or more of {', '.join(sorted(SCENARIO_GROUPS))}")
    return args


def _what_to_measure(parser: argparse.ArgumentParser) -> None:
    """The options that choose sizes, versions and repetitions."""
    parser.add_argument(
        "--torrents",
        default="1000,10000",
        help="comma-separated torrent counts per server (default 1000,10000)",
    )
    parser.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="1k torrents, 1 repetition, short windows (~2 min); exit 0 even if a target fails",
    )
    parser.add_argument(
        "--versions", default="4,5", help="qBittorrent majors to measure (default 4,5)"
    )
    parser.add_argument(
        "--only",
        default=",".join(sorted(SCENARIO_GROUPS)),
        help="comma-separated scenario groups to run: plan, polls (per server: bytes, CPU,"
        " memory, event-loop stall), instances, handling (default: all); a targeted run,"
        " only the targets of what ran are read",
    )
    parser.add_argument(
        "--instance-torrents",
        type=int,
        default=1000,
        help="torrents on each of the 5 concurrent instances (default 1000)",
    )
    parser.add_argument(
        "--handling-torrents",
        type=int,
        default=HANDLING_TORRENTS,
        help=f"stalled magnets for the handle_torrents run (default {HANDLING_TORRENTS:,};"
        f" --smoke: at most {SMOKE_HANDLING_TORRENTS:,}; 0 skips it)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    """Options -> what to measure."""
    if args.smoke:
        return Settings(
            sizes=[1000],
            reps=1,
            majors=args.majors,
            instance_torrents=min(args.instance_torrents, 1000),
            window=0.75,
            background=0.5,
            memory_reps=1,
            smoke=True,
            seed=args.seed,
            history=not args.no_history,
            handling_torrents=min(args.handling_torrents, SMOKE_HANDLING_TORRENTS),
            scenarios=args.only,
        )
    return Settings(
        sizes=args.sizes,
        reps=args.reps,
        majors=args.majors,
        instance_torrents=args.instance_torrents,
        window=2.0,
        background=1.5,
        memory_reps=min(args.reps, 2),
        smoke=False,
        seed=args.seed,
        history=not args.no_history,
        handling_torrents=args.handling_torrents,
        scenarios=args.only,
    )
