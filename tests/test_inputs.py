"""Typed answers are read the way trainees write them, and never guessed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.flowdefs.model import FlowSet
from bot.inputs import Reason, Rejected, read, read_date, read_number, read_text, read_yen
from bot.textnorm import clean, fold
from bot.values import Day, Kind, Number, Prefecture, Text, Yen


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("120000", 120_000),
        ("120,000", 120_000),
        ("120.000", 120_000),  # Vietnamese thousands mark
        ("120 000", 120_000),
        ("１２０，０００", 120_000),  # full-width digits and comma
        ("￥１２０,０００", 120_000),  # full-width yen sign
        ("¥63,000", 63_000),
        ("63000円", 63_000),
        ("63000 yen", 63_000),
        ("63.000 yên", 63_000),
        ("6.3万", 63_000),
        ("12万円", 120_000),
        ("63k", 63_000),
        ("63 nghìn", 63_000),
        ("6万3000"[:2], 60_000),  # "6万" alone
        ("0", 0),
        ("1140.00", 1_140),
        ("1\u200b140", 1_140),  # a zero-width space inside the number
        ("\u202e1140", 1_140),  # a right-to-left override before it
        ("၁၂၀၀၀၀", 120_000),  # Burmese digits (Myanmar trainees) are digits too
    ],
)
def test_yen_is_read_in_every_usual_form(typed: str, amount: int) -> None:
    assert read_yen(typed) == Yen(amount)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", Reason.EMPTY),
        ("   ", Reason.EMPTY),
        ("about a lot", Reason.FORMAT),
        ("1,140.5", Reason.FORMAT),  # yen has no fractions: a slip, not a guess
        ("12,34", Reason.FORMAT),  # neither a thousands group nor yen
        ("-5000", Reason.TOO_SMALL),
        ("999999999999", Reason.TOO_LARGE),
        ("1e9", Reason.FORMAT),
    ],
)
def test_unreadable_yen_is_rejected_with_a_reason(typed: str, reason: Reason) -> None:
    assert read_yen(typed) == Rejected(reason)


def test_node_limits_narrow_the_range() -> None:
    assert read_yen("500", high=Decimal(400)) == Rejected(Reason.TOO_LARGE)
    assert read_number("0", low=Decimal(1)) == Rejected(Reason.TOO_SMALL)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("8", Decimal(8)),
        ("7.5", Decimal("7.5")),
        ("7,5", Decimal("7.5")),  # decimal comma
        ("８", Decimal(8)),
        ("40 giờ", Decimal(40)),
        ("8時間", Decimal(8)),
        ("10 hours", Decimal(10)),
        ("168", Decimal(168)),
        ("1,000", Decimal(1000)),
    ],
)
def test_numbers_accept_units_and_decimal_marks(typed: str, value: Decimal) -> None:
    assert read_number(typed) == Number(value)


@pytest.mark.parametrize("typed", ["8時間30分", "eight", "1-2", "7..5"])
def test_numbers_with_more_than_one_figure_are_rejected(typed: str) -> None:
    assert read_number(typed) == Rejected(Reason.FORMAT)


@pytest.mark.parametrize(
    "typed",
    [
        "2026-11-27",
        "2026/11/27",
        "2026.11.27",
        "2026年11月27日",
        "27/11/2026",
        "27-11-2026",
        "ngày 27 tháng 11 năm 2026",
        "２０２６－１１－２７",
    ],
)
def test_dates_in_the_forms_trainees_use(typed: str) -> None:
    assert read_date(typed) == Day(date(2026, 11, 27))


@pytest.mark.parametrize("typed", ["2026-02-30", "27/13/2026", "yesterday", "1899-01-01"])
def test_impossible_dates_are_rejected(typed: str) -> None:
    assert read_date(typed) == Rejected(Reason.FORMAT)


@pytest.mark.parametrize(
    ("typed", "pref"),
    [
        ("Aichi", "aichi"),
        ("aichi-ken", "aichi"),
        ("AICHI", "aichi"),
        ("愛知県", "aichi"),
        ("愛知", "aichi"),
        ("爱知县", "aichi"),
        ("あいち", "aichi"),
        ("Tōkyō", "tokyo"),
        ("東京都", "tokyo"),
        ("东京", "tokyo"),
        ("tỉnh Aichi", "aichi"),
        ("Aichi Prefecture", "aichi"),
        ("京都", "kyoto"),
        ("京都府", "kyoto"),
        ("北海道", "hokkaido"),
        ("Ｏｓａｋａ", "osaka"),  # full-width letters
        ("osaka-fu", "osaka"),
        ("Tokyo-to", "tokyo"),
        ("Kyoto", "kyoto"),  # ends in "to", which is not a suffix here
    ],
)
def test_prefectures_in_any_language(flows: FlowSet, typed: str, pref: str) -> None:
    assert read(Kind.PREFECTURE, typed, prefectures=flows.data.prefectures) == Prefecture(pref)


@pytest.mark.parametrize("typed", ["Aichii", "Nagoya", "県", "", "Texas"])
def test_unknown_prefectures_are_rejected(flows: FlowSet, typed: str) -> None:
    assert isinstance(read(Kind.PREFECTURE, typed, prefectures=flows.data.prefectures), Rejected)


def test_free_text_is_kept_as_written_without_invisible_characters() -> None:
    assert read_text("Tôi bị\u202e phạt\u200b") == Text("Tôi bị phạt")
    assert read_text("a" * 2001) == Rejected(Reason.TOO_LONG)
    assert read_text("\u200b\u202e ") == Rejected(Reason.EMPTY)


def test_clean_removes_lone_surrogates_and_controls_but_keeps_lines() -> None:
    assert clean("a\ud800b\x00c\nd\te") == "abc\nd\te"
    assert clean("Tie\u0302\u0301ng") == "Tiếng"  # NFD becomes NFC


def test_fold_makes_matching_keys() -> None:
    assert fold("  ＭＥＮＵ\u200b  ") == "menu"
    assert fold("０８０") == "080"
