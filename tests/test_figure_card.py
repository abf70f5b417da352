"""The computed answer's chart under the chat: shown for a calculation only, with the curve
and the answer's point, in both themes; its button asks for the workbench with the inputs."""

from __future__ import annotations

import pytest
from PySide6.QtCharts import QChart, QLineSeries, QScatterSeries
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from assistant.app import Answer, Timings, load_presets
from assistant.mining.figures import calculate_figure
from assistant.mining.questions import figure_question
from tests import qt_fixtures
from ui.panels.figure_card import FigureCard, is_dark
from ui.window.appearance import apply_appearance

restored_look = qt_fixtures.restored_look  # the fixture, shared

QUESTION = "What is the energy cost per bitcoin at 8 cents per kWh?"


def _answer(question: str = QUESTION, computed: bool = True) -> Answer:
    calculation = None
    if computed:
        presets = load_presets()
        figure = figure_question(question, presets)
        assert figure is not None
        calculation = calculate_figure(figure, presets)
    return Answer(question, "About $68,267 per bitcoin", False, [], [], [], "", Timings(),
                  calculation=calculation)



def test_a_computed_answer_shows_its_chart_and_the_button_opens_the_workbench(qtbot) -> None:  # type: ignore[no-untyped-def]
    column = QWidget()
    qtbot.addWidget(column)
    card = FigureCard()
    QVBoxLayout(column).addWidget(card)
    column.show()
    assert not card.isVisible()  # nothing computed yet
    card.show_answer(_answer())
    assert card.isVisible()
    assert "Energy cost per bitcoin" in card.title.text() and "$68,267" in card.title.text()
    curve, point = card.chart.series()
    assert isinstance(curve, QLineSeries) and isinstance(point, QScatterSeries)
    assert curve.count() > 10 and curve.at(0).x() == 0
    assert (point.at(0).x(), round(point.at(0).y())) == (0.08, 68_267)
    x_axis = card.chart.axes(Qt.Orientation.Horizontal)[0]
    assert x_axis.titleText() == "electricity price ($/kWh)"
    assert "0.08" in card.view.accessibleDescription()
    with qtbot.waitSignal(card.open_workbench_requested) as blocker:
        qtbot.mouseClick(card.workbench_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == {"hashrate_eh_s": 800.0, "efficiency_j_th": 20.0,
                               "block_time_s": 600.0, "subsidy_btc": 3.125, "fees_btc": 0.0,
                               "price_usd_kwh": 0.08}
    card.show_answer(_answer("What is hashprice?", computed=False))
    assert not card.isVisible()


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_the_chart_follows_the_theme(qtbot, theme: str, restored_look: None) -> None:  # type: ignore[no-untyped-def]
    card = FigureCard()
    qtbot.addWidget(card)
    apply_appearance(theme, 10)
    card.show_answer(_answer("Is mining profitable in Ethiopia with 17.5 J/TH machines?"))
    assert is_dark(QApplication.palette()) == (theme == "dark")
    wanted = QChart.ChartTheme.ChartThemeDark if theme == "dark" else \
        QChart.ChartTheme.ChartThemeLight
    assert card.chart.theme() == wanted


def test_a_theme_change_redraws_the_chart_shown(qtbot, restored_look: None) -> None:  # type: ignore[no-untyped-def]
    card = FigureCard()
    qtbot.addWidget(card)
    apply_appearance("light", 10)
    card.show_answer(_answer())
    assert card.chart.theme() == QChart.ChartTheme.ChartThemeLight
    apply_appearance("dark", 10)
    qtbot.waitUntil(lambda: card.chart.theme() == QChart.ChartTheme.ChartThemeDark,
                    timeout=2_000)
