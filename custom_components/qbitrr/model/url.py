"""Server addresses: one canonical form, so two spellings of one server are one server."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit, urlunsplit

_MAX_URL_LENGTH: Final = 2048


class InvalidUrlError(ValueError):
    """The URL cannot address a web server of ours."""


def normalize_url(url: str) -> str:
    """Return the canonical form of a server URL, used as the config entry's unique id.

    A URL without a scheme is taken as http; the scheme and host are lower-cased, a default
    port is made explicit and a trailing slash is dropped, so two spellings of one server match.
    """
    text = url.strip()
    if not text or len(text) > _MAX_URL_LENGTH:
        raise InvalidUrlError(url)
    if "://" not in text:
        text = f"http://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise InvalidUrlError(url) from err
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in {"http", "https"} or not host or parts.username or parts.query:
        raise InvalidUrlError(url)
    if port is None:
        port = 443 if scheme == "https" else 80
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), "", ""))


def host_and_port(url: str) -> str:
    """Return the `host:port` part of a normalised URL, for titles."""
    return urlsplit(url).netloc
