"""Answers from the real default model (SmolLM2-135M) and the real embedder."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.answers.composing import plain
from assistant.answers.evidence import split_sentences
from assistant.answers.grounding import check_claims, split_claims
from assistant.answers.pipeline import Answer, AskOptions, Finished, Retrieved, Token
from assistant.app.service import AssistantService
from assistant.engines.engine import GenerationParams
from assistant.engines.llama_engine import LlamaEngine
from assistant.engines.registry import default_model
from assistant.system.paths import library_dir
from tests.documents_factory import make_pdf
from tests.fakes import HashEmbedder
from tests.local_engine import local_engine
from tests.services import MakeService, ServiceFactory

pytestmark = pytest.mark.integration
SHORT = AskOptions(params=GenerationParams(max_tokens=48))


@pytest.fixture(scope="module")
def engine() -> Iterator[LlamaEngine]:
    loaded = local_engine(default_model().path, n_ctx=4096)
    yield loaded
    loaded.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, real_embedder,  # type: ignore[no-untyped-def]
            engine: LlamaEngine) -> Iterator[AssistantService]:
    factory = ServiceFactory(tmp_path_factory.mktemp("answers"), lambda: real_embedder)
    svc = factory(embedder="real", library_dir="bundled", engine=engine)
    svc.sync_library()
    yield svc
    factory.close()


def _finish(events: Iterator[object]) -> tuple[list[object], Answer]:
    seen = list(events)
    final = seen[-1]
    assert isinstance(final, Finished)
    return seen, final.answer


def test_an_answer_streams_with_sources_and_evidence(service: AssistantService) -> None:
    # Greedy decoding: the sentences the model writes are the same on every run (sampled, one
    # CI run of many wrote sentences this check could not match; 25 runs here did not).
    greedy = replace(SHORT, params=replace(SHORT.params, temperature=0.0))
    events, answer = _finish(service.ask("Why are miners moving to Paraguay?", options=greedy))
    tokens = [e.text for e in events if isinstance(e, Token)]
    assert isinstance(events[0], Retrieved)
    # The lead is shown first: the best evidence sentence, as the document words it, cited.
    assert tokens and tokens[0].startswith(plain(answer.evidence[0].sentence.text)[:30])
    assert "[1]" in tokens[0] or "[2]" in tokens[0]
    assert "".join(tokens).strip() == answer.text
    # Every sentence shown passed the check; what did not is set aside, not shown.
    shown = {check.claim.text for check in answer.checks if not check.reason}
    assert all(claim.text in shown for claim in split_claims(answer.text)), \
        (answer.text, sorted(shown))
    assert all(check.claim.text not in answer.text for check in answer.unsupported)
    assert len(split_claims(answer.text)) <= 3 and len(answer.text.split()) <= 75
    assert not answer.abstained and answer.sources and answer.evidence
    assert any("Paraguay" in item.sentence.text for item in answer.evidence)
    for item in answer.evidence:
        source = answer.sources[item.sentence.source - 1]
        text = service.document_text(source.doc_id) or ""
        assert text[item.sentence.start:item.sentence.end] == item.sentence.text
    timings = answer.timings
    assert timings.prompt_tokens > 0 and 0 < timings.completion_tokens <= 48
    assert 0 < timings.ttft_ms <= timings.total_ms and timings.decode_tokens_per_s > 0


def test_cancel_stops_the_model_mid_answer(service: AssistantService) -> None:
    cancel = threading.Event()
    shown: list[str] = []
    answer = None
    options = AskOptions(params=GenerationParams(max_tokens=200, temperature=0.8))
    for event in service.ask("Explain hashprice in detail.", options=options, cancel=cancel):
        if isinstance(event, Token):
            shown.append(event.text)
            # The lead is shown: stop while the model reads or writes. (A timer here let a
            # fast model finish first: its answer ended, uncancelled, within 1.5 s.)
            cancel.set()
        elif isinstance(event, Finished):
            answer = event.answer
    assert answer is not None and answer.stop_reason == "cancelled"
    assert answer.text == "".join(shown).strip() and answer.timings.completion_tokens < 200


def test_out_of_scope_questions_abstain_without_generating(service: AssistantService) -> None:
    events, answer = _finish(service.ask("What is a good recipe for lasagne?", options=SHORT))
    assert answer.abstained and answer.sources == [] and answer.evidence == []
    assert not any(isinstance(e, Token) for e in events)
    assert answer.timings.completion_tokens == 0
    # Related-sounding, but about something the library never names.
    question = "How does Monero's RandomX mining algorithm differ from Bitcoin's proof-of-work?"
    _, answer = _finish(service.ask(question, options=SHORT))
    assert answer.abstained and "never mention “Monero”, “RandomX”" in answer.text


def test_an_answer_is_about_what_the_question_asks(service: AssistantService) -> None:
    """The library explains why miners leave the United States (its note says "US"), and
    gives Ethiopia's tariff but no rate for Kazakhstan, which it names elsewhere."""
    _, answer = _finish(service.ask("Why are Bitcoin miners leaving the United States?",
                                    options=SHORT))
    assert not answer.abstained and answer.text.startswith("Rising electricity prices")
    question = "What electricity rate per kWh does Kazakhstan charge bitcoin miners?"
    events, answer = _finish(service.ask(question, options=SHORT))
    assert answer.abstained and "never mention “Kazakhstan”" in answer.text
    assert not any(isinstance(e, Token) for e in events)
    # a computed figure is set beside the library's sentence that states it, not beside a
    # cost per PH/s that is closer in wording
    _, answer = _finish(service.ask("What is the energy cost per bitcoin at 8 cents per kWh?",
                                    options=SHORT))
    assert answer.text.startswith("About $68,267 per bitcoin")
    assert "$68,000" in answer.text.split("From the library:")[1]


