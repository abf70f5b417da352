"""The main window: chat, sources and status; it lays out and displays, the controller acts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from assistant.app import SUPPORTED_SUFFIXES, Answer, Hit, IngestReport, Retrieved, location
from assistant.app import answer_markdown as answer_as_text
from ui.controllers.session import AppController
from ui.panels.chat_view import ChatView
from ui.panels.conversations_panel import ConversationsPanel
from ui.panels.document_viewer import DocumentViewer
from ui.panels.library_panel import LibraryPanel
from ui.panels.model_bar import ModelBar
from ui.panels.settings_dialog import SettingsDialog
from ui.panels.sources_panel import SourcesPanel
from ui.panels.status_bar import process_memory_mb
from ui.window.appearance import apply_appearance

STARTER_QUESTIONS = (
    "Why are miners moving to Paraguay and Ethiopia?",
    "What is hashprice?",
    "How does the difficulty adjustment work?",
    "Why might AI decentralize while Bitcoin centralizes?",
)


class ChatInput(QPlainTextEdit):
    """Multi-line question box: Enter sends, Shift+Enter starts a new line."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class MainWindow(QMainWindow):
    """Offgrid's window over an :class:`AppController`."""

    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.controller = controller
        self.setWindowTitle("Offgrid — offline research assistant")
        self.resize(1200, 780)

        self.chat = ChatView()
        self.sources = SourcesPanel()
        self.input = ChatInput()
        self.input.setPlaceholderText("Ask your documents… (Enter sends, Shift+Enter: new line)")
        self.input.setAccessibleName("Question")
        self.input.setFixedHeight(84)
        self.send_button = QPushButton("Send")
        self.send_button.setAccessibleName("Send question")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setAccessibleName("Stop answer")
        self.stop_button.setEnabled(False)
        self.starters = QWidget()
        starter_list = QVBoxLayout(self.starters)
        starter_list.setContentsMargins(0, 0, 0, 0)
        starter_list.addWidget(QLabel("Try one of these, or ask your own question:"))
        self.starter_buttons: list[QPushButton] = []
        for question in STARTER_QUESTIONS:
            button = QPushButton(question)
            self.starter_buttons.append(button)
            button.setAccessibleName(f"Ask: {question}")
            button.clicked.connect(lambda _=False, q=question: self.ask(q))
            starter_list.addWidget(button)

        self.copy_button = QPushButton("Copy answer")
        self.copy_button.setAccessibleName("Copy the last answer with its sources")
        self.copy_button.setEnabled(False)
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.copy_button)
        input_row = QHBoxLayout()
        input_row.addWidget(self.input, 1)
        input_row.addLayout(buttons)
        chat_column = QWidget()
        column = QVBoxLayout(chat_column)
        column.addWidget(self.chat, 1)
        column.addWidget(self.starters)
        column.addLayout(input_row)
        self.viewer = DocumentViewer()
        self.side = QTabWidget()
        self.side.addTab(self.sources, "Sources")
        self.side.addTab(self.viewer, "Document")
        self.side.setAccessibleName("Sources and document")
        self.conversations = ConversationsPanel()
        self.library = LibraryPanel()
        self.left = QTabWidget()
        self.left.addTab(self.conversations, "Chats")
        self.left.addTab(self.library, "Library")
        self.left.setAccessibleName("Conversations and library")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.left)
        splitter.addWidget(chat_column)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 2)
        self.side.setMinimumWidth(340)
        splitter.setSizes([330, 540, 430])
        self.setAcceptDrops(True)
        self.setCentralWidget(splitter)

        self.model_bar = ModelBar()
        self.addToolBar(self.model_bar)
        self.model_label = QLabel("Model: loading…")
        self.memory_label = QLabel("")
        self.speed_label = QLabel("")
        offline = QLabel("● Offline")
        offline.setToolTip("Nothing leaves this computer: no network is used.")
        self.statusBar().addPermanentWidget(self.speed_label)
        self.statusBar().addPermanentWidget(self.memory_label)
        self.statusBar().addPermanentWidget(self.model_label)
        self.statusBar().addPermanentWidget(offline)

        self.input.submitted.connect(self.send)
        self.send_button.clicked.connect(self.send)
        self.stop_button.clicked.connect(controller.stop)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=controller.stop)
        QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_conversation)
        QShortcut(QKeySequence.StandardKey.Find, self,
                  activated=lambda: self.conversations.search.setFocus())
        panel = self.conversations
        panel.new_requested.connect(self.new_conversation)
        panel.selected.connect(controller.open_conversation)
        panel.search_changed.connect(lambda text: controller.refresh_conversations(text))
        panel.rename_requested.connect(self._rename)
        panel.delete_requested.connect(self._delete)
        panel.export_requested.connect(self._export)
        controller.conversations_changed.connect(
            lambda items: panel.set_conversations(items, controller.conversation_id))
        controller.conversation_opened.connect(self._conversation_opened)
        library = self.library
        QShortcut(QKeySequence.StandardKey.Open, self, activated=self.import_files)
        library.import_files_requested.connect(self.import_files)
        library.import_folder_requested.connect(self.import_folder)
        library.cancel_requested.connect(controller.library.cancel_import)
        library.reindex_requested.connect(controller.library.reindex)
        library.remove_requested.connect(self._remove_document)
        library.scope_changed.connect(controller.set_scope)
        controller.library.library_changed.connect(library.set_library)
        controller.library.import_progress.connect(library.show_progress)
        controller.library.import_finished.connect(self._import_finished)
        controller.status.connect(self.statusBar().showMessage)
        controller.model_ready.connect(self._model_ready)
        controller.model_loading.connect(self._model_loading)
        controller.models_changed.connect(self.model_bar.set_models)
        self.model_bar.chosen.connect(controller.use_model)
        self.model_bar.add_button.clicked.connect(self._add_model)
        self.model_bar.settings_button.clicked.connect(self.open_settings)
        QShortcut(QKeySequence.StandardKey.Preferences, self, activated=self.open_settings)
        QShortcut(QKeySequence("Ctrl+,"), self, activated=self.open_settings)
        controller.settings_changed.connect(
            lambda settings: apply_appearance(settings.theme, settings.font_size))
        self._memory_timer = QTimer(self)
        self._memory_timer.timeout.connect(self._show_memory)
        self._memory_timer.start(2000)
        self._show_memory()
        controller.question_asked.connect(self._question_asked)
        controller.token.connect(self.chat.append_text)
        controller.retrieved.connect(self._retrieved)
        controller.answered.connect(self._answered)
        controller.busy_changed.connect(self._busy)
        controller.error.connect(self._error)
        controller.passage_ready.connect(self._show_passage)
        self.sources.source_clicked.connect(self._open_source)
        self.chat.citation_clicked.connect(self._open_citation)
        self.chat.flag_clicked.connect(self._show_flags)
        self.copy_button.clicked.connect(self.copy_answer)
        # Reading order: conversations, the chat, the question and its buttons, the sources.
        panel = self.conversations
        chain = [panel.search, panel.list, panel.new_button, panel.rename_button,
                 panel.delete_button, panel.export_button, self.chat, *self.starter_buttons,
                 self.input,
                 self.send_button, self.stop_button, self.copy_button, self.side,
                 self.sources, self.model_bar.combo, self.model_bar.add_button,
                 self.model_bar.settings_button]
        for first, second in zip(chain, chain[1:], strict=False):
            self.setTabOrder(first, second)
        self.error_box: QMessageBox | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.input.setFocus()

    def send(self) -> None:
        """Ask the question in the input box."""
        self.ask(self.input.toPlainText())  # the box empties once the question is stored

    def ask(self, question: str) -> bool:
        """Ask ``question`` in the current conversation."""
        return self.controller.ask(question)

    def new_conversation(self) -> None:
        """Start over with an empty chat."""
        if self.controller.busy:
            return
        self.controller.new_conversation()
        self.chat.clear_turns()
        self.starters.setVisible(True)

    def _model_ready(self, model_id: str) -> None:
        notice = self.controller.model_notice()
        self.model_label.setText(f"Model: {model_id}{' (safe mode)' if notice else ''}")
        self.model_label.setToolTip(notice[:1].upper() + notice[1:] if notice else "")
        self.model_bar.ready(model_id)

    def _model_loading(self, name: str) -> None:
        self.model_label.setText(f"Model: loading {name}…")
        self.model_bar.loading()

    def _add_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Add a GGUF model", "",
                                              "GGUF models (*.gguf);;All files (*)")
        if path:
            self.controller.add_model(Path(path))

    def open_settings(self) -> None:
        """Edit the settings; OK saves and applies them."""
        dialog = SettingsDialog(self.controller.settings, self)
        self.settings_dialog = dialog
        dialog.accepted.connect(lambda: self.controller.apply_settings(dialog.settings()))
        dialog.open()

    def _show_memory(self) -> None:
        """The app's memory with its model engine's (the model lives in that process)."""
        app, engine = process_memory_mb(), self.controller.engine_memory_mb()
        self.memory_label.setText(f"{app + engine:.0f} MB")
        self.memory_label.setToolTip(f"Offgrid {app:.0f} MB + model engine {engine:.0f} MB")

    def import_files(self) -> None:
        """Choose files to import (Ctrl+O)."""
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import files", "",
            f"Documents ({' '.join('*' + suffix for suffix in SUPPORTED_SUFFIXES)});;All files (*)")
        if paths:
            self.import_paths([Path(p) for p in paths])

    def import_folder(self) -> None:
        """Choose a folder to import, with its subfolders."""
        folder = QFileDialog.getExistingDirectory(self, "Import folder")
        if folder:
            self.import_paths([Path(folder)])

    def import_paths(self, paths: list[Path]) -> None:
        """Import files and folders into "My documents"."""
        if self.controller.library.import_paths(paths):
            self.left.setCurrentWidget(self.library)

    def _import_finished(self, report: IngestReport) -> None:
        self.library.failures = [r for r in report.results if r.status == "failed"]
        self.library.hide_progress()

    def _remove_document(self, doc_id: int, title: str) -> None:
        answer = QMessageBox.question(self, "Remove document",
                                      f"Remove “{title}” from the library? The file itself "
                                      "is not touched.")
        if answer == QMessageBox.StandardButton.Yes:
            self.controller.library.remove_document(doc_id)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt's name)
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    def _conversation_opened(self, _conversation_id: int, answers: list[Answer]) -> None:
        self.chat.show_answers(answers)
        self.starters.setVisible(not answers)
        if answers:
            self.sources.show_answer(answers[-1])

    def _rename(self, conversation_id: int) -> None:
        item = self.conversations.list.currentItem()
        current = item.toolTip() if item is not None else ""
        title, ok = QInputDialog.getText(self, "Rename conversation", "Title:", text=current)
        if ok and title.strip():
            self.controller.rename_conversation(conversation_id, title.strip())

    def _delete(self, conversation_id: int) -> None:
        item = self.conversations.list.currentItem()
        title = item.toolTip() if item is not None else "this conversation"
        answer = QMessageBox.question(
            self, "Delete conversation",
            f"Delete “{title}” and all its answers? This cannot be undone.")
        if answer == QMessageBox.StandardButton.Yes:
            if conversation_id == self.controller.conversation_id:
                self.chat.clear_turns()
                self.starters.setVisible(True)
            self.controller.delete_conversation(conversation_id)

    def _export(self, conversation_id: int) -> None:
        item = self.conversations.list.currentItem()
        name = (item.toolTip() if item is not None else "conversation").strip() or "conversation"
        safe = "".join(c if c.isalnum() or c in " -_" else "_" for c in name)[:60]
        path, _ = QFileDialog.getSaveFileName(self, "Export conversation", f"{safe}.md",
                                              "Markdown (*.md)")
        if path:
            self.controller.export_conversation(conversation_id, Path(path))

    def _question_asked(self, question: str) -> None:
        """The question is stored: show it in the chat, and take it out of the input box."""
        self.starters.setVisible(False)
        self.chat.add_question(question)
        if self.input.toPlainText().strip() == question:
            self.input.clear()

    def _retrieved(self, event: Retrieved) -> None:
        """Show the sources and evidence as soon as they are found, before the answer."""
        if event.abstained or not self.chat.turns:
            return
        self.sources.show_retrieved(event)
        self.side.setCurrentWidget(self.sources)

    def _answered(self, answer: Answer) -> None:
        self.chat.finish(answer)
        self.sources.show_answer(answer)
        self.copy_button.setEnabled(True)
        t = answer.timings
        if not answer.abstained:
            self.speed_label.setText(f"{t.decode_tokens_per_s:.0f} tokens/s · first token "
                                     f"{t.ttft_ms / 1000:.1f} s")

    def _open_citation(self, turn: int, number: int) -> None:
        answer = self.chat.turns[turn].answer if turn < len(self.chat.turns) else None
        if answer is None or not 1 <= number <= len(answer.sources):
            self.statusBar().showMessage(f"[{number}] is not one of this answer's sources", 5000)
            return
        self.sources.show_answer(answer)
        self._open_source(number)

    def _show_flags(self, turn: int, _number: int) -> None:
        answer = self.chat.turns[turn].answer if turn < len(self.chat.turns) else None
        if answer is not None:
            self.sources.show_answer(answer)
            self.side.setCurrentWidget(self.sources)
            self.sources.scrollToAnchor("unsupported")

    def copy_answer(self) -> None:
        """Copy the answer shown in the sources panel (or the last one) with its sources."""
        answer = self.sources.answer or next(
            (t.answer for t in reversed(self.chat.turns) if t.answer is not None), None)
        if answer is None:
            return
        QApplication.clipboard().setText(answer_as_text(answer))
        self.statusBar().showMessage("Answer copied with its sources", 4000)

    def _open_source(self, number: int) -> None:
        hits = self.sources.hits
        if 1 <= number <= len(hits):
            self.controller.open_passage(hits[number - 1])

    def _show_passage(self, hit: Hit, text: str) -> None:
        label = f"{hit.title} — {location(hit.page, hit.heading, hit.title)}"
        # Show the viewer first: a PDF view laid out after the jump lands on another page.
        self.side.setCurrentWidget(self.viewer)
        if text:
            self.viewer.show_text(hit.path, text, hit.start, hit.end, label)
        else:
            self.viewer.show_pdf(hit.path, hit.page or 1, hit.text, label)

    def _busy(self, busy: bool) -> None:
        self.stop_button.setEnabled(busy)
        self.send_button.setEnabled(not busy)

    def _error(self, message: str) -> None:
        """Show an error in the status bar and in a message box that does not block."""
        self.model_bar.progress_action.setVisible(self.controller.model_id is None and
                                                  self.controller.service is not None)
        self.statusBar().showMessage(message, 10_000)
        self.error_box = QMessageBox(QMessageBox.Icon.Warning, "Offgrid", message,
                                     QMessageBox.StandardButton.Ok, self)
        self.error_box.open()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.controller.shutdown()
        super().closeEvent(event)
