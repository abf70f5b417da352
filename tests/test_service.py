"""The library service with a fast fake embedder, a real SQLite store and a real chroma index."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.app.service import AssistantService
from assistant.errors import AssistantError
from assistant.library.ingest import IngestLimits
from tests.documents_factory import MARKDOWN_SAMPLE, make_pdf
from tests.fakes import HashEmbedder
from tests.services import MakeService


@pytest.fixture
def service(make_service: MakeService) -> AssistantService:
    return make_service()


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_reingesting_unchanged_files_does_nothing(service: AssistantService,
                                                  tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    _write(folder / "a.md", MARKDOWN_SAMPLE)
    _write(folder / "b.txt", "Kelp forests store carbon along cold coasts.")
    first = service.ingest([folder])
    assert [r.status for r in first.results] == ["added", "added"]
    embedded = service._embedder.texts_embedded  # type: ignore[attr-defined]
    second = service.ingest([folder])
    assert [r.status for r in second.results] == ["unchanged", "unchanged"]
    assert service._embedder.texts_embedded == embedded  # type: ignore[attr-defined]
    assert service._index.count() == service._store.chunk_count()


def test_a_changed_file_is_updated_in_place(service: AssistantService, tmp_path: Path) -> None:
    path = _write(tmp_path / "note.txt", "Otters use rocks as tools.")
    (added,) = service.ingest([path]).results
    _write(path, "Sea urchins graze kelp when otters vanish.")
    (updated,) = service.ingest([path]).results
    assert (updated.status, updated.doc_id) == ("updated", added.doc_id)
    hits = service.search("urchins graze kelp", k=3)
    assert hits and "urchins" in hits[0].text
    assert not service.search("rocks tools", k=3) or "rocks" not in service.search(
        "rocks tools", k=3)[0].text
    assert service._index.count() == service._store.chunk_count() == 1


def test_removal_by_path_and_by_id(service: AssistantService, tmp_path: Path) -> None:
    a = _write(tmp_path / "a.txt", "Basalt columns form as lava cools.")
    b = _write(tmp_path / "b.txt", "Obsidian is volcanic glass.")
    service.ingest([a, b])
    (removed,) = service.remove(str(a))
    assert removed.title == "a"
    doc_b = service.documents()[0]
    service.remove(str(doc_b.id))
    assert service.documents() == [] and service._index.count() == 0
    assert service.search("basalt obsidian") == []
    with pytest.raises(AssistantError, match="no document"):
        service.remove("999")


def test_collection_filter(service: AssistantService, tmp_path: Path) -> None:
    service.ingest([_write(tmp_path / "x.txt", "Falcons dive at great speed.")],
                   collection="Birds")
    service.ingest([_write(tmp_path / "y.txt", "Falcons are also a car model name.")],
                   collection="Cars")
    birds = service.search("falcons speed", collections=["Birds"])
    assert {h.collection for h in birds} == {"Birds"}
    both = service.search("falcons", collections=["Birds", "Cars"])
    assert {h.collection for h in both} == {"Birds", "Cars"}
    assert [(c.name, c.documents) for c in service.collections()] == [("Birds", 1), ("Cars", 1)]
    with pytest.raises(AssistantError, match="no collection named 'Boats'.*Birds, Cars"):
        service.search("falcons", collections=["Boats"])


def test_a_mixed_batch_reports_every_file_and_keeps_going(service: AssistantService,
                                                          tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    good = _write(folder / "good.md", MARKDOWN_SAMPLE)
    _write(folder / "empty.txt", "")
    (folder / "fake.pdf").write_bytes(b"not really a pdf")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff")  # skipped: unsupported in a folder
    make_pdf(folder / "locked.pdf", ["secret"], user_password="pw")
    big = _write(folder / "big.txt", "word " * 10_000)
    (folder / "outside.txt").symlink_to(tmp_path / "elsewhere.txt")
    _write(tmp_path / "elsewhere.txt", "outside text")
    service._ingestor.limits = IngestLimits(max_file_bytes=20_000)
    report = service.ingest([folder, tmp_path / "missing.md", tmp_path / "slides.pptx"])
    outcome = {Path(r.path).name: (r.status, r.reason) for r in report.results}
    assert outcome["good.md"] == ("added", "")
    assert outcome["empty.txt"][1].startswith("no extractable text")
    assert outcome["fake.pdf"][1].startswith("not a PDF file")
    assert outcome["locked.pdf"][1].startswith("encrypted PDF")
    assert outcome["big.txt"][1] == "too large (50.0 KB; the limit is 20.0 KB)"
    assert outcome["outside.txt"] == ("failed", "link points outside the imported folder")
    assert outcome["missing.md"] == ("failed", "not found")
    assert report.skipped == 1 and report.failed
    assert len(report.results) == 8 and outcome["slides.pptx"] == ("failed", "not found")
    assert [d.path for d in service.documents()] == [str(good.resolve())]
    assert big.exists()


def test_unsupported_file_named_explicitly_fails_clearly(service: AssistantService,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "slides.pptx"
    path.write_bytes(b"PK")
    (result,) = service.ingest([path]).results
    assert result.status == "failed" and result.reason.startswith("unsupported type '.pptx'")


def test_cancel_stops_before_the_next_file(service: AssistantService, tmp_path: Path) -> None:
    paths = [_write(tmp_path / f"n{i}.txt", f"Note {i} about rivers.") for i in range(3)]
    cancel = threading.Event()

    def progress(result, done, total):  # type: ignore[no-untyped-def]
        cancel.set()

    service._ingestor.limits = IngestLimits(embed_batch_chunks=1)
    report = service.ingest(paths, on_progress=progress, cancel=cancel)
    assert [r.status for r in report.results] == ["added", "cancelled", "cancelled"]
    assert len(service.documents()) == 1


def test_vector_index_rebuilt_from_sqlite(service: AssistantService, tmp_path: Path) -> None:
    service.ingest([_write(tmp_path / "m.md", MARKDOWN_SAMPLE)])
    before = [h.chunk_id for h in service.search("drip irrigation water")]
    service._index.reset()
    assert service._index.count() == 0
    assert service.rebuild_index() == service._store.chunk_count()
    assert [h.chunk_id for h in service.search("drip irrigation water")] == before


def test_an_interrupted_index_write_is_repaired_on_open(
        tmp_path: Path, make_service: MakeService, hash_embedder: HashEmbedder) -> None:
    data = tmp_path / "data"
    with make_service(data, embedder=hash_embedder) as svc:
        svc.ingest([_write(tmp_path / "m.md", MARKDOWN_SAMPLE)])
        chunks = svc._store.chunk_count()
        svc._index.reset()  # as if the process died after the SQLite commit
        svc._store.mark_indexed(svc.documents()[0].id, False)
    with make_service(data, embedder=hash_embedder) as svc:
        assert svc.last_repair.added == chunks
        assert svc._index.count() == chunks


def test_orphan_vectors_are_removed_on_open(tmp_path: Path, make_service: MakeService,
                                            hash_embedder: HashEmbedder) -> None:
    data = tmp_path / "data"
    with make_service(data, embedder=hash_embedder) as svc:
        svc.ingest([_write(tmp_path / "m.md", MARKDOWN_SAMPLE)])
        doc = svc.documents()[0]
        svc._store.remove_document(doc.id)  # as if the process died before the index delete
    with make_service(data, embedder=hash_embedder) as svc:
        assert svc.last_repair.removed > 0 and svc._index.count() == 0


def test_a_moved_file_is_not_reembedded(service: AssistantService, tmp_path: Path) -> None:
    old = _write(tmp_path / "old" / "n.txt", "Moss grows on the north side.")
    service.ingest([old])
    new = tmp_path / "new" / "n.txt"
    new.parent.mkdir()
    old.rename(new)
    embedded = service._embedder.texts_embedded  # type: ignore[attr-defined]
    (result,) = service.ingest([new]).results
    assert result.status == "updated" and result.reason.startswith("moved from")
    assert service._embedder.texts_embedded == embedded  # type: ignore[attr-defined]
    assert service.documents()[0].path == str(new.resolve())


def test_a_failed_write_leaves_no_half_document(service: AssistantService, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "m.md", MARKDOWN_SAMPLE)
    original = service._store._db

    class Exploding:
        def __init__(self) -> None:
            self.inserts = 0

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(original, name)

        def execute(self, sql, *args):  # type: ignore[no-untyped-def]
            if sql.startswith("INSERT INTO chunks"):
                self.inserts += 1
                if self.inserts == 1:
                    raise RuntimeError("disk vanished")
            return original.execute(sql, *args)

    other = _write(tmp_path / "other.txt", "Lichens are partnerships of fungi and algae.")
    monkeypatch.setattr(service._store, "_db", Exploding())
    report = service.ingest([path, other])
    monkeypatch.setattr(service._store, "_db", original)
    assert [(r.status, r.reason) for r in report.results] == [
        ("failed", "could not be stored: disk vanished"), ("added", "")]
    service.remove(str(other))
    assert service.documents() == [] and service._store.chunk_count() == 0
    assert service.ingest([path]).results[0].status == "added"


def test_a_new_embedding_model_reembeds_the_stored_chunks(tmp_path: Path,
                                                         make_service: MakeService) -> None:
    data = tmp_path / "data"
    with make_service(data, embedder=HashEmbedder(dimension=64)) as svc:
        svc.ingest([_write(tmp_path / "m.md", MARKDOWN_SAMPLE)])
        chunks = svc._store.chunk_count()
        assert svc.reembedded == 0
    wider = HashEmbedder(dimension=96)
    wider.model_id = "test/wider-hash-embedder"
    with make_service(data, embedder=wider) as svc:
        assert svc.reembedded == chunks and wider.texts_embedded == chunks
        assert svc._index.count() == chunks
        (_, vectors, _, _), = svc._store.iter_vectors()
        assert vectors.shape == (chunks, 96)
        assert svc.search("drip irrigation water")[0].title == "Solar Orchards"
    with make_service(data, embedder=wider) as svc:
        assert svc.reembedded == 0
