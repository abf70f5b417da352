"""Sections of text under its headings: Markdown's ``#`` lines and underlined titles."""

from __future__ import annotations

import re

from assistant.library.documents import Section

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


def markdown_sections(text: str, *, atx: bool = True) -> tuple[list[Section], str | None]:
    """Split Markdown into sections under each heading; return them and the first H1.

    Headings are ``#`` lines (unless ``atx`` is false, as for plain text) and lines
    underlined with ``===`` (level 1) or ``---`` (level 2).
    """
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    first_h1: str | None = None
    in_fence = False
    section_start = 0
    heading: str | None = None
    offset = 0
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        stripped = line.rstrip("\n")
        if _FENCE.match(stripped):
            in_fence = not in_fence
        found = None if in_fence else _heading(stripped, lines[index + 1:index + 2], atx=atx)
        if found:
            if offset > section_start and text[section_start:offset].strip():
                sections.append(Section(section_start, offset, None, heading))
            level, title = found
            if level == 1 and first_h1 is None:
                first_h1 = title
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
            heading = " > ".join(name for _, name in stack)
            section_start = offset
        offset += len(line)
    if text[section_start:].strip():
        sections.append(Section(section_start, len(text), None, heading))
    return sections, first_h1


def _heading(line: str, following: list[str], *, atx: bool) -> tuple[int, str] | None:
    """The level and title if ``line`` is a heading: ``## Title``, or a line of text with
    ``===`` or ``---`` under it."""
    match = _ATX.match(line) if atx else None
    if match:
        return len(match.group(1)), match.group(2).strip()
    underline = _UNDERLINE.match(following[0].rstrip("\n")) if following else None
    if (underline and len(underline.group(1)) >= 3 and line.strip()
            and not _UNDERLINE.match(line) and len(line.strip()) <= 120):
        return (1 if underline.group(1)[0] == "=" else 2), line.strip()
    return None
