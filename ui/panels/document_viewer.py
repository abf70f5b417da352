"""Open a document at a passage: a PDF at the passage's place on its page; Markdown and HTML
formatted (inert: nothing is fetched) and other text as it is, the passage highlighted in the
upper third of the view."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QPointF, QTimer
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtPdf import QPdfDocument, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QLabel,
    QStackedWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.panels.passage_text import MAX_FORMATTED_BYTES, find_passage, formatted_kind
from ui.widgets.inert import InertBrowser

HIGHLIGHT = QColor("#fff1a8")
SEARCH_CHARS = 60
# A document's own Markdown: tables and the rest of GitHub's dialect, raw HTML shown as text.
DOCUMENT_MARKDOWN = (QTextDocument.MarkdownFeature.MarkdownDialectGitHub
                     | QTextDocument.MarkdownFeature.MarkdownNoHTML)
VIEW_THIRD = 3  # a passage's first line is put this far down: 1/3 of the view


def utf16_offset(text: str, index: int) -> int:
    """Qt counts UTF-16 code units; Python counts code points (they differ past U+FFFF)."""
    return len(text[:index].encode("utf-16-le")) // 2


def _read_source(path: str) -> str | None:
    """A document file's own text for showing it formatted, or None (gone, unreadable, huge)."""
    try:
        file = Path(path)
        if file.stat().st_size > MAX_FORMATTED_BYTES:
            return None
        return file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


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
        self.search.rowsInserted.connect(lambda *_: self._place_pdf_passage())
        self.search.modelReset.connect(self._place_pdf_passage)
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
        self.selection: tuple[int, int] | None = None  # in the view's text (UTF-16 units)
        self.formatted = False  # whether the text is shown formatted (Markdown or HTML)
        self.pdf_point: QPointF | None = None  # where on its page the PDF passage begins
        self._shown = ""  # the view's plain text, as Python sees it
        self._text_hash: int | None = None  # of the extracted text the view was loaded for
        self._pdf_page_waiting: int | None = None  # a PDF page whose passage is searched for

    # -- PDFs -------------------------------------------------------------------------------

    def show_pdf(self, path: str, page: int, passage: str, label: str) -> bool:
        """Open a PDF at ``page`` (1-based) and, once found, at the passage's place on it,
        its opening words marked."""
        if self.path != path:
            self.pdf_document.load(path)
            if self.pdf_document.status() != QPdfDocument.Status.Ready:
                self.title.setText(f"Cannot open {Path(path).name}: the file is gone or "
                                   "unreadable.")
                return False
            self.path, self._text_hash = path, None
        self.stack.setCurrentWidget(self.pdf_view)
        self.title.setText(label)
        self.page = page
        self.pdf_point = None
        self._pdf_page_waiting = page - 1
        self.pdf_view.pageNavigator().jump(page - 1, QPointF(), 0)
        opening = " ".join(passage.split())[:SEARCH_CHARS + 1].rsplit(" ", 1)[0]
        if self.search.searchString() == opening:
            self._place_pdf_passage()
        else:
            self.search.setSearchString(opening)  # results arrive a page at a time
        return True

    def _place_pdf_passage(self) -> None:
        """Scroll the passage's first line to the upper third, once the search finds it."""
        page = self._pdf_page_waiting
        if page is None:
            return
        found = self.search.resultsOnPage(page)
        if not found:
            return
        self._pdf_page_waiting = None
        self.pdf_point = found[0].location()
        QTimer.singleShot(0, self._scroll_pdf)
        for row in range(self.search.rowCount(QModelIndex())):
            link = self.search.resultAtIndex(row)
            if link.page() == page and link.location() == self.pdf_point:
                self.pdf_view.setCurrentSearchResultIndex(row)
                break
        self._scroll_pdf()

    def pdf_page_top(self, page: int) -> float:
        """Where page ``page`` (0-based) begins in the PDF view's scroll range (fit to
        width, pages one below another)."""
        margins = self.pdf_view.documentMargins()
        top = float(margins.top())
        for before in range(page):
            top += round(self.pdf_document.pagePointSize(before).height() * self.pdf_scale())
            top += self.pdf_view.pageSpacing()
        return top

    def pdf_scale(self) -> float:
        """Pixels per PDF point, fitting the first page's width to the view."""
        margins = self.pdf_view.documentMargins()
        width = self.pdf_document.pagePointSize(0).width() or 1.0
        return (self.pdf_view.viewport().width() - margins.left() - margins.right()) / width

    def _scroll_pdf(self) -> None:
        if self.pdf_point is None or self.page is None:
            return
        y = self.pdf_page_top(self.page - 1) + self.pdf_point.y() * self.pdf_scale()
        bar = self.pdf_view.verticalScrollBar()
        bar.setValue(round(y - self.pdf_view.viewport().height() / VIEW_THIRD))

    # -- text -------------------------------------------------------------------------------

    def show_text(self, path: str, text: str, start: int, end: int, label: str) -> None:
        """Show a document with the passage ``text[start:end]`` (of its extracted text)
        highlighted in the upper third of the view; Markdown and HTML formatted."""
        self.stack.setCurrentWidget(self.text_view)
        self.title.setText(label)
        self._pdf_page_waiting = None
        if (self.path, self._text_hash) != (path, hash(text)):  # new, or re-indexed since
            self._load(path, text)
            self.path, self._text_hash = path, hash(text)
        span = None
        if self.formatted:
            near = start * len(self._shown) // max(1, len(text))
            span = find_passage(self._shown, text[start:end], near)
            if span is None:  # the file changed since it was read: show what was read
                self._show_plain(text)
        if span is None:
            span = (start, end)
        first, last = utf16_offset(self._shown, span[0]), utf16_offset(self._shown, span[1])
        cursor = QTextCursor(self.text_view.document())
        cursor.setPosition(first)
        cursor.setPosition(last, QTextCursor.MoveMode.KeepAnchor)
        mark = QTextEdit.ExtraSelection()
        mark.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setBackground(HIGHLIGHT)
        mark.format = fmt
        self.text_view.setExtraSelections([mark])
        self.selection = (first, last)
        view_cursor = QTextCursor(self.text_view.document())
        view_cursor.setPosition(first)
        self.text_view.setTextCursor(view_cursor)
        self._scroll_text()
        QTimer.singleShot(0, self._scroll_text)  # again once a fresh layout has settled

    def _load(self, path: str, text: str) -> None:
        kind = formatted_kind(path)
        source = _read_source(path) if kind is not None else None
        if source is None:
            self._show_plain(text)
            return
        if kind == "markdown":
            self.text_view.document().setMarkdown(source, DOCUMENT_MARKDOWN)
        else:
            self.text_view.setHtml(source)
        self.formatted = True
        self._shown = self.text_view.toPlainText()

    def _show_plain(self, text: str) -> None:
        self.text_view.setPlainText(text)
        self.formatted = False
        self._shown = text

    def _scroll_text(self) -> None:
        """Put the highlighted passage's first line a third of the way down the view."""
        if self.selection is None or self.stack.currentWidget() is not self.text_view:
            return
        cursor = QTextCursor(self.text_view.document())
        cursor.setPosition(self.selection[0])
        top = self.text_view.cursorRect(cursor).top()
        bar = self.text_view.verticalScrollBar()
        bar.setValue(bar.value() + top - self.text_view.viewport().height() // VIEW_THIRD)

    def passage_top(self) -> int:
        """Where the highlighted passage's first line is, in view pixels from the top."""
        cursor = QTextCursor(self.text_view.document())
        cursor.setPosition(self.selection[0] if self.selection else 0)
        return self.text_view.cursorRect(cursor).top()
