"""Finding a passage in a document as it is shown: formatting (Markdown marks, table pipes,
HTML tags) changes the characters around the words but not the words or their order."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
# Past this many words the passage is found by its opening and closing words (a regular
# expression over a whole long passage costs more, and says no more).
ENDS_WORDS = 12
MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
MAX_FORMATTED_BYTES = 8 * 1024 * 1024  # larger files are shown as their extracted text


# An ordered list item's number ("1." opening a line) is not in the text Qt shows for a Markdown
# list (it draws the number), so it may be missing there: such a word is optional.
_LIST_NUMBER = re.compile(r"(?m)^[ \t]*(\d+)[.)](?=[ \t]|$)")

Word = tuple[str, bool]  # the word, and whether it may be missing from the text shown


def _words(passage: str) -> list[Word]:
    numbers = {m.start(1) for m in _LIST_NUMBER.finditer(passage)}
    return [(m.group(), m.start() in numbers) for m in _WORD.finditer(passage)]


def _required_ends(words: list[Word]) -> list[Word]:
    """``words`` without optional ones at either end (a match starts and ends on a word)."""
    first = next((i for i, (_, optional) in enumerate(words) if not optional), len(words))
    last = next((i for i in range(len(words) - 1, -1, -1) if not words[i][1]), -1)
    return words[first:last + 1]


def _words_pattern(words: list[Word]) -> re.Pattern[str]:
    words = _required_ends(words)
    parts = [re.escape(words[0][0])] if words else []
    for word, optional in words[1:]:
        parts.append(rf"(?:\W*{re.escape(word)})?" if optional else rf"\W*{re.escape(word)}")
    return re.compile("".join(parts), re.IGNORECASE)


def find_passage(shown: str, passage: str, near: int = 0) -> tuple[int, int] | None:
    """Where ``passage``'s words stand, in order, in ``shown``: ``(start, end)`` character
    indexes, the occurrence nearest ``near`` if there are several; None if they are not
    there. Whitespace and punctuation between the words may differ."""
    words = _words(passage)
    if not _required_ends(words):
        return None
    if len(words) <= 2 * ENDS_WORDS:
        spans = [m.span() for m in _words_pattern(words).finditer(shown)]
    else:
        heads = [m.start() for m in _words_pattern(words[:ENDS_WORDS]).finditer(shown)]
        tail = _words_pattern(words[-ENDS_WORDS:])
        spans = []
        for head in heads:
            end = tail.search(shown, head)
            if end is not None:
                spans.append((head, end.end()))
    if not spans:
        return None
    start, end = min(spans, key=lambda span: abs(span[0] - near))
    closing = passage.rstrip()[len(passage.rstrip().rstrip(".,;:!?)\"'")):]
    if closing and shown.startswith(closing, end):  # the passage's closing punctuation too
        end += len(closing)
    return start, end


def formatted_kind(path: str) -> str | None:
    """``"markdown"`` or ``"html"`` for a document shown formatted, else None (plain text)."""
    lowered = path.lower()
    if lowered.endswith(MARKDOWN_SUFFIXES):
        return "markdown"
    if lowered.endswith(HTML_SUFFIXES):
        return "html"
    return None
