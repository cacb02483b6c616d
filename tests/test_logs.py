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
