"""The union desk end to end over loopback HTTP: cases, cards, relays, mailbox, refusals."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.config import Secret, Settings
from bot.desk.hours import JST
from bot.storage import DatabaseError, Queued
from bot.storage.models import AuditRow, ConversationRow, LedgerRow
from bot.storage.unit_staff import new_enrolment
from bot.telegram_adapter.checks import telegram_desk_checks
from bot.telegram_adapter.jobs import wipe_idle
from bot.telegram_adapter.limits import RateLimits

from ..fakes.telegram_world import FakeRequest, FakeTelegram
from ..harness import TOKEN, Running, running

DESK = -1001234567890
SATO, LIN, STRANGER = 9001, 9002, 7777
TRAINEE, OTHER, SECOND = 424242, 535353, 646464
CODE = re.compile(r"0[789]0-\d{4}-\d{5}")
ROSTER = """\
office: {days: Mon-Sun, hours: "00:00-24:00"}
volunteers:
  - {id: 9001, name: Sato, languages: [ja, vi], days: Mon-Sun, hours: "00:00-24:00"}
  - {id: 9002, name: Lin, languages: [ja, zh_Hans], days: Mon-Sun, hours: "00:00-24:00",
     on_call: true}
"""


def desk_world() -> FakeTelegram:
    world = FakeTelegram()
    world.add_staff_group(DESK, "Desk")
    return world


def with_desk(tmp_path: Path, world: FakeTelegram, **changes: object) -> object:
    (tmp_path / "roster.yaml").write_text(ROSTER, encoding="utf-8")
    return running(
        tmp_path,
        world,
        http=True,
        staff_chat_id=DESK,
        staff_user_ids=frozenset({SATO, LIN}),
        roster_file=tmp_path / "roster.yaml",
        **changes,
    )


async def say(bot: Running, user: int, text: str, lang: str = "vi") -> None:
    bot.world.user_sends(user, text, language_code=lang)
    await bot.settle()


async def press(bot: Running, user: int, data: str) -> None:
    bot.world.user_presses(user, data)
    await bot.settle()


async def staff_says(bot: Running, user: int, text: str, thread: int) -> None:
    bot.world.staff_sends(DESK, user, text, message_thread_id=thread)
    await bot.settle()


async def open_case(bot: Running, user: int, replies: str, lang: str = "vi") -> None:
    """A wage check, then a person: consent, a note, how replies reach them."""
    await say(bot, user, "/start", lang)
    await press(bot, user, f"lang:{lang}")
    for typed in ("1", "1", "2", "600", "176", "Aichi", "3", "0", "1", "0"):
        await say(bot, user, typed, lang)
    await say(bot, user, "/talk", lang)
    await press(bot, user, "dialog:yes")
    await say(bot, user, "Công ty trả 600 yên một giờ, không trả làm thêm.", lang)
    await press(bot, user, replies)


async def case_replied_here(bot: Running) -> int:
    """The trainee opens a case with replies here and no PIN; return its topic's thread."""
    await open_case(bot, TRAINEE, "dialog:here")
    await press(bot, TRAINEE, "dialog:skip")
    ((thread, _),) = topics(bot.world).items()
    return thread


def topics(world: FakeTelegram) -> dict[int, str]:
    return {t.message_thread_id: t.name for t in world.groups[DESK].topics.values()}


def desk_texts(world: FakeTelegram, thread: int) -> list[str]:
    """What the bot posted in a case's topic (not the topic's own service message)."""
    return [m.text for m in world.visible(DESK, thread) if m.from_bot and m.kind != "service"]


def audit_actions(bot: Running) -> list[str]:
    with Session(bot.parts.database.engine) as session:
        return list(session.scalars(select(AuditRow.action)))


