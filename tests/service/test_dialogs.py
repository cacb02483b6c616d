"""The case dialogs: consent, PIN and case code, /resume with its throttle, /delete."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import engine
from bot.assemble import build_helpline
from bot.casecode import make_code, read_code
from bot.conversation import Mode
from bot.effects import DeskRequest, Reply, Scrub, Turn
from bot.events import DeleteAsked, Incoming, Opened, ResumeAsked
from bot.flowdefs.model import Store
from bot.records import Records
from bot.service import Helpline
from bot.service.call import HERE, NO, SKIP, YES, Call
from bot.service.check import CHECK_SECONDS as RESUME_SECONDS
from bot.service.check import FLEET_HOUR, PER_CHAT_HOUR
from bot.service.consent import version as consent_version
from bot.storage.crypto import Keyring
from bot.storage.memory import MemoryRecords
from bot.storage.store import SqlRecords

from ..conftest import AGREE_AT_THE_DESK, FLOWS, LOCALES, TODAY, make_keyring
from ..databases import sqlite_engine

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
CHAT, OTHER = "chat-1", "chat-2"
PIN = "482915"
UNKNOWN = make_code(1, "0000000")  # a well-formed code no case has
DELETED_ZH = "完成了。你在这里告诉我们的一切都已经清除了。"


class World:
    """A helpline on memory records, with a clock and a sleep the test controls.

    The desk is connected unless ``desk=False``: without one, asking for a person opens no case,
    so consent, PIN, resume and deletion exist only with a desk.
    """

    def __init__(self, records: Records | None = None, desk: bool = True) -> None:
        self.now = NOW
        self.slept: list[float] = []
        self.records = records if records is not None else MemoryRecords(clock=self.clock)
        self.helpline = build_helpline(FLOWS, LOCALES, self.records, today=lambda: TODAY)
        self.helpline.desk_connected = desk
        self.helpline.clock = self.clock
        self.helpline.sleep = self.slept.append

    def clock(self) -> datetime:
        return self.now

    def send(self, event: Incoming, chat: str = CHAT) -> Turn:
        return self.helpline.handle(chat, event)

    def type(self, text: str, chat: str = CHAT) -> Turn:
        return self.send(engine.TextEntered(text), chat)

    def press(self, data: str, chat: str = CHAT) -> Turn:
        return self.send(engine.ButtonPressed(data), chat)

    def mode(self, chat: str = CHAT) -> Mode | None:
        with self.records.unit() as unit:
            conversation = unit.conversation(chat)
        return conversation.mode if conversation else None

    def case(self, chat: str = CHAT) -> str | None:
        with self.records.unit() as unit:
            conversation = unit.conversation(chat)
        return conversation.case if conversation else None

    def start(self, lang: str = "en", chat: str = CHAT) -> None:
        self.send(Opened(lang), chat)
        self.press(f"lang:{lang}", chat)

    def agree(self, chat: str = CHAT, replies: str = HERE) -> Turn:
        """At the consent question: agree, write no note, say how replies come; the PIN offer."""
        *steps, _ = AGREE_AT_THE_DESK
        for data in steps:
            self.press(data, chat)
        return self.press(replies, chat)

    def open_case(self, chat: str = CHAT, lang: str = "en") -> str:
        """Ask for a person, agree, walk the desk's steps and choose the PIN; the case code."""
        self.start(lang, chat)
        self.send(engine.CommandGiven(engine.Command.PERSON), chat)
        self.agree(chat)
        self.type(PIN, chat)
        turn = self.type(PIN, chat)
        return code_in(turn)


def nodes(turn: Turn) -> list[str]:
    return [item.node for item in turn.out if isinstance(item, Reply)]


def code_in(turn: Turn) -> str:
    for item in turn.out:
        if isinstance(item, Reply) and item.node == "system.code_given":
            found = re.search(r"0[789]0-\d{4}-\d{5}", item.text)
            if found:
                return found.group(0)
    raise AssertionError("no case code shown")


@pytest.fixture(name="world")
def _world() -> World:
    return World()


# Consent.


