"""Entry point of scripts/bench (``python -m devtools.bench``): run, report, always clean up."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
import contextlib
import json
import os
from pathlib import Path
import shutil
import signal
import sys
import tempfile
import time
import traceback
from types import FrameType

from .cli import parse_args, settings_from
from .common import BASELINE_INTERVAL, ROOT, Json, log
from .handling import run_handling
from .instances import run_instances
from .policy import run_policy
from .report import render
from .runner import Benchmark
from .targets import Target, evaluate_targets


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; see the package docstring for the exit status."""
    args = parse_args(argv)
    settings = settings_from(args)
    qbt5 = ROOT / ".cache" / "qbittorrent5"
    if 5 in settings.majors and not os.environ.get("QBITRR_QBT5_ROOT") and qbt5.is_dir():  # noqa: PLR2004
        os.environ["QBITRR_QBT5_ROOT"] = str(qbt5)
    temporary = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="qbitrr-bench-")) if temporary else args.workdir
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    bench: Benchmark | None = None
    try:
        with termination_as_exit():
            bench = Benchmark(settings, workdir, keep_servers=args.keep_servers)
            failed = run(bench)
            if args.keep_servers:
                keep(bench)
    except KeyboardInterrupt:
        log("interrupted; servers stopped")
        return 130
    except Exception:  # noqa: BLE001 - report any crash with its traceback, then exit 2
        traceback.print_exc()
        return 2
    finally:
        if bench is not None:
            bench.stop_all()
        if temporary:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed and not settings.smoke else 0


def run(bench: Benchmark) -> list[Target]:
    """Every scenario, the table and the JSON line; returns the failed targets."""
    settings = bench.s
    started = time.perf_counter()
    log(
        f"sizes {settings.sizes}, {settings.reps} rep(s), qBittorrent {settings.majors},"
        f" {'library history' if settings.history else 'fresh magnets (--no-history)'},"
        f" workdir {bench.workdir}"
    )
    only = settings.scenarios
    if "plan" in only:
        with bench.machine.phase("policy plan"):
            run_policy(bench)
    if "polls" in only:
        for major in settings.majors:
            bench.run_version(major)
    if "instances" in only:
        run_instances(bench)
    if "handling" in only:
        with bench.machine.phase("handling"):
            run_handling(bench)
    evaluate_targets(bench)
    elapsed = time.perf_counter() - started
    print(render(bench))
    failed = [t for t in bench.targets if not t.passed and not t.extra]
    slowed = [t for t in failed if bench.machine.slowed(t.phase)]
    summary: Json = {
        "mode": "smoke" if settings.smoke else "full",
        "library_history": settings.history,
        "sizes": settings.sizes,
        "reps": settings.reps,
        "cores": os.cpu_count(),
        "intervals_s": {
            "ours": bench.interval,
            "ours_idle": bench.idle_interval,
            "ours_chosen_by": "snapshot.next_interval",
            "baseline": BASELINE_INTERVAL,
        },
        "polls": bench.results,
        "instances": bench.instances_result,
        "loop_stall": bench.stalls,
        "policy": bench.plan_result,
        "handling": bench.handling_result,
        "targets": [t.as_json() for t in bench.targets],
        "failed": [f"{t.name} ({t.scope})" for t in failed],
        "failed_while_slowed": [f"{t.name} ({t.scope})" for t in slowed],
        "all_pass": not failed,
        "machine": bench.machine.as_json(),
        "elapsed_s": round(elapsed, 1),
    }
    note = _slowed_note(bench, slowed)
    print(f"   elapsed {elapsed:.0f} s; {len(failed)} target(s) failed{note}")
    print("BENCH_JSON " + json.dumps(summary, separators=(",", ":")), flush=True)
    return failed


def _slowed_note(bench: Benchmark, slowed: list[Target]) -> str:
    """What the summary says of the machine: failures in slowed phases, or slowed phases."""
    phases = [phase for phase in bench.machine.phases.values() if phase.slowed]
    if slowed:
        names = ", ".join(f"{t.name} ({t.scope})" for t in slowed)
        return (
            f", {len(slowed)} of them measured while other processes slowed the machine"
            f" (see the machine section): {names}"
        )
    if phases:
        return f"; other processes slowed {len(phases)} timed phase(s) (see the machine section)"
    return ""


@contextlib.contextmanager
def termination_as_exit() -> Iterator[None]:
    """SIGTERM/SIGHUP end the run like Ctrl-C does, so the servers get stopped."""

    def on_signal(signum: int, frame: FrameType | None) -> None:
        del frame
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def keep(bench: Benchmark) -> None:
    """--keep-servers: leave the servers up for inspection until Ctrl-C."""
    for server in bench.servers:
        if server.running:
            log(f"kept {server!r}: user {server.username}, password {server.password}")
    log("servers kept running; Ctrl-C stops them")
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