@pytest.mark.asyncio
async def test_a_case_reaches_the_desk_and_the_volunteer_answers_anonymously(
    tmp_path: Path,
) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:
        world = bot.world
        await open_case(bot, TRAINEE, "dialog:here")
        await press(bot, TRAINEE, "dialog:skip")  # no PIN
        assert world.bot_texts(TRAINEE)[-1].startswith("Cảm ơn bạn. Sẽ có người trả lời bạn")

        ((thread, name),) = topics(world).items()
        assert name.startswith("C-") and "賃金" in name and "vi" in name
        card = desk_texts(world, thread)[0]
        assert card.startswith("相談 C-") and "言語：ベトナム語" in card and "分野：賃金" in card
        for content in ("愛知県", "1,140円", "本人の", "600 yên", "返信："):
            assert content not in card  # the content: only in the holder's private chat (A2)
        assert desk_texts(world, thread)[1] == "通知：Sato"  # mentioned: Telegram tells them

        await staff_says(bot, SATO, "Xin chào. Chúng tôi đã đọc tin nhắn của bạn.", thread)
        # A neutral first line, then the words: a locked screen shows only the first line.
        assert world.bot_texts(TRAINEE)[-1] == (
            "Tin nhắn mới:\nXin chào. Chúng tôi đã đọc tin nhắn của bạn."
        )
        said = world.visible(TRAINEE)[-1]
        assert said.from_bot and said.protected and said.copied_from is None  # no sender shown

        shown = len(world.bot_texts(TRAINEE))
        await staff_says(bot, STRANGER, "Hello, I am not staff", thread)
        await staff_says(bot, SATO, "! 内部メモ：給与明細を頼む", thread)
        await staff_says(bot, SATO, "/note これも内部", thread)
        assert len(world.bot_texts(TRAINEE)) == shown  # none of these reached the trainee
        assert "staff_refused" in audit_actions(bot)

        await say(bot, TRAINEE, "Cảm ơn \u202eanh chị")
        assert world.bot_texts(TRAINEE)[-1] == "Đã gửi."
        assert desk_texts(world, thread)[-1] == "本人：\nCảm ơn [U+202E]anh chị"

        world.user_sends_photo(TRAINEE, caption="bảng lương \u202etháng 10")  # a payslip
        await bot.settle()
        assert world.bot_texts(TRAINEE)[-1] == "Đã gửi."
        copied = world.visible(DESK, thread)[-1]
        assert copied.kind == "photo" and copied.text == "本人：\nbảng lương [U+202E]tháng 10"
        posted = len(world.visible(DESK, thread))
        for fields in (
            {"location": {"latitude": 35.17, "longitude": 136.88}},
            {"contact": {"phone_number": "+819012345678", "first_name": "Lan"}},
        ):
            world.user_sends_raw(TRAINEE, fields)
            await bot.settle()
            assert world.bot_texts(TRAINEE)[-1].startswith("Không gửi được.")
        assert len(world.visible(DESK, thread)) == posted  # where and who never reach the desk

        await staff_says(bot, SATO, "/claim", thread)
        assert desk_texts(world, thread)[-2] == "担当：Sato"
        assert desk_texts(world, thread)[-1].startswith("Satoさん：")  # how to enrol, no content
        await staff_says(bot, SATO, "/reply evidence", thread)
        assert world.bot_texts(TRAINEE)[-1].startswith("Tin nhắn mới:\nBạn hãy giữ lại mọi thứ")
        await staff_says(bot, LIN, "/close", thread)
        assert world.bot_texts(TRAINEE)[-1].startswith("Tin nhắn mới:\nChúng tôi đã xử lý xong")
        assert world.groups[DESK].topics[thread].closed
        assert {"claimed", "closed", "relayed"} <= set(audit_actions(bot))
        with bot.parts.database.records.unit() as unit:
            closed = unit.desk_case(name.split()[0])
        assert closed is not None and closed.status == "closed"
        assert closed.address is None  # where replies went is forgotten with the case closed


