"""A generated corpus of malformed and hostile files (for test_hostile_documents).

Every file is made here, from a seed: truncated, encrypted and garbage PDFs, a PDF whose
content stream inflates to hundreds of megabytes, a DOCX zip bomb, damaged DOCX archives,
binaries under document names, empty files, a huge single-line text, invalid UTF-8, deeply
nested HTML, symlink loops and links to files outside the folder.
"""

from __future__ import annotations

import io
import os
import random
import zipfile
import zlib
from pathlib import Path

from tests.documents_factory import make_pdf

EXTENSIONS = [".pdf", ".docx", ".txt", ".md", ".html"]
BINARY_HEADS = [b"\x7fELF\x02\x01\x01\x00", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04\x14\x00",
                b"\x1f\x8b\x08\x00", b"MZ\x90\x00\x03\x00", b"\xff\xd8\xff\xe0\x00\x10JFIF"]


def _deflated(pattern: bytes, total: int) -> bytes:
    """``pattern`` repeated to ``total`` bytes, zlib-compressed without holding it all."""
    packer = zlib.compressobj(9)
    block = pattern * (1 << 20 // len(pattern))
    out = [packer.compress(block) for _ in range(total // len(block))]
    return b"".join(out) + packer.flush()


def pdf_bomb(path: Path, inflated: int = 600 << 20) -> None:
    """A one-page PDF whose content stream inflates to ``inflated`` bytes of text operators."""
    stream = _deflated(b"(AAAAAAAAAAAAAAAA) Tj ", inflated)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" /Filter /FlateDecode >>\nstream\n"
        + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
              .encode())
    path.write_bytes(out.getvalue())


def docx_bomb(path: Path, inflated: int = 1200 << 20) -> None:
    """A DOCX whose document.xml inflates to ``inflated`` bytes."""
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w='
            b'"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
            b"<w:t>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application'
            '/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document'
            '.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            'document.main+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            '//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>'))
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head)
            block = b"A" * (1 << 20)
            for _ in range(inflated // len(block)):
                part.write(block)
            part.write(b"</w:t></w:r></w:p></w:body></w:document>")


def make_corpus(root: Path, outside: Path, seed: int = 5) -> dict[str, str]:
    """Write the corpus under ``root``; returns each file's name → what is wrong with it.

    ``outside`` is a folder beside ``root`` holding a secret file the links point to.
    """
    rng = random.Random(seed)
    root.mkdir(parents=True)
    outside.mkdir(parents=True, exist_ok=True)
    secret = outside / "secret.txt"
    secret.write_text("TOP SECRET outside the imported folder.\n", encoding="utf-8")
    kinds: dict[str, str] = {}

    def add(name: str, kind: str) -> Path:
        kinds[name] = kind
        return root / name

    good = make_pdf(root / "_good.pdf", [f"Page {n}: " + "grid hash fee " * 60 for n in range(5)])
    whole = good.read_bytes()
    good.unlink()
    for number in range(40):  # cut anywhere before the page content is complete
        cut = rng.randint(10, len(whole) * 2 // 3)
        add(f"truncated-{number:02d}.pdf", "truncated PDF").write_bytes(whole[:cut])
    for number in range(10):
        make_pdf(add(f"encrypted-{number:02d}.pdf", "encrypted PDF"),
                 ["Confidential minutes."], user_password=f"pw{number}")
    for number in range(30):
        add(f"garbage-{number:02d}.pdf", "garbage PDF").write_bytes(
            b"%PDF-1.7\n" + rng.randbytes(rng.randint(10, 20000)))
    pdf_bomb(add("bomb.pdf", "PDF decompression bomb"))
    docx_bomb(add("bomb.docx", "DOCX zip bomb"))
    for number in range(10):
        add(f"broken-{number:02d}.docx", "damaged DOCX").write_bytes(
            b"PK\x03\x04" + rng.randbytes(rng.randint(50, 5000)))
    for number in range(5):
        with zipfile.ZipFile(add(f"hollow-{number}.docx", "DOCX without a document"), "w") as z:
            z.writestr("readme.txt", "no word/document.xml here")
    for number in range(40):
        ext = EXTENSIONS[number % 5]
        add(f"binary-{number:02d}{ext}", "binary under a document name").write_bytes(
            BINARY_HEADS[number % len(BINARY_HEADS)] + rng.randbytes(rng.randint(100, 50000))
            + b"\x00" * 16)
    for number in range(15):
        ext = EXTENSIONS[number % 5]
        add(f"empty-{number:02d}{ext}", "empty file").write_bytes(b"")
    for number in range(5):
        ext = EXTENSIONS[number % 5]
        add(f"blank-{number}{ext}", "only whitespace").write_bytes(b" \n\t\n" * 100)
    add("one-line.txt", "huge single-line text").write_bytes(b"word" * (12 << 20))
    add("one-line.md", "huge single-line text").write_bytes(b"x" * (40 << 20))
    for number in range(20):
        ext = [".txt", ".md", ".html"][number % 3]
        add(f"invalid-utf8-{number:02d}{ext}", "invalid UTF-8").write_bytes(
            bytes(rng.choice([0x80, 0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xC0, 0xFF, 0x00])
                  for _ in range(rng.randint(20, 4000))))
    add("nested.html", "deeply nested HTML").write_text(
        "<div>" * 200_000 + "deep" + "</div>" * 200_000, encoding="utf-8")
    add("unclosed.html", "unclosed HTML").write_text("<html><body><p>" * 50_000,
                                                      encoding="utf-8")
    for number in range(5):  # symlink loops: a -> b -> a, and a link to itself
        a, b = add(f"loop-{number}-a.md", "symlink loop"), add(f"loop-{number}-b.md",
                                                               "symlink loop")
        os.symlink(b.name, a)
        os.symlink(a.name, b)
    os.symlink("self.txt", add("self.txt", "symlink loop"))
    (root / "sub").mkdir()
    os.symlink("..", root / "sub" / "up")  # a folder loop: never followed, nothing to report
    for number in range(10):
        ext = [".txt", ".md"][number % 2]
        os.symlink(secret, add(f"outside-{number}{ext}", "link outside the folder"))
    os.symlink(outside, root / "outside-folder")  # a link to a folder outside: not followed
    return kinds
