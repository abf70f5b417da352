"""Text from documents, models and users shown as text: nothing in it is fetched or followed.

Documents and answers may carry Markdown images, HTML ``<img>`` tags and links to remote hosts
(an exfiltration trick: an image URL that encodes private text). Such text is escaped before it
becomes Markdown, the Markdown is read without HTML or autolinks, and every view refuses to
load any resource at all, recording what was asked for.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

# Markdown that could make a link, an image, an autolink or HTML: ``[`` ``]`` ``<`` ``>`` and
# the backslash itself. Emphasis, lists and headings stay, they fetch nothing.
_ACTIVE = re.compile(r"([\\\[\]<>])")
MARKDOWN_FEATURES = (QTextDocument.MarkdownFeature.MarkdownDialectCommonMark
                     | QTextDocument.MarkdownFeature.MarkdownNoHTML)


def escape_markdown(text: str) -> str:
    """``text`` with every character that could start a link, image or tag escaped."""
    return _ACTIVE.sub(r"\\\1", text.replace("\x00", ""))


class InertBrowser(QTextBrowser):
    """A read-only rich-text view that opens no link and loads no resource."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.refused: list[str] = []  # every resource the document asked for (none expected)

    def show_markdown(self, markdown: str) -> None:
        """Show Markdown built from escaped text (CommonMark, no HTML, no autolinks)."""
        self.document().setMarkdown(markdown, MARKDOWN_FEATURES)

    def loadResource(self, kind: int, name: QUrl | str) -> Any:  # noqa: N802 (Qt's name)
        """Refuse: the app shows no images or style sheets from anywhere."""
        url = name.toString() if isinstance(name, QUrl) else str(name)
        if url not in self.refused:
            self.refused.append(url)
        return None
