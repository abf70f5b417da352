"""Sentence and paragraph units of a text, as exact offsets (pure)."""

from __future__ import annotations

import re

_BOUNDARY = re.compile(
    r"\n[ \t]*\n\s*"                        # paragraph break
    r"|\n(?=[ \t]*(?:[-*+•]|\d+[.)]|#{1,6})\s)"  # a list item or heading on the next line
    r"|(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])"  # end of sentence
    r"|(?<=\n===|\n---)[=-]*[ \t]*\n\s*"  # the line under an underlined heading
)
_UNDERLINED = re.compile(r"\n[ \t]*(?:={3,}|-{3,})[ \t]*$")
# A full stop that ends an abbreviation, not a sentence: "approx. 853,000", "e.g. Kazakhstan",
# "the U.S. share", "Fig. 2", "Dr. Back". Single capitals are left alone ("10^6 J. One kWh").
_ABBREVIATION = re.compile(
    r"(?:^|[\s(\[\"'])(?:approx|e\.g|i\.e|cf|vs|viz|ca|resp|fig|figs|eq|eqs|dr|mr|mrs|prof|vol|pp"
    r"|[A-Z](?:\.[A-Z])+)\.$",
    re.IGNORECASE)
_LOOKBACK = 12
# A sentence that leans on the one before it: "For that reason …", "So …", "Depending on
# whether their …", "Running for a year, that is 140 TWh.", "The two therefore differ …"
_CONTINUES = re.compile(
    r"^[\W_]*(?:(?:for|because of) (?:that|this|these|those)(?: reasons?)?|as a result|"
    r"put differently|in other words|that|this|these|those|it|its|they|their|such|so|thus|"
    r"hence|therefore)\b"
    r"|^[\W_]*(?:\w+\s+){1,3}(?:their|its|they|these|those)\b"
    r"|^[^.;:]{0,60},\s*that is\b"
    r"|^[^.;:,]{0,60}\b(?:therefore|thus|hence|consequently)\b",
    re.IGNORECASE)


def is_heading(text: str) -> bool:
    """Whether a unit of ``sentence_spans`` is a heading: ``# Title`` or an underlined title."""
    return text.lstrip().startswith("#") or bool(_UNDERLINED.search(text))


def continues(text: str) -> bool:
    """Whether a sentence leans on the one before it ("So …", "For that reason …",
    "Depending on whether their …", "Running for a year, that is 140 TWh.")."""
    return bool(_CONTINUES.search(text))


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of the sentences and paragraph units in ``text[start:end]``, trimmed of space."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        if _after_abbreviation(text, max(cursor, match.start() - _LOOKBACK), match.start()):
            continue
        spans.extend(trimmed(text, cursor, match.start()))
        cursor = match.end()
    spans.extend(trimmed(text, cursor, end))
    return spans


def _after_abbreviation(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` ends with an abbreviation's or an initial's full stop."""
    return text[end - 1:end] == "." and bool(_ABBREVIATION.search(text[start:end]))


def trimmed(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``(start, end)`` moved inward past white space, or nothing if only space is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if end > start else []
