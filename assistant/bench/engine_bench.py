"""Rows 1–3: our streaming engine against raw llama-cpp-python, and the follow-up cache.

"Ours" is what the app runs: the engine in its own process, its pieces streamed over the pipe
to this one. "Raw" is llama-cpp-python's ``create_completion(stream=True)`` on the very model
that engine process has loaded (same file, threads, seed and weight layout), run in turn.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from assistant.bench.measure import BenchContext, Row, SectionResult, alternate, median, ratio
from assistant.engines.chat_template import ChatMessage
from assistant.engines.engine import EngineSettings, GenerationParams
from assistant.engines.engine_layout import LAYOUTS_FILE, LayoutMemory, this_cpu
from assistant.engines.engine_process import ProcessEngine
from assistant.engines.registry import default_model
from assistant.system.paths import library_dir

THREADS = None  # the engine's default (every core), on both sides
DECODE_TOKENS = 160
PREFILL_TOKENS = 1500
ESSAY = ("Write a long, detailed essay about the economics of Bitcoin mining: electricity, "
         "hardware, difficulty, the halving and hashprice. Use several paragraphs.")
# One conversation. A turn the evidence answers in full never reaches the model, so the row
# asks on until FOLLOW_UPS_MEASURED follow-ups (3 with --quick) have, or the list ends.
FOLLOW_UPS = [
    "Why are miners moving to Paraguay?",
    "and what about Ethiopia?",
    "What is hashprice?",
    "How does difficulty adjust?",
    "What is the Nakamoto coefficient?",
    "How big is the edge AI market?",
    "Why does cheap hydropower matter to miners?",
    "What happens to a miner's revenue at a halving?",
    "Why would someone run a language model on their own laptop?",
    "How do pools affect decentralization?",
]
FOLLOW_UPS_MEASURED = 5


def library_text(tokens: int, engine: ProcessEngine) -> str:
    """About ``tokens`` tokens of the bundled library, as one block of text."""
    text = "\n\n".join(path.read_text(encoding="utf-8")
                       for path in sorted(library_dir().glob("*.md")))
    return engine.detokenize(engine.tokenize([ChatMessage("user", text)])[:tokens])


def ours(engine: ProcessEngine, messages: list[ChatMessage],
         params: GenerationParams) -> tuple[int, float, float, int]:
    """Our engine, cold: tokens, seconds to the first and last token, prompt tokens."""
    engine.clear_cache()
    started = time.perf_counter()
    first = last = 0.0
    stream = engine.stream(messages, params)
    for _piece in stream:
        last = time.perf_counter() - started
        if not first:
            first = last
    return stream.stats.completion_tokens, first, last, stream.stats.prompt_tokens


def decode_rate(result: tuple[int, float, float, int]) -> float:
    """Tokens per second after the first token."""
    tokens, first, last, _ = result
    return (tokens - 1) / (last - first) if tokens > 1 and last > first else 0.0


def engine_settings(ctx: BenchContext) -> EngineSettings:
    """The chat model's settings as the app's (fast weights cached in the scratch dir)."""
    return EngineSettings(ctx.model_path or default_model().path, n_threads=THREADS,
                          weights_cache=ctx.work_dir / "model-cache")


@contextmanager
def loaded_engine(ctx: BenchContext) -> Iterator[ProcessEngine]:
    """The chat model as the app loads it: in its own engine process, the weight layout
    chosen for this CPU as the app chooses it."""
    engine = ProcessEngine(engine_settings(ctx), layouts=LayoutMemory(
        ctx.work_dir / "model-cache" / LAYOUTS_FILE))
    try:
        yield engine
    finally:
        engine.close()


def parity(ctx: BenchContext, engine: ProcessEngine, result: SectionResult) -> None:
    """Rows 1 and 2: decode and prefill tokens/s, ours against raw."""
    params = GenerationParams(max_tokens=DECODE_TOKENS)
    essay = [ChatMessage("user", ESSAY)]
    essay_prompt = engine.render(essay)
    reps = ctx.reps(7, 3)
    decode = alternate(
        {"ours": lambda: decode_rate(ours(engine, essay, params)),
         "raw": lambda: decode_rate(engine.raw_completion(essay_prompt, params))}, reps)
    long = [ChatMessage("user", library_text(PREFILL_TOKENS, engine)
                        + "\n\nSummarize the text above.")]
    long_prompt = engine.render(long)
    once = GenerationParams(max_tokens=1, min_tokens=0)
    counts: dict[str, int] = {}

    def prefill(side: str) -> float:
        run = (ours(engine, long, once) if side == "ours"
               else engine.raw_completion(long_prompt, once))
        counts[side] = run[3]
        return run[3] / run[1]

    prefill_rates = alternate({"ours": lambda: prefill("ours"),
                               "raw": lambda: prefill("raw")}, reps)
    decode_ratio = ratio(median(decode["ours"]), median(decode["raw"]))
    prefill_ratio = ratio(median(prefill_rates["ours"]), median(prefill_rates["raw"]))
    result.figures.update({
        "decode_tok_s_ours": round(median(decode["ours"]), 1),
        "decode_tok_s_raw": round(median(decode["raw"]), 1),
        "decode_ratio": decode_ratio,
        "prefill_tok_s_ours": round(median(prefill_rates["ours"]), 1),
        "prefill_tok_s_raw": round(median(prefill_rates["raw"]), 1),
        "prefill_prompt_tokens": counts.get("ours", 0),
        "prefill_ratio": prefill_ratio,
        "engine_reps": reps,
    })
    result.rows.append(Row(
        "1", "decode parity (tokens/s, ours / raw `create_completion(stream=True)`)",
        f"{decode_ratio:.3f} ({median(decode['ours']):.1f} vs {median(decode['raw']):.1f} "
        "tok/s)", "≥ 0.97", decode_ratio >= 0.97))
    result.rows.append(Row(
        "2", f"prefill parity ({counts.get('ours', 0)}-token prompt, ours / raw)",
        f"{prefill_ratio:.3f} ({median(prefill_rates['ours']):.0f} vs "
        f"{median(prefill_rates['raw']):.0f} tok/s)", "≥ 0.97", prefill_ratio >= 0.97))


def follow_up(ctx: BenchContext, engine: ProcessEngine, result: SectionResult) -> None:
    """Row 3: a follow-up's time to first token with the conversation cached, against the
    same prompt on a second, cold copy of the model, turn by turn through the real pipeline."""
    from assistant.answers.pipeline import AskOptions
    from assistant.app.service import AssistantService

    cold_engine = ProcessEngine(EngineSettings(
        engine.model_path, n_ctx=engine.n_ctx, weights_cache=ctx.work_dir / "model-cache",
        safe_layout=engine.safe_layout))
    wanted = ctx.reps(FOLLOW_UPS_MEASURED, 3)
    warm_ms: list[float] = []
    cold_ms: list[float] = []
    per_turn: dict[str, float] = {}
    try:
        with AssistantService(ctx.work_dir / "followup-data", library_dir=library_dir(),
                              engine=engine) as service:
            service.sync_library()
            conversation = service.new_conversation("benchmark")
            sent: list[tuple[list[ChatMessage], Any]] = []
            original = engine.stream

            def recording(messages: list[ChatMessage], params: GenerationParams,
                          cancel: Any = None) -> Any:
                stream = original(messages, params, cancel)
                sent.append((messages, stream))
                return stream

            engine.stream = recording  # type: ignore[method-assign]
            try:
                options = AskOptions()  # the app's defaults: answers as long as users get
                for number, question in enumerate(FOLLOW_UPS, start=1):
                    if len(warm_ms) == wanted:
                        break
                    before = len(sent)
                    for _event in service.ask(question, options=options,
                                              conversation_id=conversation.id):
                        pass
                    # The user reads the answer meanwhile (seconds): the app uses the pause to
                    # evaluate the conversation so far for the follow-up.
                    service.wait_until_primed()
                    if number == 1 or len(sent) == before:
                        continue  # nothing cached yet, or an abstention (no generation)
                    messages, stream = sent[-1]
                    cold_engine.clear_cache()
                    cold = cold_engine.stream(messages, GenerationParams(max_tokens=1))
                    cold.text()
                    warm_ms.append(stream.stats.ttft_ms)
                    cold_ms.append(cold.stats.ttft_ms)
                    per_turn.update({
                        f"followup_turn{number}_prompt_tokens": stream.stats.prompt_tokens,
                        f"followup_turn{number}_cached_tokens": stream.stats.cached_tokens,
                        f"followup_turn{number}_warm_ms": round(stream.stats.ttft_ms),
                        f"followup_turn{number}_cold_ms": round(cold.stats.ttft_ms)})
            finally:
                del engine.stream
    finally:
        cold_engine.close()
    ratios = [w / c for w, c in zip(warm_ms, cold_ms, strict=True) if c]
    followup = round(median(ratios), 3)
    result.figures.update({
        "followup_ttft_ratio": followup,
        "followup_warm_ttft_ms": round(median(warm_ms)),
        "followup_cold_ttft_ms": round(median(cold_ms)),
        **per_turn,
    })
    result.rows.append(Row(
        "3", "follow-up turn TTFT, cached conversation / same prompt cold",
        f"{followup:.3f} (median over {len(ratios)} turns: {median(warm_ms):.0f} vs "
        f"{median(cold_ms):.0f} ms; per turn {', '.join(f'{r:.2f}' for r in ratios)})",
        "≤ 0.25", followup <= 0.25))


def run(ctx: BenchContext) -> SectionResult:
    """Rows 1–3."""
    result = SectionResult()
    with loaded_engine(ctx) as engine:
        cpu = this_cpu()
        layout = "safe" if engine.safe_layout else "fast"
        ctx.log(f"CPU: {cpu.describe()}")
        ctx.log(f"engine: {engine.weights_path.name}, n_ctx {engine.n_ctx}, weight layout "
                f"{layout}{f' ({engine.notice})' if engine.notice else ''}, own process")
        result.figures.update({"engine_weights": engine.weights_path.name,
                               "cpu": cpu.describe(), "weight_layout": layout})
        parity(ctx, engine, result)
        follow_up(ctx, engine, result)
    return result
