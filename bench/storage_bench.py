"""Storage benchmark: a flow step with an encrypted read and write, purge, memory, resume timing.

Run with `make bench` (or `.venv/bin/python bench/storage_bench.py`). Prints a Markdown report
to paste into docs/benchmarks.md. Each figure has a baseline measured in the same run.

* Step: one `Helpline.handle` call for a typed answer in the wage check, on a conversation that
  already exists: open a transaction, find the chat, unwrap its data key, decrypt the state,
  run the engine, encrypt and write the state back, commit. On a SQLite file and on PostgreSQL
  (a throwaway cluster on a Unix socket, as in the tests). Baseline: the same calls on the
  in-memory records (no database, no encryption).
* Purge: 100,000 cases inactive past the retention period, each with a consent row, sealed
  answers and a linked conversation, purged with `helpline purge`'s function on SQLite.
  Baseline: a bare `DELETE` of the same rows in a copy of the same file.
* Memory: the process's resident size after 10,000 cases with open conversations were made (five
  steps each, in a fresh process before any other benchmark); baseline: the same process before.
* Resume: median time of a failed resume with an unknown code and with a known code and a wrong
  PIN, with the production Argon2id cost (64 MiB, 3 passes).
"""

from __future__ import annotations

import gc
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import engine as flow_engine  # noqa: E402
from bot.assemble import build_helpline  # noqa: E402
from bot.casecode import make_code  # noqa: E402
from bot.conversation import Conversation, dumps  # noqa: E402
from bot.events import Opened, ResumeAsked  # noqa: E402
from bot.records import Records  # noqa: E402
from bot.service import Helpline  # noqa: E402
from bot.service.call import YES  # noqa: E402
from bot.storage.connection import make_engine, upgrade  # noqa: E402
from bot.storage.crypto import PRODUCTION_KDF, Keyring, new_key, seal  # noqa: E402
from bot.storage.maintenance import purge  # noqa: E402
from bot.storage.memory import MemoryRecords  # noqa: E402
from bot.storage.models import CaseRow, ConsentRow, ConversationRow  # noqa: E402
from bot.storage.sealing import DEK_ID  # noqa: E402
from bot.storage.store import SqlRecords  # noqa: E402
from tests.databases import PostgresServer, throwaway_cluster  # noqa: E402

FLOWS = ROOT / "flows"
LOCALES = ROOT / "locales"
TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
STEPS = 2000


def keyring() -> Keyring:
    return Keyring({"k1": new_key()}, "k1", new_key(), PRODUCTION_KDF)


def helpline_on(records: Records) -> Helpline:
    return build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY)


def into_the_wage_check(helpline: Helpline, chat: str) -> None:
    """Open a chat and walk to a question that takes a typed amount (hours of overtime)."""
    helpline.handle(chat, Opened("vi"), "7123456789")
    helpline.handle(chat, flow_engine.ButtonPressed("lang:vi"))
    for typed in ("1", "1", "1", "63000", "173", "Aichi", "3"):
        helpline.handle(chat, flow_engine.TextEntered(typed))


