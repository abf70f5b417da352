"""Render chat messages to a prompt string with the model's own Jinja chat template.

The template comes from the GGUF file, so it is untrusted: it is rendered in Jinja's
immutable sandbox (no attribute tricks reach Python's internals), with budgets on what it may
cost — loop iterations from ``range``, repeated strings, powers and the prompt's length — and
a template that fails or overspends gives a :class:`ModelError`, not a traceback or a hang.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

from assistant.errors import ModelError

# Used when a GGUF file carries no template: ChatML, which most small instruct models know.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


@dataclass(frozen=True)
class ChatMessage:
    """One message of a chat: ``role`` is ``system``, ``user`` or ``assistant``."""

    role: str
    content: str


# What one rendering may cost: a chat template needs a loop over the messages, not millions.
MAX_RANGE_ITEMS = 100_000
MAX_PROMPT_CHARS = 4_000_000
MAX_EXPONENT = 64


class _BudgetedEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, refusing repetitions and powers that would exhaust memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_EXPONENT:
            raise SecurityError("the template raises a number to an excessive power")
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if (isinstance(sequence, str | list | tuple) and isinstance(times, int)
                        and len(sequence) * times > MAX_PROMPT_CHARS):
                    raise SecurityError("the template repeats a value to an excessive size")
        return super().call_binop(context, operator, left, right)


class _RangeBudget:
    """``range`` for one rendering, refusing once its loops would pass the budget."""

    def __init__(self) -> None:
        self.left = MAX_RANGE_ITEMS

    def __call__(self, *args: int) -> range:
        items = range(*args)
        self.left -= len(items)
        if self.left < 0:
            raise SecurityError(f"the template loops more than {MAX_RANGE_ITEMS:,} times")
        return items


def _raise_exception(message: str) -> None:
    raise jinja2.TemplateError(message)


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


class ChatTemplate:
    """A compiled, sandboxed chat template with the model's special tokens."""

    def __init__(self, source: str | None, *, bos_token: str = "", eos_token: str = "") -> None:
        self.source = source or CHATML_TEMPLATE
        self.bos_token = bos_token
        self.eos_token = eos_token
        env = _BudgetedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                   extensions=[loopcontrols])
        env.globals.update(raise_exception=_raise_exception, strftime_now=_strftime_now)
        env.globals.pop("lipsum", None)  # paragraphs of filler on demand: no template needs it
        try:
            self._template = env.from_string(self.source)
        except jinja2.TemplateError as exc:
            raise ModelError(f"the model's chat template is invalid: {exc}") from exc

    def render(self, messages: list[ChatMessage], *, add_generation_prompt: bool = True) -> str:
        """The prompt text for ``messages``, ending with the assistant's turn opening."""
        try:
            return self._render(messages, add_generation_prompt)
        except jinja2.TemplateError as exc:
            # Some templates (Gemma's, Mistral's) refuse a system role: fold it into the
            # first user message instead.
            if messages and messages[0].role == "system":
                try:
                    return self._render(fold_system_message(messages), add_generation_prompt)
                except jinja2.TemplateError:
                    pass
            raise ModelError(f"the model's chat template failed: {exc}") from exc
        except Exception as exc:  # a sandbox violation or a template bug
            raise ModelError(f"the model's chat template failed: {exc}") from exc

    def _render(self, messages: list[ChatMessage], add_generation_prompt: bool) -> str:
        payload: list[dict[str, Any]] = [
            {"role": message.role, "content": message.content} for message in messages
        ]
        pieces, size = [], 0
        for piece in self._template.generate(
                messages=payload, add_generation_prompt=add_generation_prompt,
                bos_token=self.bos_token, eos_token=self.eos_token, range=_RangeBudget()):
            size += len(piece)
            if size > MAX_PROMPT_CHARS:
                raise SecurityError(f"the template writes more than {MAX_PROMPT_CHARS:,} "
                                    "characters")
            pieces.append(piece)
        return "".join(pieces)


def fold_system_message(messages: list[ChatMessage]) -> list[ChatMessage]:
    """``messages`` with a leading system message merged into the first user message."""
    if not messages or messages[0].role != "system":
        return list(messages)
    system, rest = messages[0], list(messages[1:])
    for index, message in enumerate(rest):
        if message.role == "user":
            rest[index] = ChatMessage("user", f"{system.content}\n\n{message.content}")
            return rest
    return [ChatMessage("user", system.content), *rest]
