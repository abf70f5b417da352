"""PDF files: text page by page with pypdf, cut at the headings its type sizes show
(:mod:`~assistant.library.loaders.pdf_layout`), running heads and feet left out."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import IngestError
from assistant.library.documents import ExtractedDocument, TextBuilder
from assistant.library.loaders.pdf_layout import (
    Line,
    Run,
    body_size,
    first_title,
    heading_levels,
    page_blocks,
    page_lines,
    page_number_offset,
    running_lines,
    without_running,
)

if TYPE_CHECKING:
    from pypdf import PageObject

logging.getLogger("pypdf").setLevel(logging.ERROR)
ROTATED = 0.01  # a run turned more than about half a degree is rotated
FIXED_PITCH, FORCE_BOLD = 1, 1 << 18  # PDF font descriptor flags (bits 1 and 19)
BOLD_WEIGHT = 600


def load_pdf(path: Path, pause: Callable[[], object] | None = None) -> ExtractedDocument:
    """A ``.pdf`` file; page numbers are 1-based as a reader counts them. ``pause`` is
    called before each page."""
    from pypdf import PdfReader, errors
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    LimitReachedError = getattr(errors, "LimitReachedError", PdfReadError)  # noqa: N806

    with path.open("rb") as handle:
        if b"%PDF-" not in handle.read(1024):
            raise IngestError("not a PDF file (its content does not start like a PDF)")
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            try:
                unlocked = bool(reader.decrypt(""))  # PasswordType.NOT_DECRYPTED is 0
            except Exception:
                unlocked = False
            if not unlocked:
                raise IngestError("encrypted PDF: cannot extract text without its password")
        pages_lines: list[list[Line]] = []
        for page in reader.pages:
            if pause is not None:
                pause()
            pages_lines.append(page_lines(_runs(page)))
        running, offset = running_lines(pages_lines), page_number_offset(pages_lines)
        pages_lines = [without_running(lines, running, None if offset is None else n + offset)
                       for n, lines in enumerate(pages_lines, start=1)]
        body = body_size(pages_lines)
        levels = heading_levels(pages_lines, body)
        builder = TextBuilder()
        stack: list[tuple[int, str]] = []
        for number, lines in enumerate(pages_lines, start=1):
            for block in page_blocks(lines, body, levels, stack):  # a heading starts a paragraph
                builder.add(block.text, page=number, heading=block.heading, separator="\n\n")
        heading_title = first_title(pages_lines[0], body, levels) if pages_lines else None
        pages = len(reader.pages)
        text = builder.text()
        title = (_metadata_title(reader) or heading_title or _first_line_title(text)
                 or path.stem)
    except LimitReachedError as exc:
        raise IngestError("damaged or hostile PDF: a stream inflates past the safe limit "
                          f"({exc})") from exc
    except FileNotDecryptedError as exc:
        raise IngestError("encrypted PDF: cannot extract text without its password") from exc
    except PdfReadError as exc:
        raise IngestError(f"damaged PDF: {exc}") from exc
    return ExtractedDocument(
        text=text, title=title, kind="pdf", sections=tuple(builder.sections),
        pages=pages,
    )


def _runs(page: PageObject) -> list[Run]:
    """The page's text as pypdf extracts it, in runs with the size each is printed at (the
    font size scaled by the text and graphics matrices). Rotated text (a "Draft" watermark,
    a turned table) counts as size 0: it heads nothing."""
    runs: list[Run] = []

    def visit(text: str, cm: Sequence[float], tm: Sequence[float], font: object,
              size: float) -> None:
        scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
        turned = abs(tm[0] * cm[1] + tm[1] * cm[3]) > ROTATED * (scale or 1.0)
        font_dict = font if isinstance(font, dict) else {}
        runs.append(Run(text, 0.0 if turned else float(size or 0) * (scale or 1.0),
                        str(font_dict.get("/BaseFont", "")), *_style(font_dict)))

    page.extract_text(visitor_text=visit)
    return runs


def _style(font: Mapping[str, Any]) -> tuple[bool, bool]:
    """Whether a font's descriptor says it is bold (ForceBold, or a weight of 600 or more)
    and monospaced (FixedPitch)."""
    try:
        descriptor = font.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        flags = int(descriptor.get("/Flags", 0))
        weight = float(descriptor.get("/FontWeight", 0))
    except Exception:  # a damaged or unusual font dictionary says nothing
        return False, False
    return bool(flags & FORCE_BOLD) or weight >= BOLD_WEIGHT, bool(flags & FIXED_PITCH)


def _first_line_title(text: str) -> str | None:
    """The first line of the first page, when it is shaped like a title."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if 8 <= len(first) <= 150 and not first.endswith(".") else None


def _metadata_title(reader: object) -> str | None:
    try:
        title = reader.metadata.title  # type: ignore[attr-defined]
    except Exception:
        return None
    if isinstance(title, str) and title.strip() and not title.lower().endswith((".doc", ".pdf")):
        return title.strip()
    return None