def test_nothing_is_kept_until_the_trainee_agrees(world: World) -> None:
    world.start()
    turn = world.send(engine.CommandGiven(engine.Command.PERSON))
    assert nodes(turn) == ["system.consent"]
    assert [label for label, _ in turn.out[-1].buttons] == ["I agree", "No, thank you"]  # type: ignore[union-attr]
    assert isinstance(world.records, MemoryRecords) and world.records.cases == {}
    turn = world.press(NO)
    assert nodes(turn) == ["system.consent_declined", "menu.topics"]
    assert world.records.cases == {} and world.case() is None
    assert not any(isinstance(item, DeskRequest) for item in turn.out)


def test_without_a_desk_asking_for_a_person_keeps_nothing() -> None:
    world = World(desk=False)
    world.start()
    turn = world.send(engine.CommandGiven(engine.Command.PERSON))
    assert nodes(turn)[:2] == ["system.desk_unavailable", "help.numbers"]
    assert world.mode() is Mode.CHAT  # no consent question, no PIN dialog
    world.type(PIN)  # a PIN typed anyway is only text
    assert isinstance(world.records, MemoryRecords) and world.records.cases == {}
    assert world.case() is None and world.records.audit_log == []
    assert not any(isinstance(item, DeskRequest) for item in turn.out)


def test_agreeing_opens_a_case_with_the_consent_version(world: World) -> None:
    world.start()
    world.send(engine.CommandGiven(engine.Command.PERSON))
    turn = world.type("1")  # the number of the first button works too
    assert nodes(turn) == ["system.note_offer"]  # the desk's first step: a note, if they want
    case = world.case()
    assert isinstance(world.records, MemoryRecords) and case in world.records.cases
    version = world.records.cases[case].consent_version
    assert version == consent_version(world.helpline.flows) and len(version) == 12
    assert ("trainee", "case_opened", case, "") in world.records.audit_log


def test_anything_else_at_the_consent_question_asks_again(world: World) -> None:
    world.start()
    world.send(engine.CommandGiven(engine.Command.PERSON))
    for event in (
        engine.MediaSent(),
        engine.TextEntered("x" * 5000),
        engine.TextEntered("\u202eyes\u200b"),
        engine.ButtonPressed("menu.topics.0"),  # a stale flow button
    ):
        assert nodes(world.send(event)) == ["system.consent"]
    assert world.mode() is Mode.CONSENT


def test_only_answers_marked_for_the_case_are_kept(world: World) -> None:
    world.start()
    # Pay → below the minimum? → by the hour → ¥600 → 176 hours → Aichi → another industry → …
    for typed in ("1", "1", "2", "600", "176", "Aichi", "3", "0", "1", "0"):
        world.type(typed)
    world.send(engine.CommandGiven(engine.Command.PERSON))
    world.press(YES)
    assert isinstance(world.records, MemoryRecords)
    case = world.case()
    assert case is not None
    kept = world.records.cases[case].answers
    assert kept, "the wage answers marked store: case are kept"
    flows = world.helpline.flows
    for key in kept:
        flow, node_id = key.split(".")[:2]
        node = flows.node(flow, node_id)
        marked = getattr(node, "store", None) is Store.CASE
        assert marked or len(key.split(".")) == 3  # or a calculator result over them
    with world.records.unit() as unit:
        conversation = unit.conversation(CHAT)
    assert conversation is not None and conversation.state is not None
    assert set(kept) < set(conversation.state.answers)  # some answers stay behind


def test_a_danger_answer_shows_the_numbers_before_asking_for_consent(world: World) -> None:
    world.start()
    world.press("menu.topics.4")
    turn = world.press("safety.check.0")
    shown = nodes(turn)
    assert shown[0] == "emergency.call_now" and shown[-1] == "system.consent_urgent"
    assert "emergency.after" not in shown  # its question waits until consent is settled
    turn = world.press(YES)  # one tap: the desk is asked at once, before any PIN
    assert turn.out[0] == DeskRequest(True, "danger", world.case() or "")
    assert nodes(turn) == ["system.handoff_urgent", "system.pin_later"]  # a PIN only offered
    assert world.mode() is Mode.DESK


