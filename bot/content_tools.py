"""The maintainers' commands: ``helpline flows check|graph|test|evaluate``, ``helpline i18n``.

Called by ``bot.cli`` with parsed arguments; prints to the given stream and returns the exit
status. Transcripts run on in-memory records: they test the conversation, not the database.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Mapping
from datetime import date
from typing import TextIO

from bot.assemble import japan_today, load_content
from bot.config import Settings
from bot.flowdefs.folder import DATA_FILES, display_path, flow_files, load_flowset
from bot.flowdefs.graph import dot, mermaid
from bot.flowdefs.problems import errors, summary
from bot.i18n import tools as i18n_tools
from bot.i18n.locales import TRAINEE_LANGUAGES
from bot.matching_tools import evaluate_command
from bot.service import Helpline
from bot.storage.memory import MemoryRecords
from bot.transcripts import Outcome, TranscriptError, coverage, dump, read, run


def flows_command(settings: Settings, args: argparse.Namespace, stdout: TextIO) -> int:
    """Run ``helpline flows check|graph|test|evaluate``."""
    today = japan_today()
    flows, problems = load_flowset(settings.flows_dir, today)
    match args.flows_command:
        case "check":
            problems += i18n_tools.translation_problems(flows, settings.locales_dir)
            problems = sorted(set(problems))
            for problem in problems:
                print(problem, file=stdout)
            files = len(flow_files(settings.flows_dir)) + 1 + len(DATA_FILES)  # + system.yaml
            print(summary(problems, files), file=stdout)
            failing = problems if args.strict else errors(problems)
            return 1 if failing else 0
        case "graph":
            if errors(problems):
                print("The flows have errors; run 'helpline flows check' first.", file=stdout)
                return 1
            if args.flow not in flows.flows:
                print(
                    f"No flow '{args.flow}'. Flows: {', '.join(sorted(flows.flows))}", file=stdout
                )
                return 1
            draw = dot if args.format == "dot" else mermaid
            print(draw(flows.flows[args.flow]), end="", file=stdout)
            return 0
        case "evaluate":
            if errors(problems):
                print("The flows have errors; run 'helpline flows check' first.", file=stdout)
                return 1
            return evaluate_command(flows, args.corpus, args.misses, stdout)
        case _:
            if errors(problems):
                for problem in errors(problems):
                    print(problem, file=stdout)
                return 1
            return _test(settings, args, stdout)


def _test(settings: Settings, args: argparse.Namespace, stdout: TextIO) -> int:
    tests_dir = settings.flows_dir / "tests"
    paths = args.files or sorted(tests_dir.glob("*.yaml"))
    if not paths:
        print(f"No transcripts in {display_path(tests_dir)}.", file=stdout)
        return 1

    flows, renderer = load_content(settings.flows_dir, settings.locales_dir, japan_today())

    def factory(day: date) -> Helpline:
        records = MemoryRecords(rng=random.Random(0))  # noqa: S311 - not a secret: repeatable codes
        return Helpline(flows, renderer, records, lambda: day, sleep=lambda _: None)

    outcomes: list[Outcome] = []
    failed = 0
    for path in paths:
        try:
            scenario = read(path)
        except TranscriptError as error:
            print(error, file=stdout)
            failed += 1
            continue
        result = run(factory, scenario)
        outcomes += result.outcomes
        problems = result.problems(updating=args.update)
        if args.update:
            path.write_text(dump(result.updated()), encoding="utf-8")
            status = "updated" if not problems else "updated, but still FAILING"
        else:
            status = "ok" if not problems else "FAILED"
        languages = ", ".join(scenario.languages)
        print(
            f"{display_path(path)}: {status} ({len(scenario.steps)} turns; {languages})",
            file=stdout,
        )
        for problem in problems:
            print(f"  {problem}", file=stdout)
        failed += bool(problems)

    short = _coverage_report(coverage(flows, outcomes), args.min_coverage, stdout)
    print(f"{len(paths)} transcripts ({len(outcomes)} runs), {failed} failed", file=stdout)
    if short:
        print(f"Coverage is below {args.min_coverage:.0f}% for some language.", file=stdout)
    return 1 if failed or short else 0


def _coverage_report(
    reached_by_lang: Mapping[str, tuple[set[str], set[str]]], minimum: float, stdout: TextIO
) -> bool:
    """Print the node coverage of each language; return True if one is below ``minimum``."""
    print("Node coverage by language (nodes reached / all nodes):", file=stdout)
    short = False
    for lang in [*TRAINEE_LANGUAGES, "en"]:
        reached, missing = reached_by_lang.get(lang, (set(), set()))
        total = len(reached) + len(missing) or 1
        percent = 100 * len(reached) / total
        if lang not in reached_by_lang:
            print(f"  {lang:8} no transcripts", file=stdout)
            short = short or (minimum > 0 and lang in TRAINEE_LANGUAGES)
            continue
        line = f"  {lang:8} {len(reached)}/{total} ({percent:.0f}%)"
        if missing:
            line += "  not reached: " + ", ".join(sorted(missing))
        print(line, file=stdout)
        short = short or percent < minimum
    return short


def i18n_command(settings: Settings, action: str, stdout: TextIO) -> int:
    """Run ``helpline i18n extract|update|compile|check``."""
    locales, flows_dir = settings.locales_dir, settings.flows_dir
    match action:
        case "extract":
            changed = i18n_tools.extract(flows_dir, locales)
            target = display_path(i18n_tools.pot_path(locales))
            print(f"{target}: {'written' if changed else 'already up to date'}", file=stdout)
            return 0
        case "update":
            i18n_tools.extract(flows_dir, locales)
            for line in i18n_tools.update(flows_dir, locales, TRAINEE_LANGUAGES):
                print(line, file=stdout)
            return 0
        case "compile":
            for line in i18n_tools.compile_catalogs(locales, TRAINEE_LANGUAGES):
                print(line, file=stdout)
            return 0
        case _:
            flows, problems = load_flowset(flows_dir, japan_today())
            if errors(problems):
                print("The flows have errors; run 'helpline flows check' first.", file=stdout)
                return 1
            lines, ok = i18n_tools.check(flows, flows_dir, locales)
            for line in lines:
                print(line, file=stdout)
            print(
                "All translations complete." if ok else "Translations are incomplete.", file=stdout
            )
            return 0 if ok else 1
