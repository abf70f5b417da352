"""How long chroma's writes stall another thread: the in-process index against the index process.

A main thread ticks every 2 ms (as the window's event loop would) while another thread
upserts 3,000 random 384-dimensional vectors in writes of 8; the longest gap between two
ticks is how long the main thread could not run. chroma holds the GIL for a whole write
(chroma-core/chroma#3873), so in process the gaps follow the writes; through
:class:`~assistant.library.vector_process.ProcessVectorIndex` the writing thread waits on a
pipe, which frees the GIL.

    python scripts/bench_vector_stall.py [process|inprocess] [vectors] [per_write]
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from assistant.library.vector_index import VectorIndex
from assistant.library.vector_process import ProcessVectorIndex
from assistant.library.vector_store import VectorStore

TICK_S = 0.002
DIMENSION = 384


def ms(seconds: float) -> str:
    """Seconds as milliseconds, one decimal."""
    return f"{seconds * 1000:.1f}"


def stall(index: VectorStore, vectors: int, per_write: int) -> dict[str, float]:
    """Write ``vectors`` in writes of ``per_write`` on a thread while this one ticks."""
    rng = np.random.default_rng(0)
    writes: list[float] = []

    def write() -> None:
        for first in range(0, vectors, per_write):
            ids = list(range(first, min(vectors, first + per_write)))
            batch = rng.standard_normal((len(ids), DIMENSION)).astype(np.float32)
            started = time.perf_counter()
            index.upsert(ids, batch, ["x"] * len(ids), [first] * len(ids), batch=per_write)
            writes.append(time.perf_counter() - started)

    writer = threading.Thread(target=write)
    gaps: list[float] = []
    began = last = time.perf_counter()
    writer.start()
    while writer.is_alive():
        time.sleep(TICK_S)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    writer.join()
    gaps.sort()
    writes.sort()
    return {"total": last - began, "write_median": writes[len(writes) // 2],
            "write_p99": writes[int(len(writes) * 0.99)], "gap_p99": gaps[int(len(gaps) * 0.99)],
            "gap_max": gaps[-1]}


def main() -> None:
    """Run one mode and print its figures."""
    mode = sys.argv[1] if len(sys.argv) > 1 else "process"
    vectors = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    per_write = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    folder = Path(tempfile.mkdtemp()) / "vectors"
    kind = ProcessVectorIndex if mode == "process" else VectorIndex
    index = kind(folder, embedder_id="bench", dimension=DIMENSION)
    try:
        figures = stall(index, vectors, per_write)
    finally:
        index.close()
    print(f"{mode}: {vectors} vectors in writes of {per_write}: total {figures['total']:.2f} s; "
          f"write median {ms(figures['write_median'])} p99 {ms(figures['write_p99'])} ms; "
          f"main thread gap p99 {ms(figures['gap_p99'])} max {ms(figures['gap_max'])} ms")


if __name__ == "__main__":
    main()
