"""How the last polls of one server went, for the connectivity sensor, status and diagnostics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from homeassistant.util import dt as dt_util


@dataclass(slots=True)
class InstanceHealth:
    """Failures in a row, the last success and the last error of one server's polls."""

    consecutive_failures: int = 0
    last_success: datetime | None = None
    last_error: str | None = None

    def record_success(self) -> None:
        """Note a successful poll."""
        self.consecutive_failures = 0
        self.last_success = dt_util.utcnow()
        self.last_error = None

    def record_failure(self, err: Exception) -> None:
        """Note a failed poll."""
        self.consecutive_failures += 1
        self.last_error = str(err) or type(err).__name__

    @property
    def last_success_iso(self) -> str | None:
        """The time of the last successful poll in ISO 8601, or None before the first."""
        return self.last_success.isoformat() if self.last_success else None
