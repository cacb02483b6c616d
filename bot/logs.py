"""How the helpline writes its logs: plain lines for people, or JSON lines for a log system.

Log records carry an event name as their message (``update.failed``) and, in ``extra``, a few
fields chosen in code: error classes, counts, reasons (``why``), never a text, a name, a
username, a phone number or a Telegram id. Both forms write only what passes one filter
(``safe_fields``): the event, if the message is a plain event name (otherwise just ``log``:
a message with arguments, like python-telegram-bot's "Error while parsing updates! Received
data was …", never reaches the log); extra fields that are numbers, booleans or short words;
an exception's class and where it was raised (file and line), never its message or traceback,
which may quote what a user sent. The filter sits in the formatters, on the root handler, so
it covers every logger, the libraries' (telegram, httpx, httpcore, asyncio, uvicorn) at every
level, CRITICAL included.

Only ``configure`` touches the logging setup; ``bot.cli`` calls it once.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from pathlib import PurePath
from types import TracebackType
from typing import TextIO

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_WORD = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _safe(value: object) -> bool:
    if isinstance(value, bool | int | float):
        return True
    return isinstance(value, str) and bool(_WORD.fullmatch(value))


def safe_fields(record: logging.LogRecord) -> dict[str, object]:
    """What of a record may be written: the event, safe extra fields, the exception's class."""
    plain = isinstance(record.msg, str) and _safe(record.msg) and not record.args
    fields: dict[str, object] = {"event": record.msg if plain else "log"}
    for key, value in vars(record).items():
        if key not in _STANDARD and _safe(value):
            fields[key] = value
    if record.exc_info and record.exc_info[0] is not None:
        fields["exception"] = record.exc_info[0].__name__
        where = _raised_at(record.exc_info[2])
        if where:
            fields["at"] = where
    return fields


def _raised_at(trace: TracebackType | None) -> str:
    """``file.py:123``, where the exception was raised (a place in code, never a value)."""
    last = traceback.extract_tb(trace)[-1:] if trace is not None else []
    return f"{PurePath(last[0].filename).name}:{last[0].lineno}" if last else ""


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, then ``safe_fields``."""

    def format(self, record: logging.LogRecord) -> str:
        """Render a record; a message that is not a plain event name is replaced by one."""
        line: dict[str, object] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        line |= safe_fields(record)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """One plain line: time, level, logger, event, then the other safe fields as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        """Render a record through the same filter as the JSON form."""
        fields = safe_fields(record)
        event = fields.pop("event")
        rest = "".join(f" {key}={value}" for key, value in fields.items())
        return f"{_time(record)} {record.levelname} {record.name} {event}{rest}"


def configure(level: str, fmt: str = "text", stream: TextIO | None = None) -> None:
    """Send the logs to ``stream`` (stderr) as plain lines or JSON (``fmt='json'``)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
