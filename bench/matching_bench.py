"""Typed-text matching benchmark: accuracy on the labelled corpus, and time per match.

Run with `make bench` (or `.venv/bin/python bench/matching_bench.py`). Prints a Markdown report
for docs/benchmarks.md: top-1 and top-3 accuracy per language, danger recall and false-danger
rate (the same numbers `helpline flows evaluate` prints and tests/matching asserts), then the
time one `Matcher.match` takes on the corpus's utterances and the time to build the index when
the flows load. Each utterance's time is the fastest of ROUNDS runs (the machine is shared, and
the fastest run is the one other programs did not slow down); the table gives the median, the
95th percentile and the slowest utterance, and a Telegram-sized message (4,096 characters; the
matcher reads its first `MAX_TEXT`).
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from datetime import date
from pathlib import Path

from bot.flowdefs.folder import load_flowset
from bot.matching import Matcher
from bot.matching.evaluate import evaluate, lines
from bot.matching_tools import read_corpus

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 15


def main() -> None:
    flows, _ = load_flowset(ROOT / "flows", date(2026, 12, 7))
    corpus = read_corpus(ROOT / "bench" / "matching")
    start = time.perf_counter()
    matcher = Matcher(flows.triggers)
    build_ms = (time.perf_counter() - start) * 1000
    texts = [text for items in corpus.values() for _, text in items]
    long_message = ("cty giu ho chieu, " * 300)[:4096]
    best = fastest(matcher, [*texts, long_message])
    longest = best.pop()
    times = sorted(best)
    python = platform.python_version()
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {python}")
    print(f"{len(matcher.index.examples)} example phrases, {len(texts)} utterances\n")
    print("```text")
    print("\n".join(lines(evaluate(matcher, corpus))))
    print("```\n")
    p95 = times[int(len(times) * 0.95)]
    print("| per match: median | 95th percentile | slowest | 4,096 characters | index build |")
    print("|---|---|---|---|---|")
    print(
        f"| {statistics.median(times):.2f} ms | {p95:.2f} ms | {times[-1]:.2f} ms "
        f"| {longest:.2f} ms | {build_ms:.0f} ms |"
    )


def fastest(matcher: Matcher, texts: list[str]) -> list[float]:
    """Each text's fastest of ROUNDS matches, in milliseconds.

    The rounds go through all the texts in turn, so that a moment when the shared machine is
    busy slows one run of many texts rather than every run of one.
    """
    best = [float("inf")] * len(texts)
    for _ in range(ROUNDS):
        for index, text in enumerate(texts):
            began = time.perf_counter()
            matcher.match(text)
            best[index] = min(best[index], time.perf_counter() - began)
    return [seconds * 1000 for seconds in best]


if __name__ == "__main__":
    main()
