"""Bad and dangerous files: which files of a torrent break its Arr's file rule, and what then.

Pure, like the engine. A rule is a blocklist of extensions (executables, scripts, shortcuts,
installers by default) or an allowlist (what the app imports: video and subtitles, audio and
cover art), plus samples and trailers below a size. Only wanted files count (priority above 0):
a file already set to "do not download" is no longer the torrent's problem.

A torrent with some bad files gets them set to "do not download" (a `FileStep`), so they never
land on disk. A torrent whose every wanted file is bad is a bad release: it is removed through
its Arr, blocklisted and searched again (rule `bad_files`), under the same guards as the other
removals: the protect tag, the private-tracker guard, the removal limit per run, and the
engine's rules first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from operator import itemgetter
import re
from typing import Final, NamedTuple

from ..model.arr import ArrApp
from ..model.files import TorrentFile
from ..model.torrent import TorrentKey
from .model import (
    REMOVALS,
    Action,
    ActionKind,
    Guard,
    Plan,
    PolicyInput,
    PrivateMode,
    Rule,
    Skipped,
    TorrentInfo,
    has_key,
    merge_by_key,
)
from .routing import route

DANGEROUS_EXTENSIONS: Final = (
    *(".exe", ".scr", ".com", ".bat", ".cmd", ".pif"),
    *(".lnk", ".vbs", ".js", ".msi", ".ps1", ".hta"),
)
_VIDEO: Final = (".mkv", ".mp4", ".avi", ".m4v", ".mov", ".wmv", ".ts", ".m2ts", ".webm")
_SUBTITLES: Final = (".srt", ".ass", ".ssa", ".sub", ".idx", ".sup", ".vtt")
_AUDIO: Final = (".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".wav", ".wv", ".ape")
_COVER_ART: Final = (".jpg", ".jpeg", ".png", ".webp")
ALLOWED_EXTENSIONS: Final[Mapping[ArrApp, tuple[str, ...]]] = {
    ArrApp.RADARR: (*_VIDEO, *_SUBTITLES),
    ArrApp.SONARR: (*_VIDEO, *_SUBTITLES),
    ArrApp.LIDARR: (*_AUDIO, *_COVER_ART),
}
# A sample or trailer: a folder of that name, or a name ending in the word ("movie-sample").
_SAMPLE_FOLDER: Final = frozenset({"sample", "samples", "trailer", "trailers"})
_SAMPLE_NAME: Final = re.compile(r"(?:^|[.\-_ ])(?:sample|trailer)s?$", re.IGNORECASE)
_NAMES_SHOWN: Final = 5
_KIND: Final = itemgetter(6)  # an action's kind
# An at-risk private torrent keeps seeding: what it gets instead of a removal.
_KEPT_SEEDING: Final = {
    ActionKind.ARR_REMOVE: ActionKind.ARR_REMOVE_KEEP,
    ActionKind.DELETE: ActionKind.KEEP_SEEDING,
    ActionKind.DELETE_WITH_FILES: ActionKind.KEEP_SEEDING,
}


class FileMode(StrEnum):
    """How an Arr's file rule reads its extensions."""

    OFF = "off"
    BLOCKLIST = "blocklist"  # these extensions are bad, everything else is fine
    ALLOWLIST = "allowlist"  # only these extensions are fine


@dataclass(frozen=True, slots=True)
class FileRule:
    """One Arr's file rule (its options, in bytes and lower-case extensions with the dot)."""

    mode: FileMode = FileMode.BLOCKLIST
    extensions: frozenset[str] = frozenset(DANGEROUS_EXTENSIONS)
    sample_size: int = 0  # bytes; a sample or trailer smaller than this is bad; 0 = off


class FileVerdict(NamedTuple):
    """The bad wanted files of one torrent (never empty), and whether no wanted file is good."""

    indices: tuple[int, ...]
    names: tuple[str, ...]
    all_bad: bool


class FileStep(NamedTuple):
    """Files to set to "do not download" on one torrent."""

    instance: str
    hash: str
    name: str
    arr: str
    indices: tuple[int, ...]
    names: tuple[str, ...]


def extension(name: str) -> str:
    """Return the lower-case extension of a file's name, with its dot; "" when none."""
    leaf = name.rsplit("/", 1)[-1]
    dot = leaf.rfind(".")
    return leaf[dot:].lower() if dot > 0 else ""


def is_sample(name: str) -> bool:
    """Whether a file is a sample or trailer by its name or folder (not its size)."""
    *folders, leaf = name.split("/")
    if any(folder.lower() in _SAMPLE_FOLDER for folder in folders):
        return True
    dot = leaf.rfind(".")
    return bool(_SAMPLE_NAME.search(leaf[:dot] if dot > 0 else leaf))


def is_bad(file: TorrentFile, rule: FileRule) -> bool:
    """Whether one file breaks the rule."""
    if rule.mode is FileMode.OFF:
        return False
    listed = extension(file.name) in rule.extensions
    if listed is (rule.mode is FileMode.BLOCKLIST):
        return True
    return 0 < file.size < rule.sample_size and is_sample(file.name)


def judge_files(files: Iterable[TorrentFile], rule: FileRule) -> FileVerdict | None:
    """Return the torrent's bad wanted files, or None when none is bad."""
    wanted = [file for file in files if file.priority > 0]
    bad = [file for file in wanted if is_bad(file, rule)]
    if not bad:
        return None
    return FileVerdict(
        tuple(file.file_id for file in bad),
        tuple(file.name for file in bad),
        len(bad) == len(wanted),
    )


def shown(names: Sequence[str]) -> str:
    """Return the files' names for a reason: the first few, and how many more."""
    head = ", ".join(names[:_NAMES_SHOWN])
    more = len(names) - _NAMES_SHOWN
    return f"{head} and {more} more" if more > 0 else head


