"""The chunker: exact offsets, sections never crossed, sentence-aware sizes."""

from __future__ import annotations

from assistant.library.chunking import ChunkingParams, chunk_document, merge_small_sections
from assistant.library.documents import ExtractedDocument, Section, TextBuilder
from assistant.text.sentences import sentence_spans


def _doc(text: str, sections: tuple[Section, ...] | None = None) -> ExtractedDocument:
    return ExtractedDocument(text=text, title="t", kind="text",
                             sections=sections or (Section(0, len(text)),))


def test_sentence_spans_split_on_sentence_ends_and_paragraphs() -> None:
    text = "First one. Second one!\n\nThird para? Yes. e.g. lower stays"
    spans = [text[a:b] for a, b in sentence_spans(text)]
    assert spans == ["First one.", "Second one!", "Third para?", "Yes. e.g. lower stays"]


def test_abbreviations_do_not_end_a_sentence_but_units_and_letters_may() -> None:
    cases = {
        "It falls to approx. 640,000 kWh, or approx. $32,000 per BTC. Next.":
            ["It falls to approx. 640,000 kWh, or approx. $32,000 per BTC.", "Next."],
        "Shares in e.g. Kazakhstan grew. The U.S. share rose. See Fig. 2 and Dr. Back.":
            ["Shares in e.g. Kazakhstan grew.", "The U.S. share rose.",
             "See Fig. 2 and Dr. Back."],
        "One kWh is 3.6 x 10^6 J. That is 1,000 W. Plan B. Then what?":
            ["One kWh is 3.6 x 10^6 J.", "That is 1,000 W.", "Plan B.", "Then what?"],
        "It took 795 ms. Then no. Fine (cf. Table 2). Done.":
            ["It took 795 ms.", "Then no.", "Fine (cf. Table 2).", "Done."],
    }
    for text, expected in cases.items():
        assert [text[a:b] for a, b in sentence_spans(text)] == expected, text


def test_small_document_is_one_chunk_with_exact_offsets() -> None:
    text = "  Alpha beta. Gamma delta.  "
    chunks = chunk_document(_doc(text))
    assert [(c.text, c.start, c.end) for c in chunks] == [("Alpha beta. Gamma delta.", 2, 26)]


def test_chunks_overlap_by_whole_sentences_and_respect_the_target() -> None:
    sentences = [f"Sentence number {i} talks about topic {i}." for i in range(40)]
    text = " ".join(sentences)
    params = ChunkingParams(target_chars=200, overlap_chars=60)
    chunks = chunk_document(_doc(text), params)
    assert len(chunks) > 5
    for chunk in chunks:
        assert text[chunk.start:chunk.end] == chunk.text
        assert len(chunk.text) <= 200
        assert chunk.text.startswith("Sentence number") and chunk.text.endswith(".")
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert before.start < after.start <= before.end  # overlapping, always advancing
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_chunks_never_cross_pages() -> None:
    builder = TextBuilder()
    builder.add("Page one text. " * 5, page=1)
    builder.add("Page two text. " * 5, page=2)
    doc = ExtractedDocument(builder.text(), "t", "pdf", tuple(builder.sections), pages=2)
    chunks = chunk_document(doc, ChunkingParams(target_chars=1000, min_section_chars=10))
    assert [c.page for c in chunks] == [1, 2]
    assert "two" not in chunks[0].text and "one" not in chunks[1].text


def test_a_long_line_without_sentence_breaks_is_cut_at_spaces() -> None:
    text = "word " * 1000
    chunks = chunk_document(_doc(text), ChunkingParams(target_chars=300, overlap_chars=0))
    assert len(chunks) >= 15
    assert all(len(c.text) <= 300 and not c.text.endswith(" ") for c in chunks)
    assert all(text[c.start:c.end] == c.text for c in chunks)


def test_a_tiny_title_section_is_folded_into_the_next() -> None:
    sections = (Section(0, 10, None, "Title"), Section(10, 500, None, "Title > Body"))
    assert merge_small_sections(sections, 120) == [Section(0, 500, None, "Title > Body")]


def test_text_builder_records_offsets_and_merges_same_location() -> None:
    builder = TextBuilder()
    builder.add("one", heading="A")
    builder.add("two", heading="A")
    builder.add("   ", heading="B")
    builder.add("three", heading="B")
    assert builder.text() == "one\n\ntwo\n\nthree"
    assert builder.sections == [Section(0, 8, None, "A"), Section(10, 15, None, "B")]


def test_a_short_sentence_that_leans_on_the_last_never_opens_a_passage_alone() -> None:
    text = " ".join(f"Sentence number {i} talks about topic {i}." for i in range(5))
    text += " That implies a coefficient of 1. " + " ".join(
        f"Later sentence {i} says more about it." for i in range(5))
    params = ChunkingParams(target_chars=230, overlap_chars=70)
    chunks = chunk_document(_doc(text), params)
    assert not any(chunk.text.startswith("That implies") for chunk in chunks)
    assert any("topic 4. That implies" in chunk.text for chunk in chunks)
