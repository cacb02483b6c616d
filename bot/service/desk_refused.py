"""When the desk's group refuses a case (its topic or its card): the case is never dropped.

The adapter (``bot.telegram_adapter.group``) calls ``topic_refused`` when it gave up opening a
case's topic or posting its card (a 400, a 404, a 5xx past the sender's 30 s). This module
decides what follows, on the records protocol; it sends nothing itself:

* the case stays open and queued for the desk: it is marked announced now, and the reminder
  round (``DeskRules.remind``) opens its topic again once the set time has passed;
* the adapter gets an ``Alert`` to post in the group's General topic (a desk text naming the
  case id, mentioning the on-call list), and the operator's log gets ``desk.topic_refused``
  with a metric;
* the trainee is told once (not on the reminder round's retries), honestly, that a volunteer
  will answer later: at once if replies may reach them now, else kept for their safe hours.

Logs carry event names only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.records import Mail
from bot.service.desk import DeskRules
from bot.service.safe_hours import may_reach

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Alert:
    """What to post in the group's General topic: a text, and whom to mention."""

    text: str
    people: tuple[tuple[int, str], ...]


def topic_refused(rules: DeskRules, case_id: str, retry: bool) -> Alert | None:
    """Keep a refused case for the desk, tell the trainee (unless ``retry``); the alert."""
    with rules.records.unit() as unit:
        case = unit.desk_case(case_id)
        if case is None or case.status != "open":
            return None
        unit.announced(case_id)  # the reminder round tries again after the set time
        unit.audit("system", "topic_refused", case_id)
        if not retry and case.address is not None:
            mail = Mail(rules.host.text_in("desk_later", case.lang))
            if may_reach(case, rules.host.clock()):
                rules._to_trainee(unit, case, mail)
            else:
                unit.add_mail(case_id, mail)
    rules.counter.count("helpline_desk_topics_refused_total")
    log.error("desk.topic_refused")
    people = tuple((v.id, v.name) for v in rules.settings.roster.on_call())
    return Alert(rules.host.flows.desk_text("topic_refused", case=case_id), people)
