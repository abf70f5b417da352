"""Sections of text under its headings, found by markdown-it-py's CommonMark parser.

The parser's block tokens carry the lines they span (``token.map``), so a heading is found as
Markdown defines it: ``#`` lines and underlined (setext) titles, never a ``#`` inside a code
fence of any length or character, an indented code block, an HTML block or a block quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from assistant.library.documents import Section

# Markdown as CommonMark reads it; plain text reads only underlined titles (a ``#`` line or an
# indented line in a .txt file is text). Tables and strikethrough change no heading.
_MARKDOWN = MarkdownIt("commonmark")
_PLAIN = MarkdownIt("zero").enable("lheading")
# YAML front matter (``---`` at the very top, then ``key:`` lines, closed by ``---`` or
# ``...``): metadata, whose closing line would otherwise underline its last key as a heading.
_FRONT_MATTER = re.compile(
    r"---[ \t]*\n[\w-]+[ \t]*:.*\n(?:.*\n)*?(?:---|\.\.\.)[ \t]*(?:\n|$)")
_PLAIN_TITLE_CHARS = 120  # a longer underlined line in plain text is a paragraph, not a title


@dataclass(frozen=True)
class Heading:
    """A heading: the line it starts on (0-based), its level (1-6) and its plain title."""

    line: int
    level: int
    title: str


def markdown_sections(text: str, *, atx: bool = True) -> tuple[list[Section], str | None]:
    """Split Markdown into sections under each heading; return them and the first H1.

    With ``atx`` false (plain text), only a single line underlined with ``===`` (level 1) or
    ``---`` (level 2) is a heading.
    """
    found = markdown_headings(text) if atx else plain_text_headings(text)
    return sections_under(text, found), next((h.title for h in found if h.level == 1), None)


def markdown_headings(text: str) -> list[Heading]:
    """The document's own headings (not those quoted or inside list items), in order."""
    skipped = _front_matter_lines(text)
    tokens = _MARKDOWN.parse(text.split("\n", skipped)[-1] if skipped else text)
    return [Heading(line + skipped, level, title)
            for line, level, title, _ in _heading_tokens(tokens)]


def plain_text_headings(text: str) -> list[Heading]:
    """Underlined titles of a plain text file: one line of at most 120 characters over a line
    of three or more ``=`` or ``-``."""
    headings = []
    for line, level, title, lines in _heading_tokens(_PLAIN.parse(text)):
        underline = text.split("\n", line + 2)[line + 1].strip() if lines == 2 else ""
        if lines == 2 and len(underline) >= 3 and len(title) <= _PLAIN_TITLE_CHARS:
            headings.append(Heading(line, level, title))
    return headings


def sections_under(text: str, headings: Sequence[Heading]) -> list[Section]:
    """``text`` cut at each heading's first line, each part named by its heading path
    (``Title > Part > Sub``); parts holding only white space are left out."""
    line_starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
    sections: list[Section] = []
    stack: list[Heading] = []
    start, path = 0, None
    for heading in headings:
        offset = line_starts[heading.line]
        if text[start:offset].strip():
            sections.append(Section(start, offset, None, path))
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        stack.append(heading)
        start, path = offset, " > ".join(h.title for h in stack)
    if text[start:].strip():
        sections.append(Section(start, len(text), None, path))
    return sections


def _heading_tokens(tokens: Sequence[Token]) -> list[tuple[int, int, str, int]]:
    """(first line, level, plain title, lines spanned) of each top-level heading with a title."""
    found = []
    for opening, inline in zip(tokens, tokens[1:], strict=False):
        if opening.type != "heading_open" or opening.level != 0 or opening.map is None:
            continue
        title = " ".join(_plain(inline.children or []).split())
        if title:
            first, end = opening.map
            found.append((first, int(opening.tag[1]), title, end - first))
    return found


def _plain(children: Sequence[Token]) -> str:
    """A heading's inline tokens as plain text: ``The *big* `code` [link](x)`` is
    ``The big code link``; inline HTML tags are dropped."""
    parts = []
    for child in children:
        if child.type in ("text", "code_inline", "image"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _front_matter_lines(text: str) -> int:
    """How many lines YAML front matter takes at the top of ``text`` (0 without any)."""
    match = _FRONT_MATTER.match(text)
    return match.group().count("\n") if match else 0
