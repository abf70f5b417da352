"""A conversation as Markdown, with each answer's citations, evidence and sources."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from assistant.answers.answer import Answer
from assistant.text.formatting import location


def conversation_markdown(title: str, answers: Sequence[Answer], *,
                          exported: datetime | None = None) -> str:
    """The whole conversation, ready to save as a ``.md`` file."""
    when = (exported or datetime.now()).strftime("%Y-%m-%d %H:%M")
    lines = [f"# {title}", "",
             f"*Exported from Offgrid on {when}. Answers come from a local model; the evidence "
             "and sources below are quoted from the documents.*", ""]
    for answer in answers:
        lines += [f"## {answer.question}", "", _answer_body(answer)]
    return "\n".join(lines).rstrip() + "\n"


def answer_markdown(answer: Answer) -> str:
    """One question and answer with its flags, evidence and sources (for the clipboard)."""
    return f"**{answer.question}**\n\n{_answer_body(answer)}".rstrip() + "\n"


def _answer_body(answer: Answer) -> str:
    if answer.abstained:
        return f"> {answer.text}\n"
    lines = [answer.text or "*(no answer)*", ""]
    if answer.stop_reason == "cancelled":
        lines += ["*(stopped before the end)*", ""]
    if answer.unsupported:
        lines += ["**The model also wrote (not supported by the sources):**", ""]
        lines += [f"- {c.claim.text} *({c.reason})*" for c in answer.unsupported]
        lines.append("")
    if answer.evidence:
        lines += ["**Evidence:**", ""]
        lines += [f"- [{e.sentence.source}] \"{e.sentence.text}\" — {e.title}, "
                  f"{location(e.page, e.heading, e.title)}" for e in answer.evidence]
        lines.append("")
    if answer.sources:
        lines += ["**Sources:**", ""]
        lines += [f"{n}. {hit.title}, {location(hit.page, hit.heading, hit.title)} — "
                  f"`{hit.path}` (characters {hit.start}–{hit.end})"
                  for n, hit in enumerate(answer.sources, start=1)]
        lines.append("")
    return "\n".join(lines)
