"""The vector index in its own process: the same answers and errors as in-process, a killed
process costs one request, closing ends it, and the app never loads chroma."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psutil
import pytest

from assistant.errors import StoreError
from assistant.library import vector_process
from assistant.library.vector_index import VectorIndex
from assistant.library.vector_process import ProcessVectorIndex
from assistant.library.vector_store import PROCESS_SWITCH, open_vector_store

ROOT = Path(__file__).resolve().parents[1]
VECTORS = np.array([[1, 0, 0, 0], [0.9, 0.1, 0, 0], [0, 0, 1, 0], [0, 0, 0.9, 0.1]],
                   dtype=np.float64)  # not float32: the wire must convert
IDS = [11, 12, 21, 22]
COLLECTIONS = ["a", "a", "b", "b"]
DOC_IDS = [1, 1, 2, 2]
QUESTION = np.array([1, 0.5, 0.25, 0.1], dtype=np.float32)  # no two vectors tie to it


@pytest.fixture
def index(tmp_path: Path) -> Iterator[ProcessVectorIndex]:
    """A process-backed index in a temp dir holding four vectors in collections a and b."""
    opened = ProcessVectorIndex(tmp_path / "vectors", embedder_id="e", dimension=4)
    opened.upsert(IDS, VECTORS, COLLECTIONS, DOC_IDS, batch=1)
    yield opened
    opened.close()


@pytest.fixture
def local(tmp_path: Path) -> Iterator[VectorIndex]:
    """The same four vectors in an index in this process, to compare with."""
    opened = VectorIndex(tmp_path / "local", embedder_id="e", dimension=4)
    opened.upsert(IDS, VECTORS, COLLECTIONS, DOC_IDS)
    yield opened
    opened.close()


def test_a_round_trip_answers_as_the_index_in_process(index: ProcessVectorIndex,
                                                       local: VectorIndex) -> None:
    assert index.count() == 4 and index.ids() == set(IDS)
    for collections in (None, ["b"], ["a", "b"]):
        found = index.query(QUESTION, 3, collections)
        assert found == local.query(QUESTION, 3, collections)
    assert [chunk for chunk, _ in index.query(VECTORS[0], 2)] == [11, 12]
    assert [chunk for chunk, _ in index.query(VECTORS[0], 2, ["b"])] == [21, 22]
    assert index.query(VECTORS[0], 2, []) == [] and index.query(VECTORS[0], 0) == []
    index.delete([12, 99])
    assert index.ids() == {11, 21, 22}
    index.add([12], VECTORS[1:2], ["a"], [1])
    assert index.query(VECTORS[1], 1) == [(12, pytest.approx(1.0, abs=1e-5))]
    index.reset()
    assert index.count() == 0 and index.query(VECTORS[0], 3) == []


def test_an_error_in_the_child_is_the_same_store_error(index: ProcessVectorIndex,
                                                       local: VectorIndex) -> None:
    wrong = np.ones((1, 3), dtype=np.float32)  # the index holds 4-dimensional vectors
    with pytest.raises(StoreError) as in_process:
        local.upsert([5], wrong, ["a"], [1])
    with pytest.raises(StoreError) as in_child:
        index.upsert([5], wrong, ["a"], [1])
    assert str(in_child.value) == str(in_process.value)
    assert index.count() == 4  # the child carries on


def test_an_index_that_cannot_be_opened_raises_store_error(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    with pytest.raises(StoreError) as in_process:
        VectorIndex(blocked, embedder_id="e", dimension=4)
    with pytest.raises(StoreError) as in_child:
        ProcessVectorIndex(blocked, embedder_id="e", dimension=4)
    assert str(in_child.value) == str(in_process.value)


def test_a_killed_child_costs_one_request_and_the_next_finds_the_vectors(
        index: ProcessVectorIndex) -> None:
    first = index.pid
    assert first is not None
    psutil.Process(first).kill()  # SIGKILL on POSIX
    psutil.Process(first).wait(timeout=10)
    with pytest.raises(StoreError, match="the vector index process stopped"):
        index.count()
    assert index.count() == 4
    assert index.pid not in (None, first)
    assert [chunk for chunk, _ in index.query(VECTORS[2], 2)] == [21, 22]


def test_close_ends_the_child(tmp_path: Path) -> None:
    index = ProcessVectorIndex(tmp_path / "vectors", embedder_id="e", dimension=4)
    pid = index.pid
    assert pid is not None and psutil.pid_exists(pid)
    index.close()
    index.close()  # a second close does nothing
    assert not psutil.pid_exists(pid)
    with pytest.raises(StoreError, match="closed"):
        index.count()


def test_the_child_ends_when_the_app_dies(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from assistant.library.vector_process import ProcessVectorIndex
        if __name__ == "__main__":
            index = ProcessVectorIndex(Path({str(tmp_path / "vectors")!r}), embedder_id="e",
                                       dimension=4)
            print(index.pid, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)  # no atexit, no close
    """)
    app = tmp_path / "app.py"
    app.write_text(script)
    done = subprocess.run([sys.executable, str(app)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip(), done.stderr[-2000:]
    child = int(done.stdout.split()[0])
    try:
        psutil.Process(child).wait(timeout=10)
    except psutil.NoSuchProcess:
        pass
    assert not psutil.pid_exists(child)


def test_the_switch_opens_the_index_in_process(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROCESS_SWITCH, "0")
    opened = open_vector_store(tmp_path / "vectors", embedder_id="e", dimension=4)
    try:
        assert isinstance(opened, VectorIndex)
    finally:
        opened.close()


def test_the_app_never_imports_chromadb(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text("The difficulty adjusts every 2016 blocks.\n", encoding="utf-8")
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        import psutil
        from assistant.app.service import AssistantService
        from tests.fakes import HashEmbedder
        with AssistantService(Path({str(tmp_path / "data")!r}),
                              embedder=HashEmbedder()) as service:
            service.ingest([Path({str(note)!r})], collection="notes")
            hits = service.search("how often does the difficulty adjust", k=1)
            children = len(psutil.Process().children())
        left = [c for c in psutil.Process().children() if c.status() != psutil.STATUS_ZOMBIE]
        print(len(hits), children >= 2, "chromadb" in sys.modules, len(left))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    # One hit; the reader and the index ran as children; no chroma here; nothing left.
    assert done.stdout.split() == ["1", "True", "False", "0"]


def test_the_index_works_without_loading_grpc_for_an_exporter_it_never_starts(
        tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        import numpy as np
        from assistant.library.vector_index import VectorIndex
        index = VectorIndex(Path({str(tmp_path)!r}), embedder_id="e", dimension=4)
        index.upsert([7], np.eye(4, dtype=np.float32)[:1], ["c"], [1])
        found = index.query(np.eye(4, dtype=np.float32)[0], 1)
        index.close()
        exporter = sys.modules["opentelemetry.exporter.otlp.proto.grpc.trace_exporter"]
        try:
            exporter.OTLPSpanExporter(endpoint="http://example.org")
            refused = False
        except Exception:
            refused = True
        print(found[0][0], "grpc" in sys.modules, refused)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["7", "False", "True"]


def test_a_child_that_cannot_be_told_what_to_open_is_ended(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def popen(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        process = real_popen([sys.executable, "-c", "import time; time.sleep(60)"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert process.stdin is not None
        process.stdin.close()  # writing the start line fails
        started.append(process)
        return process

    monkeypatch.setattr(vector_process.subprocess, "Popen", popen)
    with pytest.raises(StoreError, match="could not be started"):
        ProcessVectorIndex(tmp_path / "vectors", embedder_id="e", dimension=4)
    assert started and started[0].poll() is not None  # killed and reaped, not left running
