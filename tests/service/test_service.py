"""The service: language picker, rendering in the chosen language, handoff, wipe."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot import engine
from bot.conversation import Conversation, Mode
from bot.desk.hours import OfficeHours
from bot.effects import DeskRequest, Reply, Turn, Wipe
from bot.events import Opened
from bot.service import Helpline
from bot.service.call import SKIP, YES

from ..conftest import AGREE_AT_THE_DESK

CHAT = "chat-1"


def replies(turn: Turn) -> list[Reply]:
    return [item for item in turn.out if isinstance(item, Reply)]


def stored(helpline: Helpline, chat: str = CHAT) -> Conversation | None:
    with helpline.records.unit() as unit:
        return unit.conversation(chat)


@pytest.mark.parametrize(
    ("code", "first"),
    [
        ("vi", "vi"),
        ("zh-hans", "zh_Hans"),
        ("zh-cn", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-TW", "zh_Hans"),
        ("ja", "ja"),
        ("en-US", "en"),
        ("id", "en"),
        (None, "en"),
        ("", "en"),
        ("not a code!", "en"),
    ],
)
def test_first_contact_shows_the_picker_with_the_guess_first(
    helpline: Helpline, code: str | None, first: str
) -> None:
    turn = helpline.handle(CHAT, Opened(code))
    picker = replies(turn)[0]
    assert picker.buttons[0][1] == f"lang:{first}"
    order = [first, *(lang for lang in ("vi", "zh_Hans", "ja", "en") if lang != first)]
    assert [data for _, data in picker.buttons] == [f"lang:{lang}" for lang in order]
    assert {label for label, _ in picker.buttons} == {
        "Tiếng Việt",
        "中文（简体）",
        "日本語",
        "English",
    }
    assert stored(helpline) == Conversation(first, None, Mode.LANGUAGE)


def test_the_picker_prompt_is_written_in_every_language(helpline: Helpline) -> None:
    prompt = replies(helpline.handle(CHAT, Opened("vi")))[0].text
    lines = prompt.splitlines()
    assert len(lines) == 4
    assert lines[3] == "Choose your language:"
    assert "ngôn ngữ" in lines[0]


def test_picking_a_language_starts_the_menu_in_it(helpline: Helpline) -> None:
    helpline.handle(CHAT, Opened("en"))
    turn = helpline.handle(CHAT, engine.ButtonPressed("lang:vi"))
    assert replies(turn)[0].node == "menu.topics"
    assert replies(turn)[0].text.startswith("Xin chào")
    assert stored(helpline) == Conversation("vi", engine.State("menu", "topics"))


def test_typing_the_number_of_a_language_picks_it(helpline: Helpline) -> None:
    helpline.handle(CHAT, Opened("ja"))  # order: ja, vi, zh_Hans, en
    turn = helpline.handle(CHAT, engine.TextEntered("３"))
    conversation = stored(helpline)
    assert conversation is not None and conversation.lang == "zh_Hans"
    assert replies(turn)[0].node == "menu.topics"


def test_other_input_at_the_picker_shows_it_again(helpline: Helpline) -> None:
    helpline.handle(CHAT, Opened(None))
    for event in (
        engine.TextEntered("hello"),
        engine.MediaSent(),
        engine.ButtonPressed("lang:klingon"),
        engine.ButtonPressed("menu.topics.0"),
    ):
        turn = helpline.handle(CHAT, event)
        assert [r.node for r in replies(turn)] == ["system.choose_language"]


def test_a_command_at_the_picker_keeps_the_guess_and_goes_on(helpline: Helpline) -> None:
    helpline.handle(CHAT, Opened("ja"))
    turn = helpline.handle(CHAT, engine.CommandGiven(engine.Command.MENU))
    assert replies(turn)[0].node == "menu.topics"
    assert replies(turn)[0].text.startswith("こんにちは")


def test_changing_language_later_repeats_the_current_question(helpline: Helpline) -> None:
    helpline.start_in(CHAT, "en")
    helpline.handle(CHAT, engine.TextEntered("1"))  # wages.topics
    helpline.handle(CHAT, engine.TextEntered("1"))  # wages.pay_kind
    turn = helpline.handle(CHAT, engine.CommandGiven(engine.Command.LANGUAGE))
    assert replies(turn)[0].node == "system.choose_language"
    turn = helpline.handle(CHAT, engine.ButtonPressed("lang:zh_Hans"))
    assert [r.node for r in replies(turn)] == ["wages.pay_kind"]
    assert replies(turn)[0].buttons[0][0] == "固定月薪"


def test_amounts_and_names_are_formatted_for_the_language(helpline: Helpline) -> None:
    texts = {}
    for lang in ("vi", "zh_Hans", "ja", "en"):
        chat = f"chat-{lang}"
        helpline.start_in(chat, lang)
        # pay → minimum → by the hour → ¥600 → 176 hours → Aichi → another industry →
        # no overtime → no night work → nothing deducted
        for typed in ("1", "1", "2", "600", "176", "愛知", "3", "0", "1", "0"):
            turn = helpline.handle(chat, engine.TextEntered(typed))
        texts[lang] = replies(turn)[0].text
    assert "1.140\xa0¥" in texts["vi"] and "Aichi" in texts["vi"]
    assert "1,140日元" in texts["zh_Hans"] and "爱知县" in texts["zh_Hans"]
    assert "1,140円" in texts["ja"] and "愛知県" in texts["ja"]
    assert "¥1,140" in texts["en"] and "Aichi" in texts["en"]


def test_without_a_desk_a_person_is_said_unavailable_before_anything_is_kept(
    helpline: Helpline,
) -> None:
    """No consent, no PIN, no case: the trainee is told at once, with the numbers to call."""
    helpline.start_in(CHAT, "en")
    turn = helpline.handle(CHAT, engine.CommandGiven(engine.Command.PERSON))
    nodes = [r.node for r in replies(turn)]
    assert nodes[:2] == ["system.desk_unavailable", "help.numbers"]
    assert "system.consent" not in nodes and "system.pin_offer" not in nodes
    assert not any(isinstance(item, DeskRequest) for item in turn.out)
    assert "110" in replies(turn)[0].text and "119" in replies(turn)[1].text
    conversation = stored(helpline)
    assert conversation is not None and conversation.case is None
    assert conversation.mode is Mode.CHAT


def test_without_a_desk_the_danger_path_opens_no_case_either(helpline: Helpline) -> None:
    helpline.start_in(CHAT, "en")
    turn = helpline.handle(CHAT, engine.ButtonPressed("menu.topics.4"))  # I do not feel safe
    danger = next(b for r in replies(turn) for b in r.buttons if "safety.check.0" in b[1])
    turn = helpline.handle(CHAT, engine.ButtonPressed(danger[1]))  # someone hits me
    nodes = [r.node for r in replies(turn)]
    assert "system.desk_unavailable" in nodes and "system.consent_urgent" not in nodes
    conversation = stored(helpline)
    assert conversation is not None and conversation.case is None


def ask_at_the_desk(helpline: Helpline) -> Turn:
    """With a desk: ask for a person, agree, walk the desk's steps and skip the PIN."""
    helpline.handle(CHAT, engine.CommandGiven(engine.Command.PERSON))
    for data in AGREE_AT_THE_DESK:
        helpline.handle(CHAT, engine.ButtonPressed(data))
    return helpline.handle(CHAT, engine.ButtonPressed(SKIP))  # no PIN


