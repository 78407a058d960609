# Home Assistant 2026.x aliases `voluptuous` to probatio at run time (probatio.compat);
# this stub tells mypy the same, so schemas type-check against what HA really calls.
from probatio import *  # noqa: F403
