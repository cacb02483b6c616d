"""Texts as a phone shows them: rendered in a language, placeholders filled with worst cases.

``WorstCase`` renders any text a trainee can receive, in any language, with each placeholder
filled by a realistic longest value (7-digit yen, a four-digit number with a decimal, the
longest month, the prefecture with the longest name in that language, a case code, a canned
reply behind its "New message:" line), so that ``bot.flowdefs.check.lengths`` can hold every
message to its budget. ``longest_steps`` ranks the steps of the flows by the characters they
send in one language (``helpline flows check --lengths``). Uses babel through the renderer;
no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.flowdefs.check.analysis import variables_of
from bot.flowdefs.check.lengths import Step, steps
from bot.flowdefs.model import FlowSet, Msg, placeholders
from bot.i18n.render import Renderer
from bot.values import Choice, Day, Flag, Kind, Number, Prefecture, Text, Value, Yen

SYSTEM_VALUES = {
    "code": "080-1234-56789",
    "day": "Wednesday, 31 December",
    "time": "13:00",
    "hours": "18-22",
}
"""Worst cases for the placeholders the code fills in system texts."""

LONGEST_TEXT = "x" * 100
"""A trainee's own words shown back (none today): as long as a short note."""


@dataclass(frozen=True, slots=True)
class Ranked:
    """One step's worst way in one language: what it sends and how long it is."""

    step: Step
    chars: int
    lengths: tuple[int, ...]


class WorstCase:
    """Renders texts as long as they can realistically get."""

    def __init__(self, flows: FlowSet, renderer: Renderer) -> None:
        self.flows = flows
        self.renderer = renderer
        self.kinds = {name: variables_of(flow) for name, flow in flows.flows.items()}

    def _prefecture(self, lang: str) -> Value:
        table = self.flows.data.prefectures
        ids = table.ids or ("tokyo",)
        return Prefecture(max(ids, key=lambda pref: len(table.name(pref, lang))))

    def _value(self, flow: str, name: str, lang: str) -> Value:
        info = self.kinds.get(flow, {}).get(name)
        if info is None:
            return Text(SYSTEM_VALUES.get(name, self._word(name, lang)))
        match info.kind:
            case Kind.YEN:
                return Yen(1_234_567)
            case Kind.NUMBER:
                return Number(Decimal("1234.5"))
            case Kind.DATE:
                return Day(date(2026, 9, 30))
            case Kind.PREFECTURE:
                return self._prefecture(lang)
            case Kind.CHOICE:
                return Choice(max(info.values, key=len, default="x"))
            case Kind.FLAG:
                return Flag(True)
            case _:
                return Text(LONGEST_TEXT)

    def _word(self, name: str, lang: str) -> str:
        word = self.flows.system.get(name)
        return self.renderer.text(word, lang) if word is not None else "x" * 20

    def render(self, msg: Msg, lang: str) -> str:
        """The text in ``lang`` with every placeholder filled in; a reply behind its intro."""
        flow = msg.context.split(".")[0]
        params = {
            name: self._value(flow, name, lang)
            for name in placeholders(msg.text)
            if not name.startswith("phone.")
        }
        text = self.renderer.text(msg, lang, params)
        intro = self.flows.system.get("desk_reply_intro")
        if msg.context.startswith("reply.") and intro is not None:
            return f"{self.renderer.text(intro, lang)}\n{text}"
        return text

    def __call__(self, msg: Msg, lang: str) -> int:
        """The rendered length of ``msg`` in ``lang``."""
        return len(self.render(msg, lang))


def ranked_steps(flows: FlowSet, worst: WorstCase, lang: str) -> list[Ranked]:
    """Every step's longest way in ``lang``, longest first."""
    best: dict[tuple[str, int, str, str], Ranked] = {}
    for step in steps(flows):
        lengths = tuple(worst(msg, lang) for msg in step.shown)
        key = (step.path, step.line, step.node, step.how)
        if key not in best or sum(lengths) > best[key].chars:
            best[key] = Ranked(step, sum(lengths), lengths)
    return sorted(best.values(), key=lambda r: (-r.chars, r.step.path, r.step.line))


def longest_steps(flows: FlowSet, worst: WorstCase, lang: str, count: int = 5) -> list[str]:
    """The ``count`` longest steps in ``lang``, one line each, for a maintainer."""
    lines = []
    for ranked in ranked_steps(flows, worst, lang)[:count]:
        step = ranked.step
        sizes = " + ".join(str(n) for n in ranked.lengths)
        lines.append(
            f"  {step.path}:{step.line}: node '{step.node}', after {step.how}: "
            f"{len(step.shown)} messages, {ranked.chars:,} characters ({sizes})"
        )
    return lines
