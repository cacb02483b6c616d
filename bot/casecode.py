"""Case codes and PINs: making, reading and checking them.

A case code looks like a phone number (``080-1234-56789``), so a trainee can save it as a
contact's number on a phone that others may see. The server makes it: a prefix of 070, 080 or
090 (Japan's mobile prefixes), eight random digits and a Luhn check digit that catches most
typing slips (every single wrong digit, every swap of two neighbours but 0 and 9) before any
expensive lookup. The trainee chooses a 6-digit PIN; the most guessable ones are refused.

**Strength (goal S1: at least 48 bits).** Code and PIN together carry log2(3 × 10^8 × P) bits,
where P is the number of PINs that are not refused (``pin_space``): about 48.1 bits
(``entropy_bits``). The check digit adds no secret. The extra digit went into the code, not the
PIN, because the code is written down or saved as a contact while the PIN is remembered, and a
forgotten PIN loses the case for good (there is no reset): a 7th PIN digit would cost every
trainee memory, an 8th code digit costs one more digit to type once in a while. The code is then
12 digits (a Japanese mobile number has 11); at a glance, in a contact list, it still reads as a
phone number, and that is all the disguise asks.

**Old codes.** Codes given before the change have seven random digits (``080-1234-5678``,
about 44.8 bits with the PIN). ``read_code`` reads both lengths, each with its own check digit, so
every case keeps the code its trainee saved (the helpline cannot reach a trainee who left to give
a new one). Old codes end with their cases (the purge, 90 days after the last activity).

Pure: the caller passes the randomness in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from bot.textnorm import fold

PREFIXES = ("070", "080", "090")
RANDOM_DIGITS = 8
"""Random digits in a new code (3 + 8 + 1 check digit = 12 digits)."""
OLD_RANDOM_DIGITS = 7
"""Random digits in a code given before S1 was met (11 digits); still read, never made."""
PIN_LENGTH = 6
S1_BITS = 48
"""Goal S1: a code and PIN together are at least this many bits of secret."""
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
    """Build a code from a prefix choice (0-2) and eight random digits (seven: an old code)."""
    if len(random_digits) not in (RANDOM_DIGITS, OLD_RANDOM_DIGITS) or not random_digits.isdigit():
        raise ValueError("a case code has eight random digits")
    body = PREFIXES[prefix_index] + random_digits
    return _shown(body + luhn_digit(body))


def new_code(randbelow: Callable[[int], int]) -> str:
    """Make a new code with a source of randomness (``secrets.randbelow``)."""
    digits = f"{randbelow(10**RANDOM_DIGITS):0{RANDOM_DIGITS}d}"
    return make_code(randbelow(len(PREFIXES)), digits)


def _shown(digits: str) -> str:
    """The standard form: ``080-1234-56789`` (an old code: ``080-1234-5678``)."""
    return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"


def read_code(text: str) -> str | None:
    """Return the code a trainee typed in its standard form, or None if it cannot be one.

    Both lengths are read: a new code (12 digits) and one given before S1 was met (11).
    """
    digits = _SEPARATORS.sub("", fold(text))
    lengths = (3 + RANDOM_DIGITS + 1, 3 + OLD_RANDOM_DIGITS + 1)
    if not (digits.isdigit() and len(digits) in lengths):
        return None
    if digits[:3] not in PREFIXES or luhn_digit(digits[:-1]) != digits[-1]:
        return None
    return _shown(digits)


def read_pin(text: str) -> str | None:
    """Return six digits if ``text`` is a PIN (full-width digits and spaces allowed)."""
    digits = _SEPARATORS.sub("", fold(text))
    return digits if digits.isdigit() and len(digits) == PIN_LENGTH else None


def is_weak(pin: str) -> bool:
    """Return whether a PIN is too easy to guess."""
    return pin in WEAK_PINS or len(set(pin)) <= 2  # noqa: PLR2004 - e.g. 121212, 000111


def pin_space() -> int:
    """Return how many PINs a trainee may choose (every 6-digit PIN that is not weak).

    Weak are the listed PINs and every PIN of one or two distinct digits: 10 of one digit, and
    for each of the 45 pairs of digits 2^6 - 2 PINs that use both.
    """
    one_or_two: int = 10 + math.comb(10, 2) * (2**PIN_LENGTH - 2)
    listed = sum(1 for pin in WEAK_PINS if len(set(pin)) > 2)  # noqa: PLR2004
    every: int = 10**PIN_LENGTH
    return every - one_or_two - listed


def entropy_bits(random_digits: int = RANDOM_DIGITS) -> float:
    """Return the bits of secret in a code and PIN (codes of ``random_digits`` random digits)."""
    return math.log2(len(PREFIXES) * 10**random_digits * pin_space())
