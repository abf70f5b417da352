"""The sources of the selected answer: a card per source, evidence sentences highlighted."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QWidget

from assistant.app import Answer, ClaimCheck, Evidence, Hit, Retrieved, location
from ui.widgets.inert import InertBrowser

EVIDENCE_STYLE = "background-color: #fff1a8; color: #000;"
_HEADING_MARK = re.compile(r"^\s*#{1,6}\s+", re.MULTILINE)


def plain_snippet(text: str) -> str:
    """A passage on one line, without Markdown heading and bold marks."""
    return " ".join(_HEADING_MARK.sub("", text).replace("**", "").split())


def highlighted_snippet(text: str, sentences: list[str]) -> str:
    """The passage as HTML with each evidence sentence highlighted."""
    spans: list[tuple[int, int]] = []
    for sentence in sentences:
        start = text.find(sentence)
        if start >= 0:
            spans.append((start, start + len(sentence)))
    out, cursor = [], 0
    for start, end in sorted(spans):
        if start < cursor:
            continue
        out.append(html.escape(text[cursor:start]))
        out.append(f'<span style="{EVIDENCE_STYLE}">{html.escape(text[start:end])}</span>')
        cursor = end
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def sources_html(answer: Answer) -> str:
    """Cards for an answer's sources, or the abstention and its reason."""
    if answer.abstained:
        return (f"<h3>No answer</h3><p>{html.escape(answer.text)}</p>"
                "<p>Try other words, another collection, or import documents that cover it.</p>")
    return cards_html(answer.sources, answer.evidence, answer.unsupported)


def cards_html(sources: list[Hit], evidence: list[Evidence],
               unsupported: list[ClaimCheck]) -> str:
    """A card for each source with its evidence highlighted, then the unsupported claims."""
    cards = []
    for number, hit in enumerate(sources, start=1):
        sentences = [plain_snippet(e.sentence.text) for e in evidence
                     if e.sentence.source == number]
        where = location(hit.page, hit.heading, hit.title)
        cards.append(
            f'<div><p><a href="source:{number}"><b>[{number}] {html.escape(hit.title)}</b></a>'
            f"<br/><small>{html.escape(where)} · score {hit.score:.3f} · "
            f"{html.escape(hit.collection)}</small></p>"
            f"<p>{highlighted_snippet(plain_snippet(hit.text), sentences)}</p></div><hr/>")
    flagged = "".join(f"<li>{html.escape(c.claim.text)} <i>({html.escape(c.reason or '')})</i></li>"
                      for c in unsupported)
    if flagged:
        cards.append('<h4><a name="unsupported"></a>The model also wrote '
                     '(not supported by the sources)</h4>'
                     f"<ul>{flagged}</ul>")
    return "".join(cards) or "<p>No sources.</p>"


class SourcesPanel(InertBrowser):
    """Shows the sources of one answer; emits ``source_clicked(n)``."""

    source_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Sources")
        self.answer: Answer | None = None  # the finished answer shown, if one is
        self.hits: list[Hit] = []  # the sources shown: ``source:n`` is hits[n - 1]
        self.anchorClicked.connect(self._anchor)
        self.setHtml("<p>Sources of the selected answer appear here.</p>")

    def show_answer(self, answer: Answer) -> None:
        """Show the cards for ``answer``."""
        self.answer, self.hits = answer, answer.sources
        self.setHtml(sources_html(answer))

    def show_retrieved(self, found: Retrieved) -> None:
        """Show the sources and evidence found for the answer being written."""
        self.answer, self.hits = None, found.sources
        self.setHtml(cards_html(found.sources, found.evidence, []))

    def _anchor(self, url: QUrl) -> None:
        if url.scheme() == "source" and url.path().isdigit():
            self.source_clicked.emit(int(url.path()))
