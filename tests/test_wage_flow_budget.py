"""The wage flow's length budget (issue 15): at most 3 messages a step, 700 characters each.

A step is what one answer of the trainee brings back: from a question's answer (a button or a
typed value), through messages, calculations and branches, to the next question. Every way
through the branches is counted. Each message is rendered in every language with the widest
values its placeholders can take, and its first line may not be one of the topic lines a
locked screen would show (a short deny-list here; the flow checker has the full rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from bot.calculators.wage_check import WAGE_CHECK
from bot.flowdefs import model as m
from bot.flowdefs.model import FlowSet
from bot.i18n.catalog import load_translations
from bot.i18n.render import Renderer
from bot.service.trainee import completed
from bot.values import Choice, Day, Kind, Number, Prefecture, Value, Yen

from .conftest import LOCALES

LANGUAGES = ("en", "vi", "zh_Hans", "ja")
MAX_MESSAGES = 3
MAX_CHARACTERS = 700
SAMPLES: dict[Kind, Value] = {
    Kind.YEN: Yen(1_234_567),
    Kind.NUMBER: Number(Decimal("2025")),
    Kind.DATE: Day(date(2026, 12, 31)),
    Kind.PREFECTURE: Prefecture("kagoshima"),
    Kind.CHOICE: Choice("transport_equipment"),
}
TOPIC_WORDS = {
    "en": ("pay", "wage", "salary", "overtime", "law", "company", "evidence", "minimum"),
    "vi": ("lương", "làm thêm", "luật", "công ty", "bằng chứng"),
    "zh_Hans": ("工资", "加班", "法律", "公司", "证据", "最低"),
    "ja": ("給料", "賃金", "残業", "法律", "会社", "証拠", "最低"),
}


def _messages(flows: FlowSet, nid: str, seen: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every list of message-sending nodes from ``nid`` to the next question."""
    node = flows.node("wages", nid)
    assert node is not None and nid not in seen, nid
    here = (*seen, nid)
    match node:
        case m.ButtonsNode() | m.AskNode():
            yield (nid,)
        case m.BranchNode():
            for item in node.items:
                yield from _messages(flows, item.next, here)
        case m.ComputeNode():
            yield from _messages(flows, node.next, here)
        case m.SayNode():
            for rest in _messages(flows, node.next, here):
                yield (nid, *rest)
        case m.HandoffNode():
            yield from _messages(flows, node.next, here)
        case m.JumpNode():
            yield (f"{node.flow}.start",)
        case _:
            yield (nid,)


def _steps(flows: FlowSet) -> Iterator[tuple[str, tuple[str, ...]]]:
    wages = flows.flows["wages"]
    yield "start", next(iter(_messages(flows, wages.start)))
    for nid, node in wages.nodes.items():
        if isinstance(node, m.ButtonsNode):
            exits = [b.next for b in node.buttons if b.next]
        elif isinstance(node, m.AskNode):
            exits = [node.next]
        else:
            continue
        for target in exits:
            for path in _messages(flows, target):
                yield f"{nid} -> {target}", path


def test_no_step_of_the_wage_flow_sends_more_than_three_messages(flows: FlowSet) -> None:
    too_many = {step: path for step, path in _steps(flows) if len(path) > MAX_MESSAGES}
    assert too_many == {}
    assert max(len(path) for _, path in _steps(flows)) == MAX_MESSAGES  # the result step


def _kind(flows: FlowSet, name: str) -> Kind:
    if name.startswith("check."):
        return WAGE_CHECK.outputs[name.removeprefix("check.")]
    node = flows.node("wages", name)
    return node.kind if isinstance(node, m.AskNode) else Kind.CHOICE


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_wage_message_fits_700_characters_and_opens_neutrally(
    flows: FlowSet, lang: str
) -> None:
    renderer = Renderer(load_translations(LOCALES, LANGUAGES), flows.data)
    too_long, telling = {}, {}
    for nid, node in flows.flows["wages"].nodes.items():
        say = getattr(node, "say", None)
        if say is None:
            continue
        params = {name: SAMPLES[_kind(flows, name)] for name in m.placeholders(say.text)}
        text = renderer.text(say, lang, params)
        if len(text) > MAX_CHARACTERS:
            too_long[nid] = len(text)
        first = text.splitlines()[0].casefold()
        if any(word in first for word in TOPIC_WORDS[lang]):
            telling[nid] = text.splitlines()[0]
    assert too_long == {}
    assert telling == {}


def test_the_wage_check_result_counts_the_topic_as_gone_through() -> None:
    assert completed(("wages.check", "wages.verdict", "wages.next_step_short")) == {"wages"}
    assert completed(("fines.next_step",)) == {"fines"}
    assert completed(("wages.next_steps", "wages.more", "wages.last_step")) == set()
