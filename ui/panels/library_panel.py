"""The library: collections (tick the ones the chat searches), their documents, imports."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assistant.app import CollectionInfo, DocumentInfo, FileResult, plural
from ui.panels.watched_folders import WatchedFoldersPanel

FAILED = QColor("#b00020")
# Import progress is shown at most this often: files are reported in bursts (a batch's files
# once their vectors are in), and each shown line lays the wrapped label out again: shown for
# every file, the window stalled 25–46 ms while importing (9–15 ms throttled).
PROGRESS_EVERY_MS = 50
DOC_ROLE = Qt.ItemDataRole.UserRole


def document_status(document: DocumentInfo) -> str:
    """``indexed · 12 chunks · 3 pages``."""
    pages = f" · {plural(document.pages, 'page')}" if document.pages else ""
    return f"indexed · {plural(document.chunks, 'chunk')}{pages}"


class LibraryPanel(QWidget):
    """Shows the library; the window answers its requests."""

    import_files_requested = Signal()
    import_folder_requested = Signal()
    remove_requested = Signal(int, str)
    summarize_requested = Signal(int, str)
    reindex_requested = Signal()
    cancel_requested = Signal()
    scope_changed = Signal(object)  # a tuple of collection names, or None for all

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Document", "Status"])
        self.tree.setAccessibleName("Library")
        self.tree.setColumnWidth(0, 200)
        self.import_files = QPushButton("Import files…")
        self.import_folder = QPushButton("Import folder…")
        self.remove = QPushButton("Remove")
        self.reindex = QPushButton("Re-index")
        self.summarize = QPushButton("Summarize")
        for button, name in ((self.summarize, "Summarize the selected document in the chat"),
                             (self.import_files, "Import files (Ctrl+O)"),
                             (self.import_folder, "Import a folder"),
                             (self.remove, "Remove the selected document"),
                             (self.reindex, "Rebuild the search index")):
            button.setAccessibleName(name)
            button.setToolTip(name)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.setFormat("%v / %m files")
        self.cancel = QPushButton("Cancel")
        self.cancel.setAccessibleName("Cancel import")
        self.progress_label = QLabel("")
        self.progress_label.setWordWrap(True)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel)
        self.progress_box = QWidget()
        box = QVBoxLayout(self.progress_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(progress_row)
        box.addWidget(self.progress_label)
        self.progress_box.setVisible(False)
        self._progress_due: tuple[int, int, str] | None = None
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(PROGRESS_EVERY_MS)
        self._progress_timer.timeout.connect(self._show_due_progress)
        buttons = QGridLayout()
        buttons.addWidget(self.import_files, 0, 0)
        buttons.addWidget(self.import_folder, 0, 1)
        buttons.addWidget(self.remove, 1, 0)
        buttons.addWidget(self.reindex, 1, 1)
        buttons.addWidget(self.summarize, 2, 0, 1, 2)
        hint = QLabel("Tick the collections the chat searches. Drop files on the window to "
                      "import them.")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(hint)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.progress_box)
        layout.addLayout(buttons)
        self.watched = WatchedFoldersPanel()
        layout.addWidget(self.watched)
        self.failures: list[FileResult] = []
        self._unticked: set[str] = set()
        self.import_files.clicked.connect(self.import_files_requested)
        self.import_folder.clicked.connect(self.import_folder_requested)
        self.reindex.clicked.connect(self.reindex_requested)
        self.cancel.clicked.connect(self.cancel_requested)
        self.remove.clicked.connect(self._remove)
        self.summarize.clicked.connect(self._summarize)
        self.tree.itemChanged.connect(self._ticked)

    def set_library(self, collections: list[CollectionInfo],
                    documents: list[DocumentInfo]) -> None:
        """Show the collections and documents, and the last import's failures."""
        self.tree.blockSignals(True)
        self.tree.clear()
        for info in collections:
            node = QTreeWidgetItem([info.name, f"{plural(info.documents, 'document')}, "
                                               f"{plural(info.chunks, 'chunk')}"])
            node.setFlags(node.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            node.setCheckState(0, Qt.CheckState.Unchecked if info.name in self._unticked
                               else Qt.CheckState.Checked)
            for document in (d for d in documents if d.collection == info.name):
                leaf = QTreeWidgetItem([document.title, document_status(document)])
                leaf.setToolTip(0, document.path)
                leaf.setData(0, DOC_ROLE, document.id)
                node.addChild(leaf)
            self.tree.addTopLevelItem(node)
        if self.failures:
            node = QTreeWidgetItem(["Last import: not added", plural(len(self.failures),
                                                                     "file")])
            for result in self.failures:
                leaf = QTreeWidgetItem([Path(result.path).name, result.reason])
                leaf.setToolTip(0, result.path)
                leaf.setToolTip(1, result.reason)
                leaf.setForeground(1, QBrush(FAILED))
                node.addChild(leaf)
            self.tree.addTopLevelItem(node)
            node.setExpanded(True)
        self.tree.blockSignals(False)

    def scope(self) -> tuple[str, ...] | None:
        """The ticked collections (None when all are ticked)."""
        names, ticked = [], []
        for index in range(self.tree.topLevelItemCount()):
            node = self.tree.topLevelItem(index)
            if node.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                names.append(node.text(0))
                if node.checkState(0) == Qt.CheckState.Checked:
                    ticked.append(node.text(0))
        return None if len(ticked) == len(names) else tuple(ticked)

    def show_progress(self, done: int, total: int, line: str) -> None:
        """Update the import progress bar: at once if it has not changed for a while, else
        with the latest of what came meanwhile, :data:`PROGRESS_EVERY_MS` after the last."""
        self._progress_due = (done, total, line)
        if not self._progress_timer.isActive():
            self._show_due_progress()  # and what comes in the next interval waits for it

    def _show_due_progress(self) -> None:
        if self._progress_due is None:
            return
        done, total, line = self._progress_due
        self._progress_due = None
        self.progress_box.setVisible(True)
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress_label.setText(line)
        self._progress_timer.start()

    def hide_progress(self) -> None:
        """Hide the progress bar after an import."""
        self._progress_timer.stop()
        self._progress_due = None
        self.progress_box.setVisible(False)

    def _ticked(self, item: QTreeWidgetItem, column: int) -> None:
        if column != 0 or item.parent() is not None:
            return
        if item.checkState(0) == Qt.CheckState.Checked:
            self._unticked.discard(item.text(0))
        else:
            self._unticked.add(item.text(0))
        self.scope_changed.emit(self.scope())

    def _summarize(self) -> None:
        item = self.tree.currentItem()
        if item is not None and item.data(0, DOC_ROLE) is not None:
            self.summarize_requested.emit(int(item.data(0, DOC_ROLE)), item.text(0))

    def _remove(self) -> None:
        item = self.tree.currentItem()
        if item is not None and item.data(0, DOC_ROLE) is not None:
            self.remove_requested.emit(int(item.data(0, DOC_ROLE)), item.text(0))
