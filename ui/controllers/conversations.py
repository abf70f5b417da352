"""The stored conversations: list and search them, rename, delete and export one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from assistant.app import AssistantService
from ui.controllers.session import Changes, Session


class ConversationsController(QObject):
    """Keeps the conversation list current: it reloads whenever a write changed it."""

    conversations_changed = Signal(list)

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.session = session
        self._search = ""
        session.changed.connect(self._changed)

    def _changed(self, changes: Changes) -> None:
        if changes.conversations:
            self.refresh()

    def refresh(self, search: str | None = None) -> None:
        """Reload the conversation list (filtered by the last search text); only the newest
        of the reloads in flight is shown."""
        if search is not None:
            self._search = search
        text = self._search
        self.session.run_latest("conversations", lambda s: s.list_conversations(text),
                                self.conversations_changed.emit)

    def rename(self, conversation_id: int, title: str) -> None:
        """Rename a conversation."""
        self.session.write(lambda s: s.rename_conversation(conversation_id, title),
                           Changes(conversations=True))

    def delete(self, conversation_id: int) -> None:
        """Delete a conversation (the next question starts a new one if it was the open one)."""
        if conversation_id == self.session.conversation_id:
            self.session.conversation_id = None
        self.session.write(lambda s: s.delete_conversation(conversation_id),
                           Changes(conversations=True))

    def export(self, conversation_id: int, path: Path) -> None:
        """Write a conversation to ``path`` as Markdown."""
        def export(service: AssistantService) -> Path:
            path.write_text(service.export_conversation(conversation_id), encoding="utf-8")
            return path

        self.session.run(export, lambda written: self.session.status.emit(
            f"Exported to {written}"))
