"""Render the library's PDF note from its Markdown source (run after editing the source).

    .venv/bin/python scripts/build_library_pdf.py

Writes assistant/bundled/library/energy-cost-per-bitcoin.pdf (the library ships inside the
package) from resources/library_src/energy-cost-per-bitcoin.md: headings, paragraphs and
bullet lists, with a page footer. The output is deterministic (fixed creation date), so an
unchanged source gives an identical file and the library is not re-indexed for nothing.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from fpdf import FPDF

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "library_src" / "energy-cost-per-bitcoin.md"
TARGET = ROOT / "assistant" / "bundled" / "library" / "energy-cost-per-bitcoin.pdf"


class NotePDF(FPDF):
    """A4 pages with a centred page-number footer."""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=8)
        self.cell(0, 10, f"Offgrid research library - page {self.page_no()}", align="C")


def render(source: Path, target: Path) -> int:
    """Render ``source`` Markdown to ``target``; return the page count."""
    lines = source.read_text(encoding="utf-8").splitlines()
    title = next((line[2:].strip() for line in lines if line.startswith("# ")), source.stem)
    pdf = NotePDF(format="A4")
    pdf.set_title(title)
    pdf.set_author("Offgrid")
    pdf.set_creation_date(dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            pdf.set_font("Helvetica", size=11)
            pdf.multi_cell(0, 5.5, " ".join(paragraph), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            paragraph.clear()

    for line in lines:
        stripped = line.strip()
        if not stripped:
            flush()
        elif stripped.startswith("# "):
            flush()
            pdf.set_font("Helvetica", style="B", size=18)
            pdf.multi_cell(0, 8, stripped[2:], new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        elif stripped.startswith("## "):
            flush()
            pdf.ln(2)
            pdf.set_font("Helvetica", style="B", size=13)
            pdf.multi_cell(0, 7, stripped[3:], new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif stripped.startswith(("- ", "* ")):
            flush()
            pdf.set_font("Helvetica", size=11)
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(0, 5.5, "- " + stripped[2:], new_x="LMARGIN", new_y="NEXT")
        else:
            paragraph.append(stripped)
    flush()
    target.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(target))
    return pdf.page_no()


if __name__ == "__main__":
    pages = render(SOURCE, TARGET)
    print(f"wrote {TARGET.relative_to(ROOT)} ({pages} pages)", file=sys.stderr)
