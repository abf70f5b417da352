"""A library shared on a real Chroma server (``chroma run``, started by the tests): what one
data directory ingests, another finds and cites the same way; removals travel; a server of
another embedder, or none, is a clear error that costs nothing here; the egress guard lets
exactly that server through."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from assistant.answers.pipeline import AskOptions, Finished
from assistant.app.service import STORE_FILE
from assistant.app.settings import Settings, save_settings
from assistant.cli.main import main
from assistant.engines.onnx_embedding import OnnxEmbedder
from assistant.errors import AssistantError
from assistant.library.documents import Hit
from assistant.system.egress import EgressBlocked, EgressGuard, is_local
from tests.documents_factory import make_pdf
from tests.fakes import FakeEngine, HashEmbedder
from tests.services import MakeService

pytestmark = pytest.mark.integration
START_TIMEOUT_S = 60
CHROMA = Path(sys.executable).parent / "chroma"  # chromadb's console script

NOTES = """# Solar Orchards

## Panels over trees

Solar orchards raise panels on poles above apple trees. The shade cut irrigation water by a
third in the Kestrel trial, and the trees flowered a week later.

## Yields

Apple yields stayed within five percent of open fields, while the panels produced 410
megawatt hours a year per hectare.
"""
PAGES = [
    "Heat reuse. Miners in Finland sell their waste heat to district heating networks.",
    "Hydro dams. Paraguay sells surplus hydropower from the Itaipu dam to miners at night.",
    "Fleet age. Older machines are retired when hashprice falls below their running cost.",
]
QUERIES = ["irrigation water Kestrel trial", "Itaipu dam surplus hydropower",
           "apple yields open fields", "machines retired hashprice"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ChromaServer:
    """A ``chroma run`` process: its URL, and a way to stop it early."""

    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_chroma(folder: Path, host: str = "127.0.0.1", listen: str = "localhost") -> ChromaServer:
    """``chroma run --path FOLDER --port P`` on a free port, once it answers."""
    port = _free_port()
    log = folder / "chroma.log"
    folder.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(folder / "db"), "--host", listen,
             "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    server = ChromaServer(f"http://{host}:{port}", process)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat",
                                        timeout=2) as reply:
                json.load(reply)
                return server
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                pytest.fail(f"the Chroma server did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    """A fresh Chroma server for one test, on loopback."""
    server = start_chroma(tmp_path / "chroma")
    yield server
    server.stop()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A Markdown file with headings and a three-page PDF."""
    folder = tmp_path / "files"
    folder.mkdir()
    notes = folder / "orchards.md"
    notes.write_text(NOTES, encoding="utf-8")
    pdf = make_pdf(folder / "mining.pdf", PAGES, title="Mining Energy Notes")
    return {"notes": notes, "pdf": pdf}


def _citation(hit: Hit) -> tuple[object, ...]:
    """What a citation shows, and what ranks it."""
    return (hit.title, hit.path, hit.collection, hit.page, hit.heading, hit.start, hit.end,
            hit.text, hit.score, hit.similarity)


def test_what_one_data_directory_ingests_another_finds_with_the_same_citations(
        chroma: ChromaServer, files: dict[str, Path], make_service: MakeService) -> None:
    first = make_service(chroma_url=chroma.url)
    report = first.ingest(list(files.values()), collection="Field notes")
    assert report.count("added") == 2 and not first.shared_problem
    second = make_service(chroma_url=chroma.url)
    assert second.shared_at_open is not None and second.shared_at_open.pulled == 2
    assert second.library_shared == chroma.url.removeprefix("http://")
    for query in QUERIES:
        here, there = first.search(query, k=3), second.search(query, k=3)
        assert [_citation(h) for h in there] == [_citation(h) for h in here], query
        for hit in there:  # offsets point into the same text in the other directory
            assert (second.document_text(hit.doc_id) or "")[hit.start:hit.end] == hit.text
    (itaipu, *_) = second.search("Itaipu dam surplus hydropower", k=1)
    assert (itaipu.title, itaipu.page) == ("Mining Energy Notes", 2)
    (kestrel, *_) = second.search("irrigation water Kestrel trial", k=1)
    assert (kestrel.title, kestrel.heading) == ("Solar Orchards",
                                                "Solar Orchards > Panels over trees")
    shown = [(d.title, d.collection, d.kind, d.pages, d.chunks, d.sha256)
             for d in second.documents()]
    assert shown == [(d.title, d.collection, d.kind, d.pages, d.chunks, d.sha256)
                     for d in first.documents()]


