"""How each ``helpline`` action is worded: a summary, a sentence, an example and its docs.

Shared by ``bot.cli_parser`` and ``bot.cli_parser_staff``. Builds parsers only; runs nothing.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import TypeAlias

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What ``add_subparsers`` returns: where each sub-command is added."""


def action(where: Commands, name: str, *words: str) -> argparse.ArgumentParser:
    """Add one command or action, described by four ``words``.

    They are its summary (in lists), the sentence and the example of its help, and the docs.
    """
    summary, text, example, docs = words
    return where.add_parser(
        name,
        help=summary,
        description=textwrap.fill(text, 79),
        epilog=f"example:\n  {example}\n\nmore: {docs}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


Words = dict[str, tuple[str, str, str]]
"""Actions of one command, by name: (summary, sentence, example)."""


def actions(where: Commands, table: Words, docs: str) -> dict[str, argparse.ArgumentParser]:
    """Add every action of ``table`` (all told more about in ``docs``); return them by name."""
    return {
        name: action(where, name, summary, text, example, docs)
        for name, (summary, text, example) in table.items()
    }
