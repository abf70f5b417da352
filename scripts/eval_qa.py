"""Evaluate answers on a question set (default tests/qa/questions.jsonl); prints the figures.

    .venv/bin/python scripts/eval_qa.py [--no-generate] [--model PATH] [--show-misses]
                                        [--questions FILE] [--json FILE] [--chroma-url URL]
                                        [--embedder onnx|torch]

Runs in a temporary data directory holding the bundled library, with the real embedder and
(unless ``--no-generate``) the real language model. Questions with a ``document`` field (a
path relative to the project, as in ``tests/qa/external/``) are asked after those documents
are ingested into the collection "external", beside the library. Reports retrieval hit@5 (the
expected document among the first five passages), the expected fact in the evidence, in the
answer's lead and in the answer text, the abstention rates for in-scope and out-of-scope
questions, the share of answers with a sentence set aside as unsupported, the median answer
length in words, and the passage similarities the abstention threshold is calibrated on.

With ``--chroma-url`` the library is shared on that Chroma server (``chroma run --path DIR
--port 8000``, empty): one data directory ingests the bundled library's files (into the
collection "Shared library") and the external documents, and the questions are asked in a
second, empty data directory that finds them through the server, as another machine would.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from assistant.answers.abstention import ABSTAIN_BELOW, UNKNOWN_NAME_BELOW, best_similarity
from assistant.answers.pipeline import AskOptions, Finished
from assistant.app.service import AssistantService
from assistant.bench.dev_set import (
    DEV_QUESTIONS,
    HIT_K,
    has_fact,
    load_questions,
    source_found,
)
from assistant.engines.embedding import Embedder, SentenceTransformerEmbedder
from assistant.engines.onnx_embedding import OnnxEmbedder
from assistant.library.bundled import library_files
from assistant.system.paths import PROJECT_ROOT, library_dir, resolve_data_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-generate", action="store_true",
                        help="retrieval, evidence and abstention only (no language model)")
    parser.add_argument("--model", type=Path, help="a GGUF model instead of the default")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--questions", type=Path, action="append",
                        help="a question file (repeatable; default: the dev set; "
                             "tests/qa/heldout.jsonl is the held-out set)")
    parser.add_argument("--json", type=Path, help="also write every row as JSON")
    parser.add_argument("--chroma-url", metavar="URL",
                        help="ingest in one data directory sharing the library on this Chroma "
                             "server, ask in another")
    parser.add_argument("--embedder", choices=("onnx", "torch"), default="onnx",
                        help="the app's embedder on onnxruntime (its export cached in the "
                             "data directory), or the sentence-transformers reference")
    args = parser.parse_args(argv)
    questions = [q for path in (args.questions or [DEV_QUESTIONS]) for q in load_questions(path)]
    # One model for both data directories.
    embedder: Embedder = (SentenceTransformerEmbedder() if args.embedder == "torch"
                          else OnnxEmbedder(resolve_data_dir() / "model-cache"))
    documents = sorted({(PROJECT_ROOT / q["document"]).resolve() for q in questions
                        if q.get("document")})
    with tempfile.TemporaryDirectory() as tmp:
        if args.chroma_url:
            _share(Path(tmp) / "ingesting", args.chroma_url, documents, embedder)
        with AssistantService(Path(tmp) / "asking", chroma_url=args.chroma_url, embedder=embedder,
                              library_dir=None if args.chroma_url else library_dir()) as service:
            rows = _run(service, args, questions, documents)
    _report(rows, generate=not args.no_generate, show_misses=args.show_misses)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


def _share(folder: Path, chroma_url: str, documents: list[Path],
           embedder: Embedder) -> None:
    """Ingest the bundled library and ``documents`` in a data directory sharing them on the
    Chroma server at ``chroma_url``."""
    with AssistantService(folder, chroma_url=chroma_url, embedder=embedder) as service:
        report = service.ingest(library_files(library_dir()), collection="Shared library")
        print(f"shared the library on {chroma_url}: {report.summary()}", file=sys.stderr)
        if documents:
            service.ingest(documents, collection="external")


def _run(service: AssistantService, args: argparse.Namespace, questions: list[dict],
         documents: list[Path]) -> list[dict]:
    """Every question's row, in ``service`` (its library indexed here unless shared)."""
    if not args.chroma_url:
        service.sync_library()
        if documents:
            report = service.ingest(documents, collection="external")
            print(f"ingested {len(documents)} documents into 'external': {report}",
                  file=sys.stderr)
    else:
        print(f"asking in a second data directory: {service.shared_at_open}", file=sys.stderr)
    if args.no_generate:
        service._engine = _NoEngine()  # abstention and evidence need no model
    else:
        service.load_model(args.model)
    return [_evaluate(service, item, generate=not args.no_generate) for item in questions]


