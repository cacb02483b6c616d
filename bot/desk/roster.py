"""The volunteer roster: who answers, in which languages, when; and the desk's office hours.

A YAML file the desk edits (``HELPLINE_ROSTER_FILE``, see ``deploy/roster.example.yaml``)::

    office: {days: Mon-Fri, hours: "10:00-18:00"}
    volunteers:
      - {id: 123456789, name: Sato, languages: [ja, vi], days: Mon-Fri, hours: "10:00-18:00"}
      - {id: 987654321, name: Lin, languages: [ja, zh_Hans], days: Sat-Sun, hours: "13:00-17:00",
         on_call: true}

Volunteer ids are Telegram user ids (numbers); names are what colleagues call each other and
only ever appear in the desk's own group. Who may act in the desk is still decided by
``HELPLINE_STAFF_USER_IDS``: the roster only says who to mention. A missing file is an empty
roster with the default office hours; a malformed one is refused with every problem listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

from bot.desk.hours import JST, OfficeHours
from bot.flowdefs.yamlsafe import YamlRefused, load

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LANGUAGES = ("ja", "vi", "zh_Hans", "en")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class RosterError(ValueError):
    """The roster file has problems; the message lists them."""


@dataclass(frozen=True, slots=True)
class Volunteer:
    """One volunteer of the desk."""

    id: int
    name: str
    languages: frozenset[str]
    weekdays: frozenset[int]
    opens: time
    closes: time
    on_call: bool = False

    def on_duty(self, moment: datetime) -> bool:
        """Whether the volunteer said they answer at this moment."""
        local = moment.astimezone(JST)
        return local.weekday() in self.weekdays and self.opens <= local.time() < self.closes


@dataclass(frozen=True, slots=True)
class Roster:
    """The desk's volunteers and office hours."""

    office: OfficeHours = field(default_factory=OfficeHours)
    volunteers: tuple[Volunteer, ...] = ()

    def on_duty(self, lang: str, moment: datetime) -> list[Volunteer]:
        """Volunteers on duty now who speak ``lang`` (Japanese speakers when nobody does)."""
        here = [v for v in self.volunteers if v.on_duty(moment)]
        return [v for v in here if lang in v.languages] or [v for v in here if "ja" in v.languages]

    def on_call(self) -> list[Volunteer]:
        """Volunteers to ping for urgent cases at any hour."""
        return [v for v in self.volunteers if v.on_call]


def _days(text: object, problems: list[str], where: str) -> frozenset[int]:
    spec = str(text).strip().lower()
    found: set[int] = set()
    for part in spec.split(","):
        start, _, end = part.strip().partition("-")
        if start[:3] not in DAYS or (end and end[:3] not in DAYS):
            problems.append(f"{where}: days should look like Mon-Fri or Sat,Sun, not '{text}'")
            return frozenset(range(5))
        first, last = DAYS.index(start[:3]), DAYS.index((end or start)[:3])
        found.update(
            range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        )
    return frozenset(found)


def _hours(text: object, problems: list[str], where: str) -> tuple[time, time]:
    match = _HOURS.match(str(text))
    if match is None or not (
        int(match[1]) < 24 and int(match[3]) <= 24 and int(match[2]) < 60 and int(match[4]) < 60  # noqa: PLR2004
    ):
        problems.append(f"{where}: hours should look like 10:00-18:00, not '{text}'")
        return time(10), time(18)
    closes = time(23, 59, 59) if int(match[3]) == 24 else time(int(match[3]), int(match[4]))  # noqa: PLR2004
    return time(int(match[1]), int(match[2])), closes


def read_roster(path: Path) -> Roster:
    """Read the roster file (a missing file is an empty roster)."""
    if not path.exists():
        return Roster()
    try:
        data = load(path.read_text(encoding="utf-8")).data
    except (OSError, YamlRefused) as error:
        raise RosterError(f"{path}: {error}") from None
    problems: list[str] = []
    if not isinstance(data, dict):
        raise RosterError(f"{path}: should have 'office:' and 'volunteers:'")
    office_data = data.get("office") or {}
    office = OfficeHours()
    if isinstance(office_data, dict):
        weekdays = _days(office_data.get("days", "Mon-Fri"), problems, "office")
        opens, closes = _hours(office_data.get("hours", "10:00-18:00"), problems, "office")
        office = OfficeHours(weekdays, opens, closes)
    volunteers = []
    for index, item in enumerate(data.get("volunteers") or []):
        where = f"volunteer {index + 1}"
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            problems.append(f"{where}: needs 'id:' (their Telegram user id, a number)")
            continue
        languages = frozenset(str(lang) for lang in item.get("languages") or ["ja"])
        if unknown := languages - set(LANGUAGES):
            problems.append(f"{where}: unknown languages {sorted(unknown)}; use {LANGUAGES}")
        opens, closes = _hours(item.get("hours", "10:00-18:00"), problems, where)
        volunteers.append(
            Volunteer(
                item["id"],
                str(item.get("name") or item["id"]),
                languages,
                _days(item.get("days", "Mon-Fri"), problems, where),
                opens,
                closes,
                bool(item.get("on_call", False)),
            )
        )
    if problems:
        raise RosterError(f"{path} has problems:\n" + "\n".join(f"  - {p}" for p in problems))
    return Roster(office, tuple(volunteers))
