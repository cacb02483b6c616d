"""Load benchmark: simulated trainees over loopback HTTP against ``helpline run``.

Run with ``make bench`` (or ``.venv/bin/python bench/load/run.py``). The fake Telegram of the
tests is served on 127.0.0.1; the helpline runs as its own process (``python -m bot run``, a
SQLite file, production settings) exactly as in production, polling that server. Beside it,
in the same run and against the same server, a bare python-telegram-bot echo bot
(``echo_bot.py``, with PTB's rate limiter) is the baseline.

Each simulated trainee sends a message or presses a button, waits for the reply, reads it for a
second (a person does not type faster), and goes on. Every step brings exactly one reply: for
the helpline, ``/language`` (the picker) and a language button (the menu again), in turn; for
the echo bot, a text echoed. Measured per number of trainees: steps answered per second,
median and 95th percentile of the time from sending to the reply arriving, and the bot
process's peak resident memory. Telegram allows 30 messages a second in all, and both bots
keep to it, so with many trainees both level off near 30 a second.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fakes.telegram_server import FakeTelegramServer  # noqa: E402
from tests.fakes.telegram_world import FakeTelegram  # noqa: E402

TOKEN = "424242:LOAD-bench"  # noqa: S105 - the fake server's token
THINK = 1.0
LEVELS = (1, 10, 30, 60)
SECONDS = 20.0


@dataclass
class Result:
    steps_per_second: float
    p50_ms: float
    p95_ms: float
    peak_mib: float


class Bot:
    """One bot process against the server."""

    def __init__(self, kind: str, server: FakeTelegramServer, folder: Path) -> None:
        self.kind = kind
        env = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
        if kind == "helpline":
            argv = [sys.executable, "-m", "bot", "run"]
            env |= {
                "HELPLINE_TELEGRAM_TOKEN": TOKEN,
                "HELPLINE_TELEGRAM_API_URL": server.base_url,
                "HELPLINE_DATA_DIR": str(folder),
                "HELPLINE_LOG_LEVEL": "WARNING",
            }
        else:
            argv = [sys.executable, str(Path(__file__).with_name("echo_bot.py"))]
            env |= {"ECHO_TOKEN": TOKEN, "ECHO_BASE_URL": server.base_url}
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def peak_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def replies(world: FakeTelegram, user: int) -> int:
    with world.lock:
        return sum(1 for m in world.chats.get(user, []) if m.from_bot)


def trainee(
    world: FakeTelegram, user: int, kind: str, until: float, latencies: list[float]
) -> None:
    """Step, wait for the one reply, read it for a second; until time is up."""
    steps: list[Callable[[], object]]
    if kind == "helpline":
        steps = [
            lambda: world.user_sends(user, "/language", language_code="vi"),
            lambda: world.user_presses(user, "lang:vi"),
        ]
        world.user_sends(user, "/start", language_code="vi")
        wait_for_reply(world, user, 0)
        world.user_presses(user, "lang:vi")
        wait_for_reply(world, user, 1)
    else:
        steps = [lambda: world.user_sends(user, f"ping {time.monotonic()}")]
    number = 0
    while time.monotonic() < until:
        seen = replies(world, user)
        started = time.monotonic()
        steps[number % len(steps)]()
        if not wait_for_reply(world, user, seen):
            break
        latencies.append(time.monotonic() - started)
        number += 1
        time.sleep(THINK)


def wait_for_reply(world: FakeTelegram, user: int, seen: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while replies(world, user) <= seen:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def measure(kind: str, trainees: int, user_base: int) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        world = FakeTelegram()
        with FakeTelegramServer(world, token=TOKEN) as server:
            bot = Bot(kind, server, Path(folder))
            try:
                warm = user_base - 1  # the bot is up once it answers
                world.user_sends(warm, "/start")
                if not wait_for_reply(world, warm, 0, timeout=60):
                    raise RuntimeError(f"the {kind} bot did not start")
                latencies: list[float] = []
                until = time.monotonic() + SECONDS
                started = time.monotonic()
                threads = [
                    threading.Thread(
                        target=trainee, args=(world, user_base + n, kind, until, latencies)
                    )
                    for n in range(trainees)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                elapsed = time.monotonic() - started
                peak = bot.peak_mib()
            finally:
                bot.stop()
    ordered = sorted(latencies)
    return Result(
        len(latencies) / elapsed,
        statistics.median(ordered) * 1000,
        ordered[int(0.95 * (len(ordered) - 1))] * 1000,
        peak,
    )


def machine() -> str:
    cpu = platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    rows = []
    for number, trainees in enumerate(LEVELS):
        helpline = measure("helpline", trainees, 100_000 * (number + 1))
        echo = measure("echo", trainees, 100_000 * (number + 1) + 50_000)
        rows.append((trainees, helpline, echo))
    print(f"Machine: {machine()}; {SECONDS:.0f} s per measure, {THINK:.0f} s reading time.\n")
    print(
        "| trainees | helpline: steps/s | p50 | p95 | peak memory "
        "| echo bot: steps/s | p50 | p95 | peak memory | throughput ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for trainees, h, e in rows:
        print(
            f"| {trainees} | {h.steps_per_second:.1f} | {h.p50_ms:.0f} ms | {h.p95_ms:.0f} ms "
            f"| {h.peak_mib:.0f} MiB | {e.steps_per_second:.1f} | {e.p50_ms:.0f} ms "
            f"| {e.p95_ms:.0f} ms | {e.peak_mib:.0f} MiB "
            f"| {h.steps_per_second / e.steps_per_second:.2f} |"
        )


if __name__ == "__main__":
    main()
