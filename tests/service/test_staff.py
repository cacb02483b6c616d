"""The staff step-up (goals A2, A4), on memory, a SQLite file and PostgreSQL, one test code.

A case's content (its answers, the trainee's note) reaches only the volunteer who claimed it,
in their private chat with the bot, after enrolment (a one-time code) and their staff PIN
(again every 30 minutes, at most 5 tries in 60 s). The group gets only the label, topic,
urgency, language and age. Driven on the service (``bot.service.desk``, ``bot.service.staff``)
with no Telegram; what the rules queue and what the private chat is answered are read back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

import pytest

from bot import engine
from bot.actions import DESK_QUEUE, Post, Send, WipeChat
from bot.assemble import build_helpline
from bot.desk.card import NOTE_KEY
from bot.desk.roster import Roster, Volunteer
from bot.desk.staff import StaffMessage
from bot.effects import Reply, Scrub, Turn
from bot.records import Records, actor_of
from bot.service.desk import CLAIM, RELEASE, DeskRules, DeskSettings
from bot.service.staff import STEP_UP, TRIES
from bot.storage.memory import MemoryRecords
from bot.storage.store import SqlRecords
from bot.storage.unit_staff import new_enrolment
from bot.values import Text, Yen

from ..conftest import FLOWS, LOCALES, TODAY
from .test_desk_rules import (  # noqa: F401 - the fixtures, shared
    DESK,
    Arrive,
    Clock,
    Recorded,
    _clock,
    _store,
)

SATO, TANAKA, KIMURA, STRANGER = 9001, 9002, 9003, 7777
"""Sato and Tanaka enrol; Kimura is allowed at the desk but never enrols; the stranger is not
allowed at all."""
PIN = "246810"
VOLUNTEERS = (SATO, TANAKA, KIMURA)


def _volunteer(user: int, name: str) -> Volunteer:
    return Volunteer(user, name, frozenset({"vi"}), frozenset(range(7)), time(0), time(23, 59))


@dataclass
class StaffDesk:
    rules: DeskRules
    records: Recorded
    clock: Clock
    arrive: Arrive
    threads: dict[str, int] = field(default_factory=dict)
    canary: dict[str, str] = field(default_factory=dict)
    updates: int = 0
    private: list[tuple[int, str]] = field(default_factory=list)
    """What each volunteer's private chat was sent: (user, text), from turns and the outbox."""

    def code(self, hours: int = 24) -> str:
        inner = self.records.inner
        if isinstance(inner, MemoryRecords):
            return inner.new_enrolment(timedelta(hours=hours))[0]
        assert isinstance(inner, SqlRecords)
        return new_enrolment(inner.engine, inner.keyring, timedelta(hours=hours), self.clock)[0]

    def case(self, n: int) -> str:
        """Open a case with content only it holds (a canary), its topic opened."""
        canary = f"CANARY-{n}-{random.Random(n).getrandbits(64):x}"
        with self.records.unit() as unit:
            case = unit.open_case("vi", {"wages.monthly_pay": Yen(123457)}, "v1")
            unit.add_case_answers(case, {NOTE_KEY: Text(canary)})
            unit.set_desk(case, "wages", urgent=n % 2 == 0)
            unit.set_case_address(case, str(424200 + n))
        thread = 700 + n
        self.threads[case], self.canary[case] = thread, canary
        self.rules.opened(case, thread, new=True)
        return case

    def group(self, user: int, case: str, text: str) -> None:
        self.updates += 1
        self.arrive(self.updates)
        message = StaffMessage(
            DESK, user, thread_id=self.threads[case], message_id=self.updates, text=text
        )
        self.rules.message(self.updates, message, "helpline_bot")

    def press(self, user: int, case: str, data: str) -> None:
        self.updates += 1
        self.arrive(self.updates)
        self.rules.press(
            self.updates, StaffMessage(DESK, user, thread_id=self.threads[case]), data
        )

    def says(self, user: int, text: str | None = None, button: str | None = None) -> Turn | None:
        """A message in the private chat of ``user`` with the bot."""
        event: Any = engine.TextEntered(text) if text is not None else engine.ButtonPressed(button)
        turn = self.rules.staff.private(user, f"private-{user}", event)
        if turn is not None:
            self.private += [(user, o.text) for o in turn.out if isinstance(o, Reply)]
        return turn

    def enrol(self, user: int) -> None:
        self.says(user, self.code())
        self.says(user, PIN)

    def queued(self) -> list[tuple[str, Any]]:
        """Take what the rules queued so far; note private sends as the volunteer's."""
        taken, self.records.queued = self.records.queued, []
        with self.records.unit() as unit:
            chats = {unit.pseudonym("chat", user): user for user in (*VOLUNTEERS, STRANGER)}
        for key, action in taken:
            if key in chats and isinstance(action, Send):
                self.private.append((chats[key], action.text))
        return taken

    def holder(self, case: str) -> str | None:
        with self.records.unit() as unit:
            found = unit.desk_case(case)
        return found.claimed_by if found else None

    def actor(self, user: int) -> str:
        with self.records.unit() as unit:
            return actor_of(unit.pseudonym("staff", user))

    def audit(self) -> list[str]:
        inner = self.records.inner
        if isinstance(inner, MemoryRecords):
            return [action for _, action, _, _ in inner.audit_log]
        from sqlalchemy import select  # noqa: PLC0415 - a test's look at the audit table
        from sqlalchemy.orm import Session  # noqa: PLC0415

        from bot.storage.models import AuditRow  # noqa: PLC0415

        assert isinstance(inner, SqlRecords)
        with Session(inner.engine) as session:
            return list(session.scalars(select(AuditRow.action).order_by(AuditRow.id)))


