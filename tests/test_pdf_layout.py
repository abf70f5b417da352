"""A PDF's headings from its type, and its running heads and feet left out."""

from __future__ import annotations

from pathlib import Path

from assistant.library.chunking import chunk_document
from assistant.library.loaders import load_document
from assistant.library.loaders.pdf_layout import (
    Line,
    Run,
    body_size,
    first_title,
    heading_levels,
    heading_marks,
    is_heading,
    page_blocks,
    page_lines,
    page_number_offset,
    running_lines,
    without_running,
)
from tests.documents_factory import make_report_pdf

BODY = 11.0


def _line(text: str, size: float = BODY, bold: bool = False, mono: bool = False) -> Line:
    return Line(text, size, bold, mono)


def test_runs_become_lines_set_in_the_size_most_of_their_characters_use() -> None:
    lines = page_lines([
        Run("Costs\n", 13.0, "Helvetica-Bold"),
        Run("Power is the ", 11.0, "Helvetica"), Run("largest", 11.0, "Helvetica-Bold"),
        Run(" cost.\nA", 11.0, "Helvetica"), Run(" second line", 9.0, "Helvetica"),
    ])
    assert lines == [_line("Costs", 13.0, True), _line("Power is the largest cost."),
                     _line("A second line", 9.0)]
    assert page_lines([Run("x = 1", 8.0, "CourierNewPSMT")]) == [_line("x = 1", 8.0, mono=True)]


def test_a_heading_is_bigger_or_bold_and_short_and_not_a_running_sentence() -> None:
    assert is_heading(_line("Step 4: What does that energy cost?", 13.0, True), BODY)
    assert is_heading(_line("Key points", 13.0), BODY)  # bigger, even if not bold
    assert is_heading(_line("Method and data", BODY, True), BODY)
    assert not is_heading(_line("Method and data"), BODY)  # body type
    assert not is_heading(_line("Prices rose sharply.", BODY, True), BODY)  # a bold sentence
    assert not is_heading(_line("and then the cost fell", 13.0, True), BODY)  # mid-sentence
    assert not is_heading(_line("continues here,", 13.0, True), BODY)
    assert not is_heading(_line("2026", 13.0, True), BODY)  # no letter
    assert not is_heading(_line("A " * 90, 13.0, True), BODY)  # too long to be a title
    assert not is_heading(_line("Fees paid 7% of revenue in 2023.", 24.0), BODY)  # a sentence
    assert not is_heading(_line("def main():", 13.0, mono=True), BODY)  # code


def test_a_paragraph_in_bigger_type_is_not_a_run_of_headings() -> None:
    abstract = [_line("We measure how much power a mining site draws over a year and", 12.5),
                _line("compare the bill under three tariffs with the hash rate it earns", 12.5),
                _line("Under flat pricing the site loses money in summer months only", 12.5)]
    title = [_line("Power Bills of a", 18.0, True), _line("Mining Site", 18.0, True)]
    page = [*title, *abstract, _line("Method", 14.0, True), _line("We metered it.")]
    assert heading_marks(page, BODY) == [True, True, False, False, False, True, False]
    levels = heading_levels([page], BODY)
    assert levels == {18.0: 1, 14.0: 2}
    assert first_title(page, BODY, levels) == "Power Bills of a Mining Site"


def test_running_heads_feet_and_page_numbers_are_left_out_and_the_text_kept() -> None:
    words = ["Hash rate rose sharply over the year.", "Fees fell back after the spring rush.",
             "Power got dearer in most of the regions.", "Pools grew as small miners joined.",
             "Rigs aged faster than their owners planned."]
    body = [_line(f"Line {k} of the body runs on about the mining year.") for k in range(8)]
    pages = [[_line("Mining Review"), _line(words[n]), _line(f"See table {n} for the details."),
              *body, _line(words[n + 1]), _line(f"Offgrid notes - page {n}", 8.0),
              _line(str(n + 4))] for n in (1, 2, 3)]  # printed page numbers start at 5
    running, offset = running_lines(pages), page_number_offset(pages)
    assert (running, offset) == ({"mining review", "offgrid notes - page #"}, 4)
    kept = [without_running(lines, running, n + offset) for n, lines in enumerate(pages, 1)]
    assert [[line.text for line in lines] for lines in kept] == [
        [words[n], f"See table {n} for the details.", *[b.text for b in body], words[n + 1]]
        for n in (1, 2, 3)]
    # a number at a page's edge that is not its printed number is text ("… the answer is" / 42)
    assert without_running([*body, _line("42")], running, 5)[-1].text == "42"
    # rows of figures repeat their shape at the top of every page of a table: they are text
    notes = [[_line(f"Note {'abcdefg'[n]}{'abcdefg'[k]} on the table.") for k in range(5)]
             for n in range(7)]
    table = [[_line(f"{2000 + n} {n}.5 {n * 3}.0"), *notes[n], _line(f"{2010 + n} {n}.1 {n}.9")]
             for n in range(1, 7)]
    assert running_lines(table) == set() and page_number_offset(table) is None
    # pages that repeat their own text in the same shape keep it: it is most of the document
    repeating = [[_line(f"Page {n}. Reservoir {n} stores {n * 7} MWh."),
                  _line(f"Turbine {n} is logged hourly.")] for n in (1, 2, 3)]
    assert running_lines(repeating) == set()
    # one page has nothing that repeats; a line seen once is text
    assert running_lines(pages[:1]) == set()
    assert running_lines([[_line("Intro")], [_line("Other")]]) == set()


