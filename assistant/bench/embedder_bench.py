"""Row 9: the app's embedder (MiniLM on onnxruntime) against the reference,
sentence-transformers' ``SentenceTransformer.encode`` on PyTorch, in the same run: chunks/s on
the same chunks (the two taking turns), their vectors' agreement, and dev-set hit@5."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from assistant.app.service import AssistantService
from assistant.bench.dev_set import hit_at_5, load_questions
from assistant.bench.measure import (
    BenchContext,
    Figure,
    Row,
    SectionResult,
    alternate,
    median,
    ratio,
    timed,
)
from assistant.engines.embedding import Embedder, SentenceTransformerEmbedder
from assistant.engines.onnx_embedding import OnnxEmbedder
from assistant.library.bundled import library_files
from assistant.library.chunking import chunk_document
from assistant.library.loaders import load_document
from assistant.system.paths import library_dir

TARGET_SPEEDUP = 2.5
TARGET_HIT5_DELTA = -1.0  # points: within one point of the reference (or better)
WARM_UP_TEXTS = 32


def app_embedder(ctx: BenchContext) -> OnnxEmbedder:
    """The embedder the app uses, loaded (its ONNX export made once, in the scratch model
    cache); logs the notice if it fell back to PyTorch."""
    embedder = OnnxEmbedder(ctx.work_dir / "model-cache")
    embedder.load()
    if embedder.notice:
        ctx.log(f"embedder: {embedder.notice}")
    return embedder


def library_chunks() -> list[str]:
    """The bundled library's chunk texts, cut as ingestion cuts them."""
    return [chunk.text for path in library_files(library_dir())
            for chunk in chunk_document(load_document(path))]


def throughput(ours: Embedder, torch: Embedder, texts: Sequence[str],
               reps: int) -> dict[str, Figure]:
    """Chunks/s of each embedder on ``texts`` (the two in turn, medians), their ratio, and
    the cosine of each text's two vectors."""
    vectors: dict[str, np.ndarray] = {}

    def side(name: str, embedder: Embedder) -> Callable[[], float]:
        def embed() -> None:
            vectors[name] = embedder.embed(texts)
        return lambda: timed(embed)

    ours.embed(texts[:WARM_UP_TEXTS])
    torch.embed(texts[:WARM_UP_TEXTS])
    seconds = alternate({"ours": side("ours", ours), "torch": side("torch", torch)}, reps)
    ours_rate = len(texts) / median(seconds["ours"])
    torch_rate = len(texts) / median(seconds["torch"])
    cosines = (vectors["ours"] * vectors["torch"]).sum(axis=1)
    return {
        "embed_chunks": len(texts),
        "embed_ours_chunks_per_s": round(ours_rate, 1),
        "embed_torch_chunks_per_s": round(torch_rate, 1),
        "embed_speedup_vs_torch": ratio(ours_rate, torch_rate),
        "embed_cosine_min": round(float(cosines.min()), 6),
        "embed_cosine_median": round(float(np.median(cosines)), 6),
    }


def quality(ctx: BenchContext, embedders: dict[str, Embedder],
            questions: Sequence[dict[str, Any]]) -> dict[str, Figure]:
    """Dev-set hit@5 (percent) with each embedder over the bundled library, each in its own
    data directory, and ours minus torch in points."""
    hits: dict[str, float] = {}
    for name, embedder in embedders.items():
        with AssistantService(ctx.work_dir / f"quality-{name}", embedder=embedder,
                              library_dir=library_dir()) as service:
            service.sync_library()
            hits[name] = round(hit_at_5(service, questions), 1)
    return {**{f"dev_hit5_{name}": value for name, value in hits.items()},
            "dev_hit5_questions": sum(1 for item in questions if item["kind"] == "in_scope"),
            "embed_quality_delta_hit5": round(hits["ours"] - hits["torch"], 1)}


def measure_embedders(ctx: BenchContext, ours: Embedder, torch: Embedder,
                      texts: Sequence[str], questions: Sequence[dict[str, Any]]) -> SectionResult:
    """Rows 9 and 9b for ``ours`` against ``torch`` on ``texts`` and ``questions``."""
    result = SectionResult()
    figures = result.figures
    figures["embedder_backend"] = str(getattr(ours, "backend", "") or type(ours).__name__)
    figures["embed_load_average_before"] = round(os.getloadavg()[0], 2)
    figures.update(throughput(ours, torch, texts, ctx.reps(5, 2)))
    figures.update(quality(ctx, {"ours": ours, "torch": torch}, questions))
    speedup = float(figures["embed_speedup_vs_torch"] or 0)
    delta = float(figures["embed_quality_delta_hit5"] or 0)
    result.rows.append(Row(
        "9", f"embedder chunks/s, ours ({figures['embedder_backend']}) / torch "
        "`SentenceTransformer.encode`, same chunks",
        f"{speedup:.2f}× ({figures['embed_ours_chunks_per_s']} vs "
        f"{figures['embed_torch_chunks_per_s']} chunks/s, {len(texts)} chunks)",
        f"≥ {TARGET_SPEEDUP:g}×", speedup >= TARGET_SPEEDUP,
        note=f"cosine to torch per chunk: min {figures['embed_cosine_min']:.6f}, median "
             f"{figures['embed_cosine_median']:.6f}; load average before "
             f"{figures['embed_load_average_before']}"))
    result.rows.append(Row(
        "9b", "dev-set retrieval hit@5, ours − torch",
        f"{delta:+.1f} points ({figures['dev_hit5_ours']}% vs {figures['dev_hit5_torch']}%, "
        f"{figures['dev_hit5_questions']} questions)",
        f"≥ {TARGET_HIT5_DELTA:.1f} points".replace("-", "−"), delta >= TARGET_HIT5_DELTA))
    return result


def run(ctx: BenchContext) -> SectionResult:
    """Rows 9 and 9b on the bundled library's chunks and the dev questions."""
    torch = SentenceTransformerEmbedder()
    torch.load()
    return measure_embedders(ctx, app_embedder(ctx), torch, library_chunks(), load_questions())
