"""The advocacy report: the tallies of a period as Markdown, CSV or HTML, in Japanese or English.

Input: the counts read from the ``tallies`` table (``(dimension, value, month) -> count``), the
cases open now, the period and the prefecture names. Every table goes through
``bot.reports.tables`` (small counts hidden, and whatever would give them back), so nothing
shown here can single anyone out. HTML gets charts when matplotlib is installed (the ``report``
extra): grey bars with hatching, readable printed in black and white; the prefecture figures
stay a table. Without a font for Japanese, the charts of a Japanese report are labelled in
English (the tables stay Japanese).

Pure apart from drawing the charts into memory.
"""

from __future__ import annotations

import base64
import csv
import functools
import html
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.desk.card import LANGUAGE_JA, TOPIC_JA
from bot.reports import tally
from bot.reports.tables import HIDDEN, THRESHOLD, TOTAL, WITHHELD, Table, build

TOPICS = tuple(TOPIC_JA)
LANGUAGES = tuple(LANGUAGE_JA)
FINDINGS = (*tally.FINDINGS, "danger")
SECTIONS: tuple[tuple[str, bool, Sequence[str]], ...] = (
    ("cases", False, ()),
    ("topic", True, TOPICS),
    ("language", True, LANGUAGES),
    ("prefecture", True, ()),
    ("finding", False, FINDINGS),
    ("desk", False, ("reached", "closed", "purged_open")),
    ("first_reply", True, tally.FIRST_REPLY_NAMES),
    ("completed", True, TOPICS),
    ("completed_language", True, LANGUAGES),
    ("routed", True, TOPICS),
)
"""Each table: its dimension, whether each case has one value only, the order of its rows."""
CHARTED = ("cases", "topic", "finding", "language")
"""The tables the HTML report draws as charts."""

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Trainee helpline: what the helpline saw",
        "period": "Period",
        "made": "Made on",
        "note": (
            "Counts of cases closed or removed in the period's months (by the month each case "
            f"was opened), and of topic flows gone through. A count from 1 to {THRESHOLD - 1} "
            f"is shown as {HIDDEN}; a count that would let one be worked out from a total is "
            f"withheld too, shown as {WITHHELD} (it may be any size). Nothing here identifies "
            "anyone."
        ),
        "empty": (
            "Nothing was counted in this period: no case was closed or removed in these months, "
            "and no topic flow was gone through. Check the dates (--from, --to)."
        ),
        "open_now": "Cases open now",
        "total": "Total",
        "cases": "Cases counted",
        "topic": "Cases by topic",
        "language": "Cases by language",
        "prefecture": "Wage cases by prefecture",
        "finding": "Findings (a case may show several)",
        "desk": "The union desk",
        "first_reply": "Time to a volunteer's first reply",
        "completed": "Topic flows gone through (with or without a case)",
        "completed_language": "Topic flows gone through, by language",
        "routed": "Routed by typed text, by topic (a suggestion tapped)",
        "all": "all cases",
        "wages": "Wages",
        "documents": "Passports, documents, private life",
        "fines": "Fines and deductions",
        "firing": "Dismissal and going home",
        "safety": "Danger",
        "emergency": "Danger",
        "help": "Contacts",
        "menu": "General",
        "vi": "Vietnamese",
        "zh_Hans": "Chinese",
        "ja": "Japanese",
        "en": "English",
        "below_minimum": "Paid under the minimum wage",
        "unpaid_premium": "Overtime, night or day-off premium unpaid",
        "documents_held": "Passport or residence card held",
        "forced_savings": "Bank book or savings held",
        "finding.fines": "Fines, pay cuts or penalties",
        "dismissal_without_notice": "Dismissed without notice",
        "forced_return": "Sent home against their will",
        "danger": "Danger answers",
        "reached": "Reached the desk",
        "closed": "Closed by the desk",
        "purged_open": "Removed unclosed (retention)",
        "under_1h": "Under 1 hour",
        "1h_to_4h": "1 to 4 hours",
        "4h_to_24h": "4 to 24 hours",
        "over_24h": "Over 24 hours",
        "never": "No reply",
        "month": "Month",
    },
    "ja": {
        "title": "技能実習生ヘルプライン：相談の集計",
        "period": "期間",
        "made": "作成日",
        "note": (
            "期間中の各月に受け付け、終了または削除された相談の件数（受付月で集計）です。"
            f"1〜{THRESHOLD - 1}件は「{HIDDEN}」と表示し、「{HIDDEN}」の件数が合計から逆算"
            f"されないよう秘匿した件数は「{WITHHELD}」と表示します（件数の多少を問いません）。"
            "質問フローの完了数も含みます。個人を特定できる情報は含みません。"
        ),
        "empty": (
            "この期間に集計されたものはありません（終了・削除された相談も、完了した質問フローも"
            "ありません）。期間（--from、--to）をご確認ください。"
        ),
        "open_now": "現在対応中の相談",
        "total": "合計",
        "cases": "集計対象の相談",
        "topic": "分野別の相談",
        "language": "言語別の相談",
        "prefecture": "都道府県別の賃金相談",
        "finding": "該当した問題（相談者の回答による。1件に複数該当あり）",
        "desk": "組合の相談窓口",
        "first_reply": "ボランティアの最初の返信までの時間",
        "completed": "質問フローの完了数（相談登録の有無を問わない）",
        "completed_language": "質問フローの完了数（言語別）",
        "routed": "入力文から案内した件数（分野別、候補が押されたもの）",
        "all": "全相談",
        **TOPIC_JA,  # the same words as the desk's case cards
        **LANGUAGE_JA,
        "below_minimum": "最低賃金未満",
        "unpaid_premium": "割増賃金（残業・深夜・休日）の未払い",
        "documents_held": "旅券・在留カードの取り上げ（雇用主等による保管）",
        "forced_savings": "通帳・預金の取り上げ（強制貯金）",
        "finding.fines": "罰金・減給の制裁・違約金",
        "dismissal_without_notice": "解雇予告のない解雇（即時解雇）",
        "forced_return": "本人の意に反する帰国（強制帰国）",
        "danger": "「危険」と回答",
        "reached": "窓口につながった相談",
        "closed": "窓口で対応終了",
        "purged_open": "対応未了のまま削除（保存期間満了）",
        "under_1h": "1時間未満",
        "1h_to_4h": "1〜4時間",
        "4h_to_24h": "4〜24時間",
        "over_24h": "24時間超",
        "never": "返信なし",
        "month": "月",
    },
}


