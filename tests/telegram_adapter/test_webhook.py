"""The webhook's HTTP server (uvicorn, h11) against odd, hostile and slow clients.

Everything goes over loopback HTTP to a helpline served as ``helpline run`` serves it (the
harness, webhook mode), mostly over raw sockets, so that each request says exactly what a
client sent: bad ``Content-Length``, chunked bodies, bodies past 1 MiB, clients that stop
sending, a wrong or missing secret, bodies that are not one JSON object. Also: an update
answered 200 is in the inbox already (the answer waits for the write), a database that is down
gets 503, a stop lets a request in flight finish, and ``helpline run`` itself, as a process,
takes updates on its webhook and exits 0 on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.config import Secret
from bot.storage import DatabaseError
from bot.telegram_adapter import webhook
from bot.telegram_adapter.checks import telegram_webhook_checks
from bot.telegram_adapter.webhook import MAX_BODY, read_body

from ..conftest import ROOT
from ..fakes.telegram_server import FakeTelegramServer, post_update
from ..fakes.telegram_world import FakeRequest, FakeTelegram
from ..harness import TOKEN, Running, settings_for
from .test_e2e import SECRET, fetch, on_webhook

USER = 818181
HOOK = "/telegram/hook"
TIMEOUT = 0.5  # READ_TIMEOUT in these tests


@pytest.fixture(autouse=True)
def _short_read_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook, "READ_TIMEOUT", TIMEOUT)


def head(length: int | None = None, secret: str | None = SECRET, **extra: str) -> bytes:
    """A webhook request's head, as Telegram sends it (with ``length`` as Content-Length)."""
    lines = [f"POST {HOOK} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    if secret is not None:
        lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in extra.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunked(body: bytes, size: int = 7) -> bytes:
    """``body`` in chunks of ``size`` bytes, chunked transfer encoding."""
    parts = [
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
        for i in range(0, len(body), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


class Client:
    """One raw TCP connection to the helpline's webhook."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def status(self, timeout: float = 5.0) -> int:
        """Read one response; its status (its body is read and dropped)."""
        line = await asyncio.wait_for(self.reader.readline(), timeout)
        assert line.startswith(b"HTTP/1.1 "), line
        length = 0
        while (header := await asyncio.wait_for(self.reader.readline(), timeout)) != b"\r\n":
            name, _, value = header.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        await asyncio.wait_for(self.reader.readexactly(length), timeout)
        return int(line.split()[1])

    async def closed(self, timeout: float) -> bool:
        """Whether the server closes the connection within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        try:
            while await asyncio.wait_for(self.reader.read(1 << 16), deadline - time.monotonic()):
                pass  # the rest of an answer
        except TimeoutError:
            return False
        except ConnectionResetError:
            pass
        return True

    async def trickle(self, data: bytes, every: float, until: asyncio.Task[Any]) -> None:
        """Send ``data`` a byte every ``every`` seconds, until ``until`` is done or it is cut."""
        for byte in data:
            if until.done():
                return
            try:
                await self.send(bytes([byte]))
            except ConnectionError:
                return
            await asyncio.sleep(every)


@asynccontextmanager
async def connect(bot: Running) -> AsyncIterator[Client]:
    reader, writer = await asyncio.open_connection("127.0.0.1", bot.parts.webhook_port)
    try:
        yield Client(reader, writer)
    finally:
        writer.close()


def update_for(bot: Running, text: str = "/start") -> dict[str, Any]:
    return bot.world.user_sends(USER, text, language_code="vi")


async def kept(bot: Running, update: dict[str, Any]) -> bool:
    """Whether the inbox holds ``update`` (handled or not)."""
    newest = await asyncio.to_thread(bot.parts.intake.inbox.newest)
    return newest is not None and newest >= update["update_id"]


async def still_answers(bot: Running) -> None:
    """A well-formed update after all that: taken, and the trainee answered."""
    before = len(bot.world.bot_texts(USER))
    url = f"http://127.0.0.1:{bot.parts.webhook_port}{HOOK}"
    assert await asyncio.to_thread(post_update, url, update_for(bot), SECRET) == 200
    await bot.settle()
    assert len(bot.world.bot_texts(USER)) > before


@pytest.mark.asyncio
async def test_an_update_answered_200_is_in_the_inbox_already(tmp_path: Path) -> None:
    async with on_webhook(tmp_path) as bot:
        inbox = bot.parts.intake.inbox
        written = threading.Event()
        release = threading.Event()
        take_in = inbox.take_in

        def slow_take_in(arrivals: Any) -> list[int]:
            release.wait(10)
            ids = take_in(arrivals)
            written.set()
            return ids

        inbox.take_in = slow_take_in  # type: ignore[method-assign]
        update = update_for(bot)
        async with connect(bot) as client:
            body = json.dumps(update).encode()
            await client.send(head(len(body)) + body)
            answer = asyncio.create_task(client.status())
            await asyncio.sleep(0.3)
            assert not answer.done()  # the write has not happened: no answer yet
            release.set()
            assert await answer == 200
            assert written.is_set() and await kept(bot, update)
        await bot.settle()
        assert bot.world.bot_texts(USER)


@pytest.mark.asyncio
async def test_a_database_that_is_down_gets_503_and_the_chat_a_busy_notice(
    tmp_path: Path,
) -> None:
    async with on_webhook(tmp_path) as bot:
        inbox = bot.parts.intake.inbox
        take_in = inbox.take_in

        def down(arrivals: Any) -> list[int]:
            raise DatabaseError("down")

        inbox.take_in = down  # type: ignore[method-assign]
        url = f"http://127.0.0.1:{bot.parts.webhook_port}{HOOK}"
        update = update_for(bot)
        assert await asyncio.to_thread(post_update, url, update, SECRET) == 503
        assert len(bot.world.bot_texts(USER)) == 1  # "try again in a minute", sent directly
        inbox.take_in = take_in  # type: ignore[method-assign]
        assert await asyncio.to_thread(post_update, url, update, SECRET) == 200  # Telegram again
        assert await kept(bot, update)


@pytest.mark.asyncio
async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_kept(tmp_path: Path) -> None:
    async with on_webhook(tmp_path) as bot:
        update = update_for(bot)
        body = json.dumps(update).encode()
        for secret in ("wrong", None, SECRET + "x", SECRET[:-1], ""):
            async with connect(bot) as client:
                await client.send(head(len(body), secret=secret) + body)
                assert await client.status() == 403
                assert await client.closed(1.0)  # an unread body is never read
        assert not await kept(bot, update)
        assert bot.world.bot_texts(USER) == []
        await still_answers(bot)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b'{"update_id": 1',
        b"[1, 2, 3]",
        b'"a string"',
        b"\xff\xfe\xfa not utf-8",
        b"[" * 100_000 + b"]" * 100_000,  # nested past Python's recursion limit
    ],
    ids=["empty", "text", "cut", "array", "string", "not-utf8", "deep"],
)
async def test_a_body_that_is_not_one_json_object_gets_400(tmp_path: Path, body: bytes) -> None:
    async with on_webhook(tmp_path) as bot:
        async with connect(bot) as client:
            await client.send(head(len(body)) + body)
            assert await client.status() == 400
            # The body was read whole: the connection may carry the next update.
            update = update_for(bot)
            good = json.dumps(update).encode()
            await client.send(head(len(good)) + good)
            assert await client.status() == 200
        assert await kept(bot, update)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "length",
    ["abc", "-1", "1e3", "12, 13", " ", "0x10"],
)
async def test_a_bad_content_length_gets_400_and_the_connection_closes(
    tmp_path: Path, length: str
) -> None:
    async with on_webhook(tmp_path) as bot:
        update = update_for(bot)
        body = json.dumps(update).encode()
        async with connect(bot) as client:
            raw = head(secret=SECRET).replace(
                b"\r\n\r\n", f"\r\nContent-Length: {length}\r\n\r\n".encode()
            )
            await client.send(raw + body)
            assert await client.status() == 400
            assert await client.closed(1.0)
        assert not await kept(bot, update)
        await still_answers(bot)