# PIN and code.


def test_a_guessable_pin_is_refused_and_a_mismatch_starts_again(world: World) -> None:
    world.start()
    world.send(engine.CommandGiven(engine.Command.PERSON))
    world.agree()
    for weak in ("123456", "000000", "121212", "１１１１１１"):
        turn = world.type(weak)
        assert nodes(turn) == ["system.pin_weak"] and Scrub() in turn.out
    assert nodes(world.type("12345")) == ["system.pin_format"]
    assert nodes(world.type(PIN)) == ["system.pin_again"]
    assert nodes(world.type("730164")) == ["system.pin_mismatch"]
    assert world.mode() is Mode.PIN
    world.type(PIN)
    turn = world.type("４８２ ９１５")  # full-width digits and a space
    assert Scrub() in turn.out
    assert nodes(turn) == ["system.code_given", "system.handoff_asked"]
    assert world.mode() is Mode.DESK


def test_the_code_looks_like_a_phone_number_with_a_check_digit(world: World) -> None:
    code = world.open_case()
    assert read_code(code) == code and code[:3] in ("070", "080", "090")
    wrong_digit = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert read_code(wrong_digit) is None


def test_skipping_the_pin_still_reaches_the_desk(world: World) -> None:
    world.start()
    world.send(engine.CommandGiven(engine.Command.PERSON))
    world.agree()
    turn = world.press(SKIP)
    assert nodes(turn) == ["system.handoff_asked"]
    assert isinstance(turn.out[0], DeskRequest) and world.mode() is Mode.DESK


def test_a_command_leaves_the_pin_dialog_and_exit_forgets_the_first_pin(world: World) -> None:
    world.start()
    world.send(engine.CommandGiven(engine.Command.PERSON))
    world.agree()
    world.type(PIN)
    turn = world.send(engine.CommandGiven(engine.Command.EXIT))
    assert nodes(turn) == ["system.goodbye"]
    assert world.mode() is None


# Resume.


def test_a_case_is_resumed_from_another_chat_with_its_status_only(world: World) -> None:
    code = world.open_case(lang="vi")
    case = world.case(CHAT)
    world.send(ResumeAsked("vi"), OTHER)
    world.press("lang:vi", OTHER)
    assert nodes(world.type(code, OTHER)) == ["system.resume_pin"]
    turn = world.type(PIN, OTHER)
    assert nodes(turn) == ["system.resumed_open", "system.desk_hint"]  # back at the desk
    assert turn.out[1].text == "Chào mừng bạn quay lại. Chúng tôi vẫn đang xử lý câu hỏi của bạn."  # type: ignore[union-attr]
    assert world.case(OTHER) == case and world.case(CHAT) is None  # one phone at a time


def test_an_unknown_code_and_a_wrong_pin_get_the_same_answer(world: World) -> None:
    code = world.open_case()
    world.start(chat=OTHER)
    answers = []
    for typed_code in (code, UNKNOWN):
        world.send(ResumeAsked(), OTHER)
        world.type(typed_code, OTHER)
        turn = world.type("730164", OTHER)
        answers.append([(type(item), getattr(item, "text", None)) for item in turn.out])
    assert answers[0] == answers[1]


def test_a_typo_in_the_code_is_caught_before_any_lookup(world: World) -> None:
    world.start()
    world.send(ResumeAsked())
    assert nodes(world.type("080-1234-5678")) == ["system.resume_code_typo"]
    assert nodes(world.type("not a number")) == ["system.resume_code_typo"]
    assert isinstance(world.records, MemoryRecords) and world.records.failures == []


def test_ten_failures_an_hour_make_a_chat_wait(world: World) -> None:
    code = world.open_case()
    world.start(chat=OTHER)
    for _ in range(PER_CHAT_HOUR):
        world.send(ResumeAsked(), OTHER)
        world.type(code, OTHER)
        assert nodes(world.type("730164", OTHER))[0] == "system.resume_failed"
    assert nodes(world.send(ResumeAsked(), OTHER))[0] == "system.resume_wait"
    world.now += timedelta(minutes=61)
    world.send(ResumeAsked(), OTHER)
    world.type(code, OTHER)
    assert nodes(world.type(PIN, OTHER))[0] == "system.resumed_open"


