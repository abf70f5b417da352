"""Decide when the documents don't cover a question, so that no answer is invented.

Two signals, calibrated on the question sets in ``tests/qa``: the best passage's cosine
similarity to the question, and names in the question (capitalised words such as "Monero" or
"Jetson") that no document in scope mentions at all. A question about something the library
never names is not answered from passages that merely sound related.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.library.documents import Hit

# Over the fourteen question sets, in-scope questions' best similarities started at 0.33 (four
# of 316 below 0.40, about references and definitions) and unrelated ones mostly stayed below
# 0.37. Between this line and a close match, answers/coverage.py also checks that the best
# evidence is about what the question pins down.
ABSTAIN_BELOW = 0.375
# A question naming something no document mentions is answered only from a passage this
# close: related-sounding ones about an unknown name ("Whisper on Mandarin", "gas flared in
# Saudi Arabia") reached 0.68, and no in-scope question named anything the documents lack.
UNKNOWN_NAME_BELOW = 0.7
# "Norwegian" is mentioned where a document says "Norway", "Chinese" where it says "China".
_DEMONYM = re.compile(r"(?:ian|ean|ese|ish|ic|an|i)$")
_NAME = re.compile(r"\b[A-Z][\w'’-]*\w")
_SENTENCE_START = re.compile(r"(^|[.?!:]\s+)$")
_TWO_CAPITALS = re.compile(r"^[A-Z]{2}s?$")


def best_similarity(hits: Sequence[Hit]) -> float:
    """The highest question-to-passage cosine similarity among ``hits``."""
    return max((hit.similarity for hit in hits if hit.similarity is not None), default=0.0)


def names_in(question: str) -> list[str]:
    """Capitalised words not at the start of a sentence, without a possessive ending."""
    names = []
    for match in _NAME.finditer(question):
        if _SENTENCE_START.search(question[: match.start()]):
            continue
        names.append(re.sub(r"['’]s?$", "", match.group(0)))
    return list(dict.fromkeys(names))


def unknown_names(question: str, mentioned: Callable[[str], bool]) -> list[str]:
    """The names in ``question`` that ``mentioned`` finds in no document, not even as the
    country a demonym stands for. Two capitals ("PC", "TB", "EU") are left out: they are
    mostly units and everyday abbreviations, which a document may well spell out ("desktop
    computer"), not names of things it would have to mention."""
    return [name for name in names_in(question) if not _TWO_CAPITALS.match(name)
            and not mentioned(name) and not (
                len(name) >= 6 and _DEMONYM.search(name) and mentioned(name[:4] + "*"))]


def abstain_reason(question: str, hits: Sequence[Hit], mentioned: Callable[[str], bool], *,
                   below: float = ABSTAIN_BELOW,
                   unknown_below: float = UNKNOWN_NAME_BELOW) -> str | None:
    """Why the documents don't cover ``question``, or None if they may."""
    similarity = best_similarity(hits)
    if similarity < below:
        return "nothing in the documents is close enough to answer it"
    if similarity < unknown_below:
        missing = unknown_names(question, mentioned)
        if missing:
            quoted = ", ".join(f"“{name}”" for name in missing)
            return f"the documents never mention {quoted}"
    return None
