"""The retrieval bench's corpus: synthetic, seeded, and realistic where search looks.

Chunk texts are sentences drawn from the bundled library's vocabulary plus a long tail of
made-up words, each document leaning on one topic's words, so BM25 sees realistic term
statistics. Chunk vectors lie around topic centres (MiniLM embeddings of each topic's words),
spread within a small subspace per topic and per document, so dense search sees clustered data.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.library.documents import Chunk
from assistant.library.records import NewDocument

SEED = 5
TOPICS = 64
TOPIC_WORDS = 200
TAIL_WORDS = 20_000
WORDS_PER_SENTENCE = 15
SENTENCES_PER_CHUNK = 6
CHUNKS_PER_DOCUMENT = 20
TOPIC_SHARE = 0.35  # of a chunk's words drawn from its topic's words
COLLECTIONS = ("My documents", "Papers", "Notes")
_WORD = re.compile(r"[a-z]{3,}")
_STARTERS = ("What is", "How does", "Why do", "When did", "Which", "Explain")
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]



@dataclass(frozen=True)
class Vocabulary:
    """The words a corpus is drawn from, by global frequency, and each topic's own words."""

    words: np.ndarray  # object array of str, most frequent first
    weights: np.ndarray  # the probability of each word outside a topic
    topics: np.ndarray  # (TOPICS, TOPIC_WORDS) indices into ``words``
    common: tuple[str, ...]  # frequent content words that questions mix in
    known: frozenset[str]  # the words that occur in the real library


@dataclass(frozen=True)
class Corpus:
    """Texts, vectors and topics of ``len(texts)`` chunks (20 to a document)."""

    texts: list[str]
    headings: list[str]
    vectors: np.ndarray
    topic_of_chunk: np.ndarray


def library_words(folder: Path) -> list[str]:
    """The words of the library's Markdown notes, most frequent first (ties by spelling)."""
    counts: Counter[str] = Counter()
    for path in sorted(folder.glob("*.md")):
        counts.update(_WORD.findall(path.read_text(encoding="utf-8").lower()))
    return [word for word, _ in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))]


def made_up_words(count: int, rng: np.random.Generator, avoid: set[str]) -> list[str]:
    """``count`` distinct pronounceable non-words of two to four syllables."""
    words: dict[str, None] = {}
    while len(words) < count:
        parts = rng.integers(len(_SYLLABLES), size=(count, 4))
        lengths = rng.integers(2, 5, size=count)
        for row, length in zip(parts, lengths, strict=True):
            word = "".join(_SYLLABLES[i] for i in row[:length])
            if word not in avoid:
                words[word] = None
    return list(words)[:count]


def make_vocabulary(known: Sequence[str], rng: np.random.Generator,
                    tail: int = TAIL_WORDS) -> Vocabulary:
    """Zipf weights over the library's words then made-up ones; topics draw their words from
    below the 100 most frequent."""
    from assistant.text.keywords import content_words

    words = list(known) + made_up_words(tail, rng, set(known))
    weights = 1.0 / (np.arange(len(words)) + 2.7)
    weights /= weights.sum()
    topics = np.stack([rng.choice(np.arange(min(100, len(words) - 1), len(words)),
                                  size=TOPIC_WORDS, replace=False) for _ in range(TOPICS)])
    common = tuple(w for w in known[:300] if content_words(w) and len(w) > 4)[:60]
    return Vocabulary(np.array(words, dtype=object), weights, topics, common,
                      frozenset(known))


def topic_text(vocabulary: Vocabulary, topic: int) -> str:
    """The topic's real words (what its dense centre is the embedding of)."""
    words = [vocabulary.words[i] for i in vocabulary.topics[topic]]
    real = [w for w in words if w in vocabulary.known]
    return " ".join((real or words)[:16])


def chunk_texts(vocabulary: Vocabulary, topic_of_chunk: np.ndarray,
                rng: np.random.Generator) -> list[str]:
    """One text per chunk: sentences mixing global words with the chunk's topic words."""
    count = len(topic_of_chunk)
    length = WORDS_PER_SENTENCE * SENTENCES_PER_CHUNK
    drawn = rng.choice(len(vocabulary.words), size=(count, length), p=vocabulary.weights)
    own = vocabulary.topics[topic_of_chunk[:, None],
                            rng.integers(TOPIC_WORDS, size=(count, length))]
    picked = vocabulary.words[np.where(rng.random((count, length)) < TOPIC_SHARE, own, drawn)]
    texts = []
    for row in picked:
        sentences = (" ".join(row[i:i + WORDS_PER_SENTENCE])
                     for i in range(0, length, WORDS_PER_SENTENCE))
        texts.append(". ".join(s.capitalize() for s in sentences) + ".")
    return texts


