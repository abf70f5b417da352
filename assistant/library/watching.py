"""Watched folders: which folders are kept in step with the library, and what changed in one.

The list is stored in the store's key/value table (a versioned JSON record), so it survives a
restart. :func:`compare_folder` is the pure heart: the files on disk against the documents
the store holds for that folder, giving what is new, changed, deleted or moved. A file whose
size and modification time say it is untouched is never read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from assistant.errors import AssistantError
from assistant.library.documents import DocumentInfo
from assistant.library.loaders import is_supported

WATCHED_KEY = "watched_folders"
RECORD_VERSION = 1
# A file modified up to this long before its document was stored is hashed to make sure:
# a write may land while the file is being read, and clocks are coarse on some filesystems.
MTIME_SLACK_S = 2.0


@dataclass(frozen=True)
class WatchedFolder:
    """A folder kept in step with a collection; ``paused`` ones are left alone."""

    path: str
    collection: str
    paused: bool = False


@dataclass(frozen=True)
class DiskFile:
    """A supported file found in a watched folder."""

    path: str
    size: int
    mtime: float


@dataclass(frozen=True)
class KnownFile:
    """A document the store holds: its path, size, content hash and when it was stored."""

    path: str
    size: int
    sha256: str
    stored_at: float


@dataclass(frozen=True)
class FolderChanges:
    """What differs between a folder and the store: paths, and ``(old, new)`` for moves."""

    new: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    moved: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        """Whether nothing changed."""
        return not (self.new or self.changed or self.deleted or self.moved)


@dataclass(frozen=True)
class FolderScan:
    """A folder's supported files and every subfolder (the ones a watcher should watch)."""

    files: tuple[DiskFile, ...]
    folders: tuple[str, ...]


def scan_folder(folder: Path) -> FolderScan:
    """The supported files under ``folder`` (hidden entries and symlinks skipped) and its
    subfolders, the folder itself first. A folder that is gone scans as empty."""
    files: list[DiskFile] = []
    folders: list[str] = []
    root = Path(folder)
    if not root.is_dir():
        return FolderScan((), ())
    for here, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        folders.append(here)
        for name in sorted(filenames):
            path = Path(here) / name
            if name.startswith(".") or not is_supported(path):
                continue
            try:
                facts = path.lstat()
            except OSError:  # deleted while we looked
                continue
            if path.is_symlink() or not path.is_file():
                continue
            files.append(DiskFile(str(path), facts.st_size, facts.st_mtime))
    return FolderScan(tuple(files), tuple(folders))


def known_files(documents: Sequence[DocumentInfo], folder: str) -> list[KnownFile]:
    """The stored documents whose files lie under ``folder``."""
    prefix = folder.rstrip(os.sep) + os.sep
    return [KnownFile(d.path, d.size, d.sha256, _timestamp(d.updated_at))
            for d in documents if d.path.startswith(prefix)]


def _timestamp(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0  # unknown: any modification time counts as newer, so the hash decides


HashOf = Callable[[str], "str | None"]


def compare_folder(on_disk: Sequence[DiskFile], known: Sequence[KnownFile],
                   hash_of: HashOf) -> FolderChanges:
    """What changed between the files on disk and the documents the store holds for them.

    A file is changed when its size differs, or when it was modified after (or just before)
    its document was stored and its content hash differs. A new file whose content is that
    of a deleted one is a move. ``hash_of`` gives a file's SHA-256, or None when it cannot
    be read (the file is then left for the next scan).
    """
    disk = {f.path: f for f in on_disk}
    stored = {k.path: k for k in known}
    changed: list[str] = []
    for path in sorted(disk.keys() & stored.keys()):
        here, there = disk[path], stored[path]
        if here.size != there.size:
            changed.append(path)
        elif here.mtime > there.stored_at - MTIME_SLACK_S:
            digest = hash_of(path)
            if digest is not None and digest != there.sha256:
                changed.append(path)
    new = sorted(disk.keys() - stored.keys())
    deleted = sorted(stored.keys() - disk.keys())
    moved: list[tuple[str, str]] = []
    for path in list(new):
        twins = [old for old in deleted if stored[old].size == disk[path].size]
        if not twins:
            continue
        digest = hash_of(path)
        match = next((old for old in twins if stored[old].sha256 == digest), None)
        if digest is not None and match is not None:
            moved.append((match, path))
            new.remove(path)
            deleted.remove(match)
    return FolderChanges(tuple(new), tuple(changed), tuple(deleted), tuple(moved))


# -- the stored list ----------------------------------------------------------------------


def parse_watched(record: str | None) -> list[WatchedFolder]:
    """The watched folders from their stored record (none if there is no record)."""
    if not record:
        return []
    try:
        data = json.loads(record)
        if data.get("version") != RECORD_VERSION:
            raise ValueError(f"unknown version {data.get('version')!r}")
        return [WatchedFolder(str(f["path"]), str(f["collection"]), bool(f.get("paused")))
                for f in data["folders"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AssistantError(f"the list of watched folders is unreadable ({exc})") from exc


def format_watched(folders: Sequence[WatchedFolder]) -> str:
    """The stored record of the watched folders."""
    return json.dumps({"version": RECORD_VERSION, "folders": [
        {"path": f.path, "collection": f.collection, "paused": f.paused} for f in folders]})


def with_folder(folders: Sequence[WatchedFolder], added: WatchedFolder) -> list[WatchedFolder]:
    """``folders`` with ``added`` (replacing an entry for the same path)."""
    return [f for f in folders if f.path != added.path] + [added]


def with_paused(folders: Sequence[WatchedFolder], path: str,
                paused: bool) -> list[WatchedFolder]:
    """``folders`` with the one at ``path`` paused or resumed; an error if none is there."""
    if not any(f.path == path for f in folders):
        raise AssistantError(f"'{path}' is not a watched folder")
    return [replace(f, paused=paused) if f.path == path else f for f in folders]


def without_folder(folders: Sequence[WatchedFolder], path: str) -> list[WatchedFolder]:
    """``folders`` without the one at ``path``; an error if none is there."""
    if not any(f.path == path for f in folders):
        raise AssistantError(f"'{path}' is not a watched folder")
    return [f for f in folders if f.path != path]
