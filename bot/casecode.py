"""Case codes and PINs: making, reading and checking them.

A case code looks like a Japanese mobile number (``080-1234-5678``), so a trainee can save it
as a contact's number on a phone that others may see. The server makes it: a prefix of 070, 080
or 090, seven random digits and a Luhn check digit that catches most typing slips before any
expensive lookup. The trainee chooses a 6-digit PIN; the most guessable ones are refused.

Code and PIN together carry about 45 bits (3×10^7 codes × 10^6 PINs). That is less than the 48
bits of security goal S1, because the issue asks for a check digit; the resume throttle (10
failures an hour per chat, a global slowdown) and Argon2id keep guessing impractical.

Pure: the caller passes the random digits in.
"""

from __future__ import annotations

import re

from bot.textnorm import fold

PREFIXES = ("070", "080", "090")
RANDOM_DIGITS = 7
PIN_LENGTH = 6
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―ー－.・()]")

WEAK_PINS = frozenset(
    {
        "000000",
        "111111",
        "222222",
        "333333",
        "444444",
        "555555",
        "666666",
        "777777",
        "888888",
        "999999",
        "123456",
        "654321",
        "123123",
        "121212",
        "112233",
        "159753",
        "101010",
        "696969",
        "131313",
        "987654",
        "012345",
        "123321",
        "111222",
        "147258",
        "789456",
        "520520",
        "520131",
        "888999",
        "168168",
        "518518",
    }
)
"""Refused PINs: repeated, sequential, keyboard and "lucky number" patterns."""


def luhn_digit(digits: str) -> str:
    """Return the Luhn check digit for a string of digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:  # noqa: PLR2004
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def make_code(prefix_index: int, random_digits: str) -> str:
    """Build a code from a prefix choice (0-2) and seven random digits."""
    body = PREFIXES[prefix_index] + random_digits
    digits = body + luhn_digit(body)
    return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"


def read_code(text: str) -> str | None:
    """Return the code a trainee typed in its standard form, or None if it cannot be one."""
    digits = _SEPARATORS.sub("", fold(text))
    if not (digits.isdigit() and len(digits) == 3 + RANDOM_DIGITS + 1):
        return None
    if digits[:3] not in PREFIXES or luhn_digit(digits[:-1]) != digits[-1]:
        return None
    return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"


def read_pin(text: str) -> str | None:
    """Return six digits if ``text`` is a PIN (full-width digits and spaces allowed)."""
    digits = _SEPARATORS.sub("", fold(text))
    return digits if digits.isdigit() and len(digits) == PIN_LENGTH else None


def is_weak(pin: str) -> bool:
    """Return whether a PIN is too easy to guess."""
    return pin in WEAK_PINS or len(set(pin)) <= 2  # noqa: PLR2004 - e.g. 121212, 000111
