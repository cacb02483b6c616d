"""The case cards in Japanese, the topic's name, and desk-safe text.

The topic's card (``summary``) says only what claiming needs: the case's random label, topic,
urgency, language and age. The full card (``card``) goes only to the volunteer who claimed the
case, in their private chat with the bot: the case's opaque id, what it is about, how urgent,
how replies may reach the trainee, every answer the case keeps (with its node's Japanese
``staff_label``, values written out in Japanese), the wage check's findings (with the
calculator's Japanese labels; computed zeros left out, since they mostly mean "nothing to
compute from"), the trainee's own words marked as untranslated, and who on the
roster speaks the language and is on duty. Never a name, username, id or phone number: the
case keeps none.

Everything goes out without a parse mode, so nothing a trainee typed can become formatting, a
link or a mention; ``visible`` also writes direction and invisible characters out as
``[U+202E]`` so that nobody can reorder or hide text in a volunteer's view (goal I3).

Pure.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from bot.calculators import CALCULATORS
from bot.desk.hours import JST
from bot.desk.roster import Roster
from bot.flowdefs.model import AskNode, ButtonsNode, ComputeNode, FlowSet
from bot.i18n.render import Renderer
from bot.records import DeskCase
from bot.values import Choice, Flag, Number, Text, Value, Yen

LANGUAGE_JA = {"vi": "ベトナム語", "zh_Hans": "中国語", "ja": "日本語", "en": "英語"}
TOPIC_JA = {
    "wages": "賃金",
    "documents": "旅券・書類・私生活",
    "fines": "罰金・控除",
    "firing": "解雇・帰国",
    "safety": "危険",
    "emergency": "危険",
    "help": "連絡先",
    "menu": "一般",
}
REPLIES_JA = {
    "here": "このチャットで本人に届く",
    "hours": "本人が安全な時間帯だけ届く",
    "mailbox": "本人には送らない（本人がコードで戻ったときに読む）",
}
NOTE_KEY = "desk.note"
"""Where a case keeps the trainee's own message to the desk."""
MAX_NOTE = 1000


def visible(text: str, limit: int = 3500) -> str:
    """Show invisible and direction characters as ``[U+XXXX]``; cut very long text."""
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cf", "Cc", "Co", "Cs") and char not in "\n\t":
            out.append(f"[U+{ord(char):04X}]")
        else:
            out.append(char)
    shown = "".join(out)
    return shown if len(shown) <= limit else shown[:limit] + "…（以下省略）"


RELAY_LIMIT = 3500
"""How much of a trainee's text one post in a topic shows, in UTF-16 units as Telegram counts
them (its limit is 4,096; the rest leaves room for the mark in front)."""


def utf16_length(text: str) -> int:
    """A text's length as Telegram counts it: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def pieces(text: str, limit: int = RELAY_LIMIT) -> list[str]:
    """Split a trainee's text into parts whose shown form (``visible``) fits one post each.

    Nothing is left out or cut: the parts put together are the text, in order. A part ends
    after a line break or a space when there is one in its second half.
    """
    parts: list[str] = []
    start = 0
    while start < len(text):
        end, width = start, 0
        while end < len(text):
            width += utf16_length(visible(text[end]))
            if width > limit:
                break
            end += 1
        end = max(end, start + 1)
        if end < len(text):
            cut = max(text.rfind("\n", start, end), text.rfind(" ", start, end)) + 1
            end = cut if cut - start > (end - start) // 2 else end
        parts.append(text[start:end])
        start = end
    return parts or [text]


def topic_name(case: DeskCase) -> str:
    """The forum topic's name: the case id, topic, language, urgency; never an identity."""
    parts = [case.public_id, TOPIC_JA.get(case.topic or "", "一般"), case.lang]
    if case.urgent:
        parts.insert(0, "【緊急】")
    return " ".join(parts)[:128]


def _value(renderer: Renderer, flows: FlowSet, key: str, value: Value) -> str:
    flow, _, rest = key.partition(".")
    node = flows.node(flow, rest.partition(".")[0])
    match value:
        case Choice(choice) if isinstance(node, ButtonsNode):
            for button in node.buttons:
                if button.value == choice:
                    return renderer.text(button.label, "ja")
            return choice
        case Flag(flag):
            return "はい" if flag else "いいえ"
        case Text(text):
            return visible(text, 300)
    return renderer.value(value, "ja")


def _nothing(value: Value) -> bool:
    """A computed zero (no overtime, no shortfall, or nothing to compute it from): not shown."""
    match value:
        case Yen(amount):
            return amount == 0
        case Number(number):
            return number == 0
    return False


