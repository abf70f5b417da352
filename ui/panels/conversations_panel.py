"""The conversations sidebar: search, list, new, rename, delete, export."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant.app import Conversation


class ConversationsPanel(QWidget):
    """Lists conversations; the window answers its requests (dialogs live there)."""

    selected = Signal(int)
    new_requested = Signal()
    rename_requested = Signal(int)
    delete_requested = Signal(int)
    export_requested = Signal(int)
    search_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search conversations (Ctrl+F)")
        self.search.setAccessibleName("Search conversations")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Conversations")
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.new_button = QPushButton("New (Ctrl+N)")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete…")
        self.export_button = QPushButton("Export…")
        for button, name in ((self.new_button, "New conversation"),
                             (self.rename_button, "Rename conversation"),
                             (self.delete_button, "Delete conversation"),
                             (self.export_button, "Export conversation to Markdown")):
            button.setAccessibleName(name)
        buttons = QGridLayout()
        buttons.addWidget(self.new_button, 0, 0)
        buttons.addWidget(self.rename_button, 0, 1)
        buttons.addWidget(self.delete_button, 1, 0)
        buttons.addWidget(self.export_button, 1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.search.textChanged.connect(self.search_changed)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        self.new_button.clicked.connect(self.new_requested)
        self.rename_button.clicked.connect(lambda: self._request(self.rename_requested))
        self.delete_button.clicked.connect(lambda: self._request(self.delete_requested))
        self.export_button.clicked.connect(lambda: self._request(self.export_requested))
        self._update_buttons()
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())

    def set_conversations(self, conversations: list[Conversation],
                          current: int | None) -> None:
        """Show ``conversations``, keeping ``current`` selected."""
        self.list.blockSignals(True)
        self.list.clear()
        for conversation in conversations:
            when = datetime.fromtimestamp(conversation.updated).strftime("%d %b %H:%M")
            item = QListWidgetItem(f"{conversation.title}\n{when} · {conversation.turns} "
                                   f"{'turn' if conversation.turns == 1 else 'turns'}")
            item.setData(Qt.ItemDataRole.UserRole, conversation.id)
            item.setToolTip(conversation.title)
            self.list.addItem(item)
            if conversation.id == current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self._update_buttons()

    def current_id(self) -> int | None:
        """The selected conversation's id."""
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def _activated(self, item: QListWidgetItem) -> None:
        self.selected.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def _request(self, signal: Signal) -> None:
        current = self.current_id()
        if current is not None:
            signal.emit(current)  # type: ignore[attr-defined]

    def _update_buttons(self) -> None:
        chosen = self.list.currentItem() is not None
        for button in (self.rename_button, self.delete_button, self.export_button):
            button.setEnabled(chosen)