@dataclass
class Report:
    """The tables of a period, ready to be written out."""

    lang: str
    start: date
    end: date
    made: date
    months: list[str]
    tables: list[Table]
    open_now: int
    prefecture_name: Callable[[str], str]
    empty: bool = False
    """Nothing at all was counted in the period: the report says so in a sentence."""

    def word(self, key: str, dimension: str = "", lang: str | None = None) -> str:
        """A label in the report's language.

        A table's row is looked up with its dimension first; a prefecture goes by its name.
        """
        words = WORDS[lang or self.lang]
        if f"{dimension}.{key}" in words:
            return words[f"{dimension}.{key}"]
        if key in words:
            return words[key]
        if key == TOTAL:
            return words["total"]
        return self.prefecture_name(key)

    def open_shown(self) -> str:
        """The open cases, hidden like any count if small."""
        return HIDDEN if 0 < self.open_now < THRESHOLD else str(self.open_now)


def months_between(start: date, end: date) -> list[str]:
    """``YYYY-MM`` for every month from ``start`` to ``end``."""
    found, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)  # noqa: PLR2004
    return found


def make_report(
    counts: Mapping[tuple[str, str, str], int],
    *,
    start: date,
    end: date,
    made: date,
    open_now: int,
    lang: str,
    prefecture_name: Callable[[str], str],
) -> Report:
    """Build the report's tables from the tallies of the period."""
    months = months_between(start, end)
    tables = []
    for dimension, exclusive, order in SECTIONS:
        cells = {
            (value, month): count
            for (dim, value, month), count in counts.items()
            if dim == dimension and month in months
        }
        if cells or dimension == "cases":
            tables.append(build(dimension, cells, months, exclusive=exclusive, order=order))
    empty = not any(month in months for (_, _, month) in counts)
    return Report(lang, start, end, made, months, tables, open_now, prefecture_name, empty)


def to_markdown(report: Report) -> str:
    """The report as Markdown tables."""
    out = [
        f"# {report.word('title')}",
        "",
        f"{report.word('period')}: {report.start.isoformat()} – {report.end.isoformat()}. "
        f"{report.word('made')}: {report.made.isoformat()}.",
        "",
        report.word("note"),
        "",
        f"{report.word('open_now')}: {report.open_shown()}",
    ]
    if report.empty:
        out += ["", f"**{report.word('empty')}**"]
    for table in report.tables:
        out += ["", f"## {report.word(table.dimension)}", ""]
        out.append("| | " + " | ".join(_column(report, c) for c in table.columns) + " |")
        out.append("|---" * (len(table.columns) + 1) + "|")
        for row in table.rows:
            cells = " | ".join(table.shown(row, c) for c in table.columns)
            out.append(f"| {report.word(row, table.dimension)} | {cells} |")
    return "\n".join(out) + "\n"


