"""The desk's day-one commands: handing over, reopening, the list of cases, away, mute, help.

``DeskRules`` hands them here once ``bot.desk.staff`` has decided who may act. Some work in a
case's topic, some in the group's General topic too (``bot.desk.staff.GENERAL_COMMANDS``; a
case is then named by its label, ``C-7Q2XM4``):

* ``/handover NAME`` (``@`` optional), or ``/handover`` as a reply to a colleague's message
  (topic): the case goes to a colleague the roster names who may act at the desk
  (``HELPLINE_STAFF_USER_IDS``); the former holder's private card is wiped as on release, the
  colleague gets the card after their staff PIN (``bot.service.staff``). Audited.
* ``/reopen [LABEL]``: a closed case (still kept: within retention) is open again, nobody's,
  its topic reopened; the trainee is not told (a volunteer's reply goes the usual way: the
  mailbox until they come back, as the closing forgot their chat). Audited.
* ``/cases``: the open cases, oldest first: label, topic, urgency, language, age and holder.
  Never content.
* ``/away``, ``/back``: an away volunteer is not mentioned by new cases or reminders; when
  everyone who would be is away, the General topic is told (``pings``).
* ``/mute [LABEL]``, ``/unmute [LABEL]``: a chat that abuses the desk; its messages stay out of
  the topic (``DeskRules.thread_of``) and the trainee gets one neutral line (``desk_muted``;
  again for each message, instead of "Sent.": ``bot.service.reach.at_desk``).
  The case is kept. Audited.
* ``/help``: the desk's commands (``help`` in ``flows/data/desk_texts.yaml``).
* ``/preview NAME``: a canned reply in Japanese and in the case's language (in General: every
  language), shown to the volunteers only.

Everything said in the group is a desk text; no command shows a case's content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.actions import DESK_QUEUE, GENERAL, Buttons, Ping, Post, ReopenTopic, Send
from bot.desk import card as cards
from bot.desk.roster import Volunteer
from bot.desk.staff import Decision, StaffMessage
from bot.flowdefs.model import FlowSet
from bot.i18n.render import Renderer
from bot.records import DeskCase, Mail, Unit
from bot.service.safe_hours import may_reach
from bot.service.staff import StaffSteps

PREVIEW_LANGUAGES = ("ja", "vi", "zh_Hans", "en")


class CommandHost(Protocol):
    """What the commands need of the running helpline: its content and clock."""

    flows: FlowSet
    renderer: Renderer
    clock: Callable[[], datetime]

    def text_in(self, key: str, lang: str) -> str:
        """A system text in ``lang``."""


@dataclass(frozen=True, slots=True)
class Asked:
    """Who asked, and where: ``thread`` is the topic (``GENERAL`` for the General topic)."""

    actor: str
    sender: int
    thread: int
    argument: str
    reply_to: int | None = None


def actor_for(unit: Unit, user_id: int) -> str:
    """How the audit and a case's claim name a volunteer (as ``DeskRules.decided`` does)."""
    return "staff:" + unit.pseudonym("staff", user_id)[:16]


