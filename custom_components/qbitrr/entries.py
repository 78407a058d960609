"""Lookups over qbitrr's config entries: which servers are configured, loaded, reachable."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .const import CONF_CATEGORY, CONF_KIND, DOMAIN, KIND_ARR, KIND_QBITTORRENT
from .coordinator import ArrCoordinator, QbitCoordinator


@callback
def qbit_entries(hass: HomeAssistant) -> list[ConfigEntry[QbitCoordinator]]:
    """Return every enabled qBittorrent entry, loaded or not, by entry id."""
    return sorted(
        (
            entry
            for entry in hass.config_entries.async_entries(DOMAIN, include_disabled=False)
            if entry.data.get(CONF_KIND, KIND_QBITTORRENT) == KIND_QBITTORRENT
        ),
        key=lambda entry: entry.entry_id,
    )


@callback
def qbit_coordinators(hass: HomeAssistant) -> list[QbitCoordinator]:
    """Return the coordinators of every loaded qBittorrent entry, by entry id."""
    return sorted(
        (
            entry.runtime_data
            for entry in hass.config_entries.async_loaded_entries(DOMAIN)
            if entry.data.get(CONF_KIND, KIND_QBITTORRENT) == KIND_QBITTORRENT
        ),
        key=lambda coordinator: coordinator.config_entry.entry_id,
    )


@callback
def reachable_instances(hass: HomeAssistant) -> list[QbitCoordinator]:
    """Return the loaded qBittorrent instances whose last poll succeeded, by entry id."""
    return [coordinator for coordinator in qbit_coordinators(hass) if coordinator.reachable]


@callback
def arr_coordinators(hass: HomeAssistant) -> list[ArrCoordinator]:
    """Return the coordinators of every loaded Arr entry, by entry id."""
    return sorted(
        (
            entry.runtime_data
            for entry in hass.config_entries.async_loaded_entries(DOMAIN)
            if entry.data.get(CONF_KIND) == KIND_ARR
        ),
        key=lambda coordinator: coordinator.config_entry.entry_id,
    )


@callback
def arr_entries(hass: HomeAssistant) -> list[ConfigEntry[ArrCoordinator]]:
    """Return every enabled Arr entry, loaded or not, by entry id."""
    return sorted(
        (
            entry
            for entry in hass.config_entries.async_entries(DOMAIN, include_disabled=False)
            if entry.data.get(CONF_KIND) == KIND_ARR and entry.data.get(CONF_CATEGORY)
        ),
        key=lambda entry: entry.entry_id,
    )


@callback
def managed_categories(hass: HomeAssistant) -> frozenset[str]:
    """Return the categories of every enabled Arr entry: they belong on every instance."""
    return frozenset(entry.data[CONF_CATEGORY] for entry in arr_entries(hass))
