"""Measure the answer check on the claim-check set (tests/qa/claims/); prints the figures.

    .venv/bin/python scripts/eval_claims.py [--claims FILE] [--show-misses]

Each claim is checked the way an answer's sentence is: against the passages the library
returns for it (hybrid search, five passages), with the real embedder. A true claim (a
paraphrase or a quotation of the library) should pass; a false one (a swapped name, a wrong
figure, a figure with the wrong qualifier, a flipped negation) should be flagged.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from assistant.answers.evidence import split_sentences
from assistant.answers.grounding import Claim, check_claims
from assistant.app.service import AssistantService
from assistant.system.paths import PROJECT_ROOT, library_dir

CLAIMS = PROJECT_ROOT / "tests" / "qa" / "claims" / "claims.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=Path, default=CLAIMS,
                        help="a claim file (default: the development set)")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    items = [json.loads(line) for line in args.claims.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    with tempfile.TemporaryDirectory() as tmp, \
            AssistantService(Path(tmp), library_dir=library_dir()) as service:
        service.sync_library()
        embedder = service._embedder
        results = []
        for item in items:
            hits = service.search(item["claim"], k=5)
            sentences = split_sentences(hits)
            vectors = embedder.embed([item["claim"]] + [s.text for s in sentences])
            checks = check_claims([Claim(item["claim"], ())], vectors[:1],
                                  [hit.text for hit in hits], sentences, vectors[1:])
            passed = bool(checks and checks[0].supported_by)
            reason = checks[0].reason if checks else "not checkable"
            results.append((item, passed, reason))
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for item, passed, _ in results:
        right = passed if item["label"] == "true" else not passed
        by_kind[item["kind"]].append(right)
    true_right = [r for item, passed, _ in results if item["label"] == "true"
                  for r in [passed]]
    false_right = [not passed for item, passed, _ in results if item["label"] == "false"]
    print(f"{len(results)} claims from {args.claims.name}")
    print(f"  true claims passed       {sum(true_right)}/{len(true_right)} = "
          f"{100 * sum(true_right) / max(1, len(true_right)):.1f}%")
    print(f"  false claims flagged     {sum(false_right)}/{len(false_right)} = "
          f"{100 * sum(false_right) / max(1, len(false_right)):.1f}%")
    for kind, rights in sorted(by_kind.items()):
        print(f"    {kind:12} {sum(rights)}/{len(rights)} right")
    if args.show_misses:
        for item, passed, reason in results:
            right = passed if item["label"] == "true" else not passed
            if not right:
                print(f"  miss {item['id']} [{item['kind']}] passed={passed} ({reason}): "
                      f"{item['claim']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
