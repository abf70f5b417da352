"""Word (.docx) files: paragraphs and tables in order, sectioned by heading styles."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from assistant.errors import IngestError
from assistant.library.documents import ExtractedDocument, TextBuilder

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)


def load_docx(path: Path) -> ExtractedDocument:
    """A ``.docx`` file; a heading path is built from 'Heading N' paragraph styles."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if not zipfile.is_zipfile(path):
        raise IngestError("not a DOCX file (damaged, or not a Word document)")
    try:
        document = docx.Document(str(path))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise IngestError(f"not a valid DOCX file: {exc}") from exc
    builder = TextBuilder()
    stack: list[tuple[int, str]] = []
    title = ""
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if not text:
                continue
            style = (block.style.name if block.style is not None else "") or ""
            match = _HEADING_STYLE.match(style)
            if style.lower() == "title":
                title = title or text
                level = 0  # the root of every heading path
            elif match:
                level = int(match.group(1))
            else:
                level = -1
            if level >= 0:
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, text))
                if level <= 1 and not title:
                    title = text
            heading = " > ".join(name for _, name in stack) or None
            builder.add(text, heading=heading)
        elif isinstance(block, Table):
            heading = " > ".join(name for _, name in stack) or None
            rows = [" | ".join(cell.text.strip() for cell in row.cells) for row in block.rows]
            builder.add("\n".join(rows), heading=heading)
    core_title = (document.core_properties.title or "").strip()
    return ExtractedDocument(
        text=builder.text(), title=core_title or title or path.stem, kind="docx",
        sections=tuple(builder.sections),
    )
