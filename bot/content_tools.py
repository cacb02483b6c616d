"""The maintainers' commands: ``helpline flows check|graph|test|evaluate``, ``helpline i18n``.

Called by ``bot.cli`` with parsed arguments; prints to the given stream and returns the exit
status. Transcripts run on in-memory records: they test the conversation, not the database.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TextIO

from bot.assemble import japan_today, load_content
from bot.config import Settings
from bot.flowdefs.check.first_lines import check_first_lines
from bot.flowdefs.check.lengths import check_lengths
from bot.flowdefs.folder import (
    DATA_FILES,
    display_path,
    flow_files,
    load_first_line_rules,
    load_flowset,
)
from bot.flowdefs.graph import dot, mermaid, overview
from bot.flowdefs.model import FlowSet, Msg
from bot.flowdefs.problems import Problem, errors, summary
from bot.flowdefs.schema import schemas
from bot.i18n import tools as i18n_tools
from bot.i18n.budget import WorstCase, longest_steps
from bot.i18n.catalog import load_translations
from bot.i18n.locales import TRAINEE_LANGUAGES
from bot.i18n.render import Renderer
from bot.matching_tools import evaluate_command
from bot.service import Helpline
from bot.storage.memory import MemoryRecords
from bot.transcripts import (
    Outcome,
    TranscriptError,
    button_coverage,
    coverage,
    dump,
    read,
    run,
)


def flows_command(settings: Settings, args: argparse.Namespace, stdout: TextIO) -> int:
    """Run ``helpline flows check|graph|test|evaluate``."""
    today = japan_today()
    flows, problems = load_flowset(settings.flows_dir, today)
    match args.flows_command:
        case "check":
            problems += i18n_tools.translation_problems(flows, settings.locales_dir)
            found, worst = _text_problems(settings, flows)
            problems = sorted(set(problems + found))
            for problem in problems:
                print(problem, file=stdout)
            if args.lengths:
                _lengths_report(flows, worst, stdout)
            files = len(flow_files(settings.flows_dir)) + 1 + len(DATA_FILES)  # + system.yaml
            print(summary(problems, files), file=stdout)
            failing = problems if args.strict else errors(problems)
            return 1 if failing else 0
        case "schema":
            for name in write_schemas(settings.flows_dir / "schema"):
                print(
                    f"{display_path(settings.flows_dir / 'schema' / name)}: written", file=stdout
                )
            return 0
        case "graph":
            if errors(problems):
                print("The flows have errors; run 'helpline flows check' first.", file=stdout)
                return 1
            return _graph(settings, flows, args, stdout)
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


def write_schemas(folder: Path) -> list[str]:
    """Write every JSON Schema into ``folder``; return the names of the files written."""
    folder.mkdir(exist_ok=True)
    for name, schema in schemas().items():
        text = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
        (folder / name).write_text(text, encoding="utf-8")
    return sorted(schemas())


def _graph(settings: Settings, flows: FlowSet, args: argparse.Namespace, stdout: TextIO) -> int:
    """Draw one flow in one language, or the overview of all flows."""
    if args.flow is None:
        print(overview(flows), end="", file=stdout)
        return 0
    if args.flow not in flows.flows:
        print(f"No flow '{args.flow}'. Flows: {', '.join(sorted(flows.flows))}", file=stdout)
        return 1
    if args.lang not in (*TRAINEE_LANGUAGES, "en"):
        print(f"No language '{args.lang}': use en, {', '.join(TRAINEE_LANGUAGES)}", file=stdout)
        return 1
    translations = load_translations(settings.locales_dir, TRAINEE_LANGUAGES)

    def text(msg: Msg) -> str:
        return translations.get(args.lang, msg)

    draw = dot if args.format == "dot" else mermaid
    print(draw(flows.flows[args.flow], text), end="", file=stdout)
    return 0


def _text_problems(settings: Settings, flows: FlowSet) -> tuple[list[Problem], WorstCase]:
    """The rules on what a phone shows: neutral first lines and the length budget."""
    translations = load_translations(settings.locales_dir, TRAINEE_LANGUAGES)
    rules, problems = load_first_line_rules(settings.flows_dir)
    problems += check_first_lines(flows, rules, lambda msg, lang: translations.get(lang, msg))
    worst = WorstCase(flows, Renderer(translations, flows.data))
    problems += check_lengths(flows, worst)
    return problems, worst


def _lengths_report(flows: FlowSet, worst: WorstCase, stdout: TextIO) -> None:
    """The longest steps of the flows in each language (``flows check --lengths``)."""
    for lang in ["en", *TRAINEE_LANGUAGES]:
        print(f"Longest steps in {lang} (rendered, worst-case values):", file=stdout)
        for line in longest_steps(flows, worst, lang):
            print(line, file=stdout)


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
            new = dump(result.updated())
            if new != path.read_text(encoding="utf-8"):
                path.write_text(new, encoding="utf-8")
                status = "updated" if not problems else "updated, but still FAILING"
            else:
                status = "ok" if not problems else "FAILED"
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

    short = _coverage_report(coverage(flows, outcomes), args.min_coverage, stdout, "nodes")
    buttons = button_coverage(flows, outcomes)
    short = _coverage_report(buttons, args.min_coverage, stdout, "buttons") or short
    print(f"{len(paths)} transcripts ({len(outcomes)} runs), {failed} failed", file=stdout)
    if short:
        print(f"Coverage is below {args.min_coverage:.0f}% for some language.", file=stdout)
    return 1 if failed or short else 0


def _coverage_report(
    reached_by_lang: Mapping[str, tuple[set[str], set[str]]],
    minimum: float,
    stdout: TextIO,
    what: str,
) -> bool:
    """Print the coverage of each language; return True if one is below ``minimum``.

    ``what`` is "nodes" (reached) or "buttons" (pressed, named ``flow.node.index``).
    """
    done = "reached" if what == "nodes" else "pressed"
    print(
        f"{what.capitalize()[:-1]} coverage by language ({what} {done} / all {what}):", file=stdout
    )
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
            line += f"  not {done}: " + ", ".join(sorted(missing))
        print(line, file=stdout)
        short = short or percent < minimum
    return short


def i18n_command(settings: Settings, action: str, stdout: TextIO, lang: str | None = None) -> int:
    """Run ``helpline i18n extract|update|compile|check|review``."""
    locales, flows_dir = settings.locales_dir, settings.flows_dir
    match action:
        case "review":
            if lang not in TRAINEE_LANGUAGES:
                print(f"Say which language: {', '.join(TRAINEE_LANGUAGES)}", file=stdout)
                return 2
            for line in i18n_tools.review(locales, lang):
                print(line, file=stdout)
            return 0
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
