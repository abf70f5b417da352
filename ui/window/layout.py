"""The main window's layout: chat, sources and status, and the mining workbench's tab. It
lays out and displays; what its parts do is wired in :mod:`ui.window.wiring`,
:mod:`ui.window.actions` and :mod:`ui.window.workbench`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMainWindow, QSplitter, QTabWidget, QVBoxLayout, QWidget

from ui.panels.chat_view import ChatView
from ui.panels.conversations_panel import ConversationsPanel
from ui.panels.document_viewer import DocumentViewer
from ui.panels.figure_card import FigureCard
from ui.panels.library_panel import LibraryPanel
from ui.panels.mining_panel import MiningPanel
from ui.panels.model_bar import ModelBar
from ui.panels.question_box import QuestionBox
from ui.panels.sources_panel import SourcesPanel
from ui.panels.status_bar import StatusBar
from ui.window.appearance import Appearance


class WindowLayout(QMainWindow):
    """The window's panels, laid out; drops and closing are announced by signals."""

    files_dropped = Signal(list)  # local paths dropped on the window
    closing = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Offgrid — offline research assistant")
        self.resize(1200, 780)
        self.appearance = Appearance(self)  # the theme and font size shown

        self.chat = ChatView()
        self.question = QuestionBox()
        chat_column = QWidget()
        column = QVBoxLayout(chat_column)
        column.addWidget(self.chat, 1)
        self.figure = FigureCard()  # a computed answer's chart, under the conversation
        column.addWidget(self.figure)
        column.addWidget(self.question)
        self.sources = SourcesPanel()
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
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.left)
        splitter.addWidget(chat_column)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 2)
        self.side.setMinimumWidth(340)
        splitter.setSizes([330, 540, 430])
        self.setAcceptDrops(True)
        self.mining = MiningPanel()
        self.pages = QTabWidget()  # the workbench needs the window's width for its charts
        self.pages.setDocumentMode(True)
        self.pages.addTab(splitter, "&Assistant")
        self.pages.addTab(self.mining, "&Mining economics")
        self.pages.setAccessibleName("Assistant and mining economics")
        self.setCentralWidget(self.pages)
        self.model_bar = ModelBar()
        self.addToolBar(self.model_bar)
        self.status_bar = StatusBar()
        self.setStatusBar(self.status_bar)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt's name)
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.closing.emit()  # the session stops its work and waits for its threads
        super().closeEvent(event)