def step_times(helpline: Helpline, steps: int = STEPS) -> list[float]:
    """Time one typed answer at a time; /back returns to the same question for the next."""
    into_the_wage_check(helpline, "bench")
    times = []
    for number in range(steps):
        event: flow_engine.Event = (
            flow_engine.TextEntered("20")
            if number % 2 == 0
            else flow_engine.CommandGiven(flow_engine.Command.BACK)
        )
        start = time.perf_counter()
        helpline.handle("bench", event)
        times.append(time.perf_counter() - start)
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def bench_steps(folder: Path, postgres: PostgresServer | None) -> list[tuple[str, str, str]]:
    rows = []
    memory = statistics.median(step_times(helpline_on(MemoryRecords())))
    engine = make_engine(f"sqlite:///{folder / 'step.sqlite3'}")
    upgrade(engine)
    sqlite = statistics.median(step_times(helpline_on(SqlRecords(engine, keyring()))))
    engine.dispose()
    rows.append(
        (
            "one step with an encrypted read and write, SQLite file (median of 2,000)",
            ms(sqlite),
            f"in-memory records: {ms(memory)}; storage adds {ms(sqlite - memory)}",
        )
    )
    if postgres is not None:
        with postgres.database() as url:
            engine = make_engine(url)
            pg = statistics.median(step_times(helpline_on(SqlRecords(engine, keyring()))))
            engine.dispose()
        rows.append(
            (
                "one step with an encrypted read and write, PostgreSQL 15, Unix socket "
                "(median of 2,000)",
                ms(pg),
                f"in-memory records: {ms(memory)}; SQLite file: {ms(sqlite)}",
            )
        )
    return rows


def fill_cases(engine: Engine, ring: Keyring, count: int, at: datetime) -> None:
    """Insert ``count`` cases (sealed answers, consent, a linked conversation) in bulk."""
    state = dumps(Conversation("vi"))
    batch = 5000
    for start in range(0, count, batch):
        cases, consents, conversations = [], [], []
        for number in range(start, min(start + batch, count)):
            row_id = number + 1
            dek = new_key()
            wrapped, _ = ring.wrap(dek, f"cases|{row_id}")
            answers = seal(
                dek, DEK_ID, b'{"wages.monthly_pay":["yen",63000]}', f"cases|{row_id}|answers"
            )
            cases.append(
                {
                    "id": row_id,
                    "public_id": f"C-{row_id:06d}",
                    "status": "open",
                    "lang": "vi",
                    "dek": wrapped,
                    "answers": answers,
                    "created_at": at,
                    "last_activity_at": at,
                }
            )
            consents.append({"case_id": row_id, "text_version": "v1", "given_at": at})
            conversation_dek = new_key()
            conversations.append(
                {
                    "id": row_id,
                    "chat_key": f"{row_id:064x}",
                    "lang": "vi",
                    "dek": ring.wrap(conversation_dek, f"conversations|{row_id}")[0],
                    "state": seal(
                        conversation_dek, DEK_ID, state, f"conversations|{row_id}|state"
                    ),
                    "case_id": row_id,
                    "created_at": at,
                    "updated_at": at,
                }
            )
        with engine.begin() as connection:
            connection.execute(insert(CaseRow), cases)
            connection.execute(insert(ConsentRow), consents)
            connection.execute(insert(ConversationRow), conversations)


def bench_purge(folder: Path, count: int = 100_000) -> tuple[str, str, str]:
    path = folder / "purge.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    fill_cases(engine, keyring(), count, NOW)
    engine.dispose()
    copy = folder / "purge-copy.sqlite3"
    shutil.copy(path, copy)

    engine = make_engine(f"sqlite:///{path}")
    start = time.perf_counter()
    done = purge(engine, 90, clock=lambda: NOW + timedelta(days=91))
    took = time.perf_counter() - start
    engine.dispose()
    assert done.cases == count, done

    connection = sqlite3.connect(copy)
    connection.execute("PRAGMA foreign_keys=ON")
    start = time.perf_counter()
    with connection:
        connection.execute("DELETE FROM conversations")
        connection.execute("DELETE FROM consents")
        connection.execute("DELETE FROM cases")
    bare = time.perf_counter() - start
    connection.close()
    return (
        f"purge of {count:,} inactive cases (with consents and conversations), SQLite file",
        f"{took:.1f} s ({took / count * 1e6:.0f} µs a case)",
        f"bare DELETE of the same rows in a copy: {bare:.1f} s ({took / bare:.1f}×)",
    )


