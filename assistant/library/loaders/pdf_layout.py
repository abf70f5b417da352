"""A PDF's lines read for structure: headings by type size and weight, running heads and
feet dropped.

Pure: text runs (as pypdf hands them to a text visitor, each with its font size and font
name) in, lines and sections out. A PDF has no headings of its own, only bigger or bolder
type; a line set apart that way from the body text is a heading, and lines repeated at the
edge of most pages ("Journal of X - page 3") are furniture, not text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

# A heading is at least this much bigger than the body text (in points), or bold at about
# the body's size; it is at most this many characters (a longer bold line is emphasis).
LARGER_BY = 1.0
HEADING_CHARS = 150
# Past this share of the body-size text in bold, bold is the body's face and marks nothing.
BOLD_SHARE = 0.3
# Figure and table labels: at most this many words, in type at most this share of the body's.
LABEL_WORDS = 12
SMALLER = 0.85
# A line repeated at the top or bottom of this share of pages (and of at least two) is a
# running head or foot; only this many lines at each edge of a page are looked at.
RUNNING_SHARE = 0.5
EDGE_LINES = 2
RUNNING_MAX_SHARE = 0.15  # of a document's characters, at most, left out as furniture

# Bold and monospaced faces by name, TeX's among them (CMBX, NimbusRomNo9L-Medi; CMTT); a
# font's own descriptor flags are read too (see ``Run``).
_BOLD = re.compile(r"bold|black|heavy|demi|cmbx|-medi$", re.IGNORECASE)
_MONOSPACE = re.compile(r"courier|mono|consol|menlo|typewriter|code|cmtt", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_LETTER = re.compile(r"[^\W\d_]")
_PAGE_NUMBER = re.compile(
    r"(?:page\s*)?(\d{1,4})(?:\s*(?:of|/)\s*\d{1,4})?|[-–]\s*(\d{1,4})\s*[-–]", re.IGNORECASE)


@dataclass(frozen=True)
class Run:
    """A piece of a page's text with the size (points, as printed) and font it is set in;
    ``bold`` and ``mono`` where the font says so in its descriptor, whatever its name."""

    text: str
    size: float
    font: str = ""
    bold: bool = False
    mono: bool = False


@dataclass(frozen=True)
class Line:
    """One line of a page: its text, the size most of its characters are set in, and whether
    all of them are bold, or monospaced (code)."""

    text: str
    size: float
    bold: bool
    mono: bool = False


@dataclass(frozen=True)
class Block:
    """Text of one page under one heading path (``None`` before the first heading)."""

    text: str
    heading: str | None


def page_lines(runs: Sequence[Run]) -> list[Line]:
    """The page's lines, in the order pypdf extracts them (runs joined, cut at newlines)."""
    lines: list[Line] = []
    text: list[str] = []
    sizes: Counter[float] = Counter()
    bold = mono = True

    def close() -> None:
        nonlocal bold, mono
        joined = "".join(text)
        if joined.strip():
            size = sizes.most_common(1)[0][0] if sizes else 0.0
            lines.append(Line(joined, size, bold and bool(sizes), mono and bool(sizes)))
        text.clear()
        sizes.clear()
        bold = mono = True

    for run in runs:
        pieces = run.text.split("\n")
        for n, piece in enumerate(pieces):
            if n:
                close()
            text.append(piece)
            visible = len(piece.strip())
            if visible:
                sizes[round(run.size, 1)] += visible
                bold = bold and (run.bold or bool(_BOLD.search(run.font)))
                mono = mono and (run.mono or bool(_MONOSPACE.search(run.font)))
    close()
    return lines


