"""The union desk played in the terminal: the volunteer's lines start with ``@``."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time

from bot.actions import Action
from bot.assemble import build_helpline
from bot.console import Console
from bot.console_desk import DESK_CHAT, VOLUNTEER, TerminalDesk
from bot.desk.roster import Roster, Volunteer
from bot.service.desk import DeskRules, DeskSettings
from bot.storage.memory import MemoryRecords

from ..conftest import FLOWS, LOCALES, TODAY

NOON_JST = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def play(lines: list[str]) -> str:
    """Run a terminal chat with the desk on memory records; return what was printed."""
    records = MemoryRecords(clock=lambda: NOON_JST)
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY, desk_connected=True)
    helpline.clock = lambda: NOON_JST
    helpline.sleep = lambda _: None
    me = Volunteer(
        VOLUNTEER, "あなた", frozenset({"ja", "vi"}), frozenset(range(7)), time(0), time(23, 59)
    )
    settings = DeskSettings(DESK_CHAT, frozenset({VOLUNTEER}), Roster(volunteers=(me,)))
    rules = DeskRules(helpline, records, settings)

    def drain() -> list[tuple[str, Action]]:
        taken, records.outbox[:] = list(records.outbox), []
        return taken

    stdout = io.StringIO()
    desk = TerminalDesk(rules, drain, stdout)
    Console(helpline, io.StringIO("\n".join(lines) + "\n"), stdout, desk).run("en")
    return stdout.getvalue()


def test_a_volunteer_claims_and_answers_and_the_trainee_reads_it() -> None:
    shown = play(
        [
            "/talk",
            "1",  # I agree
            "My boss keeps my passport",  # the note for the volunteer
            "1",  # replies here
            "1",  # no PIN (skip)
            "Are you there?",
            "@/claim",
            "@! internal: call the inspector tomorrow",
            "@Your passport must be returned to you.",
        ]
    )
    assert "[desk #1] (a new topic:" in shown
    assert "My boss keeps my passport" in shown  # on the card, marked untranslated
    assert "[desk #1] 本人：Are you there?" in shown
    assert "[desk #1] 担当：あなた" in shown
    chat, wiped = shown.split("[On Telegram, the whole chat is now deleted on both sides.]")
    assert chat.rstrip().endswith("Your passport must be returned to you.")
    assert wiped.strip() == "Goodbye."  # the end of input clears the chat as /exit does
    assert "internal" not in shown
