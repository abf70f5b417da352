"""Split an extracted document into overlapping passages with exact offsets.

Pure functions: a chunk never crosses a section (a PDF page or a heading), its text is always
``document.text[start:end]``, and it breaks at sentence or paragraph ends where it can.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.library.documents import Chunk, ExtractedDocument, Section
from assistant.text.sentences import continues, sentence_spans, trimmed


@dataclass(frozen=True)
class ChunkingParams:
    """Sizes in characters. About 600 characters (~130 tokens) keeps a passage focused
    enough for a dense match on one idea, well within all-MiniLM-L6-v2's 256-token window."""

    target_chars: int = 600
    overlap_chars: int = 120
    min_section_chars: int = 120


def _hard_split(text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
    """Cut an over-long unit (no sentence breaks) at spaces, or anywhere if it has none."""
    pieces: list[tuple[int, int]] = []
    while end - start > size:
        cut = text.rfind(" ", start + size // 2, start + size)
        cut = cut if cut > start else start + size
        pieces.extend(trimmed(text, start, cut))
        start = cut
    pieces.extend(trimmed(text, start, end))
    return pieces


def merge_small_sections(sections: tuple[Section, ...], min_chars: int) -> list[Section]:
    """Fold a tiny section (e.g. a lone title) into the next one on the same page."""
    merged: list[Section] = []
    carry: Section | None = None
    for section in sections:
        if carry is not None:
            if carry.page == section.page:
                section = Section(carry.start, section.end, section.page, section.heading)
            else:
                merged.append(carry)
            carry = None
        if section.end - section.start < min_chars:
            carry = section
        else:
            merged.append(section)
    if carry is not None:
        merged.append(carry)
    return merged


def chunk_document(document: ExtractedDocument,
                   params: ChunkingParams | None = None) -> list[Chunk]:
    """Passages of about ``target_chars``, overlapping by whole sentences."""
    params = params or ChunkingParams()
    text = document.text
    chunks: list[Chunk] = []
    for section in merge_small_sections(document.sections, params.min_section_chars):
        units: list[tuple[int, int]] = []
        for start, end in sentence_spans(text, section.start, section.end):
            units.extend(_hard_split(text, start, end, params.target_chars))
        first = 0
        while first < len(units):
            last = first
            while (last + 1 < len(units)
                   and units[last + 1][1] - units[first][0] <= params.target_chars):
                last += 1
            start, end = units[first][0], units[last][1]
            chunks.append(Chunk(len(chunks), text[start:end], start, end,
                                section.page, section.heading))
            if last + 1 >= len(units):
                break
            # Step back over whole units for the overlap, always moving forward.
            next_first = last + 1
            while (next_first - 1 > first
                   and end - units[next_first - 1][0] <= params.overlap_chars):
                next_first -= 1
            opening = text[slice(*units[next_first])]
            if (next_first - 1 > first and len(opening) <= params.overlap_chars // 2
                    and continues(opening)):
                next_first -= 1  # a short "That implies …" starts no passage alone
            first = next_first
    return chunks
