"""The dorm share: rent ÷ occupants against what each is charged, in whole yen."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from bot.calculators import CALCULATORS, CalcContext, CalculatorError
from bot.flowdefs.model import FlowSet
from bot.values import Flag, Number, Value, Yen


def share(flows: FlowSet, rent: int, occupants: int | str, charged: int) -> dict[str, Value]:
    inputs: dict[str, Value] = {
        "rent": Yen(rent),
        "occupants": Number(Decimal(occupants)),
        "charged": Yen(charged),
    }
    return dict(CALCULATORS["dorm_share"].run(inputs, CalcContext(date(2026, 12, 7), flows.data)))


def test_four_people_charged_40000_each_for_a_60000_room_are_flagged(flows: FlowSet) -> None:
    found = share(flows, 60_000, 4, 40_000)
    assert found == {
        "share": Yen(15_000),
        "over": Yen(25_000),
        "over_room": Yen(100_000),
        "above": Flag(True),
    }


@pytest.mark.parametrize(
    ("rent", "occupants", "charged", "expected_share", "above"),
    [
        (60_000, 4, 15_000, 15_000, False),  # exactly the share
        (160_000, 4, 40_000, 40_000, False),  # a dear flat, fairly split
        (50_000, 3, 16_667, 16_667, False),  # rounded up to the yen: never a false flag
        (50_000, 3, 16_668, 16_667, True),
        (45_000, 1, 45_001, 45_000, True),
    ],
)
def test_the_share_is_whole_yen_and_only_a_charge_above_it_is_flagged(
    flows: FlowSet, rent: int, occupants: int, charged: int, expected_share: int, above: bool
) -> None:
    found = share(flows, rent, occupants, charged)
    assert found["share"] == Yen(expected_share) and found["above"] == Flag(above)


def test_against_an_independent_computation(flows: FlowSet) -> None:
    """Random rooms: over ⇔ charged × occupants exceeds the rent by at least one yen each."""
    rng = random.Random(15)
    for _ in range(2000):
        rent, occupants = rng.randint(0, 400_000), rng.randint(1, 12)
        charged = rng.randint(0, 120_000)
        found = share(flows, rent, occupants, charged)
        fair = (rent + occupants - 1) // occupants  # the smallest whole yen that covers the rent
        assert found["share"] == Yen(fair)
        assert found["above"] == Flag(charged > fair)
        assert found["over"] == Yen(max(0, charged - fair))
        assert found["over_room"] == Yen(max(0, charged - fair) * occupants)
        assert fair * occupants >= rent > (fair - 1) * occupants


@pytest.mark.parametrize("occupants", ["0", "2.5"])
def test_no_people_or_part_of_a_person_is_refused(flows: FlowSet, occupants: str) -> None:
    with pytest.raises(CalculatorError):
        share(flows, 60_000, occupants, 40_000)
