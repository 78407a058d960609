"""The file rule's options: an Arr entry's (mode, extensions, sample size) and a server's.

The allowlist's default depends on the app (video and subtitles, or audio and cover art), so
these defaults are per app, unlike the rest of an Arr's options (options.py).
"""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import Any, Final

from ..model.arr import ArrApp
from .files import ALLOWED_EXTENSIONS, DANGEROUS_EXTENSIONS, FileMode, FileRule

OPT_FILE_MODE: Final = "file_mode"
OPT_BLOCKED_EXTENSIONS: Final = "blocked_extensions"  # text, extensions apart
OPT_ALLOWED_EXTENSIONS: Final = "allowed_extensions"  # text, extensions apart
OPT_SAMPLE_SIZE: Final = "sample_size"  # MB; 0 = samples and trailers are not looked for
# On a qBittorrent entry: write the dangerous extensions into the server's excluded file names.
OPT_EXCLUDE_DANGEROUS: Final = "exclude_dangerous_files"
_MB: Final = 1_000_000
_EXTENSION: Final = re.compile(r"^\.?[a-z0-9]{1,16}$")
_SEPARATORS: Final = re.compile(r"[\s,;]+")
# Samples of music hide behind ordinary track names ("... - Sample"): looked for in video only.
_SAMPLE_SIZE: Final[Mapping[ArrApp, int]] = {
    ArrApp.RADARR: 100,
    ArrApp.SONARR: 100,
    ArrApp.LIDARR: 0,
}


def file_defaults(app: ArrApp) -> dict[str, Any]:
    """Return the file rule's default options for an app."""
    return {
        OPT_FILE_MODE: FileMode.BLOCKLIST.value,
        OPT_BLOCKED_EXTENSIONS: " ".join(DANGEROUS_EXTENSIONS),
        OPT_ALLOWED_EXTENSIONS: " ".join(ALLOWED_EXTENSIONS[app]),
        OPT_SAMPLE_SIZE: _SAMPLE_SIZE[app],
    }


def parse_extensions(text: str) -> tuple[str, ...]:
    """Read extensions apart by spaces, commas or lines; lower-case, with the dot, once each."""
    words = (word.lower() for word in _SEPARATORS.split(text) if word)
    return tuple(dict.fromkeys(word if word.startswith(".") else f".{word}" for word in words))


def invalid_extension(text: str) -> str | None:
    """Return the first word that is not an extension (letters and digits), or None."""
    for word in _SEPARATORS.split(text):
        if word and not _EXTENSION.match(word.lower()):
            return word
    return None


def file_rule(options: Mapping[str, Any], app: ArrApp) -> FileRule:
    """Turn an Arr entry's options into its file rule."""
    merged = {**file_defaults(app), **options}
    try:
        mode = FileMode(merged[OPT_FILE_MODE])
    except ValueError:
        mode = FileMode.BLOCKLIST
    key = OPT_ALLOWED_EXTENSIONS if mode is FileMode.ALLOWLIST else OPT_BLOCKED_EXTENSIONS
    extensions = frozenset(parse_extensions(str(merged[key])))
    if mode is FileMode.ALLOWLIST and not extensions:
        mode = FileMode.OFF  # the form refuses it: an empty allowlist would make all bad
    return FileRule(
        mode,
        extensions,
        max(0, int(float(merged[OPT_SAMPLE_SIZE]) * _MB)),
    )


def excluded_patterns() -> tuple[str, ...]:
    """Return the server-side patterns of the dangerous extensions ("*.exe", ...)."""
    return tuple(f"*{extension}" for extension in DANGEROUS_EXTENSIONS)
