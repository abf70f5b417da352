"""The real window answering one question, printing what it shows (run by test_chat_durability).

    QT_QPA_PLATFORM=offscreen python -m tests.chat_kill DATA_DIR LIBRARY QUESTION

The real app (controllers, window, default model, real embedder) on a small library. The
question is typed into the input and sent, continuing the latest stored conversation. Each
time the conversation view repaints its text, the turns it shows are printed as a line
``SHOWN [[question, answer so far], …]``; ``DONE`` when the answer is finished.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from assistant.app.service import AssistantService
from ui.controllers import Controllers
from ui.panels.chat_view import ChatView
from ui.window.main_window import MainWindow


def main(data_dir: Path, library: Path, question: str) -> int:
    app = QApplication([sys.argv[0]])
    render = ChatView.render

    def render_and_report(view: ChatView) -> None:
        render(view)
        shown = [[turn.question, turn.text] for turn in view.turns]
        print("SHOWN " + json.dumps(shown), flush=True)

    ChatView.render = render_and_report  # type: ignore[method-assign]
    controllers = Controllers.create(lambda: AssistantService(data_dir, library_dir=library))
    session = controllers.session
    window = MainWindow(controllers)
    window.show()

    def ask() -> None:
        assert session.service is not None
        latest = session.service.list_conversations()
        if latest:
            session.conversation_id = latest[0].id
        window.question.input.setPlainText(question)
        window.user_actions.send()

    session.model_ready.connect(lambda _model: QTimer.singleShot(0, ask))
    controllers.chat.answered.connect(lambda _answer: print("DONE", flush=True))
    session.start()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]))
