"""Reciprocal rank fusion and the keyword query builder, against exact values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.library.documents import Chunk
from assistant.library.records import NewDocument
from assistant.library.retrieval import fuse_rankings, lead_in
from assistant.library.store import Store
from assistant.text.keywords import content_words, fts_query, query_words, spelled_words


def test_rrf_rewards_items_high_in_both_lists() -> None:
    fused = fuse_rankings([[1, 2, 3], [3, 1, 4]], k=60)
    assert [item for item, _ in fused] == [1, 3, 2, 4]
    best = 2 / 61
    assert fused[0][1] == pytest.approx((1 / 61 + 1 / 62) / best)
    assert fused[-1][1] == pytest.approx((1 / 63) / best)


def test_rrf_first_in_every_list_scores_one() -> None:
    assert fuse_rankings([[7], [7]]) == [(7, pytest.approx(1.0))]
    assert fuse_rankings([]) == []


def test_fts_query_ors_content_words_and_drops_stopwords() -> None:
    assert fts_query("What is the majority decision?") == '"majority" OR "decision"'
    assert fts_query("the of") == '"the" OR "of"'
    assert fts_query("  ?! ") is None
    assert fts_query('quote " and AND NOT') == '"quote" OR "not"'


def test_unit_symbols_meet_their_spelled_out_words() -> None:
    question = spelled_words("How many kilowatt-hours go into each bitcoin?")
    sentence = spelled_words("That is about 853,000 kWh per BTC.")
    assert {"kilowatt", "hour", "bitcoin"} <= question & sentence
    assert content_words("853,000 kWh per BTC") == {"853", "000", "kwh", "per", "btc"}
    # a number with its magnitude's initial meets the number spelled out
    assert {"135", "million"} <= spelled_words("a 135M-parameter model")
    assert {"7", "billion"} <= spelled_words("the 7B model") & spelled_words("7 billion weights")
    assert {"1", "5", "billion"} <= spelled_words("Qwen2.5-1.5B") & spelled_words("1.5 billion")
    assert "million" not in spelled_words("a 5m cable and 8b/10b encoding")


def test_the_keyword_search_looks_for_the_symbols_of_units_a_question_spells_out(
        tmp_path: Path) -> None:
    assert query_words("How many kilowatt-hours go into a bitcoin?") == [
        "many", "kilowatt", "hours", "go", "bitcoin", "kwh"]  # kwh, not also kw
    assert query_words("How many gigawatts?")[-1] == "gw"
    assert "btc" not in query_words("the cost of a bitcoin")
    text = "A block then uses about 2.67 million kWh."
    store = Store(tmp_path / "library.db")
    try:
        store.write_document(NewDocument(
            "c", "/n.md", "N", "md", "0" * 64, len(text), None, 1, text,
            [Chunk(0, text, 0, len(text))], np.zeros((1, 4), dtype=np.float32)))
        assert store.lexical_search("kilowatt-hours per block", None, 5)
        assert store.lexical_search("kilowatt-hours", None, 5)  # through kwh alone
        assert not store.lexical_search("kilowatt capacity", None, 5)
    finally:
        store.close()


def test_a_passage_that_starts_mid_thought_is_given_the_sentence_it_leans_on() -> None:
    text = ("## Size\n\nThe market grows. Taken at face value, that is 380% rather than 300%. "
            "The two figures therefore do not match.\n\nA new paragraph starts here.")
    start = text.index("The two figures")
    assert text[lead_in(text[:start]):start].strip() == \
        "Taken at face value, that is 380% rather than 300%."
    assert lead_in(text[:text.index("A new paragraph")]) is None  # another paragraph
    assert lead_in(text[:text.index("The market")]) is None  # a heading is no lead-in
    # the sentence may begin beyond the text read
    assert lead_in(text[start - 20:start], whole=False) is None
    assert lead_in("") is None


def test_the_store_reads_a_slice_of_a_documents_text(tmp_path: Path) -> None:
    text = "Prix : 0,05 €/kWh — “cheap” power. Second sentence here."
    store = Store(tmp_path / "library.db")
    doc_id, _, _ = store.write_document(NewDocument(
        "c", "/n.md", "N", "md", "0" * 64, len(text), None, 1, text, [],
        np.zeros((0, 4), dtype=np.float32)))
    assert store.document_text(doc_id) == text
    assert store.document_text(doc_id, 7, 20) == text[7:20]
    assert store.document_text(doc_id, 35) == text[35:]
    assert store.document_text(doc_id, 0, 0) == ""
    assert store.document_text(doc_id + 1) is None
    store.close()