@pytest.fixture(name="staffdesk")
def _staffdesk(store: tuple[Records, Arrive], clock: Clock) -> StaffDesk:
    records = Recorded(store[0])
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY, desk_connected=True)
    helpline.clock = clock
    roster = Roster(
        volunteers=(
            _volunteer(SATO, "Sato"),
            _volunteer(TANAKA, "Tanaka"),
            _volunteer(KIMURA, "Kimura"),
        )
    )
    settings = DeskSettings(DESK, frozenset(VOLUNTEERS), roster)
    return StaffDesk(DeskRules(helpline, records, settings), records, clock, store[1])


def _said(desk: StaffDesk, key: str, **params: str) -> str:
    return desk.rules.host.flows.desk_text(key, **params)


def test_the_group_gets_only_label_topic_urgency_language_and_age(staffdesk: StaffDesk) -> None:
    case = staffdesk.case(2)
    staffdesk.clock.now += timedelta(hours=2, minutes=5)
    staffdesk.group(SATO, case, "/card")  # not the holder: the topic's card, no content
    posts = [a for k, a in staffdesk.queued() if k == DESK_QUEUE]
    assert posts == [Post(staffdesk.threads[case], _said(staffdesk, "not_yours"))]
    card, *_ = staffdesk.rules.opened(case, staffdesk.threads[case], new=True)
    assert isinstance(card, Post)
    head = card.text.split("\n\n")[0].splitlines()
    assert head == [
        f"【緊急】相談 {case}",
        "分野：賃金",
        "緊急度：緊急",
        "言語：ベトナム語",
        "受付から：2時間5分",
    ]
    assert [b for _, b in card.buttons] == [CLAIM, RELEASE]
    for text in [card.text] + [p.text for p in posts if isinstance(p, Post)]:
        assert staffdesk.canary[case] not in text
        assert "123,457" not in text and "123457" not in text and "本人の回答" not in text


