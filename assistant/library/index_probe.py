"""Read a vector index in a child process first when it is not exactly as Offgrid left it.

A damaged chroma file can crash the process that reads it: a truncated HNSW graph makes
chroma's native code segfault on ``count()``, which no ``except`` can catch. So when the app
closes its library it seals the index (records each file's size and modification time next to
it), and opening it unseals it. An index found unsealed (the app was killed, or a file
changed since) is first opened, read back in full and searched by
``python -m assistant.library.index_probe``; if that child dies or fails, the index is treated
as damaged and rebuilt from SQLite.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from assistant.system.files import write_atomic

PROBE_TIMEOUT_S = 300
PROBE_PAGE = 5000  # vectors read back at a time


def seal_path(index_dir: Path) -> Path:
    """Where the seal of ``index_dir`` is kept (beside it, so a rebuild does not drop it)."""
    return index_dir.with_name(index_dir.name + ".seal")


def fingerprint(index_dir: Path) -> dict[str, list[int]]:
    """Every file under ``index_dir``: relative path → [size, mtime in ns]."""
    found: dict[str, list[int]] = {}
    for path in sorted(index_dir.rglob("*")):
        if path.is_file():
            stat = path.stat()
            found[str(path.relative_to(index_dir))] = [stat.st_size, stat.st_mtime_ns]
    return found


def seal(index_dir: Path) -> None:
    """Record the index as this process leaves it (call after closing it)."""
    if not index_dir.is_dir():
        return
    write_atomic(seal_path(index_dir), json.dumps(fingerprint(index_dir)))


def unseal(index_dir: Path) -> None:
    """Forget the seal: the index is in use, and may change, until :func:`seal`."""
    seal_path(index_dir).unlink(missing_ok=True)


def is_sealed(index_dir: Path) -> bool:
    """Whether the index is exactly as the app last closed it."""
    try:
        recorded = json.loads(seal_path(index_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(recorded) and recorded == fingerprint(index_dir)


def probe(index_dir: Path) -> str | None:
    """Open, count and search the index in a child process; why it failed, or None."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "assistant.library.index_probe", str(index_dir)],
            capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return f"reading the vector index took over {PROBE_TIMEOUT_S} s"
    if done.returncode == 0:
        return None
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        return f"reading the vector index crashed the separate process that checks it ({name})"
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return f"the vector index cannot be read: {lines[-1] if lines else done.returncode}"


def read_everything(index_dir: Path) -> int:
    """Open each collection, read back every vector and run one search; how many it holds.

    Counting and one search are not enough: a graph cut short can still answer both (its
    missing half is only met when those vectors are read), so every vector is read, a page at
    a time (about 3 s for 100k vectors, and only after the app did not close cleanly).
    """
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(index_dir),
                                       settings=Settings(anonymized_telemetry=False))
    total = 0
    for listed in client.list_collections():
        collection = client.get_collection(getattr(listed, "name", listed),
                                           embedding_function=None)
        count = collection.count()
        total += count
        sample = None
        for offset in range(0, count, PROBE_PAGE):
            page = collection.get(limit=PROBE_PAGE, offset=offset, include=["embeddings"])
            if sample is None and len(page["embeddings"]):
                sample = list(page["embeddings"][0])
        if sample is not None:  # searched with a vector it holds
            collection.query(query_embeddings=[sample], n_results=1)
    return total


if __name__ == "__main__":
    from assistant.system import egress  # with the offline switches, before chroma loads

    egress.install()
    print(read_everything(Path(sys.argv[1])))
