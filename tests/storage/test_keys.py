"""Keys: where they come from, what the operator commands do with them, and the crypto."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import threading
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.conversation import Conversation
from bot.storage import crypto
from bot.storage.crypto import (
    PAD_BUCKET,
    PRODUCTION_KDF,
    CryptoError,
    Keyring,
    new_key,
    open_sealed,
    seal,
)
from bot.storage.database import open_database
from bot.storage.keys import KeysError, encode, load_keys, parse_master_keys
from bot.storage.store import SqlRecords
from bot.telegram_adapter.jobs import beat

from ..conftest import ROOT, TEST_KDF


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out)
    return code, out.getvalue()


def settings_in(folder: Path, **extra: str) -> Settings:
    return Settings.from_env({"HELPLINE_DATA_DIR": str(folder), **extra})


# Where keys come from.


def test_the_first_run_writes_a_key_file_only_its_owner_can_read(tmp_path: Path) -> None:
    database = open_database(settings_in(tmp_path), TEST_KDF)
    key_file = tmp_path / "keys.json"
    assert database.keys.origin == "new key file"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert database.notice is not None and str(key_file) in database.notice
    data = json.loads(key_file.read_text(encoding="utf-8"))
    assert data["active"] in data["masters"]
    again = open_database(settings_in(tmp_path), TEST_KDF)  # the second run reads it back
    assert again.keys.origin == "key file" and again.notice is None
    assert again.keys.keyring.masters == database.keys.keyring.masters


def test_require_keys_refuses_to_start_without_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HELPLINE_REQUIRE_KEYS", "1")
    assert run("run")[0] == 2
    err = capsys.readouterr().err
    assert "HELPLINE_REQUIRE_KEYS" in err and "HELPLINE_MASTER_KEYS" in err
    assert not (tmp_path / "keys.json").exists()
    assert not (tmp_path / "helpline.sqlite3").exists()


def test_keys_from_the_environment_need_both_variables(tmp_path: Path) -> None:
    master = f"k1:{encode(new_key())}"
    with pytest.raises(KeysError, match="both"):
        load_keys(master, None, tmp_path / "keys.json", require=True)
    source = load_keys(master, encode(new_key()), tmp_path / "keys.json", require=True)
    assert source.origin == "environment" and source.keyring.active == "k1"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("k1", "id:base64"),
        ("k1:not base64!", "not valid base64"),
        (f"k1:{encode(b'short')}", "32 bytes"),
    ],
)
def test_malformed_master_keys_are_explained(text: str, problem: str) -> None:
    with pytest.raises(KeysError, match=problem):
        parse_master_keys(text)


def test_the_active_master_key_is_the_first(tmp_path: Path) -> None:
    masters, active = parse_master_keys(f"new:{encode(new_key())}, old:{encode(new_key())}")
    assert active == "new" and set(masters) == {"new", "old"}


def test_the_resume_lookup_costs_at_least_64_mib_and_three_passes(tmp_path: Path) -> None:
    assert PRODUCTION_KDF.memory_kib >= 64 * 1024
    assert PRODUCTION_KDF.iterations >= 3
    database = open_database(settings_in(tmp_path))
    assert database.keys.keyring.kdf == PRODUCTION_KDF


# The operator's key commands.


def test_keys_new_rotate_then_retire_moves_every_data_key_to_the_new_master(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))
    database = open_database(settings_in(tmp_path), TEST_KDF)
    first = database.keys.keyring.active
    with database.records.unit() as unit:
        case = unit.open_case("vi", {}, "v1")
        unit.save_conversation("chat", Conversation("vi", case=case), "111")
    database.engine.dispose()

    code, out = run("keys", "new")
    assert code == 0 and "helpline keys rotate" in out
    keys = json.loads((tmp_path / "keys.json").read_text(encoding="utf-8"))
    assert keys["active"] != first and set(keys["masters"]) == {first, keys["active"]}

    code, out = run("keys", "rotate")
    assert code == 0
    assert "2/2" in out and "2 data keys re-wrapped" in out
    assert f"'helpline keys retire {first}'" in out  # rotating removes nothing: a process may
    keys = json.loads((tmp_path / "keys.json").read_text(encoding="utf-8"))  # still need it
    assert set(keys["masters"]) == {first, keys["active"]}

    assert run("keys", "retire", keys["active"])[0] == 1  # never the active one
    code, out = run("keys", "retire", first)
    assert code == 0 and f"Retired the master key {first}" in out
    keys = json.loads((tmp_path / "keys.json").read_text(encoding="utf-8"))
    assert set(keys["masters"]) == {keys["active"]}
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600

    reopened = open_database(settings_in(tmp_path), TEST_KDF)
    with reopened.records.unit() as unit:
        assert unit.conversation("chat") == Conversation("vi", case=case)
        assert unit.address("chat") == "111"


def test_keys_new_with_keys_in_the_environment_prints_the_new_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPLINE_MASTER_KEYS", f"old:{encode(new_key())}")
    monkeypatch.setenv("HELPLINE_INDEX_KEY", encode(new_key()))
    code, out = run("keys", "new")
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("HELPLINE_MASTER_KEYS="))
    masters, active = parse_master_keys(line.removeprefix("HELPLINE_MASTER_KEYS="))
    assert active != "old" and list(masters) == [active, "old"]
    assert not (tmp_path / "keys.json").exists()


def test_purge_command_reports_what_it_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))
    code, out = run("purge")
    assert code == 0
    assert "Purged 0 cases inactive for over 90 days" in out


def test_doctor_reports_each_check_with_a_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))
    code, out = run("doctor")
    assert code == 1
    assert "note keys: none yet. The first 'helpline run' (or 'make run') writes a key file" in out
    assert "FIX  database: no database yet at" in out
    assert "ok   flows: no errors" in out and "ok   translations: complete" in out
    assert list(tmp_path.iterdir()) == []  # doctor wrote nothing

    assert run("db", "upgrade")[0] == 0
    monkeypatch.setenv("HELPLINE_MASTER_KEYS", f"k1:{encode(new_key())}")
    monkeypatch.setenv("HELPLINE_INDEX_KEY", encode(new_key()))
    monkeypatch.setenv("HELPLINE_REQUIRE_KEYS", "1")
    code, out = run("doctor")
    assert code == 0, out
    assert all(
        line.startswith(("ok ", "note jobs:", "note minimum wages:")) for line in out.splitlines()
    ), out
    assert "ok   database: schema is current" in out


def test_doctor_notices_data_keys_whose_master_key_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))
    database = open_database(settings_in(tmp_path), TEST_KDF)
    with database.records.unit() as unit:
        unit.open_case("vi", {}, "v1")
    monkeypatch.setenv("HELPLINE_MASTER_KEYS", f"other:{encode(new_key())}")
    monkeypatch.setenv("HELPLINE_INDEX_KEY", encode(new_key()))
    code, out = run("doctor")
    assert code == 1
    assert "data keys need master keys" in out and database.keys.keyring.active in out


# The crypto itself.


def test_lengths_say_little_about_the_text() -> None:
    key = new_key()
    short = seal(key, "k", b"a", "t|1|c")
    longer = seal(key, "k", "ồ".encode() * 80, "t|1|c")
    assert len(short) == len(longer)
    assert len(seal(key, "k", b"x" * PAD_BUCKET, "t|1|c")) > len(short)


def test_a_sealed_value_opens_only_with_its_key_and_place() -> None:
    key = new_key()
    blob = seal(key, "k", "Nguyễn".encode(), "cases|1|answers")
    assert open_sealed(key, blob, "cases|1|answers") == "Nguyễn".encode()
    for wrong_key, place in (
        (new_key(), "cases|1|answers"),
        (key, "cases|2|answers"),
        (key, "cases|1|state"),
    ):
        with pytest.raises(CryptoError):
            open_sealed(wrong_key, blob, place)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(CryptoError):
        open_sealed(key, tampered, "cases|1|answers")


def test_pseudonyms_are_stable_keyed_and_not_the_id() -> None:
    index = new_key()
    one = Keyring({"k": new_key()}, "k", index, TEST_KDF)
    same_index = Keyring({"k2": new_key()}, "k2", index, TEST_KDF)
    other = Keyring({"k": new_key()}, "k", new_key(), TEST_KDF)
    assert one.pseudonym("chat", 7123) == same_index.pseudonym("chat", 7123)
    assert one.pseudonym("chat", 7123) != other.pseudonym("chat", 7123)
    assert one.pseudonym("chat", 7123) != one.pseudonym("user", 7123)
    assert "7123" not in one.pseudonym("chat", 7123)


def test_a_missing_master_key_is_named(tmp_path: Path) -> None:
    database = open_database(settings_in(tmp_path), TEST_KDF)
    with database.records.unit() as unit:
        unit.save_conversation("chat", Conversation("vi"), None)
    stranger = Keyring({"other": new_key()}, "other", new_key(), TEST_KDF)
    with (
        pytest.raises(CryptoError, match=database.keys.keyring.active),
        SqlRecords(database.engine, stranger).unit() as unit,
    ):
        unit.conversation("chat")


def test_no_more_than_four_lookups_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    running, most = [0], [0]
    lock = threading.Lock()

    class SlowKdf:
        def __init__(self, **_: object) -> None:
            pass

        def derive(self, data: bytes) -> bytes:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.02)
            with lock:
                running[0] -= 1
            return hashlib.sha256(data).digest()

    monkeypatch.setattr(crypto, "Argon2id", SlowKdf)
    keyring = Keyring({"k": new_key()}, "k", new_key(), TEST_KDF)
    threads = [
        threading.Thread(target=keyring.resume_index, args=("080-0000-0000", f"{n:06d}"))
        for n in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 4


def test_doctor_checks_the_desk_and_its_roster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))
    assert "ok   desk: not connected" in run("doctor")[1]

    monkeypatch.setenv("HELPLINE_STAFF_CHAT_ID", "-1001234567890")
    monkeypatch.setenv("HELPLINE_STAFF_USER_IDS", "111111111,222222222")
    assert "FIX  desk: no roster at" in run("doctor")[1]

    roster = tmp_path / "roster.yaml"
    roster.write_text((ROOT / "deploy" / "roster.example.yaml").read_text(), encoding="utf-8")
    out = run("doctor")[1]
    assert "FIX  desk: on the roster but not in HELPLINE_STAFF_USER_IDS" in out
    assert "would be refused: Tanaka; add their ids" in out

    monkeypatch.setenv("HELPLINE_STAFF_USER_IDS", "111111111,222222222,333333333")
    assert "ok   desk: roster read (3 volunteers, 1 on call)" in run("doctor")[1]

    roster.write_text('volunteers:\n  - {id: 1, hours: "9-5"}\n', encoding="utf-8")
    out = run("doctor")[1]
    assert "FIX  desk:" in out and "hours should look like 10:00-18:00, not '9-5'" in out


def test_health_reads_the_heartbeat_the_running_bot_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))
    code, out = run("health")
    assert code == 1 and "no heartbeat" in out
    beat(tmp_path / "heartbeat.json", reachable=True)
    code, out = run("health")
    assert code == 0 and out.startswith("healthy")
    beat(tmp_path / "heartbeat.json", reachable=False)
    assert run("health") == (1, "unhealthy: the database did not answer\n")
    beat(tmp_path / "heartbeat.json", reachable=True)
    (tmp_path / "heartbeat.json").write_text('{"at": 1000.0, "database": true}')
    code, out = run("health")
    assert code == 1 and "old" in out


def test_keys_new_with_a_file_starts_a_key_file_apart_from_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "secrets" / "keys.json"
    code, out = run("keys", "new", "--file", str(path))
    assert code == 0 and "HELPLINE_KEY_FILE" in out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    assert run("keys", "new", "--file", str(path))[0] == 1  # never over an existing one
    assert path.read_bytes() == before
    monkeypatch.setenv("HELPLINE_KEY_FILE", str(path))
    monkeypatch.setenv("HELPLINE_REQUIRE_KEYS", "1")
    assert run("db", "upgrade")[0] == 0
    code, out = run("doctor")
    assert "ok   keys: from the key file" in out
