"""Markdown files: the source text as written, sectioned by its heading path."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.library.documents import ExtractedDocument, Section
from assistant.library.loaders.text import decode_text

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def markdown_sections(text: str) -> tuple[list[Section], str | None]:
    """Split Markdown into sections under each heading; return them and the first H1."""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    first_h1: str | None = None
    in_fence = False
    section_start = 0
    heading: str | None = None
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\n")
        if _FENCE.match(stripped):
            in_fence = not in_fence
        match = None if in_fence else _ATX.match(stripped)
        if match:
            if offset > section_start and text[section_start:offset].strip():
                sections.append(Section(section_start, offset, None, heading))
            level, title = len(match.group(1)), match.group(2).strip()
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


def load_markdown(path: Path) -> ExtractedDocument:
    """A ``.md`` file; offsets point into the file's own text."""
    text = decode_text(path.read_bytes())
    sections, first_h1 = markdown_sections(text)
    return ExtractedDocument(
        text=text, title=first_h1 or path.stem, kind="markdown", sections=tuple(sections)
    )
