"""Generate test documents of every supported format (and broken ones) in code."""

from __future__ import annotations

from pathlib import Path


def make_pdf(path: Path, pages: list[str], *, title: str | None = None,
             user_password: str | None = None) -> Path:
    """A text PDF with one string per page (Latin-1 text, core font)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(auto=False)
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, text)
    if user_password is not None:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    pdf.output(str(path))
    return path


def make_report_pdf(path: Path, pages: list[list[tuple[str, str]]], *,
                    footer: str | None = None, watermark: str | None = None) -> Path:
    """A PDF laid out like a report: each page a list of (style, text), style ``title``
    (18 pt bold), ``h`` (13 pt bold), ``b`` (11 pt bold) or ``p`` (11 pt); ``footer``
    (``{page}`` filled in) printed in 8 pt at the foot of every page; ``watermark`` in 60 pt
    bold, turned 45 degrees, across the first page before its text."""
    from fpdf import FPDF

    class Report(FPDF):
        def footer(self) -> None:
            if footer:
                self.set_y(-15)
                self.set_font("Helvetica", size=8)
                self.cell(0, 10, footer.format(page=self.page_no()), align="C")

    styles = {"title": ("B", 18), "h": ("B", 13), "b": ("B", 11), "p": ("", 11)}
    pdf = Report()
    pdf.set_auto_page_break(auto=False)
    for number, blocks in enumerate(pages):
        pdf.add_page()
        if watermark and number == 0:
            with pdf.rotation(45, x=60, y=200):
                pdf.set_font("Helvetica", style="B", size=60)
                pdf.text(60, 200, watermark)
        for style, text in blocks:
            weight, size = styles[style]
            pdf.set_font("Helvetica", style=weight, size=size)
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def make_image_only_pdf(path: Path) -> Path:
    """A PDF whose page holds only a drawing, no text."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))
    return path


def make_docx(path: Path, blocks: list[tuple[str, str]], *, table: list[list[str]] | None = None
              ) -> Path:
    """A DOCX from (style, text) pairs; style is 'title', 'h1'..'h3' or 'p'."""
    import docx

    document = docx.Document()
    for style, text in blocks:
        if style == "title":
            document.add_heading(text, level=0)
        elif style.startswith("h"):
            document.add_heading(text, level=int(style[1:]))
        else:
            document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(str(path))
    return path


MARKDOWN_SAMPLE = """# Solar Orchards

Intro paragraph about solar orchards and their growers.

## Irrigation

Drip irrigation under the panels saves water. Growers report fewer weeds.

### Night cycles

Pumps run at night when the grid is quiet.

## Harvest

Apricots ripen in the shade of the panel rows.
"""

HTML_SAMPLE = """<!doctype html><html><head><title>Glacier Survey</title>
<style>body { color: red }</style><script>var secret = "do not index";</script></head>
<body><h1>Glacier Survey</h1><p>The survey measured ice thickness on the northern glacier.</p>
<h2>Methods</h2><p>Ground radar &amp; drill cores were used.</p>
<h3>Radar</h3><ul><li>Frequency sweep</li><li>Calibration on bedrock</li></ul>
<h2>Findings</h2><p>The glacier lost mass every year since the first survey.</p>
</body></html>
"""
