"""The ``helpline`` command: run the helpline, and the maintainers' tools.

::

    helpline run                         on Telegram with a token, else in this terminal
    helpline chat [--lang vi] [--record FILE]
    helpline flows check [--strict] [--lengths]
                                         check flows, data and translations (--lengths: the
                                         longest steps in each language)
    helpline flows graph [FLOW] [--format mermaid|dot] [--lang LANG]
    helpline flows schema                write the JSON Schemas editors use
    helpline flows test [--update] [--min-coverage PCT] [FILE ...]
    helpline flows evaluate [--misses]   how well typed text finds its target
    helpline i18n extract | update | compile | check | review LANG
    helpline db upgrade                  migrate the database to the newest version
    helpline keys new [--file PATH] | rotate [--index] | retire KEY_ID | retire --index
                                         add a master key (or a new key file); re-wrap every
                                         data key with it; remove an old one nothing needs
    helpline purge                       remove cases and conversations past retention
    helpline staff enrol [--hours N] | list | revoke ID
                                         volunteers who may see a case's content
    helpline replies preview [NAME]      the desk's canned replies in every language
    helpline doctor                      check the installation, one line per check
    helpline health                      is the running bot alive? (container health checks)
    helpline backup --to FOLDER [--keep N]   back up the database (never the keys)
    helpline report --from D --to D [--format md|csv|html] [--lang en|ja] [--output FILE]

A composition root: reads the settings, builds the pieces and prints. ``main`` takes argv and
streams so tests can call it directly; the words of each command (help, examples, dates) are
``bot.cli_parser``'s.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.assemble import build_helpline
from bot.cli_parser import parser
from bot.clock import utcnow
from bot.config import ConfigError, Settings
from bot.console import Console
from bot.console_desk import VOLUNTEER, TerminalDesk, drain, terminal_settings
from bot.content_tools import flows_command, i18n_command
from bot.desk.roster import RosterError, read_roster
from bot.flowdefs.folder import FlowError
from bot.logs import configure
from bot.operator_tools import operator_command
from bot.replies_tool import replies_command
from bot.service.desk import DeskRules
from bot.storage import Outbox
from bot.storage.connection import DatabaseError
from bot.storage.database import open_database
from bot.storage.keys import KeysError
from bot.storage.unit_staff import enrolment_unless_enrolled


def main(
    argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """Run the command line; return the exit status."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    args = parser().parse_args(argv)
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
                return i18n_command(settings, args.action, stdout, getattr(args, "lang", None))
            case "replies":
                return replies_command(settings, args.name, stdout)
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
    from bot.telegram_adapter.runtime import run  # noqa: PLC0415

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
        keyring = database.keys.keyring
        code = enrolment_unless_enrolled(database.engine, keyring, VOLUNTEER, utcnow)
        terminal_desk = TerminalDesk(rules, drain(outbox), stdout, code)
    return Console(helpline, stdin, stdout, terminal_desk).run(lang, record)
