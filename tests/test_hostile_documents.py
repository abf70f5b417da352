"""Hostile documents: 200+ malformed files give one clear error each, in bounded time and memory,
and nothing outside the chosen folder is read."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from assistant.library.ingest import IngestLimits
from assistant.library.parse_sandbox import BACKGROUND_NICE, ParseSandbox, SandboxLimits
from tests.hostile_files import make_corpus
from tests.services import MakeService

LIMITS = IngestLimits(sandbox=SandboxLimits(seconds=30, memory_mb=1024))
# Valid files at an extreme: read correctly, in bounded time.
VALID = {"deeply nested HTML"}


def peak_rss_mb() -> float:
    """This process's peak resident memory since the last :func:`reset_peak`."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: restart VmHWM from now


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("hostile")
    return root, make_corpus(root / "files", root / "outside")


def test_every_bad_file_gets_one_clear_error_and_the_batch_goes_on(
        corpus: tuple[Path, dict[str, str]], make_service: MakeService) -> None:
    root, kinds = corpus
    assert len(kinds) >= 200
    good = root / "files" / "zz-good.md"  # one sound file, read after all the bad ones
    good.write_text("# Kelp\n\nKelp forests store carbon along rocky coasts.\n")
    try:
        with make_service(limits=LIMITS) as svc:
            reset_peak()
            before = peak_rss_mb()
            started = time.perf_counter()
            report = svc.ingest([root / "files"])
            seconds = time.perf_counter() - started
            grew = peak_rss_mb() - before
            stored = {Path(d.path).name for d in svc.documents()}
            texts = [svc.document_text(d.id) or "" for d in svc.documents()]
    finally:
        good.unlink()
    by_name: dict[str, list] = {}
    for result in report.results:
        by_name.setdefault(Path(result.path).name, []).append(result)
    for name, kind in kinds.items():
        results = by_name.get(name, [])
        assert len(results) == 1, f"{name} ({kind}): {results}"
        result = results[0]
        if kind in VALID:
            assert result.status == "added", (name, result)
        else:
            assert result.status == "failed" and len(result.reason) > 10, (name, kind, result)
    assert stored == {"zz-good.md", *(n for n, k in kinds.items() if k in VALID)}
    assert not any("TOP SECRET" in text for text in texts)  # nothing outside was read
    print(f"{len(kinds)} hostile files: {report.count('failed')} failed, "
          f"{report.count('added')} added, {seconds:.1f} s, parent peak +{grew:.0f} MB")
    assert seconds < 120 and grew < 400


def test_the_bombs_are_stopped_by_their_limits(corpus: tuple[Path, dict[str, str]]) -> None:
    root, _ = corpus
    sandbox = ParseSandbox(SandboxLimits(seconds=30, memory_mb=1024))
    try:
        for name, words in (("bomb.pdf", "inflates past the safe limit"),
                            ("bomb.docx", "too large to extract in memory")):
            with pytest.raises(Exception, match=words):
                sandbox.load(root / "files" / name)
        note = root / "fine.md"
        note.write_text("# Fine\n\nStill reading.\n")
        assert "Still reading" in sandbox.load(note).text  # and the reader still works
    finally:
        sandbox.close()


def test_a_reader_that_hangs_is_stopped_and_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "never-ends.txt"
    os.mkfifo(fifo)  # reading it blocks for ever, like a parser stuck in a loop
    note = tmp_path / "note.md"
    note.write_text("# Note\n\nSeagrass stores carbon.\n")
    sandbox = ParseSandbox(SandboxLimits(seconds=1.0, memory_mb=512))
    try:
        started = time.perf_counter()
        with pytest.raises(Exception, match="took longer than 1 s to read; stopped"):
            sandbox.load(fifo)
        assert time.perf_counter() - started < 10
        assert "Seagrass" in sandbox.load(note).text
    finally:
        sandbox.close()


@pytest.mark.skipif(os.name == "nt", reason="POSIX nice values")
def test_the_reader_runs_at_a_background_priority(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text("# Note\n\nSeagrass stores carbon.\n")
    sandbox = ParseSandbox()
    try:
        assert "Seagrass" in sandbox.load(note).text
        assert sandbox._child is not None
        assert sandbox._child.process.nice() >= BACKGROUND_NICE > os.nice(0)
    finally:
        sandbox.close()


def test_a_reader_that_dies_fails_that_file_only(tmp_path: Path) -> None:
    fifo = tmp_path / "stuck.txt"
    os.mkfifo(fifo)
    note = tmp_path / "note.md"
    note.write_text("# Note\n\nSeagrass stores carbon.\n")
    sandbox = ParseSandbox(SandboxLimits(seconds=60))
    errors: list[str] = []

    def read() -> None:
        try:
            sandbox.load(fifo)
        except Exception as exc:
            errors.append(str(exc))

    try:
        sandbox.load(note)
        assert sandbox._child is not None
        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(0.5)
        os.kill(sandbox._child.pid, 9)  # as the kernel does to a reader out of memory
        reader.join(30)
        assert errors and "the reader crashed (SIGKILL)" in errors[0]
        assert "Seagrass" in sandbox.load(note).text
    finally:
        sandbox.close()


@pytest.mark.parametrize("reply", ["[1, 2]", "not json at all", '"error"',
                                   '{"document": {"text": 5, "title": "t", "kind": "text", '
                                   '"pages": null, "sections": []}}'])
def test_a_reader_that_replies_nonsense_fails_that_file(tmp_path: Path, reply: str) -> None:
    import sys

    from assistant.errors import IngestError

    sandbox = ParseSandbox()
    sandbox.command = [sys.executable, "-c",  # a compromised reader, as far as we can tell
                       f"import sys\nfor _ in sys.stdin: print({reply!r}, flush=True)"]
    try:
        with pytest.raises(IngestError, match="sent back something unexpected"):
            sandbox.load(tmp_path / "any.md")
    finally:
        sandbox.close()
