"""Which weight layout the engine loads a model with, on this CPU.

llama.cpp repacks weights into layouts made for the CPU it runs on (AMX tiles, AVX-512
blocks). They are faster, but on some CPUs they crash: on several Sapphire-Rapids-class
Xeons with AMX the repacked buffers segfault in the first evaluation (llama.cpp issue 20824).
The *safe* layout loads the weights as they are stored.

The choice is made per model file and CPU: on a CPU with AMX the safe layout is used unless a
short self-test in a child process passes; elsewhere the fast one, until it crashes while
loading or on its first evaluation. Each decision is remembered in a small JSON file, so it is
made once.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.system.files import write_atomic

FAST = "fast"
SAFE = "safe"
LAYOUTS_FILE = "engine-layouts.json"


@dataclass(frozen=True)
class CpuInfo:
    """The CPU's model name and feature flags (empty where the system does not say)."""

    model: str
    flags: frozenset[str]

    @property
    def has_amx(self) -> bool:
        """Whether the CPU has AMX tiles, whose repacked weights crash on some machines."""
        return any(flag.startswith("amx") for flag in self.flags)

    def describe(self) -> str:
        """One line for the bench and the logs: the model and the flags that pick kernels."""
        wanted = sorted(flag for flag in self.flags
                        if flag.startswith(("avx", "amx", "fma", "f16c", "sse4", "neon", "sve")))
        return f"{self.model or 'unknown CPU'} ({' '.join(wanted) or 'no SIMD flags read'})"

    @property
    def signature(self) -> str:
        """A short stable id of the model name and all its flags."""
        text = self.model + "|" + " ".join(sorted(self.flags))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse_cpuinfo(text: str) -> CpuInfo:
    """The first processor's model name and flags from Linux ``/proc/cpuinfo`` text."""
    model, flags = "", frozenset[str]()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and not model:
            model = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = frozenset(value.split())
    return CpuInfo(model, flags)


def this_cpu() -> CpuInfo:
    """The CPU this process runs on."""
    try:
        return parse_cpuinfo(Path("/proc/cpuinfo").read_text(encoding="utf-8",
                                                             errors="replace"))
    except OSError:
        return CpuInfo(platform.processor() or platform.machine(), frozenset())


def layout_key(weights: Path, cpu: CpuInfo, runtime: str) -> str:
    """What a layout decision holds for: one weights file, one CPU, one llama.cpp build."""
    stat = weights.stat()
    return f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{cpu.signature}|{runtime}"


@dataclass(frozen=True)
class LayoutChoice:
    """A remembered decision and why it was made."""

    layout: str
    reason: str


class LayoutMemory:
    """The remembered layout decisions, in a JSON file (derived data: safe to delete)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> LayoutChoice | None:
        """The decision stored for ``key``, if any (a damaged file counts as none)."""
        entry = self._read().get(key)
        if not isinstance(entry, dict) or entry.get("layout") not in (FAST, SAFE):
            return None
        return LayoutChoice(str(entry["layout"]), str(entry.get("reason", "")))

    def remember(self, key: str, choice: LayoutChoice) -> None:
        """Store a decision (written whole to a temporary file, then renamed over)."""
        data = self._read()
        data[key] = {"layout": choice.layout, "reason": choice.reason,
                     "when": time.strftime("%Y-%m-%d %H:%M:%S")}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            write_atomic(self.path, json.dumps(data, indent=2))
        except OSError:
            pass  # not remembered: decided again next time
