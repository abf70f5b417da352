"""The store's format carries a version: a newer one is refused clearly, an older one migrates."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.errors import StoreError
from assistant.library import store_schema
from assistant.library.store import Store


def _set_version(path: Path, value: str) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (value,))
    db.close()


def _version(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return str(db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
    finally:
        db.close()


def test_a_new_store_records_the_current_version(tmp_path: Path) -> None:
    Store(tmp_path / "library.sqlite3").close()
    assert _version(tmp_path / "library.sqlite3") == str(store_schema.SCHEMA_VERSION)


def test_a_store_from_a_newer_version_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    Store(path).close()
    newer = store_schema.SCHEMA_VERSION + 1
    _set_version(path, str(newer))
    with pytest.raises(StoreError, match=f"newer version of Offgrid.*format {newer}.*update"):
        Store(path)
    assert _version(path) == str(newer)


def test_a_damaged_version_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    Store(path).close()
    _set_version(path, "one")
    with pytest.raises(StoreError, match="damaged"):
        Store(path)


def test_an_older_store_is_migrated_step_by_step_on_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "library.sqlite3"
    Store(path).close()
    current = store_schema.SCHEMA_VERSION
    monkeypatch.setattr(store_schema, "SCHEMA_VERSION", current + 2)
    monkeypatch.setattr(store_schema, "MIGRATIONS", {
        current: ("CREATE TABLE step_one (x INTEGER)",),
        current + 1: ("INSERT INTO step_one VALUES (42)",),
    })
    Store(path).close()
    assert _version(path) == str(current + 2)
    db = sqlite3.connect(path)
    assert db.execute("SELECT x FROM step_one").fetchall() == [(42,)]
    db.close()


def test_a_failed_migration_leaves_the_older_store_untouched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "library.sqlite3"
    Store(path).close()
    current = store_schema.SCHEMA_VERSION
    monkeypatch.setattr(store_schema, "SCHEMA_VERSION", current + 1)
    monkeypatch.setattr(store_schema, "MIGRATIONS", {
        current: ("CREATE TABLE half (x INTEGER)", "INSERT INTO missing VALUES (1)")})
    with pytest.raises(StoreError):
        Store(path)
    assert _version(path) == str(current)
    db = sqlite3.connect(path)
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchone() is None
    db.close()
