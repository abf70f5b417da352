"""Extractive, cited answers about whole documents and the whole library (pure functions).

A summary takes one sentence from each main section of a document (two from long ones): the
sentence whose words best represent its section, scored by how often the section uses them
(Luhn's measure), so no model and no new embedding is needed and a 50-page PDF takes well
under a second. Surveys, comparisons and mention lists group the best sentences by document.
Every line cites its passage, as a factual answer does.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answers.composing import cite, plain
from assistant.answers.evidence import Evidence, Sentence
from assistant.library.documents import DocumentInfo, Hit
from assistant.library.records import ChunkRecord
from assistant.text.keywords import content_words
from assistant.text.sentences import is_heading, sentence_spans

MAX_SECTIONS = 20
LONG_SECTION_CHUNKS = 4
MIN_SENTENCE_WORDS = 6
MAX_SENTENCE_WORDS = 60
# A PDF or text file without headings is cut into this many parts at most.
PARTS = 6
_WORDS = re.compile(r"\w+")
_NUMBERED_HEADING = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2})*)\.?\s+([A-Z][^\n.!?]{2,60})\s*$",
                               re.MULTILINE)
_REFERENCES = re.compile(r"^(references|bibliography|sources|notes|works cited)$",
                         re.IGNORECASE)


@dataclass(frozen=True)
class Overview:
    """An extractive answer: its text, the passages it cites, and the sentences it quotes."""

    text: str
    sources: list[Hit]
    evidence: list[Evidence]


@dataclass
class Part:
    """A main section of a document: its title, its chunks, and where in the first and last
    of them it starts and ends (a numbered heading may sit inside a chunk)."""

    title: str
    chunks: list[ChunkRecord]
    start: int = 0  # offset into chunks[0].text
    end: int | None = None  # offset into chunks[-1].text

    def pieces(self) -> list[tuple[ChunkRecord, int, int]]:
        """Each chunk with the span of its text that belongs to this part."""
        out = []
        for index, chunk in enumerate(self.chunks):
            lo = self.start if index == 0 else 0
            hi = self.end if index == len(self.chunks) - 1 and self.end is not None \
                else len(chunk.text)
            out.append((chunk, lo, hi))
        return out


def main_heading(heading: str | None, shared_root: bool) -> str | None:
    """The main section a heading path belongs to ("Title > Costs > Power" → "Costs" when
    every path starts with the document's title)."""
    if not heading:
        return None
    names = [name.strip() for name in heading.split(" > ")]
    if shared_root:
        return names[1] if len(names) > 1 else None
    return names[0]


def parts_of(chunks: Sequence[ChunkRecord]) -> list[Part]:
    """The document's main sections in reading order: by heading, else by numbered headings
    in the text ("2. Transactions"), else by pages or equal runs of chunks."""
    chunks = sorted(chunks, key=lambda c: c.ordinal)
    roots = {c.heading.split(" > ")[0] for c in chunks if c.heading}
    shared = len(roots) == 1 and any(" > " in (c.heading or "") for c in chunks)
    if any(c.heading for c in chunks):
        parts: list[Part] = []
        untitled = not main_heading(chunks[0].heading, shared)  # text before the first heading
        for chunk in chunks:
            title = main_heading(chunk.heading, shared) or (parts[-1].title if parts else "")
            if not parts or parts[-1].title != title:
                parts.append(Part(title, []))
            parts[-1].chunks.append(chunk)
        if untitled:  # "Introduction", unless a later part is one ("1. Introduction")
            later = any("introduction" in part.title.lower() for part in parts[1:])
            parts[0] = Part("Opening" if later else "Introduction", parts[0].chunks)
        return [p for p in parts if not _REFERENCES.match(p.title)]
    numbered = _numbered_parts(chunks)
    if numbered:
        return numbered
    size = max(1, math.ceil(len(chunks) / PARTS))
    runs = [list(chunks[i:i + size]) for i in range(0, len(chunks), size)]
    return [Part(_pages(run) or f"Part {n}", run) for n, run in enumerate(runs, start=1)]


def _numbered_parts(chunks: Sequence[ChunkRecord]) -> list[Part]:
    """Parts that start at "1. Introduction", "2. Transactions", … (numbered in order)."""
    parts = [Part("Opening", [])]
    expected = 1
    for chunk in chunks:
        parts[-1].chunks.append(chunk)
        parts[-1].end = None
        for match in _NUMBERED_HEADING.finditer(chunk.text):
            number = match.group(1)
            if "." in number or int(number) != expected:
                continue  # a sub-section, or a number that is not the next heading
            parts[-1].end = match.start()
            parts.append(Part(f"{number}. {match.group(2).strip()}", [chunk], match.end()))
            expected += 1
    if expected <= 2:
        return []
    return [p for p in parts if any(hi > lo for _, lo, hi in p.pieces())]


def _pages(run: Sequence[ChunkRecord]) -> str:
    pages = [c.page for c in run if c.page]
    if not pages:
        return ""
    return f"Page {pages[0]}" if min(pages) == max(pages) else \
        f"Pages {min(pages)}–{max(pages)}"


def _candidates(part: Part) -> list[tuple[float, Sentence, ChunkRecord]]:
    """The part's sentences scored by Luhn's measure over the part's own words, with a small
    preference for the part's opening sentences (topic sentences)."""
    counts: Counter[str] = Counter()
    for chunk, lo, hi in part.pieces():
        counts.update(w for w in _WORDS.findall(chunk.text[lo:hi].lower()) if content_words(w))
    scored = []
    position = 0
    for chunk, lo, hi in part.pieces():
        for start, end in sentence_spans(chunk.text, lo, hi):
            text = chunk.text[start:end]
            words = _WORDS.findall(text.lower())
            if not (MIN_SENTENCE_WORDS <= len(words) <= MAX_SENTENCE_WORDS) \
                    or is_heading(text, chunk.heading) or text.rstrip().endswith("?"):
                continue
            meaningful = [w for w in words if counts[w] > 1]
            score = sum(counts[w] for w in set(meaningful)) / math.sqrt(len(words))
            score *= 1.15 if position < 2 else 1.0
            position += 1
            scored.append((score, Sentence(0, text, chunk.start + start, chunk.start + end),
                           chunk))
    return sorted(scored, key=lambda item: -item[0])


def summarize(document: DocumentInfo, chunks: Sequence[ChunkRecord]) -> Overview:
    """One sentence from each main section (two from long ones), in reading order, cited."""
    parts = parts_of(chunks)[:MAX_SECTIONS]
    chosen: list[tuple[Part, Sentence, ChunkRecord]] = []
    for part in parts:
        take = 2 if len(part.chunks) >= LONG_SECTION_CHUNKS else 1
        seen: set[str] = {_key(s.text) for _, s, _ in chosen}
        for _, sentence, chunk in _candidates(part):
            if len([c for c in chosen if c[0] is part]) == take:
                break
            if _key(sentence.text) not in seen:  # overlapping chunks repeat sentences
                seen.add(_key(sentence.text))
                chosen.append((part, sentence, chunk))
    if not chosen:
        return Overview(f"“{document.title}” holds no sentences to summarize.", [], [])
    sources, evidence, lines = _cited(chosen)
    count = len(parts)
    head = f"“{document.title}” in {count} {'section' if count == 1 else 'sections'}:"
    return Overview("\n".join([head, *lines]), sources, evidence)


def _cited(chosen: Sequence[tuple[Part, Sentence, ChunkRecord]]
           ) -> tuple[list[Hit], list[Evidence], list[str]]:
    """Number the chosen sentences' passages and write one line per part."""
    numbering = _Numbering()
    lines: dict[str, list[str]] = {}
    for part, sentence, chunk in chosen:
        lines.setdefault(part.title, []).append(
            numbering.quote(hit_from(chunk), sentence, 1.0))
    return numbering.hits, numbering.evidence, [f"• {labelled(title)} {' '.join(said)}"
                                                for title, said in lines.items()]


class _Numbering:
    """Numbers passages in the order they are first quoted, and keeps each quoted sentence."""

    def __init__(self) -> None:
        self.numbers: dict[int, int] = {}
        self.hits: list[Hit] = []
        self.evidence: list[Evidence] = []

    def quote(self, hit: Hit, sentence: Sentence, score: float) -> str:
        """The sentence as plain text with its passage's ``[n]``."""
        if hit.chunk_id not in self.numbers:
            self.numbers[hit.chunk_id] = len(self.hits) + 1
            self.hits.append(hit)
        number = self.numbers[hit.chunk_id]
        self.evidence.append(Evidence(Sentence(number, sentence.text, sentence.start,
                                               sentence.end), score, hit.title, hit.path,
                                      hit.page, hit.heading))
        return cite(plain(sentence.text), [number])


def labelled(title: str) -> str:
    """A part's title as a line's label: "Costs:", but "What is hashprice? —" for a title that
    already ends in punctuation."""
    title = title.strip()
    return f"{title} —" if title[-1:] in "?!:.…" else f"{title}:"


def hit_from(chunk: ChunkRecord, score: float = 1.0) -> Hit:
    """A chunk as a numbered source."""
    return Hit(chunk.id, chunk.doc_id, score, chunk.title, chunk.path, chunk.collection,
               chunk.page, chunk.heading, chunk.start, chunk.end, chunk.text)


def grouped(hits: Sequence[Hit], scores: Sequence[float], sentences: Sequence[Sentence], *,
            per_document: int = 2, documents: int = 5,
            titles: dict[int, str] | None = None) -> tuple[list[Hit], list[Evidence], list[str]]:
    """The best sentences grouped by document (best document first): the survey's lines.

    ``sentences`` are numbered by ``hits`` (1-based) and scored by ``scores``.
    """
    best: dict[int, list[int]] = {}
    for index in sorted(range(len(sentences)), key=lambda i: -scores[i]):
        doc = hits[sentences[index].source - 1].doc_id
        if doc not in best and len(best) == documents:
            continue
        picked = best.setdefault(doc, [])
        if len(picked) < per_document and not any(
                _same(sentences[j].text, sentences[index].text) for j in picked):
            picked.append(index)
    numbering = _Numbering()
    lines: list[str] = []
    for doc, indices in best.items():
        said = [numbering.quote(hits[sentences[i].source - 1], sentences[i], scores[i])
                for i in sorted(indices, key=lambda i: sentences[i].start)]
        title = (titles or {}).get(doc) or hits[sentences[indices[0]].source - 1].title
        lines.append(f"• {labelled(title)} {' '.join(said)}")
    return numbering.hits, numbering.evidence, lines


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def _same(a: str, b: str) -> bool:
    return _key(a) == _key(b)


def find_document(name: str, documents: Sequence[DocumentInfo]) -> list[DocumentInfo]:
    """The documents ``name`` refers to: by id, file name, path or title, exactly or by most
    of its words; several when it is ambiguous, none when nothing fits."""
    name = name.strip()
    if name.isdigit():
        return [d for d in documents if d.id == int(name)]
    lowered = name.lower()
    for key in (lambda d: d.path.lower(), lambda d: d.path.rsplit("/", 1)[-1].lower(),
                lambda d: d.path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower(),
                lambda d: d.title.lower()):
        exact = [d for d in documents if key(d) == lowered]
        if exact:
            return exact
    wanted = content_words(name.replace("-", " ").replace("_", " "))
    if not wanted:
        return []
    scored = []
    for doc in documents:
        stem = doc.path.rsplit("/", 1)[-1].rsplit(".", 1)[0].replace("-", " ").replace("_", " ")
        have = content_words(f"{doc.title} {stem}")
        share = len(wanted & have) / len(wanted)
        if share >= 0.6:
            scored.append((share, doc))
    if not scored:
        return []
    top = max(share for share, _ in scored)
    return [doc for share, doc in scored if share == top]
