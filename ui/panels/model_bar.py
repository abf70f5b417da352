"""The toolbar for the language model: the picker, "Add model…", loading, and Settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QProgressBar, QPushButton, QToolBar, QWidget

from assistant.app import ModelEntry


class ModelBar(QToolBar):
    """Lists the chat models; emits ``chosen(path)`` when the user picks another one."""

    chosen = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Model", parent)
        self.setObjectName("model-toolbar")
        self.setMovable(False)
        self.combo = QComboBox()
        self.combo.setAccessibleName("Model")
        self.combo.setMinimumWidth(280)
        self.add_button = QPushButton("Add model…")
        self.add_button.setAccessibleName("Add a GGUF model file")
        self.remote_button = QPushButton("Remote model…")
        self.remote_button.setAccessibleName("Answer with a model on a model server")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: llama.cpp gives no loading progress
        self.progress.setMaximumWidth(120)
        self.progress.setAccessibleName("Loading the model")
        self.settings_button = QPushButton("Settings…")
        self.settings_button.setAccessibleName("Settings (Ctrl+,)")
        self.addWidget(QLabel(" Model: "))
        self.addWidget(self.combo)
        self.addWidget(self.add_button)
        self.addWidget(self.remote_button)
        # A toolbar shows or hides a widget through its action.
        self.progress_action = self.addWidget(self.progress)
        self.addSeparator()
        self.addWidget(self.settings_button)
        self.current: str | None = None
        self.remote: str | None = None  # the served model in use, if one is
        self.combo.activated.connect(self._activated)

    def set_models(self, entries: list[ModelEntry]) -> None:
        """Fill the picker, keeping the loaded model selected."""
        self.combo.blockSignals(True)
        self.combo.clear()
        for entry in entries:
            missing = "" if entry.path.exists() else " (file missing)"
            self.combo.addItem(f"{entry.name}{missing}", str(entry.path))
        self.combo.blockSignals(False)
        self._show_current()

    def loading(self) -> None:
        """Show that a model is loading; no other can be picked meanwhile."""
        self.progress_action.setVisible(True)
        self.combo.setEnabled(False)

    def ready(self, model_id: str, *, remote: bool = False) -> None:
        """A model is loaded (``model_id`` is its file's stem, or a served model's name)."""
        self.current = model_id
        self.remote = model_id if remote else None
        self.progress_action.setVisible(False)
        self.combo.setEnabled(True)
        self._show_current()

    def _show_current(self) -> None:
        """Select the model in use; a served one is listed first, as "NAME (remote)"."""
        self.combo.blockSignals(True)
        for index in reversed(range(self.combo.count())):
            if not self.combo.itemData(index):
                self.combo.removeItem(index)  # the served model listed before
        if self.remote:
            self.combo.insertItem(0, f"{self.remote} (remote)", "")
            self.combo.setCurrentIndex(0)
        elif self.current:
            self._select(self.current)
        self.combo.blockSignals(False)

    def _select(self, model_id: str) -> None:
        for index in range(self.combo.count()):
            if self.combo.itemData(index) and Path(self.combo.itemData(index)).stem == model_id:
                self.combo.setCurrentIndex(index)
                return

    def _activated(self, index: int) -> None:
        if not self.combo.itemData(index):
            return  # the remote model in use
        path = Path(self.combo.itemData(index))
        if path.stem != self.current:
            self.chosen.emit(path)
