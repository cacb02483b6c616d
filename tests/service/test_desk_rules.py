"""The union desk's rules, on every store: memory, a SQLite file and PostgreSQL, one test code.

The rules (``bot.service.desk``) are driven directly, with no Telegram: a trainee reaches the
desk through the service, the adapter's part (opening the topic) is played by the test, and
what the rules queue is read back as typed actions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import engine
from bot.actions import DESK_QUEUE, Action, CloseTopic, CopyOut, DeskAction, Ping, Post, Send
from bot.assemble import build_helpline
from bot.desk.roster import Roster, Volunteer
from bot.desk.staff import StaffMessage
from bot.records import Records, Unit
from bot.service import Helpline
from bot.service.call import HERE, HOURS, NOWHERE, SKIP, YES
from bot.service.desk import CLAIM, DeskRules, DeskSettings
from bot.storage.connection import make_engine
from bot.storage.inbox import Arrived, Inbox
from bot.storage.memory import MemoryRecords
from bot.storage.store import SqlRecords

from ..conftest import FLOWS, LOCALES, TODAY, make_keyring, require
from ..databases import PostgresServer, sqlite_engine

DESK = -100555
SATO, STRANGER = 9001, 7777
ADDRESS = "424242"
CHAT = "chat-a"
THREAD = 77
INTRO = "Tin nhắn mới:"
"""The neutral first line of what the desk sends a trainee, in Vietnamese."""
NOON_JST = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # Friday, 12:00 in Japan


@dataclass
class Recorded:
    """Records that also note, per queue, the actions each committed unit queued."""

    inner: Records
    queued: list[tuple[str, Action]] = field(default_factory=list)

    @contextmanager
    def unit(self) -> Iterator[Unit]:
        """A unit of the inner records whose queued actions are noted once it commits."""
        noted: list[tuple[str, Action]] = []
        with self.inner.unit() as unit:
            yield _Noting(unit, noted)  # type: ignore[misc]
        self.queued += noted

    def staff_pin_key(self, staff: str, pin: str) -> str:
        """The inner records' staff PIN key (the step-up's slow KDF)."""
        return self.inner.staff_pin_key(staff, pin)


class _Noting:
    def __init__(self, unit: Unit, noted: list[tuple[str, Action]]) -> None:
        self._unit, self._noted = unit, noted

    def send_later(self, chat: str, actions: Sequence[Action]) -> None:
        self._noted += [(chat, action) for action in actions]
        self._unit.send_later(chat, actions)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._unit, name)


class Clock:
    def __init__(self) -> None:
        self.now = NOON_JST

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(name="clock")
def _clock() -> Clock:
    return Clock()


Arrive = Callable[[int], None]
"""Note an update from the group in the inbox, as the adapter's intake does."""


@pytest.fixture(name="store", params=["memory", "sqlite", "postgresql"])
def _store(
    request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresServer | None, clock: Clock
) -> Iterator[tuple[Records, Arrive]]:
    if request.param == "memory":
        yield MemoryRecords(clock=clock), lambda _: None  # memory takes any unhandled update
        return
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            engine = sqlite_engine(tmp_path)
        else:
            engine = make_engine(stack.enter_context(require(postgres).database()))
        keyring = make_keyring()
        inbox = Inbox(engine, keyring, clock)
        yield (
            SqlRecords(engine, keyring, clock),
            lambda update: inbox.take_in([Arrived(update, DESK_QUEUE, b"{}")]),
        )
        engine.dispose()