def _label(flows: FlowSet, key: str) -> str:
    flow, _, rest = key.partition(".")
    node_id, _, output = rest.partition(".")
    node = flows.node(flow, node_id)
    if isinstance(node, ComputeNode) and output:
        calculator = CALCULATORS.get(node.calculator)
        return calculator.labels_ja.get(output, output) if calculator else output
    if isinstance(node, ButtonsNode | AskNode) and node.staff_label:
        return node.staff_label
    return key


def card(case: DeskCase, flows: FlowSet, renderer: Renderer, roster: Roster, now: datetime) -> str:
    """The case card, in Japanese."""
    hours = f"（{case.hours[0]}時〜{case.hours[1]}時）" if case.hours else ""
    lines = [
        f"{'【緊急】' if case.urgent else ''}相談 {case.public_id}",
        f"分野：{TOPIC_JA.get(case.topic or '', '一般')}",
        f"言語：{LANGUAGE_JA.get(case.lang, case.lang)}",
        f"受付：{case.opened_at.astimezone(JST):%Y-%m-%d %H:%M}",
        f"返信：{REPLIES_JA.get(case.reply_mode, case.reply_mode)}{hours}",
    ]
    answers = {k: v for k, v in case.answers.items() if k != NOTE_KEY}
    facts = [(k, v) for k, v in answers.items() if len(k.split(".")) < 3]  # noqa: PLR2004
    findings = [
        (k, v)
        for k, v in answers.items()
        if len(k.split(".")) >= 3 and not _nothing(v)  # noqa: PLR2004
    ]
    if facts:
        lines += ["", "■ 本人の回答"]
        lines += [f"・{_label(flows, k)}：{_value(renderer, flows, k, v)}" for k, v in facts]
    if findings:
        lines += ["", "■ 計算結果"]
        lines += [f"・{_label(flows, k)}：{_value(renderer, flows, k, v)}" for k, v in findings]
    note = case.answers.get(NOTE_KEY)
    if isinstance(note, Text):
        language = LANGUAGE_JA.get(case.lang, case.lang)
        lines += ["", f"■ 本人のメッセージ（未翻訳・{language}）", visible(note.value, MAX_NOTE)]
    on_duty = roster.on_duty(case.lang, now)
    lines += [
        "",
        "■ 対応できるボランティア："
        + ("、".join(v.name for v in on_duty) or "（いま勤務中の人はいません）"),
        "",
        f"返信とコマンドは、グループの相談 {case.public_id} のトピックに書いてください。",
        "このカードは転送・保存できません。担当をやめたとき、相談の終了時、"
        "またはしばらく使わないと消えます。/cards でもう一度表示できます。",
    ]
    return "\n".join(lines)


def age(opened: datetime, now: datetime) -> str:
    """How long ago a case was opened, in Japanese (minutes, hours, then days)."""
    minutes = max(0, int((now - opened).total_seconds() // 60))
    if minutes < 60:  # noqa: PLR2004
        return f"{minutes}分"
    if minutes < 24 * 60:
        return f"{minutes // 60}時間{minutes % 60}分"
    return f"{minutes // (24 * 60)}日{minutes % (24 * 60) // 60}時間"


def summary(case: DeskCase, now: datetime) -> str:
    """The topic's card: only what claiming needs; never an answer, a note or a trainee's words.

    The case's label (its random id: not the case code, nor made from it), what it is about,
    how urgent, the language and how long it waits. The content goes to the volunteer who
    claims the case, in their private chat with the bot (``bot.service.staff``).
    """
    return "\n".join(
        [
            f"{'【緊急】' if case.urgent else ''}相談 {case.public_id}",
            f"分野：{TOPIC_JA.get(case.topic or '', '一般')}",
            f"緊急度：{'緊急' if case.urgent else '通常'}",
            f"言語：{LANGUAGE_JA.get(case.lang, case.lang)}",
            f"受付から：{age(case.opened_at, now)}",
            "",
            "内容は、担当したボランティアだけに、ボットとの個人チャットで届きます"
            "（スタッフPINの確認のあと）。",
            "このトピックに書いた文は、本人に送られます（送り主の名前は出ません）。",
            "「!」（全角の「！」も）で始まる文と /note は内部メモで、送られません。",
            "/claim 担当する　/unclaim 担当をやめる　/close 終了　/reply 名前 定型文"
            "　/card 内容を個人チャットで見る",
        ]
    )
