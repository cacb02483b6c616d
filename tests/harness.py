"""A running helpline on the fake Telegram, for the adapter's scenario tests.

``running(...)`` starts ``bot.telegram_adapter.runtime.serve`` (the production entry point, with a
real SQLite file and keys) against a ``FakeTelegram`` world, in process or over loopback HTTP,
and stops it afterwards. ``settle()`` waits until every queued update has been fetched, handled
and answered, so a test can then look at what each phone shows.

``running(..., desk=True)`` connects a union desk (the forum group ``DESK``): without one, asking
for a person opens no case, so tests of consent, PIN, resume and deletion need it.
``agree_at_the_desk`` walks the desk's steps after "I agree", for such tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.config import Secret, Settings
from bot.telegram_adapter.limits import Bucket, RateLimits
from bot.telegram_adapter.runtime import Parts, serve

from .conftest import AGREE_AT_THE_DESK
from .fakes.telegram_server import FakeTelegramServer
from .fakes.telegram_world import FakeRequest, FakeTelegram

os.environ.setdefault("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as a timedelta, no warning

TOKEN = "123456:TEST-token"
DESK = -1001234567890
"""The union desk's forum group, with ``running(..., desk=True)``."""
DESK_VOLUNTEER = 9001
"""The one volunteer allowed to answer at that desk."""


def settings_for(folder: Path, **changes: object) -> Settings:
    """Settings of a helpline whose data lives in ``folder``."""
    base = Settings(
        telegram_token=Secret(TOKEN),
        data_dir=folder,
        key_file=folder / "keys.json",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@dataclass
class Running:
    """A helpline being served, and the world it talks to."""

    world: FakeTelegram
    parts: Parts
    stop: asyncio.Event
    task: asyncio.Task[int]
    settings: Settings
    errors: list[BaseException] = field(default_factory=list)

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until everything queued has been fetched, handled and carried out."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            if self.task.done():
                self.task.result()  # raises what stopped it
                raise AssertionError("the helpline stopped")
            polling = self.settings.webhook_url is None
            quiet = (
                not (polling and self.world.pending_updates)
                and not self.parts.worker.in_flight
                and not self.parts.sender.busy
                and not await asyncio.to_thread(self.parts.worker.inbox.waiting, 1)
                and await asyncio.to_thread(self.parts.sender.outbox.size) == 0
            )
            if quiet:
                return
            if asyncio.get_running_loop().time() > deadline:
                waiting = await asyncio.to_thread(self.parts.worker.inbox.waiting, 5)
                raise AssertionError(
                    "the helpline did not settle in time: "
                    f"{len(self.world.pending_updates)} updates not fetched, "
                    f"{len(self.parts.worker.in_flight)} in flight, waiting {waiting[:2]}, "
                    f"{await asyncio.to_thread(self.parts.sender.outbox.size)} in the outbox, "
                    f"{len(self.parts.sender.busy)} chats sending"
                )
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def running(
    folder: Path,
    world: FakeTelegram | None = None,
    *,
    http: bool = False,
    real_limits: bool = False,
    limits: RateLimits | None = None,
    desk: bool = False,
    **changes: object,
) -> AsyncIterator[Running]:
    """Serve a helpline against ``world`` (in process, or over loopback HTTP) until the end.

    Unless ``real_limits``, Telegram's rate limits are lifted, so that tests run fast (the
    limits have their own tests). With ``desk``, the group ``DESK`` is the union desk.
    """
    world = world or FakeTelegram()
    if desk:
        world.add_staff_group(DESK, "Desk")
        changes.setdefault("staff_chat_id", DESK)
        changes.setdefault("staff_user_ids", frozenset({DESK_VOLUNTEER}))
    server = FakeTelegramServer(world, token=TOKEN) if http else None
    if server is not None:
        server.start()
        changes.setdefault("telegram_api_url", server.base_url)
    settings = settings_for(folder, **changes)
    stop = asyncio.Event()
    ready: asyncio.Future[Parts] = asyncio.get_running_loop().create_future()
    request = None if http else FakeRequest(world)
    fast = RateLimits(per_chat=(1e4, 1e4), overall=Bucket(1e4, 1e4))
    limits = limits or (RateLimits() if real_limits else fast)
    task = asyncio.create_task(serve(settings, request, stop, ready.set_result, limits))
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=30, return_when="FIRST_COMPLETED")
        if task in done:
            task.result()
            raise AssertionError("the helpline stopped while starting")
        yield Running(world, ready.result(), stop, task, settings)
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, timeout=15)
        if server is not None:
            server.close()


async def agree_at_the_desk(bot: Running, user: int, *pins: str, lang: str = "vi") -> None:
    """At the consent question, with a desk: agree, write no note, take replies here; then type
    each of ``pins`` at the PIN offer (none: the chat stays at the offer)."""
    for data in AGREE_AT_THE_DESK:
        bot.world.user_presses(user, data)
        await bot.settle(timeout=20)
    for pin in pins:
        bot.world.user_sends(user, pin, language_code=lang)
        await bot.settle(timeout=20)
