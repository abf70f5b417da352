"""Light, dark and system themes and the font size, applied to the whole application. The
system theme follows the desktop's light or dark setting, also when it changes."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

DARK = {
    QPalette.ColorRole.Window: "#2b2b2b", QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1f1f1f", QPalette.ColorRole.AlternateBase: "#2b2b2b",
    QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#353535",
    QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#3d7bd9",
    QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.Link: "#8ab4f8",
    QPalette.ColorRole.ToolTipBase: "#353535", QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.PlaceholderText: "#9a9a9a",
}


def shown_theme(theme: str, scheme: Qt.ColorScheme) -> str:
    """The palette a theme setting shows: "system" is dark only when the desktop is dark
    (an unknown scheme shows light)."""
    if theme != "system":
        return theme
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def desktop_scheme() -> Qt.ColorScheme:
    """The desktop's light or dark setting, as Qt reads it."""
    return QGuiApplication.styleHints().colorScheme()


def apply_appearance(theme: str, font_size: int,
                     scheme: Qt.ColorScheme | None = None) -> None:
    """Use the Fusion style with a light or dark palette and the given point size; the
    "system" theme takes ``scheme`` (by default the desktop's)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    app.setStyle("Fusion")
    palette = app.style().standardPalette()
    if shown_theme(theme, desktop_scheme() if scheme is None else scheme) == "dark":
        for role, color in DARK.items():
            palette.setColor(role, QColor(color))
        for role in (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Text,
                     QPalette.ColorRole.WindowText):
            palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    app.setPalette(palette)
    font = QFont(app.font())
    font.setPointSize(font_size)
    app.setFont(font)


class Appearance(QObject):
    """The look in use: applies a theme and font size once each changes, and again when the
    desktop turns light or dark while the theme is "system"."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.look: tuple[str, int] | None = None  # the theme and font size applied
        QGuiApplication.styleHints().colorSchemeChanged.connect(self.scheme_changed)

    def show(self, theme: str, font_size: int) -> None:
        """Apply ``theme`` and ``font_size`` unless they are the ones shown."""
        if self.look != (theme, font_size):
            self.look = (theme, font_size)
            apply_appearance(theme, font_size)

    def scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        """The desktop turned light or dark: follow it if the theme is "system"."""
        if self.look is not None and self.look[0] == "system":
            apply_appearance(*self.look, scheme=scheme)