@pytest.mark.asyncio
async def test_replies_wait_in_the_mailbox_until_the_trainee_comes_back(tmp_path: Path) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:
        world = bot.world
        await open_case(bot, SECOND, "dialog:none")
        await press(bot, SECOND, "dialog:skip")  # Skip is not offered: a PIN is needed
        assert world.bot_texts(SECOND)[-1].startswith("Để đọc câu trả lời sau này")
        await say(bot, SECOND, "482915")
        await say(bot, SECOND, "482915")
        code = next(m.group(0) for t in world.bot_texts(SECOND) if (m := CODE.search(t)))
        await say(bot, SECOND, "/exit")

        ((thread, _),) = topics(world).items()
        await staff_says(bot, SATO, "Chúng tôi sẽ gọi cho bạn vào thứ Bảy.", thread)
        assert desk_texts(world, thread)[-1].startswith("本人が /resume で戻ったときに")
        assert world.bot_texts(SECOND) == ["Tạm biệt."]  # nothing reached the old chat
        for message in world.chats[DESK]:  # a volunteer tidies the topic: the copy will fail
            message.deleted = message.deleted or message.sender_id == SATO

        await say(bot, OTHER, "/resume")
        await press(bot, OTHER, "lang:vi")
        await say(bot, OTHER, code)
        await say(bot, OTHER, "482915")
        texts = world.bot_texts(OTHER)
        assert "Tin nhắn cho bạn:" in texts
        assert (
            texts[texts.index("Tin nhắn cho bạn:") + 1] == "Chúng tôi sẽ gọi cho bạn vào thứ Bảy."
        )  # the words were kept, sealed, with the case


@pytest.mark.asyncio
async def test_only_volunteers_in_the_desk_group_may_act(tmp_path: Path) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:
        world = bot.world
        thread = await case_replied_here(bot)
        for sender, fields in (
            (1087968824, {}),  # the anonymous admin
            (777000, {}),  # Telegram itself
            (SATO, {"sender_chat": {"id": DESK, "type": "supergroup", "title": "Desk"}}),
            (STRANGER, {}),
        ):
            update = world.staff_sends(DESK, sender, "/close", message_thread_id=thread)
            update["message"].update(fields)
        await bot.settle()
        assert not world.groups[DESK].topics[thread].closed
        assert audit_actions(bot).count("staff_refused") == 4


class VirtualClock:
    """Time that passes only when someone waits: Telegram's limits, checked in minutes of
    virtual time within a second of real time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        # Sleepers move time to when they wake (never back): two waiting at once do not add up.
        wakes = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, wakes)


@pytest.mark.asyncio
async def test_fifty_cases_in_a_minute_all_arrive_in_order_within_the_group_limit(
    tmp_path: Path,
) -> None:
    clock = VirtualClock()
    world = desk_world()
    world.clock = clock
    limits = RateLimits(clock=clock, sleep=clock.sleep)
    async with with_desk(tmp_path, world, limits=limits) as bot:
        users = [800_000 + n for n in range(50)]
        for user in users:
            world.user_sends(user, "/start", language_code="vi")
            for data in ("lang:vi",):
                world.user_presses(user, data)
            world.user_sends(user, "/talk", language_code="vi")
            for data in ("dialog:yes", "dialog:skip", "dialog:here", "dialog:skip"):
                world.user_presses(user, data)
            for part in ("a", "b", "c"):
                world.user_sends(user, f"số {user - 800_000} phần {part}", language_code="vi")
        await bot.settle(timeout=180)
        found = topics(world)
        assert len(found) == 50
        relayed = []
        for thread in found:
            texts = desk_texts(world, thread)
            assert texts[0].startswith("相談 C-")  # the card first
            mine = [t.removeprefix("本人：\n") for t in texts if t.startswith("本人：")]
            number = mine[0].split()[1]
            assert mine == [f"số {number} phần {part}" for part in ("a", "b", "c")]  # in order
            relayed.append(int(number))
        assert sorted(relayed) == list(range(50))
        assert world.max_sends_in_window(DESK, 60.0) <= 20
        assert clock.now - 1000.0 > 60 * 200 / 20 - 60  # it took the minutes the limit asks


def at_japan_hour(bot: Running, hour: int, day: int = 27) -> None:
    """Set the helpline's clock (not the database's) to an hour of a day in Japan."""
    moment = datetime(2026, 11, day, hour, 0, tzinfo=JST)
    bot.parts.helpline.clock = lambda: moment


async def rounds(bot: Running) -> tuple[int, int]:
    """The desk's rounds of the clock loop: due mail, then reminders."""
    desk = bot.parts.desk
    assert desk is not None
    done = desk.rules.due_mail(), desk.rules.remind()
    bot.parts.sender.wake.set()
    await bot.settle()
    return done


