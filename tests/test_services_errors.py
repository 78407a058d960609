"""Services fail honestly: a down server raises a translated error, a partial failure reports codes.

Real qBittorrent 4.5 and 5.x servers are stopped for real; the Arr is the emulator with every
request faulted. `quality_scale.yaml` claims `action-exceptions: done` on the strength of
`test_every_service_fails_when_its_server_is_down`.
"""

from __future__ import annotations

from itertools import takewhile
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.errors import ERROR_CODES
from devtools.arr_emulator import ArrEmulator
from devtools.qbittorrent_server import QbittorrentServer, add_magnets
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .conftest import add_arr_entry, add_qbt_entry, async_wait_for, setup_integration

type Pair = tuple[QbittorrentServer, QbittorrentServer]

# Every service that acts on, or reads, the qBittorrent servers, with data choosing torrents.
QBIT_SERVICES: list[tuple[str, dict[str, Any]]] = [
    ("sync_categories", {}),
    ("get_distribution", {}),
    ("get_torrents", {"categories": ["radarr"]}),
    ("add_tags", {"category": "radarr", "tags": ["kept"]}),
    ("remove_tags", {"category": "radarr", "tags": ["kept"]}),
    ("pause_torrents", {"category": "radarr"}),
    ("resume_torrents", {"category": "radarr"}),
    ("recheck_torrents", {"category": "radarr"}),
]
PAUSED = {"pausedDL", "stoppedDL"}  # 4.x and 5.x spellings


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


async def _failure(
    hass: HomeAssistant, strings: dict[str, Any], service: str, data: dict[str, Any]
) -> HomeAssistantError:
    """Call a service that must fail (not refuse); its message is strings.json's English text."""
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, service, data)
    error = err.value
    assert not isinstance(error, ServiceValidationError), "a failure, not misuse"
    assert error.translation_domain == DOMAIN
    assert error.translation_key is not None
    template: str = strings["exceptions"][error.translation_key]["message"]
    # Home Assistant renders the translation (its trailing period dropped).
    assert str(error) == template.rstrip(".").format(**(error.translation_placeholders or {}))
    return error


def _torrents(server: QbittorrentServer) -> dict[str, dict[str, Any]]:
    return {str(t["hash"]): dict(t) for t in server.client().torrents_info()}


async def _refresh(hass: HomeAssistant, *entries: MockConfigEntry) -> None:
    for entry in entries:
        await entry.runtime_data.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_every_service_fails_when_its_server_is_down(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr: ArrEmulator, strings: dict[str, Any]
) -> None:
    (torrent_hash,) = add_magnets(qbt.client(), 1, category="radarr")
    entry = add_qbt_entry(hass, qbt)
    arr = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    unreachable = {"title": entry.title}

    # Stopped after the last poll: the request itself fails, and the action says so.
    qbt.stop()
    error = await _failure(hass, strings, "pause_torrents", {"hashes": [torrent_hash]})
    assert error.translation_key == "instance_unreachable"
    assert error.translation_placeholders == unreachable

    # Once a poll has failed, every service knows before asking: all, or the one named.
    await _refresh(hass, entry)
    assert not entry.runtime_data.last_update_success
    for service, data in QBIT_SERVICES:
        for chosen in ({}, {"config_entry_id": entry.entry_id}):
            error = await _failure(hass, strings, service, {**data, **chosen})
            assert (service, error.translation_key) == (service, "instance_unreachable")
            assert error.translation_placeholders == unreachable

    # handle_torrents fails when its Arr's queue cannot be read.
    radarr.inject_fault(r".", "500")
    await _refresh(hass, arr)
    error = await _failure(hass, strings, "handle_torrents", {"dry_run": True})
    assert error.translation_key == "arr_unavailable"
    assert error.translation_placeholders == {"title": arr.title}

    # get_status is the report that shows what is down: it answers, with the codes.
    status = await _call(hass, "get_status", {})
    assert status["instances"][entry.entry_id]["reachable"] is False
    assert status["instances"][entry.entry_id]["error"] == "unreachable"
    assert status["arrs"][arr.entry_id]["error"] == "arr_unavailable"


