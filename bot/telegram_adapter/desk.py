"""The union desk on Telegram: one forum topic per case, anonymous relays both ways.

* **A case arrives** (``desk_open``): a topic named by the case's opaque id, topic, language
  and urgency; the case card in Japanese (``bot.desk.card``) with two buttons; urgent cases
  and cases outside office hours ping the on-call volunteers, others the volunteers on duty
  who speak the trainee's language.
* **The trainee writes** (``desk_relay``): their text goes into the topic as the bot's own
  message (with invisible characters shown); a photo, file or voice message is copied
  without its sender. Contact cards and locations are never passed on.
* **A volunteer writes** in the topic: only allowlisted volunteers, never the anonymous admin,
  bots or posts on behalf of a chat; refusals are audited and get no answer. Commands and
  notes (``!``, ``/note``) stay in the desk. A reply is copied to the trainee (no sender name)
  if replies may reach them now; otherwise it waits in the case's mailbox (the trainee's safe
  hours, or until they come back with ``/resume``) and the topic says so.
* **Commands**: ``/claim``, ``/unclaim``, ``/close``, ``/reply NAME``, ``/card``; the card's
  buttons do the first two, each press checked against the allowlist.
* **The clock**: replies waiting for safe hours go out when the hours come; a case nobody
  took within ``HELPLINE_UNCLAIMED_HOURS`` is announced again.

Everything sent to the group goes through the outbox under one key (``DESK_KEY``), so it keeps
its order and Telegram's 20 messages a minute per group, and nothing is dropped when the desk
is busy. The desk's group never gets a name, username, Telegram id or phone number of a trainee.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MessageEntity,
    Update,
    User,
)
from telegram.constants import MessageEntityType
from telegram.error import BadRequest, TelegramError

from bot.desk import card as cards
from bot.desk.hours import JST
from bot.desk.roster import Roster, Volunteer
from bot.desk.staff import Decision, StaffMessage, decide
from bot.records import DeskCase, Mail
from bot.service import Helpline
from bot.storage import Action, Keyring, SqlRecords, SqlUnit
from bot.telegram_adapter.intake import DESK_KEY
from bot.telegram_adapter.limits import RateLimits
from bot.telegram_adapter.metrics import Metrics
from bot.telegram_adapter.reading import read, username_of

log = logging.getLogger(__name__)

CLAIM, RELEASE = "desk:claim", "desk:unclaim"
SAID = {
    "claimed": "担当：{name}",
    "unclaimed": "担当者なし（どなたか /claim してください）",
    "closed": "この相談は終了しました。",
    "already_closed": "この相談はすでに終了しています。本人には送っていません。",
    "mailbox": "本人が /resume で戻ったときに届けます（メールボックスに保存しました）。",
    "later": "本人の安全な時間帯（{hours}）に届けます。",
    "again": "本人がもう一度連絡を求めています。",
    "reminder": "まだ担当者がいません。",
    "no_reply": "定型文「{name}」はありません。使えるもの：{names}",
    "canned": "定型文「{name}」を{lang}で送りました：",
}


@dataclass(frozen=True, slots=True)
class DeskSettings:
    """Where the desk is and who may act in it."""

    chat_id: int
    staff: frozenset[int]
    roster: Roster
    unclaimed: timedelta = timedelta(hours=4)


class Desk:
    """Carries out the desk's actions and reads what happens in its group."""

    def __init__(
        self,
        settings: DeskSettings,
        helpline: Helpline,
        records: SqlRecords,
        *,
        bot: Bot,
        keyring: Keyring,
        limits: RateLimits,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics or Metrics()
        self.settings = settings
        self.helpline = helpline
        self.records = records
        self.bot = bot
        self.keyring = keyring
        self.limits = limits

    @property
    def chat_id(self) -> int:
        """The desk's group."""
        return self.settings.chat_id

    # Small helpers.

    def _staff_key(self, user_id: int | None) -> str:
        return "staff:" + self.keyring.pseudonym("staff", user_id or 0)[:16]

    def _name(self, user_id: int | None) -> str:
        for volunteer in self.settings.roster.volunteers:
            if volunteer.id == user_id:
                return volunteer.name
        return "ボランティア"

    def _queue(self, unit: SqlUnit, chat_key: str, actions: Sequence[dict[str, Any]]) -> None:
        unit.send_later(chat_key, actions)

    def post(self, unit: SqlUnit, thread_id: int, text: str) -> None:
        """Queue a plain text for a case's topic."""
        self._queue(unit, DESK_KEY, [{"do": "desk_post", "thread": thread_id, "text": text}])

    def _to_trainee(self, unit: SqlUnit, case: DeskCase, action: dict[str, Any]) -> None:
        if case.address is None:
            return
        chat_key = self.keyring.pseudonym("chat", int(case.address))
        self._queue(unit, chat_key, [{**action, "chat": int(case.address)}])

    @staticmethod
    def _action(mail: Mail) -> dict[str, Any]:
        if mail.desk_message_id is None:
            return {"do": "send", "text": mail.text, "buttons": []}
        return {"do": "copy_out", "message_id": mail.desk_message_id, "text": mail.text}

    def _may_reach(self, case: DeskCase, now: datetime) -> bool:
        if case.reply_mode == "mailbox" or case.address is None:
            return False
        if case.reply_mode == "hours" and case.hours is not None:
            hour = now.astimezone(JST).hour
            start, end = case.hours
            return start <= hour < end if start < end else hour >= start or hour < end
        return True

    # Actions from the outbox (called by the sender, which marks them done).

    async def perform(self, action: Action) -> None:
        """Carry out one desk action; Telegram errors go back to the sender."""
        data = action.data
        match data["do"]:
            case "desk_open":
                await self._open(str(data["case"]))
            case "desk_relay":
                await self._relay_in(data)
            case "desk_post":
                await self._send(int(data["thread"]), str(data["text"]))
            case "desk_card":
                await self._card(str(data["case"]))
            case "desk_ping":
                with self.records.unit() as unit:
                    case = unit.desk_case(str(data["case"]))
                if case is not None:
                    await self._ping(case)
            case "desk_canned":
                await self._canned(str(data["case"]), str(data["name"]))
            case "desk_close_topic":
                await self._quietly(
                    self.bot.close_forum_topic(self.settings.chat_id, int(data["thread"]))
                )
            case "desk_forget":
                await self._quietly(
                    self.bot.delete_forum_topic(self.settings.chat_id, int(data["thread"]))
                )

    async def announce(self, text: str) -> None:
        """Post in the group's general topic straight away, not through the outbox.

        The outbox lives in the database: this is for telling the desk it is down.
        """
        try:
            await self.limits.wait(self.settings.chat_id)
            await self.bot.send_message(self.settings.chat_id, text, protect_content=True)
        except TelegramError as error:
            log.warning("desk.announce_failed", extra={"error": type(error).__name__})

    async def _quietly(self, call: Any) -> None:
        try:
            await call
        except BadRequest as error:  # already closed or gone
            log.info("desk.topic_unchanged", extra={"error": type(error).__name__})

    async def _send(
        self,
        thread_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        entities: Sequence[MessageEntity] | None = None,
    ) -> int:
        await self.limits.wait(self.settings.chat_id)
        message = await self.bot.send_message(
            self.settings.chat_id,
            text,
            message_thread_id=thread_id,
            reply_markup=markup,
            entities=entities,
            protect_content=True,
            link_preview_options=LinkPreviewOptions(is_disabled=True),  # a trainee's link: text
        )
        return message.message_id

    async def _open(self, case_id: str) -> None:
        with self.records.unit() as unit:
            case = unit.desk_case(case_id)
        if case is None or case.status != "open":
            return
        if case.thread_id is not None:  # the trainee asked again
            await self._send(case.thread_id, SAID["again"])
            await self._ping(case)
            return
        await self.limits.wait(self.settings.chat_id)
        topic = await self.bot.create_forum_topic(self.settings.chat_id, cards.topic_name(case))
        with self.records.unit() as unit:
            unit.set_thread(case_id, topic.message_thread_id)
        self.metrics.count("helpline_desk_cases_opened_total")
        await self._card(case_id)
        await self._ping(replace(case, thread_id=topic.message_thread_id))

    async def _card(self, case_id: str) -> None:
        now = self.helpline.clock()
        with self.records.unit() as unit:
            case = unit.desk_case(case_id)
            if case is None or case.thread_id is None:
                return
            unit.audit("system", "case_card", case_id)
        text = cards.card(
            case, self.helpline.flows, self.helpline.renderer, self.settings.roster, now
        )
        buttons = InlineKeyboardMarkup(
            [[InlineKeyboardButton("担当する", callback_data=CLAIM)],
             [InlineKeyboardButton("担当をやめる", callback_data=RELEASE)]]
        )  # fmt: skip
        await self._send(case.thread_id, text, buttons)

    async def _ping(self, case: DeskCase) -> None:
        """Mention the volunteers on duty who speak the language, and the on-call list if urgent.

        Out of hours nobody is on duty, so only an urgent case wakes anyone.
        """
        now = self.helpline.clock()
        roster = self.settings.roster
        people: list[Volunteer] = roster.on_call() if case.urgent else []
        people += [v for v in roster.on_duty(case.lang, now) if v not in people]
        if not people or case.thread_id is None:
            return
        text, entities = "通知：", []
        for volunteer in people:
            offset = len(text.encode("utf-16-le")) // 2
            name = volunteer.name
            entities.append(
                MessageEntity(
                    MessageEntityType.TEXT_MENTION,
                    offset,
                    len(name.encode("utf-16-le")) // 2,
                    user=User(volunteer.id, name, is_bot=False),
                )
            )
            text += name + " "
        await self._send(case.thread_id, text.strip(), entities=entities)

    async def _relay_in(self, data: dict[str, Any]) -> None:
        with self.records.unit() as unit:
            case = unit.desk_case(str(data["case"]))
        if case is None or case.thread_id is None:
            return
        self.metrics.count("helpline_desk_relays_total", direction="to_desk")
        if data.get("text") is not None:
            await self._send(case.thread_id, "本人：\n" + cards.visible(str(data["text"])))
            return
        caption = data.get("caption")  # shown like a text: marked, invisible characters out
        await self.limits.wait(self.settings.chat_id)
        await self.bot.copy_message(
            self.settings.chat_id,
            int(data["from"]),
            int(data["message_id"]),
            message_thread_id=case.thread_id,
            caption=("本人：\n" + cards.visible(str(caption), 1000)) if caption else None,
            protect_content=True,
        )

    async def _canned(self, case_id: str, name: str) -> None:
        msg = self.helpline.flows.replies.get(name)
        with self.records.unit() as unit:
            case = unit.desk_case(case_id)
        if case is None or case.thread_id is None or msg is None:
            return
        text = self.helpline.renderer.text(msg, case.lang)
        language = cards.LANGUAGE_JA.get(case.lang, case.lang)
        header = SAID["canned"].format(name=name, lang=language)
        await self._send(case.thread_id, f"{header}\n{text}")
        with self.records.unit() as unit:
            self._deliver(unit, case, Mail(text=text))

    # What happens in the group (called by the worker).

    async def staff(self, update: Update) -> None:
        """Act on a message or button press in a group (and mark the update handled)."""
        arrival = read(update)
        message = arrival.group or StaffMessage(0, None)
        if arrival.callback_id is not None:
            await self._press(update, arrival.callback_id, message, arrival.group_data or "")
            return
        decision = decide(
            message, self.settings.chat_id, self.settings.staff, username_of(self.bot)
        )
        await asyncio.to_thread(self._decided, message, decision, update.update_id)

    def _decided(self, message: StaffMessage, decision: Decision, update_id: int) -> None:
        actor = self._staff_key(message.sender_id)
        with self.records.unit() as unit:
            if not unit.claim_update(update_id, DESK_KEY):
                return  # another process handled it
            unit.finish_update(update_id)
            if decision.kind == "refuse":
                self.metrics.count("helpline_staff_refused_total")
                unit.audit(actor, "staff_refused", detail=str(decision.refused))
                log.warning("desk.refused", extra={"why": str(decision.refused)})
                return
            if decision.kind in ("ignore", "internal") or message.thread_id is None:
                return
            case_id = unit.case_by_thread(message.thread_id)
            case = unit.desk_case(case_id) if case_id else None
            if case is None:
                return
            if decision.kind == "relay":
                if case.status != "open":
                    self.post(unit, message.thread_id, SAID["already_closed"])
                    return
                unit.audit(actor, "relayed", case.public_id)
                unit.first_reply(case.public_id)
                text = None if message.media else message.text
                self._deliver(unit, case, Mail(text, desk_message_id=message.message_id))
                return
            self._command(unit, case, decision, actor, message)

    def _deliver(self, unit: SqlUnit, case: DeskCase, mail: Mail) -> None:
        """Send a reply to the trainee now, or keep it in the mailbox and say so in the topic.

        A reply is copied (``copy_message``: no sender, no "forwarded from"); a text also keeps
        its words, sent as the bot's own message if the copy fails (a group that protects its
        content, or a message a volunteer deleted before the trainee's safe hours came).
        """
        now = self.helpline.clock()
        self.metrics.count("helpline_desk_relays_total", direction="to_trainee")
        if self._may_reach(case, now):
            self._to_trainee(unit, case, self._action(mail))
            return
        unit.add_mail(case.public_id, mail)
        if case.thread_id is not None:
            if case.reply_mode == "hours" and case.hours:
                hours = f"{case.hours[0]}時〜{case.hours[1]}時"
                self.post(unit, case.thread_id, SAID["later"].format(hours=hours))
            else:
                self.post(unit, case.thread_id, SAID["mailbox"])

    def _command(
        self, unit: SqlUnit, case: DeskCase, decision: Decision, actor: str, message: StaffMessage
    ) -> None:
        thread = case.thread_id or 0
        match decision.command:
            case "claim":
                unit.claim(case.public_id, actor)
                unit.audit(actor, "claimed", case.public_id)
                self.post(unit, thread, SAID["claimed"].format(name=self._name(message.sender_id)))
            case "unclaim":
                unit.claim(case.public_id, None)
                unit.audit(actor, "unclaimed", case.public_id)
                self.post(unit, thread, SAID["unclaimed"])
            case "close":
                self._close(unit, case, actor)
            case "card":
                unit.audit(actor, "case_read", case.public_id)
                self._queue(unit, DESK_KEY, [{"do": "desk_card", "case": case.public_id}])
            case "reply":
                replies = self.helpline.flows.replies
                name = decision.argument.split(" ")[0].lower()
                if name not in replies:
                    names = "、".join(sorted(replies)) or "（なし）"
                    self.post(unit, thread, SAID["no_reply"].format(name=name, names=names))
                    return
                unit.audit(actor, "relayed", case.public_id, detail=f"reply:{name}")
                unit.first_reply(case.public_id)
                self._queue(
                    unit, DESK_KEY, [{"do": "desk_canned", "case": case.public_id, "name": name}]
                )

    def _close(self, unit: SqlUnit, case: DeskCase, actor: str) -> None:
        if case.status != "open":
            return
        unit.close_case(case.public_id)
        unit.audit(actor, "closed", case.public_id)
        thread = case.thread_id or 0
        self.post(unit, thread, SAID["closed"])
        self._queue(unit, DESK_KEY, [{"do": "desk_close_topic", "thread": thread}])
        text = self.helpline.text_in("case_closed", case.lang)
        if self._may_reach(case, self.helpline.clock()):
            for mail in unit.take_mail(case.public_id):  # anything still waiting goes first
                self._to_trainee(unit, case, self._action(mail))
            self._to_trainee(unit, case, {"do": "send", "text": text, "buttons": []})
        elif case.reply_mode == "hours" and case.address is not None:
            unit.add_mail(case.public_id, Mail(text))  # after the replies, in safe hours
            return  # where to send them is forgotten once delivered (``due_mail``)
        unit.set_case_address(case.public_id, None)  # nothing more will go there

    async def _press(
        self, update: Update, callback_id: str, message: StaffMessage, data: str
    ) -> None:
        query = update.callback_query
        thread = None
        if query is not None and query.message is not None:
            thread = getattr(query.message, "message_thread_id", None)
        refused = decide(
            StaffMessage(message.chat_id, message.sender_id, message.sender_is_bot),
            self.settings.chat_id,
            self.settings.staff,
            None,
        )
        answer = ""
        decision = Decision("ignore")
        if refused.kind == "refuse":
            answer = "この操作はできません。"
            decision = Decision("refuse", refused.refused)
        elif thread is not None and data in (CLAIM, RELEASE):
            command = "claim" if data == CLAIM else "unclaim"
            decision = Decision("command", command=command)
            message = StaffMessage(
                message.chat_id, message.sender_id, thread_id=thread, text=f"/{command}"
            )
        await asyncio.to_thread(self._decided, message, decision, update.update_id)
        with contextlib.suppress(BadRequest):  # too late to answer: nothing else to do
            await self.bot.answer_callback_query(callback_id, text=answer or None)

    # The clock.

    def due_mail(self) -> int:
        """Send replies that waited for the trainee's safe hours, now that they have come."""
        now = self.helpline.clock()
        sent = 0
        with self.records.unit() as unit:
            for case_id in unit.cases_with_mail():
                case = unit.desk_case(case_id)
                if case is None or not self._may_reach(case, now):
                    continue
                for mail in unit.take_mail(case_id):
                    self._to_trainee(unit, case, self._action(mail))
                    sent += 1
                if case.status != "open":
                    unit.set_case_address(case_id, None)  # the last of a closed case
        return sent

    def remind(self) -> int:
        """Announce again the cases nobody took in time."""
        now = self.helpline.clock()
        count = 0
        with self.records.unit() as unit:
            for case_id in unit.unclaimed(now - self.settings.unclaimed):
                case = unit.desk_case(case_id)
                if case is None or case.thread_id is None:
                    continue
                unit.announced(case_id)
                self.post(unit, case.thread_id, SAID["reminder"])
                self._queue(unit, DESK_KEY, [{"do": "desk_ping", "case": case_id}])
                count += 1
        return count
