"""The operator's commands as a new operator meets them: doctor, --help, report dates.

Doctor looks and never writes, says the real reason when keys are missing, reads the key file
``make run`` leaves beside the data as a note with what to do, counts cases and the jobs' last
runs on SQLite and PostgreSQL, and keeps alembic's INFO lines out of its output. Every action's
``--help`` has a sentence, an example and a docs page that exists.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.cli import main
from bot.cli_parser import day, parser
from bot.config import Settings
from bot.operator_doctor import _keys_checks, age, counts
from bot.storage.counts import job_times, note_job
from bot.storage.crypto import Keyring, new_key
from bot.storage.database import open_database
from bot.storage.inspection import inspect_database
from bot.storage.keys import KeySource
from bot.storage.maintenance import purge
from bot.storage.store import SqlRecords
from bot.values import Yen

from .conftest import ROOT, TEST_KDF, make_keyring


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out)
    return code, out.getvalue()


def test_doctor_writes_nothing_and_says_why_there_are_no_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "var" / "lib" / "helpline"  # .env.example's kind of folder, not there
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(data))
    code, out = run("doctor")
    assert code == 1
    assert not (tmp_path / "var").exists()  # no folder, no SQLite file, no key file
    assert "HELPLINE_REQUIRE_KEYS is set" not in out
    first = "note keys: none yet. The first 'helpline run' (or 'make run') writes a key file at"
    assert f"{first} {data / 'keys.json'}" in out
    missing = f"FIX  database: no database yet at {data / 'helpline.sqlite3'}"
    assert f"{missing}: run 'helpline db upgrade'" in out

    monkeypatch.setenv("HELPLINE_REQUIRE_KEYS", "1")
    code, out = run("doctor")
    assert code == 1 and not (tmp_path / "var").exists()
    assert "FIX  keys: none configured" in out
    assert "HELPLINE_REQUIRE_KEYS=1 makes the helpline refuse to start" in out


def test_doctor_after_make_run_explains_the_key_file_and_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))
    database = open_database(Settings.from_env({"HELPLINE_DATA_DIR": str(tmp_path)}), TEST_KDF)
    with database.records.unit() as unit:
        unit.open_case("vi", {"monthly_pay": Yen(63000)}, "v1")
    database.engine.dispose()
    code, out = run("doctor")
    assert code == 0, out  # by design after `make run`: not a fault
    lines = out.splitlines()
    assert all(line.startswith(("ok ", "note ")) for line in lines), out
    note = next(line for line in lines if "sits in the data folder" in line)
    assert note.startswith(f"note keys: the key file {tmp_path / 'keys.json'}")
    assert "HELPLINE_KEY_FILE" in note and "HELPLINE_REQUIRE_KEYS=1" in note
    assert "ok   keys: every data key can be unwrapped" in lines
    assert any(line.startswith("ok   cases: 1 kept, 1 open, 1 unclaimed (the") for line in lines)


def test_doctor_counts_cases_and_the_jobs_last_runs(engine: Engine) -> None:
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    clock = [start]
    records = SqlRecords(engine, make_keyring(), lambda: clock[0])
    with records.unit() as unit:
        oldest = unit.open_case("vi", {}, "v1")
        clock[0] = start + timedelta(hours=2)
        claimed = unit.open_case("ja", {}, "v1")
        unit.claim(claimed, "staff-pseudonym")
        unit.open_case("zh_Hans", {}, "v1")
    url = engine.url.render_as_string(hide_password=False)
    now = start + timedelta(hours=5, minutes=20)
    found = inspect_database(url, None)
    waiting = "cases: 3 kept, 3 open, 2 unclaimed (the oldest waiting 5 h 20 min)"
    assert counts(found, now)[0] == (True, waiting)
    assert oldest  # the one waiting longest
    assert [line for ok, line in counts(found, now)[1:] if ok is None] == [
        "jobs: no purge has completed yet; the running bot does it (every 6 hours; "
        "'helpline purge' by hand)",
        "jobs: no idle wipe has completed yet; the running bot does it (every minute)",
    ]

    purge(engine, 90, clock=lambda: now)
    note_job(engine, "idle_wipe", now - timedelta(hours=1))
    note_job(engine, "idle_wipe", now - timedelta(minutes=30))  # a second run updates the row
    assert set(job_times(engine)) == {"purge", "idle_wipe"}
    lines = counts(inspect_database(url, None), now + timedelta(minutes=2))[1:]
    assert lines == [
        (True, "jobs: last purge 2026-12-01 14:20 UTC (2 min ago)"),
        (
            None,
            "jobs: last idle wipe 2026-12-01 13:50 UTC (32 min ago): if the bot is running, "
            "it is behind ('helpline health')",
        ),
    ]


def test_ages_read_as_people_say_them() -> None:
    assert [age(s) for s in (5, 600, 3600, 5 * 3600 + 1200, 3 * 86400)] == [
        "5 s",
        "10 min",
        "1 h",
        "5 h 20 min",
        "3 days",
    ]


def test_alembic_info_lines_stay_out_of_the_output(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "HELPLINE_DATA_DIR": str(tmp_path),
        "HELPLINE_LOG_LEVEL": "INFO",
    }
    for command in ("db upgrade", "doctor"):
        done = subprocess.run(
            [sys.executable, "-m", "bot", *command.split()],
            capture_output=True,
            text=True,
            env=environment,
            check=False,
            cwd=ROOT,
        )
        assert "alembic." not in done.stdout + done.stderr, done.stderr  # its loggers


def _leaves(
    command: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command or action that does something (has no sub-commands of its own)."""
    found = []
    for each in command._actions:  # argparse keeps its sub-commands here
        if isinstance(each, argparse._SubParsersAction):
            for name, sub in each.choices.items():
                found += _leaves(sub, (*path, name))
            return found
    return [(path, command)]


