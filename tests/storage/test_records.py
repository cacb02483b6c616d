"""One contract, three stores: memory, a SQLite file and PostgreSQL behave the same."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.casecode import read_code
from bot.conversation import Conversation, Mode
from bot.engine import State
from bot.records import Records
from bot.storage.connection import make_engine
from bot.storage.memory import MemoryRecords
from bot.storage.store import SqlRecords
from bot.values import Choice, Day, Flag, Number, Prefecture, Text, Yen

from ..conftest import make_keyring, require
from ..databases import PostgresServer, sqlite_engine

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(name="clock")
def _clock() -> Clock:
    return Clock()


@pytest.fixture(name="records", params=["memory", "sqlite", "postgresql"])
def _records(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    postgres: PostgresServer | None,
    clock: Clock,
) -> Iterator[Records]:
    if request.param == "memory":
        yield MemoryRecords(clock=clock)
        return
    if request.param == "sqlite":
        engine = sqlite_engine(tmp_path)
        yield SqlRecords(engine, make_keyring(), clock)
        engine.dispose()
        return
    with require(postgres).database() as url:
        engine = make_engine(url)
        yield SqlRecords(engine, make_keyring(), clock)
        engine.dispose()


ANSWERS = {
    "wages.monthly_pay": Yen(63000),
    "wages.monthly_hours": Number(Decimal("173.5")),
    "wages.prefecture": Prefecture("aichi"),
    "wages.pay_kind": Choice("monthly"),
    "wages.figure_date": Day(date(2026, 10, 1)),
    "wages.check.below_minimum": Flag(True),
    "wages.note": Text("Tôi bị phạt 15 yên mỗi phút / 每分钟罚款 / 罰金"),
}


def test_a_conversation_comes_back_as_it_was_saved(records: Records) -> None:
    state = State("wages", "overtime_hours", ANSWERS, (("menu", "topics"), ("wages", "topics")))
    saved = Conversation("vi", state, Mode.PIN_AGAIN, {"pin": "482915"})
    with records.unit() as unit:
        assert unit.conversation("chat-a") is None
        unit.save_conversation("chat-a", saved, "7123456789")
    with records.unit() as unit:
        assert unit.conversation("chat-a") == saved
        assert unit.address("chat-a") == "7123456789"
        assert unit.conversation("chat-b") is None


def test_saving_again_keeps_the_address_unless_a_new_one_is_given(records: Records) -> None:
    with records.unit() as unit:
        unit.save_conversation("chat-a", Conversation("ja"), "111")
        unit.save_conversation("chat-a", Conversation("zh_Hans"), None)
    with records.unit() as unit:
        assert unit.address("chat-a") == "111"
        conversation = unit.conversation("chat-a")
        assert conversation is not None and conversation.lang == "zh_Hans"


def test_ending_a_conversation_forgets_it_and_its_address(records: Records) -> None:
    with records.unit() as unit:
        unit.save_conversation("chat-a", Conversation("vi"), "111")
    with records.unit() as unit:
        unit.end_conversation("chat-a")
        unit.end_conversation("never-seen")
    with records.unit() as unit:
        assert unit.conversation("chat-a") is None
        assert unit.address("chat-a") is None


def test_a_case_keeps_its_answers_language_and_status(records: Records) -> None:
    with records.unit() as unit:
        case = unit.open_case("ja", ANSWERS, "v1")
        unit.save_conversation("chat-a", Conversation("ja", case=case), None)
    with records.unit() as unit:
        assert unit.kept_answers(case) == ANSWERS
        status = unit.case_status(case)
        assert status is not None
        assert (status.public_id, status.status, status.lang) == (case, "open", "ja")
        assert status.opened_at == NOW
        conversation = unit.conversation("chat-a")
        assert conversation is not None and conversation.case == case
        assert unit.case_status("C-NOSUCH") is None
        assert unit.kept_answers("C-NOSUCH") == {}


def test_case_ids_are_distinct(records: Records) -> None:
    with records.unit() as unit:
        cases = {unit.open_case("vi", {}, "v1") for _ in range(50)}
    assert len(cases) == 50


def test_a_code_and_pin_open_their_case_and_nothing_else(records: Records) -> None:
    with records.unit() as unit:
        case = unit.open_case("vi", {}, "v1")
        other = unit.open_case("vi", {}, "v1")
        code = unit.set_pin(case, "482915")
        other_code = unit.set_pin(other, "482915")
    assert read_code(code) == code and code != other_code
    with records.unit() as unit:
        assert unit.find_case(code, "482915") == case
        assert unit.find_case(other_code, "482915") == other
        assert unit.find_case(code, "482916") is None
        assert unit.find_case("080-0000-0009", "482915") is None


def test_a_new_pin_replaces_the_old_code(records: Records) -> None:
    with records.unit() as unit:
        case = unit.open_case("vi", {}, "v1")
        old = unit.set_pin(case, "482915")
        new = unit.set_pin(case, "730164")
    with records.unit() as unit:
        assert unit.find_case(new, "730164") == case
        assert unit.find_case(old, "482915") is None


def test_failed_resumes_are_counted_per_chat_and_in_all(records: Records, clock: Clock) -> None:
    with records.unit() as unit:
        for _ in range(3):
            unit.record_failed_resume("chat-a")
        unit.record_failed_resume("chat-b")
    clock.now = NOW + timedelta(hours=2)
    with records.unit() as unit:
        unit.record_failed_resume("chat-a")
        assert unit.failed_resumes("chat-a", NOW - timedelta(minutes=1)) == 4
        assert unit.failed_resumes("chat-a", NOW + timedelta(hours=1)) == 1
        assert unit.failed_resumes("chat-b", NOW + timedelta(hours=1)) == 0
        assert unit.failed_resumes(None, NOW - timedelta(minutes=1)) == 5


def test_deleting_a_case_leaves_nothing_that_opens_or_names_it(records: Records) -> None:
    with records.unit() as unit:
        case = unit.open_case("vi", ANSWERS, "v1")
        code = unit.set_pin(case, "482915")
        unit.save_conversation("chat-a", Conversation("vi", case=case), "111")
        unit.save_conversation("chat-b", Conversation("vi"), "222")
        unit.audit("trainee", "case_opened", case)
    with records.unit() as unit:
        unit.delete_case(case)
        unit.audit("trainee", "case_deleted")
    with records.unit() as unit:
        assert unit.case_status(case) is None
        assert unit.kept_answers(case) == {}
        assert unit.find_case(code, "482915") is None
        assert unit.conversation("chat-a") is None  # the conversation went with its case
        assert unit.conversation("chat-b") is not None
        unit.delete_case(case)  # twice is harmless


def test_an_error_rolls_the_unit_back(records: Records) -> None:
    with records.unit() as unit:
        unit.save_conversation("chat-a", Conversation("vi"), None)
    with pytest.raises(RuntimeError), records.unit() as unit:
        unit.save_conversation("chat-a", Conversation("ja"), None)
        unit.save_conversation("chat-b", Conversation("ja"), None)
        unit.open_case("ja", {}, "v1")
        raise RuntimeError("boom")
    with records.unit() as unit:
        conversation = unit.conversation("chat-a")
        assert conversation is not None and conversation.lang == "vi"
        assert unit.conversation("chat-b") is None


def test_touching_a_case_is_harmless_for_unknown_cases(records: Records) -> None:
    with records.unit() as unit:
        case = unit.open_case("vi", {}, "v1")
        unit.touch_case(case)
        unit.touch_case("C-NOSUCH")
        assert unit.case_status(case) is not None
