"""The fake Telegram enforces the Bot API's rules, in process and over loopback HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import pytest_asyncio
from telegram import (
    Bot,
    BotCommand,
    ForumTopic,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageId,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from ..fakes.telegram_model import UploadedFile
from ..fakes.telegram_server import FakeTelegramServer, decode_params, post_update
from ..fakes.telegram_world import DELETE_WINDOW, BotApiError, FakeRequest, FakeTelegram

USER = 424242
STAFF_GROUP = -1001234567890
SECRET = "s3cret_-"


def ok(world: FakeTelegram, method: str, **params: Any) -> Any:
    return world.call(method, params)


def refused(world: FakeTelegram, method: str, **params: Any) -> BotApiError:
    with pytest.raises(BotApiError) as caught:
        world.call(method, params)
    return caught.value


# The update queue.


def test_get_updates_honours_offset_and_limit() -> None:
    world = FakeTelegram()
    ids = [world.user_sends(USER, f"m{i}")["update_id"] for i in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5
    first = ok(world, "getUpdates", limit=2)
    assert [u["update_id"] for u in first] == ids[:2]
    assert [u["update_id"] for u in ok(world, "getUpdates")] == ids  # nothing confirmed yet
    rest = ok(world, "getUpdates", offset=ids[1] + 1, limit=100)
    assert [u["update_id"] for u in rest] == ids[2:]
    assert world.confirmed_offset == ids[1] + 1
    assert [u["update_id"] for u in ok(world, "getUpdates", offset=ids[0])] == ids[2:]
    assert [u["update_id"] for u in ok(world, "getUpdates", offset=-1)] == ids[4:]
    assert ok(world, "getUpdates", offset=ids[4] + 1) == []
    assert world.confirmed_offset == ids[4] + 1


def test_an_update_can_be_delivered_again_once() -> None:
    world = FakeTelegram()
    update = world.user_sends(USER, "/menu")
    ok(world, "getUpdates", offset=update["update_id"] + 1)
    world.deliver_again(update)
    assert ok(world, "getUpdates", offset=update["update_id"] + 1) == [update]
    assert ok(world, "getUpdates", offset=update["update_id"] + 1) == []


def test_long_polling_waits_for_the_timeout_and_wakes_on_an_update() -> None:
    world = FakeTelegram()
    started = time.monotonic()
    assert world.call("getUpdates", {"timeout": 1}, wait=True) == []
    assert 0.9 <= time.monotonic() - started < 2

    answers: list[tuple[float, list[Any]]] = []

    def poll() -> None:
        begun = time.monotonic()
        result = world.call("getUpdates", {"timeout": 5}, wait=True)
        answers.append((time.monotonic() - begun, result))

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.2)
    update = world.user_sends(USER, "hi")
    poller.join(timeout=3)
    assert answers and answers[0][1] == [update] and answers[0][0] < 1.5


def test_in_process_get_updates_never_waits_and_a_second_poller_ends_the_first() -> None:
    world = FakeTelegram()
    started = time.monotonic()
    assert world.call("getUpdates", {"timeout": 30}) == []  # the in-process path
    assert time.monotonic() - started < 0.5

    errors: list[BotApiError] = []

    def poll() -> None:
        try:
            world.call("getUpdates", {"timeout": 5}, wait=True)
        except BotApiError as error:
            errors.append(error)

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.2)
    assert world.call("getUpdates", {"timeout": 0}) == []
    poller.join(timeout=3)
    assert errors and errors[0].status == 409
    assert "terminated by other getUpdates request" in errors[0].description


# Builders.


def test_builders_make_updates_that_ptb_parses() -> None:
    world = FakeTelegram()
    photo = Update.de_json(world.user_sends_photo(USER, caption="payslip"), None)
    assert photo.message is not None and photo.message.photo[-1].width == 1280
    assert photo.message.caption == "payslip"
    voice = Update.de_json(world.user_sends_voice(USER), None)
    assert voice.message is not None and voice.message.voice is not None
    document = Update.de_json(world.user_sends_document(USER), None)
    assert document.message is not None and document.message.document is not None
    typed = world.user_sends(USER, "900")
    edited = Update.de_json(world.user_edits(USER, typed["message"]["message_id"], "950"), None)
    assert edited.edited_message is not None and edited.edited_message.text == "950"
    raw = Update.de_json(world.user_sends_raw(USER, {"text": "x" * 5000, "via_bot": None}), None)
    assert raw.message is not None and raw.message.text == "x" * 5000
    ghost = Update.de_json(world.user_presses_raw(USER, "\u202e" * 80, message_id=999), None)
    assert ghost.callback_query is not None
    assert ghost.callback_query.message is not None
    assert not ghost.callback_query.message.is_accessible  # PTB keeps a Message dated 1970
    blocked = Update.de_json(world.user_blocks_bot(USER), None)
    assert blocked.my_chat_member is not None
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(ValueError, match="blocked"):
        world.user_sends(USER, "hello?")
    unblocked = Update.de_json(world.user_unblocks_bot(USER), None)
    assert unblocked.my_chat_member is not None
    assert unblocked.my_chat_member.new_chat_member.status == "member"
    ids = [u["update_id"] for u in world.pending_updates]
    assert ids == sorted(ids) and len(ids) == 9
    message_ids = [m.message_id for m in world.chats[USER]]
    assert message_ids == list(range(1, len(message_ids) + 1))


# Rules.


def test_sending_needs_a_known_unblocked_chat_and_an_open_topic() -> None:
    world = FakeTelegram()
    assert refused(world, "sendMessage", chat_id=USER, text="hi").description == (
        "Bad Request: chat not found"
    )
    world.user_sends(USER, "/start")
    assert refused(world, "sendMessage", chat_id=USER, text=" ").status == 400
    assert refused(world, "sendMessage", chat_id=USER, text="x" * 4097).status == 400
    ok(world, "sendMessage", chat_id=USER, text="x" * 4096)
    world.user_blocks_bot(USER)
    blocked = refused(world, "sendMessage", chat_id=USER, text="hi")
    assert (blocked.status, blocked.description) == (403, "Forbidden: bot was blocked by the user")
    world.user_unblocks_bot(USER)
    missing = refused(world, "sendMessage", chat_id=USER, text="hi", message_thread_id=5)
    assert missing.description == "Bad Request: message thread not found"

    world.add_staff_group(STAFF_GROUP, "Staff")
    topic = ok(world, "createForumTopic", chat_id=STAFF_GROUP, name="Case K7")
    thread = topic["message_thread_id"]
    sent = ok(world, "sendMessage", chat_id=STAFF_GROUP, text="new case", message_thread_id=thread)
    assert sent["is_topic_message"] and sent["message_thread_id"] == thread
    ok(world, "closeForumTopic", chat_id=STAFF_GROUP, message_thread_id=thread)
    assert refused(world, "closeForumTopic", chat_id=STAFF_GROUP, message_thread_id=thread).status
    closed = refused(world, "sendMessage", chat_id=STAFF_GROUP, text="x", message_thread_id=thread)
    assert closed.description == "Bad Request: TOPIC_CLOSED"
    ok(world, "reopenForumTopic", chat_id=STAFF_GROUP, message_thread_id=thread)
    ok(world, "editForumTopic", chat_id=STAFF_GROUP, message_thread_id=thread, name="Case K8")
    assert world.groups[STAFF_GROUP].topics[thread].name == "Case K8"
    assert refused(world, "createForumTopic", chat_id=STAFF_GROUP, name="").status == 400
    assert refused(world, "createForumTopic", chat_id=USER, name="x").status == 400
    creation = refused(world, "deleteMessage", chat_id=STAFF_GROUP, message_id=thread)
    assert creation.description == "Bad Request: message can't be deleted"
    ok(world, "deleteForumTopic", chat_id=STAFF_GROUP, message_thread_id=thread)
    assert world.visible(STAFF_GROUP, thread) == []
    gone = refused(world, "sendMessage", chat_id=STAFF_GROUP, text="x", message_thread_id=thread)
    assert gone.description == "Bad Request: message thread not found"


def test_deleting_editing_copying_and_answering() -> None:
    world = FakeTelegram()
    typed = world.user_sends(USER, "my name is Lan")["message"]["message_id"]
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}
    sent = ok(world, "sendMessage", chat_id=USER, text="Sure?", reply_markup=keyboard)
    mid = sent["message_id"]
    assert sent["reply_markup"] == keyboard
    same = refused(
        world, "editMessageText", chat_id=USER, message_id=mid, text="Sure?", reply_markup=keyboard
    )
    assert "message is not modified" in same.description
    edited = ok(world, "editMessageText", chat_id=USER, message_id=mid, text="Sure?")
    assert "reply_markup" not in edited and world.last_buttons(USER) == []
    assert refused(world, "editMessageText", chat_id=USER, message_id=typed, text="x").status
    ok(world, "editMessageReplyMarkup", chat_id=USER, message_id=mid, reply_markup=keyboard)
    assert world.last_buttons(USER) == [("Yes", "yes")]
    too_long = {"inline_keyboard": [[{"text": "x", "callback_data": "d" * 65}]]}
    bad = refused(world, "sendMessage", chat_id=USER, text="x", reply_markup=too_long)
    assert bad.description == "Bad Request: BUTTON_DATA_INVALID"

    world.add_staff_group(STAFF_GROUP, "Staff")
    thread = ok(world, "createForumTopic", chat_id=STAFF_GROUP, name="Case")["message_thread_id"]
    copied = ok(
        world,
        "copyMessage",
        chat_id=STAFF_GROUP,
        from_chat_id=USER,
        message_id=typed,
        message_thread_id=thread,
    )
    (copy,) = [m for m in world.visible(STAFF_GROUP, thread) if m.kind == "text"]
    assert copy.message_id == copied["message_id"] and copy.from_bot
    assert copy.sender_id is None and copy.copied_from == (USER, typed)
    protected = ok(world, "sendMessage", chat_id=USER, text="secret", protect_content=True)
    secret_id = protected["message_id"]
    refusal = refused(
        world, "copyMessage", chat_id=STAFF_GROUP, from_chat_id=USER, message_id=secret_id
    )
    assert (
        refusal.description == "Bad Request: message has protected content and can't be forwarded"
    )

    ok(world, "deleteMessage", chat_id=USER, message_id=typed)
    assert refused(world, "deleteMessage", chat_id=USER, message_id=typed).description == (
        "Bad Request: message to delete not found"
    )
    world.now += DELETE_WINDOW
    assert refused(world, "deleteMessage", chat_id=USER, message_id=mid).status == 400
    assert ok(world, "deleteMessages", chat_id=USER, message_ids=[mid]) is True
    assert world.visible(USER)[0].message_id == mid  # too old: skipped silently
    assert refused(world, "deleteMessages", chat_id=USER, message_ids=list(range(101))).status

    query = world.user_presses(USER, "yes")["callback_query"]["id"]
    ok(world, "answerCallbackQuery", callback_query_id=query, text="Saved", show_alert=True)
    assert world.callback_answers[query]["text"] == "Saved"
    assert world.callback_answers[query]["show_alert"] is True
    again = refused(world, "answerCallbackQuery", callback_query_id=query)
    assert "query is too old" in again.description


def test_commands_names_and_webhooks_are_checked_and_stored() -> None:
    world = FakeTelegram()
    commands = [{"command": "start", "description": "Bắt đầu"}]
    ok(world, "setMyCommands", commands=commands, language_code="vi")
    assert world.commands[("default", "vi")] == commands
    assert ok(world, "getMyCommands", language_code="vi") == commands
    assert ok(world, "getMyCommands") == []
    for bad in ({"command": "Start", "description": "x"}, {"command": "s", "description": ""}):
        assert refused(world, "setMyCommands", commands=[bad]).status == 400
    many = [{"command": f"c{i}", "description": "x"} for i in range(101)]
    assert refused(world, "setMyCommands", commands=many).status == 400
    ok(world, "deleteMyCommands", language_code="vi")
    assert ("default", "vi") not in world.commands
    ok(world, "setMyName", name="Trợ giúp", language_code="vi")
    assert ok(world, "getMyName", language_code="vi") == {"name": "Trợ giúp"}
    assert ok(world, "getMyName", language_code="ja") == {"name": "Helper"}
    assert refused(world, "setMyShortDescription", short_description="x" * 121).status == 400
    ok(world, "setMyDescription", description="Hỗ trợ", language_code="vi")
    assert world.descriptions == {"vi": "Hỗ trợ"}

    assert refused(world, "setWebhook", url="http://example.org/hook").status == 400
    assert refused(world, "setWebhook", url="https://example.org:8080/hook").status == 400
    assert refused(
        world, "setWebhook", url="https://example.org/h", secret_token=SECRET + " "
    ).status
    ok(world, "setWebhook", url="https://example.org/hook", secret_token=SECRET)
    assert (world.webhook_url, world.webhook_secret) == ("https://example.org/hook", SECRET)
    assert refused(world, "getUpdates").status == 409
    world.user_sends(USER, "hi")
    assert ok(world, "getWebhookInfo")["pending_update_count"] == 1
    ok(world, "deleteWebhook", drop_pending_updates=True)
    assert ok(world, "getWebhookInfo") == {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": 0,
    }


def test_injected_failures_and_send_rates() -> None:
    instants = iter([0.0, 0.5, 0.9, 1.0, 5.0])
    world = FakeTelegram(clock=lambda: next(instants))
    world.user_sends(USER, "/start")
    world.fail_next("sendMessage", times=2, retry_after=7)
    for _ in range(2):
        error = refused(world, "sendMessage", chat_id=USER, text="hi")
        assert error.payload() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 7",
            "parameters": {"retry_after": 7},
        }
    world.fail_all()
    assert refused(world, "getMe").status == 502
    world.heal()
    for _ in range(5):
        ok(world, "sendMessage", chat_id=USER, text="hi")
    assert world.max_sends_in_window(USER, 1) == 3
    assert world.max_sends_in_window(USER, 1.01) == 4
    assert world.max_sends_overall(10) == 5
    assert world.max_sends_in_window(USER + 1, 1) == 0
    assert [method for method, _ in world.calls].count("sendMessage") == 7


def test_form_values_are_decoded_the_way_ptb_encodes_them() -> None:
    body = (
        b"chat_id=42&text=123&protect_content=true&message_thread_id=7"
        b"&reply_markup=%7B%22inline_keyboard%22%3A%5B%5D%7D&callback_query_id=99&name=%5B1%5D"
    )
    assert decode_params("application/x-www-form-urlencoded", body) == {
        "chat_id": 42,
        "text": "123",
        "protect_content": True,
        "message_thread_id": 7,
        "reply_markup": {"inline_keyboard": []},
        "callback_query_id": "99",
        "name": "[1]",
    }
    assert decode_params("", b"chat_id=%40channel&text=") == {"chat_id": "@channel", "text": ""}
    multipart = (
        b'--xyz\r\nContent-Disposition: form-data; name="url"\r\n\r\nhttps://e.org/h\r\n'
        b'--xyz\r\nContent-Disposition: form-data; name="certificate"; filename="c.pem"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\x00\r\nPEM\r\n--xyz--\r\n"
    )
    params = decode_params("multipart/form-data; boundary=xyz", multipart)
    assert params["url"] == "https://e.org/h"
    assert params["certificate"] == UploadedFile("c.pem", b"\x00\r\nPEM")
    assert decode_params("application/json", b'{"text": "1"}') == {"text": "1"}


# The real PTB Bot over loopback HTTP.


@pytest.fixture(name="server")
def _server() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer(FakeTelegram()) as server:
        yield server
    assert server.errors == []


@pytest_asyncio.fixture(name="bot")
async def _bot(server: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(server.token, base_url=server.base_url) as bot:
        yield bot


@pytest.mark.asyncio
async def test_the_real_bot_sends_and_deletes_over_http(
    bot: Bot, server: FakeTelegramServer
) -> None:
    world = server.world
    assert (await bot.get_me()).username == "helper_bot"
    world.user_sends(USER, "/start")
    button = InlineKeyboardButton("Tiếng Việt", callback_data="lang:vi")
    keyboard = InlineKeyboardMarkup([[button]])
    sent = await bot.send_message(USER, "123", protect_content=True, reply_markup=keyboard)
    assert sent.text == "123" and sent.has_protected_content
    assert sent.reply_markup == keyboard
    method, params = world.calls[-1]
    assert method == "sendMessage" and params["text"] == "123" and params["chat_id"] == USER
    assert params["reply_markup"] == keyboard.to_dict()
    assert world.visible(USER)[-1].protected
    assert world.last_buttons(USER) == [("Tiếng Việt", "lang:vi")]
    assert await bot.delete_messages(USER, [1, sent.message_id])
    assert world.visible(USER) == []


@pytest.mark.asyncio
async def test_a_custom_polling_loop_gets_every_update_once(
    bot: Bot, server: FakeTelegramServer
) -> None:
    world = server.world
    world.user_sends(USER, "one")
    seen: list[int] = []
    offset = 0

    async def poll() -> None:
        nonlocal offset
        while len(seen) < 3:
            for update in await bot.get_updates(offset=offset, timeout=1):
                seen.append(update.update_id)
                offset = update.update_id + 1

    polling = asyncio.create_task(poll())
    await asyncio.sleep(0.2)
    world.user_sends(USER, "two")
    world.user_presses(USER, "x")
    await asyncio.wait_for(polling, 5)
    assert seen == sorted(seen) and len(set(seen)) == 3
    assert await bot.get_updates(offset=offset, timeout=0) == ()
    assert world.confirmed_offset == offset


@pytest.mark.asyncio
async def test_long_polling_over_http_is_bounded_and_wakes_at_once(
    bot: Bot, server: FakeTelegramServer
) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 2
    threading.Timer(0.2, server.world.user_sends, (USER, "hi")).start()
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    assert len(updates) == 1 and time.monotonic() - started < 1.5


@pytest.mark.asyncio
async def test_the_real_bot_gets_telegrams_errors(
    bot: Bot, server: FakeTelegramServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as timedelta, no warning
    world = server.world
    world.user_sends(USER, "/start")
    world.fail_next("sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(USER, "hi")
    assert flood.value.retry_after == dtm.timedelta(seconds=3)
    world.user_blocks_bot(USER)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    world.user_unblocks_bot(USER)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(USER, "hi", message_thread_id=77)
    world.fail_all()
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_me()
    world.heal()
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with Bot("999:WRONG", base_url=server.base_url):
            pass  # initialize() calls getMe


@pytest.mark.asyncio
async def test_commands_topics_copies_and_webhooks_over_http(
    bot: Bot, server: FakeTelegramServer
) -> None:
    world = server.world
    world.add_staff_group(STAFF_GROUP, "Staff")
    assert await bot.set_my_commands([BotCommand("start", "Bắt đầu")], language_code="vi")
    assert world.commands[("default", "vi")] == [{"command": "start", "description": "Bắt đầu"}]
    assert await bot.get_my_commands(language_code="vi") == (BotCommand("start", "Bắt đầu"),)
    topic = await bot.create_forum_topic(STAFF_GROUP, "Case K7")
    assert isinstance(topic, ForumTopic) and topic.name == "Case K7"
    typed = world.user_sends_photo(USER, caption="payslip")["message"]["message_id"]
    copied = await bot.copy_message(
        STAFF_GROUP, USER, typed, message_thread_id=topic.message_thread_id
    )
    assert isinstance(copied, MessageId)
    assert world.bot_texts(STAFF_GROUP, topic.message_thread_id)[-1] == "payslip"
    assert await bot.close_forum_topic(STAFF_GROUP, topic.message_thread_id)
    with pytest.raises(BadRequest, match=r"(?i)topic_closed"):
        await bot.send_message(STAFF_GROUP, "x", message_thread_id=topic.message_thread_id)

    assert await bot.set_webhook(
        "https://helpline.example.org/hook", secret_token=SECRET, certificate=b"PEM DATA"
    )
    assert world.webhook_certificate is not None
    assert world.webhook_certificate.content == b"PEM DATA"
    assert (await bot.get_webhook_info()).has_custom_certificate
    with pytest.raises(Conflict, match=r"(?i)can't use getupdates method while webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert [u.update_id for u in await bot.get_updates()] == [2]  # the photo is still pending


@pytest.mark.asyncio
async def test_ptbs_own_updater_polls_the_fake(server: FakeTelegramServer) -> None:
    world = server.world
    app = ApplicationBuilder().token(server.token).base_url(server.base_url).build()
    heard: list[str] = []

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        heard.append(update.message.text)
        await update.message.reply_text(update.message.text.upper())

    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(timeout=1)
        await app.start()
        world.user_sends(USER, "hello")
        for _ in range(100):
            if world.bot_texts(USER):
                break
            await asyncio.sleep(0.05)
        await app.updater.stop()
        await app.stop()
    assert heard == ["hello"] and world.bot_texts(USER) == ["HELLO"]
    assert world.pending_updates == []  # stop() confirmed the offset
    assert "deleteWebhook" in [method for method, _ in world.calls]


def test_parameters_of_the_wrong_shape_are_a_bad_request() -> None:
    world = FakeTelegram()
    status, body = world.respond("setMyCommands", {"commands": ["start"]})
    assert status == 400 and body["description"].startswith("Bad Request: unreadable")


# The same world in process.


@pytest.mark.asyncio
async def test_the_real_bot_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    world = FakeTelegram()
    request = FakeRequest(world)
    async with Bot("1:T", request=request, get_updates_request=request) as bot:
        update = world.user_sends(USER, "hi")
        started = time.monotonic()
        (received,) = await bot.get_updates(timeout=30)
        assert received.update_id == update["update_id"] and time.monotonic() - started < 0.5
        sent = await bot.send_message(USER, "hello", protect_content=True)
        assert sent.has_protected_content and world.bot_texts(USER) == ["hello"]
        world.fail_next("sendMessage", retry_after=2)
        with pytest.raises(RetryAfter):
            await bot.send_message(USER, "hi")
        world.user_blocks_bot(USER)
        with pytest.raises(Forbidden):
            await bot.send_message(USER, "hi")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(USER + 1, "hi")


# Webhook client.


def test_post_update_sends_the_secret_header_like_telegram() -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            secret = self.headers.get("X-Telegram-Bot-Api-Secret-Token")
            received.append((secret, json.loads(body)))
            self.send_response(200 if secret == SECRET else 403)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            del format, args

    with ThreadingHTTPServer(("127.0.0.1", 0), Hook) as hook:
        serving = threading.Thread(target=hook.serve_forever, kwargs={"poll_interval": 0.05})
        serving.start()
        try:
            url = f"http://127.0.0.1:{hook.server_address[1]}/hook"
            update = FakeTelegram().user_sends(USER, "hi")
            assert post_update(url, update, SECRET) == 200
            assert post_update(url, update, None) == 403
        finally:
            hook.shutdown()
            serving.join()
    assert received == [(SECRET, update), (None, update)]
    with pytest.raises(ValueError, match="this machine"):
        post_update("https://example.org/hook", update, SECRET)