def test_the_other_directory_answers_with_citations_of_the_shared_documents(
        chroma: ChromaServer, files: dict[str, Path], make_service: MakeService) -> None:
    first = make_service(chroma_url=chroma.url)
    first.ingest([files["pdf"]], collection="Field notes")
    engine = FakeEngine([["Paraguay sells surplus hydropower from the Itaipu dam [1]."]])
    second = make_service(chroma_url=chroma.url, engine=engine)
    asked = second.start_turn("Who buys surplus hydropower from the Itaipu dam at night?")
    events = list(second.ask("Who buys surplus hydropower from the Itaipu dam at night?",
                             options=AskOptions(), conversation_id=asked.conversation_id,
                             turn_id=asked.turn_id))
    answer = next(e.answer for e in events if isinstance(e, Finished))
    assert not answer.abstained
    cited = answer.sources[0]
    assert (cited.title, cited.page, cited.path) == ("Mining Energy Notes", 2,
                                                      str(files["pdf"]))
    assert "Itaipu" in engine.prompts[0][-1].content  # the passage reached the prompt
    assert second.list_conversations()  # the conversation is kept here…
    assert not first.list_conversations()  # …and only here


def test_a_removal_or_an_update_in_one_directory_reaches_the_other(
        chroma: ChromaServer, files: dict[str, Path], make_service: MakeService) -> None:
    first = make_service(chroma_url=chroma.url)
    first.ingest(list(files.values()), collection="Field notes")
    second = make_service(chroma_url=chroma.url)
    assert {d.title for d in second.documents()} == {"Solar Orchards", "Mining Energy Notes"}
    first.remove(str(files["pdf"]))
    # both stay open: the other directory notices before its next search
    assert all(h.title != "Mining Energy Notes"
               for h in second.search("Itaipu dam surplus hydropower", k=5))
    assert [d.title for d in second.documents()] == ["Solar Orchards"]
    files["notes"].write_text(NOTES.replace("410", "525"), encoding="utf-8")
    assert first.ingest([files["notes"]], collection="Field notes").count("updated") == 1
    (hit, *_) = second.search("megawatt hours a year per hectare", k=1)
    assert "525" in hit.text and "410" not in hit.text
    assert len(second.documents()) == 1
    second.remove(str(files["notes"]))  # and the other way round
    assert first.documents() == [] and first.search("apple yields", k=3) == []


def test_a_shared_library_of_another_embedder_is_refused_and_left_as_it_was(
        chroma: ChromaServer, files: dict[str, Path], make_service: MakeService,
        tmp_path: Path) -> None:
    first = make_service(chroma_url=chroma.url)
    first.ingest([files["notes"]], collection="Field notes")
    other = tmp_path / "other-embedder"
    with pytest.raises(AssistantError) as refused:
        make_service(other, embedder=HashEmbedder(dimension=32), chroma_url=chroma.url)
    message = str(refused.value)
    assert f"the shared library at {chroma.url} holds vectors of the embedding model " \
           "'test/hash-embedder' (dimension 64)" in message
    assert "(dimension 32)" in message and "Nothing was changed on the server" in message
    assert not (other / STORE_FILE).exists()  # refused before anything here was made
    again = make_service(chroma_url=chroma.url)  # the shared library is intact
    assert [d.title for d in again.documents()] == ["Solar Orchards"]


