"""Messages per step, and characters per message, in each language (issue 15's length budget).

Run with `make bench` (or `.venv/bin/python bench/message_bench.py`). Prints a Markdown report
to paste into docs/benchmarks.md. Not a speed measure: it counts what a trainee's phone gets.

* **Transcripts**: every conversation in `flows/tests/` replayed in each of its languages on
  in-memory records, as `helpline flows test` does. One step = one thing the trainee does (a
  button, a typed answer, a command); its messages are the replies the helpline sends (dialogs
  such as consent and the PIN included), their characters the text as rendered, without the
  button labels.
* **Every step of the flows** (the checker's walk, `bot/flowdefs/check/lengths.py`): every way
  through every step, each message rendered with worst-case values (`bot/i18n/budget.py`).
  This reaches steps no transcript takes, and counts a branch's longest way.
"""

from __future__ import annotations

import platform
import random
import statistics
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot.assemble import load_content
from bot.effects import Reply
from bot.flowdefs.check.lengths import MAX_CHARS, MAX_PER_STEP, steps
from bot.i18n.budget import WorstCase
from bot.service import Helpline
from bot.storage.memory import MemoryRecords
from bot.transcripts import read
from bot.transcripts.runner import CHAT, _event

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
LOCALES = ROOT / "locales"
TODAY = date(2026, 11, 27)
LANGS = ("en", "vi", "zh_Hans", "ja")


def _spread(values: Sequence[int]) -> str:
    if not values:
        return "–"
    return f"{statistics.median(values):g} / {max(values):,}"


def transcripts() -> dict[str, tuple[list[int], list[int]]]:
    """Per language: messages per step, characters per message, over every transcript."""
    flows, renderer = load_content(FLOWS, LOCALES, TODAY)
    found: dict[str, tuple[list[int], list[int]]] = {lang: ([], []) for lang in LANGS}
    for path in sorted((FLOWS / "tests").glob("*.yaml")):
        scenario = read(path)
        for lang in scenario.languages:
            transcript = scenario.in_language(lang)
            records = MemoryRecords(rng=random.Random(0))  # noqa: S311 - repeatable codes
            day = transcript.today
            helpline = Helpline(
                flows, renderer, records, lambda day=day: day, sleep=lambda _: None
            )
            buttons: tuple[tuple[str, str], ...] = ()
            per_step, per_message = found[lang]
            for step in transcript.steps:
                event = _event(step, buttons)
                if isinstance(event, str):
                    continue
                replies = [r for r in helpline.handle(CHAT, event).out if isinstance(r, Reply)]
                buttons = next((r.buttons for r in reversed(replies) if r.buttons), buttons)
                per_step.append(len(replies))
                per_message.extend(len(r.text) for r in replies)
    return found


def walk() -> tuple[list[int], dict[str, list[int]]]:
    """Messages per step (longest way) and worst-case characters per message, per language."""
    flows, renderer = load_content(FLOWS, LOCALES, TODAY)
    worst = WorstCase(flows, renderer)
    longest: dict[tuple[str, int, str, str], int] = {}
    shown = set()
    for step in steps(flows):
        key = (step.path, step.line, step.node, step.how)
        longest[key] = max(longest.get(key, 0), len(step.shown))
        shown.update(step.shown)
    chars = {lang: [worst(msg, lang) for msg in shown] for lang in LANGS}
    return list(longest.values()), chars


def main() -> None:
    """Print the report."""
    played = transcripts()
    counts, chars = walk()
    print(f"Python {sys.version.split()[0]} on {platform.machine()}, {platform.platform()}")
    print(f"Budget: at most {MAX_PER_STEP} messages a step, {MAX_CHARS} characters a message.")
    print()
    print(
        "| language | transcripts: messages per step (median / max) | characters per message "
        "(median / max) | steps over 3 | messages over 700 |"
    )
    print("|---|---|---|---|---|")
    for lang in LANGS:
        per_step, per_message = played[lang]
        over_steps = sum(1 for n in per_step if n > MAX_PER_STEP)
        over_chars = sum(1 for n in per_message if n > MAX_CHARS)
        print(
            f"| {lang} | {_spread(per_step)} ({len(per_step)} steps) | {_spread(per_message)} "
            f"| {over_steps} | {over_chars} |"
        )
    print()
    print(
        "| language | every step of the flows: messages per step (median / max) | worst-case "
        "characters per message (median / max) | steps over 3 | messages over 700 |"
    )
    print("|---|---|---|---|---|")
    for lang in LANGS:
        over_steps = sum(1 for n in counts if n > MAX_PER_STEP)
        over_chars = sum(1 for n in chars[lang] if n > MAX_CHARS)
        print(
            f"| {lang} | {_spread(counts)} ({len(counts)} steps) | {_spread(chars[lang])} "
            f"| {over_steps} | {over_chars} |"
        )


if __name__ == "__main__":
    main()