def test_many_failures_across_the_helpline_slow_every_resume(world: World) -> None:
    code = world.open_case()
    assert isinstance(world.records, MemoryRecords)
    world.records.failures += [(f"guesser-{n}", NOW) for n in range(FLEET_HOUR + 1)]
    world.start(chat=OTHER)
    world.send(ResumeAsked(), OTHER)
    world.type(code, OTHER)
    world.type(PIN, OTHER)
    assert world.slept[0] == 2.0


def test_every_code_and_pin_check_takes_the_same_time(world: World) -> None:
    code = world.open_case()
    world.start(chat=OTHER)
    ticks = iter([10.0, 10.2, 20.0, 20.05, 30.0, 30.49])  # the lookup took 0.2, 0.05, 0.49 s
    world.helpline.timer = lambda: next(ticks)
    for typed_code, pin in ((code, "730164"), (UNKNOWN, "730164"), (code, PIN)):
        world.send(ResumeAsked(), OTHER)
        world.type(typed_code, OTHER)
        world.type(pin, OTHER)
    assert world.slept == pytest.approx([0.3, 0.45, 0.01])  # each padded to RESUME_SECONDS
    assert RESUME_SECONDS == 0.5


def test_each_resume_attempt_is_one_argon2id_lookup(tmp_path: Path) -> None:
    keyring = make_keyring()
    calls: list[str] = []
    original = Keyring.resume_seed  # the Argon2id call; the index is an HMAC over its result

    def counting(self: Keyring, code: str, pin: str) -> bytes:
        calls.append(code)
        return original(self, code, pin)

    keyring.resume_seed = counting.__get__(keyring)  # type: ignore[method-assign]
    world = World(SqlRecords(sqlite_engine(tmp_path), keyring))
    world.helpline.clock = world.clock
    code = world.open_case()
    assert len(calls) == 1  # setting the PIN
    world.start(chat=OTHER)
    for typed_code in (code, UNKNOWN, code):
        world.send(ResumeAsked(), OTHER)
        world.type(typed_code, OTHER)
        world.type("730164", OTHER)
    assert len(calls) == 4


# Delete.


def test_delete_destroys_the_case_and_confirms_neutrally(world: World) -> None:
    code = world.open_case(lang="zh_Hans")
    case = world.case()
    turn = world.send(DeleteAsked())
    assert nodes(turn) == ["system.deleted"]
    assert turn.out[-1] == Reply(DELETED_ZH, (), "system.deleted")
    assert isinstance(world.records, MemoryRecords)
    assert case not in world.records.cases and world.mode() is None
    assert ("trainee", "case_deleted", None, "") in world.records.audit_log
    assert all(named != case for _, _, named, _ in world.records.audit_log)
    world.start(chat=OTHER)
    world.send(ResumeAsked(), OTHER)
    world.type(code, OTHER)
    assert nodes(world.type(PIN, OTHER))[0] == "system.resume_failed"


def test_delete_on_a_chat_never_seen_asks_for_the_code_and_says_nothing_is_done(
    world: World,
) -> None:
    turn = world.send(DeleteAsked("ja"), "stranger")
    assert nodes(turn) == ["system.choose_language"]  # nothing to delete here: no "Done."
    assert nodes(world.press("lang:ja", "stranger")) == ["system.delete_code"]
    assert world.mode("stranger") is Mode.DELETE_CODE


def test_the_deleted_text_is_neutral_in_every_language(world: World) -> None:
    for lang in ("vi", "zh_Hans", "ja", "en"):
        text = nodes_text(world.helpline, lang, "deleted")
        assert not any(
            word in text.lower() for word in ("union", "case", "工会", "組合", "công đoàn")
        )


def nodes_text(helpline: Helpline, lang: str, key: str) -> str:
    call = Call(helpline, helpline.records, CHAT, None)  # type: ignore[arg-type]
    return call.system(key, lang).text
