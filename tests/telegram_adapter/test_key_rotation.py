"""A master key rotated while the helpline runs: it keeps answering and nothing becomes unreadable.

The reported failure: ``keys new`` then ``keys rotate`` with the bot running re-wrapped every row
with a key the running bot did not know, and removed the key it still wrapped new rows with;
the trainee got no more replies, and after a restart their rows could not be opened. Also: the
clock's alert for a job that stops completing.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage.keys import read_key_file
from bot.storage.maintenance import master_keys_in_use
from bot.telegram_adapter import jobs
from bot.telegram_adapter.jobwatch import JobWatch
from bot.telegram_adapter.metrics import Metrics

from ..harness import Running, running

USER = 424242


async def say(bot: Running, text: str) -> str:
    """Send a text; return the bot's answer (there must be one, after the text)."""
    bot.world.user_sends(USER, text, language_code="vi")
    await bot.settle()
    with bot.world.lock:
        last = bot.world.chats[USER][-1]  # deleted ones too: the newest message of the chat
    assert last.from_bot, "the helpline did not answer"
    return last.text


def helpline(*argv: str) -> tuple[int, str]:
    """An operator's command, as a separate run of ``helpline`` would do it."""
    out = io.StringIO()
    return main(list(argv), stdin=io.StringIO(""), stdout=out), out.getvalue()


async def operator(*argv: str) -> tuple[int, str]:
    return await asyncio.to_thread(helpline, *argv)


async def hangup(bot: Running, active: str) -> None:
    """SIGHUP, as ``systemctl reload helpline``; wait until the marker moved to ``active``."""
    os.kill(os.getpid(), signal.SIGHUP)
    for _ in range(500):
        if bot.parts.key_use is not None and bot.parts.key_use.key_id == active:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the running helpline did not reload its keys")


@pytest.mark.asyncio
async def test_keys_rotated_while_the_bot_runs_lose_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))  # the operator's commands' settings
    caplog.set_level(logging.INFO)
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        bot.world.user_presses(USER, "lang:vi")
        await bot.settle()
        menu = await say(bot, "/menu")
        old = bot.parts.database.keys.keyring.active

        assert (await operator("keys", "new"))[0] == 0
        new = json.loads((tmp_path / "keys.json").read_text())["active"]
        code, out = await operator("keys", "rotate")
        assert code == 0 and f"helpline keys retire {old}" in out
        assert await say(bot, "/menu") == menu  # the bot meets rows wrapped with the new key
        assert bot.parts.database.keys.keyring.active == new  # and has learned it

        # The old key cannot go while this process still marks it (it has not reloaded).
        bot.parts.key_use.hold(old)  # type: ignore[union-attr] # as before its round
        code, out = await operator("keys", "retire", old)
        assert code == 1 and "still wraps new data keys" in out
        await hangup(bot, new)
        await operator("keys", "rotate")  # rows written meanwhile
        assert (await operator("keys", "retire", old))[0] == 0
        assert set(json.loads((tmp_path / "keys.json").read_text())["masters"]) == {new}
        assert await say(bot, "/menu") == menu

    async with running(tmp_path, bot.world) as bot:  # a restart: only the new key exists
        assert await say(bot, "/menu") == menu
        assert master_keys_in_use(bot.parts.database.engine) <= {new}
        assert set(read_key_file(tmp_path / "keys.json").masters) == {new}
    events = [record.getMessage() for record in caplog.records]
    assert "update.given_up" not in events and "update.failed" not in events


@pytest.mark.asyncio
async def test_sighup_teaches_the_running_bot_a_new_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))
    async with running(tmp_path) as bot:
        await say(bot, "/start")
        assert (await operator("keys", "new"))[0] == 0
        new = json.loads((tmp_path / "keys.json").read_text())["active"]
        await hangup(bot, new)
        assert bot.parts.database.keys.keyring.active == new
        bot.world.user_sends(USER + 1, "/start", language_code="vi")  # a new chat's new row
        await bot.settle()
        assert master_keys_in_use(bot.parts.database.engine) >= {new}


# A job that stops completing.


def test_a_job_not_done_within_twice_its_period_raises_the_alert(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [1000.0]
    metrics = Metrics()
    watch = JobWatch(metrics, {"idle_wipe": 60.0, "purge": 3600.0}, now=lambda: now[0])
    now[0] += 100
    watch.done("idle_wipe")
    assert watch.check() == []
    now[0] += 121  # 121 s since the last wipe
    watch.failed("idle_wipe", ValueError())
    assert watch.check() == ["idle_wipe"]
    assert watch.check() == ["idle_wipe"]  # told once
    overdue = [r for r in caplog.records if r.getMessage() == "job.overdue"]
    assert [(r.levelname, r.job) for r in overdue] == [("ERROR", "idle_wipe")]  # type: ignore[attr-defined]
    text = metrics.render()
    assert 'helpline_job_overdue{job="idle_wipe"} 1' in text
    assert 'helpline_job_overdue{job="purge"} 0' in text
    assert 'helpline_job_last_success_timestamp_seconds{job="idle_wipe"} 1100' in text
    assert 'helpline_job_failures_total{job="idle_wipe"} 1' in text
    watch.done("idle_wipe")
    assert watch.check() == [] and metrics.value("helpline_job_overdue", job="idle_wipe") == 0


@pytest.mark.asyncio
async def test_a_failing_job_is_alerted_and_the_other_jobs_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(jobs, "IDLE_CHECK", 0.05)
    caplog.set_level(logging.INFO)
    async with running(tmp_path) as bot:

        def broken(*_: object) -> int:
            raise RuntimeError("a bug")

        bot.parts.helpline.wipe_idle = broken  # type: ignore[method-assign]
        for _ in range(200):
            if bot.parts.metrics.value("helpline_job_overdue", job="idle_wipe"):
                break
            await asyncio.sleep(0.02)
        metrics = bot.parts.metrics
        assert metrics.value("helpline_job_overdue", job="idle_wipe") == 1
        assert metrics.value("helpline_job_failures_total", job="idle_wipe") >= 2
        assert metrics.value("helpline_job_overdue", job="purge") == 0
        assert metrics.value("helpline_job_rounds_total") >= 2  # the clock kept turning
    events = [(r.getMessage(), getattr(r, "job", None)) for r in caplog.records]
    assert ("job.overdue", "idle_wipe") in events and ("job.failed", "idle_wipe") in events
