"""The conversation as rendered Markdown, with citation markers as links."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtWidgets import QWidget

from assistant.app import INTERRUPTED, Answer
from ui.widgets.inert import InertBrowser, escape_markdown

_FLAG = "\x00{}\x00"  # where a flagged sentence ends, before the text is escaped
_MARKS = re.compile(r"\[(\d+)\]|\x00(\d+)\x00")
RENDER_DELAY_MS = 40


@dataclass
class ChatTurn:
    """A question and its answer as far as it has been written."""

    question: str
    text: str = ""
    answer: Answer | None = None
    flags: list[str] = field(default_factory=list)
    # Whether the model's unsupported sentences are shown (they start collapsed).
    expanded: bool = False


def answer_markdown(turn_index: int, text: str, flagged: list[str]) -> str:
    """The answer as Markdown: its text escaped (inert), ``[n]`` as citation links and a
    mark after each flagged sentence."""
    text = text.replace("\x00", "")
    for number, sentence in enumerate(flagged, start=1):
        if sentence and sentence in text:
            text = text.replace(sentence, sentence + _FLAG.format(number), 1)
    out, cursor = [], 0
    for mark in _MARKS.finditer(text):
        out.append(escape_markdown(text[cursor:mark.start()]))
        if mark.group(1) is not None:
            out.append(f"[\\[{mark.group(1)}\\]](cite:{turn_index}/{mark.group(1)})")
        else:
            out.append(f" [⚠](flag:{turn_index}/{mark.group(2)})")
        cursor = mark.end()
    out.append(escape_markdown(text[cursor:]))
    return "".join(out).replace("\n", "  \n")  # a summary's lines stay lines


def set_aside_markdown(index: int, turn: ChatTurn) -> list[str]:
    """The collapsed part after an answer: what the model also wrote that the sources do
    not support (not part of the answer; listed only when expanded)."""
    if turn.answer is None:
        return []
    aside = [c for c in turn.answer.unsupported if c.claim.text not in turn.text]
    if not aside:
        return []
    arrow = "▾" if turn.expanded else "▸"
    lines = ["", f"[{arrow} The model also wrote {len(aside)} "
                 f"{'sentence' if len(aside) == 1 else 'sentences'} not supported by the "
                 f"sources](more:{index}/0)"]
    if turn.expanded:
        lines.append("")
        lines += [f"- *{escape_markdown(c.claim.text)}* ({escape_markdown(c.reason or '')})"
                  for c in aside]
    return lines


def turn_markdown(index: int, turn: ChatTurn) -> str:
    """One exchange: the question, then the answer, the abstention, or a typing mark."""
    question = escape_markdown(turn.question).replace("\n", "  \n")
    parts = [f"**You:** {question}", ""]
    interrupted = turn.answer is not None and turn.answer.stop_reason == INTERRUPTED
    why = turn.answer.interruption if turn.answer is not None else ""
    if turn.answer is not None and turn.answer.abstained:
        parts.append(f"> {escape_markdown(turn.answer.text)}")
    elif turn.text:
        parts.append(answer_markdown(index, turn.text, turn.flags))
        parts.extend(set_aside_markdown(index, turn))
        if turn.answer is not None and turn.answer.stop_reason == "cancelled":
            parts.append("\n*(stopped)*")
        elif interrupted:
            why = why or "Offgrid closed before the answer was finished"
            parts.append(f"\n*(interrupted: {escape_markdown(why)})*")
    elif interrupted:
        why = why or "Offgrid closed before the answer began"
        parts.append(f"*(not answered: {escape_markdown(why)})*")
    else:
        parts.append("*…*")
    return "\n".join(parts)


class ChatView(InertBrowser):
    """Shows the turns of the current conversation; emits ``citation_clicked(turn, n)``, and
    ``open_workbench_requested(inputs)`` (calculator field → value) for a computed answer."""

    citation_clicked = Signal(int, int)
    flag_clicked = Signal(int, int)
    open_workbench_requested = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Conversation")
        self.turns: list[ChatTurn] = []
        self.anchorClicked.connect(self._anchor)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RENDER_DELAY_MS)
        self._timer.timeout.connect(self.render)

    def clear_turns(self) -> None:
        """Empty the conversation."""
        self.turns.clear()
        self.render()

    def show_answers(self, answers: list[Answer]) -> None:
        """Show a stored conversation."""
        self.turns = [ChatTurn(a.question, a.text, a, [c.claim.text for c in a.unsupported])
                      for a in answers]
        self.render()

    def add_question(self, question: str) -> None:
        """Show a new question waiting for its answer."""
        self.turns.append(ChatTurn(question))
        self.render()

    def append_text(self, piece: str) -> None:
        """Add a streamed piece to the last answer (rendered a few times a second)."""
        if self.turns:
            self.turns[-1].text += piece
            if not self._timer.isActive():
                self._timer.start()

    def finish(self, answer: Answer) -> None:
        """Replace the streamed text with the finished, checked answer."""
        if not self.turns:
            self.turns.append(ChatTurn(answer.question))
        turn = self.turns[-1]
        turn.answer = answer
        turn.text = answer.text
        turn.flags = [check.claim.text for check in answer.unsupported]
        self.render()

    def render(self) -> None:
        """Redraw every turn and keep the view at the bottom."""
        self._timer.stop()
        markdown = "\n\n---\n\n".join(turn_markdown(i, t) for i, t in enumerate(self.turns))
        self.show_markdown(markdown)
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _anchor(self, url: QUrl) -> None:
        kind = url.scheme()
        turn, _, number = url.path().partition("/")
        if not (turn.isdigit() and number.isdigit()):
            return
        if kind == "cite":
            self.citation_clicked.emit(int(turn), int(number))
        elif kind == "flag":
            self.flag_clicked.emit(int(turn), int(number))
        elif kind == "more" and int(turn) < len(self.turns):
            self.turns[int(turn)].expanded = not self.turns[int(turn)].expanded
            bar = self.verticalScrollBar().value()
            self.render()
            self.verticalScrollBar().setValue(bar)
