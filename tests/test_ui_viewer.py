"""The document viewer: Markdown and HTML shown formatted and inert, the cited passage
highlighted in the upper third of the view, a PDF passage at its place on the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QTextCursor

from tests.documents_factory import make_pdf
from ui.panels.document_viewer import DocumentViewer
from ui.panels.passage_text import find_passage

FILLER = "\n\n".join(f"Paragraph {n} says nothing in particular about the river." for n in
                     range(60))
PASSAGE = ("The **Itaipu** dam on the Paraná river holds a reservoir of 29 cubic kilometres, "
           "enough to run the turbines through a dry season.")
MARKDOWN = f"""# Hydropower notes

An *introduction* with a [remote link](https://evil.example/x) and an image
![tracker](https://evil.example/pixel.png).

## The list

- first item
- second item

| Plant | Capacity |
|-------|----------|
| Itaipu | 14 GW |

{FILLER}

## The passage

{PASSAGE}

{FILLER}
"""


def test_find_passage_matches_words_in_order_across_formatting() -> None:
    shown = "Title\nThe Itaipu dam on the Paraná\nriver holds a reservoir."
    start, end = find_passage(shown, "The **Itaipu** dam on the Paraná river", near=0) or (0, 0)
    assert shown[start:end] == "The Itaipu dam on the Paraná\nriver"
    assert find_passage(shown, "dam Itaipu", near=0) is None  # out of order
    assert find_passage("a b a b", "a b", near=5) == (4, 7)  # the occurrence nearest
    # A Markdown list's numbers are drawn by Qt, not in its text; in plain text they are.
    passage = "Steps:\n1. Subsidy paid per day.\n2. Share earned by 1 PH/s.\n3. The price."
    formatted = "Steps:\nSubsidy paid per day.\nShare earned by 1 PH/s.\nThe price."
    assert find_passage(formatted, passage) == (0, len(formatted))
    assert find_passage(passage, passage) == (0, len(passage))
    assert find_passage(formatted, "Share earned by 2 PH/s") is None  # a figure is no marker
    cut = "The price.\n\n1. Subsidy paid per day.\n2."  # a chunk that ends on a list number
    assert find_passage("The price.\nSubsidy paid per day.\nShare.", cut) == (0, 32)
    long_passage = " ".join(f"w{n}" for n in range(40))
    long_shown = "intro " + long_passage.replace(" w20 ", " | w20 ") + " outro"
    found = find_passage(long_shown, long_passage)
    assert found is not None and long_shown[found[0]:found[1]].endswith("w39")


@pytest.fixture
def viewer(qtbot) -> DocumentViewer:  # type: ignore[no-untyped-def]
    view = DocumentViewer()
    view.resize(500, 600)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view


def show_markdown(viewer: DocumentViewer, tmp_path: Path, qtbot) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "notes.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    stored = MARKDOWN  # the Markdown loader keeps the text as written
    start = stored.index(PASSAGE)
    viewer.show_text(str(path), stored, start, start + len(PASSAGE), "Hydropower notes")
    qtbot.wait(50)  # let the deferred scroll run (its result is checked, not its timing)
    return str(path)


def test_markdown_is_formatted_and_the_passage_is_highlighted_in_the_upper_third(  # type: ignore[no-untyped-def]
        viewer, tmp_path, qtbot, no_network) -> None:
    show_markdown(viewer, tmp_path, qtbot)
    document = viewer.text_view.document()
    assert viewer.formatted
    assert document.firstBlock().text() == "Hydropower notes"
    assert document.firstBlock().blockFormat().headingLevel() == 1
    assert "# Hydropower" not in viewer.text_view.toPlainText()
    blocks = [document.findBlockByNumber(n) for n in range(document.blockCount())]
    assert any(b.textList() is not None and b.text() == "first item" for b in blocks)
    cursor = QTextCursor(document)
    cursor.setPosition(document.toPlainText().index("14 GW"))
    assert cursor.currentTable() is not None
    start, end = viewer.selection or (0, 0)
    selected = QTextCursor(document)
    selected.setPosition(start)
    selected.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    assert " ".join(selected.selectedText().split()) == PASSAGE.replace("**", "")
    assert len(viewer.text_view.extraSelections()) == 1
    height = viewer.text_view.viewport().height()
    qtbot.waitUntil(lambda: 0 <= viewer.passage_top() <= height / 3 + 1, timeout=5_000)
    assert viewer.text_view.verticalScrollBar().value() > 0
    viewer.text_view.viewport().repaint()
    assert "https://evil.example/pixel.png" in viewer.text_view.refused  # asked for, refused
    assert no_network == []


def test_html_is_formatted_and_loads_nothing(viewer, tmp_path, qtbot, no_network) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "page.html"
    path.write_text('<html><head><link rel="stylesheet" href="https://evil.example/s.css">'
                    '</head><body><h2>Plants</h2><ul><li>Itaipu</li></ul>'
                    '<img src="https://evil.example/pixel.png"><p>The <b>Acaray</b> plant '
                    'feeds the grid.</p></body></html>', encoding="utf-8")
    stored = "Plants\n\nItaipu\n\nThe Acaray plant feeds the grid."
    start = stored.index("The Acaray")
    viewer.show_text(str(path), stored, start, len(stored), "page")
    viewer.text_view.viewport().repaint()
    document = viewer.text_view.document()
    assert viewer.formatted and document.firstBlock().blockFormat().headingLevel() == 2
    start, end = viewer.selection or (0, 0)
    assert viewer.text_view.toPlainText()[start:end] == "The Acaray plant feeds the grid."
    assert set(viewer.text_view.refused) <= {"https://evil.example/s.css",
                                            "https://evil.example/pixel.png"}
    assert no_network == []


def test_a_changed_file_falls_back_to_the_stored_text(viewer, tmp_path, qtbot) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "notes.md"
    path.write_text("# Other\n\nSomething else entirely.\n", encoding="utf-8")
    stored = "# Notes\n\nThe penstock of Yacyreta.\n"
    start = stored.index("The penstock")
    viewer.show_text(str(path), stored, start, start + 24, "notes")
    assert not viewer.formatted
    assert viewer.text_view.toPlainText() == stored
    assert viewer.selection == (start, start + 24)


def test_plain_text_and_a_missing_file_show_the_stored_text(viewer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    viewer.show_text(str(tmp_path / "gone.md"), "# Kept\n\nstored words", 8, 20, "gone")
    assert not viewer.formatted and viewer.text_view.toPlainText() == "# Kept\n\nstored words"


def test_a_pdf_passage_opens_at_its_place_on_the_page(viewer, tmp_path, qtbot) -> None:  # type: ignore[no-untyped-def]
    lines = "\n".join(f"Line {n} of the filler text on this page." for n in range(30))
    passage = "The spillway of Yacyreta discharged a record flow in the wet season."
    pdf = make_pdf(tmp_path / "report.pdf", [lines, lines + "\n" + passage, lines])
    assert viewer.show_pdf(str(pdf), 2, passage, "report")
    qtbot.waitUntil(lambda: viewer.pdf_point is not None, timeout=30_000)
    point = viewer.pdf_point or QPointF()
    assert point.y() > 400  # low on the page (A4 is 842 points tall)
    bar = viewer.pdf_view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.value() > viewer.pdf_page_top(1) + 100, timeout=5_000)
    where = viewer.pdf_page_top(1) + point.y() * viewer.pdf_scale() - bar.value()
    assert abs(where - viewer.pdf_view.viewport().height() / 3) <= 2
    # Qt's own layout agrees on where the page begins.
    viewer.pdf_view.pageNavigator().jump(0, QPointF(), 0)
    viewer.pdf_view.pageNavigator().jump(1, QPointF(), 0)
    qtbot.waitUntil(lambda: abs(bar.value() - viewer.pdf_page_top(1)) <= 2, timeout=5_000)


def test_a_document_reindexed_since_it_was_shown_is_read_again(viewer, tmp_path, qtbot) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "notes.md"
    path.write_text("# Notes\n\nThe penstock of Yacyreta.\n", encoding="utf-8")
    stored = path.read_text(encoding="utf-8")
    viewer.show_text(str(path), stored, stored.index("The"), len(stored) - 1, "notes")
    path.write_text("# Notes\n\nThe penstock of Yacyreta.\n\nThe new tailrace of Acaray.\n",
                    encoding="utf-8")
    again = path.read_text(encoding="utf-8")
    viewer.show_text(str(path), again, again.index("The new"), len(again) - 1, "notes")
    assert viewer.formatted
    start, end = viewer.selection or (0, 0)
    assert viewer.text_view.toPlainText()[start:end] == "The new tailrace of Acaray."