def rss_mib() -> float:
    """The process's resident memory now (Linux), in MiB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def bench_memory(folder: Path, count: int = 10_000) -> tuple[str, str, str]:
    engine = make_engine(f"sqlite:///{folder / 'memory.sqlite3'}")
    upgrade(engine)
    helpline = helpline_on(SqlRecords(engine, keyring()))
    helpline.handle("warm-up", Opened("vi"))  # imports, flows and catalogs are loaded
    gc.collect()
    before = rss_mib()
    for number in range(count):
        chat = f"chat-{number}"
        helpline.handle(chat, Opened("vi"), str(7_000_000_000 + number))
        helpline.handle(chat, flow_engine.ButtonPressed("lang:vi"))
        helpline.handle(chat, flow_engine.CommandGiven(flow_engine.Command.PERSON))
        helpline.handle(chat, flow_engine.ButtonPressed(YES))
        helpline.handle(chat, flow_engine.ButtonPressed("dialog:skip"))
    gc.collect()
    after = rss_mib()
    engine.dispose()
    return (
        f"resident memory of the process with {count:,} open cases, each with its conversation",
        f"{after:.0f} MiB",
        f"the same process before the cases: {before:.0f} MiB (+{after - before:.0f} MiB)",
    )


def bench_resume(folder: Path, tries: int = 25) -> tuple[str, str, str]:
    engine = make_engine(f"sqlite:///{folder / 'resume.sqlite3'}")
    upgrade(engine)
    records = SqlRecords(engine, keyring())
    helpline = helpline_on(records)
    with records.unit() as unit:
        case = unit.open_case("vi", {}, "v1")
        code = unit.set_pin(case, "482915")
    unknown = make_code(1, "00000000")

    def attempt(typed_code: str, number: int) -> float:
        chat = f"guesser-{number}"  # a new chat each time: the throttle never starts
        helpline.handle(chat, Opened("vi"))
        helpline.handle(chat, flow_engine.ButtonPressed("lang:vi"))
        helpline.handle(chat, ResumeAsked())
        helpline.handle(chat, flow_engine.TextEntered(typed_code))
        start = time.perf_counter()
        helpline.handle(chat, flow_engine.TextEntered("730164"))
        return time.perf_counter() - start

    def lookup(typed_code: str) -> float:
        with records.unit() as unit:
            start = time.perf_counter()
            unit.find_case(typed_code, "730164")
            return time.perf_counter() - start

    wrong_pin, unknown_code, raw_wrong, raw_unknown = [], [], [], []
    for number in range(tries):  # interleaved, so drift hits both alike
        wrong_pin.append(attempt(code, 2 * number))
        unknown_code.append(attempt(unknown, 2 * number + 1))
        raw_wrong.append(lookup(code))
        raw_unknown.append(lookup(unknown))
    engine.dispose()
    a, b = statistics.median(wrong_pin), statistics.median(unknown_code)
    c, d = statistics.median(raw_wrong), statistics.median(raw_unknown)
    return (
        f"failed resume, whole step, Argon2id 64 MiB t=3 (median of {tries} each)",
        f"known code, wrong PIN: {ms(a)}; unknown code: {ms(b)}; difference {ms(abs(a - b))}",
        f"the lookup alone, without the padding to 0.5 s: {ms(c)} and {ms(d)}, "
        f"difference {ms(abs(c - d))}",
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="hlbench"))
    rows: list[tuple[str, str, str]] = []
    try:
        rows.append(bench_memory(folder))
        with throwaway_cluster() as cluster:
            postgres = PostgresServer(cluster.url) if cluster else None
            rows += bench_steps(folder, postgres)
            if postgres is not None:
                postgres.close()
        rows.append(bench_resume(folder))
        rows.append(bench_purge(folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"Machine: {machine()}; measured {datetime.now(UTC):%Y-%m-%d}.\n")
    print("| measure | result | baseline in the same run |")
    print("|---|---|---|")
    for measure, result, baseline in rows:
        print(f"| {measure} | {result} | {baseline} |")


if __name__ == "__main__":
    main()
