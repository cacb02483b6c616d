"""The ``helpline`` command: run the helpline, and the maintainers' tools.

::

    helpline run                         on Telegram with a token, else in this terminal
    helpline chat [--lang vi] [--record FILE]
    helpline flows check [--strict]      check flows, data and translations
    helpline flows graph FLOW [--format mermaid|dot]
    helpline flows test [--update] [--min-coverage PCT] [FILE ...]
    helpline i18n extract | update | compile | check

A composition root: reads the settings, builds the pieces and prints. ``main`` takes argv and
streams so tests can call it directly.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from bot import __version__
from bot.assemble import build_helpline, japan_today, load_content
from bot.config import ConfigError, Settings
from bot.console import Console
from bot.flowdefs.folder import DATA_FILES, FlowError, display_path, flow_files, load_flowset
from bot.flowdefs.graph import dot, mermaid
from bot.flowdefs.problems import errors, summary
from bot.i18n import tools as i18n_tools
from bot.i18n.locales import LANGUAGES, TRAINEE_LANGUAGES
from bot.service import Helpline
from bot.storage.memory import MemoryStore
from bot.transcripts import TranscriptError, coverage, dump, read, replay


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="helpline",
        description="A confidential helpline for technical intern trainees in Japan.",
    )
    parser.add_argument("--version", action="version", version=f"helpline {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("run", help="start the helpline (Telegram, or the terminal chat)")
    chat = commands.add_parser("chat", help="chat with the helpline in this terminal")
    chat.add_argument("--lang", choices=LANGUAGES, help="skip the language picker")
    chat.add_argument(
        "--record", type=Path, metavar="FILE", help="save the conversation as a transcript test"
    )

    flows = commands.add_parser("flows", help="check, draw and test the flow files")
    flow_commands = flows.add_subparsers(dest="flows_command", required=True, metavar="ACTION")
    check = flow_commands.add_parser("check", help="check flows, data and translations")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    graph = flow_commands.add_parser("graph", help="draw a flow as Mermaid or DOT")
    graph.add_argument("flow", help="the flow's name, e.g. wages")
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    test = flow_commands.add_parser("test", help="run the transcripts in flows/tests/")
    test.add_argument("files", nargs="*", type=Path, help="transcripts (default: all)")
    test.add_argument("--update", action="store_true", help="rewrite expected paths and replies")
    test.add_argument(
        "--min-coverage",
        type=float,
        default=0.0,
        metavar="PCT",
        help="fail if any language reaches fewer than PCT%% of the nodes",
    )

    i18n = commands.add_parser("i18n", help="extract, update, compile and check translations")
    i18n.add_argument("action", choices=("extract", "update", "compile", "check"))
    return parser


def main(
    argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """Run the command line; return the exit status."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as error:
        print(f"helpline: {error}", file=sys.stderr)
        return 2
    # Only the bot on Telegram logs events by default; the terminal chat and the maintainers'
    # tools share the screen with people, so they only show problems.
    quiet = not (args.command == "run" and settings.telegram_token is not None)
    logging.basicConfig(
        level=settings.log_level or ("WARNING" if quiet else "INFO"),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        match args.command:
            case "run":
                return _run(settings, stdin, stdout)
            case "chat":
                return _chat(settings, stdin, stdout, args.lang, args.record)
            case "flows":
                return _flows(settings, args, stdout)
            case _:
                return _i18n(settings, args.action, stdout)
    except FlowError as error:
        print(f"helpline: the flows have errors; nothing was started.\n{error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`helpline flows check | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _run(settings: Settings, stdin: TextIO, stdout: TextIO) -> int:
    if settings.telegram_token is None:
        print(
            "No HELPLINE_TELEGRAM_TOKEN is set, so the helpline starts as a chat in this "
            "terminal (type /exit to leave).",
            file=sys.stderr,
        )
        return _chat(settings, stdin, stdout, None, None)
    # Imported here: only this path needs python-telegram-bot, which is slow to import.
    from bot.telegram_adapter import run_polling  # noqa: PLC0415

    return run_polling(settings)


def _chat(
    settings: Settings, stdin: TextIO, stdout: TextIO, lang: str | None, record: Path | None
) -> int:
    helpline = build_helpline(settings.flows_dir, settings.locales_dir, MemoryStore())
    return Console(helpline, stdin, stdout).run(lang, record)


def _flows(settings: Settings, args: argparse.Namespace, stdout: TextIO) -> int:
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
        return Helpline(flows, renderer, MemoryStore(), lambda: day)

    outcomes = []
    failed = 0
    for path in paths:
        try:
            transcript = read(path)
        except TranscriptError as error:
            print(error, file=stdout)
            failed += 1
            continue
        outcome = replay(factory, transcript)
        outcomes.append(outcome)
        shown = display_path(path)
        if args.update:
            path.write_text(dump(transcript, outcome.actual), encoding="utf-8")
            kept = [f for f in outcome.failures if "differs" not in f]
            status = "updated" if not kept else "updated, but still FAILING"
            outcome.failures = kept
        else:
            status = "ok" if not outcome.failures else "FAILED"
        print(f"{shown}: {status} ({len(transcript.steps)} turns, {transcript.lang})", file=stdout)
        for failure in outcome.failures:
            print(f"  {failure}", file=stdout)
        failed += bool(outcome.failures)

    print("Node coverage by language (nodes reached / all nodes):", file=stdout)
    short = False
    reached_by_lang = coverage(flows, outcomes)
    for lang in [*TRAINEE_LANGUAGES, "en"]:
        reached, missing = reached_by_lang.get(lang, (set(), set()))
        total = len(reached) + len(missing) or 1
        percent = 100 * len(reached) / total
        if lang not in reached_by_lang:
            print(f"  {lang:8} no transcripts", file=stdout)
            short = short or (args.min_coverage > 0 and lang in TRAINEE_LANGUAGES)
            continue
        line = f"  {lang:8} {len(reached)}/{total} ({percent:.0f}%)"
        if missing:
            line += "  not reached: " + ", ".join(sorted(missing))
        print(line, file=stdout)
        short = short or percent < args.min_coverage
    print(f"{len(paths)} transcripts, {failed} failed", file=stdout)
    if short:
        print(f"Coverage is below {args.min_coverage:.0f}% for some language.", file=stdout)
    return 1 if failed or short else 0


def _i18n(settings: Settings, action: str, stdout: TextIO) -> int:
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
