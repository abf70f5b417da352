"""Keyword search planning: which FTS5 statements run, in what order, with what parameters."""

from __future__ import annotations

from assistant.library import lexical
from assistant.library.lexical import (
    bm25_statements,
    common_cap,
    inside_statement,
    mentions_statement,
    within_statement,
)

WORDS = ["solar", "battery", "pump"]


def test_a_small_index_scores_every_match() -> None:
    assert common_cap(WORDS, size=19_999, prune_from=20_000) is None
    assert common_cap(WORDS, size=10**6, prune_from=None) is None  # exact at any size
    assert common_cap(["solar"], size=10**6, prune_from=20_000) is None  # one word: no pairs
    assert bm25_statements(WORDS, 10) == [
        (lexical._BM25, ('"solar" OR "battery" OR "pump"', 10))]


def test_a_large_index_scores_the_rarer_words_rows_first() -> None:
    cap = common_cap(WORDS, size=50_000, prune_from=20_000)
    assert cap == 5_000  # a tenth of the chunks
    counts = {"solar": 40, "battery": 5_000, "pump": 7}  # "battery" is common
    assert bm25_statements(WORDS, 10, counts, cap) == [
        (lexical._BM25_AMONG, ('"solar" OR "battery" OR "pump"', '("pump" AND "solar")', 10)),
        (lexical._BM25_AMONG, ('"solar" OR "battery" OR "pump"', '"pump" OR "solar"', 10)),
        (lexical._BM25, ('"solar" OR "battery" OR "pump"', 10)),
    ]


def test_no_rare_word_leaves_only_the_exact_search() -> None:
    counts = {word: 5_000 for word in WORDS}
    assert bm25_statements(WORDS, 3, counts, cap=5_000) == [
        (lexical._BM25, ('"solar" OR "battery" OR "pump"', 3))]


def test_collections_become_one_placeholder_each() -> None:
    sql, params = inside_statement([4, 9], ["notes", "papers"])
    assert "k.id IN (?,?) AND c.name IN (?,?)" in sql and params == (4, 9, "notes", "papers")
    sql, params = within_statement(WORDS, ["notes"], 5)
    assert "c.name IN (?) ORDER BY rank LIMIT ?" in sql
    assert params == ('"solar" OR "battery" OR "pump"', "notes", 5)


def test_mentions_asks_for_one_row_and_nothing_for_no_words() -> None:
    assert mentions_statement("Why are miners moving?", None) == (
        "SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1", ('"miners" OR "moving"',))
    assert mentions_statement("?! …", None) is None
    assert mentions_statement("Norw*", None)[1] == ('"norw"*',)  # type: ignore[index]
    assert mentions_statement("miners", []) is None
    sql, params = mentions_statement("miners", ["a", "b"]) or ("", ())
    assert sql.endswith("c.name IN (?,?) LIMIT 1") and params == ('"miners"', "a", "b")
