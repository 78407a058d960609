"""The errors of the qBittorrent client, and the one place the library's are mapped onto them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import qbittorrentapi
from requests import exceptions as requests_exceptions


class QbitError(Exception):
    """Base class of the errors this client raises."""


class QbitConnectionError(QbitError):
    """The server could not be reached or answered with a server error."""


class QbitSSLError(QbitConnectionError):
    """The TLS handshake failed (for example a self-signed certificate with verification on)."""


class QbitAuthError(QbitError):
    """The server refused the credentials (or banned this client after too many failures)."""


class QbitApiKeyUnsupportedError(QbitAuthError):
    """An API key was given, but the server's WebAPI is too old to check it.

    An authentication error: what is stored cannot be trusted to authenticate on this server,
    so the entry asks for credentials again (the username and password).
    """


class QbitNotQbittorrentError(QbitError):
    """Something answered, but it is not a qBittorrent WebUI."""


class QbitConflictError(QbitError):
    """The server refused to create what exists already."""


@contextmanager
def translate_errors(*, api_key: bool = False) -> Iterator[None]:
    """Map qbittorrent-api's exceptions onto ours (`api_key`: the client sends a key)."""
    try:
        yield
    except qbittorrentapi.LoginFailed as err:
        raise QbitAuthError("login refused") from err
    except qbittorrentapi.Unauthorized401Error as err:
        raise QbitAuthError("not authorised") from err
    except qbittorrentapi.Forbidden403Error as err:
        # A 403 from the login itself means this address is banned after failed logins. Any
        # other 403 survived the library's own re-login: a session lost to a stalling or
        # restarting server (its retries drop the cookie), not a wrong password. With an API key
        # there is no session to lose and no login: every 403 is the key refused.
        if api_key:
            raise QbitAuthError("API key refused") from err
        if _is_login(err):
            raise QbitAuthError("login forbidden (banned after failed logins?)") from err
        raise QbitConnectionError("session refused") from err
    except qbittorrentapi.HTTP4XXError as err:
        # A 404 or 405 on the WebAPI's own paths means this is some other web server.
        raise QbitNotQbittorrentError(type(err).__name__) from err
    except qbittorrentapi.APIConnectionError as err:
        if isinstance(err.__context__, requests_exceptions.SSLError):
            raise QbitSSLError("TLS handshake failed") from err
        raise QbitConnectionError(_describe(err)) from err
    except qbittorrentapi.APIError as err:
        # The reply could not be parsed: not the JSON a qBittorrent sends.
        raise QbitNotQbittorrentError("unexpected reply") from err


def _is_login(err: qbittorrentapi.HTTPError) -> bool:
    response = getattr(err, "response", None)
    return "/auth/login" in str(getattr(response, "url", ""))


def _describe(err: Exception) -> str:
    """Describe the failure briefly, without the URL or body the library puts in messages."""
    context = err.__context__
    # urllib3 wraps a read timeout on a GET in a ConnectionError; the text tells.
    if isinstance(context, requests_exceptions.Timeout) or "timed out" in str(context):
        return "timeout"
    if isinstance(context, requests_exceptions.ConnectionError):
        return "connection failed"
    if isinstance(err, qbittorrentapi.HTTP5XXError):
        return f"server error {err.http_status_code}"
    return type(err).__name__