async def test_partial_failure_reports_codes_and_acts_on_the_rest(
    hass: HomeAssistant,
    both_qbt: Pair,
    radarr: ArrEmulator,
    sonarr: ArrEmulator,
    strings: dict[str, Any],
) -> None:
    qbt4, qbt5 = both_qbt
    (on4,) = add_magnets(qbt4.client(), 1, category="radarr")
    add_magnets(qbt5.client(), 1, category="radarr")
    e4, e5 = add_qbt_entry(hass, qbt4), add_qbt_entry(hass, qbt5)
    radarr_entry = add_arr_entry(hass, radarr)
    sonarr_entry = add_arr_entry(hass, sonarr)
    await setup_integration(hass)
    qbt5.stop()
    await _refresh(hass, e5)
    down = {"title": e5.title, "error": "unreachable"}

    paused = await _call(hass, "pause_torrents", {"category": "radarr"})
    assert paused["instances"] == {
        e4.entry_id: {"title": e4.title, "hashes": [on4], "error": None},
        e5.entry_id: {"title": e5.title, "hashes": [], "error": "unreachable"},
    }
    await async_wait_for(hass, lambda: _torrents(qbt4)[on4]["state"] in PAUSED, "paused on 4.x")
    tagged = await _call(
        hass,
        "add_tags",
        {"category": "radarr", "tags": ["kept"], "config_entry_id": [e4.entry_id, e5.entry_id]},
    )
    assert tagged["instances"][e5.entry_id]["error"] == "unreachable"
    assert _torrents(qbt4)[on4]["tags"] == "kept"

    listed = await _call(hass, "get_torrents", {})
    assert [t["hash"] for t in listed["torrents"]] == [on4]
    assert listed["instances"] == {e4.entry_id: e4.title}
    assert listed["unreachable_instances"] == {e5.entry_id: down}
    distribution = await _call(hass, "get_distribution", {"categories": ["radarr"]})
    assert distribution["distribution"] == {"radarr": {e4.entry_id: 1}}
    assert distribution["unreachable_instances"] == {e5.entry_id: down}
    synced = await _call(hass, "sync_categories", {})
    assert synced["instances"][e4.entry_id]["error"] is None
    assert synced["instances"][e5.entry_id]["error"] == "unreachable"
    assert synced["instances"][e5.entry_id]["failed"] == {
        "radarr": "unreachable",
        "sonarr": "unreachable",
    }

    # Naming only the stopped server is a failure, not a partial one.
    error = await _failure(
        hass, strings, "resume_torrents", {"category": "radarr", "config_entry_id": e5.entry_id}
    )
    assert error.translation_key == "instance_unreachable"
    assert _torrents(qbt4)[on4]["state"] in PAUSED

    # One Arr of two cannot be read: the run goes on for the other and says which was skipped.
    sonarr.inject_fault(r".", "500")
    await _refresh(hass, sonarr_entry)
    handled = await _call(hass, "handle_torrents", {"dry_run": True})
    assert handled["skipped_arrs"] == {
        sonarr_entry.entry_id: {"title": sonarr_entry.title, "error": "arr_unavailable"}
    }
    radarr.inject_fault(r".", "500")
    await _refresh(hass, radarr_entry)
    error = await _failure(hass, strings, "handle_torrents", {"dry_run": True})
    assert error.translation_key == "arrs_unavailable"

    # Every server down: the action fails and names each one with its code.
    qbt4.stop()
    await _refresh(hass, e4)
    error = await _failure(hass, strings, "pause_torrents", {"category": "radarr"})
    assert error.translation_key == "instances_failed"
    assert error.translation_placeholders == {
        "failures": f"{e4.title} (unreachable), {e5.title} (unreachable)"
    }


