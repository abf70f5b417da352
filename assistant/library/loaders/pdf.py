"""PDF files: text page by page with pypdf, each page its own section."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from assistant.errors import IngestError
from assistant.library.documents import ExtractedDocument, TextBuilder

logging.getLogger("pypdf").setLevel(logging.ERROR)


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
        builder = TextBuilder()
        for number, page in enumerate(reader.pages, start=1):
            if pause is not None:
                pause()
            builder.add(page.extract_text() or "", page=number, separator="\n\n")
        pages = len(reader.pages)
        text = builder.text()
        title = _metadata_title(reader) or _first_line_title(text) or path.stem
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
