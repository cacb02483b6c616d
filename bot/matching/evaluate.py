"""Score the matcher on a labelled corpus: top-1 and top-3 per language, danger recall.

``evaluate(matcher, corpus)`` takes utterances labelled with their target, by language, and
returns a ``Report``; ``bench/matching_bench.py`` and ``helpline flows evaluate`` print it
(with the time per match, which only the bench measures), and ``tests/matching`` asserts the
accuracy. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.matching import DANGER_TARGET, Matcher


@dataclass(slots=True)
class Score:
    """One language's results."""

    total: int = 0
    top1: int = 0
    top3: int = 0
    danger_total: int = 0
    danger_found: int = 0
    safe_total: int = 0
    false_danger: int = 0
    misses: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    """(label, utterance, offered) for each utterance whose label was not offered."""

    def rate(self, part: int, whole: int) -> float:
        """``part`` out of ``whole``, as a share (1.0 when there is nothing to count)."""
        return part / whole if whole else 1.0


def evaluate(
    matcher: Matcher, corpus: Mapping[str, Sequence[tuple[str, str]]]
) -> dict[str, Score]:
    """Score every (target, utterance) of every language."""
    report: dict[str, Score] = {}
    for lang, items in corpus.items():
        score = report.setdefault(lang, Score())
        for target, text in items:
            found = matcher.match(text)
            score.total += 1
            score.top1 += found.targets[:1] == (target,)
            score.top3 += target in found.targets
            if target not in found.targets:
                score.misses.append((target, text, found.targets))
            if target == DANGER_TARGET:
                score.danger_total += 1
                score.danger_found += found.danger
            else:
                score.safe_total += 1
                score.false_danger += found.danger
    return report


def lines(report: Mapping[str, Score]) -> list[str]:
    """The report as a table, one language a line, and a line for all of them."""
    rows = ["language  utterances  top-1   top-3   danger recall  false danger"]
    total = Score()
    for lang, s in report.items():
        rows.append(_row(lang, s))
        for name in ("total", "top1", "top3", "danger_total", "danger_found"):
            setattr(total, name, getattr(total, name) + getattr(s, name))
        total.safe_total += s.safe_total
        total.false_danger += s.false_danger
    rows.append(_row("all", total))
    return rows


def _row(lang: str, s: Score) -> str:
    return (
        f"{lang:<9} {s.total:>10}  {s.rate(s.top1, s.total):>6.1%}"
        f"  {s.rate(s.top3, s.total):>6.1%}"
        f"  {s.rate(s.danger_found, s.danger_total):>13.1%}"
        f"  {s.rate(s.false_danger, s.safe_total):>12.1%}"
    )
