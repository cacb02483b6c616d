"""Settings from the environment: every problem at once, each with a fix; secrets never shown."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings


def settings(**env: str) -> Settings:
    return Settings.from_env(env)


def problems(**env: str) -> str:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    return str(caught.value)


def test_the_defaults_poll_and_wipe_after_thirty_minutes() -> None:
    got = settings()
    assert got.webhook_url is None and got.idle_wipe_minutes == 30
    assert got.staff_chat_id is None and got.staff_user_ids == frozenset()


def test_a_webhook_needs_https_and_a_secret() -> None:
    text = problems(HELPLINE_WEBHOOK_URL="http://example.org/hook")
    assert "must start with https://" in text
    assert "HELPLINE_WEBHOOK_SECRET is needed" in text
    assert "may only hold" in problems(
        HELPLINE_WEBHOOK_URL="https://example.org/hook", HELPLINE_WEBHOOK_SECRET="a b"
    )
    got = settings(
        HELPLINE_WEBHOOK_URL="https://example.org/hook",
        HELPLINE_WEBHOOK_SECRET="abc_DEF-123",
        HELPLINE_WEBHOOK_LISTEN="0.0.0.0:8443",
    )
    assert got.webhook_listen == ("0.0.0.0", 8443)
    assert got.webhook_secret is not None and got.webhook_secret.reveal() == "abc_DEF-123"
    assert "abc_DEF-123" not in repr(got)


def test_the_staff_group_and_members_are_numbers() -> None:
    got = settings(HELPLINE_STAFF_CHAT_ID="-1001234567890", HELPLINE_STAFF_USER_IDS="11, 22,33")
    assert got.staff_chat_id == -1001234567890
    assert got.staff_user_ids == frozenset({11, 22, 33})
    text = problems(HELPLINE_STAFF_CHAT_ID="12345", HELPLINE_STAFF_USER_IDS="11,bob")
    assert "like -1001234567890" in text and "separated by commas" in text


def test_a_desk_without_volunteers_is_refused() -> None:
    text = problems(HELPLINE_STAFF_CHAT_ID="-1001234567890")
    assert "HELPLINE_STAFF_USER_IDS is needed" in text


@pytest.mark.parametrize("value", ["0", "1441", "soon", "-5"])
def test_the_idle_wipe_stays_within_a_day(value: str) -> None:
    assert "HELPLINE_IDLE_WIPE_MINUTES" in problems(HELPLINE_IDLE_WIPE_MINUTES=value)


def test_a_bad_listen_address_is_explained() -> None:
    assert "host:port" in problems(HELPLINE_WEBHOOK_LISTEN="localhost")


def test_every_problem_is_reported_at_once() -> None:
    text = problems(
        HELPLINE_TELEGRAM_TOKEN="nope",
        HELPLINE_RETENTION_DAYS="forever",
        HELPLINE_IDLE_WIPE_MINUTES="0",
        HELPLINE_DATABASE_URL="mysql://x",
    )
    assert text.count("\n  - ") == 4
    assert "nope" not in text.split("HELPLINE_TELEGRAM_TOKEN")[0]


def test_audit_rows_have_a_retention_of_their_own() -> None:
    assert settings().audit_days == 365
    assert settings(HELPLINE_AUDIT_DAYS="30").audit_days == 30
    assert "HELPLINE_AUDIT_DAYS" in problems(HELPLINE_AUDIT_DAYS="forever")
