"""Typed text in the flows (issue 16): suggestions, never a jump without a tap; danger at once;
a number still a number; text at the desk is the volunteer's; nothing of the text kept.

Runs the real service on the real flows and triggers; the storage test on a real SQLite file.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot import engine
from bot.conversation import Mode, dumps
from bot.effects import DeskRequest, Reply, Turn
from bot.service.routing import OTHER, PERSON, SUGGEST_DATA
from bot.storage.memory import MemoryRecords
from bot.storage.store import SqlRecords

from ..conftest import make_keyring
from ..databases import sqlite_engine
from .test_deletion import PHONE_1, Phones
from .test_dialogs import World

SECRET = "Nguyễn Thị B, cty Hoa Sen giữ hộ chiếu của tôi, số 090-1234-5678"


def replies(turn: Turn) -> list[Reply]:
    return [item for item in turn.out if isinstance(item, Reply)]


def state(world: World) -> tuple[str, str] | None:
    with world.records.unit() as unit:
        conversation = unit.conversation("chat-1")
    found = conversation.state if conversation else None
    return (found.flow, found.node) if found else None


@pytest.fixture(name="world")
def _world() -> World:
    world = World()
    world.start("vi")
    return world


def test_typed_text_at_the_menu_offers_topics_and_moves_nothing(world: World) -> None:
    turn = world.type("ho chieu bi cong ty giu")
    (offer,) = replies(turn)
    assert offer.node == "system.suggest_ask"
    data = [d for _, d in offer.buttons]
    assert data[0] == SUGGEST_DATA + "passport"
    assert data[-2:] == [OTHER, PERSON]
    assert len(data) <= 5
    assert offer.buttons[0][0] == "Bị giữ hộ chiếu, thẻ lưu trú"  # the menu's own words
    assert state(world) == ("menu", "topics")  # nothing jumped
    assert not any(isinstance(item, DeskRequest) for item in turn.out)


def test_a_tap_on_a_suggestion_goes_there_and_counts_only_the_topic(world: World) -> None:
    world.type("ho chieu bi cong ty giu")
    turn = world.press(SUGGEST_DATA + "passport")
    assert "documents.passport_law" in turn.path
    assert state(world) == ("documents", "next_step_passport")
    assert isinstance(world.records, MemoryRecords)
    assert world.records.routed == ["documents"]
    back = world.send(engine.CommandGiven(engine.Command.BACK))
    assert replies(back)[-1].node == "menu.topics"  # /back returns to the question left


def test_something_else_is_the_menu_and_talk_is_a_person(world: World) -> None:
    world.type("luong thap qua")
    assert replies(world.press(OTHER))[-1].node == "menu.topics"
    turn = world.press(PERSON)
    assert world.mode() is Mode.CONSENT
    assert any(r.node == "system.consent" for r in replies(turn))


@pytest.mark.parametrize("typed", ["họ đánh tôi", "被老闆打了", "社長になぐられた"])
def test_words_of_danger_show_the_numbers_and_the_danger_options_at_once(
    world: World, typed: str
) -> None:
    turn = world.type(typed)
    first, check = replies(turn)[:2]
    assert first.node == "system.danger_typed"
    assert "110" in first.text and "119" in first.text
    assert check.node == "safety.check"
    options = world.helpline.flows.node("safety", "check").buttons  # type: ignore[union-attr]
    assert len(check.buttons) == len(options)  # the danger options, 'soon' and 'none', to tap
    assert sum(option.danger for option in options) == 5
    assert not any(isinstance(item, DeskRequest) for item in turn.out)  # no handoff untapped


def test_text_like_nothing_gets_one_kind_line_and_the_menu(world: World) -> None:
    turn = world.type("asdf qwerty")
    assert [r.node for r in replies(turn)] == ["system.suggest_unsure", "menu.topics"]


def test_inside_a_flow_text_like_nothing_gets_the_question_again(world: World) -> None:
    world.press("menu.topics.3")  # fired or sent home
    turn = world.type("zzz")
    assert [r.node for r in replies(turn)] == ["system.use_buttons", "firing.topics"]
    turn = world.type("cty bat em ve nuoc truoc han")  # a topic, mid-flow: offered
    assert replies(turn)[0].buttons[0][1] == SUGGEST_DATA + "forced_return"
    assert state(world) == ("firing", "topics")


def test_a_question_that_expects_a_number_takes_the_number(world: World) -> None:
    world.press("menu.topics.0")
    world.press("wages.topics.0")
    world.press("wages.pay_kind.0")
    assert state(world) == ("wages", "monthly_pay")
    turn = world.type("130000")
    assert replies(turn)[0].node == "wages.monthly_hours"
    turn = world.type("luong cua toi")  # words at a number question: asked again, not routed
    assert [r.node for r in replies(turn)] == ["system.retry_number"]
    turn = world.type("bị đánh")  # but danger always shows the numbers
    assert replies(turn)[0].node == "system.danger_typed"


def test_a_buttons_number_is_still_the_button(world: World) -> None:
    turn = world.type("2")
    assert replies(turn)[0].node == "documents.topics"


def test_text_in_another_language_offers_to_switch_in_that_language(world: World) -> None:
    turn = world.type("会社にパスポートを取られました")
    offer = replies(turn)[-1]
    assert offer.node == "system.switch_offer"
    assert offer.text == "日本語で続けますか？"
    assert offer.buttons == (("日本語", "lang:ja"),)
    world.press("lang:ja")
    with world.records.unit() as unit:
        conversation = unit.conversation("chat-1")
    assert conversation is not None and conversation.lang == "ja"


def test_no_switch_is_offered_in_the_chats_own_language(world: World) -> None:
    assert all(r.node != "system.switch_offer" for r in replies(world.type("bị giữ hộ chiếu")))


def test_after_a_handoff_text_goes_to_the_volunteer_never_to_the_matcher(
    caplog: pytest.LogCaptureFixture,
) -> None:
    phones = Phones()
    phones.open_desk_case(PHONE_1)
    assert phones.mode(PHONE_1) is Mode.DESK
    caplog.set_level(logging.INFO)
    turn = phones.type("ho chieu bi cong ty giu, họ đánh tôi", PHONE_1)
    assert phones.mode(PHONE_1) is Mode.DESK
    assert [r.node for r in replies(turn)] == ["system.desk_sent"]
    assert all(r.node not in {"system.suggest_ask", "system.danger_typed"} for r in replies(turn))
    assert "text.matched" not in [r.getMessage() for r in caplog.records]


def test_nothing_of_the_text_is_kept_logged_or_sent_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    phones = Phones(SqlRecords(sqlite_engine(tmp_path), make_keyring()))
    phones.start("vi", PHONE_1)
    caplog.set_level(logging.DEBUG)
    turn = phones.type(SECRET, PHONE_1)
    assert replies(turn)[0].node == "system.suggest_ask"
    # the log: the best target and a confidence bucket, and nothing else
    (matched,) = [r for r in caplog.records if r.getMessage() == "text.matched"]
    assert (matched.target, matched.confidence) == ("passport", "high")  # type: ignore[attr-defined]
    logged = " ".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    for part in ("Nguyễn", "Hoa Sen", "090-1234-5678", "giữ hộ chiếu của tôi"):
        assert part not in logged
    # what is sent back (the outbox is made of it) does not quote the text
    sent = " ".join(r.text + " ".join(label for label, _ in r.buttons) for r in replies(turn))
    assert "Hoa Sen" not in sent and "090" not in sent
    # the database: the conversation holds no trace of it, and no file does in plain text
    with phones.records.unit() as unit:
        conversation = unit.conversation(PHONE_1)
    assert conversation is not None and b"Hoa Sen" not in dumps(conversation)
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("helpline.sqlite3*"))
    assert b"Hoa Sen" not in raw and b"090-1234-5678" not in raw
