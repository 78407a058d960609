"""What the end-to-end steps share: where things go, Radarr's options, failing a check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from devtools.devstack.common import ROOT, StackError

DEFAULT_DIR: Final = ROOT / ".cache" / "e2e-run"
IMAGES_DIR: Final = ROOT / "docs" / "images"

APP: Final = "radarr"  # the one Arr app of this test
# Radarr's options: a magnet without metadata is bad after 1 minute (the form's minimum), at
# any age, and removed (through Radarr) at its first strike.
OPTIONS: Final[Mapping[str, Any]] = {"stall_delay": 1, "min_age": 0, "strikes": 1}
STALL_SECONDS: Final = 60 * int(OPTIONS["stall_delay"])
# The restart step: the same magnets are bad, but only struck (3 strikes before a removal).
STRIKE_OPTIONS: Final[Mapping[str, Any]] = {**OPTIONS, "strikes": 3, "max_removals": 100}


class E2EError(StackError):
    """A check failed: what was expected and what was found."""


def expect(condition: object, message: str) -> None:
    """Fail the step with ``message`` unless ``condition`` holds."""
    if not condition:
        raise E2EError(message)
