"""Keyword (BM25) search over SQLite FTS5, planned: which statements to run, in what order.

Pure: words, counts and collections in, ``(sql, parameters)`` out; the store runs them
(:meth:`~assistant.library.store.Store.lexical_search`). Scoring is what costs (each matching
row's BM25 is computed, ~1 µs a row), so in a large index only rows holding two or more of
the question's less common words are scored first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant.text.keywords import any_of, fts_query, two_of

# From how many chunks only rows with two of the question's less common words are scored,
# what share of the chunks makes a word common, and how many of the rarest words are paired.
BM25_PRUNE_FROM = 20_000
COMMON_SHARE = 0.1
PAIR_WORDS = 8

Statement = tuple[str, tuple[object, ...]]
_WORD = re.compile(r"\w+", re.UNICODE)

_BM25 = ("SELECT rowid, bm25(chunks_fts) AS score FROM chunks_fts WHERE chunks_fts MATCH ? "
         "ORDER BY score LIMIT ?")
# Every match of the question is visited, but BM25 is computed only for rows that also match
# the second expression ("+" keeps SQLite from handing FTS5 the rowid list, which would
# restart the search once per row).
_BM25_AMONG = ("SELECT rowid, bm25(chunks_fts) AS score FROM chunks_fts "
               "WHERE chunks_fts MATCH ? AND +rowid IN "
               "(SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?) "
               "ORDER BY score LIMIT ?")
_COUNT_UP_TO = ("SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? "
                "LIMIT ?)")
_IN_COLLECTIONS = ("SELECT f.rowid, bm25(chunks_fts) AS rank FROM chunks_fts f "
                   "JOIN chunks k ON k.id = f.rowid JOIN documents d ON d.id = k.doc_id "
                   "JOIN collections c ON c.id = d.collection_id WHERE chunks_fts MATCH ? "
                   "AND c.name IN ({marks}) ORDER BY rank LIMIT ?")


def _marks(count: int) -> str:
    return ",".join("?" * count)


def common_cap(words: Sequence[str], size: int, prune_from: int | None) -> int | None:
    """How many matching rows make a word common, when an index of ``size`` chunks is large
    enough to score only the rarer words' rows first; ``None``: score every match."""
    if prune_from is None or size < prune_from or len(words) < 2:
        return None
    return max(1, int(size * COMMON_SHARE))


def count_statement(word: str, cap: int) -> Statement:
    """How many rows hold ``word``, counted up to ``cap``."""
    return _COUNT_UP_TO, (f'"{word}"', cap)


def bm25_statements(words: Sequence[str], limit: int,
                    counts: Mapping[str, int] | None = None,
                    cap: int | None = None) -> list[Statement]:
    """The best ``limit`` rows of the whole index: statements to try in order, each but the
    last taken only if it gives ``limit`` rows; the last scores every match.

    With ``counts`` (rows per word, up to ``cap``): first the rows holding two of the rarest
    words, then those holding any rarer word, both scored with the whole question's BM25.
    """
    expression = any_of(words)
    tries: list[Statement] = []
    if counts is not None and cap is not None:
        rarer = sorted((w for w in words if counts[w] < cap), key=counts.__getitem__)
        for among in (two_of(rarer[:PAIR_WORDS]),
                      any_of(rarer) if len(rarer) < len(words) else None):
            if among is not None:
                tries.append((_BM25_AMONG, (expression, among, limit)))
    tries.append((_BM25, (expression, limit)))
    return tries


def inside_statement(chunk_ids: Sequence[int], collections: Sequence[str]) -> Statement:
    """Which of ``chunk_ids`` lie in ``collections``."""
    # CROSS JOIN: look the few chunks up first, not every chunk of the collections
    return (f"SELECT k.id FROM chunks k CROSS JOIN documents d ON d.id = k.doc_id "
            f"CROSS JOIN collections c ON c.id = d.collection_id "
            f"WHERE k.id IN ({_marks(len(chunk_ids))}) AND c.name IN "
            f"({_marks(len(collections))})", (*chunk_ids, *collections))


def within_statement(words: Sequence[str], collections: Sequence[str],
                     limit: int) -> Statement:
    """The best ``limit`` rows of ``collections``, filtering every match by its collection."""
    return (_IN_COLLECTIONS.format(marks=_marks(len(collections))),
            (any_of(words), *collections, limit))


def mentions_statement(text: str, collections: Sequence[str] | None) -> Statement | None:
    """A row if any chunk (of ``collections``, if given) holds a word of ``text``; ``None``
    when nothing can match."""
    expression = fts_query(text)
    if expression is None or (collections is not None and not collections):
        return None
    if collections is None:
        return "SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1", (expression,)
    return ("SELECT 1 FROM chunks_fts f JOIN chunks k ON k.id = f.rowid "
            "JOIN documents d ON d.id = k.doc_id JOIN collections c "
            "ON c.id = d.collection_id WHERE chunks_fts MATCH ? "
            f"AND c.name IN ({_marks(len(collections))}) LIMIT 1", (expression, *collections))


def phrase_statement(phrase: str, collections: Sequence[str] | None,
                     limit: int) -> Statement | None:
    """Chunk ids holding the words of ``phrase`` in order; ``None`` when nothing can match."""
    words = _WORD.findall(phrase.lower())
    if not words or (collections is not None and not collections):
        return None
    expression = '"' + " ".join(words) + '"'
    if collections is None:
        return "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?", (expression, limit)
    return ("SELECT f.rowid FROM chunks_fts f JOIN chunks k ON k.id = f.rowid "
            "JOIN documents d ON d.id = k.doc_id JOIN collections c "
            "ON c.id = d.collection_id WHERE chunks_fts MATCH ? "
            f"AND c.name IN ({_marks(len(collections))}) LIMIT ?",
            (expression, *collections, limit))
