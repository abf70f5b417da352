"""The CLI's answer commands: ``ask`` (one question, or one a line), ``chat`` and ``models``."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TextIO

from assistant.answers.answer import Answer
from assistant.answers.pipeline import AskOptions, Finished, Token
from assistant.api import DEFAULT_HOST, DEFAULT_PORT, needs_token, new_token
from assistant.api.server import serve
from assistant.app.service import AssistantService
from assistant.cli.render import format_answer_details
from assistant.engines.engine import GenerationParams
from assistant.engines.registry import add_user_model, all_models, resolve_model
from assistant.errors import AssistantError


class Asker(Protocol):
    """What answers ``ask``: the service, or the running app through its local API."""

    def ask(self, question: str, *, options: AskOptions | None = None) -> Iterator[object]:
        """The answer's events, ending with :class:`Finished`."""


def add_answer_commands(commands: Any) -> None:
    """Register ``ask``, ``chat`` and ``models`` on the CLI's subparsers."""
    ask = commands.add_parser("ask", help="answer a question from the library, with citations")
    _answer_options(ask)
    ask.add_argument("--json", action="store_true",
                     help="print one JSON object (with '-': one a line)")
    ask.add_argument("question", nargs="+", metavar="QUESTION",
                     help="the question, or '-' to read one question a line from stdin")

    chat = commands.add_parser("chat", help="an interactive conversation with citations")
    _answer_options(chat)

    summary = commands.add_parser(
        "summarize", help="an extractive, cited summary of one document (no model needed)")
    summary.add_argument("--collection", metavar="NAME",
                         help="look for the document in this collection only")
    summary.add_argument("--json", action="store_true", help="print one JSON object")
    summary.add_argument("document", nargs="+", metavar="PATH_OR_ID",
                         help="the document: its id (docs list), path, file name or title")

    serve = commands.add_parser(
        "serve", help="serve the OpenAI-compatible local API (/v1/chat/completions …)")
    _answer_options(serve)
    serve.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"port to listen on (default {DEFAULT_PORT})")
    serve.add_argument("--token", metavar="TOKEN",
                       help="bearer token every request must carry (required off loopback; "
                            "one is generated if none is given)")

    models = commands.add_parser("models", help="list or register GGUF chat models")
    actions = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list the chat models")
    listing.add_argument("--json", action="store_true")
    add = actions.add_parser("add", help="register a GGUF model file")
    add.add_argument("path", metavar="PATH")


def _answer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--collection", action="append", metavar="NAME",
                        help="answer only from this collection (repeatable)")
    parser.add_argument("--model", metavar="PATH_OR_ID",
                        help="a GGUF file or a registered model (default: SmolLM2-135M)")
    parser.add_argument("--k", type=int, default=5, metavar="N",
                        help="passages to retrieve (default 5)")
    parser.add_argument("--max-tokens", type=int, default=GenerationParams.max_tokens,
                        metavar="N", help="longest answer in tokens")
    parser.add_argument("--ctx", type=int, metavar="N", help="context window in tokens")
    parser.add_argument("--threads", type=int, metavar="N", help="CPU threads for the model")
    parser.add_argument("--temperature", type=float, default=GenerationParams.temperature)


def ask_options(args: argparse.Namespace) -> AskOptions:
    """The answer options ``ask``'s and ``chat``'s flags give; an error for a bad one."""
    if args.k < 1:
        raise AssistantError("--k must be at least 1")
    if args.max_tokens < 1:
        raise AssistantError("--max-tokens must be at least 1")
    params = GenerationParams(max_tokens=args.max_tokens, temperature=args.temperature)
    collections = tuple(args.collection) if args.collection else None
    return AskOptions(collections=collections, k=args.k, params=params)


def _load(service: AssistantService, args: argparse.Namespace, *, lazy: bool = False) -> None:
    """Load the model the flags choose; ``lazy``: a local model's engine starts only when an
    answer needs it (its notes are then printed by :func:`_model_notes` after answering)."""
    if getattr(args, "llm_url", None):
        service.load_remote_model(args.llm_url, getattr(args, "llm_model", None), n_ctx=args.ctx)
    else:
        service.load_model(resolve_model(service.data_dir, args.model), n_ctx=args.ctx,
                           n_threads=args.threads, lazy=lazy)
    if service.model_remote:
        print(f"Note: Remote model: {service.model_remote}", file=sys.stderr, flush=True)
    _model_notes(service)


def _model_notes(service: AssistantService) -> None:
    if service.model_notice:
        print(f"Note: {service.model_notice}", file=sys.stderr, flush=True)


def run_serve(service: AssistantService, args: argparse.Namespace) -> int:
    """``assistant serve``: answer OpenAI-style requests until interrupted."""
    token = args.token or (new_token() if needs_token(args.host) else None)
    _load(service, args)
    try:
        serve(service, args.host, args.port, token,
              announce=lambda line: print(line, flush=True))
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


def run_summarize(service: AssistantService, args: argparse.Namespace) -> int:
    """``assistant summarize``: one sentence from each main section, cited."""
    answer = service.summarize(" ".join(args.document), collection=args.collection)
    if args.json:
        payload = answer.to_json()
        payload["model"] = None
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(answer.text)
        print(format_answer_details(answer))
    return 0


