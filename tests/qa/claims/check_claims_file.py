#!/usr/bin/env python3
"""Validate the claim-check sets (claims.jsonl, claims_heldout.jsonl). Standard library only.

Run from anywhere:  python3 tests/qa/claims/check_claims_file.py [FILE ...]

With no arguments both files in this folder are checked, together with the checks that span
them: ids and claims unique across files, no source sentence used as evidence in both files,
and the minimum counts described in README.md. Exits 1 if any check fails.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
LIBRARY = REPO / "assistant" / "bundled" / "library"
PDF_NAME = "energy-cost-per-bitcoin.pdf"
PDF_TEXT = REPO / "resources" / "library_src" / "energy-cost-per-bitcoin.md"

DEV_FILE = HERE / "claims.jsonl"
HELDOUT_FILE = HERE / "claims_heldout.jsonl"

FIELDS = ("id", "claim", "label", "kind", "source", "evidence", "note")
TRUE_KINDS = ("paraphrase", "verbatim")
FALSE_KINDS = ("entity", "figure", "qualifier", "negation")
KINDS = TRUE_KINDS + FALSE_KINDS
MIN_WORDS, MAX_WORDS = 8, 35
MAX_TRUE_PER_EVIDENCE, MAX_FALSE_PER_EVIDENCE = 1, 2
VERBATIM_MIN_OVERLAP = 0.75  # share of a verbatim claim's words found in its evidence

# Minimum counts: per file (by label / kind) and for both files together.
MINIMUMS = {
    "claims.jsonl": {"true": 60, "false": 70, "entity": 20, "figure": 15,
                     "qualifier": 15, "negation": 15},
    "claims_heldout.jsonl": {"true": 25, "false": 30, "entity": 8, "figure": 6,
                             "qualifier": 6, "negation": 6},
}
MIN_TOTAL = 200

_WORD = re.compile(r"[0-9A-Za-z\u00C0-\u024F$%][0-9A-Za-z\u00C0-\u024F$%.,/'’–-]*")
_SENTENCE_BREAK = re.compile(r"[.!?][\"')\]]?\s+[A-Z0-9\"']")
_ID = re.compile(r"^[a-z]+-\d{3,}$")


def normalize(text: str) -> str:
    """Lower case, Markdown emphasis (** * _ `) removed, runs of whitespace collapsed."""
    text = re.sub(r"[*_`]", "", text)
    return " ".join(text.split()).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def token_set(text: str) -> set[str]:
    return {w.strip(".,;:'’").lower() for w in words(text)}


def load_sources() -> dict[str, str]:
    """File name -> normalized body text (everything before the closing "## Sources")."""
    paths = {p.name: p for p in sorted(LIBRARY.glob("*.md"))}
    paths[PDF_NAME] = PDF_TEXT
    bodies = {}
    for name, path in paths.items():
        text = path.read_text(encoding="utf-8")
        cut = text.rfind("\n## Sources")
        bodies[name] = normalize(text if cut < 0 else text[:cut])
    return bodies


