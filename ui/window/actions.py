"""What the user does in the window: asking, and the dialogs (files to import,
a model to add, the settings, rename, delete, export, errors)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox

from assistant.app import SUPPORTED_SUFFIXES, Hit, IngestReport, location
from assistant.app import answer_markdown as answer_as_text
from ui.controllers import Controllers
from ui.panels.remote_dialog import RemoteModelDialog
from ui.panels.settings_dialog import SettingsDialog
from ui.window.layout import WindowLayout


class WindowActions(QObject):
    """The window's actions: each asks a controller, with a dialog first where one is due.
    Their menu items and shortcuts are in :mod:`ui.window.menus`."""

    def __init__(self, window: WindowLayout, controllers: Controllers) -> None:
        super().__init__(window)
        self.window = window
        self.controllers = controllers
        self.error_box: QMessageBox | None = None
        self.settings_dialog: SettingsDialog | None = None

    # -- asking -----------------------------------------------------------------------------

    def send(self) -> None:
        """Ask the question in the input box."""
        self.ask(self.window.question.question())  # it empties once the question is stored

    def ask(self, question: str) -> bool:
        """Ask ``question`` in the current conversation."""
        return self.controllers.chat.ask(question)

    def new_conversation(self) -> None:
        """Start over with an empty chat."""
        if self.controllers.session.busy:
            return
        self.controllers.chat.new_conversation()
        self.window.chat.clear_turns()
        self.window.figure.show_answer(None)
        self.window.question.starters.setVisible(True)

    def copy_answer(self) -> None:
        """Copy the answer shown in the sources panel (or the last one) with its sources."""
        window = self.window
        answer = window.sources.answer or next(
            (t.answer for t in reversed(window.chat.turns) if t.answer is not None), None)
        if answer is None:
            return
        QApplication.clipboard().setText(answer_as_text(answer))
        window.statusBar().showMessage("Answer copied with its sources", 4000)

    # -- sources and passages ---------------------------------------------------------------

    def open_citation(self, turn: int, number: int) -> None:
        """Show the sources of a citation's answer and open the cited one."""
        window = self.window
        answer = window.chat.turns[turn].answer if turn < len(window.chat.turns) else None
        if answer is None or not 1 <= number <= len(answer.sources):
            window.statusBar().showMessage(f"[{number}] is not one of this answer's sources",
                                           5000)
            return
        window.sources.show_answer(answer)
        self.open_source(number)

    def show_flags(self, turn: int, _number: int) -> None:
        """Show an answer's sentences the sources do not support."""
        window = self.window
        answer = window.chat.turns[turn].answer if turn < len(window.chat.turns) else None
        if answer is not None:
            window.sources.show_answer(answer)
            window.side.setCurrentWidget(window.sources)
            window.sources.scrollToAnchor("unsupported")

    def open_source(self, number: int) -> None:
        """Open source ``number`` of those shown at its passage."""
        hits = self.window.sources.hits
        if 1 <= number <= len(hits):
            self.controllers.chat.open_passage(hits[number - 1])

    def show_passage(self, hit: Hit, text: str) -> None:
        """Show a passage in its document (a PDF at its page)."""
        viewer = self.window.viewer
        label = f"{hit.title} — {location(hit.page, hit.heading, hit.title)}"
        # Show the viewer first: a PDF view laid out after the jump lands on another page.
        self.window.side.setCurrentWidget(viewer)
        if text:
            viewer.show_text(hit.path, text, hit.start, hit.end, label)
        else:
            viewer.show_pdf(hit.path, hit.page or 1, hit.text, label)

    # -- models and settings ----------------------------------------------------------------

    def add_model(self) -> None:
        """Choose a GGUF file to add."""
        path, _ = QFileDialog.getOpenFileName(self.window, "Add a GGUF model", "",
                                              "GGUF models (*.gguf);;All files (*)")
        if path:
            self.controllers.models.add_model(Path(path))

    def use_remote_model(self) -> None:
        """Ask for a model server's address, then answer with its model."""
        settings = self.controllers.session.settings
        dialog = RemoteModelDialog(settings.remote_url, settings.remote_model, self.window)
        self.remote_dialog = dialog
        dialog.accepted.connect(lambda: self.controllers.models.use_remote(*dialog.choice()))
        dialog.open()

    def open_settings(self) -> None:
        """Edit the settings; OK saves and applies them."""
        dialog = SettingsDialog(self.controllers.session.settings,
                                self.controllers.api.new_token, self.window)
        self.settings_dialog = dialog
        dialog.accepted.connect(lambda: self.controllers.models.apply_settings(dialog.settings()))
        dialog.open()

    # -- the library ------------------------------------------------------------------------

    def import_files(self) -> None:
        """Choose files to import (Ctrl+O)."""
        patterns = " ".join(f"*{suffix}" for suffix in SUPPORTED_SUFFIXES)
        paths, _ = QFileDialog.getOpenFileNames(self.window, "Import files", "",
                                                f"Documents ({patterns});;All files (*)")
        if paths:
            self.import_paths([Path(p) for p in paths])

    def import_folder(self) -> None:
        """Choose a folder to import, with its subfolders."""
        folder = QFileDialog.getExistingDirectory(self.window, "Import folder")
        if folder:
            self.import_paths([Path(folder)])

    def import_paths(self, paths: list[Path]) -> None:
        """Import files and folders into "My documents"."""
        if self.controllers.library.import_paths(paths):
            self.window.left.setCurrentWidget(self.window.library)

    def import_finished(self, report: IngestReport) -> None:
        """Keep the import's failures to show in the library."""
        self.window.library.failures = [r for r in report.results if r.status == "failed"]
        self.window.library.hide_progress()

    def remove_document(self, doc_id: int, title: str) -> None:
        """Remove a document, once the user agrees."""
        answer = QMessageBox.question(self.window, "Remove document",
                                      f"Remove “{title}” from the library? The file itself "
                                      "is not touched.")
        if answer == QMessageBox.StandardButton.Yes:
            self.controllers.library.remove_document(doc_id)

    def summarize_document(self, doc_id: int, title: str) -> None:
        """Ask for the document's summary in the chat (a question like any other)."""
        self.ask(f"Summarize “{title}” (document {doc_id})")

    # -- conversations ----------------------------------------------------------------------

    def _selected_title(self, fallback: str) -> str:
        item = self.window.conversations.list.currentItem()
        return item.toolTip() if item is not None else fallback

    def rename(self, conversation_id: int) -> None:
        """Ask for a new title."""
        title, ok = QInputDialog.getText(self.window, "Rename conversation", "Title:",
                                         text=self._selected_title(""))
        if ok and title.strip():
            self.controllers.conversations.rename(conversation_id, title.strip())

    def delete(self, conversation_id: int) -> None:
        """Delete a conversation, once the user agrees (the chat empties if it was open)."""
        title = self._selected_title("this conversation")
        answer = QMessageBox.question(
            self.window, "Delete conversation",
            f"Delete “{title}” and all its answers? This cannot be undone.")
        if answer == QMessageBox.StandardButton.Yes:
            if conversation_id == self.controllers.session.conversation_id:
                self.window.chat.clear_turns()
                self.window.figure.show_answer(None)
                self.window.question.starters.setVisible(True)
            self.controllers.conversations.delete(conversation_id)

    def export(self, conversation_id: int) -> None:
        """Choose where to export a conversation as Markdown."""
        name = self._selected_title("conversation").strip() or "conversation"
        safe = "".join(c if c.isalnum() or c in " -_" else "_" for c in name)[:60]
        path, _ = QFileDialog.getSaveFileName(self.window, "Export conversation", f"{safe}.md",
                                              "Markdown (*.md)")
        if path:
            self.controllers.conversations.export(conversation_id, Path(path))

    # -- errors -----------------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        """Show an error in the status bar and in a message box that does not block."""
        session = self.controllers.session
        self.window.model_bar.progress_action.setVisible(session.model_id is None and
                                                         session.service is not None)
        self.window.statusBar().showMessage(message, 10_000)
        self.error_box = QMessageBox(QMessageBox.Icon.Warning, "Offgrid", message,
                                     QMessageBox.StandardButton.Ok, self.window)
        self.error_box.open()