def test_with_a_desk_the_trainee_is_told_a_volunteer_will_answer(helpline: Helpline) -> None:
    helpline.desk_connected = True
    helpline.start_in(CHAT, "en")
    helpline.handle(CHAT, engine.CommandGiven(engine.Command.PERSON))
    turn = helpline.handle(CHAT, engine.ButtonPressed(YES))
    assert [r.node for r in replies(turn)] == ["system.note_offer"]
    helpline.handle(CHAT, engine.ButtonPressed("dialog:skip"))  # no message
    helpline.handle(CHAT, engine.ButtonPressed("dialog:here"))  # replies here
    turn = helpline.handle(CHAT, engine.ButtonPressed("dialog:skip"))  # no PIN
    assert [r.node for r in replies(turn)] == ["system.handoff_asked"]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("vi", "30 tháng 11 năm 2026, lúc 10:00"),
        ("zh_Hans", "2026年11月30日"),
        ("ja", "2026年11月30日"),
    ],
)
def test_out_of_hours_the_trainee_is_told_when_to_expect_an_answer(
    helpline: Helpline, lang: str, expected: str
) -> None:
    helpline.desk_connected = True
    helpline.office = OfficeHours()  # Monday to Friday, 10:00-18:00, Japan time
    helpline.clock = lambda: datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # Friday, 19:00 in Japan
    helpline.start_in(CHAT, lang)
    turn = ask_at_the_desk(helpline)
    assert [r.node for r in replies(turn)] == ["system.handoff_asked", "system.desk_closed_now"]
    assert expected in replies(turn)[1].text  # Monday: the weekend is skipped