def test_grounding_flags_invented_figures_and_wrong_citations(
        service: AssistantService, real_embedder) -> None:  # type: ignore[no-untyped-def]
    hits = service.search("Why are miners moving to Paraguay?", k=3)
    sentences = split_sentences(hits)
    true_sentence = next(s for s in sentences if "Paraguay" in s.text)
    wrong = 2 if true_sentence.source != 2 else 1
    answer = (f"{true_sentence.text} [{true_sentence.source}] "
              f"{true_sentence.text.rstrip('.')} [{wrong}]. "
              "Miners in Paraguay pay 97 dollars per kWh for electricity. "
              "The moon landing was filmed in a studio in Nevada.")
    claims = split_claims(answer)
    checks = check_claims(claims, real_embedder.embed([c.text for c in claims]),
                          [h.text for h in hits], sentences,
                          real_embedder.embed([s.text for s in sentences]))
    assert checks[0].reason is None and true_sentence.source in checks[0].supported_by
    assert checks[1].reason is not None and f"cites [{wrong}]" in checks[1].reason
    assert checks[2].reason == "the figure 97 is not in the sources"
    assert checks[3].reason == "not supported by the sources"


def test_a_follow_up_reuses_the_cached_conversation(service: AssistantService) -> None:
    conversation = service.new_conversation("Hydropower")
    roomy = replace(SHORT, sentences=8, words=200)  # room left after the lead: the model runs
    _, first = _finish(service.ask("Why are miners moving to Paraguay?", options=roomy,
                                   conversation_id=conversation.id))
    _, second = _finish(service.ask("and what about Ethiopia?", options=roomy,
                                    conversation_id=conversation.id))
    assert first.timings.prompt_tokens and second.timings.completion_tokens
    assert any("Ethiopia" in item.sentence.text for item in second.evidence)
    assert second.timings.cached_tokens >= first.timings.prompt_tokens
    turns = service.conversation_turns(conversation.id)
    assert [t.question for t in turns] == ["Why are miners moving to Paraguay?",
                                          "and what about Ethiopia?"]