def test_enrol_claim_and_the_card_goes_privately_to_the_holder_only(staffdesk: StaffDesk) -> None:
    case = staffdesk.case(1)
    code = staffdesk.code()
    turn = staffdesk.says(SATO, code)
    assert turn is not None and Scrub() in turn.out  # the code leaves the chat at once
    assert staffdesk.private[-1] == (SATO, _said(staffdesk, "staff_choose_pin"))
    assert staffdesk.says(SATO, "12") is not None  # too short: asked again, still a staff step
    assert staffdesk.private[-1] == (SATO, _said(staffdesk, "staff_pin_rule"))
    staffdesk.says(SATO, PIN)
    assert (SATO, _said(staffdesk, "staff_ready")) in staffdesk.private
    staffdesk.queued()
    staffdesk.private.clear()
    staffdesk.group(SATO, case, "/claim")
    queued = staffdesk.queued()
    assert [a.text for k, a in queued if k == DESK_QUEUE] == [
        _said(staffdesk, "claimed", name="Sato"),
        _said(staffdesk, "card_sent", name="Sato"),
    ]
    ((user, card),) = staffdesk.private
    assert user == SATO and staffdesk.canary[case] in card and "123,457" in card
    assert "case_read" in staffdesk.audit()
    # Tanaka takes the case over: Sato's private chat is cleared; Tanaka (no PIN) is told how.
    staffdesk.private.clear()
    staffdesk.group(TANAKA, case, "/claim")
    queued = staffdesk.queued()
    with staffdesk.records.unit() as unit:
        sato_chat = unit.pseudonym("chat", SATO)
    assert (sato_chat, WipeChat(SATO, sweep=True)) in queued
    assert _said(staffdesk, "enrol_first", name="Tanaka") in [
        a.text for k, a in queued if k == DESK_QUEUE
    ]
    assert staffdesk.private == []


def test_the_pin_is_asked_again_after_30_minutes(staffdesk: StaffDesk) -> None:
    case = staffdesk.case(1)
    staffdesk.enrol(SATO)
    staffdesk.clock.now += STEP_UP - timedelta(seconds=1)
    staffdesk.group(SATO, case, "/claim")
    staffdesk.queued()
    assert any(staffdesk.canary[case] in text for _, text in staffdesk.private)
    staffdesk.private.clear()
    staffdesk.clock.now += timedelta(seconds=2)  # 30 minutes since the PIN
    staffdesk.group(SATO, case, "/card")
    queued = staffdesk.queued()
    assert _said(staffdesk, "pin_asked", name="Sato") in [a.text for k, a in queued]
    assert staffdesk.private == [(SATO, _said(staffdesk, "staff_pin_for", case=case))]
    assert staffdesk.says(SATO, "hello") is not None  # in the PIN step: never the trainee flows
    assert staffdesk.says(SATO, button="lang:vi") is not None
    assert staffdesk.private[-1] == (SATO, _said(staffdesk, "staff_pin_rule"))
    staffdesk.says(SATO, PIN)
    assert staffdesk.canary[case] in staffdesk.private[-1][1]
    assert staffdesk.says(SATO, "hello") is None  # stepped up, not in a step: a trainee's text


def test_five_pin_tries_a_minute_then_a_pause_audited(staffdesk: StaffDesk) -> None:
    case = staffdesk.case(1)
    staffdesk.enrol(SATO)
    staffdesk.group(SATO, case, "/claim")
    staffdesk.clock.now += STEP_UP
    staffdesk.says(SATO, "/cards")
    staffdesk.private.clear()
    for n in range(TRIES):
        staffdesk.says(SATO, "999999")
        assert staffdesk.private[-1][1] == _said(
            staffdesk, "staff_pin_wrong", left=str(TRIES - n - 1)
        )
        staffdesk.clock.now += timedelta(seconds=5)
    staffdesk.says(SATO, PIN)  # the right PIN, but paused: not even checked
    assert staffdesk.private[-1][1].startswith(_said(staffdesk, "staff_paused", seconds="36")[:5])
    assert all(staffdesk.canary[case] not in text for _, text in staffdesk.private)
    assert "staff_pin_paused" in staffdesk.audit()
    assert staffdesk.audit().count("staff_pin_failed") == TRIES
    staffdesk.clock.now += timedelta(seconds=40)  # the first try is over a minute old
    staffdesk.says(SATO, PIN)
    assert staffdesk.canary[case] in staffdesk.private[-1][1]


