"""Prompt building (exact strings), the context budget, follow-ups and chat templates."""

from __future__ import annotations

import pytest

from assistant.answers.followups import is_follow_up, retrieval_query
from assistant.answers.prompting import SYSTEM_PROMPT, PastTurn, build_messages, user_message
from assistant.engines.chat_template import ChatMessage, ChatTemplate, fold_system_message
from assistant.errors import ModelError


def words(messages: list[ChatMessage]) -> int:
    return sum(len(m.content.split()) + 4 for m in messages)


def test_user_message_numbers_the_sources() -> None:
    text = user_message("What is hashprice?", ["Hashprice is revenue.", "It falls  often."])
    assert text == ("Sources:\n[1] Hashprice is revenue.\n[2] It falls often.\n\n"
                    "Question: What is hashprice?")


def test_chatml_template_renders_exactly() -> None:
    template = ChatTemplate(None)
    prompt = template.render([ChatMessage("system", "Be brief."), ChatMessage("user", "Hi")])
    assert prompt == ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                      "<|im_start|>assistant\n")


def test_a_template_that_refuses_system_gets_it_folded_into_the_user_turn() -> None:
    source = ("{% for m in messages %}{% if m['role'] == 'system' %}"
              "{{ raise_exception('System role not supported') }}{% endif %}"
              "<{{ m['role'] }}>{{ m['content'] }}{% endfor %}")
    prompt = ChatTemplate(source).render([ChatMessage("system", "Rules."),
                                          ChatMessage("user", "Q?")])
    assert prompt == "<user>Rules.\n\nQ?"
    assert fold_system_message([ChatMessage("system", "S")]) == [ChatMessage("user", "S")]


def test_a_hostile_template_is_a_model_error_not_a_crash() -> None:
    hostile = "{{ messages.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(ModelError, match="chat template"):
        ChatTemplate(hostile).render([ChatMessage("user", "x")])
    with pytest.raises(ModelError, match="invalid"):
        ChatTemplate("{% for %}")


def test_history_is_kept_as_sent_while_it_fits() -> None:
    history = [PastTurn(sent="Sources:\n[1] a b c\n\nQuestion: q1", compact="q1", answer="a1")]
    messages, kept = build_messages("q2", ["x y"], history, count=words, budget=1000)
    assert [m.role for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[0].content == SYSTEM_PROMPT
    assert messages[1].content == history[0].sent
    assert kept == 1


def test_a_fifty_turn_conversation_is_compacted_to_fit() -> None:
    long_source = " ".join(["word"] * 300)
    history = [PastTurn(sent=f"Sources:\n[1] {long_source}\n\nQuestion: q{i}",
                        compact=f"q{i}", answer=" ".join(["answer"] * 80)) for i in range(50)]
    budget = 1500
    messages, kept = build_messages("q50", [long_source], history, count=words, budget=budget)
    assert words(messages) <= budget
    assert kept == 1
    assert messages[-1].content.endswith("Question: q50")
    assert messages[-3].content == "q49"  # the last turn survives, compacted
    assert len(messages) < 2 * 50


def test_huge_sources_and_question_are_shrunk_not_overflowed() -> None:
    huge = " ".join(["token"] * 5000)
    messages, kept = build_messages("what now? " * 400, [huge, huge, huge], [], count=words,
                                    budget=300)
    assert words(messages) <= 300
    assert kept == 0
    assert messages[-1].content.endswith("what now?")


@pytest.mark.parametrize(("question", "expected"), [
    ("and what about Ethiopia?", True),
    ("What about Paraguay?", True),
    ("Why is it so cheap there?", True),
    ("Why are miners moving to Ethiopia?", False),
    ("What is the Nakamoto coefficient of the largest pools?", False),
])
def test_follow_up_detection(question: str, expected: bool) -> None:
    assert is_follow_up(question) is expected


def test_a_follow_up_is_searched_with_the_question_before_it() -> None:
    previous = ["Why are miners moving to Paraguay?"]
    assert retrieval_query("and what about Ethiopia?", previous) == \
        "Why are miners moving to Paraguay? and what about Ethiopia?"
    assert retrieval_query("What is hashprice?", previous) == "What is hashprice?"
    assert retrieval_query("and Ethiopia?", []) == "and Ethiopia?"


def test_a_custom_system_prompt_is_used_in_every_shape() -> None:
    history = [PastTurn(sent="x " * 400, compact="q0", answer="a0")]
    for budget in (2000, 300, 60):
        messages, _ = build_messages("q1", ["s " * 100], history, count=words, budget=budget,
                                     system="Answer in French.")
        assert messages[0] == ChatMessage("system", "Answer in French.")
