"""The desk's day-one commands through the fake Telegram: General topic posts, mute, reopen.

The rules are tested on every database in ``tests/service/test_desk_commands.py``; here what
Telegram matters for: an answer in the group's General topic (no thread id), a trainee's
messages kept out of a muted case's topic, a closed topic opened again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import Chat, Message, User

from bot.telegram_adapter.reading import _staff

from ..fakes.telegram_world import FakeTelegram
from .test_desk import (
    DESK,
    SATO,
    TRAINEE,
    case_replied_here,
    desk_texts,
    desk_world,
    say,
    staff_says,
    topics,
    with_desk,
)


def in_general(world: FakeTelegram) -> list[str]:
    """What the bot posted in the group's General topic."""
    return [m.text for m in world.visible(DESK) if m.thread_id is None and m.from_bot]


@pytest.mark.asyncio
async def test_cases_mute_and_reopen_on_telegram(tmp_path: Path) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:  # type: ignore[attr-defined]
        world = bot.world
        thread = await case_replied_here(bot)
        ((_, name),) = topics(world).items()
        label = name.split(" ")[0]

        bot.world.staff_sends(DESK, SATO, "/cases")
        await bot.settle()
        (listing,) = in_general(world)
        assert listing.startswith("対応中の相談（1件") and label in listing
        assert "600" not in listing and "愛知" not in listing  # no content, ever

        await staff_says(bot, SATO, f"/mute {label}", thread)
        muted = "Hiện tại, tin nhắn của bạn ở đây tạm thời không được chuyển đi."
        assert world.bot_texts(TRAINEE)[-1] == muted
        before = len(desk_texts(world, thread))
        await say(bot, TRAINEE, "spam spam spam")
        assert len(desk_texts(world, thread)) == before  # kept out of the topic
        assert world.bot_texts(TRAINEE)[-1] == muted  # told again, not "Sent."
        await staff_says(bot, SATO, f"/unmute {label}", thread)
        await say(bot, TRAINEE, "Xin lỗi.")
        assert desk_texts(world, thread)[-1] == "本人：\nXin lỗi."

        await staff_says(bot, SATO, "/close", thread)
        assert world.groups[DESK].topics[thread].closed
        shown = len(world.bot_texts(TRAINEE))
        bot.world.staff_sends(DESK, SATO, f"/reopen {label}")
        await bot.settle()
        assert not world.groups[DESK].topics[thread].closed
        assert in_general(world)[-1].startswith(f"相談 {label} を再開しました")
        assert len(world.bot_texts(TRAINEE)) == shown  # the trainee is not told


def test_a_reply_names_its_person_never_a_bot() -> None:
    """``/handover`` as a reply: the adapter reads whose message it answers (a person only)."""
    group, when = Chat(DESK, Chat.SUPERGROUP), datetime(2026, 12, 7, tzinfo=UTC)
    sato, lin, bot = User(SATO, "Sato", False), User(9002, "Lin", False), User(1, "bot", True)

    def reply(to: User) -> Message:
        first = Message(10, when, group, from_user=to, text="hello")
        return Message(
            11, when, group, from_user=sato, text="/handover", reply_to_message=first,
            message_thread_id=5, is_topic_message=True,
        )  # fmt: skip

    assert _staff(reply(lin)).reply_to == 9002
    assert _staff(reply(bot)).reply_to is None  # a topic's first message is the bot's