@pytest.mark.asyncio
async def test_replies_wait_for_the_trainees_safe_hours(tmp_path: Path) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:
        world = bot.world
        await open_case(bot, TRAINEE, "dialog:hours")
        await say(bot, TRAINEE, "２０〜２２")  # full-width, as a Japanese keyboard types it
        await press(bot, TRAINEE, "dialog:skip")
        ((thread, name),) = topics(world).items()
        assert "20時" not in desk_texts(world, thread)[0]  # the safe hours: the holder's card

        at_japan_hour(bot, 12)
        shown = len(world.bot_texts(TRAINEE))
        await staff_says(bot, SATO, "Tối nay chúng tôi sẽ nhắn lại.", thread)
        assert desk_texts(world, thread)[-1].startswith("本人の安全な時間帯に届けます")
        assert await rounds(bot) == (0, 0)  # still noon: nothing goes out
        assert len(world.bot_texts(TRAINEE)) == shown

        at_japan_hour(bot, 21)
        assert (await rounds(bot))[0] == 1
        assert world.bot_texts(TRAINEE)[-1] == "Tin nhắn mới:\nTối nay chúng tôi sẽ nhắn lại."
        assert await rounds(bot) == (0, 0)  # delivered once

        at_japan_hour(bot, 12, day=28)  # the next day the case is closed, at noon
        await staff_says(bot, SATO, "/claim", thread)
        await staff_says(bot, SATO, "Chúng tôi đã gửi giấy tờ cho bạn.", thread)
        await staff_says(bot, SATO, "/close", thread)
        assert world.groups[DESK].topics[thread].closed
        assert world.bot_texts(TRAINEE)[-1].endswith("Tối nay chúng tôi sẽ nhắn lại.")  # not noon
        at_japan_hour(bot, 20, day=28)
        assert (await rounds(bot))[0] == 2
        assert world.bot_texts(TRAINEE)[-2] == "Tin nhắn mới:\nChúng tôi đã gửi giấy tờ cho bạn."
        assert world.bot_texts(TRAINEE)[-1].startswith("Tin nhắn mới:\nChúng tôi đã xử lý xong")
        with bot.parts.database.records.unit() as unit:
            closed = unit.desk_case(name.split()[0])
        assert closed is not None and closed.address is None  # nothing more will go there


@pytest.mark.asyncio
async def test_a_case_nobody_claims_is_announced_again(tmp_path: Path) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:
        world = bot.world
        thread = await case_replied_here(bot)
        assert await rounds(bot) == (0, 0)  # just opened

        later = datetime.now(UTC) + timedelta(hours=4, minutes=1)
        bot.parts.helpline.clock = lambda: later
        assert await rounds(bot) == (0, 1)
        texts = desk_texts(world, thread)
        assert texts[-2:] == ["まだ担当者がいません。", "通知：Sato"]

        await staff_says(bot, SATO, "/claim", thread)
        bot.parts.helpline.clock = lambda: later + timedelta(hours=9)
        assert await rounds(bot) == (0, 0)  # somebody has it now


@pytest.mark.asyncio
async def test_buttons_in_the_desk_are_checked_on_every_press(tmp_path: Path) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:
        world = bot.world
        thread = await case_replied_here(bot)

        world.staff_presses(DESK, STRANGER, "desk:claim")
        await bot.settle()
        assert "担当：" not in "".join(desk_texts(world, thread))
        assert audit_actions(bot).count("staff_refused") == 1
        assert not world.unanswered_callbacks  # the stranger is told, quietly

        world.staff_presses(DESK, LIN, "desk:claim")
        await bot.settle()
        assert desk_texts(world, thread)[-2] == "担当：Lin"
        world.staff_presses(DESK, LIN, "desk:unclaim")
        await bot.settle()
        assert desk_texts(world, thread)[-1] == "担当者なし（どなたか /claim してください）"


