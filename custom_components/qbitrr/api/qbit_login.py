"""Logging in to one qBittorrent server and telling it is one: versions, API-key support.

`QbittorrentClient` (qbittorrent.py) builds on this with polling; the actions sent to a server
are in qbit_session.py.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Final

import qbittorrentapi

from ..model.server import webapi_tuple
from .qbit_errors import (
    QbitApiKeyUnsupportedError,
    QbitAuthError,
    QbitError,
    QbitNotQbittorrentError,
)
from .qbit_session import QbitActions, one_at_a_time

_APP_VERSION = re.compile(r"^v?\d+\.\d+")
_WEBAPI_VERSION = re.compile(r"^\d+\.\d+")
# qBittorrent 5.2 (WebAPI 2.14.1) checks API keys. An older server ignores the header, and one
# that lets the caller's address in without logging in would answer as if the key were good.
API_KEY_MIN_WEBAPI: Final = (2, 14, 1)


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """Versions the server reports."""

    app_version: str
    webapi_version: str


def _is_app_version(reply: object) -> bool:
    return isinstance(reply, str) and bool(_APP_VERSION.match(reply))


class QbitLogin(QbitActions):
    """A server's session that can log in and read the server's versions."""

    def __init__(self, api: qbittorrentapi.Client, *, uses_api_key: bool) -> None:
        """Wrap a configured library client; the versions are read on first need."""
        super().__init__(api, uses_api_key=uses_api_key)
        self._info: ServerInfo | None = None

    @one_at_a_time
    def validate(self) -> None:
        """Log in and read the versions; raise the matching `QbitError` when that fails.

        With an API key there is no login: the first authenticated call (the version) tells
        whether the key is accepted, and a WebAPI too old to check keys is refused
        (`QbitApiKeyUnsupportedError`).
        """
        try:
            if self._uses_api_key:
                # Not `auth_log_in`: with a key the library reports every failure, a refused
                # connection included, as a refused login.
                self._read_info()
                return
            with self._translated():
                self._api.auth_log_in()
        except QbitApiKeyUnsupportedError:
            raise
        except QbitAuthError:
            self._raise_if_not_qbittorrent()
            raise
        self._read_info()

    def _raise_if_not_qbittorrent(self) -> None:
        """After a refused login, tell a real qBittorrent from a page that merely answered."""
        try:
            with self._translated():
                reply = self._api.app_version()
        except QbitNotQbittorrentError:
            raise
        except QbitError:
            return  # a real qBittorrent refuses the version to a stranger
        if not _is_app_version(reply):
            raise QbitNotQbittorrentError("no qBittorrent version")

    def _read_info(self) -> ServerInfo:
        """Read the versions; with an API key, refuse a WebAPI too old to have checked it."""
        with self._translated():
            app_version = self._api.app_version()
            webapi_version = self._api.app_web_api_version()
        if not (
            _is_app_version(app_version)
            and isinstance(webapi_version, str)
            and _WEBAPI_VERSION.match(webapi_version)
        ):
            raise QbitNotQbittorrentError("no qBittorrent version")
        if self._uses_api_key and webapi_tuple(webapi_version) < API_KEY_MIN_WEBAPI:
            raise QbitApiKeyUnsupportedError(f"WebAPI {webapi_version} does not check API keys")
        self._info = ServerInfo(app_version=app_version, webapi_version=webapi_version)
        return self._info