class DeskCommands:
    """Carries out the day-one commands in the unit of work ``DeskRules`` opened."""

    def __init__(
        self,
        host: CommandHost,
        volunteers: tuple[Volunteer, ...],
        staff: StaffSteps,
        card_buttons: Callable[[], Buttons],
        may_act: frozenset[int] = frozenset(),
    ) -> None:
        self.host = host
        self.volunteers = volunteers
        self.colleagues = tuple(v for v in volunteers if v.id in may_act)
        """Who a case may be handed to: in the roster and allowed to act at the desk."""
        self.staff = staff
        self.card_buttons = card_buttons

    def run(
        self,
        unit: Unit,
        case: DeskCase | None,
        decision: Decision,
        actor: str,
        message: StaffMessage,
    ) -> None:
        """Do a command; ``case`` is the topic's (None in General: named by the argument)."""
        thread = GENERAL if message.thread_id is None else message.thread_id
        sender, argument = message.sender_id or 0, decision.argument.strip()
        asked = Asked(actor, sender, thread, argument, message.reply_to)
        command = decision.command
        if command in ("reopen", "mute", "unmute") and asked.argument:
            case = unit.desk_case(asked.argument.split(" ")[0].upper())
            if case is None:
                self._post(unit, thread, self._said("no_case", case=asked.argument.split(" ")[0]))
                return
        match command:
            case "help":
                self._post(unit, thread, self._said("help"))
            case "cases":
                self._post(unit, thread, self.listing(unit))
            case "away" | "back":
                self._away(unit, asked, command == "away")
            case "preview":
                self._preview(unit, asked, case)
            case "handover" if case is not None:
                self._handover(unit, case, asked)
            case "reopen" | "mute" | "unmute" if case is not None:
                getattr(self, "_" + command)(unit, case, asked)
            case _:
                self._post(unit, thread, self._said("name_a_case"))

    # Handing over and reopening.

    def _handover(self, unit: Unit, case: DeskCase, asked: Asked) -> None:
        if case.status != "open":
            self._post(unit, asked.thread, self._said("already_closed_case"))
            return
        wanted = asked.argument.split(" ")[0].lstrip("@").casefold()
        colleague = next(
            (v for v in self.colleagues if v.name.casefold() == wanted)
            if wanted
            else (v for v in self.colleagues if v.id == asked.reply_to),
            None,
        )
        if colleague is None:
            names = "、".join(v.name for v in self.colleagues) or "（なし）"
            self._post(unit, asked.thread, self._said("handover_who", names=names))
            return
        new = actor_for(unit, colleague.id)
        self.staff.released(unit, case.claimed_by)
        unit.claim(case.public_id, new)
        unit.audit(asked.actor, "handed_over", case.public_id, detail=new)
        was = self._name_of(unit, asked.actor)
        self._post(unit, asked.thread, self._said("handed_over", name=colleague.name, was=was))
        self._post(
            unit, asked.thread, self.staff.claimed(unit, case, colleague.id, colleague.name)
        )

    def _reopen(self, unit: Unit, case: DeskCase, asked: Asked) -> None:
        if case.status != "closed":
            self._post(unit, asked.thread, self._said("not_closed", case=case.public_id))
            return
        unit.reopen_case(case.public_id)
        unit.claim(case.public_id, None)
        unit.audit(asked.actor, "reopened", case.public_id)
        said = self._said("reopened", case=case.public_id)
        if case.thread_id is not None:
            unit.send_later(DESK_QUEUE, [ReopenTopic(case.thread_id)])
            now = self.host.clock()
            self._post(unit, case.thread_id, cards.summary(case, now), self.card_buttons())
        if asked.thread != case.thread_id:
            self._post(unit, asked.thread, said)
        self._post(unit, case.thread_id, said)

    # The list, away and back.

    def listing(self, unit: Unit) -> str:
        """The open cases: label, topic, urgency, language, age, holder. Never content."""
        now, lines = self.host.clock(), []
        for case_id in unit.open_cases():
            case = unit.desk_case(case_id)
            if case is None:
                continue
            holder = self._name_of(unit, case.claimed_by) if case.claimed_by else None
            lines.append(
                self._said(
                    "cases_line",
                    case=case.public_id,
                    topic=cards.TOPIC_JA.get(case.topic or "", "一般"),
                    urgency="緊急" if case.urgent else "通常",
                    lang=cards.LANGUAGE_JA.get(case.lang, case.lang),
                    age=cards.age(case.opened_at, now),
                    holder=holder or self._said("nobody"),
                )
            )
        if not lines:
            return self._said("cases_none")
        return "\n".join([self._said("cases_header", count=str(len(lines))), *lines])

    def _away(self, unit: Unit, asked: Asked, away: bool) -> None:
        unit.set_away(unit.pseudonym("staff", asked.sender), away)
        unit.audit(asked.actor, "away" if away else "back")
        name = self._name_of(unit, asked.actor)
        self._post(unit, asked.thread, self._said("away" if away else "back", name=name))

    def pings(
        self, unit: Unit, case: DeskCase, thread: int, wanted: list[Volunteer]
    ) -> list[Ping]:
        """Mention the wanted volunteers who are not away; if all are, tell the General topic."""
        away = unit.away_staff()
        people = [v for v in wanted if unit.pseudonym("staff", v.id) not in away]
        if wanted and not people:
            self._post(unit, GENERAL, self._said("all_away", case=case.public_id))
        return [Ping(thread, tuple((v.id, v.name) for v in people))] if people else []

    # Mute.

    def _mute(self, unit: Unit, case: DeskCase, asked: Asked) -> None:
        if case.muted:
            self._post(unit, asked.thread, self._said("muted", case=case.public_id))
            return
        unit.set_muted(case.public_id, True)
        unit.audit(asked.actor, "muted", case.public_id)
        self._post(unit, asked.thread, self._said("muted", case=case.public_id))
        if case.status != "open":
            return
        line = self.host.text_in("desk_muted", case.lang)
        if may_reach(case, self.host.clock()) and case.address is not None:
            chat = int(case.address)
            unit.send_later(unit.pseudonym("chat", chat), [Send(chat, line)])
        else:
            unit.add_mail(case.public_id, Mail(line))

    def _unmute(self, unit: Unit, case: DeskCase, asked: Asked) -> None:
        unit.set_muted(case.public_id, False)
        if case.muted:
            unit.audit(asked.actor, "unmuted", case.public_id)
        self._post(unit, asked.thread, self._said("unmuted", case=case.public_id))

    # Preview.

    def _preview(self, unit: Unit, asked: Asked, case: DeskCase | None) -> None:
        name = asked.argument.split(" ")[0].lower()
        replies = self.host.flows.replies
        msg = replies.get(name)
        if msg is None:
            names = "、".join(sorted(replies)) or "（なし）"
            self._post(unit, asked.thread, self._said("no_reply", name=name, names=names))
            return
        langs = ("ja", case.lang) if case is not None else PREVIEW_LANGUAGES
        parts = [self._said("preview", name=name)]
        for lang in dict.fromkeys(langs):
            text = self.host.renderer.text(msg, lang)
            parts.append(f"【{cards.LANGUAGE_JA.get(lang, lang)}】\n{text}")
        self._post(unit, asked.thread, "\n\n".join(parts))

    # Small helpers.

    def _name_of(self, unit: Unit, actor: str | None) -> str:
        """A volunteer's roster name, from the id the audit and claims use."""
        found = (v.name for v in self.volunteers if actor_for(unit, v.id) == actor)
        return next(found, None) or self._said("someone")

    def _said(self, key: str, **params: str) -> str:
        return self.host.flows.desk_text(key, **params)

    @staticmethod
    def _post(unit: Unit, thread: int | None, text: str, buttons: Buttons = ()) -> None:
        if thread is not None:
            unit.send_later(DESK_QUEUE, [Post(thread, text, buttons)])