def test_doctor_asks_telegram_whether_the_bot_may_work_in_the_desk(tmp_path: Path) -> None:
    world = desk_world()
    settings = Settings(
        telegram_token=Secret(TOKEN),
        data_dir=tmp_path,
        staff_chat_id=DESK,
        staff_user_ids=frozenset({SATO}),
    )

    def lines() -> list[str]:
        return [line for ok, line in telegram_desk_checks(settings, FakeRequest(world))]

    assert lines() == [
        "desk: the group has topics",
        "desk: the bot is an administrator with the rights it needs",
    ]
    group = world.groups[DESK]
    group.is_forum = False
    group.bot_rights["can_manage_topics"] = False
    assert lines() == [
        "desk: the group has no topics; turn on Topics in the group's settings",
        "desk: give the bot the admin rights: Manage topics",
    ]
    group.bot_status = "member"
    assert lines()[1] == "desk: the bot is 'member' in the group; make it an administrator"
    other = replace(settings, staff_chat_id=-1009999999999)
    (only,) = telegram_desk_checks(other, FakeRequest(world))
    assert not only[0] and "add the bot to the group" in only[1]


@pytest.mark.asyncio
async def test_a_link_the_trainee_sends_stays_text_in_the_topic(tmp_path: Path) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:
        thread = await case_replied_here(bot)
        await say(bot, TRAINEE, "https://example.org/luong")
        relayed = bot.world.visible(DESK, thread)[-1]
        assert relayed.text == "本人：\nhttps://example.org/luong"
        assert relayed.protected and not relayed.preview


async def idle_wipe_later(bot: Running) -> None:
    """The clock's idle wipe, as if every message were older than the idle time."""
    long_ago = datetime.now(UTC) - timedelta(minutes=bot.settings.idle_wipe_minutes + 1)
    with Session(bot.parts.database.engine) as session, session.begin():
        session.execute(update(LedgerRow).values(at=long_ago))
        session.execute(update(ConversationRow).values(updated_at=long_ago))
    await wipe_idle(bot.settings, bot.parts)
    await bot.settle()


@pytest.mark.asyncio
async def test_what_arrives_after_exit_goes_with_the_next_idle_wipe(tmp_path: Path) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:
        world = bot.world
        thread = await case_replied_here(bot)
        await say(bot, TRAINEE, "/exit")
        assert world.bot_texts(TRAINEE) == ["Tạm biệt."]

        await staff_says(bot, SATO, "Your passport must be returned to you.", thread)
        world.staff_sends_photo(DESK, SATO, caption="Công đoàn", thread=thread)
        await bot.settle()
        await staff_says(bot, SATO, "/reply evidence", thread)
        await staff_says(bot, SATO, "/close", thread)
        shown = world.visible(TRAINEE)
        assert len(shown) == 5  # they did arrive: the trainee chose "here"
        assert all(m.text.startswith("Tin nhắn mới:\n") for m in shown[1:])

        await idle_wipe_later(bot)
        assert [m.text for m in world.visible(TRAINEE)] == ["Tạm biệt."]
        await idle_wipe_later(bot)  # the parting line stays; nothing is swept twice
        assert [m.text for m in world.visible(TRAINEE)] == ["Tạm biệt."]
        with Session(bot.parts.database.engine) as session:
            kept = session.scalars(select(LedgerRow)).all()
        assert [(row.parting, row.address) for row in kept] == [(True, None)]


