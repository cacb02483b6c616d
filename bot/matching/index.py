"""Nearest examples by character n-grams: which targets a typed text is most like.

Every example phrase (``flows/data/triggers.yaml``) becomes a TF-IDF vector of its character
n-grams: words and 2- to 4-grams across spaces for Latin letters (so "ho chieu" and a typo like
"ho chiue" still share most of them), single characters and pairs for Chinese and Japanese. A
typed text gets the same vector; its score for a target is the cosine with the nearest example
of that target.
Chosen by the evaluation in ``bench/matching/`` (docs/benchmarks.md, which has the numbers of
the other n-gram lengths and scorings tried).

The index is built in memory from the examples when the flows load (well under a second), so
nothing is downloaded or shipped besides the phrases. Pure: no I/O, no logging, no clock; a
typed text is never kept (``rank`` returns scores only).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.matching.normalize import is_cjk, normalize

WORD = "#"
"""Marks a whole word among the n-grams (``#`` never survives normalising, so never clashes)."""
UNLIKELY = {"ja": "zh", "zh": "ja", "vi": "en"}
"""For a text whose letters prove a language, the examples' language it is least likely in."""
OTHER_LANGUAGE = 0.7
"""How much an example of that language counts (tuned on bench/matching/)."""


@dataclass(frozen=True, slots=True)
class Example:
    """One example phrase of a target, in one language."""

    target: str
    lang: str
    text: str


def _runs(key: str) -> Iterable[tuple[bool, str]]:
    """Split a key into runs of CJK characters and runs of everything else."""
    start = 0
    for i in range(1, len(key) + 1):
        if i == len(key) or is_cjk(key[i]) != is_cjk(key[start]):
            yield is_cjk(key[start]), key[start:i]
            start = i


def features(key: str) -> Counter[str]:
    """The n-grams of a normalised text, counted."""
    found: Counter[str] = Counter()
    for cjk, run in _runs(key):
        if cjk:
            for n in (1, 2):
                found.update(run[i : i + n] for i in range(len(run) - n + 1))
            continue
        found.update(WORD + word for word in run.split() if len(word) > 1)
        if not run.strip():
            continue
        padded = f" {run.strip()} "
        for n in (2, 3, 4):
            found.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return found


def _weigh(counts: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    """Sublinear TF times IDF, L2-normalised; n-grams no example has are dropped."""
    weights = {g: (1.0 + math.log(c)) * idf[g] for g, c in counts.items() if g in idf}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {g: w / norm for g, w in weights.items()}


@dataclass(frozen=True, slots=True)
class Ranked:
    """A text's targets, best first, and the language of its nearest example."""

    scores: tuple[tuple[str, float], ...]
    lang: str | None
    grounded: bool = True
    """The text has a Chinese or Japanese character, or a whole word, that some example has:
    without one, a few shared letters ("zzz", "a") are not taken for a match."""

    @property
    def best(self) -> float:
        """The best target's score (0 when nothing is alike)."""
        return self.scores[0][1] if self.scores else 0.0


class Index:
    """The examples' vectors, and an inverted index from n-gram to examples."""

    def __init__(self, examples: Sequence[Example]) -> None:
        self.examples = tuple(examples)
        counted = [features(normalize(e.text)) for e in self.examples]
        df: Counter[str] = Counter(g for c in counted for g in c)
        total = len(counted)
        self.idf = {g: math.log((total + 1) / (d + 1)) + 1.0 for g, d in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for number, counts in enumerate(counted):
            for gram, weight in _weigh(counts, self.idf).items():
                self.postings[gram].append((number, weight))

    def rank(self, text: str, hint: str | None = None) -> Ranked:
        """Score every target against ``text`` (the nearest example of each), best first.

        ``hint`` is the language the text's letters prove (``normalize.script_hint``): examples
        of the language it could be confused with (Chinese for Japanese, English for
        Vietnamese) then count a little less, as kanji and loanwords are shared.
        """
        query = _weigh(features(normalize(text)), self.idf)
        grounded = any(gram.startswith(WORD) or is_cjk(gram[0]) for gram in query)
        unlikely = UNLIKELY.get(hint or "", "")
        sims: dict[int, float] = defaultdict(float)
        for gram, weight in query.items():
            for number, other in self.postings[gram]:
                sims[number] += weight * other
        best: dict[str, float] = {}
        lang, top = None, 0.0
        for number, found in sims.items():
            example = self.examples[number]
            sim = found * OTHER_LANGUAGE if example.lang == unlikely else found
            if sim > best.get(example.target, 0.0):
                best[example.target] = sim
            if sim > top:
                lang, top = example.lang, sim
        scores = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return Ranked(tuple(scores), lang, grounded)
