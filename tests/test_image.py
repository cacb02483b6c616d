"""The container image, built from deploy/Dockerfile and run the way the runbook runs it.

The base image comes from ``deploy/local-base-image.sh`` when Docker Hub is out of reach (a
Debian bookworm stand-in for ``python:3.11-slim``; kept by Docker between runs, so it is made
once per machine). The image is built with ``--network host`` and run with ``--network host``
(never Docker's default bridge), read-only with the data volume and the ``/tmp`` tmpfs of
``deploy/compose.yaml``, without capabilities, against the fake Telegram (``FakeTelegramServer``
on loopback) and the test PostgreSQL (its Unix socket bind-mounted into the container). Then:
``/start`` is answered, the bot runs as uid 10001, root cannot write the root filesystem, the
image's own health check turns healthy, and ``docker stop`` (SIGTERM, SIGKILL after 10 s) ends
it with status 0.

Without Docker (no ``docker`` command, no daemon, or a base image that cannot be made) the
tests skip with one line saying why; ``HELPLINE_TEST_REQUIRE_DOCKER=1`` (set by ``.ci/run`` once
its daemon answers) makes that a failure. On the shared 2-core CI machine the first run took
about 4 minutes (the base image 2 min 9 s, the first build 56 s, the tests 40 s); later runs
reuse the base image and Docker's build cache, and this file takes 35 to 55 s.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from .conftest import ROOT, require
from .databases import PostgresServer
from .fakes.telegram_server import FakeTelegramServer
from .fakes.telegram_world import FakeTelegram
from .harness import TOKEN

IMAGE = f"trainee-helpline-test:{hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]}"
"""One tag per checkout: several checkouts may share the machine's Docker daemon."""
TITLE = "org.opencontainers.image.title=trainee-helpline"
"""The label of deploy/Dockerfile's final stage."""
TRAINEE = 424242
CONTAINER_TMP = "/tmp"  # noqa: S108 (the container's own: a tmpfs, as in deploy/compose.yaml)


def docker(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *argv], capture_output=True, text=True, check=False, timeout=timeout
    )


def skip_or_fail(reason: str) -> None:
    if os.environ.get("HELPLINE_TEST_REQUIRE_DOCKER") == "1":
        pytest.fail(f"Docker is required here (HELPLINE_TEST_REQUIRE_DOCKER=1): {reason}")
    pytest.skip(reason)


