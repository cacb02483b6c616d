"""The dorm share: what "actual cost" allows each person in a rented room, in whole yen.

Rights facts 1.3 ([S], OTIT's operating guidelines on TIT Reg. Art. 14): for rented housing the
actual cost is the rent, management and common-area fees included (deposit, key money and
agent's fees left out), divided by the number of people living there. So four people charged
¥40,000 each for a room rented at ¥60,000 pay ¥25,000 each over their ¥15,000 share.

Integer yen only: the share is the rent divided by the occupants, rounded up to the yen (a
charge of that rounded share is never flagged), and every other output is a difference or a
product of whole yen. Pure: no I/O.
"""

from __future__ import annotations

from bot.calculators.base import CalcContext, Calculator, CalculatorError, Inputs, Outputs, Param
from bot.values import Flag, Kind, Yen, numeric


def _whole(inputs: Inputs, name: str) -> int:
    value = inputs.get(name)
    number = numeric(value) if value is not None else None
    if number is None or number < 0 or number != int(number):
        raise CalculatorError(f"{name} must be a whole number")
    return int(number)


def dorm_share(inputs: Inputs, _context: CalcContext) -> Outputs:
    """Each person's share of the rent, and how much more than it each is charged."""
    rent, occupants, charged = (_whole(inputs, n) for n in ("rent", "occupants", "charged"))
    if occupants < 1:
        raise CalculatorError("occupants must be at least 1")
    share = -(-rent // occupants)  # rounded up to the yen
    over = max(0, charged - share)
    return {
        "share": Yen(share),
        "over": Yen(over),
        "over_room": Yen(over * occupants),
        "above": Flag(over > 0),
    }


DORM_SHARE = Calculator(
    name="dorm_share",
    doc="Each person's share of a rented room (rent ÷ occupants) against what each is charged.",
    params={
        "rent": Param(Kind.YEN, doc="the monthly rent of the room, fees included, no deposit"),
        "occupants": Param(Kind.NUMBER, doc="how many people live there"),
        "charged": Param(Kind.YEN, doc="what the trainee is charged for it each month"),
    },
    outputs={"share": Kind.YEN, "over": Kind.YEN, "over_room": Kind.YEN, "above": Kind.FLAG},
    labels_ja={
        "share": "実費相当額（家賃÷入居者数）",
        "over": "実費を超える額（1人・月）",
        "over_room": "実費を超える額（部屋全体・月）",
        "above": "寮費が実費を超える",
    },
    run=dorm_share,
)
