"""Measure whole-document answers: summaries and cross-document questions; prints the figures.

    .venv/bin/python scripts/eval_summaries.py [--summaries FILE] [--cross FILE] [--show]

Ingests the documents of ``tests/qa/external/summaries.jsonl`` into the collection "external"
beside the bundled library, summarizes each (as ``assistant summarize`` does) and reports the
share of its main sections the summary covers, the share of its key facts it quotes, and the
time each took. Then asks the cross-document questions of ``cross.jsonl`` and reports how many
of the expected documents the answer cites. Also times the summary of a generated 50-page PDF.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from assistant.answers.pipeline import Finished
from assistant.app.service import AssistantService
from assistant.bench.ingest_bench import make_pdf
from assistant.system.paths import PROJECT_ROOT, library_dir

EXTERNAL = PROJECT_ROOT / "tests" / "qa" / "external"


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summaries", type=Path, default=EXTERNAL / "summaries.jsonl")
    parser.add_argument("--cross", type=Path, default=EXTERNAL / "cross.jsonl")
    parser.add_argument("--show", action="store_true", help="print every summary and answer")
    args = parser.parse_args(argv)
    summaries, cross = _load(args.summaries), _load(args.cross)
    documents = [(PROJECT_ROOT / item["document"]).resolve() for item in summaries]
    with tempfile.TemporaryDirectory() as tmp, \
            AssistantService(Path(tmp) / "data", library_dir=library_dir()) as service:
        service.sync_library()
        service.ingest(documents, collection="external")
        print(f"{len(summaries)} documents summarized")
        coverage, facts, times = [], [], []
        for item, path in zip(summaries, documents, strict=True):
            started = time.perf_counter()
            answer = service.summarize(str(path))
            times.append(time.perf_counter() - started)
            text = _norm(answer.text)
            covered = [s for s in item["sections"] if _norm(s) in text]
            quoted = [f for f in item["key_facts"] if _norm(f) in text]
            coverage.append(len(covered) / len(item["sections"]))
            facts.append(len(quoted) / len(item["key_facts"]))
            print(f"  {item['source']:40} sections {len(covered)}/{len(item['sections'])}  "
                  f"key facts {len(quoted)}/{len(item['key_facts'])}  "
                  f"{len(answer.text.split())} words  {times[-1] * 1000:.0f} ms")
            if args.show:
                print(answer.text + "\n")
        print(f"  mean section coverage {100 * statistics.mean(coverage):.0f}%, key facts "
              f"{100 * statistics.mean(facts):.0f}%, slowest {max(times) * 1000:.0f} ms")
        pdf = make_pdf(Path(tmp) / "long" / "report-50-pages.pdf", 50)
        service.ingest([pdf], collection="long")
        started = time.perf_counter()
        long = service.summarize(str(pdf))
        print(f"  generated 50-page PDF: {len(long.evidence)} sentences from "
              f"{len(long.text.splitlines()) - 1} parts in "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")
        service.load_model()
        print(f"{len(cross)} cross-document questions")
        for item in cross:
            answer = None
            for event in service.ask(item["question"]):
                if isinstance(event, Finished):
                    answer = event.answer
            assert answer is not None
            cited = {Path(hit.path).name for hit in answer.sources}
            expected = set(item["expect_documents"])
            print(f"  {item['id']} ({item['kind']}): {len(cited & expected)}/{len(expected)} "
                  f"expected documents cited, {len(cited - expected)} others")
            if args.show:
                print(answer.text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
