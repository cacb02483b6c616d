"""Advocacy reports: counts that are right, hide small numbers, and survive deletion."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from bot import engine as flow_engine
from bot.assemble import build_helpline
from bot.config import Settings
from bot.events import Opened
from bot.flowdefs.model import FlowSet
from bot.reports.report import make_report, to_csv, to_html, to_markdown
from bot.reports.tables import HIDDEN, TOTAL, WITHHELD, build
from bot.reports.tally import ANSWER_KEYS, Profile, month, properties
from bot.storage.counts import open_cases, read_tallies
from bot.storage.crypto import Keyring
from bot.storage.database import open_database
from bot.storage.maintenance import purge
from bot.storage.models import CaseRow
from bot.storage.store import SqlRecords
from bot.values import Choice, Flag, Prefecture, Value, Yen

from ..conftest import FLOWS, LOCALES, TEST_KDF, TODAY, make_keyring
from ..databases import sqlite_engine
from ..storage.test_keys import run
from ..storage.test_sealed_tallies import raw_text

LANGS = ("vi", "zh_Hans", "ja")
TOPICS = ("wages", "documents", "fines", "firing")
PREFECTURES = ("aichi", "gifu", "tokyo", "osaka", "hiroshima")
MONTHS = ("2026-01", "2026-02", "2026-03")


def population(seed: int, size: int) -> list[dict[str, object]]:
    """Random cases: month, language, topic, answers, urgency, whether the desk closed them."""
    rng = random.Random(seed)
    cases = []
    for _ in range(size):
        topic = rng.choice(TOPICS)
        answers: dict[str, Value] = {}
        if topic == "wages":
            answers["wages.prefecture"] = Prefecture(rng.choice(PREFECTURES))
            answers["wages.check.below_minimum"] = Flag(rng.random() < 0.6)
            answers["wages.check.extra_shortfall"] = Yen(rng.choice((0, 0, 12000)))
        elif topic == "documents":
            answers["documents.topics"] = Choice(rng.choice(("passport", "savings", "insurance")))
        elif topic == "fines":
            answers["fines.topics"] = Choice(rng.choice(("fine", "deposit")))
        else:
            answers["firing.topics"] = Choice(rng.choice(("fired", "sent_home")))
            answers["firing.notice_given"] = Choice(rng.choice(("yes", "no")))
        cases.append(
            {
                "month": rng.choice(MONTHS),
                "lang": rng.choice(LANGS),
                "topic": topic,
                "answers": answers,
                "urgent": rng.random() < 0.1,
                "closed": rng.random() < 0.7,
            }
        )
    return cases


def expected(cases: list[dict[str, object]]) -> Counter[tuple[str, str, str]]:
    """The counts, worked out here independently of the code under test."""
    found: Counter[tuple[str, str, str]] = Counter()
    for case in cases:
        month, answers = str(case["month"]), case["answers"]
        assert isinstance(answers, dict)
        found["cases", "all", month] += 1
        found["topic", str(case["topic"]), month] += 1
        found["language", str(case["lang"]), month] += 1
        if "wages.prefecture" in answers:
            found["prefecture", answers["wages.prefecture"].id, month] += 1
        if answers.get("wages.check.below_minimum") == Flag(True):
            found["finding", "below_minimum", month] += 1
        if answers.get("wages.check.extra_shortfall", Yen(0)) != Yen(0):
            found["finding", "unpaid_premium", month] += 1
        choice = answers.get("documents.topics")
        if choice == Choice("passport"):
            found["finding", "documents_held", month] += 1
        if choice == Choice("savings"):
            found["finding", "forced_savings", month] += 1
        if answers.get("fines.topics") == Choice("fine"):
            found["finding", "fines", month] += 1
        if answers.get("firing.notice_given") == Choice("no"):
            found["finding", "dismissal_without_notice", month] += 1
        if answers.get("firing.topics") == Choice("sent_home"):
            found["finding", "forced_return", month] += 1
        if case["urgent"]:
            found["finding", "danger", month] += 1
        found["desk", "closed" if case["closed"] else "purged_open", month] += 1
    return found


def store(
    engine: Engine, cases: list[dict[str, object]], keyring: Keyring | None = None
) -> tuple[SqlRecords, list[str]]:
    """Open every case in its month; close some; purge the rest (as retention would)."""
    keyring = keyring or make_keyring()
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    records = SqlRecords(engine, keyring, lambda: now[0])
    ids = []
    for case in cases:
        year, month = (int(part) for part in str(case["month"]).split("-"))
        now[0] = datetime(year, month, 10, 3, 0, tzinfo=UTC)
        with records.unit() as unit:
            answers = case["answers"]
            assert isinstance(answers, dict)
            public = unit.open_case(str(case["lang"]), answers, "v1")
            unit.set_desk(public, str(case["topic"]), urgent=bool(case["urgent"]))
            if case["closed"]:
                unit.close_case(public)
        ids.append(public)
    now[0] = datetime(2026, 12, 31, tzinfo=UTC)
    purge(engine, 90, clock=lambda: now[0], keyring=keyring)  # the open ones, counted first
    return records, ids


def test_counts_are_right_and_survive_the_purge(engine: Engine) -> None:
    cases = population(8, 240)
    records, _ = store(engine, cases)
    with Session(engine) as session:
        assert session.scalars(select(CaseRow)).all() == []  # every case is gone
    counted = read_tallies(engine, records.keyring, "2026-01", "2026-03")
    assert counted == dict(expected(cases))
    assert open_cases(engine) == 0


def test_a_case_is_counted_once_and_a_deletion_leaves_the_counts(engine: Engine) -> None:
    cases = population(9, 30)
    for case in cases:
        case["closed"] = True
    keyring = make_keyring()
    records = SqlRecords(engine, keyring, lambda: datetime(2026, 2, 10, tzinfo=UTC))
    ids = []
    with records.unit() as unit:
        for case in cases:
            answers = case["answers"]
            assert isinstance(answers, dict)
            ids.append(unit.open_case(str(case["lang"]), answers, "v1"))
            unit.set_desk(ids[-1], str(case["topic"]), urgent=False)
            unit.close_case(ids[-1])
            unit.close_case(ids[-1])  # closing twice counts once
    before = read_tallies(engine, keyring, "2026-02", "2026-02")
    assert before["cases", "all", "2026-02"] == 30
    with records.unit() as unit:
        unit.delete_case(ids[0])  # the trainee's /delete
    purge(engine, 1, clock=lambda: datetime(2027, 1, 1, tzinfo=UTC), keyring=keyring)
    assert read_tallies(engine, keyring, "2026-02", "2026-02") == before  # counted once, kept
    columns = {c["name"] for c in inspect(engine).get_columns("tallies")}
    assert columns == {"id", "lookup", "dek", "sealed"}  # no link to any case
    assert not raw_text(engine) & set(ids)


def test_every_answer_the_counts_read_is_still_in_the_flows(flows: FlowSet) -> None:
    for key in ANSWER_KEYS:
        flow, node, *_ = key.split(".")
        assert flows.node(flow, node) is not None, key


def test_a_topic_flow_gone_through_is_counted_without_a_case(tmp_path: Path) -> None:
    engine = sqlite_engine(tmp_path)
    keyring = make_keyring()
    records = SqlRecords(engine, keyring, lambda: datetime(2026, 3, 5, tzinfo=UTC))
    helpline = build_helpline(FLOWS, LOCALES, records, today=lambda: TODAY)
    helpline.handle("chat", Opened("vi"))
    helpline.handle("chat", flow_engine.ButtonPressed("lang:vi"))
    for typed in ("1", "1", "2", "600", "176", "Aichi", "3", "0", "1", "0"):
        helpline.handle("chat", flow_engine.TextEntered(typed))
    counts = read_tallies(engine, keyring, "2026-03", "2026-03")
    assert counts == {
        ("completed", "wages", "2026-03"): 1,
        ("completed_language", "vi", "2026-03"): 1,
    }
    with Session(engine) as session:
        assert session.scalars(select(CaseRow)).all() == []  # no consent, no case: a count only


# Hiding small numbers.


def test_small_counts_are_hidden_and_cannot_be_worked_out_from_totals() -> None:
    counts = {("a", "m1"): 12, ("a", "m2"): 3, ("b", "m1"): 7, ("b", "m2"): 9, ("c", "m1"): 0}
    table = build("topic", counts, ["m1", "m2"], exclusive=True)
    assert table.shown("a", "m2") == HIDDEN
    for line in table.lines():
        assert sum(cell in table.hidden for cell in line) != 1  # never just one in a line
    assert table.shown("c", "m1") == "0"


@pytest.mark.parametrize("seed", range(30))
def test_no_report_shows_a_count_under_five_or_one_lonely_hidden_cell(seed: int) -> None:
    rng = random.Random(seed)
    months = ["2026-01", "2026-02", "2026-03"]
    counts = {(v, m): rng.choice((0, 1, 2, 3, 4, 5, 8, 20)) for v in "abcdef" for m in months}
    for exclusive in (True, False):
        table = build("topic", counts, months, exclusive=exclusive)
        for row in table.rows:
            for column in table.columns:
                shown = table.shown(row, column)
                assert shown in (HIDDEN, WITHHELD, "0") or int(shown) >= 5
                if shown == HIDDEN:  # "<5" is never said of a count that is not
                    assert 0 < table.counts[(row, column)] < 5
        for line in table.lines():
            assert sum(cell in table.hidden for cell in line) != 1


def synthetic_report(lang: str) -> object:
    cases = population(11, 400)
    counts = expected(cases)
    return make_report(
        counts,
        start=date(2026, 1, 1),
        end=date(2026, 3, 31),
        made=date(2026, 4, 1),
        open_now=3,
        lang=lang,
        prefecture_name=lambda pref: pref.title(),
    )


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_report_in_every_format(lang: str) -> None:
    report = synthetic_report(lang)
    markdown = to_markdown(report)  # type: ignore[arg-type]
    assert ("Cases by topic" if lang == "en" else "分野別の相談") in markdown
    rows = list(csv.reader(io.StringIO(to_csv(report))))  # type: ignore[arg-type]
    assert rows[0] == ["section", "row", "month", "count"]
    assert rows[1] == ["open_now", "", "", HIDDEN]  # 3 cases open: hidden too
    shown = [row[3] for row in rows[2:]]
    assert all(value in (HIDDEN, WITHHELD, "0") or int(value) >= 5 for value in shown)
    assert any(row[1] == TOTAL for row in rows)
    page = to_html(report, charts=False)  # type: ignore[arg-type]
    assert page.startswith("<!doctype html>") and f'lang="{lang}"' in page


def test_desk_figures_count_the_wait_for_a_first_reply() -> None:
    opened = datetime(2026, 2, 10, 1, 0, tzinfo=UTC)  # 10:00 in Japan
    base = Profile(opened, "vi", "wages", False, {}, True, None, True)
    assert ("first_reply", "never") in properties(base)
    for hours, bucket in ((0.5, "under_1h"), (2, "1h_to_4h"), (10, "4h_to_24h"), (30, "over_24h")):
        answered = replace(base, first_reply_at=opened + timedelta(hours=hours))
        assert ("first_reply", bucket) in properties(answered)
    assert ("desk", "reached") in properties(base) and ("desk", "closed") in properties(base)
    alone = replace(base, reached_desk=False, closed=False)
    assert [p for p in properties(alone) if p[0] in ("desk", "first_reply")] == [
        ("desk", "purged_open")
    ]
    assert (
        month(datetime(2026, 1, 31, 16, 0, tzinfo=UTC)) == "2026-02"
    )  # already February in Japan


def test_helpline_report_writes_each_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))
    database = open_database(Settings.from_env({"HELPLINE_DATA_DIR": str(tmp_path)}), TEST_KDF)
    store(database.engine, population(12, 60), database.keys.keyring)
    code, out = run("report", "--from", "2026-01-01", "--to", "2026-03-31")
    assert code == 0 and out.startswith("# Trainee helpline: what the helpline saw")
    code, out = run("report", "--from", "2026-01-01", "--to", "2026-03-31", "--lang", "ja")
    assert code == 0 and "都道府県別の賃金相談" in out and "愛知県" in out
    target = tmp_path / "q1.html"
    code, out = run(
        "report", "--from", "2026-01-01", "--to", "2026-03-31", "--format", "html",
        "--output", str(target),
    )  # fmt: skip
    assert code == 0 and target.read_text().startswith("<!doctype html>")
    assert run("report", "--from", "2026-03-01", "--to", "2026-01-01")[0] == 2