@dataclass
class Desk:
    """A helpline with a desk, its rules, the records (noting what is queued) and a clock."""

    helpline: Helpline
    rules: DeskRules
    records: Recorded
    clock: Clock
    arrive: Arrive
    opened: list[DeskAction] = field(default_factory=list)

    def trainee(self, replies: str = HERE, hours: str | None = None) -> str:
        """A trainee asks for a person and chooses how replies reach them; return the case."""
        say = self.helpline.handle
        say(CHAT, engine.TextEntered("hi"), ADDRESS)
        say(CHAT, engine.ButtonPressed("lang:vi"), ADDRESS)
        say(CHAT, engine.CommandGiven(engine.Command.PERSON), ADDRESS)
        for data in (YES, SKIP, replies):
            say(CHAT, engine.ButtonPressed(data), ADDRESS)
        if hours is not None:
            say(CHAT, engine.TextEntered(hours), ADDRESS)
        turn = say(CHAT, engine.ButtonPressed(SKIP), ADDRESS)  # no PIN (a mailbox needs one)
        if replies == NOWHERE:
            say(CHAT, engine.TextEntered("482915"), ADDRESS)
            turn = say(CHAT, engine.TextEntered("482915"), ADDRESS)
        case = next(item.case for item in turn.out if hasattr(item, "case"))
        opening = self.rules.opening(case)
        assert opening is not None and opening.thread is None
        self.opened = self.rules.opened(case, THREAD, new=True)
        self.records.queued.clear()
        return case

    def volunteer(self, text: str, user: int = SATO, update: int = 1) -> None:
        message = StaffMessage(DESK, user, thread_id=THREAD, message_id=500 + update, text=text)
        self.arrive(update)
        self.rules.message(update, message, "helpline_bot")

    def said(self, key: str, **params: str) -> str:
        """One of the desk's own texts (flows/data/desk_texts.yaml)."""
        return self.helpline.flows.desk_text(key, **params)

    def to_desk(self) -> list[Action]:
        return [action for key, action in self.records.queued if key == DESK_QUEUE]

    def to_trainee(self) -> list[Action]:
        return [action for key, action in self.records.queued if key != DESK_QUEUE]

    def case(self, case: str) -> Any:
        with self.records.unit() as unit:
            return unit.desk_case(case)


@pytest.fixture(name="desk")
def _desk(store: tuple[Records, Arrive], clock: Clock) -> Desk:
    records = Recorded(store[0])
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY, desk_connected=True)
    helpline.clock = clock
    helpline.sleep = lambda _: None
    sato = Volunteer(
        SATO, "Sato", frozenset({"ja", "vi"}), frozenset(range(7)), time(0), time(23, 59)
    )
    roster = Roster(volunteers=(sato,))
    settings = DeskSettings(DESK, frozenset({SATO}), roster, timedelta(hours=4))
    return Desk(helpline, DeskRules(helpline, records, settings), records, clock, store[1])


def test_a_new_topic_gets_the_card_and_the_volunteers_are_pinged(desk: Desk) -> None:
    case = desk.trainee()
    card, ping = desk.opened
    assert isinstance(card, Post) and card.thread == THREAD and card.buttons[0][1] == CLAIM
    assert case in card.text and "ベトナム語" in card.text
    assert ping == Ping(THREAD, ((SATO, "Sato"),))
    assert desk.case(case).thread_id == THREAD


def test_a_reply_reaches_the_trainee_at_once_without_a_name(desk: Desk) -> None:
    case = desk.trainee()
    desk.volunteer("Your passport must be returned.")
    # As the bot's own words (no sender), behind a neutral first line (a locked screen shows it).
    assert desk.to_trainee() == [Send(int(ADDRESS), f"{INTRO}\nYour passport must be returned.")]
    assert desk.to_desk() == []
    assert desk.case(case).status == "open"


def test_a_reply_to_the_mailbox_waits_and_the_topic_says_so(desk: Desk) -> None:
    desk.trainee(replies=NOWHERE)
    desk.volunteer("We can help.")
    assert desk.to_trainee() == []
    assert desk.to_desk() == [Post(THREAD, desk.said("mailbox"))]


def test_a_reply_outside_safe_hours_waits_for_them(desk: Desk) -> None:
    desk.trainee(replies=HOURS, hours="20-22")
    desk.volunteer("We can help.")
    assert desk.to_trainee() == []
    assert desk.to_desk() == [Post(THREAD, desk.said("later"))]  # the hours: on the card only
    assert desk.rules.due_mail() == 0  # still 12:00 in Japan
    desk.clock.now = NOON_JST + timedelta(hours=9)  # 21:00 in Japan
    assert desk.rules.due_mail() == 1
    assert desk.to_trainee() == [Send(int(ADDRESS), f"{INTRO}\nWe can help.")]


