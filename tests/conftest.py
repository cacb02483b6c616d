"""Shared fixtures: the real flows, a service over them on a fixed day, keys and databases."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.assemble import build_helpline
from bot.flowdefs.folder import load_or_fail
from bot.flowdefs.model import FlowSet
from bot.service import Helpline
from bot.service.call import HERE, SKIP, YES
from bot.storage.connection import make_engine
from bot.storage.crypto import KdfCost, Keyring, new_key
from bot.storage.memory import MemoryRecords

from .databases import PostgresServer, sqlite_engine, throwaway_cluster
from .fakes.telegram_model import WORLDS

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
LOCALES = ROOT / "locales"
TODAY = date(2026, 11, 27)
AGREE_AT_THE_DESK = (YES, SKIP, HERE)
"""The buttons from the consent question to the PIN offer, with a desk connected (without one,
asking for a person opens no case): "I agree", no note for the volunteer, replies here."""


@pytest.fixture(autouse=True)
def _data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own data folder: no test writes into the checkout's ``var/``."""
    for name in ("HELPLINE_DATABASE_URL", "HELPLINE_MASTER_KEYS", "HELPLINE_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path_factory.mktemp("var")))


@pytest.fixture(autouse=True)
def _no_identity_reaches_the_desk() -> Iterator[None]:
    """Across every test: no group ever gets a trainee's name, username, id or phone number."""
    before = set(WORLDS)
    yield
    leaks = [
        leak
        for key, world in list(WORLDS.items())
        if key not in before
        for leak in world.leaks_to_groups()
    ]
    assert leaks == []


@pytest.fixture(name="flows", scope="session")
def _flows() -> FlowSet:
    return load_or_fail(FLOWS, TODAY)


@pytest.fixture(name="helpline")
def _helpline() -> Helpline:
    helpline = build_helpline(FLOWS, LOCALES, MemoryRecords(), today=lambda: TODAY)
    helpline.sleep = lambda _: None  # the resume check's padding is tested in test_dialogs
    return helpline


TEST_KDF = KdfCost(memory_kib=256, iterations=1)
"""Argon2id made cheap for tests; ``test_keys`` checks the production cost separately."""


def make_keyring(*key_ids: str) -> Keyring:
    """Return a keyring with fresh master keys (the first active) and a fresh index key."""
    ids = key_ids or ("k1",)
    return Keyring({kid: new_key() for kid in ids}, ids[0], new_key(), TEST_KDF)


@pytest.fixture(name="keyring")
def _keyring() -> Keyring:
    return make_keyring()


@pytest.fixture(name="postgres", scope="session")
def _postgres() -> Iterator[PostgresServer | None]:
    """A PostgreSQL server for the whole run (or None when PostgreSQL is not installed)."""
    given = os.environ.get("HELPLINE_TEST_POSTGRES_URL")
    if given:
        server = PostgresServer(given)
        yield server
        server.close()
        return
    with throwaway_cluster() as cluster:
        if cluster is None:
            yield None
            return
        server = PostgresServer(cluster.url, cluster)
        yield server
        server.close()


def require(postgres: PostgresServer | None) -> PostgresServer:
    """Return the server, or skip (fail in CI) when there is none."""
    if postgres is None:
        if os.environ.get("HELPLINE_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required here (HELPLINE_TEST_REQUIRE_POSTGRES=1)")
        pytest.skip("PostgreSQL is not installed")
    return postgres


@pytest.fixture(name="engine", params=["sqlite", "postgresql"])
def _engine(
    request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresServer | None
) -> Iterator[Engine]:
    """A migrated database: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        engine = sqlite_engine(tmp_path)
        yield engine
        engine.dispose()
        return
    with require(postgres).database() as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture(name="workspace")
def _workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of flows/ and locales/ that a test may break, pointed at by the environment."""
    shutil.copytree(FLOWS, tmp_path / "flows")
    shutil.copytree(LOCALES, tmp_path / "locales")
    monkeypatch.setenv("HELPLINE_FLOWS_DIR", str(tmp_path / "flows"))
    monkeypatch.setenv("HELPLINE_LOCALES_DIR", str(tmp_path / "locales"))
    monkeypatch.chdir(tmp_path)
    return tmp_path
