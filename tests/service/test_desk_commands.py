"""The desk's day-one commands (``bot.service.desk_commands``) on memory, SQLite and PostgreSQL.

Driven as ``test_desk_rules.py`` drives the rules: a trainee reaches the desk through the
service, volunteers write in the case's topic or in the group's General topic, and what the
rules queue is read back as typed actions. No command may show a case's content in the group.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot import engine
from bot.actions import GENERAL, Ping, Post, ReopenTopic, Send, WipeChat
from bot.assemble import build_helpline
from bot.desk.card import LANGUAGE_JA
from bot.desk.roster import Roster, Volunteer
from bot.desk.staff import StaffMessage
from bot.records import Records, StaffMember
from bot.service.desk import DeskRules, DeskSettings
from bot.storage.memory import MemoryRecords
from bot.storage.store import SqlRecords

from ..conftest import FLOWS, LOCALES, TODAY
from .test_desk_rules import (  # noqa: F401 - the fixtures, shared
    ADDRESS,
    CHAT,
    DESK,
    INTRO,
    SATO,
    THREAD,
    Arrive,
    Clock,
    Desk,
    Recorded,
    _clock,
    _store,
)

LIN, MORI = 9002, 9003
SATO_CHAT = 5151
"""Sato's private chat with the bot (where a held case's card would be)."""


@pytest.fixture(name="desk")
def _desk(store: tuple[Records, Arrive], clock: Clock) -> Desk:
    records = Recorded(store[0])
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY, desk_connected=True)
    helpline.clock = clock
    helpline.sleep = lambda _: None
    always = (frozenset(range(7)), time(0), time(23, 59))
    sato = Volunteer(SATO, "Sato", frozenset({"ja", "vi"}), *always)
    lin = Volunteer(LIN, "Lin", frozenset({"ja", "zh_Hans"}), *always)
    mori = Volunteer(MORI, "Mori", frozenset({"ja"}), *always)  # in the roster, may not act
    roster = Roster(volunteers=(sato, lin, mori))
    settings = DeskSettings(DESK, frozenset({SATO, LIN}), roster, timedelta(hours=4))
    return Desk(helpline, DeskRules(helpline, records, settings), records, clock, store[1])


def in_general(desk: Desk, text: str, user: int = SATO, update: int = 50) -> None:
    """A volunteer writes in the group's General topic."""
    desk.arrive(update)
    message = StaffMessage(DESK, user, message_id=900 + update, text=text)
    desk.rules.message(update, message, "helpline_bot")


def actor(desk: Desk, user: int) -> str:
    with desk.records.unit() as unit:
        return "staff:" + unit.pseudonym("staff", user)[:16]


def audit(desk: Desk) -> list[str]:
    inner = desk.records.inner
    if isinstance(inner, MemoryRecords):
        return [action for _, action, _, _ in inner.audit_log]
    from sqlalchemy import select  # noqa: PLC0415 - a test's look at the audit table
    from sqlalchemy.orm import Session  # noqa: PLC0415

    from bot.storage.models import AuditRow  # noqa: PLC0415

    assert isinstance(inner, SqlRecords)
    with Session(inner.engine) as session:
        return list(session.scalars(select(AuditRow.action).order_by(AuditRow.id)))


def enrol(desk: Desk, user: int, chat: int) -> None:
    """A volunteer enrolled and stepped up (``test_staff.py`` tests how)."""
    now = desk.clock()
    with desk.records.unit() as unit:
        key = unit.pseudonym("staff", user)
        member = StaffMember(
            key, now, "ready", "pin-key", now + timedelta(minutes=30), (), str(chat)
        )
        unit.save_staff_member(member)


def test_handover_to_a_named_colleague_wipes_the_former_holders_card(desk: Desk) -> None:
    case = desk.trainee()
    enrol(desk, SATO, SATO_CHAT)
    desk.volunteer("/claim", update=1)
    desk.records.queued.clear()
    desk.volunteer("/handover @lin", update=2)
    assert desk.case(case).claimed_by == actor(desk, LIN)
    assert desk.to_trainee() == [WipeChat(SATO_CHAT, sweep=True)]  # as a release does
    assert desk.to_desk() == [
        Post(THREAD, desk.said("handed_over", name="Lin", was="Sato")),
        Post(THREAD, desk.said("enrol_first", name="Lin")),  # Lin sees content only enrolled
    ]
    assert "handed_over" in audit(desk)


def test_handover_as_a_reply_to_a_colleagues_message(desk: Desk) -> None:
    case = desk.trainee()
    desk.volunteer("/claim", update=1)
    desk.arrive(2)
    reply = StaffMessage(
        DESK, SATO, thread_id=THREAD, message_id=502, text="/handover", reply_to=LIN
    )
    desk.rules.message(2, reply, "helpline_bot")
    assert desk.case(case).claimed_by == actor(desk, LIN)
    desk.arrive(3)  # a reply to the bot's own message (a topic's first) names nobody
    to_bot = StaffMessage(DESK, LIN, thread_id=THREAD, message_id=503, text="/handover")
    desk.rules.message(3, to_bot, "helpline_bot")
    assert desk.case(case).claimed_by == actor(desk, LIN)


def test_handover_to_someone_not_in_the_roster_or_not_staff_is_refused(desk: Desk) -> None:
    case = desk.trainee()
    desk.volunteer("/claim", update=1)
    desk.records.queued.clear()
    desk.volunteer("/handover @Tanaka", update=2)
    desk.volunteer("/handover Mori", update=3)  # in the roster, not allowed to act
    assert desk.case(case).claimed_by == actor(desk, SATO)
    refused = Post(THREAD, desk.said("handover_who", names="Sato、Lin"))
    assert desk.to_desk() == [refused, refused]