@pytest.mark.asyncio
async def test_two_content_lengths_or_one_beside_chunked_are_not_smuggled(tmp_path: Path) -> None:
    async with on_webhook(tmp_path) as bot:
        update = update_for(bot)
        body = json.dumps(update).encode()
        async with connect(bot) as client:
            await client.send(
                head(len(body)).replace(b"\r\n\r\n", b"\r\nContent-Length: 5\r\n\r\n") + body
            )
            assert await client.status() == 400
            assert await client.closed(1.0)
        async with connect(bot) as client:
            # Content-Length beside chunked: refused rather than one framing picked.
            await client.send(head(3, Transfer_Encoding="chunked") + chunked(body))
            assert await client.status() == 400
            assert await client.closed(1.0)
        assert not await kept(bot, update)
        await still_answers(bot)


@pytest.mark.asyncio
async def test_a_chunked_update_is_taken(tmp_path: Path) -> None:
    async with on_webhook(tmp_path) as bot:
        update = update_for(bot)
        async with connect(bot) as client:
            await client.send(head(Transfer_Encoding="chunked"))
            data = chunked(json.dumps(update).encode())
            for start in range(0, len(data), 50):  # chunks that straddle the sends
                await client.send(data[start : start + 50])
                await asyncio.sleep(0.01)
            assert await client.status() == 200
        assert await kept(bot, update)
        await bot.settle()
        assert bot.world.bot_texts(USER)


