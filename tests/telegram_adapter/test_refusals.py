"""Every outcome of a Bot API call has its rule (``bot.telegram_adapter.outcomes``).

Against the in-house fake Telegram with its switches for refused methods (``refuse``, by
status) and replies the library cannot read (``garble_next``): a refusal is given up at once, a
5xx is retried for ``HOLD_AT_MOST`` at most, an unreadable reply is never sent again, and a wipe
Telegram refused still leaves its neutral line after telling the trainee to delete the chat.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import BadRequest, InvalidToken, NetworkError

from bot.telegram_adapter import outcomes
from bot.telegram_adapter.outcomes import Outcome, outcome

from ..fakes.telegram_world import FakeRequest, FakeTelegram
from ..harness import Running, running

USER = 424242
NOT_CLEARED = "Một số tin nhắn trong cuộc trò chuyện này vẫn còn."
GOODBYE = "Tạm biệt."


async def say(bot: Running, text: str) -> None:
    bot.world.user_sends(USER, text, language_code="vi")
    await bot.settle()


async def press(bot: Running, data: str) -> None:
    bot.world.user_presses(USER, data)
    await bot.settle()


def calls(world: FakeTelegram, method: str) -> int:
    return sum(name == method for name, _ in world.calls)


@pytest.mark.asyncio
async def test_the_fake_refuses_a_method_by_status_until_healed() -> None:
    world = FakeTelegram()
    world.user_sends(USER, "hi")
    async with Bot("1:x", request=FakeRequest(world)) as bot:
        for status, error in ((404, InvalidToken), (400, BadRequest), (500, NetworkError)):
            world.refuse("sendMessage", status)
            with pytest.raises(error):
                await bot.send_message(USER, "refused")
        world.heal()
        await bot.send_message(USER, "sent")
    assert world.bot_texts(USER) == ["sent"]


@pytest.mark.asyncio
async def test_the_fake_garbles_a_reply_after_carrying_the_call_out() -> None:
    world = FakeTelegram()
    world.user_sends(USER, "hi")
    async with Bot("1:x", request=FakeRequest(world)) as bot:
        world.garble_next("sendMessage")
        with pytest.raises(Exception) as caught:
            await bot.send_message(USER, "sent, unreadable")
        assert outcome(caught.value) is Outcome.UNCONFIRMED
        await bot.send_message(USER, "sent")
    assert world.bot_texts(USER) == ["sent, unreadable", "sent"]


@pytest.mark.asyncio
async def test_a_reply_the_library_cannot_read_is_not_sent_again(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        bot.world.garble_next("sendMessage")
        await say(bot, "/start")
        assert calls(bot.world, "sendMessage") == 1
        assert len(bot.world.bot_texts(USER)) == 1
        await say(bot, "/start")  # the chat goes on
        assert len(bot.world.bot_texts(USER)) == 2


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [400, 404])
async def test_a_refused_wipe_is_given_up_at_once_and_the_trainee_told(
    tmp_path: Path, status: int
) -> None:
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        await press(bot, "lang:vi")
        bot.world.refuse("deleteMessages", status)
        await say(bot, "/exit")
        texts = bot.world.bot_texts(USER)
        assert texts[-2].startswith(NOT_CLEARED) and texts[-1] == GOODBYE
        assert calls(bot.world, "deleteMessages") == 1
        await say(bot, "/start")
        assert len(bot.world.bot_texts(USER)) == len(texts) + 1


@pytest.mark.asyncio
async def test_a_failing_wipe_holds_the_chat_for_a_bounded_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outcomes, "BACKOFF", (0.1, 0.2, 0.4))
    monkeypatch.setattr(outcomes, "HOLD_AT_MOST", 0.5)
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        await press(bot, "lang:vi")
        bot.world.refuse("deleteMessages", 500)
        await say(bot, "/exit")
        texts = bot.world.bot_texts(USER)
        assert texts[-2].startswith(NOT_CLEARED) and texts[-1] == GOODBYE
        assert 2 <= calls(bot.world, "deleteMessages") <= 3  # 0.4 more would pass 0.5 s


@pytest.mark.asyncio
async def test_a_short_outage_during_a_wipe_is_retried(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        await press(bot, "lang:vi")
        bot.world.fail_next("deleteMessages", status=502)
        await say(bot, "/exit")
        assert bot.world.bot_texts(USER) == [GOODBYE]


@pytest.mark.asyncio
async def test_a_message_sent_unconfirmed_is_still_wiped(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        bot.world.garble_next("sendMessage")  # the picker goes out; its id is not known
        await say(bot, "/start")
        await press(bot, "lang:vi")  # the next send notes the ids below it
        await say(bot, "/exit")
        assert bot.world.bot_texts(USER) == [GOODBYE]
