"""The watched-folders part of the app's door: keep folders in step with the library.

A watched folder's new and changed files are ingested, its moved files follow their
documents and its deleted files' documents are removed, whenever :meth:`rescan_watched`
runs (the window runs it when the file system says something changed, the CLI on a timer).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from assistant.errors import AssistantError
from assistant.library.discovery import file_sha256
from assistant.library.ingest import FileResult, Ingestor, ProgressCallback
from assistant.library.store import Store
from assistant.library.vector_store import VectorStore
from assistant.library.watching import (
    WATCHED_KEY,
    DiskFile,
    WatchedFolder,
    compare_folder,
    format_watched,
    known_files,
    parse_watched,
    scan_folder,
    with_folder,
    with_paused,
    without_folder,
)
from assistant.text.formatting import plural

T = TypeVar("T")


@dataclass(frozen=True)
class WatchScan:
    """What one pass over the watched folders did, and the folders a watcher should watch."""

    results: tuple[FileResult, ...] = ()
    removed: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()  # every watched (not paused) folder and its subfolders
    files: tuple[str, ...] = ()  # their supported files (a watcher sees edits to these)
    missing: tuple[str, ...] = ()  # watched folders that are gone (their documents kept)

    @property
    def changed(self) -> bool:
        """Whether the library changed."""
        return bool(self.removed) or any(r.status in ("added", "updated") for r in self.results)

    def count(self, status: str) -> int:
        """How many files ended with ``status``."""
        return sum(1 for r in self.results if r.status == status)

    def summary(self) -> str:
        """``2 added, 1 removed`` (or ``up to date``)."""
        parts = [f"{self.count(s)} {s}" for s in ("added", "updated", "failed") if self.count(s)]
        if self.removed:
            parts.append(f"{len(self.removed)} removed")
        where = f"; {plural(len(self.missing), 'watched folder')} missing" if self.missing else ""
        return (", ".join(parts) or "up to date") + where


def _hash_or_none(path: str) -> str | None:
    try:
        return file_sha256(Path(path))
    except OSError:
        return None


@dataclass
class _Failures:
    """Files that failed to ingest, as they were then: not retried until they change."""

    seen: dict[str, tuple[int, float]] = field(default_factory=dict)

    def skip(self, file: DiskFile) -> bool:
        return self.seen.get(file.path) == (file.size, file.mtime)


class WatchDoor:
    """What :class:`~assistant.app.service.AssistantService` offers on watched folders."""

    _store: Store
    _ingestor: Ingestor
    _index: VectorStore
    _ingesting: threading.Lock
    _watch_failures: _Failures | None = None

    if TYPE_CHECKING:
        def _changed_here(self, result: T) -> T: ...  # the service's (shared libraries)

    def watched_folders(self) -> list[WatchedFolder]:
        """The watched folders, in the order they were added."""
        return parse_watched(self._store.get_meta(WATCHED_KEY))

    def watch_folder(self, path: Path, collection: str) -> list[WatchedFolder]:
        """Watch a folder for ``collection`` (again, if it was: unpaused); the new list."""
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise AssistantError(f"cannot watch '{folder}': it is not a folder")
        if not collection.strip():
            raise AssistantError("a collection needs a name")
        return self._save_watched(with_folder(
            self.watched_folders(), WatchedFolder(str(folder.resolve()), collection.strip())))

    def unwatch_folder(self, path: str) -> list[WatchedFolder]:
        """Stop watching a folder (its documents stay in the library); the new list."""
        return self._save_watched(without_folder(self.watched_folders(), path))

    def pause_watch(self, path: str, paused: bool) -> list[WatchedFolder]:
        """Pause or resume watching a folder; the new list."""
        return self._save_watched(with_paused(self.watched_folders(), path, paused))

    def _save_watched(self, folders: Sequence[WatchedFolder]) -> list[WatchedFolder]:
        self._store.set_meta(WATCHED_KEY, format_watched(folders))
        return list(folders)

    def rescan_watched(self, *, on_progress: ProgressCallback | None = None,
                       cancel: threading.Event | None = None) -> WatchScan:
        """Bring the library in step with every watched folder that is not paused (after
        any import running: they take turns)."""
        with self._ingesting:
            scan = self._rescan(on_progress, cancel)
        if scan.changed:
            self._changed_here(None)
        return scan

    def _rescan(self, on_progress: ProgressCallback | None,
                cancel: threading.Event | None) -> WatchScan:
        if self._watch_failures is None:
            self._watch_failures = _Failures()
        failures = self._watch_failures
        results: list[FileResult] = []
        removed: list[str] = []
        folders: list[str] = []
        files: list[str] = []
        missing: list[str] = []
        for watched in self.watched_folders():
            if watched.paused:
                continue
            if not Path(watched.path).is_dir():
                missing.append(watched.path)
                continue
            scan = scan_folder(Path(watched.path))
            folders += scan.folders
            files += (f.path for f in scan.files)
            # An empty file is still being written: it is looked at again when it changes.
            on_disk = [f for f in scan.files if f.size > 0 and not failures.skip(f)]
            known = known_files(self._store.list_documents(watched.collection), watched.path)
            changes = compare_folder(on_disk, known, _hash_or_none)
            to_ingest = [*changes.new, *changes.changed, *(new for _, new in changes.moved)]
            if to_ingest:
                report = self._ingestor.ingest([Path(p) for p in to_ingest],
                                               collection=watched.collection,
                                               on_progress=on_progress, cancel=cancel)
                sizes = {f.path: (f.size, f.mtime) for f in on_disk}
                for result in report.results:
                    if result.status == "failed" and result.path in sizes:
                        failures.seen[result.path] = sizes[result.path]
                    else:
                        failures.seen.pop(result.path, None)
                results += report.results
            if cancel is not None and cancel.is_set():
                break
            removed += self._remove_gone(changes.deleted, watched.collection)
        return WatchScan(tuple(results), tuple(removed), tuple(folders), tuple(files),
                         tuple(missing))

    def _remove_gone(self, paths: Sequence[str], collection: str) -> list[str]:
        """Remove the documents of files that are (still) gone."""
        removed: list[str] = []
        for path in paths:
            if Path(path).exists():
                continue
            for document in self._store.documents_at_path(path):
                if document.collection == collection:
                    self._index.delete(self._store.remove_document(document.id))
                    removed.append(path)
        return removed

