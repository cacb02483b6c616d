"""``helpline backup``: a consistent copy while the bot writes, restored as the runbook says.

A writer keeps opening cases (as the bot would) while ``helpline backup`` runs; the newest
backup is restored into a new data folder the way deploy/README.md ("Restoring") tells, opened
with the keys, and every case in it opens with the answers it was written with. Also: the keys
never go beside a backup, old backups go, files are 0600 in a 0700 folder, and PostgreSQL is
backed up with pg_dump and restored with pg_restore.
"""

from __future__ import annotations

import io
import shutil
import stat
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from bot.cli import main
from bot.config import Settings
from bot.storage.backup import backup, backups, prune
from bot.storage.connection import make_engine
from bot.storage.database import open_database
from bot.storage.models import CaseRow
from bot.storage.store import SqlRecords
from bot.values import Yen

from .conftest import TEST_KDF, make_keyring, require
from .databases import PostgresServer


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out)
    return code, out.getvalue()


def case_ids(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(CaseRow.public_id)))


def test_a_backup_of_the_live_database_restores_and_every_case_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, keys, folder = tmp_path / "data", tmp_path / "keys" / "keys.json", tmp_path / "backups"
    assert run("keys", "new", "--file", str(keys))[0] == 0
    environment = {"HELPLINE_DATA_DIR": str(data), "HELPLINE_KEY_FILE": str(keys)}
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    live = open_database(Settings.from_env(environment), TEST_KDF)
    written: dict[str, int] = {}
    stop = threading.Event()

    def the_bot_writes() -> None:
        number = 0
        while not stop.is_set() or number < 50:
            number += 1
            with live.records.unit() as unit:
                written[unit.open_case("vi", {"monthly_pay": Yen(60000 + number)}, "v1")] = number

    writer = threading.Thread(target=the_bot_writes)
    writer.start()
    try:
        outputs = [run("backup", "--to", str(folder), "--keep", "2") for _ in range(3)]
    finally:
        stop.set()
        writer.join()
    assert all(code == 0 for code, _ in outputs), outputs
    assert "deleted 1 older backups, keeping the newest 2" in outputs[-1][1]
    kept = backups(folder)
    assert len(kept) == 2 and all(path.suffix == ".sqlite3" for path in kept)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in kept)
    assert not list(folder.glob("*keys*")) and not list(folder.glob(".*"))

    # Restoring, as the runbook says: the backup becomes the new data folder's database.
    restored = tmp_path / "restored"
    restored.mkdir(mode=0o700)
    shutil.copy2(kept[-1], restored / "helpline.sqlite3")
    opened = open_database(
        Settings.from_env({"HELPLINE_DATA_DIR": str(restored), "HELPLINE_KEY_FILE": str(keys)}),
        TEST_KDF,
    )
    cases = case_ids(opened.engine)
    assert len(cases) > 0 and set(cases) <= set(written)
    with opened.records.unit() as unit:
        for case in cases:  # every case opens with the keys, with what was written
            assert unit.kept_answers(case) == {"monthly_pay": Yen(60000 + written[case])}
    live.engine.dispose()
    opened.engine.dispose()


def test_the_keys_never_go_beside_a_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path / "data"))
    open_database(Settings.from_env({"HELPLINE_DATA_DIR": str(tmp_path / "data")}), TEST_KDF)
    for where in (tmp_path / "data", tmp_path):  # the key file's folder, or one holding it
        code, out = run("backup", "--to", str(where))
        assert code == 2 and out.startswith(f"Refused: {where} would hold the backup together")
    assert backups(tmp_path / "data") == [] and backups(tmp_path) == []
    assert run("backup", "--to", str(tmp_path / "elsewhere"), "--keep", "0")[0] == 2


def test_old_backups_go_and_the_newest_stay(tmp_path: Path) -> None:
    source = tmp_path / "data"
    records = SqlRecords(make_engine(f"sqlite:///{source / 'helpline.sqlite3'}"), make_keyring())
    records.engine.dispose()
    url = f"sqlite:///{source / 'helpline.sqlite3'}"
    start = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    made = [backup(url, tmp_path / "b", start + timedelta(days=day)) for day in range(4)]
    (tmp_path / "b" / "notes.txt").write_text("not a backup")
    gone = prune(tmp_path / "b", 2)
    assert gone == [made[0].path, made[1].path]
    assert backups(tmp_path / "b") == [made[2].path, made[3].path]
    assert made[3].path.name == "helpline-20261204T030000Z.sqlite3"
    assert (tmp_path / "b" / "notes.txt").exists()


def test_postgresql_is_dumped_and_restores(
    tmp_path: Path, postgres: PostgresServer | None
) -> None:
    server = require(postgres)
    if shutil.which("pg_restore") is None:
        pytest.skip("pg_restore is not installed")
    with server.database() as url, server.database(migrated=False) as empty:
        engine = make_engine(url)
        records = SqlRecords(engine, make_keyring())
        with records.unit() as unit:
            case = unit.open_case("ja", {"monthly_pay": Yen(180000)}, "v1")
        made = backup(url, tmp_path / "b")
        assert made.path.suffix == ".dump" and made.path.read_bytes().startswith(b"PGDMP")
        assert stat.S_IMODE(made.path.stat().st_mode) == 0o600
        target = make_engine(empty)
        dsn = target.url.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={dsn}", str(made.path)],
            check=True,
            capture_output=True,
        )
        again = SqlRecords(target, records.keyring)
        with again.unit() as unit:
            assert unit.kept_answers(case) == {"monthly_pay": Yen(180000)}
        with target.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM cases")).scalar() == 1
        engine.dispose()
        target.dispose()


DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_the_timer_starts_the_backup_as_the_bot_s_user_without_the_keys() -> None:
    service = (DEPLOY / "helpline-backup.service").read_text().splitlines()
    timer = (DEPLOY / "helpline-backup.timer").read_text().splitlines()
    assert "Type=oneshot" in service and "User=helpline" in service
    assert "StateDirectory=helpline helpline-backups" in service  # the data, and its own folder
    assert not any(line.startswith("LoadCredential") for line in service)  # never the keys
    start = next(line for line in service if line.startswith("ExecStart="))
    assert start.split()[1:4] == ["backup", "--to", "/var/lib/helpline-backups"]
    assert "Persistent=true" in timer and any(line.startswith("OnCalendar=") for line in timer)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_backup_units(tmp_path: Path) -> None:
    program = tmp_path / "helpline"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    for name in ("helpline-backup.service", "helpline-backup.timer"):
        text = (DEPLOY / name).read_text().replace("/opt/helpline/bin/helpline", str(program))
        (tmp_path / name).write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(p) for p in tmp_path.glob("*.*"))],
        capture_output=True,
        text=True,
        check=False,
    )
    problems = [line for line in done.stderr.splitlines() if "helpline-backup" in line]
    assert done.returncode == 0 and problems == [], done.stderr
