"""The library: list it, import files and folders (a folder is watched from then on), remove a
document, rebuild the index."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from assistant.app import DEFAULT_COLLECTION, AssistantService, FileResult, IngestReport
from ui.controllers.session import Changes, Session


class LibraryController(QObject):
    """Library operations in the background; the listing reloads whenever documents change."""

    library_changed = Signal(list, list)
    import_progress = Signal(int, int, str)
    import_finished = Signal(object)

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.session = session
        self._import_cancel: threading.Event | None = None
        session.changed.connect(self._changed)
        session.closing.connect(self.cancel_import)

    def _changed(self, changes: Changes) -> None:
        if changes.documents:
            self.refresh()

    def refresh(self) -> None:
        """Reload the collections and documents."""
        self.session.run_latest("library", lambda s: (s.collections(), s.documents()),
                                lambda result: self.library_changed.emit(*result))

    @property
    def importing(self) -> bool:
        """Whether an import is running."""
        return self._import_cancel is not None

    def import_paths(self, paths: list[Path], collection: str = DEFAULT_COLLECTION) -> bool:
        """Import files and folders in the background, reporting each file."""
        if self.importing:
            self.session.error.emit("An import is already running; wait for it or cancel it.")
            return False
        cancel = threading.Event()
        self._import_cancel = cancel

        def progress(result: FileResult, done: int, total: int) -> None:
            reason = f": {result.reason}" if result.reason else ""
            line = f"{Path(result.path).name} — {result.status}{reason}"
            self.import_progress.emit(done, total, line)  # queued to the GUI thread

        def run(service: AssistantService) -> IngestReport:
            report = service.ingest(paths, collection=collection, on_progress=progress,
                                    cancel=cancel)
            if not cancel.is_set():  # an imported folder is kept in step from now on
                for folder in (p for p in paths if p.is_dir()):
                    service.watch_folder(folder, collection)
            return report

        self.import_progress.emit(0, max(1, len(paths)), "Reading files…")
        if self.session.service is None:
            self._import_cancel = None
            self.session.error.emit("The library is still opening.")
            return False
        folders = any(path.is_dir() for path in paths)
        self.session.write(run, Changes(documents=True, watched=folders), self._imported,
                           on_error=self._import_failed)
        return True

    def _imported(self, report: IngestReport) -> None:
        self._import_cancel = None
        self.import_finished.emit(report)
        self.session.status.emit(f"Import: {report.summary()}")

    def _import_failed(self, message: str) -> None:
        self._import_cancel = None
        self.session.error.emit(message)

    def cancel_import(self) -> None:
        """Stop the import after the file being read."""
        if self._import_cancel is not None:
            self._import_cancel.set()

    def remove_document(self, doc_id: int) -> None:
        """Remove a document from the library."""
        self.session.write(lambda s: s.remove(str(doc_id)), Changes(documents=True))

    def reindex(self) -> None:
        """Rebuild the vector index from the document store."""
        self.session.status.emit("Rebuilding the search index…")
        self.session.write(lambda s: s.rebuild_index(), Changes(documents=True),
                           lambda count: self.session.status.emit(
                               f"Search index rebuilt: {count} passages"))
