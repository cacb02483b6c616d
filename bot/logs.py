"""How the helpline writes its logs: plain lines for people, or JSON lines for a log system.

Log records carry an event name as their message (``update.failed``) and, in ``extra``, a few
fields chosen in code: error classes, counts, reasons (``why``), never a text, a name, a
username, a phone number or a Telegram id. The JSON form writes those fields out; any field
that is not a number, a boolean or a short word is left out, so that nothing a user sent can
reach the log even by mistake. Exceptions are reduced to their class: a traceback may quote
values.

Only ``configure`` touches the logging setup; ``bot.cli`` calls it once.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import TextIO

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_WORD = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _safe(value: object) -> bool:
    if isinstance(value, bool | int | float):
        return True
    return isinstance(value, str) and bool(_WORD.fullmatch(value))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, event and the safe extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render a record; a message that is not a plain event name is replaced by one."""
        event = record.msg if isinstance(record.msg, str) and _safe(record.msg) else "log"
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": event,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and _safe(value):
                line[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False)


def configure(level: str, fmt: str = "text", stream: TextIO | None = None) -> None:
    """Send the logs to ``stream`` (stderr) as plain lines or JSON (``fmt='json'``)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