def build_image() -> str:
    """Make the base image if missing, build deploy/Dockerfile, and return the image's tag."""
    if shutil.which("docker") is None:
        skip_or_fail("no docker command here")
    if docker("info", timeout=30).returncode != 0:
        skip_or_fail("the Docker daemon does not answer (is dockerd running?)")
    base = subprocess.run(
        [str(ROOT / "deploy" / "local-base-image.sh")],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if base.returncode != 0:
        skip_or_fail(f"no base image: {(base.stderr or base.stdout).strip()[-300:]}")
    built = docker(
        "build",
        "--network",
        "host",
        "-f",
        "deploy/Dockerfile",
        "-t",
        IMAGE,
        str(ROOT),
        timeout=900,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    # The image this tag named before (untagged now); the build stage's cache stays.
    docker("image", "prune", "--force", "--filter", f"label={TITLE}")
    return IMAGE


def in_container(url: str) -> tuple[str, list[str]]:
    """The database URL as the container sees it, and the ``docker run`` mount that gives it.

    A server on a Unix socket (the throwaway cluster) is reached through its socket file,
    bind-mounted to /run/postgresql; a server over TCP is reached as is (host network).
    """
    parsed = make_url(url)
    folder = str(parsed.query.get("host") or "")
    if not folder.startswith("/"):
        return url, []
    socket = f".s.PGSQL.{parsed.query.get('port') or 5432}"
    inside = parsed.update_query_dict({"host": "/run/postgresql"})
    mount = ["-v", f"{folder}/{socket}:/run/postgresql/{socket}"]
    return inside.render_as_string(hide_password=False), mount


def new_key_file(image: str, folder: Path) -> Path:
    """``keys new --file`` run by the image as its own user, as in the runbook's section 4."""
    folder.mkdir()
    folder.chmod(0o777)  # the container's uid 10001 writes the key file here
    made = docker(
        "run", "--rm", "--network", "none", "--user", "10001", "-e", "HELPLINE_DATA_DIR=/tmp",
        "-v", f"{folder}:/out", image, "keys", "new", "--file", "/out/keys.json",
    )  # fmt: skip
    folder.chmod(0o700)
    assert made.returncode == 0, made.stdout + made.stderr
    return folder / "keys.json"


@dataclass
class Running:
    name: str
    world: FakeTelegram


def run_argv(
    name: str, volume: str, keys: Path, url: str, telegram: FakeTelegramServer
) -> list[str]:
    database, mount = in_container(url)
    return [
        "run", "--detach", "--name", name, "--network", "host",
        "--read-only", "--tmpfs", CONTAINER_TMP, "-v", f"{volume}:/var/lib/helpline",
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true",
        "-v", f"{keys}:/run/secrets/keys.json:ro", *mount,
        "-e", f"HELPLINE_TELEGRAM_TOKEN={TOKEN}",
        "-e", f"HELPLINE_TELEGRAM_API_URL={telegram.base_url}",
        "-e", f"HELPLINE_DATABASE_URL={database}",
        "-e", "HELPLINE_KEY_FILE=/run/secrets/keys.json",
        "-e", "HELPLINE_LOG_FORMAT=json",
        # The image's health check, run every 2 s instead of every 30 s (a test's patience).
        "--health-interval", "2s",
    ]  # fmt: skip


@pytest.fixture(name="image", scope="module")
def _image() -> str:
    return build_image()


@pytest.fixture(name="running", scope="module")
def _running(
    image: str, tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer | None
) -> Iterator[Running]:
    server = require(postgres)
    keys = new_key_file(image, tmp_path_factory.mktemp("image") / "secrets")
    name = f"helpline-test-{uuid.uuid4().hex[:10]}"
    volume = f"{name}-data"
    with (
        server.database(migrated=False) as url,
        FakeTelegramServer(FakeTelegram(), token=TOKEN) as telegram,
    ):
        started = docker(*run_argv(name, volume, keys, url, telegram), image)
        assert started.returncode == 0, started.stderr
        try:
            yield Running(name, telegram.world)
        finally:
            docker("rm", "--force", "--volumes", name)
            docker("volume", "rm", volume)


def state(running: Running) -> dict[str, object]:
    inspected = docker("inspect", "--format", "{{json .State}}", running.name)
    assert inspected.returncode == 0, inspected.stderr
    return json.loads(inspected.stdout)  # type: ignore[no-any-return]


def logs(running: Running) -> str:
    done = docker("logs", running.name)
    return done.stdout + done.stderr


def test_the_container_answers_start(running: Running) -> None:
    running.world.user_sends(TRAINEE, "/start", language_code="vi")
    deadline = time.monotonic() + 60
    while not running.world.bot_texts(TRAINEE) and time.monotonic() < deadline:
        assert state(running)["Running"], logs(running)[-3000:]
        time.sleep(0.2)
    assert running.world.bot_texts(TRAINEE)[0].startswith("Chọn ngôn ngữ"), logs(running)[-3000:]
    text = logs(running)
    assert '"event": "telegram.started"' in text and str(TRAINEE) not in text


def test_the_bot_runs_as_uid_10001(running: Running) -> None:
    pid = state(running)["Pid"]
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    ids = {line.split(":")[0]: line.split()[1:] for line in status if line[:4] in ("Uid:", "Gid:")}
    assert ids == {"Uid": ["10001"] * 4, "Gid": ["10001"] * 4}
    assert Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1:3] == [
        b"/opt/helpline/bin/helpline",
        b"run",
    ]


def test_not_even_root_can_write_the_root_filesystem(running: Running) -> None:
    for path in ("/opt/helpline/bin/planted", "/app/flows/planted.yaml", "/etc/planted"):
        tried = docker("exec", "--user", "0", running.name, "touch", path)
        assert tried.returncode != 0 and "Read-only file system" in tried.stderr, path
    wrote = docker("exec", running.name, "ls", "/var/lib/helpline")
    assert "heartbeat.json" in wrote.stdout  # the data volume is where the bot writes


def test_the_image_health_check_turns_healthy(running: Running) -> None:
    deadline = time.monotonic() + 90
    health: dict[str, object] = {}
    while time.monotonic() < deadline:
        health = state(running)["Health"]  # type: ignore[assignment]
        if health["Status"] == "healthy":
            break
        time.sleep(1)
    assert health["Status"] == "healthy", health
    checked = docker("inspect", "--format", "{{json .Config.Healthcheck.Test}}", running.name)
    assert json.loads(checked.stdout) == ["CMD", "helpline", "health"]


def test_the_runbook_checks_and_reload_work_in_the_running_container(running: Running) -> None:
    """Runbook section 7: the checks run in the container, SIGHUP reloads (``reload.done``)."""
    for check in (("flows", "check", "--strict"), ("i18n", "check")):
        done = docker("exec", running.name, "helpline", *check)
        assert done.returncode == 0, done.stdout + done.stderr
    assert docker("kill", "--signal", "HUP", running.name).returncode == 0
    deadline = time.monotonic() + 30
    while '"event": "reload.done"' not in logs(running) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert '"event": "reload.done"' in logs(running)


def test_the_check_refuses_a_broken_flow_mounted_over_the_image_s(
    image: str, tmp_path: Path
) -> None:
    """Section 7's mounts (``../flows:/app/flows:ro``): a broken edit is named, file and line."""
    shutil.copytree(ROOT / "flows", tmp_path / "flows")
    broken = sorted((tmp_path / "flows").glob("*.yaml"))[0]
    broken.write_text(broken.read_text() + "\n  - this: [is not closed\n")
    done = docker(
        "run", "--rm", "--network", "none", "--read-only",
        "-v", f"{tmp_path / 'flows'}:/app/flows:ro", image, "flows", "check", "--strict",
    )  # fmt: skip
    assert done.returncode == 1
    assert f"/app/flows/{broken.name}:" in done.stdout and "not valid YAML" in done.stdout


def test_docker_stop_ends_it_with_status_0(running: Running) -> None:
    """``docker stop -t 10``: SIGTERM (the image's STOPSIGNAL), then SIGKILL at 10 s (137)."""
    stopped = docker("stop", "--time", "10", running.name)
    assert stopped.returncode == 0, stopped.stderr
    after = state(running)
    assert (after["Running"], after["ExitCode"], after["OOMKilled"]) == (False, 0, False)
    assert '"event": "telegram.stopped"' in logs(running)
