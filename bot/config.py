"""Settings from the environment: the only module that reads it.

``Settings.from_env(environ)`` collects every problem and raises one ``ConfigError`` listing them
all, so an operator fixes everything in one go. Secrets (the bot token, the database URL, the
keys) are wrapped in ``Secret`` so they never appear in a log or a traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout this package runs from; flows and locales default to its folders."""

TRUE = ("1", "true", "yes", "on")


class ConfigError(ValueError):
    """One or more settings are wrong; the message lists each with a fix."""


class Secret:
    """A secret string that prints as asterisks."""

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret itself (only where it is used)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the helpline can be configured with."""

    telegram_token: Secret | None = None
    telegram_api_url: str | None = None
    flows_dir: Path = PROJECT_ROOT / "flows"
    locales_dir: Path = PROJECT_ROOT / "locales"
    log_level: str | None = None
    """None: the command decides (INFO for the bot, WARNING for the terminal chat)."""
    log_format: str = "text"
    """``text`` (lines for people) or ``json`` (one object a line, for a log system)."""
    data_dir: Path = Path("var")
    database_url: Secret | None = None
    """None: the embedded SQLite file in ``data_dir``."""
    master_keys: Secret | None = None
    index_key: Secret | None = None
    key_file: Path = field(default=Path("var") / "keys.json")
    require_keys: bool = False
    retention_days: int = 90
    audit_days: int = 365
    """Audit rows older than this are purged (they hold no content, but say who did what)."""
    idle_wipe_minutes: int = 30
    """A chat nobody touched for this long is wiped on both sides (always far below 48 h)."""
    staff_chat_id: int | None = None
    """The union desk's forum supergroup."""
    staff_user_ids: frozenset[int] = frozenset()
    roster_file: Path | None = None
    """The volunteer roster (None: ``roster.yaml`` in the data folder)."""
    unclaimed_hours: int = 4
    """A case nobody took for this long is announced again."""
    webhook_url: str | None = None
    """Set: Telegram posts updates here (webhook mode); unset: the helpline polls."""
    webhook_listen: tuple[str, int] = ("127.0.0.1", 8080)
    webhook_secret: Secret | None = None
    metrics_listen: tuple[str, int] | None = None
    """Polling mode: serve ``/healthz`` and ``/metrics`` here (a webhook serves them anyway)."""
    failpoint: str | None = None
    """For the fault tests only: ``name:count`` kills the process at that point."""

    @property
    def roster_path(self) -> Path:
        """Where the roster is read from (a missing file is an empty roster)."""
        return self.roster_file or self.data_dir / "roster.yaml"

    @property
    def heartbeat_file(self) -> Path:
        """Where the running bot notes that its clock turns (read by ``helpline health``)."""
        return self.data_dir / "heartbeat.json"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read settings from ``environ``; raise ``ConfigError`` listing every problem.

        The groups are read in a fixed order, and their problems listed in it: Telegram, the
        database, logging, the webhook, the desk, the folders, the clock's jobs, the keys, and
        last the address the webhook listens on.
        """
        read = _Reader(environ)
        token, api_url = _telegram(read)
        database_url = _database_url(read)
        log_level, log_format = _logging(read)
        data_dir = Path(read.text("HELPLINE_DATA_DIR") or "var")
        webhook_url, webhook_secret = _webhook(read)
        staff_chat_id, staff_user_ids, roster_file = _desk(read)
        flows_dir = read.folder("HELPLINE_FLOWS_DIR", PROJECT_ROOT / "flows")
        locales_dir = read.folder("HELPLINE_LOCALES_DIR", PROJECT_ROOT / "locales")
        retention_days, audit_days, idle_wipe_minutes, unclaimed_hours = _clock_jobs(read)
        master_keys, index_key, key_file, require_keys = _keys(read, data_dir)
        settings = cls(
            telegram_token=_secret(token),
            telegram_api_url=api_url,
            flows_dir=flows_dir,
            locales_dir=locales_dir,
            log_level=log_level,
            log_format=log_format,
            data_dir=data_dir,
            database_url=_secret(database_url),
            master_keys=master_keys,
            index_key=index_key,
            key_file=key_file,
            require_keys=require_keys,
            retention_days=retention_days,
            audit_days=audit_days,
            idle_wipe_minutes=idle_wipe_minutes,
            staff_chat_id=staff_chat_id,
            staff_user_ids=staff_user_ids,
            roster_file=roster_file,
            unclaimed_hours=unclaimed_hours,
            webhook_url=webhook_url,
            webhook_listen=read.address("HELPLINE_WEBHOOK_LISTEN", ("127.0.0.1", 8080)),
            webhook_secret=_secret(webhook_secret),
            metrics_listen=_optional(read.address("HELPLINE_METRICS_LISTEN", ("", 0))),
            failpoint=read.text("HELPLINE_FAILPOINT"),
        )
        if read.problems:
            raise ConfigError(
                "the configuration has problems:\n" + "\n".join(f"  - {p}" for p in read.problems)
            )
        return settings


def _telegram(read: _Reader) -> tuple[str | None, str | None]:
    """The bot token and the Bot API's address (for a local Bot API server)."""
    token = read.text("HELPLINE_TELEGRAM_TOKEN")
    if token is not None and ":" not in token:
        read.problem(
            "HELPLINE_TELEGRAM_TOKEN does not look like a bot token (BotFather "
            "gives one like 123456:ABC-DEF...)"
        )
    api_url = read.text("HELPLINE_TELEGRAM_API_URL")
    if api_url is not None and not api_url.startswith(("http://", "https://")):
        read.problem(
            "HELPLINE_TELEGRAM_API_URL should start with http:// or https:// "
            "(for example http://127.0.0.1:8081/bot{token})"
        )
    return token, api_url


