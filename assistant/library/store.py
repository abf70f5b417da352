"""SQLite: the source of truth for collections, documents, chunks and their embeddings.

Every write of a document (its row, its chunks, their embeddings and the BM25 full-text
index) happens in one transaction, so a crash never leaves a half-written document. The
vector index in chroma is derived from these rows and can always be rebuilt from them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from assistant.errors import StoreError
from assistant.library.documents import DocumentInfo
from assistant.library.lexical import (
    BM25_PRUNE_FROM,
    Statement,
    bm25_statements,
    common_cap,
    count_statement,
    inside_statement,
    mentions_statement,
    phrase_statement,
    within_statement,
)
from assistant.library.records import ChunkRecord, NewDocument, StoredDocument
from assistant.library.scoping import kept_within, overfetch
from assistant.library.store_schema import connect
from assistant.text.keywords import query_words


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """The document store in one SQLite file; safe to share between threads."""

    def __init__(self, path: Path, *, bm25_prune_from: int | None = BM25_PRUNE_FROM) -> None:
        """Open (or create) the store; ``bm25_prune_from=None`` keeps keyword search exact
        at any size."""
        self.path = path
        self.bm25_prune_from = bm25_prune_from
        self._db = connect(path)
        self._lock = threading.RLock()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def get_meta(self, key: str) -> str | None:
        """A value from the key/value table."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a value in the key/value table."""
        with self._lock:
            self._db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- collections ------------------------------------------------------------------------

    def collections(self) -> list[tuple[str, int, int]]:
        """Every collection with its document and chunk counts, by name."""
        with self._lock:
            rows = self._db.execute(
                "SELECT c.name, COUNT(DISTINCT d.id), COUNT(k.id) FROM collections c "
                "LEFT JOIN documents d ON d.collection_id = c.id "
                "LEFT JOIN chunks k ON k.doc_id = d.id GROUP BY c.id ORDER BY c.name"
            ).fetchall()
        return [(name, docs, chunks) for name, docs, chunks in rows]

    def collection_names(self) -> set[str]:
        """The names of all collections (cheap: no counting)."""
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT name FROM collections")}

    def _collection_id(self, name: str) -> int:
        self._db.execute(
            "INSERT OR IGNORE INTO collections(name, created_at) VALUES (?, ?)", (name, _now())
        )
        return int(
            self._db.execute("SELECT id FROM collections WHERE name = ?", (name,)).fetchone()[0]
        )

    # -- documents --------------------------------------------------------------------------

    def find_document(self, collection: str, path: str) -> StoredDocument | None:
        """The document stored for ``path`` in ``collection``, if any."""
        with self._lock:
            row = self._db.execute(
                "SELECT d.id, d.path, d.sha256, d.parser_version "
                "FROM documents d JOIN collections c ON c.id = d.collection_id "
                "WHERE c.name = ? AND d.path = ?",
                (collection, path),
            ).fetchone()
        return StoredDocument(row[0], row[1], row[2], row[3]) if row else None

    def find_by_hash(self, collection: str, sha256: str) -> list[StoredDocument]:
        """Documents of ``collection`` whose content has this hash."""
        with self._lock:
            rows = self._db.execute(
                "SELECT d.id, d.path, d.sha256, d.parser_version "
                "FROM documents d JOIN collections c ON c.id = d.collection_id "
                "WHERE c.name = ? AND d.sha256 = ?",
                (collection, sha256),
            ).fetchall()
        return [StoredDocument(r[0], r[1], r[2], r[3]) for r in rows]

    def write_document(self, doc: NewDocument) -> tuple[int, list[int], list[int]]:
        """Insert or replace a document and its chunks atomically.

        Returns the document id, the new chunk ids and the ids of the chunks it replaced.
        The document is marked as not yet in the vector index.
        """
        return self.write_documents([doc])[0]

    def write_documents(
        self, docs: Sequence[NewDocument]
    ) -> list[tuple[int, list[int], list[int]]]:
        """Insert or replace several documents in one transaction (a bulk import): what
        :meth:`write_document` returns, one tuple per document."""
        if any(len(doc.chunks) != len(doc.embeddings) for doc in docs):
            raise ValueError("one embedding is needed per chunk")
        now = _now()
        with self._lock, self._transaction():
            return [self._write(doc, now) for doc in docs]

    def _write(self, doc: NewDocument, now: str) -> tuple[int, list[int], list[int]]:
        vectors = np.ascontiguousarray(doc.embeddings, dtype=np.float32)
        collection_id = self._collection_id(doc.collection)
        row = self._db.execute(
            "SELECT id FROM documents WHERE collection_id = ? AND path = ?",
            (collection_id, doc.path),
        ).fetchone()
        old_chunk_ids: list[int] = []
        fields = (doc.title, doc.kind, doc.sha256, doc.size, doc.pages,
                  doc.parser_version, doc.text)
        if row:
            doc_id = int(row[0])
            old_chunk_ids = [r[0] for r in self._db.execute(
                "SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))]
            self._db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
            self._db.execute(
                "UPDATE documents SET title=?, kind=?, sha256=?, size=?, pages=?, "
                "parser_version=?, text=?, updated_at=?, vectors_indexed=0 WHERE id=?",
                (*fields, now, doc_id),
            )
        else:
            cursor = self._db.execute(
                "INSERT INTO documents(collection_id, path, title, kind, sha256, size, "
                "pages, parser_version, text, added_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (collection_id, doc.path, *fields, now, now),
            )
            doc_id = int(cursor.lastrowid or 0)
        new_ids: list[int] = []
        for chunk, vector in zip(doc.chunks, vectors, strict=True):
            cursor = self._db.execute(
                'INSERT INTO chunks(doc_id, ordinal, start, "end", page, heading, text, '
                "embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (doc_id, chunk.ordinal, chunk.start, chunk.end, chunk.page, chunk.heading,
                 chunk.text, vector.tobytes()),
            )
            new_ids.append(int(cursor.lastrowid or 0))
        return doc_id, new_ids, old_chunk_ids

    def move_document(self, doc_id: int, new_path: str) -> None:
        """Record that a document's file now lives at ``new_path``."""
        with self._lock:
            self._db.execute(
                "UPDATE documents SET path = ?, updated_at = ? WHERE id = ?",
                (new_path, _now(), doc_id),
            )

    def mark_indexed(self, doc_id: int, indexed: bool = True) -> None:
        """Record whether a document's vectors are in the vector index."""
        with self._lock:
            self._db.execute(
                "UPDATE documents SET vectors_indexed = ? WHERE id = ?", (int(indexed), doc_id)
            )

    def remove_document(self, doc_id: int) -> list[int]:
        """Delete a document and its chunks; return the removed chunk ids."""
        with self._lock, self._transaction():
            ids = [r[0] for r in self._db.execute(
                "SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))]
            self._db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
            self._db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return ids

    def list_documents(self, collection: str | None = None) -> list[DocumentInfo]:
        """Documents, optionally of one collection, by collection then title."""
        if collection is None:
            return self._documents_where("1", ())
        return self._documents_where("c.name = ?", (collection,))

    def document(self, doc_id: int) -> DocumentInfo | None:
        """One document by id."""
        return next((d for d in self._documents_where("d.id = ?", (doc_id,))), None)

    def documents_at_path(self, path: str) -> list[DocumentInfo]:
        """Documents stored for this path, in any collection."""
        return self._documents_where("d.path = ?", (path,))

    def _documents_where(self, clause: str, params: tuple[object, ...]) -> list[DocumentInfo]:
        with self._lock:
            rows = self._db.execute(
                "SELECT d.id, d.title, d.path, c.name, d.kind, "
                "(SELECT COUNT(*) FROM chunks k WHERE k.doc_id = d.id), d.pages, d.size, "
                "d.sha256, d.added_at, d.updated_at FROM documents d "
                f"JOIN collections c ON c.id = d.collection_id WHERE {clause} "
                "ORDER BY c.name, d.title COLLATE NOCASE, d.id",
                params,
            ).fetchall()
        return [DocumentInfo(*row) for row in rows]

    def document_text(self, doc_id: int, start: int = 0, end: int | None = None) -> str | None:
        """A document's extracted text (what chunk offsets point into), or its ``[start:end]``."""
        with self._lock:
            row = self._db.execute("SELECT substr(text, ?1 + 1, coalesce(?2, length(text)) - ?1) "
                                   "FROM documents WHERE id = ?3", (start, end, doc_id)).fetchone()
        return row[0] if row else None

    # -- chunks -----------------------------------------------------------------------------

    def chunk_count(self) -> int:
        """How many chunks the store holds."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def chunks(self, ids: Sequence[int]) -> dict[int, ChunkRecord]:
        """Chunks by id, with their documents' title, path and collection."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self._db.execute(
                f'SELECT k.id, k.doc_id, k.ordinal, k.start, k."end", k.page, k.heading, k.text, '
                f"d.title, d.path, c.name FROM chunks k JOIN documents d ON d.id = k.doc_id "
                f"JOIN collections c ON c.id = d.collection_id WHERE k.id IN ({marks})",
                tuple(ids),
            ).fetchall()
        return {row[0]: ChunkRecord(*row) for row in rows}

    def iter_vectors(
        self, chunk_ids: Sequence[int] | None = None, batch: int = 2048
    ) -> Iterator[tuple[list[int], np.ndarray, list[str], list[int]]]:
        """Stored embeddings in batches: chunk ids, vectors, collection names, document ids."""
        query = (
            "SELECT k.id, k.embedding, c.name, k.doc_id FROM chunks k "
            "JOIN documents d ON d.id = k.doc_id JOIN collections c ON c.id = d.collection_id"
        )
        with self._lock:
            if chunk_ids is None:
                rows = self._db.execute(query + " ORDER BY k.id").fetchall()
            else:
                rows = []
                wanted = sorted(chunk_ids)
                for first in range(0, len(wanted), 500):
                    some = wanted[first:first + 500]
                    rows += self._db.execute(
                        query + f" WHERE k.id IN ({','.join('?' * len(some))}) ORDER BY k.id",
                        tuple(some),
                    ).fetchall()
        for first in range(0, len(rows), batch):
            part = rows[first:first + batch]
            vectors = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in part])
            yield [r[0] for r in part], vectors, [r[2] for r in part], [r[3] for r in part]

    def iter_chunk_texts(self, batch: int = 256) -> Iterator[list[tuple[int, str]]]:
        """Every chunk's id and text, in batches."""
        with self._lock:
            rows = self._db.execute("SELECT id, text FROM chunks ORDER BY id").fetchall()
        for first in range(0, len(rows), batch):
            yield [(int(r[0]), r[1]) for r in rows[first:first + batch]]

    def set_embeddings(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Replace the stored embeddings of some chunks, in one transaction."""
        data = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._lock, self._transaction():
            self._db.executemany(
                "UPDATE chunks SET embedding = ? WHERE id = ?",
                [(vector.tobytes(), chunk_id) for chunk_id, vector in zip(ids, data, strict=True)],
            )

    def chunk_ids_of(self, doc_ids: Sequence[int]) -> list[int]:
        """The chunk ids of some documents."""
        ids: list[int] = []
        with self._lock:
            for first in range(0, len(doc_ids), 500):
                part = tuple(doc_ids[first:first + 500])
                ids += [r[0] for r in self._db.execute(
                    f"SELECT id FROM chunks WHERE doc_id IN ({','.join('?' * len(part))})", part)]
        return ids

    def unindexed_documents(self) -> list[int]:
        """Ids of documents whose vectors are not (known to be) in the vector index."""
        with self._lock:
            return [r[0] for r in self._db.execute(
                "SELECT id FROM documents WHERE vectors_indexed = 0")]

    def all_chunk_ids(self) -> set[int]:
        """Every chunk id in the store."""
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT id FROM chunks")}

    def lexical_search(
        self, query: str, collections: Sequence[str] | None, limit: int
    ) -> list[tuple[int, float]]:
        """BM25 keyword search: ``(chunk_id, bm25)`` best first (lower bm25 is better)."""
        words = query_words(query)
        if not words or limit <= 0:
            return []
        if collections is not None and not collections:
            return []
        with self._lock:
            try:
                if collections is None:
                    return self._bm25(words, limit)
                return self._bm25_within(words, collections, limit)
            except sqlite3.OperationalError as exc:
                raise StoreError(f"keyword search failed: {exc}") from exc

    def chunks_mentioning(self, phrase: str, collections: Sequence[str] | None = None,
                          limit: int = 2000) -> list[ChunkRecord]:
        """The chunks (of ``collections``, if given) that hold ``phrase`` as written (words
        in order, case ignored)."""
        ids = [row[0] for row in self._keyword_rows(phrase_statement(phrase, collections, limit))]
        found = self.chunks(ids)
        return [found[i] for i in ids if i in found]

    def mentions(self, text: str, collections: Sequence[str] | None = None) -> bool:
        """Whether any chunk (of ``collections``, if given) holds a word of ``text``."""
        return bool(self._keyword_rows(mentions_statement(text, collections)))

    def _keyword_rows(self, statement: Statement | None) -> list[tuple[int, ...]]:
        if statement is None:
            return []
        with self._lock:
            try:
                return [tuple(row) for row in self._db.execute(*statement)]
            except sqlite3.OperationalError as exc:
                raise StoreError(f"keyword search failed: {exc}") from exc

    def _rows(self, statement: Statement) -> list[tuple[int, float]]:
        return [(int(r[0]), float(r[1])) for r in self._db.execute(*statement).fetchall()]

    def _bm25(self, words: list[str], limit: int) -> list[tuple[int, float]]:
        """The best ``limit`` rows of the whole index (planned by :func:`bm25_statements`)."""
        size = self._db.execute("SELECT coalesce(max(id), 0) FROM chunks").fetchone()[0]
        cap = common_cap(words, size, self.bm25_prune_from)
        counts = None if cap is None else {
            w: self._db.execute(*count_statement(w, cap)).fetchone()[0] for w in words}
        *pruned, exact = bm25_statements(words, limit, counts, cap)
        for statement in pruned:
            rows = self._rows(statement)
            if len(rows) == limit:
                return rows
        return self._rows(exact)

    def _bm25_within(self, words: list[str], collections: Sequence[str],
                     limit: int) -> list[tuple[int, float]]:
        """The best ``limit`` rows within some collections: the best of the whole index kept
        when in them (joining every match to its collection costs more than scoring it),
        else a search that filters every match."""
        best = self._bm25(words, overfetch(limit))
        if not best:
            return []
        inside = {r[0] for r in self._db.execute(
            *inside_statement([chunk_id for chunk_id, _ in best], collections))}
        kept = kept_within(best, lambda row: row[0] in inside, limit)
        if kept is not None:
            return kept
        return self._rows(within_statement(words, collections, limit))

    # -- internals --------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT, rolled back if the block raises."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
