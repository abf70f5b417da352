"""Turn a file into an :class:`ExtractedDocument`, choosing the loader by file type."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.errors import IngestError
from assistant.library.documents import ExtractedDocument
from assistant.library.loaders.docx import load_docx
from assistant.library.loaders.html import load_html
from assistant.library.loaders.markdown import load_markdown
from assistant.library.loaders.pdf import load_pdf
from assistant.library.loaders.text import load_text

Loader = Callable[[Path], ExtractedDocument]
Pause = Callable[[], object]

LOADERS: dict[str, Loader] = {
    ".txt": load_text,
    ".text": load_text,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
}
# The file types Offgrid reads, for file dialogs and messages.
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(sorted(LOADERS))
# Loaders of long, paged documents take a ``pause`` called between pages.
PAGED_LOADERS: dict[str, Callable[[Path, Pause | None], ExtractedDocument]] = {".pdf": load_pdf}

# What one document may hold: past these it is data, a generated file or an attack, and
# indexing it would bury the library in tens of thousands of chunks.
MAX_TEXT_CHARS = 20_000_000   # about 4,000 pages of prose
MAX_LINE_CHARS = 1_000_000    # a "line" longer than this is not text meant to be read

# Bumped whenever a loader or the chunker changes what it extracts, so stored documents
# parsed by an older version are re-indexed on the next ingest.
PARSER_VERSION = 4


def is_supported(path: Path) -> bool:
    """Whether Offgrid can read files of this type."""
    return path.suffix.lower() in LOADERS


def load_document(path: Path, pause: Pause | None = None) -> ExtractedDocument:
    """Extract the text of ``path``; raise :class:`IngestError` with a specific reason.

    ``pause`` is called between pages of long documents, so background parsing can wait
    while the user is being answered.
    """
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise IngestError(f"unsupported type '{path.suffix or '(none)'}' (supported: {supported})")
    try:
        paged = PAGED_LOADERS.get(path.suffix.lower())
        document = paged(path, pause) if paged is not None else loader(path)
    except IngestError:
        raise
    except MemoryError as exc:
        raise IngestError("too large to extract in memory") from exc
    except OSError as exc:
        raise IngestError(f"unreadable: {exc.strerror or exc}") from exc
    except Exception as exc:  # a parser choking on a damaged file must not stop a batch
        raise IngestError(f"unreadable {path.suffix.lower()[1:].upper()} file: "
                          f"{type(exc).__name__}: {exc}") from exc
    if not document.text.strip():
        raise IngestError("no extractable text (empty, or only images such as a scanned PDF)")
    if len(document.text) > MAX_TEXT_CHARS:
        raise IngestError(f"too much text ({len(document.text):,} characters; the limit is "
                          f"{MAX_TEXT_CHARS:,})")
    longest = max(len(line) for line in document.text.split("\n"))
    if longest > MAX_LINE_CHARS:
        raise IngestError(f"a single line of {longest:,} characters: not a document to read "
                          "(minified or generated data?)")
    return document
