"""The file rule on literal data: which files are bad, what is skipped, what is removed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from custom_components.qbitrr.model.arr import ArrApp
from custom_components.qbitrr.model.files import TorrentFile, file_rows
from custom_components.qbitrr.policy.files import (
    DANGEROUS_EXTENSIONS,
    FileMode,
    FileRule,
    FileVerdict,
    extension,
    is_sample,
    judge_files,
    shown,
    with_bad_files,
)
from custom_components.qbitrr.policy.files_options import (
    OPT_ALLOWED_EXTENSIONS,
    OPT_FILE_MODE,
    OPT_SAMPLE_SIZE,
    excluded_patterns,
    file_defaults,
    file_rule,
    invalid_extension,
    parse_extensions,
)
from custom_components.qbitrr.policy.model import (
    Action,
    ActionKind,
    Guard,
    Plan,
    PolicyInput,
    PrivateMode,
    QueueEntry,
    Rule,
    Settings,
    TorrentInfo,
    UnknownTorrentAction,
    has_key,
)

NOW = 1_800_000_000
A, B = "instance-a", "instance-b"
H1, H2, H3 = "1" * 40, "2" * 40, "3" * 40
RADARR = "radarr-entry"
MB = 1_000_000
BLOCK = FileRule()
ALLOW = FileRule(FileMode.ALLOWLIST, frozenset({".mkv", ".srt"}), 100 * MB)
EXE_ONLY = FileVerdict((0,), ("Movie/setup.exe",), all_bad=True)
SOME_BAD = FileVerdict((1,), ("Movie/codec.exe",), all_bad=False)


def row(name: str, size: int = 700 * MB, priority: int = 1, file_id: int = 0) -> TorrentFile:
    return TorrentFile(file_id, name, size, priority)


def torrent(**overrides: Any) -> TorrentInfo:
    base: dict[str, Any] = {
        "instance": A,
        "hash": H1,
        "name": "Some.Movie.2024",
        "category": "radarr",
        "state": "stalledDL",
        "progress": 0.0,
        "dlspeed": 0,
        "eta": 8640000,
        "added_on": NOW - 600,
        "last_activity": 0,
    }
    return TorrentInfo(**(base | overrides))


def plan_for(
    torrents: list[TorrentInfo],
    verdicts: dict[tuple[str, str], FileVerdict],
    *,
    settings: Settings | None = None,
    queue: Mapping[str, tuple[QueueEntry, ...]] | None = None,
    actions: tuple[Action, ...] = (),
) -> tuple[Plan, tuple[Any, ...]]:
    data = PolicyInput(
        now=NOW,
        torrents=tuple(torrents),
        reachable_instances=frozenset({A, B}),
        arrs={RADARR: ("radarr", settings or Settings())},
        queues={H1: (QueueEntry(RADARR, 7, (42,), A),)} if queue is None else queue,
        history={},
    )
    files = with_bad_files([(data, Plan(actions, ()))], verdicts)
    ((_, plan),) = files.arrs
    return plan, files.steps


def test_the_blocklist_finds_dangerous_files_among_wanted_ones() -> None:
    files = [
        row("Movie/movie.mkv", file_id=0),
        row("Movie/setup.EXE", 2 * MB, file_id=1),
        row("Movie/readme.js", 1000, priority=0, file_id=2),  # not wanted: not counted
        row("Movie/movie.mkv.lnk", 1000, file_id=3),
    ]
    verdict = judge_files(files, BLOCK)
    assert verdict == FileVerdict((1, 3), ("Movie/setup.EXE", "Movie/movie.mkv.lnk"), all_bad=False)
    assert judge_files([row("Movie/setup.exe")], BLOCK) == FileVerdict(
        (0,), ("Movie/setup.exe",), all_bad=True
    )
    assert judge_files([row("Movie/movie.mkv"), row("Movie/movie.nfo", 10)], BLOCK) is None
    assert judge_files([row("x.exe", priority=0)], BLOCK) is None  # nothing wanted
    assert judge_files([row("x.exe")], FileRule(FileMode.OFF)) is None


def test_the_allowlist_and_samples() -> None:
    files = [
        row("Movie/movie.mkv", file_id=0),
        row("Movie/movie.en.srt", 50_000, file_id=1),
        row("Movie/movie.nfo", 100, file_id=2),
        row("Movie/Sample/movie.mkv", 40 * MB, file_id=3),
        row("Movie/movie-trailer.mkv", 80 * MB, file_id=4),
        row("Movie/other-trailer.mkv", 200 * MB, file_id=5),  # above the size: kept
        row("Movie/no_extension", 10, file_id=6),
    ]
    verdict = judge_files(files, ALLOW)
    assert verdict is not None
    assert verdict.indices == (2, 3, 4, 6)
    assert not verdict.all_bad
    # Samples count in a blocklist too; a sample size of 0 looks for none.
    assert judge_files([row("a/sample.mkv", MB)], FileRule(sample_size=10 * MB)) is not None
    assert judge_files([row("a/sample.mkv", MB)], BLOCK) is None


@pytest.mark.parametrize(
    ("name", "sample"),
    [
        ("Movie/Sample/movie.mkv", True),
        ("Movie/SAMPLES/a.mkv", True),
        ("Movie/movie-sample.mkv", True),
        ("movie.sample.mkv", True),
        ("sample.mkv", True),
        ("Movie/Trailers/t.mkv", True),
        ("Trailer.Park.Boys.S01E01.mkv", False),
        ("Movie/sampled.mkv", False),
        ("05 - Sample in a Jar.flac", False),
    ],
)
def test_samples_by_name(name: str, sample: bool) -> None:
    assert is_sample(name) is sample


def test_extensions_and_names() -> None:
    assert extension("a/b/Movie.MKV") == ".mkv"
    assert extension("a.b/.hidden") == ""
    assert extension("noext") == ""
    assert shown(["a", "b"]) == "a, b"
    assert shown([str(n) for n in range(7)]) == "0, 1, 2, 3, 4 and 2 more"


def test_options_make_the_rule() -> None:
    assert file_rule({}, ArrApp.RADARR) == FileRule(
        FileMode.BLOCKLIST, frozenset(DANGEROUS_EXTENSIONS), 100 * MB
    )
    lidarr = file_rule({OPT_FILE_MODE: "allowlist"}, ArrApp.LIDARR)
    assert ".flac" in lidarr.extensions
    assert ".mkv" not in lidarr.extensions
    assert lidarr.sample_size == 0
    assert ".mkv" in file_rule({OPT_FILE_MODE: "allowlist"}, ArrApp.SONARR).extensions
    # An empty allowlist would make every file bad: the rule is off instead.
    empty = file_rule({OPT_FILE_MODE: "allowlist", OPT_ALLOWED_EXTENSIONS: " "}, ArrApp.RADARR)
    assert empty.mode is FileMode.OFF
    assert file_rule({OPT_FILE_MODE: "bogus"}, ArrApp.RADARR).mode is FileMode.BLOCKLIST
    assert file_rule({OPT_SAMPLE_SIZE: 1.5}, ArrApp.RADARR).sample_size == 1_500_000
    assert parse_extensions("EXE, .scr;bat\n.exe") == (".exe", ".scr", ".bat")
    assert invalid_extension(".exe mkv") is None
    assert invalid_extension(".exe *.bat") == "*.bat"
    assert file_defaults(ArrApp.LIDARR)[OPT_SAMPLE_SIZE] == 0
    assert excluded_patterns()[0] == "*.exe"
    assert len(excluded_patterns()) == len(DANGEROUS_EXTENSIONS)


def test_file_rows_are_typed_once() -> None:
    reply = [
        {"index": 3, "name": "a.exe", "size": "12", "priority": 1},
        {"name": "b.mkv", "size": None, "priority": 0},  # before WebAPI 2.8.2: no index
        "junk",
    ]
    assert file_rows(reply) == (TorrentFile(3, "a.exe", 12, 1), TorrentFile(1, "b.mkv", 0, 0))
    assert file_rows({"not": "a list"}) == ()


def test_some_bad_files_are_skipped_and_an_all_bad_release_removed() -> None:
    torrents = [torrent(), torrent(hash=H2, name="Other")]
    plan, steps = plan_for(torrents, {(A, H1): EXE_ONLY, (A, H2): SOME_BAD})
    (action,) = plan.actions
    assert (action.hash, action.rule, action.kind) == (H1, Rule.BAD_FILES, ActionKind.ARR_REMOVE)
    assert (action.queue_id, action.media_ids) == (7, (42,))
    assert action.reason == "every wanted file is bad: Movie/setup.exe"
    (step,) = steps
    assert (step.hash, step.indices, step.names) == (H2, (1,), ("Movie/codec.exe",))


def test_complete_torrents_are_not_skipped_and_other_categories_not_judged() -> None:
    torrents = [torrent(progress=1.0), torrent(hash=H2, category="sonarr")]
    plan, steps = plan_for(torrents, {(A, H1): SOME_BAD, (A, H2): EXE_ONLY})
    assert plan.actions == ()
    assert steps == ()


def test_guards_keep_bad_releases() -> None:
    protected = torrent(tags=frozenset({"qbitrr-protected"}))
    plan, steps = plan_for([protected], {(A, H1): SOME_BAD})
    assert steps == ()
    assert [s.guard for s in plan.skipped] == [Guard.PROTECTED]
    # The engine acted first: left to it.
    engine = Action(A, H1, "x", "radarr", RADARR, Rule.STALLED, ActionKind.STRIKE, "stalled")
    plan, _ = plan_for([torrent()], {(A, H1): EXE_ONLY}, actions=(engine,))
    assert plan.actions == (engine,)
    # The removal limit defers.
    plan, _ = plan_for([torrent()], {(A, H1): EXE_ONLY}, settings=Settings(max_removals=0))
    assert [(a.kind, a.queue_id) for a in plan.actions] == [(ActionKind.DEFERRED, None)]
    assert plan.actions[0].reason.endswith("removal limit of 0 per run reached")


@pytest.mark.parametrize(
    ("mode", "kind", "guard"),
    [
        (PrivateMode.KEEP_SEEDING, ActionKind.ARR_REMOVE_KEEP, None),
        (PrivateMode.NEVER_TOUCH, None, Guard.PRIVATE),
        (PrivateMode.LIKE_PUBLIC, ActionKind.ARR_REMOVE, None),
    ],
)
def test_a_private_torrent_at_risk_keeps_its_data(
    mode: PrivateMode, kind: ActionKind | None, guard: Guard | None
) -> None:
    at_risk = torrent(at_risk=True, progress=0.5)
    settings = Settings(private_mode=mode)
    plan, _ = plan_for([at_risk], {(A, H1): EXE_ONLY}, settings=settings)
    assert [a.kind for a in plan.actions] == ([kind] if kind else [])
    assert [s.guard for s in plan.skipped] == ([guard] if guard else [])
    # Its partly bad files are skipped unless it is never to be touched.
    _, steps = plan_for([at_risk], {(A, H1): SOME_BAD}, settings=settings)
    assert len(steps) == (0 if mode is PrivateMode.NEVER_TOUCH else 1)


def test_unknown_and_elsewhere() -> None:
    # No Arr lists it: the unknown-torrent action (tag by default); at risk: kept seeding.
    settings = Settings(unknown_action=UnknownTorrentAction.DELETE)
    plan, _ = plan_for([torrent()], {(A, H1): EXE_ONLY}, settings=settings, queue={})
    assert [a.kind for a in plan.actions] == [ActionKind.DELETE]
    plan, _ = plan_for([torrent(at_risk=True)], {(A, H1): EXE_ONLY}, settings=settings, queue={})
    assert [a.kind for a in plan.actions] == [ActionKind.KEEP_SEEDING]
    # The Arr downloads the copy on another server: this one is left alone, silently.
    elsewhere = {H1: (QueueEntry(RADARR, 7, (42,), B),)}
    plan, _ = plan_for([torrent()], {(A, H1): EXE_ONLY}, queue=elsewhere)
    assert plan.actions == ()
    assert plan.skipped == ()
    # Its client matches no server, and a copy is on two: ambiguous.
    unmapped = {H1: (QueueEntry(RADARR, 7, (42,), None),)}
    two = [torrent(), torrent(instance=B)]
    plan, _ = plan_for(two, {(A, H1): EXE_ONLY}, queue=unmapped)
    assert [s.guard for s in plan.skipped] == [Guard.AMBIGUOUS_ARR]


def test_no_verdicts_keep_the_plans() -> None:
    data = PolicyInput(NOW, (), frozenset({A}), {RADARR: ("radarr", Settings())}, {}, {})
    plan = Plan((), ())
    files = with_bad_files([(data, plan)], {})
    assert files.arrs == [(data, plan)]
    assert files.steps == ()


def test_an_action_is_found_by_its_key_among_many() -> None:
    """The rules after the engine's find its actions by (instance, hash) in the plan's order."""
    actions = tuple(
        Action(instance, torrent_hash, "n", "radarr", RADARR, Rule.STALLED, ActionKind.STRIKE, "r")
        for instance in (A, B)
        for torrent_hash in (H1, H2)
    )
    assert all(has_key(actions, (a.instance, a.hash)) for a in actions)
    assert not has_key(actions, (A, "0" * 40))
    assert not has_key(actions, (B, "9" * 40))
    assert not has_key((), (A, H1))
