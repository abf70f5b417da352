"""The mining part of the app's door: the calculator's presets, read from the library notes
Offgrid ships."""

from __future__ import annotations

from assistant.mining.presets import Presets, load_presets


class MiningDoor:
    """What :class:`~assistant.app.service.AssistantService` offers the mining calculator
    (its pure functions are re-exported by :mod:`assistant.app` beside it)."""

    _mining_presets: Presets | None = None

    def mining_presets(self) -> Presets:
        """The network defaults, machines and dated tariffs, each with the note passage it is
        read from; read from the bundled library's notes once, whatever folder the service
        indexes (a test's small library need not carry the notes)."""
        if self._mining_presets is None:
            self._mining_presets = load_presets()
        return self._mining_presets