@pytest.mark.asyncio
async def test_a_content_length_past_1_mib_is_refused_before_the_body_is_sent(
    tmp_path: Path,
) -> None:
    async with on_webhook(tmp_path) as bot:
        async with connect(bot) as client:
            await client.send(head(MAX_BODY + 1))  # no body at all: the head is enough
            assert await client.status(timeout=2) == 413
            assert await client.closed(1.0)
        async with connect(bot) as client:  # exactly 1 MiB of JSON is fine
            update = update_for(bot)
            body = json.dumps({**update, "pad": ""}).encode()
            body = body[:-2] + b" " * (MAX_BODY - len(body)) + body[-2:]
            assert len(body) == MAX_BODY
            await client.send(head(len(body)) + body)
            assert await client.status() == 200
        assert await kept(bot, update)


def endless_chunked(port: int, limit: int) -> tuple[int, bytes]:
    """Send a chunked body until the server cuts the connection (or ``limit`` bytes are sent).

    A plain socket: the server's answer is read once the sending fails (Linux keeps what
    arrived before the reset readable; asyncio's streams would report the reset instead).
    """
    chunk = b"%x\r\n%s\r\n" % (1 << 16, b" " * (1 << 16))
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(head(Transfer_Encoding="chunked") + b"1\r\n{\r\n")
        try:
            while sent < limit:
                raw.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass
        try:
            answer = raw.recv(1 << 16)
        except OSError:
            answer = b""
    return sent, answer


@pytest.mark.asyncio
async def test_an_endless_chunked_body_is_refused_and_cut_off(tmp_path: Path) -> None:
    async with on_webhook(tmp_path) as bot:
        limit = 64 * MAX_BODY
        sent, answer = await asyncio.to_thread(endless_chunked, bot.parts.webhook_port, limit)
        assert sent < limit // 4  # the server stopped reading: the socket buffers filled up
        assert answer.startswith(b"HTTP/1.1 413 ")
        await still_answers(bot)


@pytest.mark.asyncio
async def test_the_body_is_read_no_further_than_the_limit() -> None:
    """``read_body`` stops asking for more as soon as a body passes 1 MiB."""
    asked = 0

    async def endless() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        return {"type": "http.request", "body": b" " * 1000, "more_body": True}

    answer = await read_body({"headers": []}, endless)
    assert not isinstance(answer, bytes) and answer.status == 413 and answer.close
    assert asked == MAX_BODY // 1000 + 1


@pytest.mark.asyncio
async def test_a_client_that_stops_sending_its_body_gets_408_and_is_let_go(
    tmp_path: Path,
) -> None:
    async with on_webhook(tmp_path) as bot:
        async with connect(bot) as client:
            await client.send(head(500) + b'{"update_id": ')
            started = time.monotonic()
            assert await client.status(timeout=5) == 408
            assert await client.closed(1.0)
            assert time.monotonic() - started < TIMEOUT + 2
        async with connect(bot) as client:  # a byte at a time: the deadline is for the whole body
            await client.send(head(500))
            answer = asyncio.create_task(client.status(timeout=5))
            await client.trickle(b" " * 500, 0.05, answer)
            assert await answer == 408
        await still_answers(bot)