def chunk_vectors(centres: np.ndarray, topic_of_chunk: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """Unit vectors: topic centre + a document direction + a chunk's own, each within the
    topic's 16-dimensional subspace, plus a little noise in every dimension."""
    count, dimension = len(topic_of_chunk), centres.shape[1]
    bases = np.linalg.qr(rng.standard_normal((len(centres), dimension, 16)))[0]
    documents = np.repeat(rng.standard_normal((-(-count // CHUNKS_PER_DOCUMENT), 16)),
                          CHUNKS_PER_DOCUMENT, axis=0)[:count]
    spread = 0.18 * documents + 0.2 * rng.standard_normal((count, 16))
    vectors = np.array(centres[topic_of_chunk], dtype=np.float64)
    for topic in np.unique(topic_of_chunk):
        mine = topic_of_chunk == topic
        vectors[mine] += spread[mine] @ bases[topic].T
    vectors += rng.standard_normal((count, dimension)) * (0.25 / np.sqrt(dimension))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)


def make_corpus(size: int, vocabulary: Vocabulary, centres: np.ndarray, seed: int = SEED
                ) -> Corpus:
    """``size`` chunks; a document (20 chunks) keeps one topic."""
    rng = np.random.default_rng(seed)
    topic_of_doc = rng.integers(TOPICS, size=-(-size // CHUNKS_PER_DOCUMENT))
    topic_of_chunk = np.repeat(topic_of_doc, CHUNKS_PER_DOCUMENT)[:size]
    texts = chunk_texts(vocabulary, topic_of_chunk, rng)
    heading_words = vocabulary.words[vocabulary.topics[
        topic_of_chunk[:, None], rng.integers(TOPIC_WORDS, size=(size, 3))]]
    headings = [" ".join(row).title() for row in heading_words]
    return Corpus(texts, headings, chunk_vectors(centres, topic_of_chunk, rng), topic_of_chunk)


def questions(vocabulary: Vocabulary, count: int, rng: np.random.Generator) -> list[str]:
    """Short questions: a starter, one common word and two to four real words of a topic."""
    out = []
    for _ in range(count):
        words = topic_text(vocabulary, int(rng.integers(TOPICS))).split()
        chosen = rng.choice(words, size=min(len(words), int(rng.integers(2, 5))), replace=False)
        common = vocabulary.common[int(rng.integers(len(vocabulary.common)))]
        starter = _STARTERS[int(rng.integers(len(_STARTERS)))]
        out.append(f"{starter} {common} {' '.join(str(w) for w in chosen)}?")
    return out


def document_spans(start: int, end: int, per_document: int = CHUNKS_PER_DOCUMENT
                   ) -> list[tuple[int, int]]:
    """Chunk ranges ``[a, b)`` covering ``[start, end)``, cut at multiples of ``per_document``."""
    cuts = [start, *range((start // per_document + 1) * per_document, end, per_document), end]
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def new_document(corpus: Corpus, first: int, last: int) -> NewDocument:
    """Chunks ``first..last-1`` as one stored document (a part of one if cut at a size)."""
    texts = corpus.texts[first:last]
    chunks, offset = [], 0
    for ordinal, text in enumerate(texts):
        chunks.append(Chunk(ordinal, text, offset, offset + len(text),
                            heading=corpus.headings[first + ordinal]))
        offset += len(text) + 2
    body = "\n\n".join(texts)
    number = first // CHUNKS_PER_DOCUMENT
    return NewDocument(
        collection=COLLECTIONS[number % len(COLLECTIONS)], path=f"/synthetic/{first:07d}.md",
        title=f"Synthetic document {number}", kind="markdown", sha256=f"{first:064x}",
        size=len(body), pages=None, parser_version=1, text=body, chunks=chunks,
        embeddings=corpus.vectors[first:last])
