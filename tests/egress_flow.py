"""The whole offline flow in one process, for ``test_zero_egress`` (run as a child).

    python -m tests.egress_flow DATA_DIR FILES_DIR [--guard]

First run (the bundled library is indexed), 20 mixed files imported, a question asked, the
service closed and opened again (a restart), a follow-up asked. With ``--guard`` the app's
egress guard is installed first and every refused access is counted; without it the caller
runs this in a network namespace with no network. Prints one JSON line.
"""

from __future__ import annotations

import errno
import json
import socket
import sys
from pathlib import Path

from tests.documents_factory import make_docx, make_pdf

TOPICS = ["heat reuse", "hydro dams", "fleet age", "pool fees", "grid demand"]
# Every file also carries what a hostile or careless document might: remote images and links.
REMOTE = ("![chart](http://203.0.113.9/chart.png) <img src=\"https://tracker.example/p.gif\"> "
          "[source](https://example.org/report) see www.example.net")


def phrase(number: int) -> str:
    """The sentence only file ``number`` holds."""
    return (f"Site {number} near the {TOPICS[number % 5]} project reports a unique "
            f"figure of {1000 + number * 7} megawatt hours for code FLOW{number:03d}.")


def make_files(folder: Path, count: int = 20) -> list[Path]:
    """``count`` files: Markdown, text, HTML, DOCX and PDF in turn."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for number in range(count):
        text = f"{phrase(number)} {REMOTE}"
        kind = number % 5
        path = folder / f"file{number:02d}.{['md', 'txt', 'html', 'docx', 'pdf'][kind]}"
        if kind == 0:
            path.write_text(f"# Report {number}\n\n{text}\n", encoding="utf-8")
        elif kind == 1:
            path.write_text(text + "\n", encoding="utf-8")
        elif kind == 2:
            path.write_text(f"<html><head><link rel=stylesheet href='http://203.0.113.9/s.css'>"
                            f"</head><body><h1>Report {number}</h1><p>{text}</p>"
                            f"<img src='http://203.0.113.9/x.png'></body></html>",
                            encoding="utf-8")
        elif kind == 3:
            make_docx(path, [("h1", f"Report {number}"), ("p", text)])
        else:
            make_pdf(path, [phrase(number)])
        files.append(path)
    return files


def network_reachable() -> bool:
    """Whether a packet could leave: False in a namespace with no network."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: a route is all this needs
        except OSError as exc:
            return exc.errno not in (errno.ENETUNREACH, errno.EHOSTUNREACH)
    return True


def ask(service, question: str, conversation_id: int) -> dict:  # type: ignore[no-untyped-def]
    from assistant.answers.pipeline import Finished

    answer = None
    for event in service.ask(question, conversation_id=conversation_id):
        if isinstance(event, Finished):
            answer = event.answer
    assert answer is not None
    return {"text": answer.text, "abstained": answer.abstained,
            "sources": [Path(hit.path).name for hit in answer.sources]}


def main(argv: list[str]) -> None:
    data_dir, files_dir = Path(argv[0]), Path(argv[1])
    guard = None
    if "--guard" in argv:
        from assistant.system import egress

        guard = egress.install()
    from assistant.app.service import AssistantService
    from assistant.system.paths import library_dir

    files = make_files(files_dir)
    out: dict = {"network_reachable": None if guard else network_reachable()}
    with AssistantService(data_dir, library_dir=library_dir()) as service:
        library = service.sync_library()
        out["library_files"] = len(library.results) if library else 0
        report = service.ingest([files_dir], collection="Flow")
        out["ingested"] = sum(1 for r in report.results if r.status == "added")
        out["failed"] = [r.line() for r in report.results if r.status == "failed"]
        service.load_model()
        conversation = service.new_conversation("flow").id
        out["first"] = ask(service, "Which site reports code FLOW007?", conversation)
    with AssistantService(data_dir, library_dir=library_dir()) as service:  # restart
        out["needs_sync_after_restart"] = service.library_needs_sync()
        service.load_model()
        out["second"] = ask(service, "What figure does the site with code FLOW013 report?",
                            conversation)
        out["turns"] = len(service.conversation_turns(conversation))
    out["attempts"] = list(guard.attempts) if guard is not None else None
    out["expected_files"] = len(files)
    print("EGRESS_FLOW " + json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
