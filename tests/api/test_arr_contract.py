"""Every request the Arr client makes conforms to the apps' official OpenAPI documents.

The documents live in ../shared/arr-openapi beside the repository; without them these tests
skip. The client talks to the emulator, which records each request as it arrived.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
import pytest_socket

from custom_components.qbitrr.api.arr import APPS, ArrClient
from custom_components.qbitrr.model.arr import ArrApp
from devtools.arr_emulator import ArrEmulator
from devtools.openapi import OpenApiSpec, load_specs, spec_folder

pytestmark = pytest.mark.skipif(spec_folder() is None, reason="../shared/arr-openapi is absent")

# The response fields the client reads, per request (path relative to the API base).
READS = {
    "/system/status": {"appName", "version", "instanceName"},
    "/health": {"source", "type", "message", "wikiUrl"},
    "/diskspace": {"path", "label", "freeSpace", "totalSpace"},
    "/downloadclient": {"name", "implementation", "enable", "fields"},
}
QUEUE_RECORD_READS = {
    "id",
    "downloadId",
    "title",
    "status",
    "trackedDownloadStatus",
    "trackedDownloadState",
    "protocol",
    "downloadClient",
    "errorMessage",
}


@pytest.fixture(scope="module")
def specs() -> dict[str, OpenApiSpec]:
    """The three OpenAPI documents."""
    return load_specs()


@pytest.fixture(params=list(ArrApp), ids=str)
def emulator(request: pytest.FixtureRequest) -> Iterator[ArrEmulator]:
    """An emulator of each app with a queue longer than one page."""
    pytest_socket.enable_socket()
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    with ArrEmulator(request.param, api_key="contract-key") as arr:
        for index in range(260):
            arr.add_queue_item(f"{index:040X}", title=f"Item {index}", media_id=index + 1)
        yield arr


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session, as Home Assistant's shared one would be."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


async def test_every_request_conforms(
    emulator: ArrEmulator, session: aiohttp.ClientSession, specs: dict[str, OpenApiSpec]
) -> None:
    spec = specs[emulator.app]
    client = ArrClient(session, emulator.url, emulator.api_key)
    status = await client.detect()
    assert status.app is ArrApp(emulator.app)
    await client.status()
    await client.health()
    await client.disk_space()
    clients = await client.download_clients()
    queue = await client.queue()
    assert len(queue) == 260
    await client.remove_from_queue(
        queue[0].id, remove_from_client=True, blocklist=True, skip_redownload=True
    )
    await client.search([1, 2])

    accepted = [r for r in emulator.requests if r.status < 400]
    # Detection probes /api/v3 first, so Lidarr's first answer is a 404 by design.
    assert {r.path.removeprefix(emulator.base_path) for r in accepted} >= {
        "/system/status",
        "/health",
        "/diskspace",
        "/downloadclient",
        "/queue",
        f"/queue/{queue[0].id}",
        "/command",
    }
    for recorded in accepted:
        assert spec.check_request(recorded.method, recorded.path, recorded.query) == [], recorded
    assert len([r for r in accepted if r.path.endswith("/queue")]) == 2

    base = APPS[ArrApp(emulator.app)].api_base
    for path, fields in READS.items():
        assert fields <= spec.response_fields("get", base + path), path
    assert {"name", "value"} <= spec.response_fields("get", base + "/downloadclient", at="fields")
    traits = APPS[ArrApp(emulator.app)]
    record_fields = spec.response_fields("get", base + "/queue")
    assert record_fields >= QUEUE_RECORD_READS
    # Sonarr's queue records carry episodeId, Radarr's movieId, Lidarr's albumId.
    assert traits.media_id_field in record_fields
    assert {"records", "totalRecords"} <= spec.response_fields(
        "get", base + "/queue", unwrap_paging=False
    )
    assert "name" in spec.request_body_fields("post", base + "/command")
    assert any(c.category for c in clients)


async def test_category_field_names_are_the_apps(
    emulator: ArrEmulator, session: aiohttp.ClientSession
) -> None:
    client = ArrClient(session, emulator.url, emulator.api_key)
    await client.detect()
    clients = await client.download_clients()
    qbit = next(c for c in clients if c.implementation == "QBittorrent")
    assert qbit.category
    assert qbit.host
