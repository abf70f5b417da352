"""Chat first: ingestion steps aside while an answer is produced (fake embedder, real store)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from assistant.library.ingest import IngestLimits
from assistant.library.vector_store import PROCESS_SWITCH
from assistant.system.foreground import ForegroundGate
from tests.documents_factory import make_pdf
from tests.fakes import FakeEngine, HashEmbedder
from tests.services import MakeService


class RecordingGate(ForegroundGate):
    """A gate that records where background work stepped aside."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.threads: list[str] = []

    def wait_idle(self, cancel: threading.Event | None = None, limit_s: float = 300.0) -> float:
        self.calls += 1
        self.threads.append(threading.current_thread().name)
        return super().wait_idle(cancel, limit_s)


def test_wait_idle_returns_at_once_when_nothing_runs() -> None:
    gate = ForegroundGate()
    assert not gate.busy
    assert gate.wait_idle() < 0.05


def test_background_work_waits_until_the_answer_ends() -> None:
    gate = ForegroundGate()
    resumed = threading.Event()

    def background() -> None:
        gate.wait_idle()
        resumed.set()

    with gate.active():
        assert gate.busy
        worker = threading.Thread(target=background)
        worker.start()
        assert not resumed.wait(0.3)  # still held back while the answer runs
    assert resumed.wait(5)
    worker.join(5)
    assert gate.waited_s >= 0.3


def test_cancel_ends_the_wait() -> None:
    gate = ForegroundGate()
    cancel = threading.Event()
    cancel.set()
    with gate.active():
        assert gate.wait_idle(cancel) < 0.5


def test_ingestion_steps_aside_between_files_pages_and_slices(
        tmp_path: Path, make_service: MakeService) -> None:
    embedder = HashEmbedder()
    with make_service(embedder=embedder,
                      limits=IngestLimits(embed_slice_chunks=2, sandbox=None)) as service:
        gate = RecordingGate()  # (read in this process: PDF pages call the gate)
        service._ingestor.gate = gate
        (tmp_path / "docs").mkdir()
        pdf = make_pdf(tmp_path / "docs" / "paper.pdf",
                       [f"Page {n} talks about kelp number {n}. " * 40 for n in range(1, 5)])
        (tmp_path / "docs" / "note.md").write_text("# Note\n\nSeagrass meadows store carbon.\n")
        slices = []  # the size of each call to the embedder
        embed = embedder.embed
        embedder.embed = lambda texts: slices.append(len(texts)) or embed(texts)  # type: ignore
        report = service.ingest([tmp_path / "docs"])
        assert [r.status for r in report.results] == ["added", "added"], report.results
        chunks = sum(r.chunks for r in report.results)
        assert sum(slices) == chunks and max(slices) == 2
        # The files are read ahead in their own thread: it stepped aside once before each of
        # 2 files and each of 4 PDF pages. The embedding stepped aside before each slice.
        ahead = [name for name in gate.threads if name == "offgrid-read-ahead"]
        assert len(ahead) == 2 + 4
        assert gate.calls - len(ahead) == len(slices)
        # the slices were embedded shortest first, yet each chunk kept its own vector
        vectors = {chunk_id: vector for ids, batch, _, _ in service._store.iter_vectors()
                   for chunk_id, vector in zip(ids, batch, strict=True)}
        texts = [pair for batch in service._store.iter_chunk_texts() for pair in batch]
        assert len(texts) == chunks == len(vectors)
        assert len({len(text) for _, text in texts}) > 1  # the order really changed
        for chunk_id, text in texts:
            assert np.allclose(vectors[chunk_id], embedder.embed([text])[0])
        assert pdf.exists()


def test_an_answer_holds_the_gate_while_it_streams(tmp_path: Path,
                                                   make_service: MakeService) -> None:
    engine = FakeEngine([["Kelp ", "stores ", "carbon [1]."]])
    with make_service(engine=engine) as service:
        (tmp_path / "kelp.md").write_text("# Kelp\n\nKelp forests store carbon along coasts.\n")
        service.ingest([tmp_path / "kelp.md"])
        seen = []
        for event in service.ask("Do kelp forests store carbon?"):
            seen.append((type(event).__name__, service._gate.busy))
        # held while the answer is written; let go before it is handed over, so an answer
        # waiting for its turn starts at once
        assert len(seen) > 2 and all(busy for _, busy in seen[:-1])
        assert seen[-1] == ("Finished", False)
        assert not service._gate.busy


def test_vectors_reach_an_in_process_index_in_small_calls(
        tmp_path: Path, make_service: MakeService, monkeypatch: pytest.MonkeyPatch) -> None:
    """chroma holds the GIL for a whole call: in the app's process (the escape hatch; the
    index process ignores the batch) a big file goes in 8 vectors at a time."""
    monkeypatch.setenv(PROCESS_SWITCH, "0")
    with make_service() as service:
        collection = service._index._collection
        sizes: list[int] = []
        original = collection.upsert

        def counting(**kwargs):  # type: ignore[no-untyped-def]
            sizes.append(len(kwargs["ids"]))
            return original(**kwargs)

        collection.upsert = counting
        (tmp_path / "docs").mkdir()
        make_pdf(tmp_path / "docs" / "long.pdf",
                 [f"Page {n} is about seagrass meadow number {n}. " * 60 for n in range(1, 13)])
        report = service.ingest([tmp_path / "docs"])
        chunks = report.results[0].chunks
        assert chunks > 16
        assert max(sizes) == 8 and sum(sizes) == chunks == service._index.count()


def test_the_sandboxed_reader_is_paused_while_an_answer_runs(tmp_path: Path) -> None:
    import threading
    import time

    from assistant.library.parse_sandbox import ParseSandbox, SandboxLimits
    from assistant.system.foreground import ForegroundGate

    pdf = make_pdf(tmp_path / "paper.pdf", [f"Page {n} about kelp. " * 40 for n in range(1, 30)])
    gate = ForegroundGate()
    sandbox = ParseSandbox(SandboxLimits(seconds=1.0), gate)
    try:
        sandbox.load(pdf)  # the child is running
        assert sandbox._child is not None
        pid = sandbox._child.pid
        results: list[object] = []
        with gate.active():
            reader = threading.Thread(target=lambda: results.append(sandbox.load(pdf)))
            reader.start()
            time.sleep(0.3)
            state = (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
                     if Path(f"/proc/{pid}").exists() else "T")
            assert state == "T" or results  # stopped (or already done before the pause)
            time.sleep(1.5)  # paused longer than the 1 s limit: that time does not count
        reader.join(30)
        assert len(results) == 1 and "kelp" in results[0].text  # type: ignore[attr-defined]
    finally:
        sandbox.close()
