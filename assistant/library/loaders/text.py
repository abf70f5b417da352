"""Plain text files, and the text decoding shared by every text-based format."""

from __future__ import annotations

from pathlib import Path

from assistant.errors import IngestError
from assistant.library.documents import ExtractedDocument, Section
from assistant.library.loaders.headings import markdown_sections


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16 with BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if b"\x00" in data:
            raise IngestError("not a text file (binary content)") from None
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise IngestError("not valid UTF-8 or Windows-1252 text") from None
    if "\x00" in text:
        raise IngestError("not a text file (binary content)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_text(path: Path) -> ExtractedDocument:
    """A ``.txt`` file, in sections under its underlined headings (``Title`` over ``===``
    or ``---``) if it has any, else one section; the first ``===`` heading is the title."""
    text = decode_text(path.read_bytes())
    sections, first = markdown_sections(text, atx=False)
    return ExtractedDocument(
        text=text, title=first or path.stem, kind="text",
        sections=tuple(sections) or (Section(0, len(text)),),
    )
