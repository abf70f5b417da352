"""Benchmark: a follow-up turn's time to first token, warm (cached prefix) against cold.

    .venv/bin/python scripts/bench_followup.py [--turns N] [--model PATH]

Runs a conversation over the bundled library in a temporary data directory. For each
follow-up turn it takes the model's time to first token as the turn ran, right after the
previous turn (warm: llama.cpp reuses the cached conversation), then clears the model's cache
and times the same prompt again (cold). Prints both and their ratio. The cold replay leaves
the next turn's cache without the previous answer's tokens, so warm figures are conservative.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from assistant.answering import AskOptions
from assistant.llm import GenerationParams
from assistant.paths import library_dir
from assistant.service import AssistantService

QUESTIONS = [
    "Why are miners moving to Paraguay?",
    "and what about Ethiopia?",
    "What is hashprice?",
    "How does difficulty adjust?",
    "What is the Nakamoto coefficient?",
    "How big is the edge AI market?",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=len(QUESTIONS))
    parser.add_argument("--model", type=Path)
    args = parser.parse_args(argv)
    options = AskOptions(params=GenerationParams(max_tokens=48))
    rows = []
    with tempfile.TemporaryDirectory() as tmp, \
            AssistantService(Path(tmp), library_dir=library_dir()) as service:
        service.sync_library()
        service.load_model(args.model)
        conversation = service.new_conversation("benchmark")
        sent: list = []
        engine = service.engine
        original = engine.stream

        def recording(messages, params, cancel=None):  # type: ignore[no-untyped-def]
            stream = original(messages, params, cancel)
            sent.append((messages, stream))
            return stream

        engine.stream = recording  # type: ignore[method-assign]
        for number, question in enumerate(QUESTIONS[: args.turns], start=1):
            before = len(sent)
            for _event in service.ask(question, options=options,
                                      conversation_id=conversation.id):
                pass
            if number == 1 or len(sent) == before:
                continue  # the first turn has nothing cached; an abstention generates nothing
            messages, stream = sent[-1]
            warm = stream.stats  # as it happened, right after the previous turn
            engine.clear_cache()
            cold = original(messages, GenerationParams(max_tokens=1))
            cold.text()
            rows.append((number, warm.prompt_tokens, warm.cached_tokens, warm.ttft_ms,
                         cold.stats.ttft_ms))
    print(f"{'turn':>4} {'prompt tok':>10} {'cached tok':>10} {'warm TTFT ms':>12} "
          f"{'cold TTFT ms':>12} {'cold/warm':>9}")
    for number, tokens, cached, warm, cold in rows:
        print(f"{number:>4} {tokens:>10} {cached:>10} {warm:>12.0f} {cold:>12.0f} "
              f"{cold / warm:>9.1f}")
    if rows:
        warm_median = statistics.median(r[3] for r in rows)
        cold_median = statistics.median(r[4] for r in rows)
        print(f"median warm {warm_median:.0f} ms, cold {cold_median:.0f} ms: a follow-up's "
              f"first token comes {cold_median / warm_median:.1f}x sooner with the cache")
    return 0


if __name__ == "__main__":
    sys.exit(main())
