"""Conversations and their turns, kept in their own SQLite file (WAL) in the data directory.

A turn is written before anything of it is shown: the question when it is asked, its sources
when they are found, its answer as each piece is written (one small transaction per piece, so
a killed process loses nothing the window showed). A turn still being answered when the
process ended is marked ``interrupted`` the next time the store opens.
"""

from __future__ import annotations

import builtins  # ``list`` in the class is its method
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import StoreError

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    query TEXT NOT NULL,
    sent TEXT NOT NULL,
    answer TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    stop_reason TEXT NOT NULL,
    details TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns(conversation_id, id);
"""
TITLE_CHARS = 80
ANSWERING = "answering"      # the turn is being answered now
INTERRUPTED = "interrupted"  # the process ended while it was being answered


@dataclass(frozen=True)
class Conversation:
    """A conversation's header."""

    id: int
    title: str
    created: float
    updated: float
    turns: int


@dataclass(frozen=True)
class Turn:
    """One question and its answer; ``details`` holds sources, evidence, checks and timings."""

    id: int
    conversation_id: int
    question: str
    query: str
    sent: str
    answer: str
    abstained: bool
    stop_reason: str
    details: dict[str, Any]
    created: float


class ConversationStore:
    """Create, list, extend and delete conversations; safe to use from several threads."""

    def __init__(self, path: Path) -> None:
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode a commit is safe from a killed process at NORMAL (only a power cut
            # can undo the last ones), and costs no fsync: a commit per streamed piece is cheap.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
            with self._db:
                self._db.execute("UPDATE turns SET stop_reason = ? WHERE stop_reason = ?",
                                 (INTERRUPTED, ANSWERING))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the conversation store {path}: {exc}") from exc
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def create(self, title: str) -> Conversation:
        """A new, empty conversation titled after its first question."""
        title = " ".join(title.split())[:TITLE_CHARS] or "New conversation"
        now = time.time()
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO conversations(title, created, updated) VALUES (?, ?, ?)",
                (title, now, now))
        return Conversation(int(cursor.lastrowid or 0), title, now, now, 0)

    def get(self, conversation_id: int) -> Conversation | None:
        """A conversation's header, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT c.id, c.title, c.created, c.updated, COUNT(t.id) FROM conversations c "
                "LEFT JOIN turns t ON t.conversation_id = c.id WHERE c.id = ? GROUP BY c.id",
                (conversation_id,)).fetchone()
        return Conversation(*row) if row else None

    def list(self) -> list[Conversation]:
        """All conversations, most recently updated first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT c.id, c.title, c.created, c.updated, COUNT(t.id) FROM conversations c "
                "LEFT JOIN turns t ON t.conversation_id = c.id GROUP BY c.id "
                "ORDER BY c.updated DESC, c.id DESC").fetchall()
        return [Conversation(*row) for row in rows]

    def begin_turn(self, conversation_id: int, question: str) -> int:
        """Record a question as it is asked (no answer yet); the new turn's id."""
        now = time.time()
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO turns(conversation_id, question, query, sent, answer, abstained, "
                "stop_reason, details, created) VALUES (?, ?, '', '', '', 0, ?, '{}', ?)",
                (conversation_id, question, ANSWERING, now))
            self._db.execute("UPDATE conversations SET updated = ? WHERE id = ?",
                             (now, conversation_id))
        return int(cursor.lastrowid or 0)

    def record_prompt(self, turn_id: int, *, query: str, sent: str,
                      details: dict[str, Any]) -> None:
        """Record what a turn searched for, the user message sent and its sources so far."""
        with self._lock, self._db:
            self._db.execute("UPDATE turns SET query = ?, sent = ?, details = ? WHERE id = ?",
                             (query, sent, json.dumps(details, ensure_ascii=False), turn_id))

    def record_answer(self, turn_id: int, answer: str) -> None:
        """Record the answer as far as it has been written (before it is shown)."""
        with self._lock, self._db:
            self._db.execute("UPDATE turns SET answer = ? WHERE id = ?", (answer, turn_id))

    def discard_turn(self, turn_id: int) -> None:
        """Delete a turn nobody saw, and its conversation if that leaves it empty."""
        with self._lock, self._db:
            row = self._db.execute("SELECT conversation_id FROM turns WHERE id = ?",
                                   (turn_id,)).fetchone()
            self._db.execute("DELETE FROM turns WHERE id = ?", (turn_id,))
            if row is not None:
                self._db.execute(
                    "DELETE FROM conversations WHERE id = ? AND NOT EXISTS "
                    "(SELECT 1 FROM turns WHERE conversation_id = ?)", (row[0], row[0]))

    def mark_interrupted(self, turn_id: int, reason: str = "") -> None:
        """A turn whose answer will not be finished (an error, or nobody listening);
        ``reason`` says why, where it is known."""
        with self._lock, self._db:
            row = self._db.execute("SELECT details FROM turns WHERE id = ? AND stop_reason = ?",
                                   (turn_id, ANSWERING)).fetchone()
            if row is None:
                return
            details = json.loads(row[0] or "{}")
            if reason:
                details["interruption"] = reason
            self._db.execute("UPDATE turns SET stop_reason = ?, details = ? WHERE id = ?",
                             (INTERRUPTED, json.dumps(details, ensure_ascii=False), turn_id))

    def finish_turn(self, turn_id: int, *, query: str, sent: str, answer: str,
                    abstained: bool, stop_reason: str, details: dict[str, Any]) -> Turn:
        """Record a turn's final, checked answer."""
        now = time.time()
        payload = json.dumps(details, ensure_ascii=False)
        with self._lock, self._db:
            self._db.execute(
                "UPDATE turns SET query = ?, sent = ?, answer = ?, abstained = ?, "
                "stop_reason = ?, details = ? WHERE id = ?",
                (query, sent, answer, int(abstained), stop_reason, payload, turn_id))
            row = self._db.execute("SELECT conversation_id, question, created FROM turns "
                                   "WHERE id = ?", (turn_id,)).fetchone()
            if row is None:
                raise StoreError(f"no turn {turn_id} (its conversation was deleted)")
            self._db.execute("UPDATE conversations SET updated = ? WHERE id = ?",
                             (now, row[0]))
        return Turn(turn_id, row[0], row[1], query, sent, answer, abstained, stop_reason,
                    details, row[2])

    def add_turn(self, conversation_id: int, *, question: str, query: str, sent: str,
                 answer: str, abstained: bool, stop_reason: str,
                 details: dict[str, Any]) -> Turn:
        """Append a finished (or stopped) turn to a conversation."""
        turn_id = self.begin_turn(conversation_id, question)
        return self.finish_turn(turn_id, query=query, sent=sent, answer=answer,
                                abstained=abstained, stop_reason=stop_reason, details=details)

    def turns(self, conversation_id: int) -> builtins.list[Turn]:
        """A conversation's turns, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, conversation_id, question, query, sent, answer, abstained, "
                "stop_reason, details, created FROM turns WHERE conversation_id = ? "
                "ORDER BY id", (conversation_id,)).fetchall()
        return [Turn(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7], json.loads(r[8]),
                     r[9]) for r in rows]

    def search(self, text: str) -> builtins.list[Conversation]:
        """Conversations whose title, questions or answers contain ``text`` (any case)."""
        pattern = f"%{text.strip()}%"
        with self._lock:
            rows = self._db.execute(
                "SELECT c.id, c.title, c.created, c.updated, "
                "(SELECT COUNT(*) FROM turns x WHERE x.conversation_id = c.id) "
                "FROM conversations c "
                "WHERE c.title LIKE ? OR EXISTS (SELECT 1 FROM turns t WHERE "
                "t.conversation_id = c.id AND (t.question LIKE ? OR t.answer LIKE ?)) "
                "ORDER BY c.updated DESC, c.id DESC", (pattern, pattern, pattern)).fetchall()
        return [Conversation(*row) for row in rows]

    def rename(self, conversation_id: int, title: str) -> None:
        """Give a conversation a new title."""
        with self._lock, self._db:
            self._db.execute("UPDATE conversations SET title = ? WHERE id = ?",
                             (" ".join(title.split())[:TITLE_CHARS], conversation_id))

    def delete(self, conversation_id: int) -> bool:
        """Delete a conversation and its turns; False if there was none."""
        with self._lock, self._db:
            cursor = self._db.execute("DELETE FROM conversations WHERE id = ?",
                                      (conversation_id,))
        return cursor.rowcount > 0
