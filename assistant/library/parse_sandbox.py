"""Read documents in a child process with a time and a memory limit.

A hostile or broken file can make a parser loop, allocate gigabytes (a PDF decompression bomb, a
zipped DOCX of many GB) or crash. Parsing happens in ``python -m
assistant.library.parse_sandbox``: a child that receives one path per line on stdin and answers
one JSON line on stdout. If it runs past its time, dies or runs out of memory, it is killed and
replaced, and that one file fails with a clear reason. The reply is JSON, not pickle: the child
parses untrusted bytes, and nothing it sends back can run code here.

The memory limit is enforced twice. On Linux the child caps its own address space
(``RLIMIT_AS``): an allocation past it fails at once, inside the child. macOS refuses that cap
and Windows has none, so there the child runs uncapped and the parent reads its resident memory
(psutil) every ``POLL_S`` and kills it past the limit; that can overshoot by what a parser
allocates in one poll. Both end in the same reason for the file. The parent polls on Linux too,
as a backstop that never fires while the cap holds (resident memory <= address space).

The same code runs on every platform: a thread collects the child's output (``select()`` does
not work on pipes on Windows), and while an answer is being produced the child is paused with
psutil (SIGSTOP/SIGCONT on POSIX, a suspended process on Windows); the paused time does not
count against its limit.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from assistant.errors import IngestError
from assistant.library.documents import ExtractedDocument, Section
from assistant.system.foreground import ForegroundGate
from assistant.system.memory_use import resident_bytes
from assistant.system.processes import end_process

POLL_S = 0.05
# The reader's priority (POSIX nice): files are read ahead while chunks are embedded, and on
# two cores a reader at the normal priority took CPU time the window's thread was waiting for.
BACKGROUND_NICE = 10
# Deaths that mean the reader crashed, most likely out of memory (POSIX signal numbers).
CRASH_SIGNALS = frozenset(getattr(signal, name) for name in
                          ("SIGKILL", "SIGSEGV", "SIGABRT", "SIGBUS") if hasattr(signal, name))


@dataclass(frozen=True)
class SandboxLimits:
    """What reading one file may cost."""

    seconds: float = 120.0
    memory_mb: int = 2048


def out_of_memory(memory_mb: int) -> str:
    """The reason a file fails when reading it needs more than ``memory_mb``."""
    return f"needs more than {memory_mb} MB of memory to read (a damaged or hostile file?)"


def reader_command(memory_mb: int) -> list[str]:
    """The command line of a document reader child limited to ``memory_mb``."""
    return [sys.executable, "-m", "assistant.library.parse_sandbox", str(memory_mb)]


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


class ReaderProcess:
    """One running reader child: its pipes, a thread collecting what it writes, and a psutil
    handle to pause it and read its memory."""

    def __init__(self, command: list[str]) -> None:
        self.popen = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))  # no console on Windows
        self.pid = self.popen.pid
        self.output: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self._collector = threading.Thread(target=self._collect, daemon=True,
                                           name=f"document-reader-{self.pid}")
        self._collector.start()
        try:
            self.process = psutil.Process(self.pid)
        except psutil.Error:
            self.stop()
            raise
        try:  # reading is background work: the window and the embedding come first
            self.process.nice(psutil.BELOW_NORMAL_PRIORITY_CLASS if os.name == "nt"
                              else BACKGROUND_NICE)
        except (psutil.Error, AttributeError):
            pass  # it runs at the normal priority

    def _collect(self) -> None:
        stdout = self.popen.stdout
        assert stdout is not None
        try:
            while piece := os.read(stdout.fileno(), 1 << 20):
                self.output.put(piece)
        except OSError:
            pass
        finally:
            stdout.close()
            self.output.put(b"")  # the child is gone

    def send(self, line: bytes) -> None:
        """Write one line to the child's stdin (:class:`OSError` if it is gone)."""
        assert self.popen.stdin is not None
        self.popen.stdin.write(line)
        self.popen.stdin.flush()

    def read(self, timeout: float) -> bytes | None:
        """The child's next output: ``None`` if nothing came within ``timeout``, ``b""``
        once it has closed its output (it is gone)."""
        try:
            return self.output.get(timeout=timeout)
        except queue.Empty:
            return None

    def resident_bytes(self) -> int | None:
        """The child's resident memory now, if it can be read."""
        return resident_bytes(self.pid)

    def pause(self, paused: bool) -> None:
        """Suspend or resume the child (:class:`psutil.NoSuchProcess` if it is gone)."""
        if paused:
            self.process.suspend()
        else:
            self.process.resume()

    def stop(self) -> None:
        """Kill the child (a paused one too) and release its pipes and thread."""
        end_process(self.popen)
        self._collector.join(timeout=10)
        if self.popen.stdin is not None:
            try:
                self.popen.stdin.close()
            except OSError:
                pass


