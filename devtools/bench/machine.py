"""Whether other processes slowed a phase of the run: the machine's CPU use beyond the bench's own.

The bench shares its cores with whatever else runs. For each phase it reads the machine's busy
CPU time (``/proc/stat``: every CPU's user, system, interrupt and steal time) and takes out what
the bench's own process tree used (this process with its threads, the servers it started, also
those already stopped and reaped). What is left, averaged over the phase, is the other
processes' use (plus time the hypervisor stole), in cores. From ``SLOWED_CORES`` a phase counts
as slowed: its timing figures then measured the machine as much as qbitrr, and the report says
so beside any target that failed in it, and in its summary.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
import os
from pathlib import Path
import time
from typing import Final

from .common import CLK_TCK, Json

SLOWED_CORES: Final = 0.25  # other processes' average use from which a phase counts as slowed
_STAT: Final = Path("/proc/stat")
# /proc/stat's cpu line: user nice system idle iowait irq softirq steal (guest is within user).
_BUSY_FIELDS: Final = (0, 1, 2, 5, 6, 7)
_STEAL_FIELD: Final = 7


@dataclass(frozen=True, slots=True)
class Sample:
    """The clocks at one moment (seconds)."""

    wall: float
    busy: float  # the whole machine's busy CPU time, steal included
    steal: float
    ours: float  # this process tree's CPU time


@dataclass(frozen=True, slots=True)
class Phase:
    """One measured phase and the other processes' CPU use meanwhile (cores)."""

    name: str
    wall: float
    others: float
    steal: float

    @property
    def slowed(self) -> bool:
        """Whether other processes (or the hypervisor) took enough CPU to slow the figures."""
        return self.others >= SLOWED_CORES

    def describe(self) -> str:
        """'other processes used 0.62 of 2 cores (steal 0.01)'."""
        steal = f", steal {self.steal:.2f}" if self.steal >= 0.01 else ""  # noqa: PLR2004
        return f"other processes used {self.others:.2f} of {os.cpu_count()} cores{steal}"

    def as_json(self) -> Json:
        """Plain data."""
        return {
            "name": self.name,
            "wall_s": round(self.wall, 2),
            "other_cores": round(self.others, 3),
            "steal_cores": round(self.steal, 3),
            "slowed": self.slowed,
        }

    @classmethod
    def between(cls, name: str, start: Sample, end: Sample) -> Phase:
        """The phase from two samples."""
        wall = max(end.wall - start.wall, 1e-9)
        others = (end.busy - start.busy) - (end.ours - start.ours)
        # The counters tick in 10 ms steps: a short phase can read anything; not beyond them.
        cores = os.cpu_count() or 1
        share = min(max(0.0, others) / wall, cores)
        return cls(name, wall, share, min((end.steal - start.steal) / wall, cores))


class MachineWatch:
    """The phases measured so far, by name (a name measured again keeps the busier reading)."""

    def __init__(self) -> None:
        """No phase yet."""
        self.phases: dict[str, Phase] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Measure the block as phase ``name``."""
        start = sample()
        try:
            yield
        finally:
            measured = Phase.between(name, start, sample())
            earlier = self.phases.get(name)
            if earlier is None or measured.others > earlier.others:
                self.phases[name] = measured

    def slowed(self, name: str) -> Phase | None:
        """The phase if it was slowed, else None (also for a phase never measured)."""
        phase = self.phases.get(name)
        return phase if phase is not None and phase.slowed else None

    def as_json(self) -> Json:
        """Plain data: every phase, and the threshold."""
        return {
            "slowed_from_other_cores": SLOWED_CORES,
            "phases": [phase.as_json() for phase in self.phases.values()],
        }


def sample() -> Sample:
    """Read the machine's and this process tree's CPU clocks now."""
    fields = [int(x) for x in _STAT.read_text(encoding="ascii").split("\n", 1)[0].split()[1:]]
    busy = sum(fields[i] for i in _BUSY_FIELDS) / CLK_TCK
    steal = fields[_STEAL_FIELD] / CLK_TCK if len(fields) > _STEAL_FIELD else 0.0
    times = os.times()
    ours = times.user + times.system + times.children_user + times.children_system
    return Sample(time.monotonic(), busy, steal, ours + _live_children_cpu())


def _live_children_cpu() -> float:
    """CPU time of this process's children still running (the servers), from ``/proc``.

    Reaped children are in ``os.times()``'s children fields instead.
    """
    total = 0.0
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            for pid in (task / "children").read_text(encoding="ascii").split():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
                    fields = stat.rpartition(")")[2].split()
                    total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total
