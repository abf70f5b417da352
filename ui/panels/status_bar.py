"""The status bar: messages, the answer's speed, memory, the model, the local API while it
serves, and "Offline" (or the model server answers come from)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from assistant.app import resident_bytes

MODEL_NAME_CHARS = 40


def short_model_name(model_id: str) -> str:
    """A model's name as the status bar shows it: the last part of a path, at most
    :data:`MODEL_NAME_CHARS` characters."""
    name = model_id.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or model_id
    return name if len(name) <= MODEL_NAME_CHARS else name[:MODEL_NAME_CHARS - 1] + "…"


def process_memory_mb() -> float:
    """This process's resident memory now, in MB (0 where it cannot be read)."""
    return (resident_bytes() or 0) / (1024 * 1024)


# Fewer tokens than this say nothing about the model's speed.
MEASURABLE_TOKENS = 8


class StatusBar(QStatusBar):
    """Messages on the left; speed, memory, model and "Offline" always shown on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_label = QLabel("Model: loading…")
        self.memory_label = QLabel("")
        self.speed_label = QLabel("")
        self.api_label = QLabel("")
        self.api_label.setObjectName("api")
        self.network_label = QLabel()
        self.network_label.setObjectName("network")
        self.show_network("")
        self.show_api("", "")
        self.addPermanentWidget(self.speed_label)
        self.addPermanentWidget(self.memory_label)
        self.addPermanentWidget(self.model_label)
        self.addPermanentWidget(self.api_label)
        self.addPermanentWidget(self.network_label)

    def show_api(self, address: str, url: str) -> None:
        """ "API: HOST:PORT" while the local API serves (at ``url``); nothing otherwise."""
        self.api_label.setText(f"API: {address}" if address else "")
        self.api_label.setVisible(bool(address))
        self.api_label.setToolTip(
            f"Offgrid's local API answers at {url} (Settings → Network → Serve the local API)."
            if address else "")

    def show_network(self, remote: str, shared: str = "") -> None:
        """ "● Offline", or "● Remote model: HOST" while a model server answers, and
        "Library shared: HOST" while the library is shared on a Chroma server: what leaves
        this computer, said plainly."""
        parts, tips = [], []
        if remote:
            parts.append(f"Remote model: {remote.rsplit(':', 1)[0]}")
            tips.append(f"Each question, with the passages it needs, goes to the model server "
                        f"at {remote}.")
        if shared:
            parts.append(f"Library shared: {shared.rsplit(':', 1)[0]}")
            tips.append(f"Documents you add or remove, their passages and vectors, go to the "
                        f"Chroma server at {shared}, and come from it; conversations stay here.")
        if parts:
            self.network_label.setText("● " + " · ".join(parts))
            self.network_label.setToolTip(" ".join(tips) + " Nothing else leaves this computer.")
        else:
            self.network_label.setText("● Offline")
            self.network_label.setToolTip("Nothing leaves this computer: no network is used.")

    def show_model(self, model_id: str, notice: str, embedder_notice: str = "") -> None:
        """The model in use (its file name: a server may name it by a long path, which
        would widen the window), with "(safe mode)" and its reason in the tooltip if so, and
        why search runs on its slower fallback embedder, if it does."""
        self.model_label.setText(f"Model: {short_model_name(model_id)}"
                                 f"{' (safe mode)' if notice else ''}")
        tip = [model_id] + ([notice[:1].upper() + notice[1:]] if notice else []) + (
            [f"Search: {embedder_notice}"] if embedder_notice else [])
        self.model_label.setToolTip("\n".join(tip))

    def show_loading(self, name: str) -> None:
        """A model is loading."""
        self.model_label.setText(f"Model: loading {name}…")

    def show_memory(self, app_mb: float, engine_mb: float) -> None:
        """The app's memory with its model engine's (the model lives in that process)."""
        self.memory_label.setText(f"{app_mb + engine_mb:.0f} MB")
        self.memory_label.setToolTip(f"Offgrid {app_mb:.0f} MB + model engine {engine_mb:.0f} MB")

    def show_speed(self, tokens: int, tokens_per_s: float, first_text_ms: float,
                   total_ms: float, *, unwritten: str = "Quoted from the sources") -> None:
        """How fast the last answer came: its first text, and the model's writing speed when
        it wrote enough to measure; an answer the model did not write says how it was made
        (``unwritten``: quoted from the sources, computed by the calculator)."""
        first = f"first text {first_text_ms / 1000:.1f} s"
        if not tokens:
            took = f"{total_ms:.0f} ms" if total_ms < 1000 else f"{total_ms / 1000:.1f} s"
            self.speed_label.setText(f"{unwritten} · {took}")
        elif tokens < MEASURABLE_TOKENS:
            self.speed_label.setText(f"{first} · {tokens} tokens written")
        else:
            self.speed_label.setText(f"{first} · {tokens_per_s:.0f} tokens/s")