@pytest.mark.asyncio
async def test_a_reply_sent_just_before_a_crash_is_wiped_too(tmp_path: Path) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:
        world = bot.world
        thread = await case_replied_here(bot)
        outbox = bot.parts.sender.outbox
        noted = outbox.done
        crashed: list[int] = []

        def crash_once(action: Queued, sent: Sequence[int] = (), *args: Any, **kw: Any) -> None:
            if sent and not crashed:  # sent, then the process died before noting it
                crashed.append(sent[0])
                raise DatabaseError("gone")
            noted(action, sent, *args, **kw)

        outbox.done = crash_once  # type: ignore[method-assign]
        await staff_says(bot, SATO, "Your passport must be returned to you.", thread)
        for _ in range(50):
            if (
                len(world.bot_texts(TRAINEE))
                and world.bot_texts(TRAINEE).count(
                    "Tin nhắn mới:\nYour passport must be returned to you."
                )
                == 2
            ):
                break
            await asyncio.sleep(0.1)
        assert crashed  # the first copy went out unnoted; the second is the re-send
        await say(bot, TRAINEE, "/exit")
        assert world.bot_texts(TRAINEE) == ["Tạm biệt."]


@pytest.mark.asyncio
async def test_a_volunteers_photo_comes_with_the_neutral_line_first(tmp_path: Path) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:
        world = bot.world
        thread = await case_replied_here(bot)
        world.staff_sends_photo(DESK, SATO, caption="Công đoàn: bảng lương", thread=thread)
        await bot.settle()
        copied = world.visible(TRAINEE)[-1]
        assert copied.kind == "photo" and copied.protected
        assert copied.copied_from is not None and copied.copied_from[0] == DESK  # copy_message
        assert copied.text == "Tin nhắn mới:\nCông đoàn: bảng lương"  # the caption, behind it


@pytest.mark.asyncio
async def test_a_text_too_long_for_one_post_reaches_the_desk_whole(tmp_path: Path) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:
        thread = await case_replied_here(bot)
        text = " ".join(f"dòng {number}" for number in range(450))  # 3,939 characters
        await say(bot, TRAINEE, text)
        posts = [t for t in desk_texts(bot.world, thread) if t.startswith("本人：\n")][-2:]
        assert "".join(post.removeprefix("本人：\n") for post in posts) == text
        assert bot.world.bot_texts(TRAINEE)[-1] == "Đã gửi."


@pytest.mark.asyncio
async def test_the_content_goes_to_the_holders_private_chat_protected_and_goes_away(
    tmp_path: Path,
) -> None:
    """A2/A4 on Telegram: enrol, PIN, claim; the card is protected, then deleted."""
    async with with_desk(tmp_path, desk_world()) as bot:
        world = bot.world
        thread = await case_replied_here(bot)
        database = bot.parts.database
        code, _ = new_enrolment(
            database.engine, database.keys.keyring, timedelta(hours=1), lambda: datetime.now(UTC)
        )
        await say(bot, SATO, code, "ja")
        await say(bot, SATO, "135790", "ja")
        private = " ".join(m.text for m in world.visible(SATO))
        assert code not in private and "135790" not in private  # deleted at once
        assert "スタッフ登録が終わりました" in private

        def cards(user: int) -> list[Any]:
            return [m for m in world.visible(user) if "愛知県" in m.text]

        await staff_says(bot, SATO, "/claim", thread)
        (card,) = cards(SATO)
        assert card.from_bot and card.protected  # no forwarding, no saving
        assert "1,140円" in card.text and "600 yên" in card.text  # the answers and the note
        assert (
            desk_texts(world, thread)[-1]
            == "Satoさん：相談の内容を、ボットとの個人チャットに送りました。"
        )
        assert cards(LIN) == [] and cards(STRANGER) == []
        await idle_wipe_later(bot)  # unused for the idle time: the private chat is swept
        assert cards(SATO) == []

        await staff_says(bot, SATO, "/card", thread)  # the PIN is still fresh: the card again
        assert len(cards(SATO)) == 1
        await staff_says(bot, LIN, "/close", thread)
        assert cards(SATO) == []  # deleted when the case closed
        assert "case_read" in audit_actions(bot)