@pytest.mark.asyncio
async def test_a_client_that_never_finishes_its_head_is_let_go(tmp_path: Path) -> None:
    async with on_webhook(tmp_path) as bot:
        async with connect(bot) as silent, connect(bot) as partial, connect(bot) as trickle:
            await partial.send(f"POST {HOOK} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
            started = time.monotonic()
            cut = asyncio.create_task(trickle.closed(TIMEOUT + 2))
            await trickle.trickle(b"POST /telegram/hook HTTP/1.1\r\nX-Slow: 1234567890", 0.1, cut)
            assert await cut
            assert await silent.closed(2.0)
            assert await partial.closed(2.0)
            assert time.monotonic() - started < TIMEOUT + 3
        async with connect(bot) as client:  # idle after an answer: let go too
            update = update_for(bot)
            body = json.dumps(update).encode()
            await client.send(head(len(body)) + body)
            assert await client.status() == 200
            assert await client.closed(TIMEOUT + 2)
        await still_answers(bot)


@pytest.mark.asyncio
async def test_a_stop_lets_the_request_in_flight_finish_and_closes_idle_connections(
    tmp_path: Path,
) -> None:
    async with on_webhook(tmp_path) as bot:
        inbox = bot.parts.intake.inbox
        release = threading.Event()
        take_in = inbox.take_in

        def slow_take_in(arrivals: Any) -> list[int]:
            release.wait(10)
            return take_in(arrivals)

        inbox.take_in = slow_take_in  # type: ignore[method-assign]
        update = update_for(bot)
        body = json.dumps(update).encode()
        async with connect(bot) as idle, connect(bot) as busy:
            await busy.send(head(len(body)) + body)
            answer = asyncio.create_task(busy.status())
            await asyncio.sleep(0.2)
            bot.stop.set()
            assert await idle.closed(2.0)
            release.set()
            assert await answer == 200
            assert await asyncio.wait_for(bot.task, 15) == 0
        assert await kept(bot, update)


@pytest.mark.asyncio
async def test_health_and_metrics_are_served_beside_the_webhook(tmp_path: Path) -> None:
    async with on_webhook(tmp_path) as bot:
        base = f"http://127.0.0.1:{bot.parts.webhook_port}"
        assert await asyncio.to_thread(fetch, base + "/healthz") == (
            200,
            "application/json",
            '{"ok":true}',
        )
        assert (await asyncio.to_thread(fetch, base + "/metrics"))[0] == 200
        async with connect(bot) as client:  # GET on the webhook's path
            await client.send(f"GET {HOOK} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert await client.status() == 405
            assert await client.closed(1.0)
        async with connect(bot) as client:  # a body posted to /healthz is not read
            await client.send(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n")
            assert await client.status() == 405
            assert await client.closed(1.0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_helpline_run_takes_updates_on_its_webhook_and_stops_on_sigterm(tmp_path: Path) -> None:
    world = FakeTelegram()
    server = FakeTelegramServer(world, token=TOKEN)
    server.start()
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")},
        "HELPLINE_TELEGRAM_TOKEN": TOKEN,
        "HELPLINE_TELEGRAM_API_URL": server.base_url,
        "HELPLINE_DATA_DIR": str(tmp_path),
        "HELPLINE_WEBHOOK_URL": "https://helpline.example.org/telegram/hook",
        "HELPLINE_WEBHOOK_SECRET": SECRET,
        "HELPLINE_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
        "HELPLINE_LOG_LEVEL": "INFO",
    }
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        url = f"http://127.0.0.1:{port}{HOOK}"
        canary = "Canary Nguyễn 090-1234-5678"
        first = world.user_sends(USER, "/start", language_code="vi")
        deadline = time.monotonic() + 30
        while True:  # the webhook listens a moment after the process starts
            try:
                assert post_update(url, first, SECRET, timeout=2) == 200
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        assert world.webhook_url == "https://helpline.example.org/telegram/hook"
        assert post_update(url, world.user_presses(USER, "lang:vi"), SECRET) == 200
        assert post_update(url, world.user_sends(USER, canary), SECRET) == 200
        assert post_update(url, world.user_sends(USER, canary), "wrong") == 403
        while len(world.bot_texts(USER)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(world.bot_texts(USER)) >= 3
        assert fetch(f"http://127.0.0.1:{port}/healthz")[0] == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        server.close()
    text = log.read_text()
    assert "telegram.stopped" in text and "Traceback" not in text
    for secret in ("Canary", "Nguyễn", "090-1234-5678", str(USER), SECRET, TOKEN):
        assert secret not in text


def test_doctor_says_whether_telegram_posts_to_the_webhook_and_how_it_went(
    tmp_path: Path,
) -> None:
    world = FakeTelegram()
    url = "https://helpline.example.org/telegram/hook"
    settings = settings_for(tmp_path, webhook_url=url, webhook_secret=Secret(SECRET))

    def lines() -> list[tuple[bool, str]]:
        return telegram_webhook_checks(settings, FakeRequest(world))

    ((ok, line),) = lines()
    assert not ok and "to no address" in line
    world.webhook_url = "https://elsewhere.example.org/hook"
    ((ok, line),) = lines()
    assert not ok and "to another address" in line and "elsewhere" not in line
    world.webhook_url = url
    world.user_sends(USER, "/start")
    assert lines() == [(True, "webhook: Telegram posts updates to it; updates waiting: 1")]
    error = "Wrong response from the webhook: 503 Service Unavailable"
    world.webhook_last_error = (int(time.time()) - 120, error)
    ((ok, line),) = lines()
    assert not ok and "last post failed 2 min ago" in line and error in line
    world.webhook_last_error = (int(time.time()) - 7200, error)  # long ago: fixed since
    assert lines()[0][0]
    polling = settings_for(tmp_path)
    assert telegram_webhook_checks(polling, FakeRequest(world)) == []
