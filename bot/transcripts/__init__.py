"""Conversation tests that maintainers write: YAML transcripts in ``flows/tests/``.

A transcript is one scenario: what a trainee does, turn by turn, and what the bot should answer.
The turns are written once and played in every language the scenario lists. Whatever differs
by language (a button's label, the reply) is written per language, under the language's code;
whatever is the same (a typed number, a command, the nodes passed) is written once::

    title: Monthly pay below the minimum wage in Aichi
    today: 2026-11-27           # the day the conversation happens (minimum wages depend on it)
    languages: [en, vi, zh_Hans, ja]   # play the turns in each of these (coverage counts each)
    turns:
    - start:                    # opens the chat; the value is Telegram's language code (or null)
        en: en
        vi: vi
        zh_Hans: zh_Hans
        ja: ja
    - press:                    # a button, by its label in each language...
        en: Pay and overtime
        vi: Lương và làm thêm giờ
        zh_Hans: 工资和加班
        ja: 給料と残業
    - press: 1                  # ...or by its number, once for all languages
    - type: "63000"             # typed text, the same in every language
      note: why this turn matters
      contains:                 # words the reply must contain (kept by --update)
        en: [Minimum Wage Act, Article 4]
        vi: [Luật Lương tối thiểu, Điều 4]
      not_contains: [...]       # words it must not contain (once: checked in every language)
      path: [...]               # nodes the engine went through, the same in every language
      reply:                    # the whole reply in each language (rewritten by --update)
        en: |
          ...
        vi: |
          ...
    - command: menu             # menu, back, language, person, exit, resume, delete or help
    - media: sticker            # anything that is not text

The rule, for every key of a turn: lines headed by a language's code (``en:``, ``vi:``...) give
a value per language; any other value counts for every language. An action (``start``,
``press``, ``type``...) written per language needs a value for each language. ``contains`` and
``not_contains`` may name only some languages (checked there only). ``reply`` is checked in the
languages it names; a language it leaves out is reported, with the file, line, turn and
language, until its reply is written (``--update`` writes it). ``path`` is one list: when the
languages pass different nodes, the test says which way each went. A scenario that exists only
in some languages lists only those under ``languages``. Problems name the file, the line, the
turn and the language: ``flows/tests/s1.yaml:105: turn 14 (type '0') in vi: ...``.

``read`` returns a ``Scenario``; ``run`` replays it in each language, in a fresh in-memory
service each time, and reports differences; ``Result.updated`` has the paths and replies the bot
gave, for ``--update``. Coverage counts the nodes reached per language.
"""

from bot.transcripts.format import (
    ByLanguage,
    Exchange,
    Scenario,
    Step,
    Transcript,
    TranscriptError,
    dump,
    read,
    scenario_of,
)
from bot.transcripts.runner import (
    Outcome,
    Result,
    button_coverage,
    coverage,
    render,
    replay,
    run,
)

__all__ = [
    "ByLanguage",
    "Exchange",
    "Outcome",
    "Result",
    "Scenario",
    "Step",
    "Transcript",
    "TranscriptError",
    "button_coverage",
    "coverage",
    "dump",
    "read",
    "render",
    "replay",
    "run",
    "scenario_of",
]