def test_in_hours_nothing_is_said_about_hours(helpline: Helpline) -> None:
    helpline.desk_connected = True
    helpline.office = OfficeHours()
    helpline.clock = lambda: datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # Friday, 12:00 in Japan
    helpline.start_in(CHAT, "vi")
    turn = ask_at_the_desk(helpline)
    assert [r.node for r in replies(turn)] == ["system.handoff_asked"]


def test_once_a_case_is_open_asking_again_goes_straight_to_the_desk(
    helpline: Helpline,
) -> None:
    helpline.desk_connected = True
    helpline.start_in(CHAT, "en")
    ask_at_the_desk(helpline)
    helpline.handle(CHAT, engine.CommandGiven(engine.Command.MENU))
    turn = helpline.handle(CHAT, engine.CommandGiven(engine.Command.PERSON))
    assert isinstance(turn.out[0], DeskRequest)
    assert "system.consent" not in [r.node for r in replies(turn)]


def test_exit_wipes_the_chat_forgets_everything_and_leaves_one_neutral_line(
    helpline: Helpline,
) -> None:
    helpline.start_in(CHAT, "vi")
    turn = helpline.handle(CHAT, engine.CommandGiven(engine.Command.EXIT))
    assert isinstance(turn.out[0], Wipe)
    assert [r.node for r in replies(turn)] == ["system.goodbye"]
    assert stored(helpline) is None


def test_after_exit_the_next_message_starts_with_the_picker(helpline: Helpline) -> None:
    helpline.start_in(CHAT, "vi")
    helpline.handle(CHAT, engine.CommandGiven(engine.Command.EXIT))
    turn = helpline.handle(CHAT, engine.TextEntered("hi"))
    assert replies(turn)[0].node == "system.choose_language"


def test_logs_carry_event_names_only(helpline: Helpline, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    identity = "Nguyễn Văn A 090-1234-5678"
    helpline.handle(CHAT, Opened("vi"))
    helpline.handle(CHAT, engine.ButtonPressed("lang:vi"))
    helpline.handle(CHAT, engine.TextEntered(identity))
    helpline.handle(CHAT, engine.ButtonPressed("menu.topics.4"))  # I feel unsafe
    helpline.handle(CHAT, engine.ButtonPressed("safety.check.0"))  # a danger answer
    helpline.handle(CHAT, engine.ButtonPressed(YES))  # consent (no desk: a stale button now)
    helpline.handle(CHAT, engine.TextEntered("482915"))  # a PIN typed anyway
    helpline.handle(CHAT, engine.TextEntered("482915"))
    helpline.handle(CHAT, engine.CommandGiven(engine.Command.EXIT))
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert identity not in logged and CHAT not in logged and "482915" not in logged
    assert {r.getMessage() for r in caplog.records} == {
        "conversation.opened",
        "text.matched",  # typed text: matched, never logged
        "engine.danger_answer",
        "handoff.unavailable",  # no desk connected: said at once, nothing kept
        "engine.stale_button",
        "conversation.erased",
    }