def running_lines(pages: Sequence[Sequence[Line]]) -> set[str]:
    """Lines (with digits as ``#``) repeated at the top of most pages, or at the foot; a
    shape without a letter (a row of figures) is text."""
    if len(pages) < 2:
        return set()
    seen: Counter[tuple[str, str]] = Counter()
    for lines in pages:
        seen.update({("top", _shape(line.text)) for line in lines[:EDGE_LINES]})
        seen.update({("foot", _shape(line.text)) for line in lines[-EDGE_LINES:]})
    needed = max(2, RUNNING_SHARE * len(pages))
    running = {shape for (_, shape), count in seen.items()
               if count >= needed and _LETTER.search(shape)}
    # Furniture is a small part of a document: past that, the pages repeat their own text
    # ("Page 3. The reservoir number 3 stores …" on every page) and nothing is left out.
    total = sum(_length(lines) for lines in pages)
    kept = sum(_length(without_running(lines, running)) for lines in pages)
    return running if total - kept <= RUNNING_MAX_SHARE * total else set()


def page_number_offset(pages: Sequence[Sequence[Line]]) -> int | None:
    """How a document's printed page numbers ("7", "Page 7 of 9", "- 7 -" alone on a line at
    a page's edge) run from its page count (printed = index + offset), if most pages show
    one; None if they do not."""
    offsets: Counter[int] = Counter()
    for index, lines in enumerate(pages, start=1):
        found = {number - index for number in map(_page_number, _edges(lines))
                 if number is not None}
        offsets.update(found)
    if len(pages) < 2 or not offsets:
        return None
    offset, count = offsets.most_common(1)[0]
    return offset if count >= max(2, RUNNING_SHARE * len(pages)) else None


def _edges(lines: Sequence[Line]) -> list[Line]:
    return [*lines[:EDGE_LINES], *lines[-EDGE_LINES:]]


def _page_number(line: Line) -> int | None:
    match = _PAGE_NUMBER.fullmatch(line.text.strip())
    return int(match.group(1) or match.group(2)) if match else None


def _length(lines: Sequence[Line]) -> int:
    return sum(len(line.text) for line in lines)


def without_running(lines: Sequence[Line], running: set[str],
                    number: int | None = None) -> list[Line]:
    """``lines`` less the running heads and feet at the page's edges, and the page's printed
    ``number`` alone on a line there ("7", "Page 7 of 9", "- 7 -")."""
    kept = list(lines)
    for edge in (0, -1):
        for _ in range(EDGE_LINES):
            if kept and (_shape(kept[edge].text) in running
                         or (number is not None and _page_number(kept[edge]) == number)):
                kept.pop(edge)
    return kept


def body_size(pages: Sequence[Sequence[Line]]) -> float:
    """The size most of the document's characters are set in."""
    sizes: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            sizes[line.size] += len(line.text.strip())
    return sizes.most_common(1)[0][0] if sizes else 0.0


def is_heading(line: Line, body: float) -> bool:
    """Whether ``line`` is set apart as a heading: bigger than the body text, or all bold
    at about its size, short, and not a sentence (ending in ".", or running on with ",")."""
    text = line.text.strip()
    if not (2 <= len(text) <= HEADING_CHARS) or not _LETTER.search(text):
        return False
    if text.endswith((",", ";", ".")) or text[0].islower() or line.mono:
        return False
    if line.size >= body + LARGER_BY:
        return True
    return line.bold and line.size >= body - 0.5 and not text.endswith(":")


def is_label(line: Line, body: float, following: Line | None = None) -> bool:
    """Whether ``line`` is a label of a figure or table: a few words in type smaller than the
    body's, ending no sentence, not run on by the ``following`` line (a footnote wrapping
    onto "its next line"). It stands as a paragraph of its own, so labels are not read as one
    long sentence."""
    text = line.text.strip()
    runs_on = following is not None and following.size == line.size \
        and following.text.strip()[:1].islower()
    return (body > 0 and line.size <= body * SMALLER and len(text.split()) <= LABEL_WORDS
            and not text.endswith((".", "!", "?", ":", ";", ","))
            and not text[:1].islower() and not runs_on and not line.mono)


