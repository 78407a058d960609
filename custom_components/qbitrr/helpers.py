"""Small lookups over the integration's config entries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback

from .const import CONF_CATEGORY, CONF_KIND, DOMAIN, KIND_ARR, KIND_QBITTORRENT

if TYPE_CHECKING:
    from .coordinator import ArrCoordinator, QbitCoordinator


@callback
def managed_categories(hass: HomeAssistant) -> frozenset[str]:
    """Categories of every enabled Arr entry, loaded or not: they belong on every instance."""
    return frozenset(
        entry.data[CONF_CATEGORY]
        for entry in hass.config_entries.async_entries(DOMAIN, include_disabled=False)
        if entry.data.get(CONF_KIND) == KIND_ARR and entry.data.get(CONF_CATEGORY)
    )


@callback
def loaded_qbit_coordinators(hass: HomeAssistant) -> list[QbitCoordinator]:
    """Coordinators of every loaded qBittorrent entry, by entry id."""
    return sorted(
        (
            entry.runtime_data
            for entry in hass.config_entries.async_loaded_entries(DOMAIN)
            if entry.data.get(CONF_KIND, KIND_QBITTORRENT) == KIND_QBITTORRENT
        ),
        key=lambda coordinator: coordinator.config_entry.entry_id,
    )


@callback
def loaded_arr_coordinators(hass: HomeAssistant) -> list[ArrCoordinator]:
    """Coordinators of every loaded Arr entry, by entry id."""
    return sorted(
        (
            entry.runtime_data
            for entry in hass.config_entries.async_loaded_entries(DOMAIN)
            if entry.data.get(CONF_KIND) == KIND_ARR
        ),
        key=lambda coordinator: coordinator.config_entry.entry_id,
    )
