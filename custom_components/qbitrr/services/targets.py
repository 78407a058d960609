"""Which entries a service call targets, and how a service fails when they do.

Every service picks entries the same way: `config_entry_id` (one id or a list), resolved with
Home Assistant's own `service.async_get_config_entry` (so an unknown or unloaded entry raises
its `service_config_entry_not_found` / `service_config_entry_not_loaded`); without it, every
enabled entry of the kind the service works on. A targeted server that cannot be used is
reported with an error code (errors.py); when every targeted server failed, the service raises
a translated `HomeAssistantError` instead of answering as if it had worked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import voluptuous as vol

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import ServiceCall, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import config_validation as cv, service

from ..const import CONF_KIND, DOMAIN, KIND_QBITTORRENT
from ..coordinator import ArrCoordinator, QbitCoordinator
from ..entries import arr_coordinators, qbit_entries
from ..errors import AUTH_FAILED, NOT_LOADED, REFUSED, UNREACHABLE

# One id or a list of them; the UI's picker (services.yaml) offers this integration's entries.
ENTRY_IDS = {vol.Optional(ATTR_CONFIG_ENTRY_ID): vol.All(cv.ensure_list, [cv.string])}


@dataclass(frozen=True, slots=True)
class Live:
    """A targeted qBittorrent server whose last poll succeeded."""

    coordinator: QbitCoordinator

    @property
    def entry_id(self) -> str:
        """The server's config entry id."""
        return self.coordinator.config_entry.entry_id

    @property
    def title(self) -> str:
        """The server's config entry title."""
        return self.coordinator.config_entry.title


@dataclass(frozen=True, slots=True)
class Down:
    """A targeted qBittorrent server that failed; `error` is an error code (errors.py)."""

    entry_id: str
    title: str
    error: str

    def as_dict(self) -> dict[str, str]:
        """Return the server as a response lists it."""
        return {"title": self.title, "error": self.error}


type QbitTarget = Live | Down


def poll_error(coordinator: QbitCoordinator | ArrCoordinator, unavailable: str) -> str | None:
    """Return the error code of a coordinator's last poll, or None when it succeeded."""
    if coordinator.last_update_success:
        return None
    if isinstance(coordinator.last_exception, ConfigEntryAuthFailed):
        return AUTH_FAILED
    return unavailable


@callback
def _qbit_target(entry: ConfigEntry[QbitCoordinator]) -> QbitTarget:
    if entry.state is not ConfigEntryState.LOADED:
        return Down(entry.entry_id, entry.title, NOT_LOADED)
    coordinator = entry.runtime_data
    if not coordinator.reachable:
        error = poll_error(coordinator, UNREACHABLE) or UNREACHABLE
        return Down(entry.entry_id, entry.title, error)
    return Live(coordinator)


def _entry_ids(call: ServiceCall) -> list[str]:
    return list(dict.fromkeys(call.data.get(ATTR_CONFIG_ENTRY_ID) or ()))


@callback
def qbit_targets(call: ServiceCall) -> list[QbitTarget]:
    """Resolve the qBittorrent servers a call targets, each live or down (with its code)."""
    if entry_ids := _entry_ids(call):
        targets = []
        for entry_id in entry_ids:
            entry = service.async_get_config_entry(call.hass, DOMAIN, entry_id)
            if entry.data.get(CONF_KIND, KIND_QBITTORRENT) != KIND_QBITTORRENT:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="not_a_qbittorrent_entry",
                    translation_placeholders={"title": entry.title},
                )
            targets.append(_qbit_target(entry))
        return targets
    if not (entries := qbit_entries(call.hass)):
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_qbittorrent_entry"
        )
    return [_qbit_target(entry) for entry in entries]


@callback
def arr_targets(call: ServiceCall) -> list[ArrCoordinator]:
    """Resolve the loaded Radarr/Sonarr/Lidarr entries a call targets."""
    if entry_ids := _entry_ids(call):
        arrs = []
        for entry_id in entry_ids:
            entry = service.async_get_config_entry(call.hass, DOMAIN, entry_id)
            if not isinstance(entry.runtime_data, ArrCoordinator):
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="not_an_arr_entry",
                    translation_placeholders={"title": entry.title},
                )
            arrs.append(entry.runtime_data)
        return arrs
    if not (arrs := arr_coordinators(call.hass)):
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_arr_loaded")
    return arrs


def raise_if_all_failed(failed: Sequence[Down], targeted: int) -> None:
    """Raise a translated error when every targeted qBittorrent server failed.

    Some failed and some not: the call returns, and its response names each failure's code.
    """
    if not failed or len(failed) < targeted:
        return
    if len(failed) == 1:
        _raise_one(failed[0])
    raise HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="instances_failed",
        translation_placeholders={
            "failures": ", ".join(f"{down.title} ({down.error})" for down in failed)
        },
    )


# The code of the one server a call targeted -> the message that says what happened to it.
ONE_SERVER_ERRORS: Final = {
    UNREACHABLE: "instance_unreachable",
    AUTH_FAILED: "instance_auth_failed",
    NOT_LOADED: "instance_not_loaded",
    REFUSED: "instance_refused",
}


def _raise_one(down: Down) -> None:
    """Raise the error of the one server a call targeted, worded for its code."""
    raise HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=ONE_SERVER_ERRORS.get(down.error, "instance_refused"),
        translation_placeholders={"title": down.title},
    )
