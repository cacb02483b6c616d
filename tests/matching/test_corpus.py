"""The evaluation corpus (bench/matching/): big enough, apart from the triggers, and passed.

The accuracy thresholds of issue 16 are asserted here (top-3 >= 95%, top-1 >= 85% per
language, every danger utterance caught, false danger <= 2%); the time per match is measured
only by bench/matching_bench.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.flowdefs.folder import load_flowset
from bot.matching import Matcher
from bot.matching.evaluate import evaluate
from bot.matching.hanzi import to_simplified
from bot.matching.normalize import normalize
from bot.matching_tools import read_corpus

from ..conftest import FLOWS, ROOT

TRIGGERS = load_flowset(FLOWS, date(2026, 12, 7))[0].triggers
CORPUS = read_corpus(ROOT / "bench" / "matching")
HELD_OUT = read_corpus(ROOT / "bench" / "matching" / "heldout")
SIZES = {"vi": 150, "zh": 150, "ja": 150, "en": 50}


@pytest.mark.parametrize(("lang", "size"), SIZES.items())
def test_each_language_has_enough_labelled_utterances(lang: str, size: int) -> None:
    assert len(CORPUS[lang]) >= size
    assert {target for target, _ in CORPUS[lang]} <= set(TRIGGERS.targets)
    assert sum(target == "danger" for target, _ in CORPUS[lang]) >= 8


def test_no_utterance_is_also_a_trigger_phrase() -> None:
    phrases = {
        normalize(p)
        for t in TRIGGERS.targets.values()
        for each in t.phrases.values()
        for p in each
    }
    everything = [*CORPUS.values(), *HELD_OUT.values()]
    both = [text for items in everything for _, text in items if normalize(text) in phrases]
    assert both == []


def test_the_corpus_is_written_as_trainees_write() -> None:
    vi = [text for _, text in CORPUS["vi"]]
    zh = [text for _, text in CORPUS["zh"]]
    assert sum(normalize(t) == t.lower() for t in vi) >= 50  # typed without tones
    assert sum(to_simplified(t) != t for t in zh) >= 15  # Traditional characters
    assert sum(len(t) > 80 for items in CORPUS.values() for _, t in items) >= 6  # rambling


@pytest.mark.parametrize("lang", SIZES)
def test_the_matcher_meets_the_accuracy_targets(lang: str) -> None:
    score = evaluate(Matcher(TRIGGERS), {lang: CORPUS[lang]})[lang]
    assert score.rate(score.top3, score.total) >= 0.95, score.misses
    assert score.rate(score.top1, score.total) >= 0.85
    assert score.danger_found == score.danger_total
    assert score.rate(score.false_danger, score.safe_total) <= 0.02
