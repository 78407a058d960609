"""The free-space guard's rule on literal data: what it stops, what it resumes, and when."""

from __future__ import annotations

import pytest

from custom_components.qbitrr.model.torrent import Torrent
from custom_components.qbitrr.policy.space import (
    TAG_SPACE_PAUSED,
    SpaceDecision,
    SpaceOrder,
    SpaceSettings,
    decide_space,
    guard_active,
)
from custom_components.qbitrr.policy.space_options import (
    GIB,
    OPT_FREE_SPACE_MARGIN,
    OPT_MIN_FREE_SPACE,
    OPT_SPACE_GUARD_ENABLED,
    OPT_SPACE_ORDER,
    minimum_free_space,
    space_margin,
    space_settings_from_options,
    with_space_defaults,
)

MIB = 1024**2
SETTINGS = SpaceSettings(minimum=100 * MIB, margin=10 * MIB)
TAG = TAG_SPACE_PAUSED


def _dl(added_on: int, left: int, state: str = "stalledDL", tags: str = "", **kw: int) -> Torrent:
    return Torrent(state=state, added_on=added_on, amount_left=left, size=left, tags=tags, **kw)


# Both spellings: 4.x pauses (pausedDL), 5.x stops (stoppedDL).
@pytest.fixture(params=["pausedDL", "stoppedDL"], ids=["4.x", "5.x"])
def stopped(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_below_the_minimum_every_download_stops_newest_first() -> None:
    torrents = {
        "old": _dl(100, 5 * MIB),
        "new": _dl(300, 5 * MIB, state="downloading"),
        "mid": _dl(200, 5 * MIB, state="metaDL"),
        "queued": _dl(150, 5 * MIB, state="queuedDL"),
        "forced": _dl(250, 5 * MIB, state="forcedDL"),
        "seeding": Torrent(state="stalledUP", added_on=400),
        "uploading": Torrent(state="uploading", added_on=500),
        "checking": _dl(50, 5 * MIB, state="checkingDL"),
        "errored": _dl(60, 5 * MIB, state="error"),
    }
    decision = decide_space(torrents, 50 * MIB, SETTINGS, was_active=False)
    assert decision.active
    assert decision.started
    assert not decision.ended
    assert decision.stop == ("new", "forced", "mid", "queued", "old")
    assert decision.resume == decision.release == ()
    assert decision.acts


def test_user_stopped_and_seeding_torrents_are_never_touched(stopped: str) -> None:
    torrents = {
        "user": _dl(100, MIB, state=stopped),  # stopped by someone else: no tag
        "seed": Torrent(state="stalledUP", added_on=100),
        "done": Torrent(state=stopped.replace("DL", "UP"), added_on=100),
    }
    low = decide_space(torrents, 0, SETTINGS, was_active=False)
    assert low.active
    assert low.stop == ()
    assert not low.acts  # starting is an event, not an action
    high = decide_space(torrents, 10 * GIB, SETTINGS, was_active=True)
    assert high.ended
    assert high.resume == high.release == ()
    assert high.held == 0


def test_queue_position_order_stops_the_bottom_of_the_queue_first() -> None:
    settings = SpaceSettings(minimum=100 * MIB, margin=0, order=SpaceOrder.QUEUE_POSITION)
    torrents = {
        "top": _dl(300, MIB, queue_position=1),
        "second": _dl(100, MIB, queue_position=2),
        "unqueued-old": _dl(50, MIB, queue_position=0),
        "unqueued-new": _dl(60, MIB, queue_position=-1),
    }
    decision = decide_space(torrents, 0, settings, was_active=False)
    assert decision.stop == ("unqueued-new", "unqueued-old", "second", "top")


def test_hysteresis_the_guard_ends_only_above_minimum_plus_margin() -> None:
    minimum, margin = SETTINGS.minimum, SETTINGS.margin
    assert guard_active(minimum - 1, SETTINGS, was_active=False)
    assert not guard_active(minimum, SETTINGS, was_active=False)
    assert guard_active(minimum, SETTINGS, was_active=True)
    assert guard_active(minimum + margin - 1, SETTINGS, was_active=True)
    assert not guard_active(minimum + margin, SETTINGS, was_active=True)


def test_nothing_resumes_while_the_guard_holds(stopped: str) -> None:
    torrents = {"held": _dl(100, MIB, state=stopped, tags=TAG)}
    in_band = SETTINGS.minimum + SETTINGS.margin // 2
    decision = decide_space(torrents, in_band, SETTINGS, was_active=True)
    assert decision.active
    assert not decision.started
    assert decision.resume == ()
    assert decision.held == 1


def test_resume_oldest_first_only_as_many_as_fit(stopped: str) -> None:
    torrents = {
        "a-oldest": _dl(100, 64 * 1024, state=stopped, tags=TAG),
        "b": _dl(200, MIB, state=stopped, tags=f"hd, {TAG}"),
        "c": _dl(300, 64 * 1024, state=stopped, tags=TAG),
        "d-newest": _dl(400, 64 * 1024, state=stopped, tags=TAG),
        "user": _dl(50, 1, state=stopped),
    }
    # 150 KiB above the minimum: a, then b does not fit (waits), c fits, d no longer does.
    free = SETTINGS.minimum + 150 * 1024
    decision = decide_space(torrents, free, SpaceSettings(SETTINGS.minimum), was_active=True)
    assert decision.ended
    assert decision.resume == ("a-oldest", "c")
    assert decision.held == 4
    # Exactly fitting counts as fitting.
    exact = decide_space(torrents, SETTINGS.minimum + 3 * 64 * 1024, SETTINGS, was_active=False)
    assert exact.resume == ("a-oldest", "c", "d-newest")


def test_running_downloads_count_against_the_space_to_resume_into(stopped: str) -> None:
    torrents = {
        "running": _dl(10, 150 * 1024),  # will still write 150 KiB
        "checking": _dl(20, 20 * 1024, state="checkingDL"),
        "seeding": Torrent(state="uploading"),
        "errored": _dl(30, 10 * MIB, state="missingFiles"),  # writes nothing
        "held": _dl(100, 64 * 1024, state=stopped, tags=TAG),
    }
    free = SETTINGS.minimum + 200 * 1024
    assert decide_space(torrents, free, SETTINGS, was_active=False).resume == ()
    free += 40 * 1024
    assert decide_space(torrents, free, SETTINGS, was_active=False).resume == ("held",)


def test_resumed_keeps_its_tag_until_seen_running(stopped: str) -> None:
    held = {"x": _dl(100, MIB, state=stopped, tags=TAG)}
    free = SETTINGS.minimum + 10 * MIB
    first = decide_space(held, free, SETTINGS, was_active=False)
    assert first.resume == ("x",)
    assert first.release == ()
    # qBittorrent reports the start a second late: the same decision again, nothing lost.
    assert decide_space(held, free, SETTINGS, was_active=False) == first
    running = {"x": _dl(100, MIB, tags=TAG)}
    settled = decide_space(running, free, SETTINGS, was_active=False)
    assert settled.resume == ()
    assert settled.release == ("x",)
    assert settled.held == 0


def test_a_tagged_download_running_while_the_guard_holds_is_stopped_again() -> None:
    # The stop not reported yet, or someone started it while the disk is short.
    torrents = {"x": _dl(100, MIB, tags=TAG), "y": _dl(200, MIB)}
    decision = decide_space(torrents, 0, SETTINGS, was_active=True)
    assert decision.stop == ("y", "x")
    assert decision.release == ()
    assert not decision.started


def test_tagged_torrents_no_longer_stopped_lose_the_tag() -> None:
    torrents = {
        "seeding": Torrent(state="stalledUP", tags=TAG),
        "errored": Torrent(state="error", tags=TAG),
        "checking": _dl(100, 0, state="checkingDL", tags=TAG),
    }
    decision = decide_space(torrents, 10 * GIB, SETTINGS, was_active=False)
    assert decision.release == ("checking", "errored", "seeding")


def test_unknown_state_comes_from_the_tags(stopped: str) -> None:
    in_band = SETTINGS.minimum + 1
    held = {"x": _dl(100, 10 * GIB, state=stopped, tags=TAG)}
    assert decide_space(held, in_band, SETTINGS).active  # it was holding: it still is
    assert not decide_space(held, in_band, SETTINGS).started
    assert not decide_space({"x": _dl(100, MIB)}, in_band, SETTINGS).active
    started = decide_space({"x": _dl(100, MIB)}, 0, SETTINGS)
    assert started.started


def test_a_minimum_of_zero_is_off() -> None:
    decision = decide_space({"x": _dl(1, MIB)}, 0, SpaceSettings(minimum=0))
    assert decision == SpaceDecision(active=False)
    assert not decision.acts


def test_options_make_settings_in_bytes() -> None:
    assert space_settings_from_options({}) is None  # off by default
    assert with_space_defaults({"other": 1})[OPT_SPACE_GUARD_ENABLED] is True
    options = {
        OPT_MIN_FREE_SPACE: 20.5,
        OPT_FREE_SPACE_MARGIN: 2,
        OPT_SPACE_ORDER: "queue_position",
    }
    assert space_settings_from_options(options) == SpaceSettings(
        minimum=int(20.5 * GIB), margin=2 * GIB, order=SpaceOrder.QUEUE_POSITION
    )
    switched_off = {**options, OPT_SPACE_GUARD_ENABLED: False}
    assert space_settings_from_options(switched_off) is None
    assert minimum_free_space(switched_off) == int(20.5 * GIB)
    assert space_margin({OPT_FREE_SPACE_MARGIN: -3}) == 0
