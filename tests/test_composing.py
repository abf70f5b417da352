"""Answer composition: the cited lead, the sentence buffer, the budget; question forms;
extractive summaries."""

from __future__ import annotations

from dataclasses import replace

from assistant.answers.composing import (
    Budget,
    SentenceBuffer,
    adds_something,
    cite,
    lead,
    lead_text,
    plain,
)
from assistant.answers.evidence import Evidence, Sentence
from assistant.answers.intents import Compare, Mentions, Summarize, Survey, intent_of
from assistant.answers.overview import find_document, parts_of, summarize
from assistant.library.documents import DocumentInfo
from assistant.library.records import ChunkRecord


def _evidence(source: int, text: str, score: float) -> Evidence:
    return Evidence(Sentence(source, text, 0, len(text)), score, "t", "p.md", None, None)


def test_plain_text_and_citations() -> None:
    assert plain("- **Rising** electricity [prices](http://x) squeeze margins [3].") == \
        "Rising electricity prices squeeze margins."
    assert cite("Miners pay 4 cents.", [2]) == "Miners pay 4 cents [2]."
    assert cite("Is it “cheap”?", [1, 1, 3]) == "Is it “cheap” [1][3]?"
    assert cite("No stop", [1]) == "No stop [1]."


def test_the_lead_is_the_best_sentence_and_a_close_second_while_short() -> None:
    best = _evidence(2, "Rising electricity prices push miners out of Texas.", 0.9)
    close = _evidence(1, "Tariffs rose by a third in two years.", 0.8)
    far = _evidence(1, "Tariffs rose by a third in two years.", 0.2)
    assert lead([best, close]) == [best, close]
    assert lead([best, far]) == [best]
    long = _evidence(1, " ".join(["word"] * 55) + ".", 0.89)
    assert lead([best, long]) == [best]
    assert lead_text([best, close]) == ("Rising electricity prices push miners out of Texas "
                                        "[2]. Tariffs rose by a third in two years [1].")
    assert lead([]) == []
    # the same sentence from another passage is not a second: the next new one is
    again = _evidence(3, "Rising electricity prices push miners out of Texas!", 0.88)
    assert lead([best, again, close]) == [best, close]
    # a second made of two joined sentences that would not fit gives its first sentence
    joined = _evidence(1, "Tariffs rose by a third. It " + " ".join(["grew"] * 50) + ".", 0.85)
    second = lead([best, joined])[1].sentence
    assert (second.text, second.start, second.end) == ("Tariffs rose by a third.", 0, 24)
    # … or, when it is known, the sentence that earned the unit its score
    core = Sentence(1, "This is why miners chase flared gas.", 60, 96)
    joined = replace(joined, core=core)
    assert lead([best, joined])[1].sentence == core


def test_the_buffer_hands_over_finished_sentences_with_their_markers() -> None:
    buffer = SentenceBuffer()
    got = []
    for piece in ["Miners pay", " 4 cents.", " [2]", " Ethiopia", " sells power [1]. The"]:
        got += [c.text for c in buffer.feed(piece)]
    assert got == ["Miners pay 4 cents.", "Ethiopia sells power."]
    assert [(c.text, c.citations) for c in buffer.flush()] == [("The", ())]
    partial = SentenceBuffer()
    assert partial.feed("Miners pay 4 cents.") == [] and partial.feed(" [") == []
    assert [(c.text, c.citations) for c in partial.feed("2] Next")] == [
        ("Miners pay 4 cents.", (2,))]


def test_budget_and_redundancy() -> None:
    budget = Budget()
    budget.spend("One sentence here [1]. And a second one [2].")
    assert not budget.spent and budget.allows("A third short sentence.")
    budget.spend("A third short sentence.")
    assert budget.spent and not budget.allows("More.")
    assert not adds_something("Miners pay four cents", "Miners pay four cents in Paraguay [1].")
    assert adds_something("Ethiopia sells hydropower to miners",
                          "Miners pay four cents in Paraguay [1].")


