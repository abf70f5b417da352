"""Open a document at a passage: a PDF at its page, a text document at the highlighted range."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtPdf import QPdfDocument, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QLabel,
    QStackedWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.inert import InertBrowser

HIGHLIGHT = QColor("#fff1a8")
SEARCH_CHARS = 60


def utf16_offset(text: str, index: int) -> int:
    """Qt counts UTF-16 code units; Python counts code points (they differ past U+FFFF)."""
    return len(text[:index].encode("utf-16-le")) // 2


class DocumentViewer(QWidget):
    """Shows one document; ``show_pdf`` and ``show_text`` put a passage in view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Click a citation or a source to open its document here.")
        self.title.setWordWrap(True)
        self.pdf_document = QPdfDocument(self)
        self.pdf_view = QPdfView()
        self.pdf_view.setDocument(self.pdf_document)
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.pdf_view.setAccessibleName("PDF page")
        self.search = QPdfSearchModel(self)
        self.search.setDocument(self.pdf_document)
        self.pdf_view.setSearchModel(self.search)
        self.text_view = InertBrowser()
        self.text_view.setAccessibleName("Document text")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.text_view)
        self.stack.addWidget(self.pdf_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)
        self.path: str | None = None
        self.page: int | None = None
        self.selection: tuple[int, int] | None = None

    def show_pdf(self, path: str, page: int, passage: str, label: str) -> bool:
        """Open a PDF at ``page`` (1-based), marking the passage's opening words."""
        if self.path != path:
            self.pdf_document.load(path)
            if self.pdf_document.status() != QPdfDocument.Status.Ready:
                self.title.setText(f"Cannot open {Path(path).name}: the file is gone or "
                                   "unreadable.")
                return False
            self.path = path
        self.stack.setCurrentWidget(self.pdf_view)
        self.title.setText(label)
        self.page = page
        self.search.setSearchString(" ".join(passage.split())[:SEARCH_CHARS].rsplit(" ", 1)[0])
        self.pdf_view.pageNavigator().jump(page - 1, QPointF(), 0)
        return True

    def show_text(self, path: str, text: str, start: int, end: int, label: str) -> None:
        """Show a document's text with ``text[start:end]`` highlighted and in view."""
        self.stack.setCurrentWidget(self.text_view)
        self.title.setText(label)
        if self.path != path:
            self.text_view.setPlainText(text)
            self.path = path
        start, end = utf16_offset(text, start), utf16_offset(text, end)
        cursor = QTextCursor(self.text_view.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        mark = QTextEdit.ExtraSelection()
        mark.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setBackground(HIGHLIGHT)
        mark.format = fmt
        self.text_view.setExtraSelections([mark])
        self.selection = (start, end)
        view_cursor = QTextCursor(self.text_view.document())
        view_cursor.setPosition(end)
        self.text_view.setTextCursor(view_cursor)
        view_cursor.setPosition(start)
        self.text_view.setTextCursor(view_cursor)
        self.text_view.ensureCursorVisible()
