"""Row 9 of the bench: the app's embedder against the torch reference (throughput on the same
chunks, dev-set hit@5), and the dev-set hit@5 that scripts/eval_qa.py reports too."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.bench import embedder_bench as eb
from assistant.bench.dev_set import hit_at_5, load_questions, source_found
from assistant.bench.measure import BenchContext, SectionResult
from assistant.engines.embedding import SentenceTransformerEmbedder
from assistant.engines.onnx_embedding import QUANTIZED_AGREEMENT
from assistant.library.bundled import library_files
from assistant.library.documents import Hit
from tests.fakes import HashEmbedder
from tests.services import MakeService

KEYS = {"embed_chunks": int, "embed_ours_chunks_per_s": float, "embed_torch_chunks_per_s": float,
        "embed_speedup_vs_torch": float, "embed_cosine_min": float,
        "embed_cosine_median": float, "dev_hit5_ours": float, "dev_hit5_torch": float,
        "dev_hit5_questions": int, "embed_quality_delta_hit5": float, "embedder_backend": str,
        "embed_load_average_before": float}


def _hit(path: str) -> Hit:
    return Hit(chunk_id=1, doc_id=1, score=1.0, title="", path=path, collection="Library",
               page=None, heading=None, start=0, end=0, text="")


def test_a_question_is_found_when_its_source_file_is_among_the_hits() -> None:
    item = {"kind": "in_scope", "question": "q", "source": "hashprice.md"}
    assert source_found([_hit("/a/other.md"), _hit("/lib/hashprice.md")], item)
    assert not source_found([_hit("/a/other.md")], item)
    assert not source_found([_hit("/a/other.md")], {"kind": "out_of_scope", "question": "q"})


def test_every_in_scope_dev_question_names_a_bundled_document() -> None:
    names = {path.name for path in library_files(eb.library_dir())}
    inside = [item for item in load_questions() if item["kind"] == "in_scope"]
    assert inside and all(item["source"] in names for item in inside)


def test_hit_at_5_counts_in_scope_questions_over_the_bundled_library(
        tmp_path: Path, make_service: MakeService) -> None:
    questions = [item for item in load_questions() if item["kind"] == "in_scope"][:4]
    with make_service(tmp_path / "data", library_dir="bundled") as service:
        service.sync_library()
        share = hit_at_5(service, questions + [{"kind": "out_of_scope", "question": "x"}])
        found = sum(source_found(service.search(item["question"], k=5), item)
                    for item in questions)
    assert share == 100 * found / 4
    with make_service(tmp_path / "empty") as service:
        assert hit_at_5(service, []) == 0.0


def _check_rows(result: SectionResult, chunks: int, questions: int) -> None:
    figures = result.figures
    for key, kind in KEYS.items():
        assert isinstance(figures[key], kind), (key, figures[key])
    assert figures["embed_chunks"] == chunks and figures["dev_hit5_questions"] == questions
    # The ratio is of the two rates measured in the same run (the figures are rounded).
    assert figures["embed_speedup_vs_torch"] == pytest.approx(
        figures["embed_ours_chunks_per_s"] / figures["embed_torch_chunks_per_s"], rel=0.01)
    assert figures["embed_quality_delta_hit5"] == pytest.approx(
        figures["dev_hit5_ours"] - figures["dev_hit5_torch"], abs=0.11)
    assert [row.number for row in result.rows] == ["9", "9b"]
    speed, quality = result.rows
    assert speed.met is (figures["embed_speedup_vs_torch"] >= eb.TARGET_SPEEDUP)
    assert quality.met is (figures["embed_quality_delta_hit5"] >= eb.TARGET_HIT5_DELTA)
    assert f"{figures['embed_speedup_vs_torch']:.2f}×" in speed.measured


def test_the_section_reports_both_rates_their_ratio_and_the_hit5_delta(tmp_path: Path) -> None:
    texts = eb.library_chunks()[:30]
    questions = load_questions()[:6]
    result = eb.measure_embedders(BenchContext(tmp_path, quick=True), HashEmbedder(),
                                  HashEmbedder(), texts, questions)
    _check_rows(result, 30, sum(1 for item in questions if item["kind"] == "in_scope"))
    assert result.figures["embed_cosine_min"] == pytest.approx(1.0)  # the same fake twice
    assert result.figures["embed_quality_delta_hit5"] == 0.0


@pytest.mark.integration
def test_the_section_compares_the_apps_embedder_with_torch(
        tmp_path: Path, real_embedder: SentenceTransformerEmbedder) -> None:
    ctx = BenchContext(tmp_path, quick=True)
    ours = eb.app_embedder(ctx)
    questions = [item for item in load_questions() if item["kind"] == "in_scope"][:5]
    result = eb.measure_embedders(ctx, ours, real_embedder, eb.library_chunks()[:40], questions)
    _check_rows(result, 40, 5)
    assert result.figures["embedder_backend"] == "onnxruntime"
    # int8 weights: close to the reference's vectors, not the same
    assert QUANTIZED_AGREEMENT < float(result.figures["embed_cosine_min"] or 0) < 0.99999