def test_blocks_follow_the_heading_path_across_pages_and_wrapped_titles_join() -> None:
    page1 = [_line("Energy per Bitcoin:", 18.0, True), _line("A Worked Example", 18.0, True),
             _line("Preface text."), _line("Step 1", 13.0, True), _line("Power first.")]
    page2 = [_line("More on power."), _line("Step 2", 13.0, True), _line("Then energy.")]
    body = body_size([page1, page2])
    levels = heading_levels([page1, page2], body)
    assert (body, levels) == (BODY, {18.0: 1, 13.0: 2})
    stack: list[tuple[int, str]] = []
    first = page_blocks(page1, body, levels, stack)
    second = page_blocks(page2, body, levels, stack)
    title = "Energy per Bitcoin: A Worked Example"
    assert [(b.heading, b.text.splitlines()[-1]) for b in first] == [
        (title, "Preface text."), (f"{title} > Step 1", "Power first.")]
    assert [(b.heading, b.text) for b in second] == [
        (f"{title} > Step 1", "More on power."), (f"{title} > Step 2", "Step 2\n\nThen energy.")]


def test_bold_marks_headings_only_where_the_body_is_not_bold() -> None:
    plain = [[_line("Method", BODY, True), _line("We measured the load at noon."),
              _line("It rose by a third over the summer.")]]
    assert heading_levels(plain, BODY) == {BODY: 1}
    all_bold = [[_line("Method", BODY, True), _line("We measured the load at noon", BODY, True),
                 _line("It rose by a third", BODY, True), _line("Results", 14.0, True)]]
    assert heading_levels(all_bold, BODY) == {14.0: 1}


def test_labels_and_code_stand_apart_from_the_sentences_around_them() -> None:
    lines = [_line("Nodes relay blocks to peers"), _line("Block Header Prev Hash", 7.0),
             _line("as soon as they arrive."), _line("int k = 0;", 8.0, mono=True),
             _line("k++;", 8.0, mono=True), _line("Then the loop ends."),
             _line("a footnote sentence that wraps onto", 7.0),
             _line("its next line in the same small type.", 7.0)]
    [block] = page_blocks(lines, BODY, {}, [])
    assert block.text.split("\n\n") == [
        "Nodes relay blocks to peers", "Block Header Prev Hash",  # a label: its own paragraph
        "as soon as they arrive.", "int k = 0;\nk++;",  # code: one paragraph
        # small type that is prose (a footnote wrapping) stays as it is
        "Then the loop ends.\na footnote sentence that wraps onto\n"
        "its next line in the same small type."]


def test_a_report_pdf_is_read_with_its_title_sections_and_without_its_footer(
        tmp_path: Path) -> None:
    path = make_report_pdf(tmp_path / "report.pdf", [
        [("title", "Turbine Field Report"), ("p", "A survey of blade wear in coastal farms."),
         ("h", "Blades"), ("p", "Carbon blades flex less in storms than glass ones."),
         ("b", "Coatings and repairs"), ("p", "A ceramic coating resists erosion.")],
        [("p", "Repairs took two days per blade on average, and crews worked in pairs "
               "from a service vessel whenever the wind stayed below ten metres a second."),
         ("h", "Costs"),
         ("p", "Each repair cost about 4,000 euros in parts and labour.")],
    ], footer="Coastal Wind Trust - page {page}", watermark="DRAFT")
    doc = load_document(path)
    assert (doc.title, doc.pages) == ("Turbine Field Report", 2)
    assert "Coastal Wind Trust" not in doc.text
    located = {needle: next((s.page, s.heading) for s in doc.sections
                            if s.start <= doc.text.index(needle) < s.end)
               for needle in ("Carbon", "ceramic", "two days", "4,000")}
    assert located == {
        "Carbon": (1, "Turbine Field Report > Blades"),
        "ceramic": (1, "Turbine Field Report > Blades > Coatings and repairs"),
        "two days": (2, "Turbine Field Report > Blades > Coatings and repairs"),
        "4,000": (2, "Turbine Field Report > Costs"),
    }
    # passages break at headings and name them, as Markdown's do
    costs = [c for c in chunk_document(doc) if "4,000" in c.text]
    assert [(c.page, c.heading) for c in costs] == [(2, "Turbine Field Report > Costs")]
    assert costs[0].text.startswith("Costs\n")


def test_a_pdf_in_one_type_size_has_no_headings(tmp_path: Path) -> None:
    path = make_report_pdf(tmp_path / "plain.pdf", [
        [("p", "Plain words on page one."), ("p", "Short line")],
        [("p", "More plain words on page two.")]])
    doc = load_document(path)
    assert {s.heading for s in doc.sections} == {None}
    assert [s.page for s in doc.sections] == [1, 2]
