"""The words of the ``helpline`` command: every command and action, its help and an example.

Each action's ``--help`` says what it does in a sentence, shows an example and names the page
of docs/ (or the runbook) that tells more. Builds the ``argparse`` parser and reads dates; runs
nothing (``bot.cli`` does).
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path

from bot import __version__
from bot.cli_parser_staff import backup_command, replies_commands, staff_commands
from bot.cli_words import Commands, Words, action, actions
from bot.i18n.locales import LANGUAGES

EPILOG = """\
Each command has its own help: 'helpline COMMAND --help', 'helpline COMMAND ACTION --help'.
Docs: README.md, docs/ (flows.md, storage.md, telegram.md, desk.md, reports.md) and the
operators' runbook deploy/README.md."""


def parser() -> argparse.ArgumentParser:
    """The command line, built one group of sub-commands at a time."""
    main = argparse.ArgumentParser(
        prog="helpline",
        description="A confidential helpline for technical intern trainees in Japan.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    main.add_argument("--version", action="version", version=f"helpline {__version__}")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _chat_commands(commands)
    _flows_commands(commands)
    _i18n_commands(commands)
    _operator_commands(commands)
    backup_command(commands)
    staff_commands(commands)
    replies_commands(commands)
    _keys_commands(commands)
    _report_command(commands)
    return main


def _chat_commands(commands: Commands) -> None:
    """``run`` and ``chat``: the helpline itself."""
    action(
        commands,
        "run",
        "start the helpline (Telegram, or the terminal chat)",
        "Start the helpline: on Telegram when HELPLINE_TELEGRAM_TOKEN is set, otherwise as a "
        "chat in this terminal. It checks the flows and migrates the database first.",
        "HELPLINE_TELEGRAM_TOKEN=123:abc helpline run",
        "README.md (Operators), docs/telegram.md",
    )
    chat = action(
        commands,
        "chat",
        "chat with the helpline in this terminal",
        "Chat with the helpline in this terminal, as a trainee would on Telegram: buttons are "
        "numbered, commands such as /menu and /exit work.",
        "helpline chat --lang vi --record flows/tests/new.yaml",
        "README.md (Quickstart), docs/flows.md (Conversation tests)",
    )
    chat.add_argument("--lang", choices=LANGUAGES, help="skip the language picker")
    chat.add_argument(
        "--record", type=Path, metavar="FILE", help="save the conversation as a transcript test"
    )
    chat.add_argument(
        "--desk",
        action="store_true",
        help="play the union desk too: lines starting with @ are the volunteer's (docs/desk.md)",
    )


def _flows_commands(commands: Commands) -> None:
    """``flows check | schema | graph | test | evaluate``."""
    flows = commands.add_parser(
        "flows",
        help="check, draw and test the flow files",
        description="Check, draw and test the conversations in flows/.",
        epilog="more: docs/flows.md",
    )
    each = flows.add_subparsers(dest="flows_command", required=True, metavar="ACTION")
    check = action(
        each,
        "check",
        "check flows, data and translations",
        "Check every flow, data file and translation; each problem with its file, line and a "
        "likely fix. Exits 1 on errors (on warnings too with --strict).",
        "helpline flows check --strict",
        "docs/flows.md (What the checker reports)",
    )
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.add_argument(
        "--lengths", action="store_true", help="list the longest steps in each language"
    )
    action(
        each,
        "schema",
        "write the JSON Schemas editors use (flows/schema/)",
        "Write the JSON Schemas of the flow and data files into flows/schema/, from the "
        "checker's own key tables. Run it after adding a key to a reader; a test fails while "
        "the written files differ.",
        "helpline flows schema",
        "docs/flows.md (Editors that check as you type)",
    )
    _graph_command(each)
    _evaluate_command(each)
    test = action(
        each,
        "test",
        "run the transcripts in flows/tests/",
        "Replay the conversation tests in flows/tests/ and compare every reply; --update "
        "rewrites the expected replies after a deliberate change.",
        "helpline flows test --min-coverage 100",
        "docs/flows.md (Conversation tests)",
    )
    test.add_argument("files", nargs="*", type=Path, help="transcripts (default: all)")
    test.add_argument("--update", action="store_true", help="rewrite expected paths and replies")
    test.add_argument(
        "--min-coverage",
        type=float,
        default=0.0,
        metavar="PCT",
        help="fail if any language reaches fewer than PCT%% of the nodes",
    )


I18N: Words = {
    "extract": (
        "collect the texts into locales/messages.pot",
        "Collect every text of flows/ (and flows/system.yaml) into the template "
        "locales/messages.pot, which 'update' merges into each language.",
        "helpline i18n extract",
    ),
    "update": (
        "merge new and changed texts into each language's .po",
        "Extract, then merge new and changed texts into locales/<lang>/LC_MESSAGES/messages.po "
        "for each language: new ones empty, changed ones keep their old translation marked "
        "fuzzy with the English it was made for, to be reviewed ('helpline i18n review').",
        "helpline i18n update",
    ),
    "compile": (
        "write the .mo files",
        "Compile each language's messages.po into the messages.mo beside it.",
        "helpline i18n compile",
    ),
    "check": (
        "list what is untranslated, fuzzy or has wrong placeholders",
        "Per language: untranslated and fuzzy texts, and placeholders that differ from the "
        "English, each with its .po file and line. Exits 1 if any language is incomplete.",
        "helpline i18n check",
    ),
    "review": (
        "show each fuzzy entry: English before and now, and the translation",
        "For one language, show each fuzzy entry with its .po file and line, the English it "
        "was translated from, the English now, the words that changed and the translation.",
        "helpline i18n review vi",
    ),
}


def _evaluate_command(each: Commands) -> None:
    """``flows evaluate``: how well typed text finds its target (``bot.matching_tools``)."""
    evaluate = action(
        each,
        "evaluate",
        "score the trigger phrases on the labelled corpus (bench/matching/)",
        "Match every labelled utterance of the evaluation corpus and report, per language, how "
        "often the right topic is offered first and among the buttons, danger recall and false "
        "danger; --misses lists what was not offered.",
        "helpline flows evaluate --misses",
        "docs/flows.md (Typed text)",
    )
    evaluate.add_argument("--corpus", type=Path, default=Path("bench/matching"), metavar="DIR")
    evaluate.add_argument("--misses", action="store_true", help="list what was not offered")


def _graph_command(each: Commands) -> None:
    """``flows graph``: one flow, in a language, or the overview."""
    graph = action(
        each,
        "graph",
        "draw a flow as Mermaid or DOT, or (with no flow) how the flows link",
        "Draw one flow as a chart (node ids, texts, a legend): Mermaid (paste into GitHub or "
        "GitLab) or Graphviz DOT, in any language. With no flow named, an overview of the "
        "flows and how they lead into one another.",
        "helpline flows graph wages --lang vi --format dot | dot -Tsvg > wages.svg",
        "docs/flows.md (Charts)",
    )
    graph.add_argument("flow", nargs="?", help="the flow's name, e.g. wages; none: the overview")
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    graph.add_argument(
        "--lang", default="en", help="the language of the texts: en (default), vi, zh_Hans, ja"
    )


def _i18n_commands(commands: Commands) -> None:
    """``i18n extract | update | compile | check | review LANG``."""
    i18n = commands.add_parser(
        "i18n",
        help="extract, update, compile and check translations",
        description="The translation cycle: extract, update, translate, check.",
        epilog="more: docs/flows.md (Translations), README.md (Maintainers)",
    )
    each = i18n.add_subparsers(dest="action", required=True, metavar="ACTION")
    added = actions(each, I18N, "docs/flows.md (Translations)")
    added["review"].add_argument("lang", help="the language: vi, zh_Hans or ja")


def _operator_commands(commands: Commands) -> None:
    """``db``, ``purge``, ``doctor`` and ``health``: run by ``bot.operator_tools``."""
    db = commands.add_parser(
        "db", help="database maintenance", epilog="more: docs/storage.md (Databases)"
    )
    action(
        db.add_subparsers(dest="action", required=True, metavar="ACTION"),
        "upgrade",
        "migrate the database to the newest version",
        "Run the database migrations to the newest version (the helpline also does this on "
        "every start). Needs no keys.",
        "HELPLINE_DATABASE_URL=postgresql://helpline@/helpline helpline db upgrade",
        "docs/storage.md (Databases), deploy/README.md",
    )
    action(
        commands,
        "purge",
        "remove cases and conversations past their retention",
        "Delete what outlived its time: cases inactive for HELPLINE_RETENTION_DAYS, idle "
        "conversations, old queue rows and audit rows. The running bot does this every 6 hours.",
        "helpline purge",
        "docs/storage.md (Deletion and retention)",
    )
    action(
        commands,
        "doctor",
        "check configuration, database, keys and content",
        "Check the installation, one line per check, each problem with its fix; counts the "
        "cases open and waiting for a volunteer, and says when the purge and the idle wipe "
        "last ran. Writes nothing. Exits 1 if something needs fixing.",
        "helpline doctor",
        "deploy/README.md (Checking)",
    )
    action(
        commands,
        "health",
        "exit 0 if the running bot is healthy (for containers)",
        "Exit 0 if the running bot's heartbeat is fresh, every loop turns and the database "
        "answered; otherwise 1 with the reason. For container and systemd health checks.",
        "helpline health || echo unhealthy",
        "docs/telegram.md (Liveness)",
    )


def _keys_commands(commands: Commands) -> None:
    """``keys new | rotate | retire``."""
    keys = commands.add_parser(
        "keys",
        help="master keys: add a new one, re-wrap data keys, retire an old one",
        description="Rotating the master key takes three steps: new, rotate, retire.",
        epilog="more: docs/storage.md (Keys), deploy/README.md (Key rotation)",
    )
    each = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    new = action(
        each,
        "new",
        "add a new active master key (or write a new key file)",
        "Add a new active master key to the key file (or print the new HELPLINE_MASTER_KEYS); "
        "with --file, write a new installation's key file there instead.",
        "helpline keys new --file /etc/helpline/keys.json",
        "docs/storage.md (Keys)",
    )
    new.add_argument(
        "--file",
        type=Path,
        metavar="PATH",
        help="on a new installation: write a new key file there (kept apart from the database)",
    )
    rotate = action(
        each,
        "rotate",
        "re-wrap every data key with the active master key (--index: re-index)",
        "Re-wrap every data key with the active master key, in small batches; safe to kill and "
        "run again, and it removes nothing. With --index: add a new index key, wait until every "
        "running process knows it, and move every pseudonym and lookup to it.",
        "helpline keys rotate --index",
        "docs/storage.md (Keys; The index key)",
    )
    rotate.add_argument("--index", action="store_true", help="rotate the index key instead")
    retire = action(
        each,
        "retire",
        "remove an old master key (or, with --index, the old index key) nothing needs any more",
        "Remove an old master key; refused while a running process or any row still needs it. "
        "With --index (and no KEY_ID): remove the retiring index key, refused while a process "
        "or a row needs it.",
        "helpline keys retire k7Q2XM4A",
        "docs/storage.md (Keys; The index key)",
    )
    retire.add_argument("key_id", metavar="KEY_ID", nargs="?", help="the old master key's id")
    retire.add_argument("--index", action="store_true", help="retire the old index key")


def _report_command(commands: Commands) -> None:
    """``report``: the counts for advocacy over a period."""
    report = action(
        commands,
        "report",
        "counts for advocacy: topics, findings, prefectures (small counts hidden)",
        "Count the cases of a period by month, topic, language, prefecture and finding, with "
        "the desk's figures; counts under 5 are shown as <5. Dates are YYYY-MM-DD (2026-1-1 "
        "is read as 2026-01-01); both days are included.",
        "helpline report --from 2026-01-01 --to 2026-03-31 --format html --output q1.html",
        "docs/reports.md",
    )
    report.add_argument(
        "--from", dest="start", type=day, required=True, metavar="YYYY-MM-DD", help="first day"
    )
    report.add_argument(
        "--to", dest="end", type=day, required=True, metavar="YYYY-MM-DD", help="last day (kept)"
    )
    report.add_argument(
        "--format", choices=("md", "csv", "html"), default="md", help="default: md (Markdown)"
    )
    report.add_argument("--lang", choices=("en", "ja"), default="en", help="default: en")
    report.add_argument(
        "--output", type=Path, metavar="FILE", help="write here, not to the screen"
    )


_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


def day(text: str) -> date:
    """A date as people type it: ``2026-01-31``, ``2026-1-1``, ``2026/1/31``."""
    found = _DAY.fullmatch(text.strip())
    try:
        if found is None:
            raise ValueError(text)
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date: write year-month-day, like 2026-01-31 or 2026-1-31"
        ) from None
