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


def is_heading(text: str) -> bool:
    """Whether a unit of ``sentence_spans`` is a heading: ``# Title`` or an underlined title."""
    return text.lstrip().startswith("#") or bool(_UNDERLINED.search(text))


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of the sentences and paragraph units in ``text[start:end]``, trimmed of space."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        spans.extend(trimmed(text, cursor, match.start()))
        cursor = match.end()
    spans.extend(trimmed(text, cursor, end))
    return spans


def trimmed(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``(start, end)`` moved inward past white space, or nothing if only space is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return [(start, end)] if end > start else []
