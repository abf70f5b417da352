"""Compose an answer that stays right when the model is weak (pure functions).

The answer opens with its lead: the evidence sentences that answer the question, as the
documents write them, each with its ``[n]``. The model's sentences may follow, one at a time
as each is finished, but only those the sources support and that add something; the answer
stays concise (:data:`MAX_SENTENCES`, about :data:`MAX_WORDS` words). What the model wrote
that the sources do not support is kept apart, never shown as part of the answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from assistant.answers.evidence import Evidence, Sentence
from assistant.answers.grounding import LEADING_CITATIONS, Claim, ClaimCheck, split_claims
from assistant.engines.engine import TokenStream
from assistant.text.keywords import content_words
from assistant.text.sentences import sentence_spans

MAX_SENTENCES = 3
MAX_WORDS = 60
# A further evidence sentence must score at least this share of the best one's score.
SECOND_SHARE = 0.25
# A model sentence whose content words the answer already holds (this share) adds nothing.
REDUNDANT_SHARE = 0.75
_LIST_MARK = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_OWN_MARK = re.compile(r"\s*\[\d+(?:\s*[,–-]\s*\d+)*\]")
_END = re.compile(r"([.!?…]+[\"'”’)]*)?\s*$")
_CITATIONS_ONLY = re.compile(r"^\[[\d,\s]*\]?$")
# What a small model writes before its answer: "The answer is:", "The answer to this question
# is", "Answer:".
_PREAMBLE = re.compile(r"^\s*(?:the\s+)?(?:short\s+)?answer(?:\s+to\s+(?:this|the|your)\s+"
                       r"question)?(?:\s+is)?\s*:?\s+(?=\S)", re.IGNORECASE)
_TABLE = re.compile(r"\|.*\||(?:^|\s)-{3,}(?:\s|$)")
_ASIDE = re.compile(r"\s*\((?:[^()]|\([^()]*\))+\)(?=[\s,.;:!?]|$)")
_BIGRAM_WORD = re.compile(r"[\w%$.,'’-]+")


def plain(text: str) -> str:
    """A document's sentence as answer text: no list mark, Markdown emphasis or link
    syntax, nor the document's own reference marks ("[3]" in a paper)."""
    text = _LIST_MARK.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _OWN_MARK.sub("", text)
    return " ".join(text.split())


def cite(text: str, numbers: Sequence[int]) -> str:
    """``text`` with ``[n]`` markers before its closing punctuation ("… fees [2].")."""
    if not numbers:
        return text
    marks = "".join(f"[{n}]" for n in dict.fromkeys(numbers))
    match = _END.search(text)
    assert match is not None  # the pattern matches at the end of any text
    ending = match.group(1) or "."
    return f"{text[:match.start()].rstrip()} {marks}{ending}"


def words(text: str) -> int:
    """How many words ``text`` has."""
    return len(text.split())


def lead(evidence: Sequence[Evidence], limit: int = MAX_WORDS) -> list[Evidence]:
    """The evidence sentences that open the answer: the best one, and the next best that
    says something new while the two stay within ``limit`` words and it scores nearly as
    well. The limit is the answer's whole budget: the fact sits in the best two sentences far
    more often than in the best one, and the model's own sentences rarely hold it."""
    if not evidence:
        return []
    chosen = [evidence[0]]
    first = plain(evidence[0].sentence.text)
    for other in evidence[1:]:
        if other.score < SECOND_SHARE * evidence[0].score:
            break
        if words(first) + words(plain(other.sentence.text)) > limit:
            other = without_asides(other)  # "… on schedule (the halving every …) and …"
        if words(first) + words(plain(other.sentence.text)) > limit:
            other = core_sentence(other)  # sentences quoted together: the one that answers
        text = plain(other.sentence.text)
        if adds_something(text, first):  # not the same sentence from another passage
            if words(first) + words(text) <= limit:
                chosen.append(other)
            break
    return chosen


def without_asides(item: Evidence) -> Evidence:
    """An evidence sentence quoted without its parenthetical asides; it keeps its place in
    the document (the whole sentence is still the one highlighted)."""
    text = _ASIDE.sub("", item.sentence.text)
    if text == item.sentence.text or not content_words(text):
        return item
    return replace(item, sentence=replace(item.sentence, text=text))


def core_sentence(item: Evidence) -> Evidence:
    """An evidence unit of several sentences cut to the one that earned its score (the
    first, when that is not known)."""
    if item.core is not None:
        return replace(item, sentence=item.core, core=None)
    spans = sentence_spans(item.sentence.text)
    if len(spans) < 2:
        return item
    start, end = spans[0]
    sentence = item.sentence
    return replace(item, sentence=Sentence(sentence.source, sentence.text[start:end],
                                           sentence.start + start, sentence.start + end))


def fill(evidence: Sequence[Evidence], shown: str, budget: Budget) -> list[Evidence]:
    """Evidence sentences that complete an answer the model added little to: the next best
    ones that say something new, score nearly as well as the best, and still fit."""
    if not evidence:
        return []
    added: list[Evidence] = []
    for item in evidence[1:]:
        text = plain(item.sentence.text)
        if budget.spent:
            break
        if text in shown or item.score < SECOND_SHARE * evidence[0].score:
            continue
        if adds_something(text, shown) and budget.fits(text):
            added.append(item)
            budget.spend(text)
            shown += " " + text
    return added