class _NoEngine:
    """Stands in for the model when only retrieval and evidence are measured."""

    model_id = "none"
    n_ctx = 8192

    def count_tokens(self, messages: list) -> int:
        return sum(len(m.content) // 4 for m in messages)

    def stream(self, messages: list, params: object, cancel: object = None) -> object:
        from assistant.engines.engine import GenerationStats, TokenStream
        return TokenStream(iter(()), GenerationStats(stop_reason="stop"))


def _evaluate(service: AssistantService, item: dict, *, generate: bool) -> dict:
    hits = service.search(item["question"], k=HIT_K)
    row = {"id": item["id"], "kind": item["kind"], "question": item["question"],
           "similarity": best_similarity(hits), "hit": source_found(hits, item)}
    answer = None
    for event in service.ask(item["question"], options=AskOptions()):
        if isinstance(event, Finished):
            answer = event.answer
    assert answer is not None
    evidence = " ".join(e.sentence.text for e in answer.evidence)
    lead = " ".join(e.sentence.text for e in answer.evidence[:2])
    facts = item.get("facts", [])
    found = bool(facts) and not answer.abstained
    ranks = [n for n, e in enumerate(answer.evidence, start=1) if facts and
             has_fact(facts, e.sentence.text)]
    row.update(fact_rank=ranks[0] if ranks else None,
               evidence_texts=[e.sentence.text for e in answer.evidence])
    row.update(abstained=answer.abstained, evidence=bool(facts) and has_fact(facts, evidence),
               top2=bool(facts) and has_fact(facts, lead),
               answer=found and has_fact(facts, answer.text), text=answer.text,
               words=len(answer.text.split()), unsupported=len(answer.unsupported),
               checked=len(answer.checks), ttft_ms=answer.timings.ttft_ms,
               total_ms=answer.timings.total_ms)
    if generate:
        print(f"{item['id']}: {'abstained' if answer.abstained else answer.text[:100]!r}",
              file=sys.stderr)
    return row


def _rate(rows: list[dict], key: str) -> str:
    hits = sum(1 for row in rows if row[key])
    return f"{hits}/{len(rows)} = {100 * hits / max(1, len(rows)):.1f}%"


def _report(rows: list[dict], *, generate: bool, show_misses: bool) -> None:
    inside = [row for row in rows if row["kind"] == "in_scope"]
    outside = [row for row in rows if row["kind"] == "out_of_scope"]
    print(f"{len(inside)} in-scope and {len(outside)} out-of-scope questions")
    print(f"  retrieval hit@5            {_rate(inside, 'hit')}")
    print(f"  fact in evidence           {_rate(inside, 'evidence')}")
    print(f"  fact in top 2 evidence     {_rate(inside, 'top2')}")
    print(f"  fact in answer             {_rate(inside, 'answer')}")
    answered = [row for row in inside if not row["abstained"]]
    if answered:
        print(f"  median answer words        {statistics.median(r['words'] for r in answered)}")
    if generate:
        flagged = sum(1 for row in answered if row["unsupported"])
        print(f"  answers with sentences set aside as unsupported  {flagged}/{len(answered)}")
        ttft = [row["ttft_ms"] for row in answered if row["ttft_ms"]]
        if ttft:
            print(f"  time to first token        median {statistics.median(ttft):.0f} ms")
    print(f"  in-scope abstained         {_rate(inside, 'abstained')}")
    print(f"  out-of-scope abstained     {_rate(outside, 'abstained')}")
    print(f"Abstention: best passage similarity < {ABSTAIN_BELOW}, or < {UNKNOWN_NAME_BELOW} "
          "with a name the documents never mention")
    for label, group in (("in-scope", inside), ("out-of-scope", outside)):
        values = sorted(row["similarity"] for row in group)
        print(f"  {label:13} similarity min {values[0]:.3f}  median "
              f"{statistics.median(values):.3f}  max {values[-1]:.3f}")
    if show_misses:
        for row in rows:
            missed = (row["kind"] == "in_scope" and not (row["hit"] and row["answer"])) or \
                (row["kind"] == "out_of_scope" and not row["abstained"]) or \
                (row["kind"] == "in_scope" and row["abstained"])
            if missed:
                print(f"  miss {row['id']} sim={row['similarity']:.3f} hit={row['hit']} "
                      f"evidence={row['evidence']} abstained={row['abstained']}: "
                      f"{row['question']}\n      -> {row['text'][:300]!r}")


if __name__ == "__main__":
    sys.exit(main())