@dataclass(frozen=True, slots=True)
class FilePlans:
    """Every judged Arr's plan with the file rule's actions, and the files to skip."""

    arrs: list[tuple[PolicyInput, Plan]]
    steps: tuple[FileStep, ...]


def with_bad_files(
    plans: Sequence[tuple[PolicyInput, Plan]], verdicts: Mapping[TorrentKey, FileVerdict]
) -> FilePlans:
    """Add the file rule's steps and removals to each Arr's plan."""
    if not verdicts:
        return FilePlans(list(plans), ())
    arrs = []
    steps: list[FileStep] = []
    for data, plan in plans:
        planned, found = _one_arr(data, plan, verdicts)
        arrs.append((data, planned))
        steps.extend(found)
    steps.sort(key=lambda step: (step.instance, step.hash))
    return FilePlans(arrs, tuple(steps))


class _ArrPass:
    """One Arr's pass over the torrents of its categories that have a verdict."""

    def __init__(self, data: PolicyInput, plan: Plan, copies: defaultdict[str, int]) -> None:
        """Take the Arr's input, the plan so far, and the copies of each judged hash.

        The plan so far is the engine's and the import rules'; copies are counted in the
        Arr's categories.
        """
        self.data = data
        self.arr, (self.category, self.settings) = next(iter(data.arrs.items()))
        self.acted = plan.actions  # in (instance, hash) order
        self.removed = sum(map(REMOVALS.__contains__, map(_KIND, plan.actions)))
        self.copies = copies
        self.steps: list[FileStep] = []
        self.actions: list[Action] = []
        self.skipped: list[Skipped] = []

    def owns(self, torrent: TorrentInfo) -> bool:
        """Whether the torrent is in this Arr's category (or another spelling of it)."""
        aliases = self.data.category_aliases
        return self.category in {torrent.category, aliases.get(torrent.category)}

    def judge(self, torrent: TorrentInfo, verdict: FileVerdict) -> None:
        """Skip the bad files of a torrent with good ones; remove a release of bad ones only."""
        settings = self.settings
        head = (torrent.instance, torrent.hash, torrent.name, torrent.category, self.arr)
        if settings.protect_tag and settings.protect_tag in torrent.tags:
            self.skipped.append(Skipped(*head, Rule.BAD_FILES, Guard.PROTECTED))
        elif not verdict.all_bad:
            never_touch = settings.private_mode is PrivateMode.NEVER_TOUCH
            if torrent.progress < 1 and not (torrent.at_risk and never_touch):
                step = FileStep(*head[:3], self.arr, verdict.indices, verdict.names)
                self.steps.append(step)
        elif not has_key(self.acted, (torrent.instance, torrent.hash)):  # other rules first
            found = self.removal(torrent, verdict)
            if isinstance(found, Guard):
                if found is not Guard.COPY_ELSEWHERE:
                    self.skipped.append(Skipped(*head, Rule.BAD_FILES, found))
            else:
                self.removed += found.kind in REMOVALS
                self.actions.append(found)

    def removal(self, torrent: TorrentInfo, verdict: FileVerdict) -> Action | Guard:
        """Return the action for a release of nothing but bad files, or the guard keeping it."""
        settings, data = self.settings, self.data
        routed = route(
            torrent,
            tuple(e for e in data.queues.get(torrent.hash, ()) if e.arr == self.arr),
            settings,
            reachable=data.reachable_instances,
            any_unreachable=bool(data.unreachable_instances),
            copies=self.copies.__getitem__,
        )
        if isinstance(routed, Guard):
            return routed
        kind, entry = routed
        if torrent.at_risk:
            if settings.private_mode is PrivateMode.NEVER_TOUCH:
                return Guard.PRIVATE  # not even tagged
            if settings.private_mode is PrivateMode.KEEP_SEEDING:
                kind = _KEPT_SEEDING.get(kind, kind)
        reason = f"every wanted file is bad: {shown(verdict.names)}"
        queue_id = entry.queue_id if entry is not None else None
        media_ids = entry.media_ids if entry is not None else ()
        if kind in REMOVALS and self.removed >= settings.max_removals:
            reason += f"; removal limit of {settings.max_removals} per run reached"
            kind, queue_id, media_ids = ActionKind.DEFERRED, None, ()
        head = (torrent.instance, torrent.hash, torrent.name, torrent.category, self.arr)
        return Action(*head, Rule.BAD_FILES, kind, reason, queue_id, media_ids)


def _one_arr(
    data: PolicyInput, plan: Plan, verdicts: Mapping[TorrentKey, FileVerdict]
) -> tuple[Plan, list[FileStep]]:
    """One Arr's pass, in (instance, hash) order; the plan is kept when nothing is added."""
    # Only torrents with a verdict (a few per server) are judged, found through the index.
    index = data.index
    copies: defaultdict[str, int] = defaultdict(int)
    judged = []
    for (instance, torrent_hash), verdict in verdicts.items():
        found = index.copies(torrent_hash)
        copies[torrent_hash] = len(found)
        judged += [(instance, torrent_hash, t, verdict) for t in found if t.instance == instance]
    if not judged:
        return plan, []
    run = _ArrPass(data, plan, copies)
    judged.sort(key=itemgetter(0, 1))
    for _, _, torrent, verdict in judged:
        if run.owns(torrent):
            run.judge(torrent, verdict)
    if not (run.actions or run.skipped):
        return plan, run.steps
    actions = merge_by_key(plan.actions, run.actions)
    skipped = merge_by_key(plan.skipped, run.skipped)
    return replace(plan, actions=actions, skipped=skipped), run.steps
