"""Settings from the environment: the only module that reads it.

``Settings.from_env(environ)`` collects every problem and raises one ``ConfigError`` listing them
all, so an operator fixes everything in one go. Secrets are wrapped in ``Secret`` so they never
appear in a log or a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout this package runs from; flows and locales default to its folders."""


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

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read settings from ``environ``; raise ``ConfigError`` listing every problem."""
        problems: list[str] = []
        token = environ.get("HELPLINE_TELEGRAM_TOKEN", "").strip() or None
        if token is not None and ":" not in token:
            problems.append(
                "HELPLINE_TELEGRAM_TOKEN does not look like a bot token "
                "(BotFather gives one like 123456:ABC-DEF...)"
            )
        api_url = environ.get("HELPLINE_TELEGRAM_API_URL", "").strip() or None
        if api_url is not None and not api_url.startswith(("http://", "https://")):
            problems.append(
                "HELPLINE_TELEGRAM_API_URL should start with http:// or https:// "
                "(for example http://127.0.0.1:8081/bot{token})"
            )
        flows_dir = Path(environ.get("HELPLINE_FLOWS_DIR", "") or PROJECT_ROOT / "flows")
        if not flows_dir.is_dir():
            problems.append(f"HELPLINE_FLOWS_DIR: no folder at {flows_dir}")
        locales_dir = Path(environ.get("HELPLINE_LOCALES_DIR", "") or PROJECT_ROOT / "locales")
        if not locales_dir.is_dir():
            problems.append(f"HELPLINE_LOCALES_DIR: no folder at {locales_dir}")
        log_level = environ.get("HELPLINE_LOG_LEVEL", "").strip().upper() or None
        if log_level is not None and log_level not in logging.getLevelNamesMapping():
            problems.append(
                f"HELPLINE_LOG_LEVEL: unknown level '{log_level}' "
                "(use DEBUG, INFO, WARNING or ERROR)"
            )
        if problems:
            raise ConfigError(
                "the configuration has problems:\n" + "\n".join(f"  - {p}" for p in problems)
            )
        return cls(Secret(token) if token else None, api_url, flows_dir, locales_dir, log_level)
