"""The answer pipeline: retrieve, pick evidence, abstain or prompt the model, check the answer.

:meth:`AnswerPipeline.run` yields events a front end can show as they come: the sources and
evidence first, then the answer's text pieces, then the finished :class:`Answer`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.answers.abstention import ABSTAIN_BELOW, abstain_reason
from assistant.answers.answer import Answer, Timings, answer_from_record, answer_record
from assistant.answers.composing import (
    MAX_SENTENCES,
    MAX_WORDS,
    Budget,
    SentenceBuffer,
    adds_something,
    citations_for,
    cite,
    fault,
    fill,
    finished_sentences,
    lead,
    lead_checks,
    lead_text,
    tidy,
)
from assistant.answers.conversations import ANSWERING, INTERRUPTED, ConversationStore, Turn
from assistant.answers.coverage import (
    needs_documents,
    on_subject,
    references_last,
    unanswered,
)
from assistant.answers.evidence import (
    Evidence,
    Sentence,
    focus_sources,
    select_evidence,
    split_sentences,
)
from assistant.answers.figures import answer_figure
from assistant.answers.followups import retrieval_query
from assistant.answers.grounding import Claim, ClaimCheck, check_claims, is_checkable
from assistant.answers.intents import intent_of
from assistant.answers.prompting import SYSTEM_PROMPT, PastTurn, build_messages
from assistant.answers.question_kinds import set_aside
from assistant.answers.ranking import rank_sentences
from assistant.answers.whole import LibraryView, answer_whole
from assistant.engines.embedding import Embedder
from assistant.engines.engine import Engine, GenerationParams, GenerationStats, TokenStream
from assistant.errors import AssistantError, EngineCrashed
from assistant.library.documents import Hit
from assistant.mining.figures import Calculation
from assistant.mining.presets import Presets
from assistant.mining.questions import figure_question

ABSTAIN_MESSAGE = "The documents in {scope} don't cover this question: {reason}."

Search = Callable[[str, int, Sequence[str] | None], list[Hit]]
# Whether a term occurs in any document of the given collections (None: all).
Mentions = Callable[[str, Sequence[str] | None], bool]


@dataclass(frozen=True)
class AskOptions:
    """What to search and how to answer."""

    collections: tuple[str, ...] | None = None
    k: int = 5
    evidence: int = 5
    context_sentences: int = 8
    abstain_below: float = ABSTAIN_BELOW
    system_prompt: str = SYSTEM_PROMPT
    params: GenerationParams = field(default_factory=GenerationParams)
    # How long a factual answer may be (the lead, the model's sentences and the fill).
    sentences: int = MAX_SENTENCES
    words: int = MAX_WORDS
    # Earlier (question, answer) pairs a client keeps itself (the API's chat messages), used
    # as a stored conversation's turns are: a follow-up is searched with the question before.
    history: tuple[tuple[str, str], ...] = ()


def stored_answer(turn: Turn) -> Answer:
    """The answer a stored turn holds; one cut short keeps the text written (and shown)."""
    if "question" in turn.details:
        answer = answer_from_record(turn.details)
    else:  # interrupted before its sources were found
        answer = Answer.pending(turn.question)
    if turn.stop_reason in (ANSWERING, INTERRUPTED):
        answer = replace(answer, text=turn.answer, stop_reason=INTERRUPTED,
                         interruption=str(turn.details.get("interruption") or ""))
    answer.conversation_id, answer.turn_id = turn.conversation_id, turn.id
    return answer


@dataclass(frozen=True)
class Asked:
    """The question is stored as a new turn (it may be shown now)."""

    conversation_id: int
    turn_id: int


@dataclass(frozen=True)
class Retrieved:
    """The sources and evidence, before any text is generated."""

    query: str
    sources: list[Hit]
    evidence: list[Evidence]
    abstained: bool


@dataclass(frozen=True)
class Token:
    """A piece of the answer's text as the model writes it."""

    text: str


@dataclass(frozen=True)
class Finished:
    """The checked, stored answer."""

    answer: Answer


