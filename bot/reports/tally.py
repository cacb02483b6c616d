"""What one case adds to the advocacy counts: fixed words only, never what a trainee wrote.

When a case is closed (or before a purge removes it) the store asks ``properties`` for the
(dimension, value) pairs the case counts under, and adds one to each in the month the case was
opened. Each pair is a word chosen here or in the flows' button values: a topic, a language, a
prefecture id, a finding. The counts then outlive the case: deleting or purging it later
leaves them as they are, and nothing in them points back to it.

``FINDINGS`` maps each finding to the kept answers that show it; the keys are the flows' node
ids (``tests/test_reports.py`` checks that each still exists in the flows).

Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.desk.hours import JST
from bot.values import Choice, Flag, Prefecture, Value, Yen

Shows = Callable[[Value | None], bool]


def _yes(value: Value | None) -> bool:
    return value == Flag(True)


def _owed(value: Value | None) -> bool:
    return isinstance(value, Yen) and value.amount > 0


def _chose(*choices: str) -> Shows:
    return lambda value: value in {Choice(c) for c in choices}


FINDINGS: dict[str, tuple[str, Shows]] = {
    "below_minimum": ("wages.check.below_minimum", _yes),
    "unpaid_premium": ("wages.check.extra_shortfall", _owed),
    "documents_held": ("documents.topics", _chose("passport")),
    "forced_savings": ("documents.topics", _chose("savings")),
    "fines": ("fines.topics", _chose("fine", "pay_cut", "damages")),
    "dismissal_without_notice": ("firing.notice_given", _chose("no")),
    "forced_return": ("firing.topics", _chose("sent_home")),
}
"""Finding → the kept answer that shows it, and how. Danger answers come from ``urgent``."""

PREFECTURE_KEY = "wages.prefecture"
ANSWER_KEYS = {key for key, _ in FINDINGS.values()} | {PREFECTURE_KEY}
"""Every answer key read here, for the check that the flows still have them."""

FIRST_REPLY = (
    (timedelta(hours=1), "under_1h"),
    (timedelta(hours=4), "1h_to_4h"),
    (timedelta(hours=24), "4h_to_24h"),
)
LATE, NEVER = "over_24h", "never"
FIRST_REPLY_NAMES = (*(name for _, name in FIRST_REPLY), LATE, NEVER)
"""The time-to-first-reply buckets, in order."""


@dataclass(frozen=True, slots=True)
class Profile:
    """What the counts may know of a case at the moment it is counted."""

    opened_at: datetime
    lang: str
    topic: str | None
    urgent: bool
    answers: Mapping[str, Value]
    reached_desk: bool
    first_reply_at: datetime | None
    closed: bool


def month(moment: datetime) -> str:
    """The month a case counts in: ``2026-11`` (Japan time)."""
    japan = moment.astimezone(JST)
    return f"{japan.year:04d}-{japan.month:02d}"


def properties(case: Profile) -> list[tuple[str, str]]:
    """The (dimension, value) pairs a case counts under."""
    found = [("cases", "all"), ("topic", case.topic or "menu"), ("language", case.lang)]
    prefecture = case.answers.get(PREFECTURE_KEY)
    if isinstance(prefecture, Prefecture):
        found.append(("prefecture", prefecture.id))
    found += [
        ("finding", name)
        for name, (key, shows) in FINDINGS.items()
        if shows(case.answers.get(key))
    ]
    if case.urgent:
        found.append(("finding", "danger"))
    found.append(("desk", "closed" if case.closed else "purged_open"))
    if case.reached_desk:
        found.append(("desk", "reached"))
        found.append(("first_reply", _first_reply(case)))
    return found


def _first_reply(case: Profile) -> str:
    if case.first_reply_at is None:
        return NEVER
    waited = case.first_reply_at - case.opened_at
    for limit, name in FIRST_REPLY:
        if waited < limit:
            return name
    return LATE