def run_ask(service: AssistantService, args: argparse.Namespace) -> int:
    """``assistant ask``: stream one answer, or answer stdin line by line."""
    options = ask_options(args)
    # One-shot: the model's engine starts only if an answer needs it (a figure the calculator
    # computes, a summary or an abstention never does).
    _load(service, args, lazy=True)
    noticed = service.model_notice
    try:
        return answer_questions(service, options, args)
    finally:
        if service.model_notice and service.model_notice != noticed:
            _model_notes(service)


def answer_questions(service: Asker, options: AskOptions, args: argparse.Namespace) -> int:
    """``ask``'s output for its question (or stdin's, one a line) as ``service`` answers."""
    if args.question == ["-"]:
        return _ask_lines(service, options, sys.stdin, as_json=args.json)
    question = " ".join(args.question)
    if args.json:
        answer = _collect(service.ask(question, options=options))
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return 1 if answer.interruption else 0
    answer = _stream_to_terminal(service.ask(question, options=options), sys.stdout)
    return 1 if answer.interruption else 0


def _ask_lines(service: Asker, options: AskOptions, lines: TextIO, *,
               as_json: bool) -> int:
    status = 0
    for line in lines:
        question = line.strip()
        if not question:
            continue
        try:
            answer = _collect(service.ask(question, options=options))
        except AssistantError as exc:
            status = 1
            if as_json:
                print(json.dumps({"question": question, "error": str(exc)}), flush=True)
            else:
                print(f"error: {exc}", file=sys.stderr)
            continue
        if answer.interruption:  # the engine crashed on this one; it is running again
            status = 1
            if as_json:
                print(json.dumps({"question": question, "error": answer.interruption,
                                  "answer": answer.text}, ensure_ascii=False), flush=True)
            else:
                print(f"error: {answer.interruption}", file=sys.stderr)
            continue
        if as_json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(f"Q: {question}\n{answer.text}{format_answer_details(answer)}\n", flush=True)
    return status


def _collect(events: Iterator[object]) -> Answer:
    for event in events:
        if isinstance(event, Finished):
            return event.answer
    raise AssistantError("the answer did not finish")


def _stream_to_terminal(events: Iterator[object], out: TextIO) -> Answer:
    answer: Answer | None = None
    for event in events:
        if isinstance(event, Token):
            out.write(event.text)
            out.flush()
        elif isinstance(event, Finished):
            answer = event.answer
            if answer.abstained:
                out.write(answer.text)
            if answer.stop_reason == "cancelled":
                out.write(" [stopped]")
            elif answer.interruption:
                out.write(f" [interrupted: {answer.interruption}]")
            out.write("\n" + format_answer_details(answer) + "\n")
            out.flush()
    if answer is None:
        raise AssistantError("the answer did not finish")
    return answer


@contextmanager
def _interrupt_sets(cancel: threading.Event) -> Iterator[None]:
    """While inside, Ctrl-C sets ``cancel`` instead of stopping the program."""
    previous = signal.signal(signal.SIGINT, lambda signum, frame: cancel.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_chat(service: AssistantService, args: argparse.Namespace,
             read: Callable[[str], str] = input) -> int:
    """``assistant chat``: a multi-turn conversation, kept in the data directory."""
    options = ask_options(args)
    print("Loading the model…", file=sys.stderr, flush=True)
    _load(service, args)
    print(f"Offgrid chat with {service.model_info().model_id}. Answers cite your documents; "
          "Ctrl-C stops an answer, /new starts over, /quit leaves.")
    conversation_id: int | None = None
    while True:
        try:
            question = read("you> ").strip()
        except EOFError:
            print()
            return 0
        except KeyboardInterrupt:
            print()
            continue
        if not question:
            continue
        if question in ("/quit", "/exit", "/q"):
            return 0
        if question == "/new":
            conversation_id = None
            print("New conversation.")
            continue
        try:
            if conversation_id is None:
                conversation_id = service.new_conversation(question).id
            cancel = threading.Event()
            with _interrupt_sets(cancel):
                _stream_to_terminal(service.ask(question, options=options,
                                                conversation_id=conversation_id,
                                                cancel=cancel), sys.stdout)
        except AssistantError as exc:
            print(f"error: {exc}", file=sys.stderr)


def run_models(service: AssistantService, args: argparse.Namespace) -> int:
    """``models list`` and ``models add PATH``."""
    if args.models_command == "add":
        entry = add_user_model(service.data_dir, Path(args.path))
        context = f", context {entry.context_length}" if entry.context_length else ""
        print(f"registered {entry.id}: {entry.name}{context}\n    {entry.path}")
        return 0
    entries = all_models(service.data_dir)
    if args.json:
        print(json.dumps([{"id": e.id, "name": e.name, "path": str(e.path),
                           "default": e.default, "context_length": e.context_length,
                           "available": e.path.exists()} for e in entries], indent=2))
        return 0
    for entry in entries:
        flags = " (default)" if entry.default else ""
        missing = "" if entry.path.exists() else "  [file missing]"
        print(f"{entry.id}{flags}: {entry.name}{missing}\n    {entry.path}")
    return 0
