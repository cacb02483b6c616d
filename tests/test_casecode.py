"""Case codes and PINs (goal S1): how strong they are, and that both code lengths are read."""

from __future__ import annotations

import itertools
import math
import random
import re

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from bot.casecode import (
    PIN_LENGTH,
    PREFIXES,
    S1_BITS,
    entropy_bits,
    is_weak,
    luhn_digit,
    make_code,
    new_code,
    pin_space,
    read_code,
)
from bot.storage.models import CaseRow
from bot.storage.store import SqlRecords

from .conftest import make_keyring
from .storage.helpers import NOW

NEW_SHAPE = re.compile(r"0[789]0-\d{4}-\d{5}")
OLD_CODE = make_code(1, "1234567")  # a code given before S1 was met: 080-1234-567x


def test_a_code_and_pin_carry_at_least_48_bits() -> None:
    assert entropy_bits() >= S1_BITS
    # the computation, spelled out: 3 prefixes x 10^8 random digits x the PINs allowed
    assert entropy_bits() == pytest.approx(math.log2(3 * 10**8 * pin_space()))
    assert round(entropy_bits(), 1) == 48.1
    # the old codes (seven random digits) fell short: the reason for the change
    assert round(entropy_bits(7), 1) == 44.8 < S1_BITS


def test_the_pin_space_counts_every_pin_that_is_not_weak() -> None:
    allowed = sum(
        1
        for digits in itertools.product("0123456789", repeat=PIN_LENGTH)
        if not is_weak("".join(digits))
    )
    assert pin_space() == allowed == 997_186


def test_new_codes_are_phone_shaped_with_twelve_digits_and_a_check_digit() -> None:
    rng = random.Random(7)
    codes = {new_code(rng.randrange) for _ in range(2_000)}
    assert len(codes) == 2_000
    for code in codes:
        digits = code.replace("-", "")
        assert NEW_SHAPE.fullmatch(code) and digits[:3] in PREFIXES
        assert luhn_digit(digits[:-1]) == digits[-1]
        assert read_code(code) == code
    # every random digit is used: all ten values turn up in each of the eight places
    for place in range(3, 11):
        assert {code.replace("-", "")[place] for code in codes} == set("0123456789")


@pytest.mark.parametrize("code", [make_code(0, "12345678"), OLD_CODE])
def test_both_code_lengths_are_read_however_they_are_typed(code: str) -> None:
    digits = code.replace("-", "")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in digits)
    for typed in (digits, code, f"{digits[:3]} {digits[3:7]} {digits[7:]}", full_width):
        assert read_code(typed) == code
    for position in range(len(digits)):  # any one wrong digit is caught by the check digit
        wrong = digits[:position] + str((int(digits[position]) + 1) % 10) + digits[position + 1 :]
        assert read_code(wrong) is None


@pytest.mark.parametrize("typed", ["080-1234-567", "080-1234-5678901", "060-1234-56789", ""])
def test_other_lengths_and_prefixes_are_not_codes(typed: str) -> None:
    assert read_code(typed) is None


def test_a_code_is_made_only_of_the_right_number_of_digits() -> None:
    with pytest.raises(ValueError, match="eight random digits"):
        make_code(0, "123")


def test_a_case_given_an_old_code_still_opens_with_it(engine: Engine) -> None:
    """Existing cases keep working: the lookup index of an 11-digit code is found as it was."""
    keyring = make_keyring()
    records = SqlRecords(engine, keyring, lambda: NOW)
    with records.unit() as unit:
        case = unit.open_case("vi", {}, "v1")
        new = unit.set_pin(case, "482915")
    assert NEW_SHAPE.fullmatch(new)
    with Session(engine) as session, session.begin():  # as the old version stored it
        index = keyring.resume_index(OLD_CODE, "482915")
        session.execute(
            update(CaseRow).where(CaseRow.public_id == case).values(resume_index=index, bound=None)
        )
    with records.unit() as unit:  # and as migration 0008's one pass sealed it
        assert unit.bind_existing(unit.session) == 1
    typed = OLD_CODE.replace("-", " ")
    with records.unit() as unit:
        assert unit.find_case(read_code(typed) or "", "482915") == case
        assert unit.find_case(new, "482915") is None  # the index is the old code's now
    with Session(engine) as session:
        assert session.scalar(select(CaseRow.resume_index)) == index
