"""The ``helpline`` command: run the helpline, and the maintainers' tools.

::

    helpline run                         on Telegram with a token, else in this terminal
    helpline chat [--lang vi] [--record FILE]
    helpline flows check [--strict]      check flows, data and translations
    helpline flows graph FLOW [--format mermaid|dot]
    helpline flows test [--update] [--min-coverage PCT] [FILE ...]
    helpline i18n extract | update | compile | check
    helpline db upgrade                  migrate the database to the newest version
    helpline keys new [--file PATH] | rotate [--index] | retire KEY_ID | retire --index
                                         add a master key (or a new key file); re-wrap every
                                         data key with it; remove an old one nothing needs
    helpline purge                       remove cases and conversations past retention
    helpline doctor                      check the installation, one line per check
    helpline health                      is the running bot alive? (container health checks)
    helpline report --from D --to D [--format md|csv|html] [--lang en|ja] [--output FILE]

A composition root: reads the settings, builds the pieces and prints. ``main`` takes argv and
streams so tests can call it directly.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TextIO, TypeAlias

from bot import __version__
from bot.assemble import build_helpline
from bot.config import ConfigError, Settings
from bot.console import Console
from bot.console_desk import TerminalDesk, drain, terminal_settings
from bot.content_tools import flows_command, i18n_command
from bot.desk.roster import RosterError, read_roster
from bot.flowdefs.folder import FlowError
from bot.i18n.locales import LANGUAGES
from bot.logs import configure
from bot.operator_tools import operator_command
from bot.service.desk import DeskRules
from bot.storage import Outbox
from bot.storage.connection import DatabaseError
from bot.storage.database import open_database
from bot.storage.keys import KeysError

_Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What ``add_subparsers`` returns: where each sub-command is added."""


def _parser() -> argparse.ArgumentParser:
    """The command line, built one group of sub-commands at a time."""
    parser = argparse.ArgumentParser(
        prog="helpline",
        description="A confidential helpline for technical intern trainees in Japan.",
    )
    parser.add_argument("--version", action="version", version=f"helpline {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _chat_commands(commands)
    _flows_commands(commands)
    _i18n_commands(commands)
    _operator_commands(commands)
    _report_command(commands)
    return parser


def _chat_commands(commands: _Commands) -> None:
    """``run`` and ``chat``: the helpline itself."""
    commands.add_parser("run", help="start the helpline (Telegram, or the terminal chat)")
    chat = commands.add_parser("chat", help="chat with the helpline in this terminal")
    chat.add_argument("--lang", choices=LANGUAGES, help="skip the language picker")
    chat.add_argument(
        "--record", type=Path, metavar="FILE", help="save the conversation as a transcript test"
    )
    chat.add_argument(
        "--desk",
        action="store_true",
        help="play the union desk too: lines starting with @ are the volunteer's (docs/desk.md)",
    )


def _flows_commands(commands: _Commands) -> None:
    """``flows check | graph | test``."""
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


def _i18n_commands(commands: _Commands) -> None:
    """``i18n extract | update | compile | check``."""
    i18n = commands.add_parser("i18n", help="extract, update, compile and check translations")
    i18n.add_argument("action", choices=("extract", "update", "compile", "check"))


def _operator_commands(commands: _Commands) -> None:
    """``db``, ``keys``, ``purge``, ``doctor`` and ``health``: run by ``bot.operator_tools``."""
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=("upgrade",))
    keys = commands.add_parser(
        "keys",
        help="master keys: add a new one, re-wrap data keys, retire an old one; "
        "--index: rotate or retire the index key",
    )
    keys.add_argument("action", choices=("new", "rotate", "retire"))
    keys.add_argument("key_id", nargs="?", help="with 'retire': the old master key's id")
    keys.add_argument(
        "--index",
        action="store_true",
        help="the index key (pseudonyms, resume index): 'rotate --index' adds a new one and "
        "re-indexes, 'retire --index' removes the old one once nothing needs it",
    )
    keys.add_argument(
        "--file",
        type=Path,
        metavar="PATH",
        help="with 'new' on a new installation: write a new key file there (kept apart from "
        "the database)",
    )
    commands.add_parser("purge", help="remove cases and conversations past their retention")
    commands.add_parser("doctor", help="check configuration, database, keys and content")
    commands.add_parser("health", help="exit 0 if the running bot is healthy (for containers)")


def _report_command(commands: _Commands) -> None:
    """``report``: the counts for advocacy over a period."""
    report = commands.add_parser(
        "report", help="counts for advocacy: topics, findings, prefectures (small counts hidden)"
    )
    report.add_argument("--from", dest="start", type=_date, required=True, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="end", type=_date, required=True, metavar="YYYY-MM-DD")
    report.add_argument("--format", choices=("md", "csv", "html"), default="md")
    report.add_argument("--lang", choices=("en", "ja"), default="en")
    report.add_argument(
        "--output", type=Path, metavar="FILE", help="write here, not to the screen"
    )


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2026-01-31: '{text}'") from None


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
    configure(settings.log_level or ("WARNING" if quiet else "INFO"), settings.log_format)
    try:
        match args.command:
            case "run":
                return _run(settings, stdin, stdout)
            case "chat":
                return _chat(settings, stdin, stdout, args.lang, args.record, desk=args.desk)
            case "flows":
                return flows_command(settings, args, stdout)
            case "i18n":
                return i18n_command(settings, args.action, stdout)
            case _:
                return operator_command(settings, args, stdout)
    except FlowError as error:
        print(f"helpline: the flows have errors; nothing was started.\n{error}", file=sys.stderr)
        return 1
    except (KeysError, DatabaseError, RosterError) as error:
        print(f"helpline: {error}", file=sys.stderr)
        return 2
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
    from bot.telegram_adapter import run  # noqa: PLC0415

    return run(settings)


def _chat(
    settings: Settings,
    stdin: TextIO,
    stdout: TextIO,
    lang: str | None,
    record: Path | None,
    *,
    desk: bool = False,
) -> int:
    database = open_database(settings)
    if database.notice:
        print(database.notice, file=sys.stderr)
    helpline = build_helpline(
        settings.flows_dir, settings.locales_dir, database.records, desk_connected=desk
    )
    terminal_desk = None
    if desk:
        roster = read_roster(settings.roster_path)
        rules = DeskRules(helpline, database.records, terminal_settings(roster))
        outbox = Outbox(database.engine, database.keys.keyring)
        terminal_desk = TerminalDesk(rules, drain(outbox), stdout)
    return Console(helpline, stdin, stdout, terminal_desk).run(lang, record)
