"""Terminal rendering for the CLI: search hits, documents, and a progress bar."""

from __future__ import annotations

import shutil
import sys
import textwrap
from typing import TextIO

from assistant.answers.answer import Answer
from assistant.library.documents import DocumentInfo, Hit
from assistant.text.formatting import location, plural


def format_hit(number: int, hit: Hit, width: int | None = None) -> str:
    """A numbered hit: title, location, score and a wrapped snippet."""
    width = width or min(100, shutil.get_terminal_size((100, 20)).columns)
    head = (f"[{number}] {hit.title} — {location(hit.page, hit.heading, hit.title)} "
            f"(score {hit.score:.3f}) [{hit.collection}]")
    snippet = " ".join(hit.text.split())
    if len(snippet) > 320:
        snippet = snippet[:317].rsplit(" ", 1)[0] + "…"
    body = textwrap.fill(snippet, width=width, initial_indent="    ", subsequent_indent="    ")
    return f"{head}\n    {hit.path}  chars {hit.start}–{hit.end}\n{body}"


def format_document(doc: DocumentInfo) -> str:
    """One line for a document listing."""
    pages = f", {plural(doc.pages, 'page')}" if doc.pages else ""
    return (f"{doc.id:>5}  [{doc.collection}] {doc.title} ({doc.kind}{pages}, "
            f"{plural(doc.chunks, 'chunk')})\n       {doc.path}")


class ProgressBar:
    """A one-line progress bar on a terminal; silent when the stream is not a terminal."""

    def __init__(self, stream: TextIO | None = None, *, minimum_total: int = 5) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.minimum_total = minimum_total
        self._shown = False

    def update(self, done: int, total: int, label: str = "") -> None:
        """Redraw the bar for ``done`` of ``total``."""
        if not self.enabled or total < self.minimum_total:
            return
        columns = shutil.get_terminal_size((80, 20)).columns
        width = 30
        filled = int(width * done / max(total, 1))
        text = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label}"
        self.stream.write("\r" + text[: columns - 1].ljust(columns - 1))
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        """Erase the bar so a normal line can be printed."""
        if self._shown:
            columns = shutil.get_terminal_size((80, 20)).columns
            self.stream.write("\r" + " " * (columns - 1) + "\r")
            self.stream.flush()
            self._shown = False


def format_answer_details(answer: Answer, width: int | None = None) -> str:
    """What follows a streamed answer: flagged sentences, evidence and numbered sources."""
    width = width or min(100, shutil.get_terminal_size((100, 20)).columns)
    lines: list[str] = []
    if answer.unsupported:
        lines.append("\nThe model also wrote (not supported by the sources):")
        for check in answer.unsupported:
            lines.append(textwrap.fill(f"! {check.claim.text} ({check.reason})", width=width,
                                       subsequent_indent="  "))
    if answer.evidence:
        lines.append("\nEvidence:")
        for item in answer.evidence:
            where = location(item.page, item.heading, item.title)
            lines.append(textwrap.fill(f"[{item.sentence.source}] \"{item.sentence.text}\" "
                                       f"— {item.title}, {where}", width=width,
                                       subsequent_indent="    "))
    if answer.sources:
        lines.append("\nSources:")
        for number, hit in enumerate(answer.sources, start=1):
            lines.append(f"[{number}] {hit.title} — {location(hit.page, hit.heading, hit.title)}"
                         f" (score {hit.score:.3f})\n    {hit.path}  chars {hit.start}–{hit.end}")
    t = answer.timings
    if answer.abstained:
        lines.append(f"\nNo answer generated; search {t.retrieval_ms:.0f} ms")
        return "\n".join(lines)
    if answer.calculation is not None:
        lines.append(f"\nComputed by the calculator, with the sources' own words (no text "
                     f"generated); {t.total_ms:.0f} ms")
        return "\n".join(lines)
    if not t.completion_tokens:
        lines.append(f"\nQuoted from the sources (no text generated); {t.total_ms:.0f} ms")
        return "\n".join(lines)
    lines.append(f"\n{answer.model}: {t.completion_tokens} tokens, first after "
                 f"{t.ttft_ms / 1000:.1f} s, {t.decode_tokens_per_s:.0f} tokens/s; "
                 f"search {t.retrieval_ms:.0f} ms")
    return "\n".join(lines)