def test_every_action_has_a_sentence_an_example_and_docs_that_exist() -> None:
    leaves = _leaves(parser())
    names = {" ".join(path) for path, _ in leaves}
    assert {"i18n extract", "i18n check", "db upgrade", "keys retire", "report", "backup"} <= names
    for path, command in leaves:
        text = command.format_help()
        assert command.description and command.description.endswith("."), path
        example = re.search(r"example:\n  (helpline .+|\S+=\S+ helpline .+)\n", text)
        assert example and " ".join(path) in example.group(1), (path, text)
        pages = re.findall(r"(docs/\w+\.md|deploy/README\.md|README\.md)", text.split("more:")[1])
        assert pages, path
        assert all((ROOT / page).is_file() for page in pages), (path, pages)


def test_report_dates_are_read_leniently_and_refused_clearly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert day("2026-1-1") == date(2026, 1, 1)
    assert day("2026/01/31") == day(" 2026-01-31 ") == date(2026, 1, 31)
    for bad in ("2026-2-30", "1/1/2026", "January", "2026-13-01"):
        with pytest.raises(argparse.ArgumentTypeError, match="write year-month-day"):
            day(bad)
    with pytest.raises(SystemExit):
        run("report", "--from", "2026-2-30", "--to", "2026-03-31")
    assert "'2026-2-30' is not a date: write year-month-day, like 2026-01-31" in (
        capsys.readouterr().err
    )


def test_an_empty_period_says_so_in_a_sentence(tmp_path: Path) -> None:
    code, out = run("report", "--from", "2026-1-1", "--to", "2026-3-31")
    assert code == 0
    assert "Nothing was counted in this period: no case was closed or removed" in out
    code, out = run("report", "--from", "2026-1-1", "--to", "2026-3-31", "--lang", "ja")
    assert "この期間に集計されたものはありません" in out
    target = tmp_path / "q1.csv"
    code, out = run(
        "report", "--from", "2026-1-1", "--to", "2026-3-31", "--format", "csv",
        "--output", str(target),
    )  # fmt: skip
    assert code == 0 and "Nothing was counted in this period" in out


def test_doctor_notes_an_index_key_still_retiring(tmp_path: Path) -> None:
    old = make_keyring()
    rotating = Keyring(old.masters, old.active, new_key(), TEST_KDF, retiring_index=[new_key()])
    settings = Settings.from_env({"HELPLINE_DATA_DIR": str(tmp_path)})
    assert not any(
        "old index key" in line
        for _, line in _keys_checks(settings, KeySource(old, "environment"))
    )
    found = [
        (ok, line)
        for ok, line in _keys_checks(settings, KeySource(rotating, "environment"))
        if "old index key" in line
    ]
    assert len(found) == 1 and found[0][0] is None  # a note: doctor still passes
    assert "helpline keys retire --index" in found[0][1]
