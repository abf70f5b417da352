"""The ``assistant`` command: ask, chat, ingest, search and manage the offline library."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Protocol

from assistant.app.service import DEFAULT_COLLECTION, AssistantService
from assistant.app.settings import read_settings
from assistant.bench.command import add_bench_command, run_bench
from assistant.cli.ask import (
    add_answer_commands,
    answer_questions,
    ask_options,
    run_ask,
    run_chat,
    run_models,
    run_serve,
    run_summarize,
)
from assistant.cli.calc import add_calc_command, run_calc
from assistant.cli.render import ProgressBar, format_document, format_hit
from assistant.cli.through_app import THROUGH_APP, open_running_app
from assistant.cli.watch import run_watch
from assistant.errors import AssistantError
from assistant.library.documents import Hit
from assistant.library.ingest import FileResult, IngestReport
from assistant.system import egress
from assistant.system.instance_lock import DataDirInUse
from assistant.system.paths import library_dir, resolve_data_dir
from assistant.text.formatting import plural


def version() -> str:
    """The installed package's version (its metadata), or a note that it is not installed."""
    try:
        return metadata.version("offgrid")
    except metadata.PackageNotFoundError:
        return "(not installed: run from a checkout without `pip install`)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Offgrid: ask your research documents, entirely offline. "
                    "Without a command, starts an interactive session.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"offgrid {version()}",
                        help="print Offgrid's version and exit")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="where the library is kept (default: $ASSISTANT_DATA_DIR, "
                             "else the per-user data directory)")
    parser.add_argument("--llm-url", metavar="URL", default=os.environ.get("OFFGRID_LLM_URL"),
                        help="answer with a model served at this OpenAI-compatible URL "
                             "(llama-server, vLLM, Ollama …; default: $OFFGRID_LLM_URL); only "
                             "that host and port are contacted")
    parser.add_argument("--llm-model", metavar="NAME",
                        default=os.environ.get("OFFGRID_LLM_MODEL"),
                        help="the served model to use (default: $OFFGRID_LLM_MODEL, else the "
                             "first the server lists)")
    parser.add_argument("--chroma-url", metavar="URL",
                        default=os.environ.get("OFFGRID_CHROMA_URL"),
                        help="share the library on the Chroma server at this URL (`chroma run "
                             "--path DIR --port 8000`): what one machine ingests, another finds "
                             "(default: $OFFGRID_CHROMA_URL, else the data directory's "
                             "settings); only that host and port are contacted")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="add files or folders to a collection")
    ingest.add_argument("--collection", default=DEFAULT_COLLECTION, metavar="NAME",
                        help=f"collection to add to (default: {DEFAULT_COLLECTION!r})")
    ingest.add_argument("--watch", action="store_true",
                        help="keep running: re-index the folders whenever their files change "
                             "(they stay watched by the app too; Ctrl+C stops)")
    ingest.add_argument("paths", nargs="+", metavar="PATH")

    search = commands.add_parser("search", help="search the library (hybrid: meaning + keywords)")
    search.add_argument("--collection", action="append", metavar="NAME",
                        help="search only this collection (repeatable)")
    search.add_argument("--k", type=int, default=5, metavar="N", help="how many hits (default 5)")
    search.add_argument("--json", action="store_true", help="print a JSON list of hits")
    search.add_argument("query", nargs="+", metavar="QUERY")

    docs = commands.add_parser("docs", help="list or remove documents")
    docs_commands = docs.add_subparsers(dest="docs_command", metavar="ACTION", required=True)
    docs_list = docs_commands.add_parser("list", help="list documents")
    docs_list.add_argument("--collection", metavar="NAME")
    docs_list.add_argument("--json", action="store_true")
    docs_remove = docs_commands.add_parser("remove", help="remove documents by path or id")
    docs_remove.add_argument("--collection", metavar="NAME",
                             help="only from this collection")
    docs_remove.add_argument("targets", nargs="+", metavar="PATH_OR_ID")

    collections = commands.add_parser("collections", help="list collections")
    collections.add_argument("--json", action="store_true")

    commands.add_parser("reindex", help="rebuild the vector index from the document store")
    commands.add_parser("status", help="where the library is kept, what it holds, and what "
                                       "goes over the network")
    add_answer_commands(commands)
    add_calc_command(commands)
    add_bench_command(commands)
    return parser


def open_service(data_dir: str | None, chroma_url: str | None = None) -> AssistantService:
    """Open the library in the chosen data directory (shared on ``chroma_url``, else on the
    server its settings name, if any), indexing the bundled library if needed."""
    folder = resolve_data_dir(data_dir)
    loaded = read_settings(folder)
    if loaded.problems:
        print(f"warning: {loaded.notice()}", file=sys.stderr, flush=True)
    service = AssistantService(folder, library_dir=library_dir(),
                               chroma_url=chroma_url or loaded.settings.chroma_url or None)
    if service.library_shared:
        print(f"Note: Library shared on the Chroma server at {service.library_shared}",
              file=sys.stderr, flush=True)
    repair = service.last_repair
    if repair.rebuilt:
        print(f"The search index was rebuilt from the library ({repair.added} passages): "
              f"{repair.rebuilt}", file=sys.stderr, flush=True)
    if service.library_needs_sync():
        print("Indexing the bundled research library…", file=sys.stderr, flush=True)
        report = service.sync_library()
        if report is not None:
            print(f"Library: {report.summary()}", file=sys.stderr, flush=True)
    return service