def test_claim_names_the_volunteer_and_a_stranger_is_refused(desk: Desk) -> None:
    case = desk.trainee()
    desk.volunteer("/claim")
    # Not enrolled yet: told in the topic how to see the content (tests/service/test_staff.py).
    assert desk.to_desk() == [
        Post(THREAD, "担当：Sato"),
        Post(THREAD, desk.said("enrol_first", name="Sato")),
    ]
    assert desk.case(case).claimed_by is not None
    press = StaffMessage(DESK, STRANGER, thread_id=THREAD)
    desk.arrive(2)
    assert (
        desk.rules.press(2, press, CLAIM) == desk.said("not_allowed") == "この操作はできません。"
    )
    assert desk.to_desk()[0] == Post(THREAD, desk.said("claimed", name="Sato"))


def test_close_tells_the_trainee_and_later_replies_stay_in_the_desk(desk: Desk) -> None:
    case = desk.trainee()
    desk.volunteer("/close")
    assert desk.to_desk() == [Post(THREAD, desk.said("closed")), CloseTopic(THREAD)]
    (closing,) = desk.to_trainee()
    assert isinstance(closing, Send) and closing.chat == int(ADDRESS)
    assert closing.text.startswith(f"{INTRO}\n")
    assert desk.case(case).status == "closed"
    desk.records.queued.clear()
    desk.volunteer("one more thing", update=2)
    assert desk.to_trainee() == []
    assert desk.to_desk() == [Post(THREAD, desk.said("already_closed"))]


def test_a_canned_reply_goes_out_in_the_trainees_language(desk: Desk) -> None:
    desk.trainee()
    name = sorted(desk.helpline.flows.replies)[0]
    desk.volunteer(f"/reply {name}")
    (shown,) = desk.to_desk()
    (sent,) = desk.to_trainee()
    assert isinstance(shown, Post) and isinstance(sent, Send)
    assert shown.text.startswith(desk.said("canned", name=name, lang="ベトナム語"))
    assert sent.text.startswith(f"{INTRO}\n")
    assert shown.text.endswith(sent.text.removeprefix(f"{INTRO}\n"))
    english = desk.helpline.renderer.text(desk.helpline.flows.replies[name], "en")
    assert sent.text != english  # in Vietnamese, the trainee's language


def test_notes_and_unknown_senders_never_reach_the_trainee(desk: Desk) -> None:
    desk.trainee()
    desk.volunteer("! internal: call the inspector")
    desk.volunteer("hello", user=STRANGER, update=2)
    assert desk.to_trainee() == []


def test_a_case_nobody_took_is_announced_again(desk: Desk) -> None:
    desk.trainee()
    assert desk.rules.remind() == 0
    desk.clock.now = NOON_JST + timedelta(hours=5)
    assert desk.rules.remind() == 1
    assert desk.to_desk() == [Post(THREAD, desk.said("reminder")), Ping(THREAD, ((SATO, "Sato"),))]
    assert desk.rules.remind() == 0  # announced again: the clock starts anew


def test_an_update_is_handled_once(desk: Desk) -> None:
    desk.trainee()
    desk.volunteer("We can help.")
    desk.volunteer("We can help.")  # the same update again (a redelivery)
    assert len(desk.to_trainee()) == 1


def test_a_volunteers_photo_is_copied_with_the_neutral_line_atop_its_caption(desk: Desk) -> None:
    desk.trainee()
    photo = StaffMessage(
        DESK, SATO, thread_id=THREAD, message_id=501, text="Your payslip", media=True
    )
    desk.arrive(1)
    desk.rules.message(1, photo, "helpline_bot")
    said = f"{INTRO}\nYour payslip"
    assert desk.to_trainee() == [CopyOut(int(ADDRESS), 501, said, caption=said)]
