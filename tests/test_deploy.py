"""The deployment files stay valid and true: the systemd unit, compose, image, proxy, settings.

Where the real tools exist (``systemd-analyze``, ``docker compose``, ``caddy``) they validate the
files; the structural checks run everywhere.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT

DEPLOY = ROOT / "deploy"


def settings_read_by_the_code() -> set[str]:
    return set(re.findall(r'"(HELPLINE_[A-Z_]+)"', (ROOT / "bot" / "config.py").read_text()))


def test_every_setting_is_documented_in_the_env_example_and_the_readme() -> None:
    example = (DEPLOY / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    internal = {"HELPLINE_FAILPOINT"}  # for the crash tests only
    names = settings_read_by_the_code() - internal
    assert len(names) > 20
    assert sorted(n for n in names if n not in example) == []
    assert sorted(n for n in names if f"`{n}`" not in readme) == []


def test_the_systemd_unit_is_hardened() -> None:
    unit = (DEPLOY / "helpline.service").read_text()
    for line in (
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "LoadCredential=keys.json:/etc/helpline/keys.json",
        "HELPLINE_REQUIRE_KEYS=1",
    ):
        assert line in unit.splitlines() or f"Environment={line}" in unit.splitlines(), line


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    program = tmp_path / "helpline"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    unit = (
        (DEPLOY / "helpline.service")
        .read_text()
        .replace("/opt/helpline/bin/helpline", str(program))
    )
    path = tmp_path / "helpline.service"
    path.write_text(unit)
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    problems = [line for line in done.stderr.splitlines() if "helpline.service" in line]
    assert done.returncode == 0 and problems == [], done.stderr


def compose() -> dict[str, object]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())  # type: ignore[no-any-return]


def test_compose_runs_the_bot_on_postgres_with_the_keys_apart() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    bot, db = services["helpline"], services["db"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert bot["environment"]["HELPLINE_DATABASE_URL"].startswith("postgresql://")
    assert bot["environment"]["HELPLINE_KEY_FILE"] == "/run/secrets/keys.json"
    assert {s["source"] for s in bot["secrets"]} == {"keys", "pgpass"}
    volumes = " ".join(bot["volumes"] + db["volumes"])
    assert "keys" not in volumes  # the keys never sit in a data volume
    assert bot["env_file"] == ".env" and bot["ports"] == ["127.0.0.1:8080:8080"]
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored and "deploy/secrets/" in ignored


def test_the_image_is_multi_stage_unprivileged_checked_and_health_checked() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert dockerfile.count("\nFROM ") + dockerfile.startswith("FROM ") >= 2
    assert "\nUSER 10001:10001\n" in dockerfile  # tests/test_image.py runs it
    assert "HEALTHCHECK" in dockerfile and '"helpline", "health"' in dockerfile
    for check in ("flows check --strict", "i18n check", "i18n compile"):
        assert check in dockerfile


@pytest.mark.skipif(
    subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode
    != 0
    if shutil.which("docker")
    else True,
    reason="no docker compose here",
)
def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "deploy"
    shutil.copytree(DEPLOY, folder)
    shutil.copy(folder / ".env.example", folder / ".env")
    (folder / "secrets").mkdir()
    for name in ("keys.json", "pgpass", "db_password"):
        (folder / "secrets" / name).write_text("x\n")
    done = subprocess.run(
        ["docker", "compose", "-f", str(folder / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_proxy_forwards_only_telegrams_posts_with_the_secret() -> None:
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "header X-Telegram-Bot-Api-Secret-Token {$HELPLINE_WEBHOOK_SECRET}" in caddy
    assert "remote_ip 149.154.160.0/20 91.108.4.0/22" in caddy
    assert "respond 404" in caddy and "output discard" in caddy
    assert "max_size 1MiB" in caddy  # the bot's own limit (webhook.MAX_BODY)
    assert "read_header 10s" in caddy and "read_body 10s" in caddy  # webhook.READ_TIMEOUT


@pytest.mark.skipif(shutil.which("caddy") is None, reason="no caddy here")
def test_caddy_accepts_the_config() -> None:
    done = subprocess.run(
        ["caddy", "validate", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        check=False,
        env={"HELPLINE_WEBHOOK_SECRET": "x", "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    assert done.returncode == 0, done.stderr
