"""The answer: what a finished turn holds, its CLI JSON, and the versioned form it is stored in.

Two formats, two jobs. :meth:`Answer.to_json` is the CLI's contract (``ask --json``); it may
gain keys for people's scripts. :func:`answer_record` is what a conversation stores: it
carries ``format`` and is read back by :func:`answer_from_record`, which also reads every
older format, so a CLI change never breaks a stored chat and old chats keep opening.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from assistant.answers.evidence import Evidence, Sentence
from assistant.answers.grounding import Claim, ClaimCheck
from assistant.errors import StoreError
from assistant.library.documents import Hit
from assistant.mining.figures import Calculation

# The stored turn's format. 0 (no ``format`` key) is the CLI's JSON of the first release,
# which conversations stored before the two were separated. A computed answer's
# ``calculation`` is an optional key of format 1: records without it read as before, and a
# reader that predates it ignores it.
TURN_FORMAT = 1


@dataclass
class Timings:
    """Where the time went, in milliseconds, and the model's token counts."""

    retrieval_ms: float = 0.0
    ttft_ms: float = 0.0
    total_ms: float = 0.0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    decode_tokens_per_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """Rounded figures for JSON output."""
        return {key: round(value, 1) if isinstance(value, float) else value
                for key, value in asdict(self).items()}


@dataclass
class Answer:
    """A finished answer with everything needed to verify it."""

    question: str
    text: str
    abstained: bool
    sources: list[Hit]
    evidence: list[Evidence]
    checks: list[ClaimCheck]
    model: str
    timings: Timings
    stop_reason: str = "stop"
    conversation_id: int | None = None
    turn_id: int | None = None
    # Why the answer stopped short (the model engine crashed), if it did.
    interruption: str = ""
    # The calculator's working, when the question asked for a figure with values.
    calculation: Calculation | None = None

    @classmethod
    def pending(cls, question: str) -> Answer:
        """A question with no answer yet (nothing found, nothing written)."""
        return cls(question, "", False, [], [], [], "", Timings())

    @property
    def unsupported(self) -> list[ClaimCheck]:
        """The checked sentences that are flagged: no support, or a wrong citation."""
        return [check for check in self.checks if check.reason]

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON contract for one answer."""
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "evidence": [item.to_json() for item in self.evidence],
            "sources": [source_json(n, hit) for n, hit in enumerate(self.sources, start=1)],
            "unsupported": [check.to_json() for check in self.unsupported],
            "model": self.model,
            "timings": self.timings.to_json(),
            "stop_reason": self.stop_reason,
            "interruption": self.interruption or None,
            "conversation_id": self.conversation_id,
            "calculation": self.calculation.to_json() if self.calculation else None,
        }


def source_json(number: int, hit: Hit) -> dict[str, Any]:
    """A numbered source as JSON: ``n`` and the hit as ``search --json`` prints it."""
    return {"n": number, **hit.to_json()}


def answer_record(answer: Answer) -> dict[str, Any]:
    """The stored form of ``answer`` (a turn's details), in format :data:`TURN_FORMAT`."""
    return {
        "format": TURN_FORMAT,
        "question": answer.question,
        "text": answer.text,
        "abstained": answer.abstained,
        "model": answer.model,
        "stop_reason": answer.stop_reason,
        "interruption": answer.interruption,
        "sources": [asdict(hit) for hit in answer.sources],
        "evidence": [{**asdict(item.sentence), "score": item.score, "title": item.title,
                      "path": item.path, "page": item.page, "heading": item.heading}
                     for item in answer.evidence],
        "checks": [{"text": check.claim.text, "citations": list(check.claim.citations),
                    "support": check.support, "supported_by": list(check.supported_by),
                    "reason": check.reason} for check in answer.checks],
        "timings": asdict(answer.timings),
        "calculation": answer.calculation.to_json() if answer.calculation else None,
    }


def answer_from_record(record: dict[str, Any]) -> Answer:
    """The answer a stored record holds, in this format or any older one."""
    version = record.get("format", 0)
    if not isinstance(version, int) or version > TURN_FORMAT:
        raise StoreError(f"this conversation was saved by a newer version of Offgrid (turn "
                         f"format {version}); update Offgrid to open it")
    if version == 0:  # the CLI's JSON as it was; only the flagged checks were kept
        return Answer(record["question"], record["answer"], record["abstained"],
                      _hits(record.get("sources", [])), _evidence(record.get("evidence", [])),
                      _checks(record.get("unsupported", [])), record.get("model", ""),
                      _timings(record.get("timings", {})),
                      stop_reason=record.get("stop_reason", "stop"),
                      interruption=record.get("interruption") or "",
                      calculation=_calculation(record.get("calculation")))
    return Answer(record["question"], record["text"], record["abstained"],
                  _hits(record["sources"]), _evidence(record["evidence"]),
                  _checks(record["checks"]), record["model"], _timings(record["timings"]),
                  stop_reason=record["stop_reason"], interruption=record["interruption"] or "",
                  calculation=_calculation(record.get("calculation")))


def _calculation(data: dict[str, Any] | None) -> Calculation | None:
    try:
        return Calculation.from_json(data) if data else None
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"a stored answer's calculation is damaged ({exc})") from None


def _hits(items: list[dict[str, Any]]) -> list[Hit]:
    names = {f.name for f in fields(Hit)}
    return [Hit(**{k: v for k, v in item.items() if k in names}) for item in items]


def _evidence(items: list[dict[str, Any]]) -> list[Evidence]:
    return [Evidence(Sentence(e["source"], e["text"], e["start"], e["end"]), e["score"],
                     e["title"], e["path"], e["page"], e["heading"]) for e in items]


def _checks(items: list[dict[str, Any]]) -> list[ClaimCheck]:
    return [ClaimCheck(Claim(c["text"], tuple(c["citations"])), c["support"],
                       tuple(c["supported_by"]), c["reason"]) for c in items]


def _timings(values: dict[str, Any]) -> Timings:
    names = {f.name for f in fields(Timings)}
    return Timings(**{k: v for k, v in values.items() if k in names})