def _database_url(read: _Reader) -> str | None:
    """The database's URL (None: the embedded SQLite file)."""
    database_url = read.text("HELPLINE_DATABASE_URL")
    if database_url is not None and not database_url.startswith(
        ("sqlite:", "postgres://", "postgresql://", "postgresql+")
    ):
        read.problem("HELPLINE_DATABASE_URL should start with postgresql:// (or sqlite:///)")
    return database_url


def _logging(read: _Reader) -> tuple[str | None, str]:
    """The log level (None: the command decides) and the log format."""
    log_level = (read.text("HELPLINE_LOG_LEVEL") or "").upper() or None
    if log_level is not None and log_level not in logging.getLevelNamesMapping():
        read.problem(
            f"HELPLINE_LOG_LEVEL: unknown level '{log_level}' (use DEBUG, INFO, WARNING or ERROR)"
        )
    log_format = (read.text("HELPLINE_LOG_FORMAT") or "text").lower()
    if log_format not in ("text", "json"):
        read.problem(f"HELPLINE_LOG_FORMAT: use text or json, not '{log_format}'")
    return log_level, log_format


def _webhook(read: _Reader) -> tuple[str | None, str | None]:
    """The webhook's public URL and its secret, which go together."""
    webhook_url = read.text("HELPLINE_WEBHOOK_URL")
    if webhook_url is not None and not webhook_url.startswith("https://"):
        read.problem(
            "HELPLINE_WEBHOOK_URL must start with https:// (Telegram only posts to HTTPS)"
        )
    webhook_secret = read.text("HELPLINE_WEBHOOK_SECRET")
    if webhook_url and not webhook_secret:
        read.problem(
            "HELPLINE_WEBHOOK_SECRET is needed with HELPLINE_WEBHOOK_URL (1-256 characters "
            "of A-Z, a-z, 0-9, _ and -), so that only Telegram can post updates"
        )
    if webhook_secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", webhook_secret):
        read.problem("HELPLINE_WEBHOOK_SECRET may only hold A-Z, a-z, 0-9, _ and -")
    return webhook_url, webhook_secret