def to_csv(report: Report) -> str:
    """The report as one CSV table: section, row, month, shown count."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "row", "month", "count"])
    writer.writerow(["open_now", "", "", report.open_shown()])
    for table in report.tables:
        for row in table.rows:
            for column in table.columns:
                writer.writerow([table.dimension, row, column, table.shown(row, column)])
    return buffer.getvalue()


def _column(report: Report, column: str) -> str:
    return report.word("total") if column == TOTAL else column


def to_html(report: Report, charts: bool = True) -> str:
    """The report as one HTML page (charts embedded as PNG when matplotlib is there)."""
    parts = [
        "<!doctype html>",
        f'<html lang="{html.escape(report.lang)}"><head><meta charset="utf-8">',
        f"<title>{html.escape(report.word('title'))}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#000}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #444;"
        "padding:.2em .5em;text-align:right}th:first-child,td:first-child{text-align:left}"
        "img{max-width:100%}</style></head><body>",
        f"<h1>{html.escape(report.word('title'))}</h1>",
        f"<p>{html.escape(report.word('period'))}: {report.start.isoformat()} – "
        f"{report.end.isoformat()}. {html.escape(report.word('made'))}: "
        f"{report.made.isoformat()}.</p>",
        f"<p>{html.escape(report.word('note'))}</p>",
        f"<p>{html.escape(report.word('open_now'))}: {report.open_shown()}</p>",
    ]
    if report.empty:
        parts.append(f"<p><strong>{html.escape(report.word('empty'))}</strong></p>")
    drawn = _charts(report) if charts else {}
    for table in report.tables:
        parts.append(f"<h2>{html.escape(report.word(table.dimension))}</h2>")
        if table.dimension in drawn:
            parts.append(
                f'<img alt="{html.escape(report.word(table.dimension))}" '
                f'src="data:image/png;base64,{drawn[table.dimension]}">'
            )
        head = "".join(f"<th>{html.escape(_column(report, c))}</th>" for c in table.columns)
        parts.append(f"<table><tr><th></th>{head}</tr>")
        for row in table.rows:
            cells = "".join(f"<td>{html.escape(table.shown(row, c))}</td>" for c in table.columns)
            label = report.word(row, table.dimension)
            parts.append(f"<tr><th>{html.escape(label)}</th>{cells}</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def chart_png(report: Report, table: Table) -> bytes | None:
    """Bars by month (stacked by row) for one table, in greys and hatching.

    None without matplotlib. Hidden cells are drawn as zero and marked, never as their count.
    """
    try:
        import matplotlib as mpl  # noqa: PLC0415 - optional: only the HTML report needs it

        mpl.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        return None
    rows = [r for r in table.rows if r != TOTAL]
    lang = report.lang if report.lang == "en" or _cjk_font() else "en"  # no font: English
    figure, axes = plt.subplots(figsize=(7, 3.4), dpi=100)
    if not table.exclusive and len(rows) > 1:  # a case may count in several rows: no stacking
        totals = [
            0 if (r, TOTAL) in table.hidden else table.counts.get((r, TOTAL), 0) for r in rows
        ]
        labels = [report.word(r, table.dimension, lang) for r in rows]
        axes.barh(labels[::-1], totals[::-1], color="0.55", edgecolor="black", hatch="//")
        axes.set_xlabel(report.word("cases", lang=lang))
        return _png(figure, plt)
    bottom = [0] * len(report.months)
    hatches = ("", "//", "..", "xx", "\\\\", "--", "++", "oo")
    for index, row in enumerate(rows):
        heights = [
            0 if (row, m) in table.hidden else table.counts.get((row, m), 0) for m in report.months
        ]
        axes.bar(
            report.months,
            heights,
            bottom=bottom,
            color=str(0.25 + 0.6 * (index % 4) / 3),
            edgecolor="black",
            hatch=hatches[index % len(hatches)],
            label=report.word(row, table.dimension, lang),
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_ylabel(report.word("cases", lang=lang))
    axes.set_xlabel(report.word("month", lang=lang))
    if any((r, m) in table.hidden for r in rows for m in report.months):
        axes.set_title(f"{HIDDEN}: 0", fontsize=8, loc="right")
    axes.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    return _png(figure, plt)


def _png(figure: Any, plt: Any) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


@functools.cache
def _cjk_font() -> bool:
    """Whether a font that shows Japanese is installed (and use it); looked for once."""
    from matplotlib import font_manager, rcParams  # noqa: PLC0415

    for font in font_manager.fontManager.ttflist:
        if any(name in font.name for name in ("CJK", "Noto Sans JP", "IPA", "Takao", "Hiragino")):
            rcParams["font.family"] = font.name
            return True
    return False


def _charts(report: Report) -> dict[str, str]:
    drawn = {}
    for table in report.tables:
        if table.dimension in CHARTED:
            png = chart_png(report, table)
            if png is not None:
                drawn[table.dimension] = base64.b64encode(png).decode()
    return drawn
