"""The union desk played in the terminal: the volunteer's lines start with ``@``."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from bot.actions import Action
from bot.assemble import build_helpline
from bot.console import Console
from bot.console_desk import DESK_CHAT, VOLUNTEER, TerminalDesk
from bot.desk.roster import Roster, Volunteer
from bot.service.desk import DeskRules, DeskSettings
from bot.storage.memory import MemoryRecords

from ..conftest import FLOWS, LOCALES, TODAY

NOON_JST = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def play(lines: list[str], clock: Callable[[], datetime] = lambda: NOON_JST) -> str:
    """Run a terminal chat with the desk on memory records; return what was printed.

    ``{code}`` in a line is the enrolment code the terminal shows at the start.
    """
    records = MemoryRecords(clock=clock)
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY, desk_connected=True)
    helpline.clock = clock
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
    code = records.new_enrolment(timedelta(hours=1))[0]
    desk = TerminalDesk(rules, drain, stdout, code)
    typed = "\n".join(line.replace("{code}", code) for line in lines) + "\n"
    Console(helpline, io.StringIO(typed), stdout, desk).run("en")
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
            "@@{code}",  # the volunteer's private chat with the bot: enrol, then a staff PIN
            "@@246810",
            "@/claim",
            "@! internal: call the inspector tomorrow",
            "@Your passport must be returned to you.",
        ]
    )
    assert "[desk #1] (a new topic:" in shown
    assert "@@STAFF-" in shown  # the code to enrol with, shown at the start
    note = shown.index("My boss keeps my passport")  # on the card, marked untranslated
    assert shown.rfind("[private] 相談 C-", 0, note) > shown.rfind("[desk #", 0, note)
    assert shown.count("My boss keeps my passport") == 1  # in the private chat, never the topic
    assert "[desk #1] 本人：Are you there?" in shown
    assert "[desk #1] 担当：あなた" in shown
    chat, wiped = shown.split("[On Telegram, the whole chat is now deleted on both sides.]")
    assert chat.rstrip().endswith("Your passport must be returned to you.")
    assert wiped.strip() == "Goodbye."  # the end of input clears the chat as /exit does
    assert "internal" not in shown


class Ticking(io.StringIO):
    """Typed lines; the clock moves 31 minutes on when ``@tick`` is read (and it is skipped)."""

    def __init__(self, text: str, now: list[datetime]) -> None:
        super().__init__(text)
        self.now = now

    def readline(self, size: int | None = -1) -> str:
        line = super().readline()
        if line == "@tick\n":
            self.now[0] += timedelta(minutes=31)
            return self.readline()
        return line


def test_the_pin_is_asked_again_in_the_terminal_after_30_minutes() -> None:
    now = [NOON_JST]
    records = MemoryRecords(clock=lambda: now[0])
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY, desk_connected=True)
    helpline.clock = lambda: now[0]
    me = Volunteer(
        VOLUNTEER, "あなた", frozenset({"en"}), frozenset(range(7)), time(0), time(23, 59)
    )
    settings = DeskSettings(DESK_CHAT, frozenset({VOLUNTEER}), Roster(volunteers=(me,)))
    rules = DeskRules(helpline, records, settings)

    def drain() -> list[tuple[str, Action]]:
        taken, records.outbox[:] = list(records.outbox), []
        return taken

    stdout = io.StringIO()
    code = records.new_enrolment(timedelta(hours=1))[0]
    typed = [
        *("/talk", "1", "Wages unpaid since May", "1", "1"),
        *(f"@@{code}", "@@246810", "@/claim", "@tick", "@/card", "@@hello", "@@111111"),
        "@@246810",
    ]
    stdin = Ticking("\n".join(typed) + "\n", now)
    Console(helpline, stdin, stdout, TerminalDesk(rules, drain, stdout, code)).run("en")
    shown = stdout.getvalue()
    after = shown[shown.index("[desk #1] 担当：あなた") :]
    assert after.count("Wages unpaid since May") == 2  # at the claim, and after the PIN again
    assert "個人チャットでスタッフPINを入力してください" in after  # the topic, after 31 minutes
    assert "[private] 相談 C-" in after and "PINが違います。あと4回" in after
    assert "[private] スタッフPINは6〜12桁の数字です" in after  # "hello": still the PIN step


def test_the_day_one_commands_work_at_the_terminal_desk() -> None:
    shown = play(
        ["/talk", "1", "My boss keeps my passport", "1", "1", "@/cases", "@/away", "@/help"]
    )
    assert "対応中の相談（1件、古い順）：" in shown and "担当：なし" in shown
    assert "My boss keeps" not in shown.split("対応中の相談")[1].split("\n")[1]  # no content
    assert "あなたさんは不在です" in shown
    assert "/handover @名前" in shown
