"""The desk's pure parts: holidays and office hours, the roster, the case card, staff messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.desk import card as cards
from bot.desk.hours import JST, OfficeHours, holidays
from bot.desk.outage import OutageWatch
from bot.desk.roster import Roster, RosterError, Volunteer, read_roster
from bot.desk.staff import ANONYMOUS_ADMIN, TELEGRAM_SERVICE, Refused, StaffMessage, decide
from bot.records import DeskCase
from bot.service import Helpline
from bot.values import Prefecture, Text, Yen

DESK = -1001234567890
SATO, LIN = 9001, 9002
STAFF = frozenset({SATO, LIN})

# Holidays and office hours.

HOLIDAYS_2026 = {
    date(2026, 1, 1),
    date(2026, 1, 12),  # Coming of Age Day
    date(2026, 2, 11),
    date(2026, 2, 23),
    date(2026, 3, 20),  # vernal equinox
    date(2026, 4, 29),
    date(2026, 5, 3),
    date(2026, 5, 4),
    date(2026, 5, 5),
    date(2026, 5, 6),  # substitute for 3 May, a Sunday
    date(2026, 7, 20),
    date(2026, 8, 11),
    date(2026, 9, 21),
    date(2026, 9, 22),  # a citizens' holiday, between two holidays
    date(2026, 9, 23),  # autumnal equinox
    date(2026, 10, 12),
    date(2026, 11, 3),
    date(2026, 11, 23),
}


def test_japans_holidays_of_2026() -> None:
    assert holidays(2026) == HOLIDAYS_2026


def test_a_holiday_on_a_sunday_moves_to_the_next_free_day() -> None:
    assert {date(2025, 2, 24), date(2025, 5, 6), date(2025, 11, 24)} <= holidays(2025)
    assert date(2027, 3, 22) in holidays(2027)  # the equinox on Sunday 21 March


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)  # type: ignore[misc]


def test_the_desk_is_closed_on_weekends_holidays_and_the_new_year() -> None:
    office = OfficeHours()  # Mon-Fri 10:00-18:00
    assert office.is_open(jst(2026, 11, 27, 10, 0))  # a Friday
    assert not office.is_open(jst(2026, 11, 27, 18, 0))  # closes at six
    assert not office.is_open(jst(2026, 11, 23, 12, 0))  # Labour Thanksgiving, a Monday
    assert not office.is_open(jst(2026, 12, 30, 12, 0))  # the New Year break
    assert office.is_open(datetime(2026, 11, 27, 1, 0, tzinfo=UTC))  # 10:00 in Japan


def test_next_open_skips_the_weekend_and_holidays() -> None:
    office = OfficeHours()
    assert office.next_open(jst(2026, 11, 27, 19, 0)) == jst(2026, 11, 30, 10, 0)
    assert office.next_open(jst(2026, 11, 21, 9, 0)) == jst(2026, 11, 24, 10, 0)
    assert office.next_open(jst(2026, 12, 28, 20, 0)) == jst(2027, 1, 4, 10, 0)
    assert office.next_open(jst(2026, 11, 24, 7, 30)) == jst(2026, 11, 24, 10, 0)
    moment = jst(2026, 11, 24, 11, 0)
    assert office.next_open(moment) is moment


# The roster.


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_missing_roster_is_an_empty_one(tmp_path: Path) -> None:
    assert read_roster(tmp_path / "none.yaml") == Roster()


def test_the_roster_is_read_with_days_hours_and_languages(tmp_path: Path) -> None:
    roster = read_roster(
        write(
            tmp_path,
            'office: {days: Mon-Sat, hours: "09:30-17:00"}\n'
            "volunteers:\n"
            '  - {id: 9001, name: Sato, languages: [ja,vi], days: Fri-Mon, hours: "00:00-24:00"}\n'
            "  - {id: 9002, name: Lin, languages: [zh_Hans], on_call: true}\n",
        )
    )
    assert roster.office.weekdays == frozenset(range(6))
    assert roster.office.opens == time(9, 30)
    sato, lin = roster.volunteers
    assert sato.weekdays == frozenset({4, 5, 6, 0})  # Friday round to Monday
    assert sato.on_duty(jst(2026, 11, 29, 23, 59))  # "24:00" means to the end of the day
    assert not sato.on_duty(jst(2026, 11, 25, 12, 0))  # a Wednesday
    assert lin.on_call and lin.weekdays == frozenset(range(5))  # the defaults


def test_every_problem_of_a_roster_is_listed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'office: {days: Weekdays, hours: "9-5"}\n'
        "volunteers:\n"
        "  - {name: NoId}\n"
        '  - {id: 9002, languages: [vn], hours: "25:00-26:00"}\n',
    )
    with pytest.raises(RosterError) as raised:
        read_roster(path)
    message = str(raised.value)
    for expected in (
        "office: days should look like Mon-Fri",
        "office: hours should look like 10:00-18:00, not '9-5'",
        "volunteer 1: needs 'id:'",
        "volunteer 2: unknown languages ['vn']",
        "volunteer 2: hours should look like 10:00-18:00, not '25:00-26:00'",
    ):
        assert expected in message


def test_a_roster_that_is_not_yaml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RosterError):
        read_roster(write(tmp_path, "volunteers: [\n"))
    with pytest.raises(RosterError):
        read_roster(write(tmp_path, "- just a list\n"))


def volunteer(number: int, languages: set[str], on_call: bool = False) -> Volunteer:
    return Volunteer(
        number,
        f"V{number}",
        frozenset(languages),
        frozenset(range(5)),
        time(10),
        time(18),
        on_call,
    )


def test_routing_prefers_the_trainees_language_then_japanese() -> None:
    roster = Roster(
        volunteers=(volunteer(1, {"ja", "vi"}), volunteer(2, {"ja"}), volunteer(3, {"zh_Hans"}))
    )
    friday = jst(2026, 11, 27, 12, 0)
    assert [v.id for v in roster.on_duty("vi", friday)] == [1]
    assert [v.id for v in roster.on_duty("zh_Hans", friday)] == [3]
    assert [v.id for v in roster.on_duty("en", friday)] == [1, 2]  # nobody: Japanese speakers
    assert roster.on_duty("vi", jst(2026, 11, 28, 12, 0)) == []  # Saturday


# The card.

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def a_case(**changes: object) -> DeskCase:
    fields: dict[str, object] = {
        "public_id": "C-7K2QX9",
        "lang": "vi",
        "topic": "wages",
        "urgent": False,
        "status": "open",
        "opened_at": NOW,
        "answers": {},
        "reply_mode": "here",
        "hours": None,
        "address": "424242",
        "thread_id": None,
        "claimed_by": None,
    }
    fields.update(changes)
    return DeskCase(**fields)  # type: ignore[arg-type]


def test_the_topic_name_says_what_and_how_urgent_but_never_who() -> None:
    assert cards.topic_name(a_case()) == "C-7K2QX9 賃金 vi"
    assert cards.topic_name(a_case(urgent=True, topic="safety")) == "【緊急】 C-7K2QX9 危険 vi"


def test_invisible_and_direction_characters_are_written_out() -> None:
    assert cards.visible("a\u202eb\u200bc\nd") == "a[U+202E]b[U+200B]c\nd"
    assert cards.visible("x" * 50, limit=10) == "x" * 10 + "…（以下省略）"


@pytest.mark.parametrize(
    "text",
    [
        "short",
        "x" * 3500,
        "word " * 820,  # 4,100 characters, spaces to cut at
        "line\n" * 900,
        "a" * 9000,  # nowhere to cut nicely
        "\u200b" * 600,  # each shown as [U+200B]: 4,800 characters shown
        "😀" * 2000,  # 4,000 UTF-16 units
        "ti\u0300\u202e" * 1000 + " end",
    ],
)
def test_a_long_text_is_relayed_whole_in_parts_that_each_fit(text: str) -> None:
    parts = cards.pieces(text)
    assert "".join(parts) == text  # nothing left out, in order
    shown = [cards.visible(part) for part in parts]
    assert all(cards.utf16_length(part) <= cards.RELAY_LIMIT for part in shown)
    assert all("以下省略" not in part for part in shown)  # nothing is cut when shown
    if text.startswith(("word", "line")):  # cut after a space or a line break
        assert all(part.endswith((" ", "\n")) for part in parts[:-1])


def test_the_card_is_japanese_and_carries_no_identity(helpline: Helpline) -> None:
    case = a_case(
        answers={
            "wages.prefecture": Prefecture("aichi"),
            "wages.check.minimum": Yen(1140),
            "wages.check.shortfall_monthly": Yen(0),  # nothing to compute it from
            cards.NOTE_KEY: Text("Công ty giữ hộ chiếu \u202e của tôi"),
        },
        urgent=True,
        reply_mode="hours",
        hours=(20, 22),
    )
    roster = Roster(volunteers=(volunteer(SATO, {"ja", "vi"}),))
    text = cards.card(case, helpline.flows, helpline.renderer, roster, NOW)
    assert text.startswith("【緊急】相談 C-7K2QX9")
    assert "・勤務地（都道府県）：愛知県" in text  # the node's staff label, the value in Japanese
    assert "・地域別最低賃金：1,140円" in text  # the calculator's own label
    assert "不足額（月額）" not in text  # a computed zero says nothing
    assert "言語：ベトナム語" in text and "（20時〜22時）" in text
    assert "■ 本人のメッセージ（未翻訳・ベトナム語）" in text
    assert "[U+202E]" in text and "\u202e" not in text
    assert "V9001" in text  # on duty, speaks Vietnamese
    assert "424242" not in text  # the address is for the relay, never shown


# Staff messages.


def msg(sender: int | None = SATO, text: str = "Xin chào", **changes: object) -> StaffMessage:
    fields: dict[str, object] = {
        "chat_id": DESK,
        "sender_id": sender,
        "thread_id": 5,
        "text": text,
    }
    fields.update(changes)
    return StaffMessage(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("message", "why"),
    [
        (msg(chat_id=-100999), Refused.WRONG_CHAT),
        (msg(ANONYMOUS_ADMIN), Refused.ANONYMOUS),
        (msg(TELEGRAM_SERVICE), Refused.ANONYMOUS),
        (msg(None), Refused.ANONYMOUS),
        (msg(on_behalf_of_chat=True), Refused.SENDER_CHAT),
        (msg(sender_is_bot=True), Refused.BOT),
        (msg(7777), Refused.NOT_STAFF),
    ],
)
def test_only_volunteers_in_the_desk_may_act(message: StaffMessage, why: Refused) -> None:
    decision = decide(message, DESK, STAFF, "helpline_bot")
    assert (decision.kind, decision.refused) == ("refuse", why)


@pytest.mark.parametrize(
    ("text", "kind", "command"),
    [
        ("Xin chào", "relay", ""),
        ("! 内部メモ", "internal", ""),
        ("！全角の内部メモ", "internal", ""),  # a Japanese keyboard's exclamation mark
        ("\u200b! hidden in front", "internal", ""),
        ("  !note with spaces", "internal", ""),
        ("/note 内部", "internal", ""),
        ("／note 全角", "internal", ""),
        ("/unknown", "internal", ""),  # unknown commands are never relayed
        ("/claim", "command", "claim"),
        ("/CLOSE", "command", "close"),
        ("/claim@helpline_bot", "command", "claim"),
        ("/claim@other_bot", "internal", ""),
        ("/reply evidence", "command", "reply"),
        ("/card", "command", "card"),
    ],
)
def test_what_a_volunteer_writes_in_a_topic(text: str, kind: str, command: str) -> None:
    decision = decide(msg(text=text), DESK, STAFF, "helpline_bot")
    assert (decision.kind, decision.command) == (kind, command)


INVISIBLE_IN_FRONT = [
    "\u034f",  # combining grapheme joiner
    "\u00ad",  # soft hyphen
    "\u061c",  # Arabic letter mark
    "\u115f",  # Hangul choseong filler
    "\u1160",  # Hangul jungseong filler
    "\u17b4",  # Khmer vowel inherent aq
    "\u180b",  # Mongolian free variation selector
    "\u180e",  # Mongolian vowel separator
    "\u200b",  # zero width space
    "\u200c",  # zero width non-joiner
    "\u200d",  # zero width joiner
    "\u200e",  # left-to-right mark
    "\u202e",  # right-to-left override
    "\u2060",  # word joiner
    "\u2061",  # function application
    "\u2064",  # invisible plus
    "\u2065",  # reserved, default ignorable
    "\u2066",  # left-to-right isolate
    "\u206f",  # nominal digit shapes
    "\u3164",  # Hangul filler
    "\ufe0f",  # variation selector 16
    "\ufeff",  # zero width no-break space
    "\uffa0",  # half-width Hangul filler
    "\ufff0",  # unassigned, default ignorable
    "\U0001bca0",  # shorthand format letter overlap
    "\U0001d173",  # musical symbol begin beam
    "\U000e0001",  # language tag
    "\U000e0041",  # tag latin capital letter A
    "\U000e0100",  # variation selector 17
    "\U000e0fff",  # unassigned, default ignorable
    "\u00a0",  # no-break space
    "\u1680",  # Ogham space mark
    "\u2007",  # figure space
    "\u2028",  # line separator
    "\u2029",  # paragraph separator
    "\u202f",  # narrow no-break space
    "\u205f",  # medium mathematical space
    "\u3000",  # ideographic space
    "\u0085",  # next line
    "\t",
    "\n",
    "\u0000",
    "\u2800",  # braille pattern blank
    "\u0300",  # a combining grave accent with nothing to sit on
    "\u20dd",  # a combining enclosing circle, alone
    "\ue000",  # private use
    "\u034f\u200b \ufeff\u3000",  # several
]


@pytest.mark.parametrize("invisible", INVISIBLE_IN_FRONT)
@pytest.mark.parametrize("mark", ["!", "！", "﹗"])
def test_nothing_invisible_in_front_turns_a_note_into_a_reply(invisible: str, mark: str) -> None:
    text = f"{invisible}{mark} 内部メモ: the employer knows"
    assert decide(msg(text=text), DESK, STAFF, "helpline_bot").kind == "internal"
    command = decide(msg(text=f"{invisible}/claim"), DESK, STAFF, "helpline_bot")
    assert (command.kind, command.command) == ("command", "claim")


def test_the_groups_general_chat_is_not_a_case() -> None:
    assert decide(msg(thread_id=None), DESK, STAFF, None).kind == "ignore"


def test_a_volunteers_photo_without_a_caption_is_relayed() -> None:
    assert decide(msg(text=None, media=True), DESK, STAFF, None).kind == "relay"


# The database outage notice.


def test_the_desk_hears_of_an_outage_once_after_a_minute_and_of_the_recovery() -> None:
    watch = OutageWatch()
    start = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # 21:00 in Japan
    assert watch.round(True, start) is None
    assert watch.round(False, start) is None  # a blip is not worth waking anyone
    assert watch.round(False, start + timedelta(seconds=30)) is None
    alert = watch.round(False, start + timedelta(seconds=61))
    assert alert is not None and alert.startswith("【障害】21:00 から")
    assert watch.round(False, start + timedelta(minutes=5)) is None  # said once
    back = watch.round(True, start + timedelta(minutes=6))
    assert back == "データベースが復旧しました（21:06）。通常どおり動いています。"
    assert watch.round(True, start + timedelta(minutes=7)) is None


def test_a_short_blip_is_never_announced() -> None:
    watch = OutageWatch()
    start = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert watch.round(False, start) is None
    assert watch.round(True, start + timedelta(seconds=50)) is None
    assert watch.round(False, start + timedelta(seconds=70)) is None  # a new outage starts
