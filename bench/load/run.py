"""Load benchmark: simulated trainees over loopback HTTP against ``helpline run``.

Run with ``make bench`` (or ``.venv/bin/python bench/load/run.py``). The fake Telegram of the
tests is served on 127.0.0.1; the helpline runs as its own processes (``python -m bot run``,
production settings) exactly as in production. Four set-ups, in one run:

* ``echo``: a bare python-telegram-bot echo bot (``echo_bot.py``, polling, PTB's rate limiter,
  nothing stored): the baseline;
* ``sqlite``: one helpline process on a SQLite file, polling;
* ``postgres``: one helpline process on PostgreSQL, in webhook mode;
* ``postgres×2``: two helpline processes on one PostgreSQL, in webhook mode, each update
  posted to the next process in turn (a round-robin proxy).

PostgreSQL is a throwaway cluster on a Unix socket (as in the tests); without its server
programs the PostgreSQL set-ups are left out.

Each simulated trainee sends a message or presses a button, waits for the reply, reads it for a
second (a person does not type faster), and goes on. Every step brings exactly one reply: for
the helpline, ``/language`` (the picker) and a language button (the menu again), in turn; for
the echo bot, a text echoed. Measured per number of trainees: steps answered per second,
median and 95th percentile of the time from sending to the reply arriving, and the peak
resident memory of the bot processes. Telegram allows 30 messages a second in all, and every
set-up keeps to it, so with many trainees all level off near 30 a second.

Writes ``docs/bench/load.json``, the plots ``docs/bench/throughput.png`` and
``docs/bench/latency.png`` (``bench/plot.py``), and the table between the ``load:`` markers
in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.plot import plot  # noqa: E402
from tests.databases import PostgresServer, throwaway_cluster  # noqa: E402
from tests.fakes.telegram_server import FakeTelegramServer, post_update  # noqa: E402
from tests.fakes.telegram_world import FakeTelegram  # noqa: E402

TOKEN = "424242:LOAD-bench"  # noqa: S105 - the fake server's token
SECRET = "load-bench-secret"  # noqa: S105 - the webhook secret of the run
HOOK = "https://bench.example.org/hook"
THINK = 1.0
QUICK = os.environ.get("BENCH_QUICK") == "1"
"""A short run that only shows the benchmark works (numbers not for the report)."""
LEVELS = (1, 10) if QUICK else (1, 10, 30, 60)
SECONDS = 4.0 if QUICK else 20.0
OUT = ROOT / "docs" / "bench"
REPORT = ROOT / "docs" / "benchmarks.md"


@dataclass
class Result:
    setup: str
    trainees: int
    steps_per_second: float
    p50_ms: float
    p95_ms: float
    peak_mib: float


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Bots:
    """The bot processes of one set-up against the server."""

    def __init__(
        self, setup: str, server: FakeTelegramServer, folder: Path, database: str | None
    ) -> None:
        self.setup = setup
        self.ports: list[int] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        base = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
        if setup == "echo":
            argv = [sys.executable, str(Path(__file__).with_name("echo_bot.py"))]
            env = base | {"ECHO_TOKEN": TOKEN, "ECHO_BASE_URL": server.base_url}
            self.processes.append(self._start(argv, env))
            return
        env = base | {
            "HELPLINE_TELEGRAM_TOKEN": TOKEN,
            "HELPLINE_TELEGRAM_API_URL": server.base_url,
            "HELPLINE_KEY_FILE": str(folder / "keys.json"),
            "HELPLINE_LOG_LEVEL": "WARNING",
        }
        if database is not None:
            env |= {
                "HELPLINE_DATABASE_URL": database,
                "HELPLINE_WEBHOOK_URL": HOOK,
                "HELPLINE_WEBHOOK_SECRET": SECRET,
            }
        for number in range(2 if setup.endswith("×2") else 1):
            data = folder / f"worker{number}"
            run = env | {"HELPLINE_DATA_DIR": str(data)}
            if database is not None:
                self.ports.append(free_port())
                run["HELPLINE_WEBHOOK_LISTEN"] = f"127.0.0.1:{self.ports[-1]}"
            self.processes.append(self._start([sys.executable, "-m", "bot", "run"], run))
            if number == 0:  # the first makes the key file the second reads
                wait_until((folder / "keys.json").exists, 60)

    @staticmethod
    def _start(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def deliver(self, update: dict[str, object], turn: int) -> None:
        """Polling: the update waits on the server. Webhook: post it to the next process."""
        if self.ports:
            url = f"http://127.0.0.1:{self.ports[turn % len(self.ports)]}/hook"
            for _ in range(100):  # the webhook listens a moment after the process starts
                with contextlib.suppress(OSError):
                    if post_update(url, update, SECRET) == 200:
                        return
                time.sleep(0.1)
            raise RuntimeError("the webhook did not take the update")

    def peak_mib(self) -> float:
        total = 0.0
        for process in self.processes:
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        return total

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def replies(world: FakeTelegram, user: int) -> int:
    with world.lock:
        return sum(1 for m in world.chats.get(user, []) if m.from_bot)


def wait_for_reply(world: FakeTelegram, user: int, seen: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while replies(world, user) <= seen:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def trainee(
    world: FakeTelegram, bots: Bots, user: int, until: float, latencies: list[float]
) -> None:
    """Step, wait for the one reply, read it for a second; until time is up."""
    steps: list[Callable[[], dict[str, object]]]
    turn = user
    if bots.setup == "echo":
        steps = [lambda: world.user_sends(user, f"ping {time.monotonic()}")]
    else:
        steps = [
            lambda: world.user_sends(user, "/language", language_code="vi"),
            lambda: world.user_presses(user, "lang:vi"),
        ]
        bots.deliver(world.user_sends(user, "/start", language_code="vi"), turn)
        wait_for_reply(world, user, 0)
        bots.deliver(world.user_presses(user, "lang:vi"), turn + 1)
        wait_for_reply(world, user, 1)
    number = 0
    while time.monotonic() < until:
        seen = replies(world, user)
        started = time.monotonic()
        bots.deliver(steps[number % len(steps)](), turn + number)
        if not wait_for_reply(world, user, seen):
            break
        latencies.append(time.monotonic() - started)
        number += 1
        time.sleep(THINK)


def measure(setup: str, trainees: int, user_base: int, database: str | None) -> Result:
    with tempfile.TemporaryDirectory() as folder:
        world = FakeTelegram()
        with FakeTelegramServer(world, token=TOKEN) as server:
            bots = Bots(setup, server, Path(folder), database)
            try:
                warm = user_base - 1  # the bots are up once they answer
                for turn in range(len(bots.ports) or 1):
                    seen = replies(world, warm)
                    bots.deliver(world.user_sends(warm, "/start"), turn)
                    if not wait_for_reply(world, warm, seen, timeout=60):
                        raise RuntimeError(f"the {setup} bot did not start")
                latencies: list[float] = []
                until = time.monotonic() + SECONDS
                started = time.monotonic()
                threads = [
                    threading.Thread(
                        target=trainee, args=(world, bots, user_base + n, until, latencies)
                    )
                    for n in range(trainees)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                elapsed = time.monotonic() - started
                peak = bots.peak_mib()
            finally:
                bots.stop()
    ordered = sorted(latencies)
    return Result(
        setup,
        trainees,
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


@contextlib.contextmanager
def postgres() -> Iterator[PostgresServer | None]:
    with throwaway_cluster() as cluster:
        if cluster is None:
            yield None
            return
        server = PostgresServer(cluster.url, cluster)
        try:
            yield server
        finally:
            server.close()


def table(results: list[Result]) -> str:
    setups = list(dict.fromkeys(r.setup for r in results))
    head = "| trainees | " + " | ".join(f"{s}: steps/s, p50, p95, memory" for s in setups)
    lines = [head + " |", "|---" * (len(setups) + 1) + "|"]
    for trainees in LEVELS:
        cells = []
        for setup in setups:
            found = [r for r in results if r.setup == setup and r.trainees == trainees]
            r = found[0] if found else None
            cells.append(
                f"{r.steps_per_second:.1f}/s, {r.p50_ms:.0f} ms, {r.p95_ms:.0f} ms, "
                f"{r.peak_mib:.0f} MiB"
                if r
                else "—"
            )
        lines.append(f"| {trainees} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(results: list[Result]) -> None:
    """Write the JSON, the plots and the table in docs/benchmarks.md (between the markers)."""
    OUT.mkdir(parents=True, exist_ok=True)
    data = {
        "machine": machine(),
        "date": date.today().isoformat(),  # noqa: DTZ011 - a label for people
        "seconds": SECONDS,
        "results": [asdict(r) for r in results],
    }
    if QUICK:  # never over the report's numbers
        print(table(results))
        return
    (OUT / "load.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    plot(OUT / "load.json", OUT)
    text = REPORT.read_text()
    start, end = "<!-- load:start -->", "<!-- load:end -->"
    block = (
        f"{start}\nMachine: {data['machine']}; measured {data['date']}, {SECONDS:.0f} s per "
        f"measure, {THINK:.0f} s reading time.\n\n{table(results)}\n{end}"
    )
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
        REPORT.write_text(text)
    print(block)


def main() -> None:
    results: list[Result] = []
    with postgres() as server:
        setups = ["echo", "sqlite"] + (["postgres", "postgres×2"] if server else [])
        for number, trainees in enumerate(LEVELS):
            for index, setup in enumerate(setups):
                base = 100_000 * (number + 1) + 10_000 * index
                if setup.startswith("postgres") and server is not None:
                    with server.database() as url:
                        results.append(measure(setup, trainees, base, url))
                else:
                    results.append(measure(setup, trainees, base, None))
                print(results[-1], flush=True)
    report(results)


if __name__ == "__main__":
    main()