def test_no_context_overflow_with_a_300_page_document_and_50_turns(
        tmp_path: Path, make_service: MakeService) -> None:
    """A tiny 512-token window, every passage offered, a long answer asked for, a question of
    20,000 words: it fits."""
    pages = [f"Page {n}. The reservoir number {n} stores {n * 7} megawatt hours of water power "
             f"for the valley grid. Operators log turbine {n} output every hour."
             for n in range(1, 301)]
    pdf = make_pdf(tmp_path / "reservoirs.pdf", pages)
    small = local_engine(default_model().path, n_ctx=512)
    options = AskOptions(k=40, context_sentences=200, abstain_below=0.0,
                         params=GenerationParams(max_tokens=400))
    with make_service(embedder=HashEmbedder(dimension=512), engine=small) as svc:
        report = svc.ingest([pdf])
        assert report.count("added") == 1 and report.results[0].chunks >= 300
        conversation = svc.new_conversation("Reservoirs")
        for n in range(48):  # a long conversation so far, stored as if it had been asked
            svc._conversations.add_turn(
                conversation.id, question=f"reservoir {n}?", query=f"reservoir {n}?",
                sent="Sources:\n[1] " + " ".join(pages[n:n + 5]) + f"\n\nQuestion: reservoir {n}?",
                answer="It stores water power for the grid. " * 20, abstained=False,
                stop_reason="stop", details={})
        pasted = " ".join(f"Reservoir {n % 300} feeds turbine {n % 97} in the valley grid."
                          for n in range(2000))  # ~20,000 words pasted into the question
        for question in ("How much does reservoir 150 store?", "and turbine 151?",
                         f"{pasted} So how much does reservoir 150 store?"):
            _, answer = _finish(svc.ask(question, options=options,
                                        conversation_id=conversation.id))
            used = answer.timings.prompt_tokens + answer.timings.completion_tokens
            assert answer.timings.prompt_tokens > 0 and used <= 512
        assert len(svc.conversation_turns(conversation.id)) == 51
    small.close()


def test_cancel_during_a_long_prompt_stops_before_any_token(
        engine: LlamaEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.engines.chat_template import ChatMessage

    chunk = engine.prompt_chunk
    text = (library_dir() / "hashprice.md").read_text(encoding="utf-8")[:6000]
    messages = [ChatMessage("user", f"{text}\n\nWhat is hashprice?")]
    cancel = threading.Event()
    real_eval = engine._llm.eval
    chunks: list[int] = []

    def eval_then_cancel(tokens: list[int]) -> None:  # the user presses Stop mid-prompt
        real_eval(tokens)
        chunks.append(len(tokens))
        cancel.set()

    monkeypatch.setattr(engine._llm, "eval", eval_then_cancel)
    stream = engine.stream(messages, GenerationParams(max_tokens=40), cancel)
    assert stream.text() == ""
    monkeypatch.undo()
    assert chunks == [chunk] and stream.stats.prompt_tokens > 2 * chunk
    assert stream.stats.stop_reason == "cancelled" and stream.stats.completion_tokens == 0
    # What was evaluated before the cancel is reused, and the engine still answers.
    again = engine.stream(messages, GenerationParams(max_tokens=8))
    assert again.text() and again.stats.stop_reason in ("length", "stop")
    assert again.stats.cached_tokens == stream.stats.cached_tokens + chunk


def test_the_turn_does_not_end_before_min_tokens(engine: LlamaEngine) -> None:
    from assistant.engines.chat_template import ChatMessage

    messages = [ChatMessage("user", "What is 2+2? Answer with a number only.")]
    held = engine.stream(messages, GenerationParams(max_tokens=30, min_tokens=12,
                                                    temperature=0.0))
    held.text()
    assert held.stats.completion_tokens >= 12
    free = engine.stream(messages, GenerationParams(max_tokens=30, min_tokens=0,
                                                    temperature=0.0))
    free.text()
    assert free.stats.stop_reason == "stop" and free.stats.completion_tokens < 12


def test_the_engine_uses_the_chat_template_stored_in_the_gguf(engine: LlamaEngine) -> None:
    from assistant.engines.chat_template import CHATML_TEMPLATE, ChatMessage
    from assistant.engines.gguf import read_metadata

    stored = read_metadata(default_model().path)["tokenizer.chat_template"]
    assert engine.template.source == stored != CHATML_TEMPLATE
    # SmolLM2's own template adds its default system prompt when none is given.
    assert "You are a helpful AI assistant named SmolLM" in engine.template.render(
        [ChatMessage("user", "hi")])