def _desk(read: _Reader) -> tuple[int | None, frozenset[int], Path | None]:
    """The union desk's group, the volunteers who may answer in it, and their roster."""
    staff_chat_id = read.chat_id("HELPLINE_STAFF_CHAT_ID")
    staff_user_ids = read.user_ids("HELPLINE_STAFF_USER_IDS")
    if staff_chat_id is not None and not staff_user_ids:
        read.problem(
            "HELPLINE_STAFF_USER_IDS is needed with HELPLINE_STAFF_CHAT_ID: the Telegram user "
            "ids of the volunteers who may answer (nobody else's messages are relayed)"
        )
    roster = read.text("HELPLINE_ROSTER_FILE")
    return staff_chat_id, staff_user_ids, Path(roster) if roster else None


def _clock_jobs(read: _Reader) -> tuple[int, int, int, int]:
    """The clock's jobs: retention and audit days (purge), idle wipe minutes, unclaimed hours."""
    return (
        read.number("HELPLINE_RETENTION_DAYS", 90, low=1, high=3650),
        read.number("HELPLINE_AUDIT_DAYS", 365, low=1, high=3650),
        read.number("HELPLINE_IDLE_WIPE_MINUTES", 30, low=1, high=24 * 60),
        read.number("HELPLINE_UNCLAIMED_HOURS", 4, low=1, high=24 * 7),
    )


def _keys(read: _Reader, data_dir: Path) -> tuple[Secret | None, Secret | None, Path, bool]:
    """The master keys and the index key (or the key file), and whether keys are required."""
    return (
        _secret(read.text("HELPLINE_MASTER_KEYS")),
        _secret(read.text("HELPLINE_INDEX_KEY")),
        Path(read.text("HELPLINE_KEY_FILE") or data_dir / "keys.json"),
        (read.text("HELPLINE_REQUIRE_KEYS") or "").lower() in TRUE,
    )


def _optional(address: tuple[str, int]) -> tuple[str, int] | None:
    return address if address[0] else None


def _secret(value: str | None) -> Secret | None:
    return Secret(value) if value else None


class _Reader:
    """Reads variables and collects every problem."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.problems: list[str] = []

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def text(self, name: str) -> str | None:
        return self.environ.get(name, "").strip() or None

    def folder(self, name: str, default: Path) -> Path:
        path = Path(self.text(name) or default)
        if not path.is_dir():
            self.problem(f"{name}: no folder at {path}")
        return path

    def chat_id(self, name: str) -> int | None:
        text = self.text(name)
        if text is None:
            return None
        if not re.fullmatch(r"-100\d{5,}", text):
            self.problem(
                f"{name} should be the union desk group's id, like -1001234567890 (not '{text}')"
            )
            return None
        return int(text)

    def user_ids(self, name: str) -> frozenset[int]:
        text = self.text(name) or ""
        ids = [part.strip() for part in text.split(",") if part.strip()]
        if not all(part.isdigit() for part in ids):
            self.problem(f"{name} should be Telegram user ids separated by commas, like 123,456")
            return frozenset()
        return frozenset(int(part) for part in ids)

    def address(self, name: str, default: tuple[str, int]) -> tuple[str, int]:
        text = self.text(name)
        if text is None:
            return default
        host, _, port = text.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:  # noqa: PLR2004
            self.problem(f"{name} should be host:port, like 127.0.0.1:8080 (not '{text}')")
            return default
        return host, int(port)

    def number(self, name: str, default: int, low: int, high: int) -> int:
        text = self.text(name)
        if text is None:
            return default
        if not text.isdigit() or not low <= int(text) <= high:
            self.problem(f"{name} should be a whole number from {low} to {high}, not '{text}'")
            return default
        return int(text)