def check_file(path: Path, bodies: dict[str, str], errors: list[str]) -> list[dict]:
    records: list[dict] = []
    if not path.exists():
        errors.append(f"{path.name}: file not found")
        return records
    seen_ids: set[str] = set()
    per_evidence: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{lineno}"
        if not line.strip():
            errors.append(f"{where}: blank line")
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: invalid JSON ({exc})")
            continue
        if not isinstance(rec, dict):
            errors.append(f"{where}: not a JSON object")
            continue
        missing = [f for f in FIELDS if f not in rec]
        extra = [f for f in rec if f not in FIELDS]
        if missing or extra:
            errors.append(f"{where}: missing fields {missing} / unknown fields {extra}")
            continue
        if not all(isinstance(rec[f], str) for f in FIELDS):
            errors.append(f"{where}: every field must be a string")
            continue
        rid, claim, label, kind = rec["id"], rec["claim"].strip(), rec["label"], rec["kind"]
        where = f"{path.name}:{lineno} ({rid})"
        if not _ID.match(rid):
            errors.append(f"{where}: id should look like c-001")
        if rid in seen_ids:
            errors.append(f"{where}: duplicate id")
        seen_ids.add(rid)
        if kind not in KINDS:
            errors.append(f"{where}: unknown kind {kind!r}")
        if label not in ("true", "false"):
            errors.append(f"{where}: label must be 'true' or 'false'")
        elif kind in KINDS and (label == "true") != (kind in TRUE_KINDS):
            errors.append(f"{where}: label {label!r} does not match kind {kind!r}")
        source = rec["source"]
        if source not in bodies:
            errors.append(f"{where}: unknown source {source!r}")
        # The claim: one sentence of 8-35 words, no citation markers.
        n = len(words(claim))
        if not MIN_WORDS <= n <= MAX_WORDS:
            errors.append(f"{where}: claim has {n} words (want {MIN_WORDS}-{MAX_WORDS})")
        if not claim.endswith("."):
            errors.append(f"{where}: claim should end with a full stop")
        if _SENTENCE_BREAK.search(claim[:-1]):
            errors.append(f"{where}: claim looks like more than one sentence")
        if "[" in claim or "]" in claim:
            errors.append(f"{where}: claim contains a citation-like bracket")
        # The evidence: verbatim (normalized) in the body of its source document.
        evidence = rec["evidence"].strip()
        ev_norm = normalize(evidence)
        if len(words(evidence)) < 4:
            errors.append(f"{where}: evidence too short to be a source sentence")
        elif source in bodies and ev_norm not in bodies[source]:
            errors.append(f"{where}: evidence not found verbatim in {source}")
        cl_norm = normalize(claim)
        if label == "false":
            if not rec["note"].strip():
                errors.append(f"{where}: false claim needs a note saying what was changed")
            if cl_norm.rstrip(".") in ev_norm:
                errors.append(f"{where}: false claim is identical to its evidence")
            hits = [name for name, body in bodies.items() if cl_norm.rstrip(".") in body]
            if hits:
                errors.append(f"{where}: false claim occurs verbatim in {hits}")
        if kind == "verbatim":
            cw = token_set(claim)
            overlap = len(cw & token_set(evidence)) / max(1, len(cw))
            if overlap < VERBATIM_MIN_OVERLAP:
                errors.append(f"{where}: verbatim claim shares only {overlap:.0%} of its "
                              "words with the evidence")
        per_evidence[(source, ev_norm)][label] += 1
        records.append(rec)
    for (source, ev), counts in per_evidence.items():
        if counts["true"] > MAX_TRUE_PER_EVIDENCE or counts["false"] > MAX_FALSE_PER_EVIDENCE:
            errors.append(f"{path.name}: evidence used {counts['true']} true / "
                          f"{counts['false']} false times (max {MAX_TRUE_PER_EVIDENCE}/"
                          f"{MAX_FALSE_PER_EVIDENCE}) in {source}: {ev[:70]}...")
    missing = sorted(set(bodies) - {r["source"] for r in records})
    if missing:
        errors.append(f"{path.name}: no claims from {missing}")
    minimums = MINIMUMS.get(path.name, {})
    counts = Counter(r["label"] for r in records) + Counter(r["kind"] for r in records)
    for key, minimum in minimums.items():
        if counts[key] < minimum:
            errors.append(f"{path.name}: {counts[key]} {key} claims (minimum {minimum})")
    return records


def report(name: str, records: list[dict]) -> None:
    kinds = Counter(r["kind"] for r in records)
    labels = Counter(r["label"] for r in records)
    print(f"{name}: {len(records)} claims  (true {labels['true']}, false {labels['false']})")
    print("  " + ", ".join(f"{k} {kinds[k]}" for k in KINDS))
    by_source = Counter(r["source"] for r in records)
    print("  per source: " + ", ".join(f"{s.split('.')[0]} {c}"
                                      for s, c in sorted(by_source.items())))


def main(argv: list[str]) -> int:
    bodies = load_sources()
    paths = [Path(a) for a in argv] if argv else [DEV_FILE, HELDOUT_FILE]
    errors: list[str] = []
    loaded = {p: check_file(p, bodies, errors) for p in paths}
    for p, records in loaded.items():
        report(p.name, records)
    if len(paths) > 1:
        all_records = [r for records in loaded.values() for r in records]
        ids = Counter(r["id"] for r in all_records)
        claims = Counter(normalize(r["claim"]) for r in all_records)
        errors += [f"id {i} used in more than one file" for i, c in ids.items() if c > 1]
        errors += [f"claim repeated: {c[:70]}" for c, k in claims.items() if k > 1]
        evidence_sets = [{(r["source"], normalize(r["evidence"])) for r in recs}
                         for recs in loaded.values()]
        for i, a in enumerate(evidence_sets):
            for b in evidence_sets[i + 1:]:
                for source, ev in sorted(a & b):
                    errors.append(f"evidence used in more than one file ({source}): {ev[:70]}...")
        if not argv:
            total = len(all_records)
            print(f"total: {total} claims")
            if total < MIN_TOTAL:
                errors.append(f"only {total} claims in total (minimum {MIN_TOTAL})")
    if errors:
        print(f"\nFAILED: {len(errors)} problem(s)")
        for e in errors:
            print("  - " + e)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
