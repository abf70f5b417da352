"""The SQLite schema of the document store: tables, the FTS5 keyword index and its triggers,
its version, the migrations that bring an older store up to it, and how the file is opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from assistant.errors import StoreError

SCHEMA_VERSION = 1
# The statements that take a store from version N (the key) to N + 1, run in one transaction.
# A shipped step is never edited: a change to the schema is a new step and a new version.
MIGRATIONS: dict[int, tuple[str, ...]] = {}

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS collections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_id INTEGER NOT NULL REFERENCES collections(id),
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    pages INTEGER,
    parser_version INTEGER NOT NULL,
    text TEXT NOT NULL,
    added_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    vectors_indexed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (collection_id, path)
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    page INTEGER,
    heading TEXT,
    text TEXT NOT NULL,
    embedding BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, heading, content='chunks', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text, heading) VALUES (new.id, new.text, new.heading);
END;
CREATE TRIGGER IF NOT EXISTS chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text, heading)
    VALUES ('delete', old.id, old.text, old.heading);
END;
"""


def stored_version(db: sqlite3.Connection) -> int | None:
    """The schema version an existing store was written with; ``None`` for a new one."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
                  ).fetchone() is None:
        return None
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    try:
        return None if row is None else int(row[0])
    except ValueError:
        raise StoreError(f"the document store's version ({row[0]!r}) is not a number: the "
                         "file is damaged") from None


def prepare(db: sqlite3.Connection, path: Path) -> None:
    """Create a new store's tables, or migrate an older one; :class:`StoreError` for a store
    written by a newer version of Offgrid (this one would misread it)."""
    version = stored_version(db)
    if version is not None and version > SCHEMA_VERSION:
        raise StoreError(
            f"the document store {path} was written by a newer version of Offgrid (store "
            f"format {version}; this version reads up to {SCHEMA_VERSION}): update Offgrid, "
            "or move the data folder aside to start a new library")
    if version is not None and version < SCHEMA_VERSION:
        db.execute("BEGIN IMMEDIATE")
        try:
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    db.execute(statement)
            db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                       (str(SCHEMA_VERSION),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    db.executescript(SCHEMA)
    db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
               (str(SCHEMA_VERSION),))


def connect(path: Path) -> sqlite3.Connection:
    """Open (or create) the store's file, its schema checked and current; :class:`StoreError`
    if it cannot be opened or was written by a newer version."""
    db: sqlite3.Connection | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=5000")
        prepare(db, path)
        return db
    except StoreError:
        if db is not None:
            db.close()
        raise
    except sqlite3.DatabaseError as exc:
        if db is not None:
            db.close()
        raise StoreError(f"cannot open the document store {path}: {exc}") from exc
