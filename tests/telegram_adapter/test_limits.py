"""Rate limits towards Telegram and the flood gate towards the helpline, on a fake clock."""

from __future__ import annotations

import itertools

import pytest

from bot.telegram_adapter.limits import Bucket, FloodGate, RateLimits, Verdict, Window


class Clock:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_a_bucket_allows_a_burst_then_its_rate() -> None:
    bucket = Bucket(3, 1.0)
    for _ in range(3):
        assert bucket.wait_time(0.0) == 0
        bucket.take(0.0)
    assert bucket.wait_time(0.0) == pytest.approx(1.0)
    assert bucket.wait_time(0.5) == pytest.approx(0.5)
    assert bucket.wait_time(1.0) == 0
    bucket.take(1.0)
    assert bucket.wait_time(100.0) == 0 and bucket.tokens <= 3


@pytest.mark.asyncio
async def test_rate_limits_keep_under_one_message_a_second_per_chat_after_a_burst() -> None:
    clock = Clock()
    limits = RateLimits(clock=clock, sleep=clock.sleep)
    sent_at = []
    for _ in range(6):
        await limits.wait(42)
        sent_at.append(clock.now)
    assert sent_at[:3] == [1000.0] * 3
    assert [round(b - a, 6) for a, b in itertools.pairwise(sent_at[2:])] == [1.1] * 3
    await limits.wait(43)  # another chat is not held up by the first
    assert clock.now == sent_at[-1]


def test_float_dust_never_refills_a_bucket() -> None:
    bucket, now = Bucket(3.0, 1 / 1.2), 1000.0  # a rate whose steps do not add up exactly
    taken = []
    for _ in range(8):
        while wait := bucket.wait_time(now):
            now += wait
        bucket.take(now)
        taken.append(now)
    assert all(b - a >= 1.2 - 1e-6 for a, b in itertools.pairwise(taken[2:]))  # no new burst


def test_a_window_never_lets_more_through_at_a_rounding_edge() -> None:
    """``t + 62 - now`` may round to 0 while ``now - t`` is still just under 62."""
    window = Window(20, 62.0)
    first = 1008.6666666666666
    now = 1070.6666666666665
    assert now - first < 62.0 and first + 62.0 - now <= 0  # the edge the desk test met
    window.times.extend([first, *(first + 0.01 * n for n in range(1, 20))])
    taken = 0
    while window.wait_time(now) <= 0 and taken < 100:
        window.take(now)
        taken += 1
    assert taken == 1  # only the token that left: never a burst at one instant
    assert len(window.times) == 20


@pytest.mark.asyncio
async def test_a_group_gets_twenty_messages_a_minute() -> None:
    clock = Clock()
    limits = RateLimits(clock=clock, sleep=clock.sleep)
    sent_at = []
    for _ in range(45):
        await limits.wait(-1001234567890)
        sent_at.append(clock.now)
    assert sent_at[19] == 1000.0  # a burst of twenty goes at once
    assert sent_at[20] == pytest.approx(1062.0)  # the 21st waits for the minute to pass
    # whichever minute one looks at (and two seconds more for the network), no more than
    # twenty: a token bucket would allow 40
    assert all(sent_at[n + 20] - sent_at[n] >= 62.0 - 1e-9 for n in range(len(sent_at) - 20))


@pytest.mark.asyncio
async def test_overall_thirty_a_second() -> None:
    clock = Clock()
    limits = RateLimits(clock=clock, sleep=clock.sleep)
    for chat in range(31):
        await limits.wait(chat + 1)
    assert clock.now - 1000.0 == pytest.approx(1 / 30)


@pytest.mark.asyncio
async def test_retry_after_pauses_everything() -> None:
    clock = Clock()
    limits = RateLimits(clock=clock, sleep=clock.sleep)
    limits.pause(5)
    await limits.wait(7)
    assert clock.now >= 1005.0


def test_the_flood_gate_takes_thirty_a_minute_then_notices_once() -> None:
    clock = Clock()
    gate = FloodGate(clock=clock)
    verdicts = []
    for _ in range(1000):
        verdicts.append(gate.check("flooder"))
        clock.now += 0.06  # 1,000 messages in a minute
    assert verdicts.count(Verdict.TAKE) <= 31
    assert verdicts.count(Verdict.NOTICE) == 1
    assert gate.check("someone else") is Verdict.TAKE


def test_the_flood_gate_opens_again_after_the_window() -> None:
    clock = Clock()
    gate = FloodGate(limit=3, window=60, clock=clock)
    assert [gate.check("a") for _ in range(5)] == [
        Verdict.TAKE,
        Verdict.TAKE,
        Verdict.TAKE,
        Verdict.NOTICE,
        Verdict.DROP,
    ]
    clock.now += 61
    assert gate.check("a") is Verdict.TAKE


def test_past_the_limit_one_exit_a_chat_goes_through_every_few_seconds() -> None:
    clock = Clock()
    gate = FloodGate(limit=3, window=60, exit_every=5, clock=clock)
    assert [gate.check("a") for _ in range(4)][-1] is Verdict.NOTICE  # flooded
    assert gate.check("a", leaving=True) is Verdict.TAKE  # an exit still works
    flood = [gate.check("a", leaving=True) for _ in range(600)]  # a flood of exits does not
    assert set(flood) == {Verdict.DROP}
    clock.now += 5
    assert gate.check("a", leaving=True) is Verdict.TAKE
    assert gate.check("a", leaving=True) is Verdict.DROP
    assert gate.check("b", leaving=True) is Verdict.TAKE  # other chats are not held back
