"""The chat that holds a case, and the resume key found outside a unit: memory, SQLite, PostgreSQL.

Issue 13, items 2, 5 and 6: the link from a chat to its case outlives the conversation, moves
with a resume, and goes with the case; the slow key is worked out by ``Records.resume_key``
outside any unit of work.
"""

from __future__ import annotations

from bot.conversation import Conversation, Mode
from bot.records import Records

from .test_records import ANSWERS, _clock, _records  # noqa: F401  (the fixtures)


def test_the_chat_that_holds_a_case_survives_the_end_of_its_conversation(
    records: Records,
) -> None:
    with records.unit() as unit:
        case = unit.open_case("vi", ANSWERS, "v1")
        assert unit.hold_case(case, "chat-a") is None
        unit.save_conversation("chat-a", Conversation("vi", case=case), "111")
    with records.unit() as unit:
        unit.end_conversation("chat-a")  # /exit, or the idle wipe
    with records.unit() as unit:
        assert unit.conversation("chat-a") is None
        assert unit.held_cases("chat-a") == [case]
        assert unit.holder(case) == "chat-a"
        assert unit.held_cases("chat-b") == []


def test_holding_a_case_elsewhere_unlinks_the_chat_that_held_it(records: Records) -> None:
    with records.unit() as unit:
        case = unit.open_case("ja", ANSWERS, "v1")
        unit.hold_case(case, "chat-a")
        unit.save_conversation("chat-a", Conversation("ja", mode=Mode.DESK, case=case), "111")
    with records.unit() as unit:
        assert unit.hold_case(case, "chat-b") == "chat-a"
        assert unit.hold_case(case, "chat-b") is None  # already held here
    with records.unit() as unit:
        moved = unit.conversation("chat-a")
        assert moved is not None and moved.case is None
        assert unit.address("chat-a") == "111"  # still reachable, to be told
        assert unit.held_cases("chat-a") == []
        assert unit.held_cases("chat-b") == [case]


def test_a_conversation_linked_before_holders_existed_still_counts(records: Records) -> None:
    with records.unit() as unit:
        case = unit.open_case("en", ANSWERS, "v1")
        unit.save_conversation("chat-a", Conversation("en", case=case), None)
    with records.unit() as unit:
        assert unit.held_cases("chat-a") == [case]


def test_a_deleted_case_is_held_by_nobody(records: Records) -> None:
    with records.unit() as unit:
        first = unit.open_case("en", ANSWERS, "v1")
        second = unit.open_case("en", ANSWERS, "v1")
        unit.hold_case(first, "chat-a")
        unit.hold_case(second, "chat-a")
    with records.unit() as unit:
        assert unit.held_cases("chat-a") == [first, second]
        unit.delete_case(first)
    with records.unit() as unit:
        assert unit.held_cases("chat-a") == [second]
        assert unit.holder(first) is None
        unit.delete_case(second)
    with records.unit() as unit:
        assert unit.held_cases("chat-a") == []


def test_the_resume_key_is_worked_out_outside_a_unit(records: Records) -> None:
    with records.unit() as unit:
        case = unit.open_case("en", ANSWERS, "v1")
        code = unit.set_pin(case, "482915")
    key = records.resume_key(code, "482915")  # no unit of work open
    with records.unit() as unit:
        assert unit.case_by_resume_key(key) == case
        assert unit.case_by_resume_key(records.resume_key(code, "482916")) is None
        assert unit.find_case(code, "482915") == case
