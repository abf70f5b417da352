"""The workbench's charts (QtCharts), one tab each: power cost per bitcoin against the
electricity price for several machine efficiencies with the regions' tariffs and the
break-even price marked, and a miner's daily margin as the bitcoin price moves. They
display, and the one on show saves as PNG or SVG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from PySide6.QtCharts import (
    QChart,
    QChartView,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
    QXYSeries,
)
from PySide6.QtCore import QEvent, QLocale, QMargins, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from assistant.app import Preset

Point = tuple[float, float]
SeriesT = TypeVar("SeriesT", bound=QXYSeries)
Line = tuple[str, Sequence[Point], bool]  # label, points, whether it is the inputs' own
# Okabe and Ito's colour-blind-safe colours, dark enough on white and light enough on grey
MACHINE_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
CURRENT_COLOR = {False: "#111111", True: "#f2f2f2"}  # the inputs' own line, by dark theme
TARIFF_COLOR = {False: "#6b6b6b", True: "#a8a8a8"}
FADED = 0.3  # the charts' opacity while the inputs cannot be computed
LABEL_ROWS = 6  # tariff labels close together are stacked on this many rows, or as many as fit


def is_dark(palette: QPalette) -> bool:
    """Whether ``palette`` is a dark theme (dark window background)."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def _active(palette: QPalette, role: QPalette.ColorRole) -> QColor:
    """The palette's colour for an enabled widget: the charts are drawn in it even while
    the workbench waits for its presets (disabled), and a greyed chart fades instead."""
    return palette.color(QPalette.ColorGroup.Active, role)


def short_label(preset: Preset) -> str:
    """A tariff's chart label: its region, without the note in brackets, and its cents."""
    return f"{preset.label.split(' (')[0]} {preset.value * 100:.1f}¢"


def label_rows(positions: Sequence[float], widths: Sequence[float],
               rows: int = LABEL_ROWS) -> list[int]:
    """A row for each label centred at ``positions`` (pixels, ascending) so that labels on
    one row do not overlap; when every row is taken, the row that frees up first."""
    ends = [float("-inf")] * rows
    chosen = []
    for x, width in zip(positions, widths, strict=True):
        free = [row for row in range(rows) if ends[row] <= x - width / 2]
        row = free[0] if free else min(range(rows), key=lambda r: ends[r])
        ends[row] = x + width / 2
        chosen.append(row)
    return chosen


def clipped(points: Sequence[Point], top: float) -> list[Point]:
    """A line's points up to where it leaves the chart's top, ending there exactly (an SVG
    drawing keeps no clip, so a steep line would run out of the plot)."""
    kept: list[Point] = []
    for x, y in points:
        if y <= top:
            kept.append((x, y))
            continue
        if kept:
            (x0, y0) = kept[-1]
            kept.append((x0 + (x - x0) * (top - y0) / (y - y0), top))
        break
    return kept


