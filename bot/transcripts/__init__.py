"""Conversation tests that maintainers write: YAML transcripts in ``flows/tests/``.

A transcript is what a trainee does, turn by turn, and what the bot should answer::

    title: Monthly pay below the minimum wage in Aichi
    lang: vi                  # the language the conversation is in (for coverage)
    today: 2026-11-27         # the day the conversation happens (minimum wages depend on it)
    turns:
      - start: vi             # opens the chat; the value is Telegram's language code (or null)
      - press: Tiếng Việt     # a button, by its label or its number
      - type: "63000"         # typed text
        contains: [...]       # words the reply must contain (kept by --update)
        not_contains: [...]   # words it must not contain
        path: [...]           # nodes the engine went through (rewritten by --update)
        reply: |              # the whole reply (rewritten by --update)
      - command: menu         # menu, back, language, person, exit, resume, delete or help
      - media: sticker        # anything that is not text

``run`` replays a transcript through the real service (in memory) and reports differences;
``update`` rewrites ``path`` and ``reply``. Coverage counts the nodes reached per language.
"""

from bot.transcripts.format import Exchange, Transcript, TranscriptError, dump, read
from bot.transcripts.runner import Outcome, coverage, render, replay

__all__ = [
    "Exchange",
    "Outcome",
    "Transcript",
    "TranscriptError",
    "coverage",
    "dump",
    "read",
    "render",
    "replay",
]
