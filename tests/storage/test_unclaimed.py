"""The reminder round finds a case whose topic the group refused (no thread yet), so that it
opens the topic again (``bot.service.desk_refused``); on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from bot.records import Records

from .test_records import Clock, _clock, _records

__all__ = ["_clock", "_records"]


def test_a_case_without_a_topic_is_found_once_announced(records: Records, clock: Clock) -> None:
    with records.unit() as unit:
        refused = unit.open_case("vi", {}, "v1")
        unit.set_desk(refused, "wages", urgent=False)
        never = unit.open_case("vi", {}, "v1")  # not yet tried: not the round's to open
        unit.set_desk(never, "wages", urgent=False)
        with_topic = unit.open_case("vi", {}, "v1")
        unit.set_desk(with_topic, "wages", urgent=False)
        unit.set_thread(with_topic, 10)
        unit.announced(refused)  # what ``topic_refused`` does
    clock.now += timedelta(hours=5)
    with records.unit() as unit:
        assert sorted(unit.unclaimed(clock.now - timedelta(hours=4))) == sorted(
            [refused, with_topic]
        )