def run_ingest(service: AssistantService, paths: Sequence[str], collection: str) -> int:
    """Ingest with a line per file and a progress bar; exit status 1 if any file failed."""
    bar = ProgressBar()

    def progress(result: FileResult, done: int, total: int) -> None:
        bar.clear()
        print(result.line(), flush=True)
        bar.update(done, total, Path(result.path).name)

    report: IngestReport = service.ingest([Path(p) for p in paths], collection=collection,
                                          on_progress=progress)
    bar.clear()
    print(f"{report.summary()} in {report.seconds:.1f} s", file=sys.stderr)
    if service.shared_problem:
        print(f"warning: stored here, not yet shared (sent on the next sync): "
              f"{service.shared_problem}", file=sys.stderr)
    return 1 if report.failed else 0


class Searcher(Protocol):
    """What answers ``search``: the service, or the running app through its local API."""

    def search(self, query: str, *, k: int = 5,
               collections: Sequence[str] | None = None) -> list[Hit]:
        """The hits for ``query``, best first."""


def run_search(service: Searcher, args: argparse.Namespace) -> int:
    """Print hits, best first, as text or JSON."""
    if args.k < 1:
        raise AssistantError("--k must be at least 1")
    hits = service.search(" ".join(args.query), k=args.k, collections=args.collection)
    if args.json:
        print(json.dumps([hit.to_json() for hit in hits], ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("No matching passages.")
    for number, hit in enumerate(hits, start=1):
        print(format_hit(number, hit))
        print()
    return 0


def run_docs(service: AssistantService, args: argparse.Namespace) -> int:
    """``docs list`` and ``docs remove``."""
    if args.docs_command == "list":
        documents = service.documents(args.collection)
        if args.json:
            print(json.dumps([d.to_json() for d in documents], ensure_ascii=False, indent=2))
        else:
            for document in documents:
                print(format_document(document))
            print(plural(len(documents), "document"), file=sys.stderr)
        return 0
    status = 0
    for target in args.targets:
        try:
            for removed in service.remove(target, collection=args.collection):
                print(f"removed   [{removed.collection}] {removed.title} ({removed.path})")
        except AssistantError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
    return status


def run_collections(service: AssistantService, as_json: bool) -> int:
    """List collections with their counts."""
    collections = service.collections()
    if as_json:
        print(json.dumps([c.__dict__ for c in collections], ensure_ascii=False, indent=2))
    else:
        for c in collections:
            print(f"{c.name}: {plural(c.documents, 'document')}, {plural(c.chunks, 'chunk')}")
    return 0


def run_status(service: AssistantService) -> int:
    """Where the library is kept, what it holds, and what goes over the network."""
    documents = sum(c.documents for c in service.collections())
    print(f"Data directory: {service.data_dir}")
    print(f"Documents: {plural(documents, 'document')} in "
          f"{plural(len(service.collections()), 'collection')}")
    if service.library_shared:
        state = f" (not in step: {service.shared_problem})" if service.shared_problem else ""
        print(f"Library: shared at {service.library_shared} (Chroma server){state}")
        print(f"Network: documents, passages and their vectors to and from "
              f"{service.library_shared}; conversations stay here")
    else:
        print("Library: on this computer only")
        print("Network: none (offline)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``assistant`` console script."""
    args = build_parser().parse_args(argv)
    egress.install()  # nothing this process runs may reach another host
    if args.command == "bench":  # works in its own scratch directories, never the data dir
        return run_bench(args)
    try:
        if args.command == "calc":  # arithmetic on the bundled notes: no data dir, no model
            return run_calc(args)
        return _run(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    """Run a command on the data directory (``ask`` and ``search`` through the running app's
    local API when the app holds it)."""
    try:
        with open_service(args.data_dir, args.chroma_url) as service:
            if args.command is None:
                from assistant.cli.shell import run_shell

                return run_shell(service)
            if args.command == "ingest" and args.watch:
                return run_watch(service, args.paths, args.collection, lambda: run_ingest(
                    service, args.paths, args.collection))
            if args.command == "ingest":
                return run_ingest(service, args.paths, args.collection)
            if args.command == "search":
                return run_search(service, args)
            if args.command == "docs":
                return run_docs(service, args)
            if args.command == "collections":
                return run_collections(service, args.json)
            if args.command == "ask":
                return run_ask(service, args)
            if args.command == "summarize":
                return run_summarize(service, args)
            if args.command == "chat":
                return run_chat(service, args)
            if args.command == "serve":
                return run_serve(service, args)
            if args.command == "models":
                return run_models(service, args)
            if args.command == "status":
                return run_status(service)
            if args.command == "reindex":
                count = service.rebuild_index()
                print(f"Vector index rebuilt from the document store: {count} vectors")
                return 0
    except DataDirInUse as exc:
        if args.command not in THROUGH_APP:
            raise
        return _through_app(args, exc)  # the app holds the data directory: ask its API
    return 0


def _through_app(args: argparse.Namespace, refused: DataDirInUse) -> int:
    """``ask`` or ``search`` through the local API of the app holding the data directory."""
    if args.command == "ask":
        options = ask_options(args)  # checked before anything is sent
        return answer_questions(open_running_app(args, refused), options, args)
    return run_search(open_running_app(args, refused), args)


if __name__ == "__main__":
    sys.exit(main())
