"""Staff enrolment codes and staff PINs: their written form, and reading them as typed.

An enrolment code is ``STAFF-`` and 16 characters of a 32-letter alphabet without look-alikes
(80 bits), written in groups of four; the operator's ``helpline staff enrol`` makes one, the
volunteer sends it to the bot in a private chat. Nothing a trainee is ever asked for looks like
one. A staff PIN is 6 to 12 digits (full-width digits are read too).

Pure: no I/O; randomness only through the ``choice`` passed in (``secrets.choice`` by default).
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable

ENROL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ENROL_PREFIX = "STAFF-"
ENROL_LENGTH = 16
PIN_LENGTHS = range(6, 13)


def new_enrolment_code(choice: Callable[[str], str] = secrets.choice) -> str:
    """A one-time enrolment code: ``STAFF-`` and 16 random characters (80 bits) in fours."""
    return _written("".join(choice(ENROL_ALPHABET) for _ in range(ENROL_LENGTH)))


def _written(body: str) -> str:
    return ENROL_PREFIX + "-".join(body[i : i + 4] for i in range(0, len(body), 4))


def enrolment_code(text: str) -> str | None:
    """The enrolment code a typed text is, in its written form (None: not one)."""
    typed = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    if not typed.startswith(ENROL_PREFIX):
        return None
    body = typed.removeprefix(ENROL_PREFIX).replace("-", "")
    if len(body) != ENROL_LENGTH or any(char not in ENROL_ALPHABET for char in body):
        return None
    return _written(body)


def staff_pin(text: str) -> str | None:
    """The staff PIN a typed text is (ASCII digits), or None if it is not 6 to 12 digits."""
    typed = unicodedata.normalize("NFKC", text).strip()
    if typed.isascii() and typed.isdigit() and len(typed) in PIN_LENGTHS:
        return typed
    return None
