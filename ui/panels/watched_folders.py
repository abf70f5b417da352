"""The Library tab's "Watched folders" list: add, remove, pause or resume a folder, and a quiet
line saying what the watcher is doing."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assistant.app import WatchedFolder

PATH_ROLE = Qt.ItemDataRole.UserRole


class WatchedFoldersPanel(QWidget):
    """Shows the watched folders; the window's watch controller answers its requests."""

    add_requested = Signal(object)  # a Path
    remove_requested = Signal(str)
    pause_requested = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Watched folders")
        self.title.setToolTip("New, changed, moved and deleted files in these folders are "
                              "re-indexed automatically. An imported folder is watched.")
        self.activity = QLabel("")
        self.activity.setAccessibleName("Watcher activity")
        self.activity.setStyleSheet("color: palette(placeholder-text);")
        self.list = QTreeWidget()
        self.list.setHeaderLabels(["Folder", "State"])
        self.list.setRootIsDecorated(False)
        self.list.setAccessibleName("Watched folders")
        self.list.setColumnWidth(0, 220)
        self.list.setMaximumHeight(120)
        self.add = QPushButton("Watch folder…")
        self.remove = QPushButton("Stop watching")
        self.pause = QPushButton("Pause")
        for button, name in ((self.add, "Watch a folder: its files are kept in the library"),
                             (self.remove, "Stop watching the selected folder (its documents "
                                           "stay)"),
                             (self.pause, "Pause or resume watching the selected folder")):
            button.setAccessibleName(name)
            button.setToolTip(name)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.activity)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add)
        buttons.addWidget(self.remove)
        buttons.addWidget(self.pause)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self.add.clicked.connect(self.choose_folder)
        self.remove.clicked.connect(self._remove)
        self.pause.clicked.connect(self._pause)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def set_folders(self, folders: list[WatchedFolder]) -> None:
        """Show the watched folders, keeping the selection."""
        selected = self.selected()
        self.list.clear()
        for folder in folders:
            item = QTreeWidgetItem([Path(folder.path).name or folder.path,
                                    "Paused" if folder.paused else f"→ {folder.collection}"])
            item.setToolTip(0, folder.path)
            item.setData(0, PATH_ROLE, folder.path)
            item.setData(1, PATH_ROLE, folder.paused)
            self.list.addTopLevelItem(item)
            if folder.path == selected:
                self.list.setCurrentItem(item)
        self._update_buttons()

    def set_activity(self, line: str) -> None:
        """Show what the watcher is doing (quietly)."""
        self.activity.setText(line)

    def selected(self) -> str | None:
        """The selected folder's path."""
        item = self.list.currentItem()
        return None if item is None else str(item.data(0, PATH_ROLE))

    def choose_folder(self) -> None:
        """Ask for a folder to watch."""
        path = QFileDialog.getExistingDirectory(self, "Watch a folder")
        if path:
            self.add_requested.emit(Path(path))

    def _remove(self) -> None:
        path = self.selected()
        if path is not None:
            self.remove_requested.emit(path)

    def _pause(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.pause_requested.emit(str(item.data(0, PATH_ROLE)),
                                      not bool(item.data(1, PATH_ROLE)))

    def _update_buttons(self) -> None:
        item = self.list.currentItem()
        self.remove.setEnabled(item is not None)
        self.pause.setEnabled(item is not None)
        paused = item is not None and bool(item.data(1, PATH_ROLE))
        self.pause.setText("Resume" if paused else "Pause")
