"""Every supported format, and a specific reason for every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import IngestError
from assistant.library.loaders import load_document
from tests.documents_factory import (
    HTML_SAMPLE,
    MARKDOWN_SAMPLE,
    make_docx,
    make_image_only_pdf,
    make_pdf,
)


def _section_of(doc, needle: str):  # type: ignore[no-untyped-def]
    at = doc.text.index(needle)
    return next(s for s in doc.sections if s.start <= at < s.end)


def test_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Line one.\r\nLine two.", encoding="utf-8")
    doc = load_document(path)
    assert (doc.text, doc.title, doc.kind) == ("Line one.\nLine two.", "notes", "text")


def test_text_in_windows_1252_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes("Café prices rose".encode("cp1252"))
    assert load_document(path).text == "Café prices rose"


def test_markdown_heading_paths(tmp_path: Path) -> None:
    path = tmp_path / "orchards.md"
    path.write_text(MARKDOWN_SAMPLE, encoding="utf-8")
    doc = load_document(path)
    assert doc.title == "Solar Orchards"
    assert doc.text == MARKDOWN_SAMPLE  # offsets point into the file's own text
    assert _section_of(doc, "Pumps run").heading == "Solar Orchards > Irrigation > Night cycles"
    assert _section_of(doc, "Apricots").heading == "Solar Orchards > Harvest"


def test_markdown_ignores_hashes_inside_code_fences(tmp_path: Path) -> None:
    path = tmp_path / "code.md"
    path.write_text("# Top\n\n```\n# not a heading\n```\n\ntext\n", encoding="utf-8")
    doc = load_document(path)
    assert {s.heading for s in doc.sections} == {"Top"}


@pytest.mark.parametrize(("text", "expected"), [
    # setext headings, including a one-character underline and a title over two lines
    ("Title\n=\n\nIntro.\n\nSub\n--\nBody.\n",
     [("Title", "Intro."), ("Title > Sub", "Body.")]),
    ("A long\ntitle\n=====\n\nIntro.\n", [("A long title", "Intro.")]),
    # a ~~~ fence is not closed by ```, and a ```` fence not by the ``` inside it
    ("# Top\n\n~~~\n# not\n```\n# still not\n~~~\n\n## Real\ntext\n",
     [("Top", "still not"), ("Top > Real", "text")]),
    ("# Top\n\n````\n```\n# not\n```\n````\n\n## Real\ntext\n",
     [("Top", "# not"), ("Top > Real", "text")]),
    # indented code, an HTML block, a quote and a list item hold no heading of the document's
    ("# Top\n\n    # code\n\n<!--\n# comment\n-->\n\n> # quoted\n\n- item\n---\nEnd.\n",
     [("Top", "# code"), ("Top", "# comment"), ("Top", "quoted"), ("Top", "End.")]),
    # YAML front matter: its closing line does not make its last key a heading
    ("---\ntitle: Notes\n---\n\n# Top\ntext\n", [(None, "title: Notes"), ("Top", "text")]),
    # a heading's title is its plain text
    ("## Sub ##\ntext\n# The *big* `x` [link](y)\nmore\n",
     [("Sub", "text"), ("The big x link", "more")]),
])
def test_markdown_headings_as_commonmark_reads_them(tmp_path: Path, text: str,
                                                    expected: list) -> None:
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    doc = load_document(path)
    assert doc.text == text
    assert [(_section_of(doc, needle).heading, needle) for _, needle in expected] == expected
    assert all(text[s.start - 1:s.start] in ("", "\n") for s in doc.sections)  # at line starts


def test_markdown_title_is_the_first_setext_h1(tmp_path: Path) -> None:
    path = tmp_path / "field.md"
    path.write_text("Intro line.\n\nField Notes\n===========\n\nBody.\n", encoding="utf-8")
    assert load_document(path).title == "Field Notes"


def test_html_visible_text_and_headings(tmp_path: Path) -> None:
    path = tmp_path / "glacier.html"
    path.write_text(HTML_SAMPLE, encoding="utf-8")
    doc = load_document(path)
    assert doc.title == "Glacier Survey"
    assert "do not index" not in doc.text and "color" not in doc.text
    assert "Ground radar & drill cores were used." in doc.text
    assert _section_of(doc, "Frequency sweep").heading == "Glacier Survey > Methods > Radar"
    assert _section_of(doc, "lost mass").heading == "Glacier Survey > Findings"


def test_docx_headings_and_tables(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "report.docx", [
        ("title", "Turbine Report"), ("p", "Summary of the turbine study."),
        ("h1", "Blades"), ("p", "Carbon blades flex less in storms."),
        ("h2", "Coatings"), ("p", "A ceramic coating resists erosion."),
    ], table=[["Site", "Output"], ["North", "4 MW"]])
    doc = load_document(path)
    assert doc.title == "Turbine Report"
    assert _section_of(doc, "ceramic").heading == "Turbine Report > Blades > Coatings"
    assert "North | 4 MW" in doc.text


def test_pdf_pages_are_numbered_from_one(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "three.pdf", ["Apples grow here.", "Bananas ripen.",
                                             "Cherries blossom."], title="Fruit Atlas")
    doc = load_document(path)
    assert (doc.kind, doc.pages, doc.title) == ("pdf", 3, "Fruit Atlas")
    assert _section_of(doc, "Bananas").page == 2
    assert _section_of(doc, "Cherries").page == 3


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("slides.pptx", b"PK\x03\x04junk", "unsupported type '.pptx'"),
    ("fake.pdf", b"this is not a pdf at all", "not a PDF file"),
    ("fake.docx", b"plain text pretending", "not a DOCX file"),
    ("binary.txt", b"\x00\x01\x02\xff\xfe\x00garbage", "not a text file"),
    ("blank.md", b"   \n\n  ", "no extractable text"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage without end", "PDF"),
])
def test_bad_files_give_specific_reasons(tmp_path: Path, name: str, content: bytes,
                                         reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        load_document(path)


def test_encrypted_pdf(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "secret.pdf", ["Classified figures."], user_password="pw")
    with pytest.raises(IngestError, match="encrypted PDF"):
        load_document(path)


def test_image_only_pdf_has_no_extractable_text(tmp_path: Path) -> None:
    path = make_image_only_pdf(tmp_path / "scan.pdf")
    with pytest.raises(IngestError, match="no extractable text"):
        load_document(path)


def test_text_file_sections_under_underlined_headings(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Field notes\n===========\n\nIntro line.\n\nPumps\n-----\nPumps run at night.\n"
                    "\n---\n\nThe end.\n", encoding="utf-8")
    doc = load_document(path)
    assert doc.title == "Field notes"
    assert _section_of(doc, "Intro").heading == "Field notes"
    # a rule after a blank line is not a heading
    assert _section_of(doc, "The end").heading == _section_of(doc, "Pumps run").heading \
        == "Field notes > Pumps"
