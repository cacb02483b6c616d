"""Charts a maintainer can read: ids, wrapped texts, a legend, any language, an overview."""

from __future__ import annotations

import io
import re
import unicodedata

from bot.cli import main
from bot.flowdefs.graph import COLUMNS, LINES, wrap


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), stdout=out), out.getvalue()


def columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def node_lines(chart: str) -> dict[str, list[str]]:
    """The text lines of each node of a Mermaid chart, by node id (the first line)."""
    found = {}
    for match in re.finditer(r'^  n_(\w+)[^"\s-]*"([^"]*)"', chart, re.MULTILINE):
        lines = match.group(2).split("<br/>")
        found[match.group(1)] = lines
    return found


def test_every_node_shows_its_id_then_its_text_wrapped_in_every_language() -> None:
    for lang in ("en", "vi", "zh_Hans", "ja"):
        code, chart = run("flows", "graph", "wages", "--lang", lang)
        assert code == 0
        nodes = node_lines(chart)
        assert len(nodes) > 20
        for nid, lines in nodes.items():
            assert lines[0] == nid
            assert len(lines) <= 2 + LINES
            for line in lines[1:]:
                # (closing punctuation never starts a line, so a line may run over by two)
                assert columns(line.replace("#quot;", '"')) <= COLUMNS + 4, (lang, nid, line)


def test_the_language_changes_the_texts() -> None:
    _, english = run("flows", "graph", "wages")
    _, vietnamese = run("flows", "graph", "wages", "--lang", "vi")
    assert node_lines(english)["pay_kind"] != node_lines(vietnamese)["pay_kind"]
    assert run("flows", "graph", "wages", "--lang", "xx")[0] == 1


def test_each_chart_has_a_legend_of_the_shapes() -> None:
    _, chart = run("flows", "graph", "menu")
    assert "subgraph legend" in chart and 'k0{"question with buttons"}' in chart
    _, graph = run("flows", "graph", "menu", "--format", "dot")
    assert "subgraph cluster_legend" in graph and 'label="question with buttons"' in graph


def test_the_overview_draws_how_flows_lead_into_one_another() -> None:
    code, chart = run("flows", "graph")
    assert code == 0 and chart.startswith("flowchart LR\n")
    edges = re.findall(r"^  (f_\w+) --> (\w+)$", chart, re.MULTILINE)
    assert ("f_menu", "f_wages") in edges and ("f_safety", "f_emergency") in edges
    danger = edges.index(("f_safety", "f_emergency"))
    assert f"linkStyle {danger} stroke:#c00" in chart


def test_wrap_breaks_cjk_anywhere_but_never_before_closing_punctuation() -> None:
    lines = wrap("給料は、どのようにもらっていますか？" * 2, columns=10, lines=10)
    assert all(line[0] not in "。、？）" for line in lines)
    assert "".join(lines) == "給料は、どのようにもらっていますか？" * 2
    assert wrap("one two three four", columns=9) == ["one two", "three", "four"]
    assert wrap("word " * 50, columns=10, lines=2)[-1].endswith("…")
