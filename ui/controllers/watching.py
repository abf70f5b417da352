"""Watched folders: the file system says a folder changed; one rescan, in the background,
brings the library in step.

Events are debounced (a rescan starts ``debounce_ms`` after the last one), so a burst of
changes costs one rescan; events during a rescan schedule exactly one more after it. The
folders, their subfolders and their files are watched with ``QFileSystemWatcher``; a slow
periodic rescan catches what a watcher may miss (too many files, a network share).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from assistant.app import DEFAULT_COLLECTION, AssistantService, WatchedFolder, WatchScan, plural
from ui.controllers.session import Changes, Session

DEBOUNCE_MS = 1000
SAFETY_SCAN_MS = 60_000
MAX_WATCHED_FILES = 4000  # beyond these, edits in place are caught by the periodic rescan


class WatchController(QObject):
    """Keeps the watched folders in step with the library; holds no widgets."""

    folders_changed = Signal(list)  # list[WatchedFolder]
    activity = Signal(str)  # a short line on what the watcher is doing
    scanned = Signal(object)  # WatchScan, after each rescan

    def __init__(self, session: Session, *, debounce_ms: int = DEBOUNCE_MS,
                 safety_scan_ms: int = SAFETY_SCAN_MS) -> None:
        super().__init__(session)
        self.session = session
        self.folders: list[WatchedFolder] = []
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(self._poked)
        self.watcher.fileChanged.connect(self._poked)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(debounce_ms)
        self.debounce.timeout.connect(self.rescan)
        self.safety = QTimer(self)
        self.safety.setInterval(safety_scan_ms)
        self.safety.timeout.connect(self.rescan)
        self.scans = 0  # rescans started (tests count them)
        self._running = False
        self._again = False
        self._cancel = threading.Event()
        session.library_ready.connect(self._start)
        session.changed.connect(self._changed)
        session.closing.connect(self._close)

    # -- the list ---------------------------------------------------------------------------

    def _start(self) -> None:
        self.refresh()
        self.rescan()  # what changed while the app was closed

    def _changed(self, changes: Changes) -> None:
        if changes.watched:
            self.refresh()
            self.schedule()

    def refresh(self) -> None:
        """Reload the list of watched folders."""
        self.session.run_latest("watched", lambda s: s.watched_folders(), self._listed)

    def _listed(self, folders: list[WatchedFolder]) -> None:
        self.folders = folders
        self.folders_changed.emit(folders)
        if any(not f.paused for f in folders):
            self.safety.start()
        else:
            self.safety.stop()
            self._watch((), ())
        self.activity.emit(self._idle_line())

    def add(self, path: Path, collection: str = DEFAULT_COLLECTION) -> None:
        """Watch a folder (its files are indexed by the rescan that follows)."""
        self._edit(lambda s: s.watch_folder(path, collection))

    def remove(self, path: str) -> None:
        """Stop watching a folder; its documents stay in the library."""
        self._edit(lambda s: s.unwatch_folder(path))

    def set_paused(self, path: str, paused: bool) -> None:
        """Pause or resume watching a folder."""
        self._edit(lambda s: s.pause_watch(path, paused))

    def _edit(self, call: Callable[[AssistantService], object]) -> None:
        self.session.write(call, Changes(watched=True))

    # -- rescans ----------------------------------------------------------------------------

    @property
    def scanning(self) -> bool:
        """Whether a rescan is running."""
        return self._running

    def _poked(self, _path: str) -> None:
        self.schedule()

    def schedule(self) -> None:
        """Rescan once things have been quiet for the debounce interval."""
        self.debounce.start()  # restarting it pushes the rescan back

    def rescan(self) -> None:
        """Rescan now, or right after the rescan that is running."""
        self.debounce.stop()
        if self.session.service is None or self._cancel.is_set():
            return
        if self._running:
            self._again = True
            return
        self._running = True
        self._again = False
        self.scans += 1
        if self.folders:
            self.activity.emit("Checking watched folders…")
        cancel = self._cancel

        def run(service: AssistantService) -> WatchScan:
            return service.rescan_watched(cancel=cancel)

        self.session.run(run, self._scanned, on_error=self._failed)

    def _scanned(self, scan: WatchScan) -> None:
        self._running = False
        self._watch(scan.folders, scan.files)
        if scan.changed:
            self.session.changed.emit(Changes(documents=True))
            self.session.status.emit(f"Watched folders: {scan.summary()}")
        self.activity.emit(self._idle_line(scan))
        self.scanned.emit(scan)
        if self._again:
            self.rescan()

    def _failed(self, message: str) -> None:
        self._running = False
        self.activity.emit(f"Watched folders: {message}")
        if self._again:
            self.rescan()

    def _watch(self, folders: tuple[str, ...], files: tuple[str, ...]) -> None:
        """Watch exactly these folders and (up to a limit) files."""
        wanted = set(folders) | set(files[:MAX_WATCHED_FILES])
        current = set(self.watcher.directories()) | set(self.watcher.files())
        if current - wanted:
            self.watcher.removePaths(sorted(current - wanted))
        if wanted - current:
            self.watcher.addPaths(sorted(wanted - current))

    def _idle_line(self, scan: WatchScan | None = None) -> str:
        active = [f for f in self.folders if not f.paused]
        if not self.folders:
            return ""
        if not active:
            return "Watching paused"
        line = f"Watching {plural(len(active), 'folder')}"
        if scan is not None and scan.missing:
            line += f" · {plural(len(scan.missing), 'folder')} missing"
        return line

    def _close(self) -> None:
        self._cancel.set()
        self.debounce.stop()
        self.safety.stop()
