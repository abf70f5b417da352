"""The interactive terminal session over the library (the app until the window lands)."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

from assistant.app.service import DEFAULT_COLLECTION, AssistantService
from assistant.cli.render import format_document, format_hit
from assistant.errors import AssistantError

HELP = """Type a question or keywords to search the library. Commands:
  /ingest PATH...         add files or folders to 'My documents'
  /docs                   list documents        /remove ID_OR_PATH   remove a document
  /collections            list collections      /k N                 hits per search
  /only NAME              search one collection /all                 search every collection
  /help                   this help             /quit                leave (or Ctrl-D)"""


def run_shell(service: AssistantService, read: Callable[[str], str] = input,
              write: Callable[[str], None] = print) -> int:
    """Read queries and commands until /quit or end of input."""
    state: dict[str, object] = {"k": 5, "collections": None}
    total = sum(c.documents for c in service.collections())
    write(f"Offgrid — offline research library ({total} documents). "
          "Nothing leaves this machine. Type /help for commands.")
    while True:
        try:
            line = read("search> ").strip()
        except EOFError:
            write("")
            return 0
        except KeyboardInterrupt:
            write("")
            continue
        if not line:
            continue
        if line in ("/quit", "/exit", "/q"):
            return 0
        try:
            if line.startswith("/"):
                _command(service, line, state, write)
            else:
                hits = service.search(line, k=int(state["k"]),  # type: ignore[call-overload]
                                      collections=state["collections"])  # type: ignore[arg-type]
                if not hits:
                    write("No matching passages.")
                for number, hit in enumerate(hits, start=1):
                    write(format_hit(number, hit) + "\n")
        except AssistantError as exc:
            write(f"error: {exc}")


def _command(service: AssistantService, line: str, state: dict[str, object],
             write: Callable[[str], None]) -> None:
    name, *args = shlex.split(line)
    if name == "/help":
        write(HELP)
    elif name == "/ingest":
        if not args:
            raise AssistantError("usage: /ingest PATH...")
        report = service.ingest([Path(a) for a in args], collection=DEFAULT_COLLECTION,
                                on_progress=lambda result, done, total: write(result.line()))
        write(report.summary())
    elif name == "/docs":
        for document in service.documents():
            write(format_document(document))
    elif name == "/remove":
        for target in args:
            for removed in service.remove(target):
                write(f"removed [{removed.collection}] {removed.title}")
    elif name == "/collections":
        for c in service.collections():
            write(f"{c.name}: {c.documents} documents, {c.chunks} chunks")
    elif name == "/k" and args and args[0].isdigit() and int(args[0]) > 0:
        state["k"] = int(args[0])
    elif name == "/only" and args:
        state["collections"] = [" ".join(args)]
        write(f"Searching only '{' '.join(args)}'.")
    elif name == "/all":
        state["collections"] = None
        write("Searching every collection.")
    else:
        raise AssistantError(f"unknown command '{line}' (type /help)")
