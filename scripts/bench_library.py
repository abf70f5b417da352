"""Benchmark the document library: ingest throughput and search latency (prints a table).

    .venv/bin/python scripts/bench_library.py [--queries N]

Runs in a temporary data directory with the real embedder and chroma. Ingests the bundled
library plus a 60-page PDF generated here, then times hybrid searches. For reference it also
times the raw embedder (``SentenceTransformer.encode``) on the same chunks in the same run, so
the ratio shows what our pipeline adds on top of the engine.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
from pathlib import Path

from fpdf import FPDF

from assistant.embedding import SentenceTransformerEmbedder
from assistant.loaders import load_document
from assistant.paths import library_dir
from assistant.service import AssistantService

QUERIES = [
    "When was the last halving?", "what is hashprice", "difficulty retarget interval",
    "Why are miners moving to Ethiopia?", "Itaipu dam capacity", "Nakamoto coefficient",
    "share of hash rate in China in 2019", "all-in cost of mining one bitcoin in the US",
    "edge AI market size 2033", "how much memory does a 7B model need at 4-bit",
    "Stratum V2 block templates", "demand response in Texas", "joules per terahash",
    "why might AI decentralize", "energy cost per bitcoin formula", "51% attack risk",
]


def make_pdf(path: Path, pages: int, seed: int = 7) -> None:
    """A deterministic multi-page PDF built from the library's own sentences."""
    sentences: list[str] = []
    for file in sorted(library_dir().glob("*.md")):
        text = file.read_text(encoding="utf-8")
        sentences += [s.strip() for s in text.replace("\n", " ").split(". ") if len(s) > 40]
    rng = random.Random(seed)
    pdf = FPDF()
    pdf.set_auto_page_break(auto=True, margin=15)
    for _ in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", size=10)
        body = ". ".join(rng.sample(sentences, 14)) + "."
        pdf.multi_cell(0, 5, body.encode("latin-1", "replace").decode("latin-1"))
    pdf.output(str(path))


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=200, help="searches to time")
    args = parser.parse_args()
    embedder = SentenceTransformerEmbedder()
    embedder.load()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pdf = root / "sixty-pages.pdf"
        make_pdf(pdf, 60)
        files = sorted(p for p in library_dir().iterdir() if p.is_file()) + [pdf]
        with AssistantService(root / "data", embedder=embedder) as service:
            started = time.perf_counter()
            report = service.ingest(files, collection="Bench")
            ingest_s = time.perf_counter() - started
            assert not report.failed, report.summary()
            chunks = service.store.chunk_count()
            started = time.perf_counter()
            service.ingest([pdf], collection="PDF only")
            pdf_s = time.perf_counter() - started
            pdf_pages = load_document(pdf).pages or 0
            texts = [r.text for r in service.store.chunks(sorted(service.store.all_chunk_ids()))
                     .values() if r.collection == "Bench"]
            started = time.perf_counter()
            embedder.load().encode(texts, batch_size=embedder.batch_size,
                                   normalize_embeddings=True, show_progress_bar=False)
            raw_s = time.perf_counter() - started
            again = time.perf_counter()
            service.ingest(files, collection="Bench")
            unchanged_s = time.perf_counter() - again

            for query in QUERIES:  # warm-up
                service.search(query)
            latencies: list[float] = []
            for number in range(args.queries):
                query = QUERIES[number % len(QUERIES)]
                started = time.perf_counter()
                service.search(query, k=5)
                latencies.append((time.perf_counter() - started) * 1000)

    ours = chunks / ingest_s
    raw = len(texts) / raw_s
    rows = [
        ("files ingested", f"{len(files)} ({chunks} chunks)"),
        ("end-to-end ingest (parse, chunk, embed, store)",
         f"{ingest_s:.1f} s = {ours:.1f} chunks/s"),
        ("raw SentenceTransformer.encode, same chunks", f"{raw_s:.1f} s = {raw:.1f} chunks/s"),
        ("ingest / raw encode ratio", f"{ours / raw:.2f}"),
        (f"{pdf_pages}-page PDF alone", f"{pdf_s:.1f} s = {pdf_pages / pdf_s:.1f} pages/s"),
        ("re-ingest, nothing changed", f"{unchanged_s * 1000:.0f} ms"),
        (f"hybrid search latency, {len(latencies)} queries, p50",
         f"{statistics.median(latencies):.1f} ms"),
        ("hybrid search latency p95", f"{percentile(latencies, 95):.1f} ms"),
        ("hybrid search latency max", f"{max(latencies):.1f} ms"),
    ]
    print("| measure | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
