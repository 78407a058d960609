"""Named, timed steps and the summary that lists them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import time
import traceback

from devtools.devstack.common import StackError, log


@dataclass
class StepResult:
    """One step's outcome for the summary."""

    name: str
    seconds: float
    ok: bool
    detail: str


class Steps:
    """Runs named steps, times them, and keeps their results for the summary."""

    def __init__(self) -> None:
        """Start the clock."""
        self.results: list[StepResult] = []
        self.started = time.monotonic()

    async def run(self, name: str, action: Callable[[], Awaitable[str]]) -> None:
        """Run one step; record it; re-raise its failure."""
        log(f"[{len(self.results) + 1}] {name}")
        started = time.monotonic()
        try:
            detail = await action()
        except asyncio.CancelledError:
            self.results.append(
                StepResult(name, time.monotonic() - started, ok=False, detail="interrupted")
            )
            raise
        except StackError as err:
            self.results.append(
                StepResult(name, time.monotonic() - started, ok=False, detail=str(err))
            )
            raise
        except Exception as err:
            trace = "".join(traceback.format_exception(err)).rstrip()
            self.results.append(
                StepResult(name, time.monotonic() - started, ok=False, detail=f"{err!r}\n{trace}")
            )
            raise
        self.results.append(StepResult(name, time.monotonic() - started, ok=True, detail=detail))

    def summary(self) -> list[str]:
        """One block per step: status, seconds, name, then the detail indented."""
        lines = ["", "qbitrr end-to-end test:"]
        for number, result in enumerate(self.results, start=1):
            status = "ok  " if result.ok else "FAIL"
            lines.append(f"  {status} {result.seconds:6.1f}s  [{number}] {result.name}")
            lines += [f"                  {line}" for line in result.detail.splitlines() if line]
        lines.append(f"  total {time.monotonic() - self.started:.1f}s")
        return lines
