"""Server-state values are typed once, where a reply enters the model: hostile values included."""

from __future__ import annotations

import math

import pytest

from custom_components.qbitrr.model.server import ServerState, SpeedLimit, speed_limits


def test_the_new_figures_are_typed() -> None:
    state = ServerState().merged(
        {
            "alltime_dl": 1_000,
            "alltime_ul": "2000",
            "global_ratio": "1.25",
            "dht_nodes": 7,
            "dl_rate_limit": 1024,
            "up_rate_limit": 0,
            "use_alt_speed_limits": True,
            "connection_status": "firewalled",
            "last_external_address_v4": "203.0.113.5",
            "last_external_address_v6": "2001:db8::1",
        }
    )
    assert state.alltime_dl == 1_000
    assert state.alltime_ul == 2_000
    assert state.global_ratio == 1.25
    assert type(state.global_ratio) is float
    assert state.dht_nodes == 7
    assert (state.dl_rate_limit, state.up_rate_limit) == (1024, 0)
    assert state.use_alt_speed_limits is True
    assert state.connection_status == "firewalled"
    assert state.last_external_address_v4 == "203.0.113.5"
    assert state.last_external_address_v6 == "2001:db8::1"
    assert state.reports_external_addresses
    # A partial reply changes only what it names.
    later = state.merged({"use_alt_speed_limits": False, "global_ratio": "0"})
    assert later.use_alt_speed_limits is False
    assert later.global_ratio == 0.0
    assert later.alltime_dl == 1_000


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("global_ratio", "fast"),
        ("global_ratio", "nan"),
        ("global_ratio", math.inf),
        ("global_ratio", "-1"),
        ("global_ratio", True),
        ("global_ratio", None),
        ("alltime_dl", "lots"),
        ("alltime_dl", math.nan),
        ("alltime_ul", [1]),
        ("dht_nodes", False),
        ("use_alt_speed_limits", "true"),
        ("use_alt_speed_limits", 1),
        ("connection_status", "online"),
        ("connection_status", 3),
        ("last_external_address_v4", "2001:db8::1"),
        ("last_external_address_v4", "not an address"),
        ("last_external_address_v4", 12),
        ("last_external_address_v6", "203.0.113.5"),
        ("last_external_address_v6", ""),
    ],
)
def test_hostile_values_become_unknown(field: str, value: object) -> None:
    state = ServerState().merged({field: value})
    assert getattr(state, field) is None


def test_only_a_server_that_sends_the_addresses_reports_them() -> None:
    assert not ServerState().merged({"dl_info_speed": 1}).reports_external_addresses
    # 5.x sends them empty until peers have told it: reported, but unknown.
    state = ServerState().merged({"last_external_address_v4": ""})
    assert state.reports_external_addresses
    assert state.last_external_address_v4 is None
    # Once known, a reply that leaves them out keeps the flag.
    assert state.merged({"dht_nodes": 3}).reports_external_addresses
    # Not a field a server can set.
    assert not ServerState().merged({"reports_external_addresses": True}).reports_external_addresses


def test_diagnostics_leave_the_addresses_out() -> None:
    data = ServerState().merged({"last_external_address_v4": "203.0.113.5"}).as_dict()
    assert "last_external_address_v4" not in data
    assert "last_external_address_v6" not in data
    assert data["reports_external_addresses"] is True


def test_speed_limits_read_from_preferences() -> None:
    limits = speed_limits(
        {
            "dl_limit": 102_400,
            "up_limit": -1,
            "alt_dl_limit": "2048",
            "alt_up_limit": math.nan,
            "other": 5,
        }
    )
    assert limits == {
        SpeedLimit.DOWNLOAD: 102_400,
        SpeedLimit.UPLOAD: 0,  # negative: no limit, as 0
        SpeedLimit.ALT_DOWNLOAD: 2048,
    }
    assert speed_limits({}) == {}
