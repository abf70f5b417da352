"""Asking: store the question, stream its answer, stop it; open a conversation and a passage."""

from __future__ import annotations

import threading
from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from assistant.app import Asked, Finished, Hit, Retrieved, Token, Waiting
from ui.controllers.session import SAFE_MODE_STATUS, Changes, Session

STILL_WRITING = "An answer is still being written; stop it first."
WAITING = "Waiting for the answer the local API is writing…"


class ChatController(QObject):
    """The chat's calls into the core, through the session; results come back as signals."""

    question_asked = Signal(str)
    retrieved = Signal(object)
    token = Signal(str)
    answered = Signal(object)
    busy_changed = Signal(bool)
    passage_ready = Signal(object, str)
    conversation_opened = Signal(int, list)

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.session = session
        self._cancel: threading.Event | None = None
        self._pending: str | None = None  # a question waiting to be answered
        self._pending_turn: int | None = None  # ... once stored, its turn
        self._waiting = False  # the answer waits for the local API's to end
        session.opened.connect(self._opened)
        session.answerable.connect(self._answerable)
        session.failed.connect(self._start_failed)
        session.closing.connect(self.stop)

    @property
    def busy(self) -> bool:
        """Whether an answer is being generated."""
        return self._cancel is not None

    def ask(self, question: str) -> bool:
        """Start answering ``question``; False (with an error signal) if that cannot start.

        The question is stored before it is shown (``question_asked``), so a crash never
        loses what the window showed. Asked while the library or the models are still
        loading, it is stored once the library is open and answered once they are ready.
        """
        session = self.session
        question = question.strip()
        if not question:
            return False
        if self.busy or self._pending is not None:
            session.error.emit(STILL_WRITING)
            return False
        if session.options.collections == ():
            session.error.emit("Tick at least one collection in the Library to search.")
            return False
        self._pending, self._pending_turn = question, None
        self.busy_changed.emit(True)
        if not session.ready:
            session.status.emit("Your question will be answered as soon as the model is "
                                "ready…")
        else:
            session.status.emit("")  # what was said about the last answer no longer holds
        if session.service is not None:
            self._store_question()
        return True

    def _opened(self) -> None:
        if self._pending is not None:  # asked while the library was opening
            self._store_question()

    def _answerable(self) -> None:
        if self._pending is not None and self._pending_turn is not None:
            self._answer_pending()  # (one still being stored is answered once it is)

    def _start_failed(self, _message: str) -> None:
        if self._pending is not None:  # the waiting question cannot be answered now
            self._pending = None
            self.busy_changed.emit(False)

    def _store_question(self) -> None:
        """Store the waiting question as a new turn (in a worker), then show it."""
        question, conversation_id = self._pending, self.session.conversation_id
        assert question is not None
        self.session.write(lambda s: s.start_turn(question, conversation_id),
                           Changes(conversations=True), self._question_stored,
                           on_error=self._ask_failed)

    def _question_stored(self, asked: Asked) -> None:
        if self._pending is None:  # dropped before it was shown: it leaves no trace
            self.session.write(lambda s: s.abandon_turn(asked.turn_id, shown=False),
                               Changes(conversations=True))
            return
        self.session.conversation_id, self._pending_turn = asked.conversation_id, asked.turn_id
        self.question_asked.emit(self._pending)
        if self.session.ready:
            self._answer_pending()

    def _answer_pending(self) -> None:
        """Answer the stored, waiting question."""
        question, turn_id = self._pending, self._pending_turn
        assert question is not None and turn_id is not None
        self._pending = self._pending_turn = None
        cancel = threading.Event()
        self._cancel = cancel
        self.session.busy = True
        conversation_id, options = self.session.conversation_id, self.session.options
        self.session.write(
            lambda s: s.ask(question, options=options, conversation_id=conversation_id,
                            turn_id=turn_id, cancel=cancel),
            Changes(conversations=True), lambda _: self._done(), on_error=self._ask_failed,
            on_yield=self._event)

    def _event(self, event: object) -> None:
        if isinstance(event, Waiting):  # one answer at a time: this one starts after it
            self._waiting = True
            self.session.status.emit(WAITING)
            return
        if self._waiting:  # its turn has come
            self._waiting = False
            self.session.status.emit("")
        if isinstance(event, Token):
            self.token.emit(event.text)
        elif isinstance(event, Retrieved):
            self.retrieved.emit(event)
        elif isinstance(event, Finished):
            self.answered.emit(event.answer)
            if event.answer.interruption:
                self.session.status.emit(
                    f"The answer was cut short: {event.answer.interruption}"
                    + (f" · {SAFE_MODE_STATUS}" if self.session.model_notice() else ""))

    def _done(self) -> None:
        self._cancel = None
        self._waiting = False
        self.session.busy = False
        self.busy_changed.emit(False)

    def _ask_failed(self, message: str) -> None:
        stopped = self._cancel is not None and self._cancel.is_set()
        self._pending = self._pending_turn = None
        self._done()
        if stopped:  # stopped while it waited for its turn: what the user asked for
            self.session.status.emit(f"The answer {message}.")
        else:
            self.session.error.emit(message)
        if self.session.conversation_id is not None:  # show the turn as stored: why it stopped
            self.open_conversation(self.session.conversation_id)

    def stop(self) -> None:
        """Stop the answer being written (it keeps what was said), or drop a waiting one."""
        if self._cancel is not None:
            self._cancel.set()
        elif self._pending is not None:
            turn_id, self._pending, self._pending_turn = self._pending_turn, None, None
            if turn_id is not None:  # shown, so kept: as a question left unanswered
                self.session.write(lambda s: s.abandon_turn(turn_id),
                                   Changes(conversations=True))
            self.busy_changed.emit(False)
            self.session.status.emit("The waiting question was dropped.")

    def open_conversation(self, conversation_id: int) -> None:
        """Continue a stored conversation: its answers come back by ``conversation_opened``."""
        if self.busy:
            self.session.error.emit(STILL_WRITING)
            return
        self.session.run(lambda s: s.conversation_answers(conversation_id),
                         lambda answers: self._conversation_opened(conversation_id, answers))

    def _conversation_opened(self, conversation_id: int, answers: list) -> None:
        self.session.conversation_id = conversation_id
        self.conversation_opened.emit(conversation_id, answers)

    def new_conversation(self) -> None:
        """The next question starts a new conversation."""
        self.session.conversation_id = None

    def set_scope(self, collections: tuple[str, ...] | None) -> None:
        """Which collections the chat searches (None: all)."""
        self.session.options = replace(self.session.options, collections=collections)

    def open_passage(self, hit: Hit) -> None:
        """Fetch the text of a source's document (PDFs open from their file)."""
        if hit.path.lower().endswith(".pdf") and hit.page is not None:
            self.passage_ready.emit(hit, "")
            return
        if self.session.service is None:
            return
        self.session.run(lambda s: s.document_text(hit.doc_id),
                         lambda text: self._passage_text(hit, text))

    def _passage_text(self, hit: Hit, text: str | None) -> None:
        if text is None:
            self.session.error.emit(f"{hit.title} is no longer in the library.")
            return
        self.passage_ready.emit(hit, text)
