"""The desk never drops a case: a refused topic is kept, retried, and people hear of it.

Against the fake Telegram's ``refuse`` switch: ``createForumTopic`` refused (400, as a group
without the bot's topic right answers; 404, as a server without the method answers) is given
up at once, so it holds nothing up; the on-call list is mentioned in the group's General topic,
the trainee is told a volunteer will answer later, and the reminder round opens the topic once
the group takes it again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from .test_desk import (
    DESK,
    TRAINEE,
    audit_actions,
    case_replied_here,
    desk_texts,
    desk_world,
    open_case,
    press,
    rounds,
    topics,
    with_desk,
)

WAITING = "Tin nhắn mới:\nTin nhắn của bạn đang chờ."


def general(bot: object) -> list[str]:
    world = bot.world  # type: ignore[attr-defined]
    return [m.text for m in world.visible(DESK) if m.from_bot and m.thread_id is None]


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [400, 404])
async def test_a_refused_topic_keeps_the_case_and_tells_everyone(
    tmp_path: Path, status: int
) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:
        world = bot.world
        world.refuse("createForumTopic", status)
        await open_case(bot, TRAINEE, "dialog:here")
        await press(bot, TRAINEE, "dialog:skip")
        assert topics(world) == {}
        assert sum(name == "createForumTopic" for name, _ in world.calls) == 1  # given up
        (alert,) = general(bot)
        assert "のトピックを作成" in alert and alert.endswith("Lin")  # the on-call list
        assert world.bot_texts(TRAINEE)[-1].startswith(WAITING)
        assert "topic_refused" in audit_actions(bot)

        world.heal()
        assert await rounds(bot) == (0, 0)  # not yet: the set time has not passed
        later = datetime.now(UTC) + timedelta(hours=4, minutes=1)
        bot.parts.helpline.clock = lambda: later
        assert await rounds(bot) == (0, 1)
        ((thread, _),) = topics(world).items()
        assert "受付から：" in desk_texts(world, thread)[0]  # the card, at last
        assert sum(text.startswith(WAITING) for text in world.bot_texts(TRAINEE)) == 1


@pytest.mark.asyncio
async def test_a_refused_topic_on_a_retry_does_not_tell_the_trainee_again(
    tmp_path: Path,
) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:
        world = bot.world
        world.refuse("createForumTopic", 400)
        await open_case(bot, TRAINEE, "dialog:here")
        await press(bot, TRAINEE, "dialog:skip")
        later = datetime.now(UTC) + timedelta(hours=4, minutes=1)
        bot.parts.helpline.clock = lambda: later
        assert await rounds(bot) == (0, 1)  # refused again: the desk is told again
        assert len(general(bot)) == 2
        assert sum(text.startswith(WAITING) for text in world.bot_texts(TRAINEE)) == 1


@pytest.mark.asyncio
async def test_a_topic_the_group_takes_is_not_alerted(tmp_path: Path) -> None:
    async with with_desk(tmp_path, desk_world()) as bot:
        await case_replied_here(bot)
        assert general(bot) == []
