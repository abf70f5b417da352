"""Recognise questions about whole documents or the whole library (pure functions).

Four forms are answered differently from a factual question: "Summarize <document>", "What
does the library say about <topic>?", "Compare <A> and <B>" and "Which documents mention
<X>?". Anything else is a factual question, answered from the passages that match it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Summarize:
    """Summarize one document, named by title, file name or id."""

    document: str


@dataclass(frozen=True)
class Survey:
    """What the library says about a topic, grouped by document."""

    topic: str


@dataclass(frozen=True)
class Compare:
    """Two documents or topics side by side."""

    first: str
    second: str


@dataclass(frozen=True)
class Mentions:
    """The documents that mention a term."""

    term: str


Intent = Summarize | Survey | Compare | Mentions

_POLITE = r"(?:(?:please|can you|could you|would you|i'd like you to|i want you to)\s+)*"
_SUMMARY = re.compile(
    rf"^{_POLITE}(?:summari[sz]e|give (?:me )?(?:a |an )?(?:summary|overview|outline) of|"
    r"(?:write|make) (?:a |an )?(?:summary|overview) of|what is the (?:summary|gist) of|"
    r"sum up|outline|overview of|summary of|tl;?dr(?: of)?)\s+(?P<target>.+)$",
    re.IGNORECASE)
_WHAT_IS_IN = re.compile(
    r"^what(?:'s| is| does)\s+(?P<target>.+?)\s+(?:about|say|cover|contain)\s*$", re.IGNORECASE)
_SURVEY = re.compile(
    r"^what (?:does|do) (?:the |my |our )?(?:library|documents|docs|sources|notes|papers|"
    r"collection)\s+(?:say|tell (?:me|us)|have|contain|cover)\s+(?:about|on|regarding)\s+"
    r"(?P<topic>.+)$", re.IGNORECASE)
_COMPARE = re.compile(
    rf"^{_POLITE}(?:compare|contrast)\s+(?P<first>.+?)\s+(?:and|with|to|versus|vs\.?)\s+"
    r"(?P<second>.+)$|^(?:what is|what's|what are) the differences? between\s+"
    r"(?P<first2>.+?)\s+and\s+(?P<second2>.+)$|^how (?:does|do)\s+(?P<first3>.+?)\s+compare\s+"
    r"(?:with|to)\s+(?P<second3>.+)$", re.IGNORECASE)
_MENTIONS = re.compile(
    r"^(?:which|what) (?:documents?|docs?|files?|sources?|notes?|papers?)\s+"
    r"(?:mentions?|discuss(?:es)?|talks? about|refers? to|covers?|cites?|names?|explains?|"
    r"describes?|says? anything about|(?:is|are) about)\s+(?P<term>.+)$|"
    r"^(?:where|in which documents?) (?:is|are|does|do)\s+(?P<term2>.+?)\s+"
    r"(?:mentioned|discussed|covered|named)(?: in the library)?$", re.IGNORECASE)


def _clean(text: str) -> str:
    text = text.strip().rstrip("?.!").strip()
    text = re.sub(r"^(?:the (?:document|note|paper|file|article) (?:called|named|titled)\s+|"
                  r"the (?:document|note|paper|file|article)\s+(?=[\"'“]))", "", text,
                  flags=re.IGNORECASE)
    return text.strip().strip("\"'“”‘’").strip()


def intent_of(question: str) -> Intent | None:
    """The whole-document form ``question`` takes, or None for a factual question."""
    text = " ".join(question.split()).rstrip("?.! ")
    match = _MENTIONS.match(text)
    if match:
        term = _clean(match.group("term") or match.group("term2"))
        return Mentions(term) if term else None
    match = _SURVEY.match(text)
    if match:
        topic = _clean(match.group("topic"))
        return Survey(topic) if topic else None
    match = _COMPARE.match(text)
    if match:
        first = match.group("first") or match.group("first2") or match.group("first3")
        second = match.group("second") or match.group("second2") or match.group("second3")
        if _clean(first) and _clean(second):
            return Compare(_clean(first), _clean(second))
    match = _SUMMARY.match(text)
    if match and _clean(match.group("target")):
        return Summarize(_clean(match.group("target")))
    return None


def document_words(name: str) -> str:
    """A document reference without the words that only say it is one ("the note on …")."""
    name = re.sub(r"^(?:the|this|that|my|our)\s+", "", name.strip(), flags=re.IGNORECASE)
    name = re.sub(r"^(?:document|note|paper|file|article|report|pdf)\s+(?:on|about|called|"
                  r"named|titled)?\s*", "", name, flags=re.IGNORECASE)
    name = re.sub(r"\s+(?:document|note|paper|file|article|report)$", "", name,
                  flags=re.IGNORECASE)
    return name.strip().strip("\"'“”‘’")
