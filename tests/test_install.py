"""The runbook's install, replayed: the built package, a key file apart, PostgreSQL, a start.

The project is built into a wheel and unpacked outside the checkout (as ``pip install`` would
put it), then driven only by its ``helpline`` command and the environment, the way
deploy/README.md (section 10) does on a server: ``keys new --file``, ``db upgrade``, ``doctor``,
and ``run`` against the fake Telegram over loopback HTTP, answering a trainee's ``/start``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from .conftest import ROOT, require
from .databases import PostgresServer
from .fakes.telegram_server import FakeTelegramServer
from .fakes.telegram_world import FakeTelegram
from .harness import TOKEN


def build(tmp_path: Path) -> Path:
    """Build the wheel and unpack it into a folder of its own; return that folder."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def test_the_runbook_install_starts_against_postgres(
    tmp_path: Path, postgres: PostgresServer | None
) -> None:
    server = require(postgres)
    site = build(tmp_path)
    assert (site / "bot" / "storage" / "migrations" / "versions").is_dir()
    secrets, data = tmp_path / "etc-helpline", tmp_path / "var-lib-helpline"
    with (
        server.database(migrated=False) as url,
        FakeTelegramServer(FakeTelegram(), token=TOKEN) as telegram,
    ):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")},
            "PYTHONPATH": str(site),  # the installed package, not the checkout
            "HELPLINE_TELEGRAM_TOKEN": TOKEN,
            "HELPLINE_TELEGRAM_API_URL": telegram.base_url,
            "HELPLINE_DATABASE_URL": url,
            "HELPLINE_KEY_FILE": str(secrets / "keys.json"),
            "HELPLINE_REQUIRE_KEYS": "1",
            "HELPLINE_DATA_DIR": str(data),
            "HELPLINE_FLOWS_DIR": str(ROOT / "flows"),
            "HELPLINE_LOCALES_DIR": str(ROOT / "locales"),
            "HELPLINE_LOG_FORMAT": "json",
        }

        def helpline(*argv: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "bot", *argv],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )

        assert helpline("keys", "new", "--file", str(secrets / "keys.json")).returncode == 0
        assert helpline("db", "upgrade").returncode == 0
        doctor = helpline("doctor")
        assert doctor.returncode == 0, doctor.stdout
        assert "ok   database: schema is current" in doctor.stdout
        assert "ok   keys: from the key file" in doctor.stdout
        assert not list(data.glob("keys*"))  # no key file beside the data

        world = telegram.world
        with (tmp_path / "bot.log").open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, stdout=log, stderr=log
            )
        try:
            world.user_sends(424242, "/start", language_code="vi")
            deadline = time.monotonic() + 30
            while not world.bot_texts(424242) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert world.bot_texts(424242)[0].startswith("Chọn ngôn ngữ")
        finally:
            process.terminate()
            assert process.wait(timeout=15) == 0
        log_text = (tmp_path / "bot.log").read_text()
        assert '"event": "telegram.started"' in log_text and "424242" not in log_text
        assert '"event": "leader.elected"' in log_text
