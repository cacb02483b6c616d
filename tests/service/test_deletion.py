"""Issue 13, items 2, 5 and 6: deletion finds the case from any state, the PIN check holds no
lock, and a case is held by one phone at a time."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot import engine
from bot.actions import Send, WipeChat
from bot.conversation import Mode
from bot.effects import Forward, Relay, Turn, Wipe
from bot.events import DeleteAsked, Incoming, ResumeAsked
from bot.records import Mail
from bot.service.call import HERE, NOWHERE, SKIP
from bot.service.check import FLEET_HOUR
from bot.storage.crypto import Keyring
from bot.storage.memory import MemoryRecords
from bot.storage.store import SqlRecords

from ..conftest import make_keyring
from ..databases import sqlite_engine
from .test_dialogs import NOW, PIN, UNKNOWN, World, code_in, nodes

PHONE_1, PHONE_2, PHONE_3 = "phone-1", "phone-2", "phone-3"
ADDRESS = {PHONE_1: "111", PHONE_2: "222", PHONE_3: "333"}


class Phones(World):
    """A world whose chats have addresses, as on Telegram."""

    def send(self, event: Incoming, chat: str = PHONE_1) -> Turn:
        return self.helpline.handle(chat, event, ADDRESS.get(chat))

    def memory(self) -> MemoryRecords:
        assert isinstance(self.records, MemoryRecords)
        return self.records

    def open_case_skipping_pin(self, chat: str = PHONE_1) -> str | None:
        self.start("en", chat)
        self.send(engine.CommandGiven(engine.Command.PERSON), chat)
        self.agree(chat)
        self.press(SKIP, chat)  # no PIN
        return self.case(chat)

    def open_desk_case(self, chat: str = PHONE_1, replies: str = HERE) -> str:
        """In Vietnamese: agree, skip the note, choose how replies come, set the PIN."""
        self.start("vi", chat)
        self.send(engine.CommandGiven(engine.Command.PERSON), chat)
        self.agree(chat, replies)
        self.type(PIN, chat)
        return code_in(self.type(PIN, chat))

    def resume(self, code: str, chat: str, pin: str = PIN) -> Turn:
        self.send(ResumeAsked("en"), chat)
        if self.mode(chat) is Mode.LANGUAGE:
            self.press("lang:en", chat)
        self.type(code, chat)
        return self.type(pin, chat)

    def delete_with_code(self, code: str, chat: str, pin: str = PIN) -> Turn:
        self.send(DeleteAsked("en"), chat)
        if self.mode(chat) is Mode.LANGUAGE:
            self.press("lang:en", chat)
        assert self.mode(chat) is Mode.DELETE_CODE
        assert nodes(self.type(code, chat)) == ["system.resume_pin"]
        return self.type(pin, chat)


@pytest.fixture(name="phones")
def _phones() -> Phones:
    return Phones()


# Item 2: deletion finds the case from any state.


def wiped(turn: Turn) -> bool:
    """The turn wipes the chat, with the text for a wipe Telegram refuses."""
    return any(isinstance(item, Wipe) and item.refused for item in turn.out)


def test_delete_after_exit_deletes_the_case_this_chat_held(phones: Phones) -> None:
    phones.open_case(PHONE_1)
    case = phones.case(PHONE_1)
    phones.send(engine.CommandGiven(engine.Command.EXIT), PHONE_1)
    assert phones.mode(PHONE_1) is None and case in phones.memory().cases
    turn = phones.send(DeleteAsked("en"), PHONE_1)
    assert nodes(turn) == ["system.deleted"] and wiped(turn)
    assert case not in phones.memory().cases


def test_delete_after_the_idle_wipe_deletes_the_case(phones: Phones) -> None:
    phones.open_case(PHONE_1, lang="ja")
    case = phones.case(PHONE_1)
    wiped = phones.helpline.wipe_idle(NOW + timedelta(hours=1), lambda *_: None)
    assert wiped == 1 and phones.mode(PHONE_1) is None
    turn = phones.send(DeleteAsked(None), PHONE_1)
    assert nodes(turn) == ["system.deleted"]
    assert turn.out[-1].text.startswith("終わりました。")  # type: ignore[union-attr]  # the case's language
    assert case not in phones.memory().cases


def test_a_trainee_without_a_pin_can_delete_from_their_chat(phones: Phones) -> None:
    case = phones.open_case_skipping_pin(PHONE_1)
    assert case is not None
    phones.send(engine.CommandGiven(engine.Command.EXIT), PHONE_1)
    assert nodes(phones.send(DeleteAsked(), PHONE_1)) == ["system.deleted"]
    assert phones.memory().cases == {}


def test_the_pin_offer_says_that_without_a_pin_only_this_chat_can_delete(
    phones: Phones,
) -> None:
    phones.start("en", PHONE_1)
    phones.send(engine.CommandGiven(engine.Command.PERSON), PHONE_1)
    offer = phones.agree(PHONE_1).out[-1]
    assert "only from this chat" in offer.text and "/delete" in offer.text  # type: ignore[union-attr]
    assert offer.text.splitlines()[0] == "One more step, if you want it."  # type: ignore[union-attr]
    for lang in ("vi", "zh_Hans", "ja"):
        text = phones.helpline.text_in("pin_offer", lang)
        assert "/delete" in text and text.splitlines()[0] != "One more step, if you want it."


def test_delete_from_a_new_phone_needs_the_code_and_pin(phones: Phones) -> None:
    code = phones.open_case(PHONE_1)
    case = phones.case(PHONE_1)
    turn = phones.delete_with_code(code, PHONE_2)
    assert nodes(turn) == ["system.deleted"] and wiped(turn)
    assert case not in phones.memory().cases and phones.mode(PHONE_2) is None
    # The phone that held it is wiped and forgotten too.
    assert (PHONE_1, WipeChat(111)) in phones.memory().outbox
    assert phones.mode(PHONE_1) is None


def test_a_wrong_pin_or_unknown_code_deletes_nothing_and_says_the_same(phones: Phones) -> None:
    code = phones.open_case(PHONE_1)
    case = phones.case(PHONE_1)
    answers = []
    for typed in (code, UNKNOWN):
        turn = phones.delete_with_code(typed, PHONE_2, pin="730164")
        assert "system.deleted" not in nodes(turn)
        assert not any(isinstance(item, Wipe) for item in turn.out)
        answers.append([getattr(item, "text", item) for item in turn.out])
    assert answers[0] == answers[1]
    assert (
        answers[0][1].startswith("That did not work.") and "Nothing was changed." in answers[0][1]
    )
    assert case in phones.memory().cases
    assert len(phones.memory().failures) == 2  # the same throttle as /resume


def test_delete_by_code_is_throttled_like_resume(phones: Phones) -> None:
    code = phones.open_case(PHONE_1)
    phones.memory().failures += [(PHONE_2, NOW)] * 10
    phones.start(chat=PHONE_2)
    assert nodes(phones.send(DeleteAsked(), PHONE_2)) == ["system.resume_wait"]
    assert phones.mode(PHONE_2) is not Mode.DELETE_CODE
    phones.now += timedelta(hours=2)
    assert nodes(phones.delete_with_code(code, PHONE_2)) == ["system.deleted"]


@pytest.mark.parametrize("word", ["DELETE", "delete", " xóa ", "XÓA", "删除", "削除"])
def test_the_delete_word_alone_deletes_in_every_language(phones: Phones, word: str) -> None:
    phones.open_case(PHONE_1, lang="vi")
    assert nodes(phones.type(word, PHONE_1)) == ["system.deleted"]
    assert phones.memory().cases == {}


def test_the_delete_word_inside_a_sentence_is_just_text(phones: Phones) -> None:
    phones.open_case(PHONE_1)
    assert "system.deleted" not in nodes(phones.type("delete my data", PHONE_1))
    assert len(phones.memory().cases) == 1


# Item 5: the PIN check holds no lock; the fleet-wide slowdown is alerted on.


class SlowKeyring(Keyring):
    """A keyring whose KDF takes a second, and says when it runs."""

    started: threading.Event
    finished: threading.Event

    def resume_seed(self, code: str, pin: str) -> bytes:
        self.started.set()
        time.sleep(1.0)
        self.finished.set()
        return super().resume_seed(code, pin)


def test_a_pin_check_does_not_make_another_chat_wait(tmp_path: Path) -> None:
    keyring = make_keyring()
    keyring.__class__ = SlowKeyring
    assert isinstance(keyring, SlowKeyring)
    keyring.started, keyring.finished = threading.Event(), threading.Event()
    records = SqlRecords(sqlite_engine(tmp_path), keyring)
    phones = Phones(records)
    phones.helpline.clock = phones.clock
    phones.open_case_skipping_pin(PHONE_1)
    phones.start(chat=PHONE_2)
    phones.send(ResumeAsked(), PHONE_2)
    phones.type(UNKNOWN, PHONE_2)
    keyring.started.clear()
    checking = threading.Thread(target=phones.type, args=("730164", PHONE_2))
    checking.start()
    assert keyring.started.wait(5)
    began = time.monotonic()
    phones.send(engine.CommandGiven(engine.Command.MENU), PHONE_1)  # a write, on the same file
    took = time.monotonic() - began
    done_first = not keyring.finished.is_set()
    checking.join()
    assert done_first, f"the other chat waited for the check ({took:.2f} s)"
    assert phones.mode(PHONE_2) is Mode.CHAT  # and the check still answered


def test_the_fleet_wide_slowdown_is_logged_once_when_it_engages_and_ends(
    phones: Phones, caplog: pytest.LogCaptureFixture
) -> None:
    code = phones.open_case(PHONE_1)
    phones.memory().failures += [(f"guesser-{n}", NOW) for n in range(FLEET_HOUR + 1)]
    caplog.set_level(logging.INFO, logger="bot.service.check")
    phones.resume(UNKNOWN, PHONE_2, pin="730164")
    phones.resume(UNKNOWN, PHONE_2, pin="730164")
    slowdown = [r for r in caplog.records if r.getMessage() == "resume.fleet_slowdown"]
    assert len(slowdown) == 1 and slowdown[0].levelno == logging.WARNING
    assert phones.slept.count(2.0) == 2  # both checks slowed, one alert
    phones.now += timedelta(hours=2)
    phones.resume(code, PHONE_3)
    assert [r.getMessage() for r in caplog.records][-1] == "resume.fleet_slowdown_ended"
    assert all("phone" not in r.getMessage() for r in caplog.records)


# Item 6: one phone at a time.


def test_a_resume_from_a_new_phone_tells_the_old_one_and_unlinks_it(phones: Phones) -> None:
    code = phones.open_desk_case(PHONE_1)
    case = phones.case(PHONE_1)
    assert phones.mode(PHONE_1) is Mode.DESK
    phones.resume(code, PHONE_2)
    assert phones.case(PHONE_2) == case and phones.case(PHONE_1) is None
    moved = phones.helpline.text_in("case_moved", "vi")
    assert (PHONE_1, Send(111, moved)) in phones.memory().outbox
    assert moved.startswith("Cuộc trò chuyện này giờ được tiếp tục trên một điện thoại khác.")
    # The old phone can no longer write to the desk for the case.
    turn = phones.type("Are you there?", PHONE_1)
    assert not any(isinstance(item, Relay) for item in turn.out)
    # Replies now go to the new phone only.
    assert phones.memory().cases[case].address == "222"
    # Nor can it delete the case without the code and PIN.
    assert nodes(phones.send(DeleteAsked(), PHONE_1)) == ["system.delete_code"]
    assert case in phones.memory().cases


def test_an_exited_old_phone_is_not_written_to(phones: Phones) -> None:
    code = phones.open_case(PHONE_1)
    phones.send(engine.CommandGiven(engine.Command.EXIT), PHONE_1)
    phones.memory().outbox.clear()
    phones.resume(code, PHONE_2)
    assert not any(chat == PHONE_1 for chat, _ in phones.memory().outbox)
    # and /delete from it no longer finds the case: it moved
    phones.send(DeleteAsked("en"), PHONE_1)
    assert phones.mode(PHONE_1) is Mode.LANGUAGE


def test_the_mailbox_waits_for_the_phone_that_holds_the_case(phones: Phones) -> None:
    code = phones.open_desk_case(PHONE_1, replies=NOWHERE)
    case = phones.case(PHONE_1)
    assert case is not None
    with phones.records.unit() as unit:
        unit.add_mail(case, Mail("Please keep your pay slips."))
    # A wrong PIN from elsewhere reads nothing and leaves the mail.
    phones.resume(code, PHONE_3, pin="730164")
    assert phones.memory().cases[case].mail != []
    turn = phones.resume(code, PHONE_2)
    assert Forward("Please keep your pay slips.") in turn.out
    assert phones.memory().cases[case].mail == []
    assert phones.memory().cases[case].address is None  # mailbox: nowhere, still
    assert phones.memory().cases[case].holder == PHONE_2
