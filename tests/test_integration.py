"""The real pipeline: real embedder, real chroma store and SQLite in temp directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app.service import AssistantService
from assistant.engines.embedding import SentenceTransformerEmbedder
from tests.documents_factory import HTML_SAMPLE, MARKDOWN_SAMPLE, make_docx, make_pdf
from tests.services import MakeService

pytestmark = pytest.mark.integration

PDF_PAGES = [
    "Chapter one introduces lighthouse keepers and the lamps they tended on rocky coasts.",
    "Chapter two explains how Fresnel lenses focus a small flame into a beam seen far at sea.",
    "Chapter three covers foghorns: compressed air sirens that warn ships in dense fog.",
    "Chapter four describes automation, when keepers were replaced by electric timers.",
    "Chapter five lists the lighthouses now preserved as museums for visitors.",
    "Chapter six estimates the maintenance budget for restoring old iron towers.",
]


@pytest.fixture
def real_service(make_service: MakeService) -> AssistantService:
    return make_service(embedder="real")


def test_pdf_page_numbers_and_offsets(real_service: AssistantService, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "lighthouses.pdf", PDF_PAGES, title="Lighthouse History")
    (result,) = real_service.ingest([pdf]).results
    assert result.status == "added"
    text = real_service.document_text(result.doc_id or 0) or ""
    queries = {
        2: "how does a lens focus the beam of light",
        3: "warning ships when fog is thick",
        4: "keepers replaced by automatic electric timers",
        6: "cost of restoring iron towers",
    }
    for page, query in queries.items():
        hit = real_service.search(query, k=3)[0]
        assert (hit.title, hit.page) == ("Lighthouse History", page), query
        assert text[hit.start:hit.end] == hit.text
        assert PDF_PAGES[page - 1][:40] in " ".join(hit.text.split())


def test_every_format_is_ingested_and_found(real_service: AssistantService,
                                           tmp_path: Path) -> None:
    folder = tmp_path / "all"
    folder.mkdir()
    (folder / "orchards.md").write_text(MARKDOWN_SAMPLE, encoding="utf-8")
    (folder / "glacier.html").write_text(HTML_SAMPLE, encoding="utf-8")
    (folder / "bees.txt").write_text("Honeybees communicate the location of flowers "
                                     "with a waggle dance.", encoding="utf-8")
    make_docx(folder / "turbines.docx", [
        ("title", "Turbine Report"), ("h1", "Blades"),
        ("p", "Carbon fibre blades flex less during storms and last longer."),
    ])
    make_pdf(folder / "lighthouses.pdf", PDF_PAGES[:2], title="Lighthouse History")
    report = real_service.ingest([folder], collection="Mixed")
    assert sorted(r.status for r in report.results) == ["added"] * 5
    expected = {
        "how do bees tell others where flowers are": ("bees", None, None),
        "drip irrigation under solar panels":
            ("Solar Orchards", None, "Solar Orchards > Irrigation"),
        "radar and drill cores to measure ice":
            ("Glacier Survey", None, "Glacier Survey > Methods"),
        "storm resistant carbon fibre blades":
            ("Turbine Report", None, "Turbine Report > Blades"),
        "Fresnel lens beam": ("Lighthouse History", 2, None),
    }
    for query, (title, page, heading) in expected.items():
        hit = real_service.search(query, k=1, collections=["Mixed"])[0]
        assert hit.title == title, query
        assert hit.page == page
        if heading:
            assert hit.heading is not None and hit.heading.startswith(heading)
        assert hit.collection == "Mixed" and hit.path.startswith(str(folder.resolve()))


def test_reingest_update_and_rebuild_with_real_engines(real_service: AssistantService,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "volcano.md"
    path.write_text("# Volcanoes\n\nMagma rises through vents and erupts as lava.\n",
                    encoding="utf-8")
    assert real_service.ingest([path]).results[0].status == "added"
    assert real_service.ingest([path]).results[0].status == "unchanged"
    path.write_text("# Volcanoes\n\nAsh clouds from eruptions can ground aircraft.\n",
                    encoding="utf-8")
    assert real_service.ingest([path]).results[0].status == "updated"
    before = real_service.search("ash grounding planes", k=1)[0]
    assert "Ash clouds" in before.text
    assert real_service.rebuild_index() == real_service._store.chunk_count()
    after = real_service.search("ash grounding planes", k=1)[0]
    assert (after.chunk_id, after.similarity) == (before.chunk_id, before.similarity)


def test_ingest_and_search_make_no_network_connection(tmp_path: Path, make_service: MakeService,
                                                     no_network: list[str]) -> None:
    embedder = SentenceTransformerEmbedder()  # loaded from the package, under the guard
    with make_service(embedder=embedder) as svc:
        path = tmp_path / "note.md"
        path.write_text("# Tides\n\nThe moon's pull raises two tidal bulges each day.\n",
                        encoding="utf-8")
        assert svc.ingest([path]).results[0].status == "added"
        hits = svc.search("why are there two tides a day")
        assert hits and hits[0].title == "Tides"
    assert no_network == []