AnswerEvent = Asked | Retrieved | Token | Finished


def past_turns(turns: Sequence[Turn]) -> list[PastTurn]:
    """Stored turns in the form the prompt builder takes (those that got as far as a prompt)."""
    return [PastTurn(sent=t.sent, compact=t.question, answer=t.answer) for t in turns if t.sent]


class AnswerPipeline:
    """Answers questions from a search function, an embedder and a language model."""

    def __init__(self, search: Search, embedder: Embedder, engine: Engine,
                 conversations: ConversationStore | None = None,
                 mentions: Mentions | None = None, library: LibraryView | None = None,
                 presets: Presets | None = None) -> None:
        self.search = search
        self.presets = presets  # the calculator's, for questions that ask for a figure
        self.mentions = mentions or (lambda term, collections: True)
        self.embedder = embedder
        self.engine = engine
        self.conversations = conversations
        self.library = library

    def run(self, question: str, *, options: AskOptions | None = None,
            conversation_id: int | None = None, turn_id: int | None = None,
            cancel: threading.Event | None = None) -> Iterator[AnswerEvent]:
        """Answer ``question``, continuing a stored conversation if one is given.

        In a conversation the question is stored first (event :class:`Asked`), unless
        ``turn_id`` names a turn already begun for it; the answer is stored as it is written.
        """
        store = self.conversations if conversation_id is not None else None
        options = options or AskOptions()
        earlier = [Turn(0, 0, asked, asked, asked, said, False, "stop", {}, 0.0)
                   for asked, said in options.history]
        if store is not None and conversation_id is not None:
            earlier = [t for t in store.turns(conversation_id) if t.id != turn_id]
            if turn_id is None:
                turn_id = store.begin_turn(conversation_id, question)
                yield Asked(conversation_id, turn_id)
        finished = False
        try:
            for event in self._answer(question, options, earlier,
                                      conversation_id, turn_id if store else None, cancel):
                finished = isinstance(event, Finished)
                yield event
        except AssistantError as exc:
            if store is not None and turn_id is not None:
                store.mark_interrupted(turn_id, reason=str(exc))
            raise
        finally:
            if store is not None and turn_id is not None and not finished:
                store.mark_interrupted(turn_id)  # an error, or the caller stopped listening

    def _answer(self, question: str, options: AskOptions, turns: list[Turn],
                conversation_id: int | None, turn_id: int | None,
                cancel: threading.Event | None) -> Iterator[AnswerEvent]:
        started = time.perf_counter()
        timings = Timings()
        intent = intent_of(question) if self.library is not None else None
        if intent is not None and self.library is not None:
            overview = answer_whole(intent, question, self.library, self.search, self.embedder,
                                    options.collections, options.abstain_below)
            if overview is not None:
                yield from self._written_whole(question, overview.text, overview.sources,
                                               overview.evidence, None, started, timings,
                                               conversation_id, turn_id)
                return
        figure = figure_question(question, self.presets) if self.presets is not None else None
        if figure is not None and self.presets is not None:
            computed = answer_figure(figure, question, self.presets, self.search, self.embedder,
                                     k=options.k, evidence_limit=options.evidence,
                                     words=options.words, collections=options.collections,
                                     mentioning=self.library.mentioning if self.library
                                     else None)
            yield from self._written_whole(question, computed.text, computed.sources,
                                           computed.evidence, computed.calculation, started,
                                           timings, conversation_id, turn_id)
            return
        query = retrieval_query(question, [turn.query for turn in turns if turn.query])
        # What a question sets aside ("Besides X, …") is not searched for; it frames the ranking.
        hits = self.search(set_aside(query)[0], options.k, options.collections)
        sentences = split_sentences(hits)
        vectors = self.embedder.embed([query] + [s.text for s in sentences])
        scores = rank_sentences(query, vectors[0], sentences, vectors[1:],
                                [hit.score for hit in hits])
        timings.retrieval_ms = (time.perf_counter() - started) * 1000

        reason = abstain_reason(
            question, hits, lambda term: self.mentions(term, options.collections),
            below=options.abstain_below)
        if reason is None and not sentences:
            reason = "the passages found hold no usable sentences"
        if reason is not None:
            yield from self._abstain(question, query, reason, options, started, timings,
                                     conversation_id, turn_id)
            return

        hits, sentences, keep, texts = focus_sources(hits, sentences, scores,
                                                     limit=options.context_sentences)
        sentence_vectors, scores = vectors[1:][keep], [scores[i] for i in keep]
        params = options.params
        max_tokens = max(16, min(params.max_tokens, self.engine.n_ctx // 2))
        messages, kept = build_messages(question, [texts[n] for n in range(1, len(hits) + 1)],
                                        past_turns(turns), count=self.engine.count_tokens,
                                        budget=self.engine.n_ctx - max_tokens,
                                        system=options.system_prompt)
        if kept < len(hits):  # the context window had no room for the last sources
            keep = [i for i, sentence in enumerate(sentences) if sentence.source <= kept]
            hits, sentences = hits[:kept], [sentences[i] for i in keep]
            sentence_vectors, scores = sentence_vectors[keep], [scores[i] for i in keep]
        evidence = select_evidence(hits, sentences, scores, limit=options.evidence)
        documents = self._documents(hits, evidence) if needs_documents(question) \
            else [None] * len(evidence)
        order, reason = on_subject(question, documents)
        order = [order[n] for n in references_last(question, [evidence[n].heading
                                                               for n in order])]
        evidence, documents = [evidence[n] for n in order], [documents[n] for n in order]
        if evidence and reason is None:
            reason = unanswered(question, evidence[0].sentence.text, documents[0])
        if reason is not None:
            yield from self._abstain(question, query, reason, options, started, timings,
                                     conversation_id, turn_id)
            return
        if self.conversations is not None and turn_id is not None:
            so_far = Answer(question, "", False, hits, evidence, [], self.engine.model_id,
                            timings, stop_reason=INTERRUPTED, conversation_id=conversation_id)
            self.conversations.record_prompt(turn_id, query=query, sent=messages[-1].content,
                                             details=answer_record(so_far))
        yield Retrieved(query, hits, evidence, False)

        passages = [hit.text for hit in hits]
        chosen = lead(evidence, limit=options.words)
        text = lead_text(chosen)
        checks = lead_checks(chosen)
        budget = Budget(options.sentences, options.words)
        budget.spend(text)
        timings.ttft_ms = (time.perf_counter() - started) * 1000
        self._record(turn_id, text)
        yield Token(text)

        rejected: list[ClaimCheck] = []
        interruption, stop_reason = "", "stop"
        if not budget.spent:
            buffer = SentenceBuffer()
            stream = TokenStream(iter(()), GenerationStats(stop_reason=INTERRUPTED))
            try:
                stream = self.engine.stream(messages, replace(params, max_tokens=max_tokens),
                                            cancel)
                for claim in finished_sentences(stream, buffer, budget):
                    shown = self._consider(claim, question, text, budget, checks, rejected,
                                           passages, sentences, sentence_vectors)
                    if shown:
                        text += shown
                        self._record(turn_id, text)  # stored before shown
                        yield Token(shown)
            except EngineCrashed as exc:  # the answer keeps what was shown, marked as cut short
                interruption = str(exc)
            stats = stream.stats
            stop_reason = stats.stop_reason
            timings.prompt_tokens = stats.prompt_tokens
            timings.cached_tokens = stats.cached_tokens
            timings.completion_tokens = stats.completion_tokens
            timings.decode_tokens_per_s = stats.decode_tokens_per_s
        cut_short = bool(interruption) or stop_reason == "cancelled"
        extra = [] if cut_short else fill(evidence, text, budget)
        if extra:
            piece = " " + lead_text(extra)
            text += piece
            checks += lead_checks(extra)
            self._record(turn_id, text)
            yield Token(piece)
        if stop_reason == "length" and budget.spent:
            stop_reason = "stop"  # the answer said what it may; the model was not cut short
        timings.total_ms = (time.perf_counter() - started) * 1000
        answer = Answer(question, text, False, hits, evidence, checks + rejected,
                        self.engine.model_id, timings,
                        stop_reason=INTERRUPTED if interruption else stop_reason,
                        interruption=interruption)
        self._store(answer, query, messages[-1].content, conversation_id, turn_id)
        yield Finished(answer)

    def _abstain(self, question: str, query: str, reason: str, options: AskOptions,
                 started: float, timings: Timings, conversation_id: int | None,
                 turn_id: int | None) -> Iterator[AnswerEvent]:
        scope = ", ".join(options.collections) if options.collections else "your library"
        answer = Answer(question, ABSTAIN_MESSAGE.format(scope=scope, reason=reason), True,
                        [], [], [], self.engine.model_id, timings)
        yield Retrieved(query, [], [], True)
        timings.total_ms = (time.perf_counter() - started) * 1000
        self._store(answer, query, question, conversation_id, turn_id)
        yield Finished(answer)

    def _documents(self, hits: list[Hit], evidence: list[Evidence]) -> list[str | None]:
        """The whole text of each evidence item's document, if the library is at hand."""
        if self.library is None:
            return [None] * len(evidence)
        ids = [hits[item.sentence.source - 1].doc_id for item in evidence]
        texts = {doc_id: " ".join(c.text for c in self.library.chunks_of(doc_id))
                 for doc_id in set(ids)}
        return [texts[doc_id] for doc_id in ids]

    def _written_whole(self, question: str, text: str, sources: list[Hit],
                       evidence: list[Evidence], calculation: Calculation | None,
                       started: float, timings: Timings, conversation_id: int | None,
                       turn_id: int | None) -> Iterator[AnswerEvent]:
        """The events of an answer written whole, with nothing generated (an overview of
        documents, a computed figure)."""
        yield Retrieved(question, sources, evidence, False)
        self._record(turn_id, text)
        timings.ttft_ms = timings.retrieval_ms = timings.total_ms = \
            (time.perf_counter() - started) * 1000
        yield Token(text)
        answer = Answer(question, text, False, sources, evidence, [], self.engine.model_id,
                        timings, calculation=calculation)
        self._store(answer, question, question, conversation_id, turn_id)
        yield Finished(answer)

    def _record(self, turn_id: int | None, text: str) -> None:
        if self.conversations is not None and turn_id is not None:
            self.conversations.record_answer(turn_id, text)

    def _consider(self, claim: Claim, question: str, shown: str, budget: Budget,
                  checks: list[ClaimCheck], rejected: list[ClaimCheck], passages: list[str],
                  sentences: list[Sentence], sentence_vectors: np.ndarray) -> str:
        """The text to add for one finished model sentence: "" unless the sources support
        it, it adds to the answer and it fits; one the sources do not support is kept in
        ``rejected``."""
        claim = tidy(claim)
        if not is_checkable(claim):
            return ""
        reason = fault(claim.text)
        if reason:
            rejected.append(ClaimCheck(claim, 0.0, (), reason))
            return ""
        vector = self.embedder.embed([claim.text])
        check = check_claims([claim], vector, passages, sentences, sentence_vectors,
                             question=question)[0]
        if not check.supported_by:
            rejected.append(check)
            return ""
        if not adds_something(claim.text, shown) or not budget.allows(claim.text):
            return ""
        numbers = citations_for(check)
        piece = " " + cite(check.claim.text, numbers)
        checks.append(ClaimCheck(Claim(check.claim.text, tuple(numbers)), check.support,
                                 check.supported_by))
        budget.spend(piece)
        return piece

    def _store(self, answer: Answer, query: str, sent: str,
               conversation_id: int | None, turn_id: int | None) -> None:
        if self.conversations is None or conversation_id is None or turn_id is None:
            return
        answer.conversation_id = conversation_id
        answer.turn_id = turn_id
        self.conversations.finish_turn(
            turn_id, query=query, sent=sent, answer=answer.text, abstained=answer.abstained,
            stop_reason=answer.stop_reason, details=answer_record(answer))
