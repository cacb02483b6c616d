"""Engine and checker benchmark: steps per second through the real flows, and check time.

Run with `make bench` (or `.venv/bin/python bench/engine_bench.py`). Prints a Markdown report
to paste into docs/benchmarks.md. Everything is measured in one run on one core, next to a
baseline measured in the same run, because machines are noisy: compare ratios, not seconds.

* Engine: scripted conversations (monthly pay below the minimum with overtime; piece-rate pay
  with night and day-off work, a mistyped amount, /back and /menu; answers on documents, fines
  and firing; a danger answer and a stale button) replayed through `engine.advance` on the real
  flows. One step = one `advance` call. Baseline: the same events through a do-nothing
  step function with the same loop.
* Checker: `load_flowset` + translation checks, the work of `helpline flows check`, in process;
  baseline: a bare safe load of the same files with libyaml (what the checker itself uses).
  Also the whole command as a new process.
"""

from __future__ import annotations

import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml

from bot import engine
from bot.engine import (
    ButtonPressed,
    Command,
    CommandGiven,
    Started,
    State,
    Step,
    TextEntered,
)
from bot.flowdefs.folder import flow_files, load_flowset
from bot.flowdefs.model import FlowSet
from bot.i18n.tools import translation_problems

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
LOCALES = ROOT / "locales"
TODAY = date(2026, 11, 27)


def _typed(*inputs: str) -> list[engine.Event]:
    return [Started(), *(TextEntered(text) for text in inputs)]


SCRIPTS: list[list[engine.Event]] = [
    # ¥63,000 a month in Aichi, overtime underpaid: pay, minimum, monthly, amounts, Aichi, an
    # industry without its own minimum, overtime, no night work, paid, deductions.
    _typed("1", "1", "1", "63000", "173", "Aichi", "3", "20", "1", "12000", "0", "3"),
    # Piece rate with night and day-off work, a mistyped amount, /back and /menu.
    [
        *_typed(
            "1",
            "1",
            "3",
            "a lot",
            "200000",
            "200",
            "東京都",
            "40",
            "2",
            "10",
            "8",
            "8",
            "30000",
            "40000",
        ),
        CommandGiven(Command.BACK),
        CommandGiven(Command.MENU),
    ],
    # Documents, fines and firing answers; the danger check; a stale button.
    _typed("2", "1", "2", "3", "1", "2", "3", "4", "1", "2", "1"),
    [*_typed("5", "3"), ButtonPressed("stale.data.0")],
]
EVENTS = sum(len(script) for script in SCRIPTS)


def replay(
    step_fn: Callable[[FlowSet, State | None, engine.Event, date], Step],
    flows: FlowSet,
    rounds: int,
) -> float:
    """Return seconds for ``rounds`` replays of every script."""
    started = time.perf_counter()
    for _ in range(rounds):
        for script in SCRIPTS:
            state: State | None = None
            for event in script:
                state = step_fn(flows, state, event, TODAY).state
    return time.perf_counter() - started


def null_step(flows: FlowSet, state: State | None, event: engine.Event, today: date) -> Step:
    del flows, event, today
    return Step(state, ())


def best_of(runs: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(runs))


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def main() -> None:
    flows, problems = load_flowset(FLOWS, TODAY)
    assert not problems, problems
    rounds = 400
    engine_s = best_of(5, lambda: replay(engine.advance, flows, rounds))
    null_s = best_of(5, lambda: replay(null_step, flows, rounds))
    steps = rounds * EVENTS
    per_second = steps / engine_s

    def check_once() -> float:
        started = time.perf_counter()
        found, _ = load_flowset(FLOWS, TODAY)
        translation_problems(found, LOCALES)
        return time.perf_counter() - started

    files = [
        *flow_files(FLOWS),
        FLOWS / "system.yaml",
        FLOWS / "data" / "prefectures.yaml",
        FLOWS / "data" / "minimum_wages.yaml",
    ]

    def parse_once() -> float:
        started = time.perf_counter()
        for path in files:
            yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        return time.perf_counter() - started

    def command_once() -> float:
        started = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).parent / "helpline"), "flows", "check", "--strict"],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        return time.perf_counter() - started

    check_s = median_of(20, check_once)
    parse_s = median_of(20, parse_once)
    command_s = median_of(5, command_once)
    nodes = sum(len(f.nodes) for f in flows.flows.values())

    print(
        f"Machine: {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}, one core; {nodes} nodes in {len(flows.flows)} flows.\n"
    )
    print("| measure | result | baseline in the same run | target |")
    print("|---|---|---|---|")
    print(
        f"| engine steps per second | {per_second:,.0f} ({1e6 / per_second:.1f} µs a step) "
        f"| do-nothing step: {steps / null_s:,.0f}/s; the engine costs "
        f"{engine_s / null_s:.0f}× the loop | > 20,000 |"
    )
    print(
        f"| `flows check` work, in process (median of 20) | {check_s * 1000:.0f} ms "
        f"| bare libyaml safe load of the same files: {parse_s * 1000:.0f} ms "
        f"({check_s / parse_s:.1f}×) | < 1 s |"
    )
    print(
        f"| `helpline flows check --strict`, whole process (median of 5) "
        f"| {command_s * 1000:.0f} ms | (includes Python start-up and imports) | < 1 s |"
    )


if __name__ == "__main__":
    main()
