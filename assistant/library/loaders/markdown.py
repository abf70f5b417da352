"""Markdown files: the source text as written, sectioned by its heading path."""

from __future__ import annotations

from pathlib import Path

from assistant.library.documents import ExtractedDocument
from assistant.library.loaders.headings import markdown_sections
from assistant.library.loaders.text import decode_text


def load_markdown(path: Path) -> ExtractedDocument:
    """A ``.md`` file; offsets point into the file's own text."""
    text = decode_text(path.read_bytes())
    sections, first_h1 = markdown_sections(text)
    return ExtractedDocument(
        text=text, title=first_h1 or path.stem, kind="markdown", sections=tuple(sections)
    )
