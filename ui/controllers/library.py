"""The library side of the window's controller: list, import, remove and re-index."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from assistant.app import DEFAULT_COLLECTION, AssistantService, FileResult, IngestReport

if TYPE_CHECKING:
    from ui.controllers.session import AppController


class LibraryController(QObject):
    """Library operations in the background, reported by signals on the GUI thread."""

    library_changed = Signal(list, list)
    import_progress = Signal(int, int, str)
    import_finished = Signal(object)

    def __init__(self, app: AppController) -> None:
        super().__init__(app)
        self.app = app
        self._import_cancel: threading.Event | None = None

    def refresh(self) -> None:
        """Reload the collections and documents."""
        self.app.run_latest("library", lambda s: (s.collections(), s.documents()),
                            lambda result: self.library_changed.emit(*result))

    @property
    def importing(self) -> bool:
        """Whether an import is running."""
        return self._import_cancel is not None

    def import_paths(self, paths: list[Path], collection: str = DEFAULT_COLLECTION) -> bool:
        """Import files and folders in the background, reporting each file."""
        if self.importing:
            self.app.error.emit("An import is already running; wait for it or cancel it.")
            return False
        cancel = threading.Event()
        self._import_cancel = cancel

        def progress(result: FileResult, done: int, total: int) -> None:
            reason = f": {result.reason}" if result.reason else ""
            line = f"{Path(result.path).name} — {result.status}{reason}"
            self.import_progress.emit(done, total, line)  # queued to the GUI thread

        def run(service: AssistantService) -> IngestReport:
            return service.ingest(paths, collection=collection, on_progress=progress,
                                  cancel=cancel)

        self.import_progress.emit(0, max(1, len(paths)), "Reading files…")
        service = self.app.service
        if service is None:
            self._import_cancel = None
            self.app.error.emit("The library is still opening.")
            return False
        self.app.jobs.start(lambda: run(service), on_success=self._imported,
                            on_error=self._import_failed)
        return True

    def _imported(self, report: IngestReport) -> None:
        self._import_cancel = None
        self.import_finished.emit(report)
        self.app.status.emit(f"Import: {report.summary()}")
        self.refresh()

    def _import_failed(self, message: str) -> None:
        self._import_cancel = None
        self.app.error.emit(message)
        self.refresh()

    def cancel_import(self) -> None:
        """Stop the import after the file being read."""
        if self._import_cancel is not None:
            self._import_cancel.set()

    def remove_document(self, doc_id: int) -> None:
        """Remove a document from the library."""
        self.app.run(lambda s: s.remove(str(doc_id)), lambda _: self.refresh())

    def reindex(self) -> None:
        """Rebuild the vector index from the document store."""
        self.app.status.emit("Rebuilding the search index…")
        self.app.run(lambda s: s.rebuild_index(),
                     lambda count: self.app.status.emit(f"Search index rebuilt: {count} passages"))
