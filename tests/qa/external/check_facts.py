"""Mechanical check of the external question sets (stdlib + pypdf + python-docx only).

Run from the repo root:  .venv/bin/python tests/qa/external/check_facts.py

For every in-scope question in dev.jsonl and heldout.jsonl, each fact alternative must occur
in its document's extracted text after lowercasing and collapsing whitespace (the rule in
tests/qa/README.md). summaries.jsonl section headings and key facts are checked the same way,
and cross.jsonl may only name the five external documents or bundled library files.
Text extraction: PDF = pypdf page texts joined; DOCX = paragraph texts joined; HTML = visible
text with tags stripped (head/script/style dropped, entities decoded); .md/.txt = raw text.
Exits 1 on any miss or schema problem. It does not run the app or any model.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]  # tests/qa/external -> repo root
LIBRARY = ROOT / "assistant" / "bundled" / "library"
QUESTION_FILES = ("dev.jsonl", "heldout.jsonl", "heldout2.jsonl", "heldout3.jsonl",
                  "heldout4.jsonl", "heldout5.jsonl", "heldout6.jsonl")
KINDS = {"in_scope", "out_of_scope"}
_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    return _SPACE.sub(" ", text.lower()).strip()


class _Visible(HTMLParser):
    _HIDDEN = {"head", "script", "style", "noscript", "template", "svg"}
    _BLOCK = {"p", "li", "ul", "ol", "div", "br", "tr", "td", "th", "section", "article",
              "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "dd", "dt"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.headings: list[str] = []
        self._hidden = 0
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BLOCK:
            self.parts.append(" ")
        if tag in {"h1", "h2", "h3"}:
            self._heading = []

    def handle_endtag(self, tag):
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCK:
            self.parts.append(" ")
        if tag in {"h1", "h2", "h3"} and self._heading is not None:
            self.headings.append(norm("".join(self._heading)))
            self._heading = None

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)
            if self._heading is not None:
                self._heading.append(data)


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def _docx_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _html_text(path: Path) -> str:
    parser = _Visible()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return "".join(parser.parts)


@cache
def doc_text(relpath: str) -> str:
    """Normalised extracted text of a document path given relative to the repo root."""
    path = (ROOT / relpath).resolve()
    if not path.is_file():
        raise FileNotFoundError(relpath)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        raw = _pdf_text(path)
    elif suffix == ".docx":
        raw = _docx_text(path)
    elif suffix in {".html", ".htm"}:
        raw = _html_text(path)
    else:
        raw = path.read_text(encoding="utf-8")
    return norm(raw)


def load_jsonl(name: str, problems: list[str]) -> list[dict]:
    rows = []
    for n, line in enumerate((HERE / name).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(f"{name}:{n}: bad JSON ({exc})")
    return rows


def check_document(relpath: str, where: str, problems: list[str]) -> str | None:
    try:
        return doc_text(relpath)
    except FileNotFoundError:
        problems.append(f"{where}: document not found: {relpath}")
        return None


def check_questions(name: str, problems: list[str], seen_ids: set[str]) -> None:
    rows = load_jsonl(name, problems)
    kinds: Counter = Counter()
    per_source: Counter = Counter()
    facts_checked = 0
    for row in rows:
        qid = row.get("id", "?")
        where = f"{name}:{qid}"
        if qid in seen_ids:
            problems.append(f"{where}: duplicate id")
        seen_ids.add(qid)
        kind = row.get("kind")
        if kind not in KINDS or not str(row.get("question", "")).strip():
            problems.append(f"{where}: bad kind or empty question")
            continue
        kinds[kind] += 1
        if kind == "out_of_scope":
            if "facts" in row or "source" in row:
                problems.append(f"{where}: out-of-scope question carries facts/source")
            continue
        facts, source, document = row.get("facts"), row.get("source"), row.get("document")
        if not facts or not isinstance(facts, list) or not source or not document:
            problems.append(f"{where}: in-scope question needs facts, source and document")
            continue
        if Path(document).name != source:
            problems.append(f"{where}: source {source!r} does not match document {document!r}")
        per_source[source] += 1
        text = check_document(document, where, problems)
        if text is None:
            continue
        for fact in facts:
            facts_checked += 1
            if norm(fact) not in text:
                problems.append(f"{where}: fact {fact!r} not found in {document}")
    print(f"{name}: {kinds['in_scope']} in-scope, {kinds['out_of_scope']} out-of-scope, "
          f"{facts_checked} fact alternatives checked")
    for source, count in sorted(per_source.items()):
        print(f"    {count:2d}  {source}")


def check_summaries(problems: list[str]) -> None:
    rows = load_jsonl("summaries.jsonl", problems)
    checked = 0
    for row in rows:
        document = row.get("document", "")
        where = f"summaries.jsonl:{row.get('source', '?')}"
        if Path(document).name != row.get("source"):
            problems.append(f"{where}: source does not match document")
        text = check_document(document, where, problems)
        if text is None:
            continue
        for field in ("sections", "key_facts"):
            items = row.get(field) or []
            if not items:
                problems.append(f"{where}: empty {field}")
            for item in items:
                checked += 1
                if norm(item) not in text:
                    problems.append(f"{where}: {field[:-1]} {item!r} not found in {document}")
    print(f"summaries.jsonl: {len(rows)} documents, {checked} headings/key facts checked")


def check_cross(problems: list[str], known: set[str]) -> None:
    rows = load_jsonl("cross.jsonl", problems)
    library = {p.name for p in LIBRARY.iterdir()} if LIBRARY.is_dir() else set()
    for row in rows:
        where = f"cross.jsonl:{row.get('id', '?')}"
        expected = row.get("expect_documents") or []
        if not str(row.get("question", "")).strip() or not expected:
            problems.append(f"{where}: needs question and expect_documents")
        for name in expected:
            if name not in known and name not in library:
                problems.append(f"{where}: {name!r} is neither an external nor a bundled document")
    print(f"cross.jsonl: {len(rows)} questions")


def main() -> int:
    problems: list[str] = []
    seen_ids: set[str] = set()
    for name in QUESTION_FILES:
        check_questions(name, problems, seen_ids)
    check_summaries(problems)
    known = {Path(row["document"]).name for row in load_jsonl("summaries.jsonl", problems)
             if "document" in row}
    check_cross(problems, known)
    if problems:
        print(f"\nFAIL: {len(problems)} problem(s)")
        for problem in problems:
            print("  - " + problem)
        return 1
    print("\nOK: every fact alternative, heading and key fact occurs verbatim in its document")
    return 0


if __name__ == "__main__":
    sys.exit(main())