def lead_text(chosen: Sequence[Evidence]) -> str:
    """The lead as answer text, each sentence cited."""
    return " ".join(cite(plain(item.sentence.text), [item.sentence.source]) for item in chosen)


def lead_checks(chosen: Sequence[Evidence]) -> list[ClaimCheck]:
    """The lead's verdicts: each sentence is its source's own words."""
    return [ClaimCheck(Claim(plain(item.sentence.text), (item.sentence.source,)), 1.0,
                       (item.sentence.source,)) for item in chosen]


def tidy(claim: Claim) -> Claim:
    """A model sentence without its preamble ("The answer is: 3.125 BTC" → "3.125 BTC")."""
    text = plain(re.sub(r":\s*\.$", ":", _PREAMBLE.sub("", claim.text, count=1)))
    return Claim(text[:1].upper() + text[1:], claim.citations)


def fault(text: str) -> str | None:
    """Why a model sentence cannot be shown whatever the sources say, or None: it trails
    off ("The founders are:"), copies table syntax, or repeats itself ("a moving average
    that is set by a moving average")."""
    if text.rstrip(" .!").endswith(":"):
        return "it breaks off before saying anything"
    if _TABLE.search(text):
        return "it copies a table's layout, not a sentence"
    tokens = _content_tokens(text)
    pairs = list(zip(tokens, tokens[1:], strict=False))
    if len(pairs) != len(set(pairs)):
        return "it repeats itself"
    return None


def _content_tokens(text: str) -> list[str]:
    return [w.strip(".,").lower() for w in _BIGRAM_WORD.findall(text)
            if content_words(w) or any(c.isdigit() for c in w)]


def adds_something(text: str, shown: str) -> bool:
    """Whether a sentence says more than the answer shown so far."""
    new = content_words(text)
    if not new:
        return False
    return len(new & content_words(shown)) / len(new) < REDUNDANT_SHARE


def citations_for(check: ClaimCheck) -> list[int]:
    """The sources a verified sentence is shown citing: those it cited that support it, or
    else the one that supports it best."""
    return [n for n in check.claim.citations if n in check.supported_by] \
        or list(check.supported_by[:1])


@dataclass
class Budget:
    """How much more the answer may say."""

    sentences: int = MAX_SENTENCES
    words: int = MAX_WORDS

    def spend(self, text: str) -> None:
        """Count ``text`` as shown."""
        self.sentences -= max(1, len(sentence_spans(text)))
        self.words -= words(text)

    def fits(self, text: str) -> bool:
        """Whether ``text`` fits without going over."""
        return self.sentences > 0 and words(text) <= self.words

    def allows(self, text: str) -> bool:
        """Whether ``text`` still fits (a little over on words is fine for one sentence)."""
        return self.sentences > 0 and words(text) <= self.words + 10

    @property
    def spent(self) -> bool:
        """Whether nothing more fits."""
        return self.sentences <= 0 or self.words <= 5


class SentenceBuffer:
    """Collects the model's text as it streams and hands over each sentence once finished
    (with the citation markers that follow it)."""

    def __init__(self) -> None:
        self.text = ""
        self._taken = 0

    def feed(self, piece: str) -> list[Claim]:
        """Add a piece; the sentences it completed."""
        self.text += piece
        spans = sentence_spans(self.text)
        if len(spans) < 2:
            return []
        cut = spans[-1][0]
        tail = self.text[cut:]
        if _CITATIONS_ONLY.match(tail.strip()):  # markers of the sentence before, arriving
            if len(spans) < 3:
                return []
            cut = spans[-2][0]
        else:
            leading = LEADING_CITATIONS.match(tail)  # "[2] Next": the marker ends the one before
            cut += leading.end() if leading else 0
        return self._take(self.text[:cut])

    def flush(self) -> list[Claim]:
        """The sentences left when the stream ends."""
        return self._take(self.text)

    def _take(self, complete: str) -> list[Claim]:
        claims = split_claims(complete)
        new = claims[self._taken:]
        self._taken = len(claims)
        return new


_MARKER_RUN = re.compile(r"(?:\s*\[\d+(?:,\s*\d+)*\]){4,}\s*$")
LOOP_TAIL_CHARS = 40


def is_degenerate(text: str) -> bool:
    """Whether a small model has fallen into a loop: a run of bare citation markers, or the
    same stretch of text three times over."""
    if _MARKER_RUN.search(text):
        return True
    tail = text[-LOOP_TAIL_CHARS:]
    return len(text) > 4 * LOOP_TAIL_CHARS and len(tail.strip()) > 10 and text.count(tail) >= 3


def finished_sentences(stream: TokenStream, buffer: SentenceBuffer,
                       budget: Budget) -> Iterator[Claim]:
    """The model's sentences as each is finished; the stream is stopped once the answer's
    budget is spent or the text degenerates into repetition."""
    for piece in stream:
        yield from buffer.feed(piece)
        if budget.spent:
            stream.stop("length")
            return
        if is_degenerate(buffer.text):
            stream.stop("repetition")
            return
    yield from buffer.flush()
