"""What a failed Bot API call means for the action that made it: one rule per class of outcome.

This module only classifies; the sender (``bot.telegram_adapter.sender``) acts on the answer.
It reads no storage and sends nothing. The rules (docs/telegram.md has the table):

* ``RETRY_AFTER``: a 429 with ``retry_after``: everything pauses that long, the action waits;
* ``BLOCKED``: a 403: the trainee blocked the bot, everything queued for that chat is dropped;
* ``RETRY``: a network error, a timeout or a 5xx (``NetworkError``): tried again with backoff
  (``BACKOFF``), but never for longer than ``HOLD_AT_MOST`` seconds in all: a chat's queue is
  not held longer by one action; past that the action is given up;
* ``REFUSED``: a 400, a 404 or 401 (``InvalidToken``: a method this server does not have), a
  409 or any other answer Telegram refuses with: given up at once (a log event and a metric);
* ``UNCONFIRMED``: anything else the library raises, while reading a reply it cannot parse
  (``TypeError``, ``ValueError``, ``KeyError``...): the call may have done its work, so the
  action is marked done (sent, unconfirmed) and never repeated.
"""

from __future__ import annotations

from enum import Enum

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

HOLD_AT_MOST = 30.0
"""Seconds one failing action may hold its chat's queue, retries included."""
BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0)
"""Waits between retries of a network error or 5xx: 30 s in all, then the action is given up."""


class Outcome(Enum):
    """What to do with an action whose call raised."""

    RETRY_AFTER = "retry_after"
    BLOCKED = "blocked"
    RETRY = "error"
    REFUSED = "rejected"
    UNCONFIRMED = "unconfirmed"


def outcome(error: BaseException) -> Outcome:
    """Classify what a Bot API call raised (``BadRequest`` is a ``NetworkError``: first)."""
    match error:
        case RetryAfter():
            return Outcome.RETRY_AFTER
        case Forbidden():
            return Outcome.BLOCKED
        case BadRequest():
            return Outcome.REFUSED
        case NetworkError():  # timeouts and 5xx as well
            return Outcome.RETRY
        case TelegramError() if str(error) == "Invalid server response":
            return Outcome.UNCONFIRMED  # an answer that is not JSON: it may have been done
        case TelegramError():  # InvalidToken (404, 401), Conflict (409), ChatMigrated...
            return Outcome.REFUSED
        case _:
            return Outcome.UNCONFIRMED


def retry_wait(attempts: int, held: float) -> float | None:
    """The wait before the next try, or None to give up (after ``held`` seconds of failing)."""
    if attempts >= len(BACKOFF):
        return None
    wait = BACKOFF[attempts]
    return wait if held + wait <= HOLD_AT_MOST else None
