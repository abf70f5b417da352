"""HTML files: visible text in reading order, sectioned by h1–h6 heading path."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from assistant.library.documents import ExtractedDocument, TextBuilder
from assistant.library.loaders.text import decode_text

_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "table", "td", "th", "tr", "ul",
}
_HIDDEN_TAGS = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_SPACE = re.compile(r"\s+")


class _VisibleText(HTMLParser):
    """Collects visible text blocks, tracking the heading path and the page title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = TextBuilder()
        self.title = ""
        self.first_h1 = ""
        self._hidden = 0
        self._in_title = False
        self._pre = 0
        self._buffer: list[str] = []
        self._stack: list[tuple[int, str]] = []
        self._heading_level = 0

    def _path(self) -> str | None:
        return " > ".join(name for _, name in self._stack) or None

    def _flush(self) -> None:
        raw = "".join(self._buffer)
        self._buffer.clear()
        block = raw if self._pre else _SPACE.sub(" ", raw)
        if not block.strip():
            return
        if self._heading_level:
            name = _SPACE.sub(" ", block).strip()
            while self._stack and self._stack[-1][0] >= self._heading_level:
                self._stack.pop()
            self._stack.append((self._heading_level, name))
            if self._heading_level == 1 and not self.first_h1:
                self.first_h1 = name
        self.builder.add(block, heading=self._path())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _HEADINGS:
            self._flush()
            self._heading_level = _HEADINGS[tag]
        elif tag in _BLOCK_TAGS:
            self._flush()
            if tag == "pre":
                self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in _HEADINGS:
            self._flush()
            self._heading_level = 0
        elif tag in _BLOCK_TAGS:
            self._flush()
            if tag == "pre":
                self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._hidden:
            self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def load_html(path: Path) -> ExtractedDocument:
    """An ``.html`` file: visible text only (no scripts, styles or remote content)."""
    parser = _VisibleText()
    parser.feed(decode_text(path.read_bytes()))
    parser.close()
    title = _SPACE.sub(" ", parser.title).strip() or parser.first_h1 or path.stem
    return ExtractedDocument(
        text=parser.builder.text(), title=title, kind="html",
        sections=tuple(parser.builder.sections),
    )