async def test_a_server_that_is_not_set_up_counts_as_failed(
    hass: HomeAssistant, qbt: QbittorrentServer, strings: dict[str, Any]
) -> None:
    (torrent_hash,) = add_magnets(qbt.client(), 1, category="radarr")
    entry = add_qbt_entry(hass, qbt)
    broken = MockConfigEntry(
        domain=DOMAIN, data={"url": "http://127.0.0.1:1"}, title="Broken", entry_id="brokenentry"
    )
    broken.add_to_hass(hass)
    await setup_integration(hass)

    paused = await _call(hass, "pause_torrents", {"category": "radarr"})
    assert paused["instances"][broken.entry_id] == {
        "title": "Broken",
        "hashes": [],
        "error": "not_loaded",
    }
    assert paused["instances"][entry.entry_id]["hashes"] == [torrent_hash]

    assert await hass.config_entries.async_unload(entry.entry_id)
    error = await _failure(hass, strings, "get_torrents", {})
    assert error.translation_key == "instances_failed"
    assert error.translation_placeholders == {
        "failures": f"Broken (not_loaded), {entry.title} (not_loaded)"
    }


@pytest.mark.parametrize(
    "service", ["pause_torrents", "resume_torrents", "add_tags", "remove_tags"]
)
async def test_a_comma_in_the_tag_filter_is_refused(
    hass: HomeAssistant, qbt: QbittorrentServer, service: str, strings: dict[str, Any]
) -> None:
    # Regression: `tag: "a,b"` matched nothing and returned an empty success.
    add_magnets(qbt.client(), 1, category="radarr", tags=["a", "b"])
    add_qbt_entry(hass, qbt)
    await setup_integration(hass)
    before = _torrents(qbt)
    data: dict[str, Any] = {"tag": "a,b"}
    if service.endswith("_tags"):
        data["tags"] = ["x"]
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, service, data)
    assert err.value.translation_key == "invalid_tag"
    assert err.value.translation_placeholders == {"tag": "a,b"}
    assert str(err.value) == strings["exceptions"]["invalid_tag"]["message"].rstrip(".").format(
        tag="a,b"
    )
    after = _torrents(qbt)
    assert {h: (t["tags"], t["state"]) for h, t in after.items()} == {
        h: (t["tags"], t["state"]) for h, t in before.items()
    }


async def test_case_only_conflicts_are_reported_not_created(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr: ArrEmulator
) -> None:
    qbt.client().torrents_create_category(name="Radarr")
    entry = add_qbt_entry(hass, qbt)
    add_arr_entry(hass, radarr)
    await setup_integration(hass)
    synced = await _call(hass, "sync_categories", {"config_entry_id": entry.entry_id})
    assert synced["instances"][entry.entry_id] == {
        "title": entry.title,
        "error": None,
        "created": [],
        "present": [],
        "failed": {},
        "case_conflicts": {"radarr": ["Radarr"]},
    }
    assert "radarr" not in qbt.client().torrents_categories()


async def test_no_qbittorrent_server_at_all_is_refused(
    hass: HomeAssistant, strings: dict[str, Any]
) -> None:
    await setup_integration(hass)
    for service, data in QBIT_SERVICES:
        with pytest.raises(ServiceValidationError) as err:
            await _call(hass, service, data)
        assert err.value.translation_key == "no_qbittorrent_entry"
        assert str(err.value) == strings["exceptions"]["no_qbittorrent_entry"]["message"].rstrip(
            "."
        )


def test_the_readme_lists_every_error_code() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Error codes", 1)[1].splitlines()
    start = next(i for i, line in enumerate(section) if line.startswith("|"))
    table = list(takewhile(lambda line: line.startswith("|"), section[start:]))
    assert [row.split("|")[1].strip(" `") for row in table[2:]] == list(ERROR_CODES)
