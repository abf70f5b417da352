"""A computed answer's figure under the chat: a small chart of the figure against the input
it moves with, the answer's point marked, and a button that opens the workbench with the
answer's inputs."""

from __future__ import annotations

import math

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QScatterSeries, QValueAxis
from PySide6.QtCore import QEvent, QMargins, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assistant.app import Answer, Calculation
from ui.panels.mining_charts import grouped_numbers, nice_step

CHART_HEIGHT = 190
POINT_SIZE = 10.0


def axis_title(label: str, unit: str) -> str:
    """An axis title: "electricity price ($/kWh)"."""
    return f"{label} ({unit})" if unit else label


def point_description(calculation: Calculation) -> str:
    """The answer's point in words, for the chart's accessible description."""
    x = calculation.input(calculation.x_input)
    return (f"{calculation.label} against {x.label}; the answer's point: {x.value:g} {x.unit}, "
            f"{calculation.value:,.4g} {calculation.unit}")


def label_format(top: float) -> str:
    """An axis's number format for values up to ``top``: whole numbers from 10 up, else
    enough decimals to tell the ticks apart."""
    return "%.0f" if top >= 10 else "%.2f" if top >= 1 else "%.3f"


def is_dark(palette: QPalette) -> bool:
    """Whether the palette is a dark theme's (its window colour is dark)."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


class FigureCard(QFrame):
    """Shows the latest answer's calculation as a chart; hidden for other answers.
    ``open_workbench_requested(inputs)`` carries the calculator inputs (field → value)."""

    open_workbench_requested = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Computed figure")
        self.calculation: Calculation | None = None
        self.title = QLabel()
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chart = QChart()
        self.chart.legend().hide()
        self.chart.setMargins(QMargins(0, 0, 0, 0))
        grouped_numbers(self.chart)
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(CHART_HEIGHT)
        self.view.setMaximumHeight(CHART_HEIGHT)
        self.view.setAccessibleName("Chart of the computed figure")
        self.workbench_button = QPushButton("Open in workbench")
        self.workbench_button.setAccessibleName("Open these inputs in the workbench")
        self.workbench_button.setToolTip("Open the mining economics workbench with the inputs "
                                         "this answer used")
        self.workbench_button.clicked.connect(self._open_workbench)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.workbench_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(top)
        layout.addWidget(self.view)
        self.setVisible(False)

    def show_answer(self, answer: Answer | None) -> None:
        """Chart ``answer``'s calculation, or hide the card if it has none."""
        calculation = answer.calculation if answer is not None else None
        self.calculation = calculation
        if calculation is None:
            self.setVisible(False)
            return
        self.title.setText(f"{calculation.label.capitalize()}: {calculation.value_text}")
        self._plot(calculation)
        self.view.setAccessibleDescription(point_description(calculation))
        self.setVisible(True)

    def _plot(self, calculation: Calculation) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        curve = QLineSeries()
        curve.setName(calculation.label)
        for x, y in calculation.curve:
            curve.append(QPointF(x, y))
        x_input = calculation.input(calculation.x_input)
        point = QScatterSeries()
        point.setName("This answer")
        point.setMarkerSize(POINT_SIZE)
        point.append(QPointF(x_input.value, calculation.value))
        self.chart.addSeries(curve)
        self.chart.addSeries(point)
        x_axis, y_axis = QValueAxis(), QValueAxis()
        x_axis.setTitleText(axis_title(x_input.label, x_input.unit))
        y_axis.setTitleText(calculation.unit)
        xs = [x for x, _ in calculation.curve] + [x_input.value]
        ys = [y for _, y in calculation.curve] + [calculation.value]
        x_axis.setRange(min(xs), max(xs))
        y_axis.setRange(min(0.0, min(ys)), max(ys) * 1.05 if max(ys) > 0 else 1.0)
        y_axis.setLabelFormat(label_format(max(abs(y) for y in ys)))
        x_axis.setLabelFormat(label_format(max(xs)))
        for axis in (x_axis, y_axis):  # ticks at round steps (0.025, not 0.0375)
            step = nice_step(axis.max() - axis.min(), most=5)
            axis.setTickType(QValueAxis.TickType.TicksDynamic)
            axis.setTickAnchor(math.ceil(axis.min() / step) * step)
            axis.setTickInterval(step)
        for axis, side in ((x_axis, Qt.AlignmentFlag.AlignBottom),
                           (y_axis, Qt.AlignmentFlag.AlignLeft)):
            self.chart.addAxis(axis, side)
            curve.attachAxis(axis)
            point.attachAxis(axis)
        self._apply_theme()

    def _apply_theme(self) -> None:
        """Follow the application's light or dark palette."""
        palette = QApplication.palette()
        dark = is_dark(palette)
        self.chart.setTheme(QChart.ChartTheme.ChartThemeDark if dark
                            else QChart.ChartTheme.ChartThemeLight)
        self.chart.setBackgroundBrush(palette.color(QPalette.ColorRole.Base))
        series = self.chart.series()
        if len(series) == 2 and isinstance(series[1], QScatterSeries):
            series[1].setColor(QColor("#f2a900" if dark else "#d9480f"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        changes = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        if event.type() in changes and self.calculation is not None:
            self._apply_theme()
        super().changeEvent(event)

    def _open_workbench(self) -> None:
        if self.calculation is not None:
            self.open_workbench_requested.emit(self.calculation.workbench_inputs())