def heading_marks(lines: Sequence[Line], body: float,
                  sizes: Collection[float] | None = None) -> list[bool]:
    """Which of a page's lines are headings (of ``sizes``, if given): lines set apart as
    :func:`is_heading` says, whose run of lines in the same type holds at most
    ``HEADING_CHARS`` characters (a title wrapped over lines); a longer run is a paragraph in
    bigger type (an abstract)."""
    marks = [is_heading(line, body) and (sizes is None or line.size in sizes)
             for line in lines]
    first = 0
    while first < len(lines):
        last = first  # the run: following lines in the same type, headings or not
        while (marks[first] and last + 1 < len(lines)
               and (lines[last + 1].size, lines[last + 1].bold) == (lines[first].size,
                                                                   lines[first].bold)):
            last += 1
        if marks[first] and sum(len(line.text.strip()) + 1
                                for line in lines[first:last + 1]) > HEADING_CHARS + 1:
            marks[first:last + 1] = [False] * (last + 1 - first)
        first = last + 1
    return marks


def heading_levels(pages: Sequence[Sequence[Line]], body: float) -> dict[float, int]:
    """Heading sizes, biggest first, as levels 1, 2, …; bold body-size headings come last,
    unless bold is how the body is set (more than a share of its lines' characters)."""
    lines = [line for page in pages for line in page]
    at_body = sum(len(line.text) for line in lines if line.size < body + LARGER_BY)
    bold = sum(len(line.text) for line in lines if line.size < body + LARGER_BY and line.bold)
    bold_heads = bold <= BOLD_SHARE * at_body
    sizes = {line.size for page in pages
             for line, mark in zip(page, heading_marks(page, body), strict=True)
             if mark and (bold_heads or line.size >= body + LARGER_BY)}
    return {size: level for level, size in enumerate(sorted(sizes, reverse=True), start=1)}


def first_title(lines: Sequence[Line], body: float, levels: dict[float, int]) -> str | None:
    """The first top-level heading of a page (a document's title on its first page), its
    lines joined."""
    marks = heading_marks(lines, body, levels)
    title: list[str] = []
    for line, mark in zip(lines, marks, strict=True):
        if mark and levels[line.size] == 1:
            title.append(" ".join(line.text.split()))
        elif title:
            break
    return " ".join(title) or None


def page_blocks(lines: Sequence[Line], body: float, levels: dict[float, int],
                stack: list[tuple[int, str]]) -> list[Block]:
    """A page cut at its headings, each block named by the heading path it falls under
    (``Title > Part > Sub``). ``stack`` (level, title) is the path open at the page's start;
    it is updated, so the next page continues under the same path. Consecutive heading
    lines of one size are one heading wrapped over lines; a heading, a figure's label and a
    run of code lines each stand as paragraphs of their own."""
    blocks: list[Block] = []
    current: list[str] = []
    path = _path(stack)
    previous_heading: Line | None = None
    in_code = False
    marks = heading_marks(lines, body, levels)
    for n, line in enumerate(lines):
        if line.mono != in_code:  # a run of code lines is a paragraph of its own
            current.append("")
            in_code = line.mono
        if marks[n]:
            level = levels[line.size]
            title = " ".join(line.text.split())
            if (previous_heading is not None and previous_heading.size == line.size
                    and stack and len(stack[-1][1]) + len(title) < HEADING_CHARS):
                stack[-1] = (level, f"{stack[-1][1]} {title}")
            else:
                if "".join(current).strip():
                    blocks.append(Block("\n".join(current), path))
                current = []
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, title))
            path = _path(stack)
            previous_heading = line
        else:
            if previous_heading is not None:
                current.append("")  # the heading is a paragraph of its own
            previous_heading = None
            if is_label(line, body, lines[n + 1] if n + 1 < len(lines) else None):
                current += ["", line.text, ""]
                continue
        current.append(line.text)
    if "".join(current).strip():
        blocks.append(Block("\n".join(current), path))
    return blocks


def _path(stack: Sequence[tuple[int, str]]) -> str | None:
    return " > ".join(title for _, title in stack) or None


def _shape(text: str) -> str:
    return " ".join(_DIGITS.sub("#", text).split()).lower()
