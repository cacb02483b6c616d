"""Whether a volunteer's words may reach a trainee now: their reply mode and safe hours.

Pure: reads a ``DeskCase`` and the time; sends nothing.
"""

from __future__ import annotations

from datetime import datetime

from bot.desk.hours import JST
from bot.records import DeskCase


def may_reach(case: DeskCase, now: datetime) -> bool:
    """Whether a reply may go to the trainee now (not the mailbox; inside their safe hours)."""
    if case.reply_mode == "mailbox" or case.address is None:
        return False
    if case.reply_mode == "hours" and case.hours is not None:
        hour = now.astimezone(JST).hour
        start, end = case.hours
        return start <= hour < end if start < end else hour >= start or hour < end
    return True