def test_an_unreachable_server_is_a_clear_error_and_nothing_here_is_lost(
        chroma: ChromaServer, files: dict[str, Path], make_service: MakeService,
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mine"
    with make_service(folder, chroma_url=chroma.url) as service:
        service.ingest([files["notes"]], collection="Field notes")
    nowhere = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(AssistantError, match=f"cannot reach the Chroma server at {nowhere}"):
        make_service(folder, chroma_url=nowhere)
    assert main(["--data-dir", str(folder), "--chroma-url", nowhere, "status"]) == 1
    assert f"error: cannot reach the Chroma server at {nowhere}" in capsys.readouterr().err
    with make_service(folder) as alone:  # the mirror still holds everything, offline
        assert [h.title for h in alone.search("irrigation water Kestrel", k=1)] == [
            "Solar Orchards"]
    service = make_service(folder, chroma_url=chroma.url)
    chroma.stop()  # the server goes away while the library is open
    assert [h.title for h in service.search("irrigation water Kestrel", k=1)] == [
        "Solar Orchards"]
    assert "cannot list the shared documents" in service.shared_problem
    assert service.ingest([files["pdf"]], collection="Field notes").count("added") == 1
    assert service.shared_problem  # stored here; sent on a later sync


def test_the_command_line_shares_through_the_option_the_variable_or_the_settings(
        chroma: ChromaServer, files: dict[str, Path], tmp_path: Path,
        make_service: MakeService,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("assistant.cli.main.library_dir", lambda: tmp_path / "no-library")
    other = tmp_path / "other"
    # The app's embedder, as on the other machine (exported once, where the command line's
    # data directory keeps it).
    first = make_service(embedder=OnnxEmbedder(other / "model-cache"), chroma_url=chroma.url)
    first.ingest(list(files.values()), collection="Field notes")
    expected = [h.to_json() for h in first.search("Itaipu dam surplus hydropower", k=3)]
    assert main(["--data-dir", str(other), "--chroma-url", chroma.url, "search", "--json",
                 "Itaipu dam surplus hydropower", "--k", "3"]) == 0
    out = capsys.readouterr()
    hits = json.loads(out.out)
    keys = ("title", "path", "collection", "page", "heading", "start", "end", "text", "score")
    assert [[h[k] for k in keys] for h in hits] == [[h[k] for k in keys] for h in expected]
    where = chroma.url.removeprefix("http://")
    assert f"Note: Library shared on the Chroma server at {where}" in out.err
    monkeypatch.setenv("OFFGRID_CHROMA_URL", chroma.url)
    assert main(["--data-dir", str(tmp_path / "third"), "status"]) == 0
    assert f"Library: shared at {where} (Chroma server)" in capsys.readouterr().out
    monkeypatch.delenv("OFFGRID_CHROMA_URL")
    (tmp_path / "fourth").mkdir()
    save_settings(tmp_path / "fourth", Settings(chroma_url=chroma.url))
    assert main(["--data-dir", str(tmp_path / "fourth"), "docs", "list"]) == 0
    assert "Mining Energy Notes" in capsys.readouterr().out
    assert main(["--data-dir", str(tmp_path / "fifth"), "status"]) == 0
    assert "Library: on this computer only" in capsys.readouterr().out


def _outward_address() -> str | None:
    """An IPv4 address of this machine that is not loopback (the guard checks those)."""
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family == socket.AF_INET and not address.address.startswith("127."):
                return str(address.address)
    return None


def test_the_egress_guard_lets_exactly_the_chroma_server_through(
        tmp_path: Path, files: dict[str, Path], make_service: MakeService,
        _offline: EgressGuard, no_network: list[str]) -> None:
    address = _outward_address()
    if address is None:
        pytest.skip("this machine has no address but loopback")
    server = start_chroma(tmp_path / "chroma", host=address, listen="0.0.0.0")
    port = int(server.url.rsplit(":", 1)[1])
    try:
        with socket.socket() as tcp, pytest.raises(EgressBlocked):
            tcp.connect((address, port))  # not allowed until the library is shared there
        service = make_service(chroma_url=server.url)
        service.ingest([files["notes"]], collection="Field notes")
        assert service.search("irrigation water Kestrel", k=1)[0].title == "Solar Orchards"
        assert {entry for entry in _offline.allowed if not is_local(entry[0])} == {
            (address, port)}
        for elsewhere in ((address, port + 1), ("192.0.2.200", port)):
            with socket.socket() as tcp, pytest.raises(EgressBlocked):
                tcp.connect(elsewhere)
        assert no_network == [f"{address}:{port}", f"{address}:{port + 1}",
                              f"192.0.2.200:{port}"]
    finally:
        _offline.allowed.clear()
        server.stop()