def _pen(color: str, width: float = 2.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(QColor(color))
    pen.setWidthF(width)
    pen.setStyle(style)
    return pen


def nice_step(span: float, most: int = 8) -> float:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that cuts ``span`` into at most
    ``most`` steps (tick labels a reader can take in)."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    power = 10 ** math.floor(math.log10(span / most))
    return next(power * factor for factor in (1, 2, 2.5, 5, 10) if span / (power * factor) <= most)


def grouped_numbers(chart: QChart) -> None:
    """Axis labels with thousands separators (140,000), as the figures beside them are
    written; Qt's printf-style label formats have none."""
    chart.setLocalizeNumbers(True)
    chart.setLocale(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


def _axis(title: str, low: float, high: float, label_format: str) -> QValueAxis:
    axis = QValueAxis()
    axis.setTitleText(title)
    axis.setRange(low, high)
    axis.setLabelFormat(label_format)
    axis.setTruncateLabels(False)  # "…" for every figure on a short chart says nothing
    step = nice_step(high - low)
    axis.setTickType(QValueAxis.TickType.TicksDynamic)
    axis.setTickAnchor(math.ceil(low / step) * step)
    axis.setTickInterval(step)
    return axis


class MiningCharts(QWidget):
    """The cost chart above the margin chart; :meth:`show_costs` and :meth:`show_margin`
    redraw them, and they follow the application's light or dark palette."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cost_chart, self.cost_view = QChart(), QChartView()
        self.margin_chart, self.margin_view = QChart(), QChartView()
        for chart, view, name in (
                (self.cost_chart, self.cost_view,
                 "Chart: power cost per bitcoin against the electricity price"),
                (self.margin_chart, self.margin_view,
                 "Chart: your daily margin against the bitcoin price")):
            view.setChart(chart)
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setAccessibleName(name)
            view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # reachable, so a reader finds it
            view.setMinimumHeight(200)
            chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
            chart.setMargins(QMargins(6, 6, 6, 6))
            grouped_numbers(chart)
        self.margin_chart.legend().setVisible(False)
        self.tabs = QTabWidget()  # one chart at a time: each gets the height it needs
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.cost_view, "Power cost per bitcoin")
        self.tabs.addTab(self.margin_view, "Your daily margin")
        self.tabs.setAccessibleName("Charts")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.tariffs: tuple[Preset, ...] = ()
        self._tariff_marks: list[tuple[QScatterSeries, float, str]] = []
        self._cost_args: tuple[Sequence[Line], Point, float, float] | None = None
        self._margin_args: tuple[Sequence[Point], Point, float] | None = None
        self._dark = is_dark(self.palette())
        self.cost_chart.plotAreaChanged.connect(lambda _area: self._place_tariff_labels())
        self._apply_theme()

    # -- drawing ----------------------------------------------------------------------------

    def show_tariffs(self, tariffs: Sequence[Preset]) -> None:
        """The regions' tariffs to mark on the cost chart (from the next redraw)."""
        self.tariffs = tuple(sorted(tariffs, key=lambda t: t.value))

    def show_costs(self, lines: Sequence[Line], now: Point, breakeven_usd_kwh: float,
                   btc_price_usd: float) -> None:
        """Draw the cost lines, the tariffs, ``now`` (the inputs' price and cost), the
        bitcoin price and the break-even price."""
        self._cost_args = (lines, now, breakeven_usd_kwh, btc_price_usd)
        chart = self.cost_chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        high_x = max((x for _label, points, _ in lines for x, _y in points), default=0.15)
        current = [points for _label, points, own in lines if own]
        top = max([y for points in current for _x, y in points] + [btc_price_usd]) * 1.15
        x_axis = _axis("Electricity price ($/kWh)", 0, high_x, "%.2f")
        y_axis = _axis("$ per BTC", 0, top or 1, "%.0f")
        self._add_axes(chart, x_axis, y_axis)
        colors = iter(MACHINE_COLORS * 4)
        for label, points, own in lines:
            pen = (_pen(CURRENT_COLOR[self._dark], 3.5) if own
                   else _pen(next(colors), 2.0))
            self._add(chart, QLineSeries(), label, clipped(points, top), pen, (x_axis, y_axis))
        self._add(chart, QLineSeries(), f"BTC ${btc_price_usd:,.0f}",
                  [(0, btc_price_usd), (high_x, btc_price_usd)],
                  _pen("#C62828" if not self._dark else "#FF8A80", 1.5, Qt.PenStyle.DashLine),
                  (x_axis, y_axis))
        self._tariff_marks = []
        for tariff in self.tariffs:
            vertical = self._add(chart, QLineSeries(), tariff.label,
                                 [(tariff.value, 0), (tariff.value, top)],
                                 _pen(TARIFF_COLOR[self._dark], 1.0, Qt.PenStyle.DotLine),
                                 (x_axis, y_axis), legend=False)
            vertical.setProperty("tariff", tariff.key)
            mark = self._labelled_point(chart, tariff.label, (tariff.value, top * 0.9),
                                        short_label(tariff), TARIFF_COLOR[self._dark],
                                        (x_axis, y_axis), size=6.0)
            self._tariff_marks.append((mark, tariff.value, short_label(tariff)))
        self._labelled_point(chart, "Your price", now, f"You ${now[1]:,.0f}",
                             MACHINE_COLORS[0], (x_axis, y_axis), size=10.0)
        self._labelled_point(chart, "Break-even", (breakeven_usd_kwh, btc_price_usd),
                             f"Break-even {breakeven_usd_kwh * 100:.1f}¢/kWh",
                             "#C62828" if not self._dark else "#FF8A80", (x_axis, y_axis),
                             size=11.0, legend=True)
        chart.setTitle("Power cost per bitcoin (with PUE) by machine, and regions' tariffs")
        self._place_tariff_labels()

    def show_margin(self, points: Sequence[Point], now: Point,
                    breakeven_btc_price_usd: float) -> None:
        """Draw the miner's daily margin against the bitcoin price, ``now`` (the bitcoin
        price and margin of the inputs) and at break-even."""
        self._margin_args = (points, now, breakeven_btc_price_usd)
        chart = self.margin_chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        xs, ys = [x for x, _ in points] or [0.0], [y for _, y in points] or [0.0]
        low, high = min(ys + [0.0]), max(ys + [0.0])
        pad = (high - low) * 0.12 or 1.0
        x_axis = _axis("Bitcoin price ($)", 0, max(xs), "%.0f")
        y_axis = _axis("$ per day", low - pad, high + pad, "%.0f")
        self._add_axes(chart, x_axis, y_axis)
        axes = (x_axis, y_axis)
        self._add(chart, QLineSeries(), "Zero margin", [(0, 0), (max(xs), 0)],
                  _pen(TARIFF_COLOR[self._dark], 1.0, Qt.PenStyle.DashLine), axes)
        self._add(chart, QLineSeries(), "Daily margin", points,
                  _pen(CURRENT_COLOR[self._dark], 3.0), axes)
        self._labelled_point(chart, "Now", now, f"Now ${now[1]:,.0f}/day", MACHINE_COLORS[0],
                             axes, size=10.0)
        self._labelled_point(chart, "Break-even bitcoin price", (breakeven_btc_price_usd, 0),
                             f"Break-even ${breakeven_btc_price_usd:,.0f}",
                             "#C62828" if not self._dark else "#FF8A80", axes, size=10.0)
        chart.setTitle("Your daily margin as the bitcoin price moves")

    def _add_axes(self, chart: QChart, x_axis: QValueAxis, y_axis: QValueAxis) -> None:
        """Add the axes in the window's font and text colour, in either theme."""
        text = _active(self.palette(), QPalette.ColorRole.WindowText)
        title = QFont(self.font())
        title.setBold(True)
        for axis, side in ((x_axis, Qt.AlignmentFlag.AlignBottom),
                           (y_axis, Qt.AlignmentFlag.AlignLeft)):
            axis.setLabelsFont(self.font())
            axis.setLabelsColor(text)
            axis.setTitleFont(title)
            axis.setTitleBrush(text)
            chart.addAxis(axis, side)

    def _add(self, chart: QChart, series: SeriesT, name: str, points: Sequence[Point],
             pen: QPen, axes: tuple[QValueAxis, QValueAxis], *,
             legend: bool = True) -> SeriesT:
        series.setName(name)
        series.append([QPointF(x, y) for x, y in points])
        chart.addSeries(series)
        series.setPen(pen)
        for axis in axes:
            series.attachAxis(axis)
        if not legend:
            for marker in chart.legend().markers(series):
                marker.setVisible(False)
        return series

    def _labelled_point(self, chart: QChart, name: str, point: Point, text: str, color: str,
                        axes: tuple[QValueAxis, QValueAxis], *, size: float,
                        legend: bool = False) -> QScatterSeries:
        series = QScatterSeries()
        series.setMarkerSize(size)
        series.setColor(QColor(color))
        series.setBorderColor(QColor(color))
        series.setPointLabelsFormat(text.replace("@", ""))  # no @xPoint: the text as it is
        series.setPointLabelsVisible(True)
        small = QFont(self.font())
        small.setPointSizeF(small.pointSizeF() * 0.85)
        series.setPointLabelsFont(small)
        series.setPointLabelsClipping(False)
        series.setPointLabelsColor(_active(self.palette(), QPalette.ColorRole.WindowText))
        self._add(chart, series, name, [point], QPen(QColor(color)), axes, legend=legend)
        series.setColor(QColor(color))
        return series

    def _place_tariff_labels(self) -> None:
        """Stack the tariff labels in rows near the top so that none overlaps another."""
        if not self._tariff_marks or self._cost_args is None:
            return
        axes = self.cost_chart.axes(Qt.Orientation.Horizontal)
        tops = self.cost_chart.axes(Qt.Orientation.Vertical)
        if not axes or not tops:
            return
        x_axis, y_axis = axes[0], tops[0]
        assert isinstance(x_axis, QValueAxis) and isinstance(y_axis, QValueAxis)
        area = self.cost_chart.plotArea()
        width = area.width() or max(self.cost_view.width() - 120, 100)
        metrics = QFontMetrics(self._tariff_marks[0][0].pointLabelsFont())
        scale = width / (x_axis.max() - x_axis.min() or 1)
        step = (metrics.height() + 4) / max(area.height(), 100)  # a row, as a share of the plot
        rows = label_rows([value * scale for _, value, _ in self._tariff_marks],
                          [metrics.horizontalAdvance(text) + 10
                           for _, _, text in self._tariff_marks],
                          max(LABEL_ROWS, int(0.8 / step)))
        for (mark, value, _), row in zip(self._tariff_marks, rows, strict=True):
            mark.replace(0, QPointF(value, y_axis.max() * (0.95 - step * row)))

    # -- theme and export -------------------------------------------------------------------

    def _apply_theme(self) -> None:
        themes = QChart.ChartTheme
        theme = themes.ChartThemeDark if self._dark else themes.ChartThemeLight
        palette = self.palette()
        for chart in (self.cost_chart, self.margin_chart):
            chart.setTheme(theme)
            chart.setBackgroundBrush(_active(palette, QPalette.ColorRole.Base))
            chart.setBackgroundRoundness(0)
            chart.setTitleBrush(_active(palette, QPalette.ColorRole.WindowText))
            chart.legend().setLabelColor(_active(palette, QPalette.ColorRole.WindowText))
            chart.legend().setFont(self.font())
            title = QFont(self.font())
            title.setBold(True)
            chart.setTitleFont(title)
        if self._cost_args is not None:
            self.show_costs(*self._cost_args)
        if self._margin_args is not None:
            self.show_margin(*self._margin_args)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        kind = event.type()
        if kind in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            dark = is_dark(self.palette())
            if dark != self._dark:
                self._dark = dark
                self._apply_theme()
        elif kind in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self._apply_theme()  # the charts' text in the window's new size
        super().changeEvent(event)

    def fade(self, faded: bool) -> None:
        """Fade the charts while they show figures for inputs that no longer hold."""
        for chart in (self.cost_chart, self.margin_chart):
            chart.setOpacity(FADED if faded else 1.0)

    def shown(self) -> QChartView:
        """The chart on show (the one saved)."""
        view = self.tabs.currentWidget()
        assert isinstance(view, QChartView)
        return view

    def save_png(self, path: Path) -> None:
        """Save the chart on show, as it is shown, to ``path`` as a PNG image."""
        if not self.shown().grab().save(str(path), "PNG"):
            raise OSError(f"Could not write the image {path}")

    def save_svg(self, path: Path) -> None:
        """Save the chart on show, as it is shown, to ``path`` as an SVG drawing."""
        view = self.shown()
        size = view.size() if not view.size().isEmpty() else QSize(900, 600)
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(size)
        generator.setViewBox(QRect(0, 0, size.width(), size.height()))
        generator.setTitle("Offgrid mining economics")
        painter = QPainter(generator)
        try:
            view.render(painter, QRectF(0, 0, size.width(), size.height()),
                        view.viewport().rect())  # the scene's items, drawn as vectors
        finally:
            painter.end()
        if not path.exists() or path.stat().st_size == 0:
            raise OSError(f"Could not write the drawing {path}")
