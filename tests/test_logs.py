"""The log formats: JSON lines keep event names and safe fields, never what a user sent."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure

from .test_config import problems


@pytest.fixture(name="stream")
def _stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_event_and_safe_fields(stream: io.StringIO) -> None:
    configure("INFO", "json", stream)
    log = logging.getLogger("bot.service.desk")
    log.warning("desk.refused", extra={"why": "not_staff", "dropped": 3, "urgent": True})
    (line,) = lines(stream)
    assert line["event"] == "desk.refused" and line["level"] == "warning"
    assert line["logger"] == "bot.service.desk"
    assert (line["why"], line["dropped"], line["urgent"]) == ("not_staff", 3, True)
    assert str(line["time"]).endswith("+00:00")


def test_anything_that_could_be_content_is_left_out(stream: io.StringIO) -> None:
    configure("INFO", "json", stream)
    log = logging.getLogger("bot.service")
    identity = "Nguyễn Văn A 090-1234-5678"
    log.info("handoff.requested", extra={"text": identity, "chat": {"id": 424242}})
    log.info("the trainee wrote %s", identity)  # a mistake in the code: still nothing leaks
    try:
        raise ValueError(identity)
    except ValueError:
        log.exception("update.failed")
    written = stream.getvalue()
    assert "Nguyễn" not in written and "090" not in written and "424242" not in written
    first, second, third = lines(stream)
    assert "text" not in first and "chat" not in first
    assert second["event"] == "log"
    assert third["exception"] == "ValueError"


def test_text_is_the_default_and_below_the_level_nothing_is_written(
    stream: io.StringIO,
) -> None:
    configure("WARNING", "text", stream)
    logging.getLogger("bot").info("conversation.opened")
    logging.getLogger("bot").warning("clock.failed")
    (line,) = stream.getvalue().splitlines()
    assert line.endswith("WARNING bot clock.failed")


def test_an_unknown_log_format_is_a_configuration_problem() -> None:
    assert "HELPLINE_LOG_FORMAT: use text or json" in problems(HELPLINE_LOG_FORMAT="xml")


CANARY_USER = {"id": 424242, "first_name": "Nguyễn", "username": "canary_user"}


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_library_logger_can_write_update_data_at_any_level(
    stream: io.StringIO, fmt: str
) -> None:
    """python-telegram-bot logs a whole update when it cannot parse one, at CRITICAL."""
    configure("DEBUG", fmt, stream)
    update = {"update_id": 7, "message": {"from": CANARY_USER, "text": "hộ chiếu 090-1234-5678"}}
    logging.getLogger("telegram.Bot").critical(
        "Error while parsing updates! Received data was %r", update
    )
    logging.getLogger("telegram.ext.Updater").error("Error: %s", update, exc_info=False)
    logging.getLogger("httpx").warning(
        'HTTP Request: POST %s "HTTP/1.1 200 OK"', "https://x/bot123:AAsecret/getUpdates"
    )
    try:
        raise ValueError(f"could not read {update}")
    except ValueError:
        logging.getLogger("asyncio").exception("Task exception was never retrieved: %s", update)
        logging.getLogger("bot.telegram_adapter.worker").exception("update.failed")
        logging.getLogger("uvicorn.error").error("Exception in ASGI application\n", exc_info=True)
    written = stream.getvalue()
    for secret in (
        "424242",
        "Nguyễn",
        "canary_user",
        "hộ chiếu",
        "090-1234",
        "AAsecret",
    ):
        assert secret not in written
    assert written.count("\n") == 6  # every record still leaves its line
    assert "ValueError" in written and "test_logs.py:" in written  # class and place kept


def test_the_text_form_keeps_event_names_and_safe_fields(stream: io.StringIO) -> None:
    configure("INFO", "text", stream)
    logging.getLogger("bot.service.desk").warning(
        "desk.refused", extra={"why": "not_staff", "chat": {"id": 424242}, "text": "hi there"}
    )
    line = stream.getvalue().strip()
    assert line.endswith("WARNING bot.service.desk desk.refused why=not_staff")
