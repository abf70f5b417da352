"""Answer whole-document and whole-library questions: summaries, surveys, comparisons and
mention lists, each extractive and cited (see :mod:`assistant.answers.overview`)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.answers.abstention import best_similarity
from assistant.answers.answer import Answer, Timings
from assistant.answers.composing import lead_text
from assistant.answers.evidence import Evidence, Sentence, score_sentences, split_sentences
from assistant.answers.intents import Compare, Intent, Summarize, Survey, document_words
from assistant.answers.overview import (
    Overview,
    find_document,
    grouped,
    hit_from,
    summarize,
)
from assistant.engines.embedding import Embedder
from assistant.library.documents import DocumentInfo, Hit
from assistant.library.records import ChunkRecord
from assistant.text.facts import mentions_name
from assistant.text.keywords import content_words
from assistant.text.sentences import sentence_spans

Search = Callable[[str, int, Sequence[str] | None], list[Hit]]
SURVEY_PASSAGES = 15
COMPARE_PASSAGES = 8
MAX_MENTION_DOCUMENTS = 12
# A "which documents mention …" phrase longer than this is searched by meaning when no
# document holds it word for word.
MAX_EXACT_WORDS = 3
_CONTEXT = re.compile(r"\s+(?:for|as|in terms of|on|regarding|when it comes to)\s+(?P<rest>.+)$",
                      re.IGNORECASE)


_BY_ID = re.compile(r"\((?:document|id)\s+(\d+)\)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class LibraryView:
    """What whole-document answers read from the library."""

    documents: Callable[[Sequence[str] | None], list[DocumentInfo]]
    chunks_of: Callable[[int], list[ChunkRecord]]
    mentioning: Callable[[str, Sequence[str] | None], list[ChunkRecord]]


class NoSuchDocument(LookupError):
    """A summary was asked of a document the library does not hold (or of several)."""


def summary_of(name: str, library: LibraryView,
               collections: Sequence[str] | None) -> Overview:
    """The summary of the document ``name`` refers to."""
    documents = library.documents(collections)
    numbered = _BY_ID.search(name)
    found = find_document(numbered.group(1), documents) if numbered else \
        find_document(name, documents) or find_document(document_words(name), documents)
    if len(found) != 1:
        raise NoSuchDocument(_which(name, found))
    return summarize(found[0], library.chunks_of(found[0].id))


def summary_answer(name: str, at_path: list[DocumentInfo], library: LibraryView,
                   collection: str | None) -> Answer:
    """The summary as a finished answer (for ``assistant summarize`` and the Library tab);
    ``at_path`` are the documents stored at the path ``name`` may be."""
    started = time.perf_counter()
    if collection is not None:
        at_path = [d for d in at_path if d.collection == collection]
    if len(at_path) == 1:
        overview = summarize(at_path[0], library.chunks_of(at_path[0].id))
    else:
        overview = summary_of(name, library, [collection] if collection else None)
    elapsed = (time.perf_counter() - started) * 1000
    return Answer(f"Summarize {name}", overview.text, False, overview.sources,
                  overview.evidence, [], "extractive",
                  Timings(retrieval_ms=elapsed, ttft_ms=elapsed, total_ms=elapsed))


def _which(name: str, found: list[DocumentInfo]) -> str:
    if not found:
        return f"no document in the library matches “{name}”"
    listed = "; ".join(f"{d.title} (id {d.id}, {d.collection})" for d in found[:5])
    return f"“{name}” matches {len(found)} documents: {listed}; name one by its id"


def answer_whole(intent: Intent, question: str, library: LibraryView, search: Search,
                 embedder: Embedder, collections: Sequence[str] | None,
                 abstain_below: float) -> Overview | None:
    """The extractive answer to a whole-document question, or None when the question
    should be answered (or declined) as a factual one."""
    if isinstance(intent, Summarize):
        try:
            return summary_of(intent.document, library, collections)
        except NoSuchDocument:
            return _survey(intent.document, search, embedder, collections, abstain_below)
    if isinstance(intent, Survey):
        return _survey(intent.topic, search, embedder, collections, abstain_below)
    if isinstance(intent, Compare):
        return _compare(intent, library, search, embedder, collections, abstain_below)
    found = _mentions(intent.term, library, collections)
    if not found.sources and len(content_words(intent.term)) > MAX_EXACT_WORDS:
        # A description ("powering miners with flared gas"), not a term: the documents that
        # discuss it, found by meaning.
        return _survey(intent.term, search, embedder, collections, abstain_below)
    return found


def _scored(query: str, hits: list[Hit], embedder: Embedder) -> tuple[list[Sentence],
                                                                       list[float]]:
    sentences = split_sentences(hits)
    if not sentences:
        return [], []
    vectors = embedder.embed([query] + [s.text for s in sentences])
    return sentences, score_sentences(query, vectors[0], sentences, vectors[1:],
                                      [hit.score for hit in hits])


def _survey(topic: str, search: Search, embedder: Embedder,
            collections: Sequence[str] | None, abstain_below: float) -> Overview | None:
    hits = search(topic, SURVEY_PASSAGES, collections)
    if best_similarity(hits) < abstain_below:
        return None
    sentences, scores = _scored(topic, hits, embedder)
    if not sentences:
        return None
    sources, evidence, lines = grouped(hits, scores, sentences)
    count = len(lines)
    head = (f"What the library says about {topic}, in {count} "
            f"{'document' if count == 1 else 'documents'}:")
    return Overview("\n".join([head, *lines]), sources, evidence)


def _compare(intent: Compare, library: LibraryView, search: Search, embedder: Embedder,
             collections: Sequence[str] | None, abstain_below: float) -> Overview | None:
    documents = library.documents(collections)
    first = find_document(document_words(intent.first), documents)
    second = find_document(document_words(intent.second), documents)
    if len(first) == 1 and len(second) == 1 and first[0].id != second[0].id:
        return _side_by_side([summarize(d, library.chunks_of(d.id)) for d in (first[0],
                                                                             second[0])],
                             [first[0].title, second[0].title])
    sides, context = [intent.first, intent.second], ""
    match = _CONTEXT.search(intent.second)
    if match:
        sides[1], context = intent.second[:match.start()], match.group("rest")
    overviews = []
    for side in sides:
        hits = search(f"{side} {context}".strip(), COMPARE_PASSAGES, collections)
        if best_similarity(hits) < abstain_below:
            return None
        sentences, scores = _scored(f"{side} {context}".strip(), hits, embedder)
        about = [i for i, s in enumerate(sentences) if mentions_name(s.text, side)
                 or mentions_name(hits[s.source - 1].title, side)]
        if not about:
            return None
        keep = sorted(about, key=lambda i: -scores[i])[:2]
        sources, evidence, _ = grouped(hits, [scores[i] for i in keep],
                                       [sentences[i] for i in keep], per_document=2)
        said = lead_text(evidence)
        overviews.append(Overview(said, sources, evidence))
    return _side_by_side(overviews, sides)


def _side_by_side(overviews: list[Overview], labels: list[str]) -> Overview:
    """Two overviews as one answer, their sources renumbered in one list."""
    sources: list[Hit] = []
    evidence: list[Evidence] = []
    lines = []
    for overview, label in zip(overviews, labels, strict=True):
        offset = len(sources)
        sources += overview.sources
        renumbered = [Evidence(Sentence(e.sentence.source + offset, e.sentence.text,
                                        e.sentence.start, e.sentence.end), e.score, e.title,
                               e.path, e.page, e.heading) for e in overview.evidence[:3]]
        evidence += renumbered
        lines.append(f"• {label}: " + lead_text(renumbered))
    return Overview("\n".join([f"{labels[0]} and {labels[1]}, side by side:", *lines]),
                    sources, evidence)


def _mentions(term: str, library: LibraryView,
              collections: Sequence[str] | None) -> Overview:
    chunks = library.mentioning(term, collections)
    by_document: dict[int, list[ChunkRecord]] = {}
    for chunk in sorted(chunks, key=lambda c: (c.doc_id, c.ordinal)):
        by_document.setdefault(chunk.doc_id, []).append(chunk)
    if not by_document:
        return Overview(f"No document in the library mentions “{term}”.", [], [])
    ranked = sorted(by_document.values(), key=lambda found: -len(found))
    sources: list[Hit] = []
    evidence: list[Evidence] = []
    lines = []
    for found in ranked[:MAX_MENTION_DOCUMENTS]:
        chunk = found[0]
        sources.append(hit_from(chunk))
        number = len(sources)
        sentence = _sentence_naming(chunk, term)
        evidence.append(Evidence(Sentence(number, sentence[0], sentence[1], sentence[2]), 1.0,
                                 chunk.title, chunk.path, chunk.page, chunk.heading))
        passages = f"{len(found)} {'passage' if len(found) == 1 else 'passages'}"
        lines.append(f"• {chunk.title} ({passages}): "
                     f"{lead_text(evidence[-1:])}")
    count = len(by_document)
    more = f" (the first {MAX_MENTION_DOCUMENTS} shown)" if count > MAX_MENTION_DOCUMENTS else ""
    head = f"{count} {'document mentions' if count == 1 else 'documents mention'} “{term}”{more}:"
    return Overview("\n".join([head, *lines]), sources, evidence)


def _sentence_naming(chunk: ChunkRecord, term: str) -> tuple[str, int, int]:
    """The chunk's first sentence that names ``term`` (its text and document offsets)."""
    spans = sentence_spans(chunk.text)
    for start, end in spans:
        if term.lower() in chunk.text[start:end].lower():
            return chunk.text[start:end], chunk.start + start, chunk.start + end
    start, end = spans[0] if spans else (0, len(chunk.text))
    return chunk.text[start:end], chunk.start + start, chunk.start + end
