"""Read documents in a child process with a time and a memory limit.

A hostile or broken file can make a parser loop, allocate gigabytes (a PDF decompression bomb,
a zipped DOCX of many GB) or crash. Parsing happens in ``python -m assistant.parse_sandbox``:
a child that limits its own address space, receives one path per line on stdin and answers one
JSON line on stdout. If it runs past its time, dies or runs out of memory, it is killed and
replaced, and that one file fails with a clear reason. The reply is JSON, not pickle: the child
parses untrusted bytes, and nothing it sends back can run code here.

While an answer is being produced the child is paused (SIGSTOP), and the paused time does not
count against its limit.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.documents import ExtractedDocument, Section
from assistant.errors import IngestError
from assistant.foreground import ForegroundGate

POLL_S = 0.05
# The child relies on POSIX: pipes in select(), SIGSTOP, RLIMIT_AS.
SUPPORTED = os.name == "posix"


@dataclass(frozen=True)
class SandboxLimits:
    """What reading one file may cost."""

    seconds: float = 120.0
    memory_mb: int = 2048


def document_json(document: ExtractedDocument) -> dict[str, Any]:
    """An extracted document as plain JSON data."""
    return {"text": document.text, "title": document.title, "kind": document.kind,
            "pages": document.pages,
            "sections": [[s.start, s.end, s.page, s.heading] for s in document.sections]}


def document_from_json(data: dict[str, Any]) -> ExtractedDocument:
    """Back from :func:`document_json`, checking every field's type."""
    text, title, kind, pages = data["text"], data["title"], data["kind"], data["pages"]
    if not (isinstance(text, str) and isinstance(title, str) and isinstance(kind, str)
            and (pages is None or isinstance(pages, int))):
        raise IngestError("the document reader sent back something unexpected")
    sections = tuple(Section(int(start), int(end), None if page is None else int(page),
                             None if heading is None else str(heading))
                     for start, end, page, heading in data["sections"])
    return ExtractedDocument(text=text, title=title, kind=kind, sections=sections, pages=pages)


class ParseSandbox:
    """One child process that reads documents, one at a time; safe to share by threads."""

    def __init__(self, limits: SandboxLimits | None = None,
                 gate: ForegroundGate | None = None) -> None:
        self.limits = limits or SandboxLimits()
        self.gate = gate
        self._child: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._child is None or self._child.poll() is not None:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "assistant.parse_sandbox", str(self.limits.memory_mb)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return self._child

    def _kill(self) -> None:
        if self._child is not None:
            try:
                self._child.kill()
                self._child.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self._child = None

    def close(self) -> None:
        """Stop the child process."""
        with self._lock:
            self._kill()

    def load(self, path: Path) -> ExtractedDocument:
        """The text of ``path``, read in the child; :class:`IngestError` with the reason."""
        with self._lock:
            child = self._start()
            assert child.stdin is not None and child.stdout is not None
            try:
                child.stdin.write(json.dumps(str(path)).encode() + b"\n")
                child.stdin.flush()
            except OSError:
                self._kill()
                raise IngestError("the document reader could not be started") from None
            reply = self._reply(child)
        if "error" in reply:
            raise IngestError(str(reply["error"]))
        try:
            return document_from_json(reply["document"])
        except (KeyError, TypeError, ValueError) as exc:
            raise IngestError("the document reader sent back something unexpected") from exc

    def _reply(self, child: subprocess.Popen[bytes]) -> dict[str, Any]:
        """Wait for the child's answer, pausing it while the foreground is busy."""
        assert child.stdout is not None
        fd = child.stdout.fileno()
        received = bytearray()
        running_s, paused = 0.0, False
        last = time.perf_counter()
        try:
            while True:
                busy = self.gate is not None and self.gate.busy
                if busy != paused:
                    os.kill(child.pid, signal.SIGSTOP if busy else signal.SIGCONT)
                    paused = busy
                now = time.perf_counter()
                if not paused:
                    running_s += now - last
                last = now
                if running_s > self.limits.seconds:
                    self._kill()
                    raise IngestError(f"took longer than {self.limits.seconds:.0f} s to read; "
                                      "stopped (a damaged or hostile file?)")
                ready, _, _ = select.select([fd], [], [], POLL_S)
                if not ready:
                    continue
                piece = os.read(fd, 1 << 20)
                if not piece:  # the child is gone
                    code = child.wait(timeout=10)
                    self._child = None
                    raise IngestError(self._death(code))
                received += piece
                if received.endswith(b"\n"):
                    reply = json.loads(received)
                    if not isinstance(reply, dict):
                        raise ValueError("not an object")
                    return reply
        except ValueError:
            self._kill()  # it no longer speaks the protocol: a fresh one for the next file
            raise IngestError("the document reader sent back something unexpected") from None
        except ProcessLookupError:
            self._child = None
            raise IngestError("the document reader stopped unexpectedly") from None
        finally:
            if paused and self._child is not None:
                os.kill(self._child.pid, signal.SIGCONT)

    def _death(self, code: int) -> str:
        if code in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS):
            return (f"could not be read: the reader crashed ({signal.Signals(-code).name}), "
                    f"likely out of its {self.limits.memory_mb} MB memory limit "
                    "(a damaged or hostile file?)")
        return f"could not be read: the reader stopped (exit status {code})"


def serve(memory_mb: int) -> None:
    """The child: read paths from stdin, answer each with one JSON line on stdout."""
    import resource

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    replies = os.fdopen(os.dup(1), "wb")
    sys.stdout = sys.stderr  # a stray print must not corrupt the replies
    from assistant import egress
    from assistant.loaders import load_document

    egress.install()
    for line in sys.stdin:
        try:
            path = Path(json.loads(line))
            reply: dict[str, Any] = {"document": document_json(load_document(path))}
        except IngestError as exc:
            reply = {"error": str(exc)}
        except MemoryError:
            reply = {"error": f"needs more than {memory_mb} MB of memory to read "
                              "(a damaged or hostile file?)"}
        except Exception as exc:  # load_document turns parser errors into IngestError
            reply = {"error": f"could not be read: {type(exc).__name__}: {exc}"}
        replies.write(json.dumps(reply).encode() + b"\n")
        replies.flush()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
