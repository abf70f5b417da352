"""The bundled research library: its content, and keeping it indexed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.library.bundled import LIBRARY_COLLECTION, library_files
from assistant.library.loaders import load_document
from assistant.system.paths import library_dir
from tests.services import MakeService


def test_the_library_has_at_least_twelve_original_notes_with_sources() -> None:
    files = library_files(library_dir())
    assert len(files) >= 12
    assert any(path.suffix == ".pdf" for path in files)
    for path in files:
        text = load_document(path).text
        words = len(text.split())
        assert 400 <= words <= 1600, (path.name, words)
        assert "Sources" in text, path.name


def test_the_library_pdf_keeps_its_pages() -> None:
    (pdf,) = [p for p in library_files(library_dir()) if p.suffix == ".pdf"]
    doc = load_document(pdf)
    assert doc.pages is not None and doc.pages >= 2
    assert {s.page for s in doc.sections} == set(range(1, doc.pages + 1))


@pytest.fixture
def library_copy(tmp_path: Path) -> Path:
    target = tmp_path / "library"
    shutil.copytree(library_dir(), target)
    return target


def test_library_is_indexed_once_and_reindexed_when_it_changes(
        library_copy: Path, make_service: MakeService) -> None:
    with make_service(library_dir=library_copy) as svc:
        assert svc.library_needs_sync()
        report = svc.sync_library()
        assert report is not None and not report.failed
        count = len(library_files(library_copy))
        assert report.count("added") == count
        assert len(svc.documents(LIBRARY_COLLECTION)) == count
        assert not svc.library_needs_sync() and svc.sync_library() is None

        first = sorted(library_copy.glob("*.md"))[0]
        first.write_text(first.read_text() + "\n\nAn added closing remark.\n")
        removed = sorted(library_copy.glob("*.md"))[1]
        removed.unlink()
        report = svc.sync_library()
        assert report is not None
        assert report.count("updated") == 1 and report.count("unchanged") == count - 2
        assert len(svc.documents(LIBRARY_COLLECTION)) == count - 1
        assert svc._index.count() == svc._store.chunk_count()
