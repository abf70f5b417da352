"""Crash-safe ingestion: SIGKILL at random moments while 200 files are imported loses nothing.

A child process (tests/crash_ingest.py) imports the folder with the real embedder, SQLite and
chroma; it is killed at a random moment after it starts working, again and again. After each
kill: SQLite passes ``PRAGMA integrity_check``, every file the child reported as added is
stored, every stored document is found by an exact-phrase search of its own sentence, and no
path is stored twice. Then an uninterrupted run finishes the rest and the vector index matches.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.documents_factory import make_docx, make_pdf
from tests.services import MakeService

ROOT = Path(__file__).resolve().parents[1]
FILES = 200
KILLS = 12
pytestmark = pytest.mark.integration


def sentence(number: int) -> str:
    """The sentence only file ``number`` holds (its exact phrase)."""
    return f"Ledger entry KILL{number:03d} records {number * 13 + 7} joules at station {number}."


def make_folder(folder: Path) -> None:
    """200 files in five formats, two or three chunks each."""
    rng = random.Random(3)
    words = "hash grid block fee pool chip heat dam wind coal miner share price".split()
    folder.mkdir()
    for number in range(FILES):
        filler = [" ".join(rng.choice(words) for _ in range(120)) for _ in range(3)]
        body = [filler[0], sentence(number), filler[1], filler[2]]
        kind = ["md", "txt", "html", "docx", "pdf"][number % 5]
        path = folder / f"f{number:03d}.{kind}"
        if kind == "md":
            path.write_text(f"# File {number}\n\n" + "\n\n".join(body), encoding="utf-8")
        elif kind == "txt":
            path.write_text("\n\n".join(body), encoding="utf-8")
        elif kind == "html":
            path.write_text("<html><body>" + "".join(f"<p>{p}</p>" for p in body)
                            + "</body></html>", encoding="utf-8")
        elif kind == "docx":
            make_docx(path, [("p", p) for p in body])
        else:
            make_pdf(path, ["\n\n".join(body[:2]), "\n\n".join(body[2:])])


def start(data: Path, folder: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "tests.crash_ingest", str(data), str(folder)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)


def wait_for(child: subprocess.Popen[str], marker: str) -> list[str]:
    """Lines the child printed until one starting with ``marker``."""
    assert child.stdout is not None
    lines = []
    for line in child.stdout:
        lines.append(line.strip())
        if line.startswith(marker):
            return lines
    raise AssertionError(f"the child ended before {marker!r}: {lines[-5:]}")


def check_store(data: Path, reported: set[str]) -> int:
    """Integrity, reported files stored, every stored document's phrase found; stored count."""
    db = sqlite3.connect(f"file:{data / 'offgrid.sqlite3'}?mode=ro", uri=True)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        paths = [row[0] for row in db.execute("SELECT path FROM documents d JOIN collections c "
                                              "ON c.id = d.collection_id WHERE c.name = 'Crash'")]
        assert len(paths) == len(set(paths)), "a file was stored twice"
        assert reported <= set(paths), "a file reported as added is missing"
        for path in paths:
            number = int(Path(path).stem[1:])
            found = db.execute(
                "SELECT DISTINCT d.path FROM chunks_fts f JOIN chunks k ON k.id = f.rowid "
                "JOIN documents d ON d.id = k.doc_id WHERE chunks_fts MATCH ?",
                (f'"{sentence(number)[:-1]}"',)).fetchall()
            assert [row[0] for row in found] == [path], f"{path}: its phrase is not found"
        return len(paths)
    finally:
        db.close()


def test_killing_the_import_at_random_points_loses_nothing(tmp_path: Path,
                                                          make_service: MakeService) -> None:
    folder, data = tmp_path / "files", tmp_path / "data"
    make_folder(folder)
    rng = random.Random(20261122)
    reported: set[str] = set()
    history: list[int] = []
    for _ in range(KILLS):
        child = start(data, folder)
        wait_for(child, "READY")
        time.sleep(rng.uniform(0.0, 0.8))  # the whole import takes ~7 s (5.1 s of waits)
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=60)
        reported |= {line.split(" ", 1)[1] for line in out.splitlines()
                     if line.startswith("added ")}
        history.append(check_store(data, reported))
        if history[-1] == FILES:
            break
    kills = len(history)
    assert kills >= 10, f"the import finished before 10 kills: {history}"
    assert history[-1] < FILES and history == sorted(history) and history[0] < FILES

    child = start(data, folder)  # the next import finishes the rest
    lines = wait_for(child, "DONE")
    assert child.wait(timeout=60) == 0
    added = sum(1 for line in lines if line.startswith("added "))
    assert added == FILES - history[-1] and not any(line.startswith("failed") for line in lines)
    assert check_store(data, reported) == FILES

    with make_service(data, embedder="real") as service:  # the index holds every stored chunk
        assert service._index.count() == service._store.chunk_count()
        assert service._index.ids() == service._store.all_chunk_ids()
    print(f"kills {kills}, documents stored after each: {history}")
