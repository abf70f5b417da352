"""Ingest a folder for ``test_crash_safety``, to be killed at a random moment (run as a child).

    python -m tests.crash_ingest DATA_DIR FOLDER

Prints ``READY`` once the library is open and the embedder loaded, then one line per file
(``added PATH`` once that file is committed), flushed at once.
"""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.app.service import AssistantService
from assistant.library.ingest import IngestLimits

# Small embedding groups, so commits come often and a kill can land anywhere: parsing,
# embedding, the SQLite transaction, the vector writes.
LIMITS = IngestLimits(embed_batch_chunks=24, embed_slice_chunks=8, index_write_chunks=8)


def main(data_dir: Path, folder: Path) -> None:
    with AssistantService(data_dir, limits=LIMITS) as service:
        service._embedder.embed(["ready"])
        print("READY", flush=True)
        report = service.ingest(
            [folder], collection="Crash",
            on_progress=lambda result, done, total: print(
                f"{result.status} {result.path}", flush=True))
        print(f"DONE {report.summary()}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