def test_question_forms() -> None:
    assert intent_of("Summarize the white paper") == Summarize("the white paper")
    assert intent_of("Can you give me an overview of hashprice.md?") == Summarize("hashprice.md")
    assert intent_of("What does the library say about heat reuse?") == Survey("heat reuse")
    assert intent_of("Compare Paraguay and Ethiopia for mining") == \
        Compare("Paraguay", "Ethiopia for mining")
    assert intent_of("What is the difference between PoW and PoS?") == Compare("PoW", "PoS")
    assert intent_of("Which documents mention payment channels?") == \
        Mentions("payment channels")
    assert intent_of("What is hashprice?") is None
    assert intent_of("Why are miners leaving the United States?") is None


def _doc(doc_id: int, title: str, path: str) -> DocumentInfo:
    return DocumentInfo(doc_id, title, path, "Library", "markdown", 3, None, 1, "", "", "")


def test_documents_are_found_by_id_file_name_title_or_most_words() -> None:
    docs = [_doc(1, "Hashprice", "/l/hashprice.md"),
            _doc(2, "Geography of hash rate", "/l/geography-of-hash-rate.md"),
            _doc(3, "Mining pools and centralization", "/l/mining-pools.md")]
    assert find_document("2", docs) == [docs[1]]
    assert find_document("hashprice.md", docs) == [docs[0]]
    assert find_document("geography of the hash rate", docs) == [docs[1]]
    assert find_document("mining pools", docs) == [docs[2]]
    assert find_document("volcanoes", docs) == []


def _chunk(ordinal: int, heading: str | None, text: str, page: int | None = None) -> ChunkRecord:
    start = ordinal * 1000
    return ChunkRecord(ordinal + 1, 7, ordinal, start, start + len(text), page, heading, text,
                       "A note", "/l/note.md", "Library")


def test_a_summary_takes_a_sentence_from_each_main_section_in_order() -> None:
    chunks = [
        _chunk(0, "A note > Costs", "Power costs dominate mining costs for every miner. "
               "Power costs rise when tariffs rise for miners."),
        _chunk(1, "A note > Costs > Detail", "Older machines waste power and raise costs."),
        _chunk(2, "A note > Places", "Miners move to places with cheap surplus hydropower. "
               "Paraguay and Ethiopia sell surplus hydropower to miners."),
        _chunk(3, "A note > References", "Smith, J. Mining economics. 2024 edition here."),
    ]
    assert [p.title for p in parts_of(chunks)] == ["Costs", "Places"]
    repeated = [*chunks[:1], _chunk(1, "A note > Costs", chunks[0].text), *chunks[2:]]
    repeated += [_chunk(4, "A note > Costs", chunks[0].text), _chunk(5, "A note > Costs", "x")]
    said = [e.sentence.text for e in summarize(_doc(7, "A note", "/l/note.md"),
                                               repeated).evidence]
    assert len(said) == len(set(said)) == 3  # overlapping chunks repeat a sentence: once
    overview = summarize(_doc(7, "A note", "/l/note.md"), chunks)
    lines = overview.text.splitlines()
    assert lines[0] == "“A note” in 2 sections:"
    assert lines[1].startswith("• Costs: ") and lines[1].endswith("[1].")
    assert lines[2].startswith("• Places: ") and "[2]" in lines[2]
    assert [e.sentence.source for e in overview.evidence] == [1, 2]
    first = overview.evidence[0].sentence
    assert chunks[0].text[first.start - chunks[0].start:first.end - chunks[0].start] == \
        first.text


def test_a_document_without_headings_is_cut_by_numbered_headings_or_pages() -> None:
    numbered = [_chunk(0, None, "Bitcoin: a peer-to-peer system.\n1. Introduction\nCommerce "
                                "relies on trusted third parties for payments online.", 1),
                _chunk(1, None, "2. Transactions\nAn electronic coin is a chain of digital "
                                "signatures passed between owners.", 2)]
    parts = parts_of(numbered)
    assert [p.title for p in parts] == ["Opening", "1. Introduction", "2. Transactions"]
    assert [(c.ordinal, lo, hi) for c, lo, hi in parts[1].pieces()] == [
        (0, numbered[0].text.index("Commerce") - 1, len(numbered[0].text)),
        (1, 0, numbered[1].text.index("2. Transactions"))]
    plain_pages = [_chunk(i, None, f"Sentence number {i} says something useful here.", i + 1)
                   for i in range(12)]
    assert [p.title for p in parts_of(plain_pages)] == [
        "Pages 1–2", "Pages 3–4", "Pages 5–6", "Pages 7–8", "Pages 9–10", "Pages 11–12"]
