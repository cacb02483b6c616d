"""The danger path in one tap: numbers first, a one-sentence consent, the desk, then a PIN.

Each test runs on the in-memory records, a SQLite file and PostgreSQL (skipped where it is not
installed): what matters is what the records hold when the PIN is offered, so it is checked on
the real storage too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot import engine
from bot.assemble import build_helpline
from bot.conversation import Mode
from bot.desk.hours import OfficeHours
from bot.effects import DeskRequest, Relay, Reply, Scrub, Turn
from bot.events import Opened
from bot.records import Records
from bot.service import Helpline
from bot.service.call import NO, PIN_ASK, SKIP, YES
from bot.service.consent import URGENT_KEY, version
from bot.storage.connection import make_engine
from bot.storage.memory import MemoryRecords
from bot.storage.store import SqlRecords

from ..conftest import FLOWS, LOCALES, TODAY, make_keyring, require
from ..databases import PostgresServer, sqlite_engine

CHAT, ADDRESS = "chat-1", "4242"
PIN = "482915"
SATURDAY_NIGHT = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # 23:00 in Japan: the desk is closed
SAFETY, CONFINED = "menu.topics.4", "safety.check.1"


@pytest.fixture(name="records", params=["memory", "sqlite", "postgresql"])
def _records(
    request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresServer | None
) -> Iterator[Records]:
    if request.param == "memory":
        yield MemoryRecords(clock=lambda: SATURDAY_NIGHT)
        return
    if request.param == "sqlite":
        db: Engine = sqlite_engine(tmp_path)
        yield SqlRecords(db, make_keyring())
        db.dispose()
        return
    with require(postgres).database() as url:
        db = make_engine(url)
        yield SqlRecords(db, make_keyring())
        db.dispose()


def helpline_on(records: Records, desk: bool) -> Helpline:
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY)
    helpline.clock = lambda: SATURDAY_NIGHT
    helpline.sleep = lambda _seconds: None
    helpline.desk_connected = desk
    helpline.office = OfficeHours()  # Monday to Friday: closed now; urgent is not held back
    return helpline


def send(helpline: Helpline, event: engine.Event | Opened) -> Turn:
    return helpline.handle(CHAT, event, ADDRESS)


def press(helpline: Helpline, data: str) -> Turn:
    return send(helpline, engine.ButtonPressed(data))


def nodes(turn: Turn) -> list[str]:
    return [item.node for item in turn.out if isinstance(item, Reply)]


def to_danger(helpline: Helpline, answer: str = CONFINED) -> Turn:
    send(helpline, Opened("en"))
    press(helpline, "lang:en")
    press(helpline, SAFETY)
    return press(helpline, answer)


def conversation_of(helpline: Helpline) -> tuple[Mode, str | None]:
    with helpline.records.unit() as unit:
        conversation = unit.conversation(CHAT)
    assert conversation is not None
    return conversation.mode, conversation.case


def test_the_numbers_come_first_and_consent_is_one_sentence_on_the_same_screen(
    records: Records,
) -> None:
    turn = to_danger(helpline_on(records, desk=True))
    replies = [item for item in turn.out if isinstance(item, Reply)]
    assert nodes(turn) == ["emergency.call_now", "emergency.otit_sos", "system.consent_urgent"]
    assert "110" in replies[0].text and "119" in replies[0].text
    statement = replies[-1].text.split("\n", 1)[1]
    assert statement.count(". ") == 0 and statement.endswith("/delete.")  # one sentence
    assert [label for label, _ in replies[-1].buttons] == ["Ask someone now", "No, thank you"]
    assert not any(isinstance(item, DeskRequest) for item in turn.out)


def test_one_tap_gives_the_desk_the_case_before_any_pin_is_offered(records: Records) -> None:
    helpline = helpline_on(records, desk=True)
    to_danger(helpline)
    turn = press(helpline, YES)
    kinds = [type(item).__name__ for item in turn.out]
    assert kinds == ["DeskRequest", "Reply", "Reply"]
    request, told, offer = turn.out
    assert isinstance(request, DeskRequest) and request.urgent and request.reason == "danger"
    assert isinstance(told, Reply) and told.node == "system.handoff_urgent"
    assert isinstance(offer, Reply) and offer.node == "system.pin_later"
    assert offer.buttons == (("Choose a PIN", PIN_ASK),)  # offered, never asked for
    with records.unit() as unit:  # what the desk reads, committed with the PIN offer
        case = unit.desk_case(request.case)
    assert case is not None and case.urgent and case.topic == "safety"
    assert case.reply_mode == "here" and case.address == ADDRESS
    assert "safety.check" in case.answers
    assert conversation_of(helpline) == (Mode.DESK, request.case)
    if isinstance(records, MemoryRecords):  # the one sentence is what was agreed to
        kept = records.cases[request.case].consent_version
        assert kept == version(helpline.flows, URGENT_KEY)


def test_what_the_trainee_types_next_goes_to_the_desk_and_is_never_taken_for_a_pin(
    records: Records,
) -> None:
    helpline = helpline_on(records, desk=True)
    to_danger(helpline)
    press(helpline, YES)
    for typed in ("they locked the door", "123456"):
        turn = send(helpline, engine.TextEntered(typed))
        assert any(isinstance(item, Relay) for item in turn.out)
        assert Scrub() not in turn.out and nodes(turn) == ["system.desk_sent"]


def test_the_pin_button_sets_a_pin_and_goes_back_to_the_desk_without_asking_it_again(
    records: Records,
) -> None:
    helpline = helpline_on(records, desk=True)
    to_danger(helpline)
    press(helpline, YES)
    assert nodes(press(helpline, PIN_ASK)) == ["system.pin_offer"]
    send(helpline, engine.TextEntered(PIN))
    turn = send(helpline, engine.TextEntered(PIN))
    assert nodes(turn) == ["system.code_given", "system.desk_hint"]
    assert not any(isinstance(item, DeskRequest) for item in turn.out)
    assert conversation_of(helpline)[0] is Mode.DESK
    press(helpline, PIN_ASK)
    turn = press(helpline, SKIP)  # skipping a second offer changes nothing either
    assert nodes(turn) == ["system.desk_hint"] and conversation_of(helpline)[0] is Mode.DESK


def test_without_a_desk_no_consent_is_asked_nothing_is_kept_and_the_way_back_stays(
    records: Records,
) -> None:
    helpline = helpline_on(records, desk=False)
    turn = to_danger(helpline)
    assert nodes(turn) == [
        "emergency.call_now",
        "emergency.otit_sos",
        "system.desk_unavailable",  # said at once, not after a consent nobody could act on
        "emergency.after",
    ]  # the emergency numbers were just shown: the line alone (three messages in all)
    assert not any(isinstance(item, DeskRequest) for item in turn.out)
    assert conversation_of(helpline) == (Mode.CHAT, None)
    turn = press(helpline, "emergency.after.0")  # "Ask someone now" once more: the same answer
    assert nodes(turn)[:1] == ["system.desk_unavailable"]
    assert not any(isinstance(item, DeskRequest) for item in turn.out)
    with helpline.records.unit() as unit:
        assert unit.held_cases(CHAT) == []
    if isinstance(records, MemoryRecords):
        assert records.cases == {}
    turn = press(helpline, "emergency.after.1")  # the way back to the menu
    assert nodes(turn) == ["menu.topics"] and conversation_of(helpline) == (Mode.CHAT, None)


def test_declining_keeps_nothing_tells_nobody_and_offers_the_tap_again(
    records: Records,
) -> None:
    helpline = helpline_on(records, desk=True)
    to_danger(helpline)
    turn = press(helpline, NO)
    assert nodes(turn) == ["system.urgent_declined", "emergency.after"]
    assert "110" in turn.out[0].text  # type: ignore[union-attr]
    assert not any(isinstance(item, DeskRequest | Relay) for item in turn.out)
    assert conversation_of(helpline) == (Mode.CHAT, None)
    if isinstance(records, MemoryRecords):
        assert records.cases == {}
    turn = press(helpline, "emergency.after.0")  # "Ask someone now": the one tap again
    assert nodes(turn) == ["system.consent_urgent"]
    turn = press(helpline, YES)
    assert isinstance(turn.out[0], DeskRequest) and turn.out[0].urgent


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (("menu.topics.4", "safety.check.5"), "safety.soon"),
        (("menu.topics.3", "firing.topics.1", "firing.never_sign.1"), "firing.soon_return"),
    ],
)
def test_soon_gives_the_sos_line_and_the_same_urgent_tap(
    records: Records, path: tuple[str, ...], shown: str
) -> None:
    helpline = helpline_on(records, desk=True)
    send(helpline, Opened("en"))
    press(helpline, "lang:en")
    for data in path:
        turn = press(helpline, data)
    assert nodes(turn) == [shown, "system.consent_urgent"]
    assert "otit.go.jp" in turn.out[0].text and "press 1" in turn.out[0].text  # type: ignore[union-attr]
    turn = press(helpline, YES)
    assert isinstance(turn.out[0], DeskRequest) and turn.out[0].urgent


@pytest.mark.parametrize("lang", ["en", "vi", "zh_Hans", "ja"])
def test_every_step_of_the_path_fits_three_messages_of_700_characters(lang: str) -> None:
    helpline = helpline_on(MemoryRecords(clock=lambda: SATURDAY_NIGHT), desk=True)
    turns = [send(helpline, Opened(lang)), press(helpline, f"lang:{lang}")]
    turns += [press(helpline, SAFETY), press(helpline, CONFINED), press(helpline, YES)]
    turns += [press(helpline, PIN_ASK)]
    for turn in turns:
        replies = [item for item in turn.out if isinstance(item, Reply)]
        assert len(replies) <= 3
        assert all(len(reply.text) <= 700 for reply in replies), [len(r.text) for r in replies]


def test_an_urgent_request_on_a_case_whose_replies_wait_keeps_that_choice(
    records: Records,
) -> None:
    helpline = helpline_on(records, desk=True)
    send(helpline, Opened("en"))
    press(helpline, "lang:en")
    send(helpline, engine.CommandGiven(engine.Command.PERSON))
    for data in (YES, SKIP, "dialog:none"):  # agree, no note, replies wait in the mailbox
        press(helpline, data)
    send(helpline, engine.TextEntered(PIN))
    send(helpline, engine.TextEntered(PIN))
    press(helpline, "menu.topics.4")  # a button of the menu still on screen: leaves the desk
    turn = press(helpline, CONFINED)
    request = next(item for item in turn.out if isinstance(item, DeskRequest))
    assert request.urgent
    # nobody will write here, so that is not promised; the mailbox is named; three messages
    assert nodes(turn) == ["emergency.call_now", "emergency.otit_sos", "system.handoff_mailbox"]
    with records.unit() as unit:
        case = unit.desk_case(request.case)
    assert case is not None and case.reply_mode == "mailbox" and case.address is None