def test_a_closed_case_is_reopened_from_general_without_telling_the_trainee(desk: Desk) -> None:
    case = desk.trainee()
    desk.volunteer("/claim", update=1)
    desk.volunteer("/close", update=2)
    desk.records.queued.clear()
    in_general(desk, f"/reopen {case.lower()}")
    found = desk.case(case)
    assert found.status == "open" and found.claimed_by is None
    assert desk.to_trainee() == []
    desk_actions = desk.to_desk()
    assert desk_actions[0] == ReopenTopic(THREAD)
    assert Post(GENERAL, desk.said("reopened", case=case)) in desk_actions
    assert "reopened" in audit(desk)
    # A volunteer's reply after reopening: the chat was forgotten at closing, so the mailbox.
    desk.records.queued.clear()
    desk.volunteer("We looked again.", update=3)
    assert desk.to_trainee() == []
    in_general(desk, f"/reopen {case}", update=51)
    assert desk.to_desk()[-1] == Post(GENERAL, desk.said("not_closed", case=case))


def test_cases_lists_labels_and_ages_never_content(desk: Desk) -> None:
    in_general(desk, "/cases")
    assert desk.to_desk() == [Post(GENERAL, desk.said("cases_none"))]
    case = desk.trainee()
    desk.clock.now += timedelta(hours=2)
    in_general(desk, "/cases", update=51)
    (post,) = desk.to_desk()
    assert isinstance(post, Post) and post.thread == GENERAL
    line = desk.said(
        "cases_line",
        case=case,
        topic="一般",
        urgency="通常",
        lang=LANGUAGE_JA["vi"],
        age="2時間0分",
        holder=desk.said("nobody"),
    )
    assert post.text == desk.said("cases_header", count="1") + "\n" + line
    desk.volunteer("/claim", update=1)
    desk.records.queued.clear()
    in_general(desk, "/cases", update=52)
    (post,) = desk.to_desk()
    assert isinstance(post, Post) and post.text.endswith("Sato")


def test_an_away_volunteer_is_not_pinged_and_general_is_told(desk: Desk) -> None:
    case = desk.trainee()
    in_general(desk, "/away")
    in_general(desk, "/away", user=LIN, update=51)
    desk.records.queued.clear()
    desk.clock.now += timedelta(hours=5)
    assert desk.rules.remind() == 1
    assert not any(isinstance(action, Ping) for action in desk.to_desk())
    assert Post(GENERAL, desk.said("all_away", case=case)) in desk.to_desk()
    in_general(desk, "/back", update=52)
    desk.records.queued.clear()
    desk.clock.now += timedelta(hours=5)
    assert desk.rules.remind() == 1
    assert Ping(THREAD, ((SATO, "Sato"),)) in desk.to_desk()
    assert audit(desk).count("away") == 2 and "back" in audit(desk)


def test_a_muted_chat_stays_out_of_the_topic_and_is_told_once(desk: Desk) -> None:
    case = desk.trainee()
    desk.volunteer(f"/mute {case}", update=1)
    assert desk.rules.thread_of(case) is None  # its messages are not relayed
    muted_line = desk.helpline.text_in("desk_muted", "vi")
    assert desk.to_trainee() == [Send(int(ADDRESS), muted_line)]
    assert not muted_line.startswith(INTRO)  # the line itself is neutral
    assert desk.to_desk() == [Post(THREAD, desk.said("muted", case=case))]
    assert desk.case(case).status == "open"  # the case is kept
    turn = desk.helpline.handle(CHAT, engine.TextEntered("spam"), ADDRESS)
    assert [type(item).__name__ for item in turn.out] == ["Reply"]  # no Relay, no "Sent."
    assert getattr(turn.out[0], "text", None) == muted_line
    desk.records.queued.clear()
    in_general(desk, f"/unmute {case}")
    assert desk.rules.thread_of(case) == THREAD
    assert desk.to_trainee() == []
    turn = desk.helpline.handle(CHAT, engine.TextEntered("Sorry."), ADDRESS)
    assert "Relay" in [type(item).__name__ for item in turn.out]
    assert audit(desk)[-2:] == ["muted", "unmuted"]


def test_help_lists_the_commands_in_japanese(desk: Desk) -> None:
    in_general(desk, "/help")
    (post,) = desk.to_desk()
    assert post == Post(GENERAL, desk.said("help"))
    for command in ("/handover", "/reopen", "/cases", "/away", "/back", "/mute", "/preview"):
        assert command in desk.said("help")


def test_preview_shows_the_renderings_and_sends_nothing(desk: Desk) -> None:
    desk.trainee()
    desk.volunteer("/preview within_day", update=1)
    (post,) = desk.to_desk()
    renderer, msg = desk.helpline.renderer, desk.helpline.flows.replies["within_day"]
    assert isinstance(post, Post) and post.thread == THREAD
    assert renderer.text(msg, "ja") in post.text and renderer.text(msg, "vi") in post.text
    assert renderer.text(msg, "zh_Hans") not in post.text  # the case's language only
    assert desk.to_trainee() == []
    desk.records.queued.clear()
    in_general(desk, "/preview call_houterasu")
    (post,) = desk.to_desk()
    assert isinstance(post, Post)
    for lang in ("ja", "vi", "zh_Hans", "en"):
        text = renderer.text(desk.helpline.flows.replies["call_houterasu"], lang)
        assert text in post.text and "{phone" not in text


def test_general_reads_only_its_commands(desk: Desk) -> None:
    desk.trainee()
    in_general(desk, "hello all")
    in_general(desk, "/claim", update=51)
    in_general(desk, "/cases", user=7777, update=52)  # not staff: refused
    assert desk.to_desk() == [] and desk.to_trainee() == []
    assert audit(desk)[-1] == "staff_refused"