class ParseSandbox:
    """One child process that reads documents, one at a time; safe to share by threads."""

    def __init__(self, limits: SandboxLimits | None = None,
                 gate: ForegroundGate | None = None) -> None:
        self.limits = limits or SandboxLimits()
        self.gate = gate
        self.command = reader_command(self.limits.memory_mb)  # tests start stand-ins
        self._child: ReaderProcess | None = None
        self._lock = threading.Lock()

    def _start(self) -> ReaderProcess:
        if self._child is not None and self._child.popen.poll() is not None:
            self._kill()
        if self._child is None:
            try:
                self._child = ReaderProcess(self.command)
            except (OSError, psutil.Error):
                raise IngestError("the document reader could not be started") from None
        return self._child

    def _kill(self) -> None:
        if self._child is not None:
            self._child.stop()
            self._child = None

    def close(self) -> None:
        """Stop the child process."""
        with self._lock:
            self._kill()

    def load(self, path: Path) -> ExtractedDocument:
        """The text of ``path``, read in the child; :class:`IngestError` with the reason."""
        with self._lock:
            child = self._start()
            try:
                child.send(json.dumps(str(path)).encode() + b"\n")
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

    def _reply(self, child: ReaderProcess) -> dict[str, Any]:
        """Wait for the child's answer, pausing it while the foreground is busy and stopping
        it past its time or memory."""
        memory_limit = self.limits.memory_mb * 1024 * 1024
        received = bytearray()
        running_s, paused = 0.0, False
        last = time.perf_counter()
        try:
            while True:
                busy = self.gate is not None and self.gate.busy
                if busy != paused:
                    child.pause(busy)
                    paused = busy
                now = time.perf_counter()
                if not paused:
                    running_s += now - last
                last = now
                if running_s > self.limits.seconds:
                    self._kill()
                    raise IngestError(f"took longer than {self.limits.seconds:.0f} s to read; "
                                      "stopped (a damaged or hostile file?)")
                if (child.resident_bytes() or 0) > memory_limit:
                    self._kill()
                    raise IngestError(out_of_memory(self.limits.memory_mb))
                piece = child.read(POLL_S)
                if piece is None:
                    continue
                if not piece:  # the child is gone
                    code = child.popen.wait(timeout=10)
                    self._kill()
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
        except psutil.NoSuchProcess:
            self._kill()
            raise IngestError("the document reader stopped unexpectedly") from None
        finally:
            if paused and self._child is not None:
                try:
                    self._child.pause(False)
                except psutil.Error:
                    pass

    def _death(self, code: int) -> str:
        if -code in CRASH_SIGNALS:
            return (f"could not be read: the reader crashed ({signal.Signals(-code).name}), "
                    f"likely out of its {self.limits.memory_mb} MB memory limit "
                    "(a damaged or hostile file?)")
        return f"could not be read: the reader stopped (exit status {code})"


def limit_address_space(memory_mb: int) -> None:
    """Cap this process's address space at ``memory_mb`` where the system allows it (Linux);
    elsewhere (macOS refuses, Windows has no ``resource``) the parent's polling is the limit."""
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass


def serve(memory_mb: int) -> None:
    """The child: read paths from stdin, answer each with one JSON line on stdout."""
    limit_address_space(memory_mb)
    replies = os.fdopen(os.dup(1), "wb")
    sys.stdout = sys.stderr  # a stray print must not corrupt the replies
    from assistant.library.loaders import load_document
    from assistant.system import egress

    egress.install()
    for line in sys.stdin:
        try:
            path = Path(json.loads(line))
            reply: dict[str, Any] = {"document": document_json(load_document(path))}
        except IngestError as exc:
            reply = {"error": str(exc)}
        except MemoryError:
            reply = {"error": out_of_memory(memory_mb)}
        except Exception as exc:  # load_document turns parser errors into IngestError
            reply = {"error": f"could not be read: {type(exc).__name__}: {exc}"}
        replies.write(json.dumps(reply).encode() + b"\n")
        replies.flush()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
