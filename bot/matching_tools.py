"""``helpline flows evaluate``: how well typed text finds its target, on the labelled corpus.

Reads the evaluation corpus (``bench/matching/corpus_<language>.yaml``: target → utterances),
matches every utterance with the flows' triggers and prints top-1 and top-3 accuracy per
language, the danger recall and the false-danger rate; ``--misses`` lists each utterance whose
target was not offered, so that a maintainer who adds a phrase sees what changed. Reads files,
prints to the given stream; times nothing (``bench/matching_bench.py`` does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

import yaml

from bot.flowdefs.model import TRIGGER_LANGUAGES, FlowSet
from bot.matching import Matcher
from bot.matching.evaluate import evaluate, lines

CORPUS_DIR = Path("bench/matching")

Corpus = Mapping[str, Sequence[tuple[str, str]]]


def read_corpus(folder: Path = CORPUS_DIR) -> dict[str, list[tuple[str, str]]]:
    """Every labelled utterance, by language: ``{"vi": [(target, text), ...], ...}``."""
    corpus: dict[str, list[tuple[str, str]]] = {}
    for lang in TRIGGER_LANGUAGES:
        path = folder / f"corpus_{lang}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        corpus[lang] = [(str(t), str(u)) for t, items in data.items() for u in items or ()]
    return corpus


def evaluate_command(flows: FlowSet, folder: Path, misses: bool, stdout: TextIO) -> int:
    """Print the evaluation; 1 if the corpus names a target the triggers do not have."""
    corpus = read_corpus(folder)
    unknown = sorted(
        {t for items in corpus.values() for t, _ in items} - set(flows.triggers.targets)
    )
    if unknown:
        print(f"The corpus names unknown targets: {', '.join(unknown)}", file=stdout)
        return 1
    report = evaluate(Matcher(flows.triggers), corpus)
    print("\n".join(lines(report)), file=stdout)
    if misses:
        for lang, score in report.items():
            for target, text, offered in score.misses:
                shown = ", ".join(offered) or "(the menu)"
                print(f"{lang}: {target} not offered for {text!r}: {shown}", file=stdout)
    return 0
