"""Read typed answers (yen, numbers, dates, prefectures, free text) the way trainees write them.

Pure functions. Accepts full-width digits and signs (０８０, ￥１２０,０００), thousands written
with commas, dots or spaces (120,000 / 120.000 / 120 000), 万 and 千 (12万, 6.3万), units after a
number (40 giờ, 8時間), and dates as 2026-11-27, 2026/11/27, 2026年11月27日, 27/11/2026 or
"ngày 27 tháng 11 năm 2026". What it cannot read for sure it rejects with a reason, so that the
engine can re-prompt: it never guesses a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bot.prefectures import PrefectureTable
from bot.textnorm import clean, fold, strip_marks
from bot.values import Day, Kind, Number, Prefecture, Text, Value, Yen

MAX_TEXT = 2000
"""Longest free-text answer kept, in characters (a Telegram message holds 4,096)."""

DEFAULT_LIMITS: dict[Kind, tuple[Decimal, Decimal]] = {
    Kind.YEN: (Decimal(0), Decimal(100_000_000)),
    Kind.NUMBER: (Decimal(0), Decimal(1_000_000)),
}


class Reason(StrEnum):
    """Why an answer was not accepted; each has its own re-prompt."""

    FORMAT = "format"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    TOO_LONG = "too_long"
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class Rejected:
    """An answer that could not be read, and why."""

    reason: Reason


_CURRENCY = re.compile(r"(¥|yen|yên|jpy|円|日元|日圆|元|en)$|^(¥|jpy)")
_MULTIPLIERS = {
    "万": 10_000,
    "man": 10_000,
    "千": 1_000,
    "k": 1_000,
    "nghin": 1_000,
    "ngan": 1_000,
}
_MULTIPLIER = re.compile(r"^(?P<num>.*?)\s*(?P<mult>万|man|千|k|nghin|ngan)$")
_GROUPED = re.compile(r"^\d{1,3}(?P<sep>[,.' ])\d{3}(?:(?P=sep)\d{3})*$")
_DECIMAL = re.compile(r"^\d+(?:[.,]\d+)?$")
_LEADING_NUMBER = re.compile(r"^(?P<num>\d[\d.,' ]*?)\s*(?P<unit>[^\d]*)$")


def _plain_number(text: str) -> Decimal | None:
    """Read digits with an optional thousands grouping or a decimal part; None if ambiguous."""
    text = text.strip()
    if _GROUPED.match(text):
        return Decimal(re.sub(r"[,.' ]", "", text))
    if _DECIMAL.match(text):
        return Decimal(text.replace(",", "."))
    return None


def _in_limits(
    number: Decimal, kind: Kind, low: Decimal | None, high: Decimal | None
) -> Reason | None:
    default_low, default_high = DEFAULT_LIMITS[kind]
    if number < (default_low if low is None else low):
        return Reason.TOO_SMALL
    if number > (default_high if high is None else high):
        return Reason.TOO_LARGE
    return None


def read_yen(
    text: str, low: Decimal | None = None, high: Decimal | None = None
) -> Value | Rejected:
    """Read an amount of yen."""
    folded = strip_marks(text).replace(" ", " ")
    if not folded:
        return Rejected(Reason.EMPTY)
    if folded.startswith("-"):
        return Rejected(Reason.TOO_SMALL)
    body = _CURRENCY.sub("", folded).strip()
    body = _CURRENCY.sub("", body).strip()  # both a leading ¥ and a trailing 円
    multiplier = 1
    if match := _MULTIPLIER.match(body):
        body, multiplier = match["num"], _MULTIPLIERS[match["mult"]]
    number = _plain_number(body)
    if number is None:
        return Rejected(Reason.FORMAT)
    amount = number * multiplier
    if amount != amount.to_integral_value():
        return Rejected(Reason.FORMAT)  # yen has no fractions; 1,140.5 is a typing slip
    if reason := _in_limits(amount, Kind.YEN, low, high):
        return Rejected(reason)
    return Yen(int(amount))


def read_number(
    text: str, low: Decimal | None = None, high: Decimal | None = None
) -> Value | Rejected:
    """Read a number, with an optional unit word after it (8 hours, 40 giờ, 8時間)."""
    folded = strip_marks(text)
    if not folded:
        return Rejected(Reason.EMPTY)
    if folded.startswith("-"):
        return Rejected(Reason.TOO_SMALL)
    match = _LEADING_NUMBER.match(folded)
    number = _plain_number(match["num"]) if match else None
    if number is None:
        return Rejected(Reason.FORMAT)
    if reason := _in_limits(number, Kind.NUMBER, low, high):
        return Rejected(reason)
    return Number(number)


_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DMY = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})$")
_VI_DATE = re.compile(r"^(?:ngay\s*)?(\d{1,2})\s*thang\s*(\d{1,2})\s*(?:nam\s*)?(\d{4})$")


def read_date(text: str) -> Value | Rejected:
    """Read a calendar date in the forms trainees use."""
    folded = strip_marks(text)
    if not folded:
        return Rejected(Reason.EMPTY)
    if match := _YMD.match(folded):
        year, month, day = match.groups()
    elif match := _DMY.match(folded) or _VI_DATE.match(folded):
        day, month, year = match.groups()
    else:
        return Rejected(Reason.FORMAT)
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return Rejected(Reason.FORMAT)
    if not 2000 <= found.year <= 2100:  # noqa: PLR2004 - a sane window for this helpline
        return Rejected(Reason.FORMAT)
    return Day(found)


def read_prefecture(text: str, table: PrefectureTable) -> Value | Rejected:
    """Read a prefecture name in any language the table knows."""
    if not fold(text):
        return Rejected(Reason.EMPTY)
    pref_id = table.match(text)
    return Prefecture(pref_id) if pref_id else Rejected(Reason.FORMAT)


def read_text(text: str, limit: int = MAX_TEXT) -> Value | Rejected:
    """Keep free text as written, minus invisible characters."""
    kept = clean(text).strip()
    if not kept:
        return Rejected(Reason.EMPTY)
    if len(kept) > limit:
        return Rejected(Reason.TOO_LONG)
    return Text(kept)


def read(
    kind: Kind,
    text: str,
    *,
    prefectures: PrefectureTable,
    low: Decimal | None = None,
    high: Decimal | None = None,
) -> Value | Rejected:
    """Read ``text`` as an answer of ``kind``."""
    try:
        match kind:
            case Kind.YEN:
                return read_yen(text, low, high)
            case Kind.NUMBER:
                return read_number(text, low, high)
            case Kind.DATE:
                return read_date(text)
            case Kind.PREFECTURE:
                return read_prefecture(text, prefectures)
            case Kind.TEXT:
                return read_text(text)
            case _:
                return Rejected(Reason.FORMAT)
    except InvalidOperation:
        return Rejected(Reason.FORMAT)