def test_an_enrolment_code_works_once_and_not_after_it_expired(staffdesk: StaffDesk) -> None:
    code = staffdesk.code(hours=1)
    staffdesk.says(SATO, code)
    staffdesk.says(SATO, PIN)
    turn = staffdesk.says(TANAKA, code)  # the same code again: refused, Tanaka is nobody
    assert staffdesk.private[-1] == (TANAKA, _said(staffdesk, "staff_code_refused"))
    assert turn is not None and Scrub() in turn.out
    assert staffdesk.says(TANAKA, PIN) is None  # not enrolled: a trainee's digits
    late = staffdesk.code(hours=1)
    staffdesk.clock.now += timedelta(hours=1, seconds=1)
    staffdesk.says(TANAKA, late)
    assert staffdesk.private[-1] == (TANAKA, _said(staffdesk, "staff_code_refused"))
    assert staffdesk.says(TANAKA, "hello") is None
    audit = staffdesk.audit()
    assert audit.count("staff_enrolled") == 1 and audit.count("staff_code_refused") == 2


def test_a_trainee_never_reaches_a_staff_step_without_a_valid_code(staffdesk: StaffDesk) -> None:
    rng = random.Random(13)
    alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ-/ "
    for _ in range(60):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 30)))
        turn = staffdesk.says(STRANGER, text)
        assert turn is None or staffdesk.private[-1][1] == _said(staffdesk, "staff_code_refused")
    for text in ("/cards", "/cancel", PIN, "STAFF-AAAA-AAAA-AAAA-AAAA"):
        staffdesk.says(STRANGER, text)
    with staffdesk.records.unit() as unit:
        assert unit.staff_member(unit.pseudonym("staff", STRANGER)) is None


def _step(desk: StaffDesk, rng: random.Random, cases: list[str]) -> None:
    """One random thing a volunteer (or the stranger) does."""
    user = rng.choice((*VOLUNTEERS, STRANGER))
    case = rng.choice(cases)
    match rng.randrange(10):
        case 0 | 1:
            desk.group(user, case, "/claim")
        case 2:
            desk.press(user, case, rng.choice((CLAIM, RELEASE)))  # stale or not
        case 3:
            desk.group(user, case, "/unclaim")
        case 4:
            desk.group(user, case, "/card")
        case 5:
            desk.says(user, rng.choice(("/cards", "/cancel", "hello")))
        case 6:
            desk.says(user, rng.choice((PIN, "111111", "0000000")))
        case 7:
            desk.clock.now += timedelta(minutes=rng.choice((1, 10, 31)))
        case 8:
            desk.group(user, case, rng.choice(("/close", *["We can help.", "! a note"] * 2)))
        case _:
            desk.says(user, desk.code() if rng.random() < 0.2 else "STAFF-2222-3333-4444-5555")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_volunteer_gets_a_byte_of_a_case_they_do_not_hold(
    staffdesk: StaffDesk, seed: int
) -> None:
    """Random claims, releases, stale buttons, /card, /cards, wrong PINs, expiries (A2)."""
    rng = random.Random(seed)
    cases = [staffdesk.case(n) for n in range(3)]
    staffdesk.enrol(SATO)
    staffdesk.enrol(TANAKA)
    staffdesk.queued()
    staffdesk.private.clear()
    staffdesk.group(SATO, cases[0], "/claim")  # so that content has gone somewhere at least once
    shown = 0
    for n in range(101):
        if n:
            _step(staffdesk, rng, cases)
        for key, action in staffdesk.queued():
            if key == DESK_QUEUE:
                text = getattr(action, "text", "") or ""
                assert not any(c in text for c in staffdesk.canary.values())
        for user, text in staffdesk.private:
            for case, canary in staffdesk.canary.items():
                if canary in text:
                    shown += 1
                    assert staffdesk.holder(case) == staffdesk.actor(user)
                    assert user in (SATO, TANAKA)  # enrolled, and stepped up
        staffdesk.private.clear()
    assert shown > 0  # the test saw content go where it may
