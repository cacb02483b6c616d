"""The first-line rule: a locked phone shows a message's first line, so it must be neutral.

``read_rules`` reads ``flows/data/first_lines.yaml`` (per language: the words a first line may
not contain, how they are matched, and the neutral openers that may end with a colon);
``check_first_lines`` checks the first line of every text a trainee can receive, in English
and in each translation, and returns a warning (``--strict`` fails on it) naming the file, the
line, the language and the word. ``trainee_messages`` lists those texts: flow messages (not
button labels), the system texts that are sent as messages, and the desk's canned replies.

Pure: parses a ``Document`` it is given, never reads files, never raises for a mistake in the
files; translations come in as a function, so this module needs no babel.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bot.flowdefs.model import AskNode, FlowSet, Msg
from bot.flowdefs.problems import Problem, Severity
from bot.flowdefs.texts_needed import NOT_MESSAGES
from bot.flowdefs.yamlsafe import Document

FIRST_LINES_FILE = "data/first_lines.yaml"
COLONS = (":", "：")
LANGUAGE_WORDS = {"en": "English", "vi": "Vietnamese", "zh_Hans": "Chinese", "ja": "Japanese"}


@dataclass(frozen=True, slots=True)
class LanguageRule:
    """One language's deny-list and neutral openers."""

    lang: str
    deny: tuple[tuple[str, re.Pattern[str]], ...]
    openers: frozenset[str]

    def word_in(self, line: str) -> str | None:
        """Return the first listed word the line contains, or None."""
        folded = line.casefold()
        return next((word for word, pattern in self.deny if pattern.search(folded)), None)


@dataclass(frozen=True, slots=True)
class FirstLineRules:
    """The rule for every language, and how short a line ending in a colon counts as a heading."""

    header_max: int
    languages: Mapping[str, LanguageRule]

    def opener(self, lang: str, line: str) -> bool:
        """Tell whether ``line`` is one of the neutral openers listed for ``lang``."""
        rule = self.languages.get(lang)
        return rule is not None and line.strip().casefold() in rule.openers

    def offence(self, lang: str, text: str, source: str | None = None) -> str | None:
        """Say what is wrong with the first line of ``text`` in ``lang``, or None.

        ``source`` is the English the text translates: when its first line is a listed opener,
        the translation's first line may end with a colon too, however it was worded (it must
        still name no topic).
        """
        rule = self.languages.get(lang)
        if rule is None:
            return None
        line = first_line(text)
        word = rule.word_in(line)
        if word is not None:
            return f"names a topic ('{word}')"
        if (
            line.endswith(COLONS)
            and len(line) <= self.header_max
            and not self.opener(lang, line)
            and not (source is not None and self.opener("en", first_line(source)))
        ):
            return f"is a heading ('{line}')"
        return None


def first_line(text: str) -> str:
    """The first line with something on it: what a notification shows."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _pattern(word: str, anywhere: bool) -> re.Pattern[str]:
    stem = word.casefold().removesuffix("*")
    body = r"\s+".join(re.escape(part) for part in stem.split())
    if anywhere:
        return re.compile(body)
    tail = r"\w*" if word.endswith("*") else ""
    return re.compile(rf"(?<!\w){body}{tail}(?!\w)")


def _language(doc: Document, lang: str, entry: object, path: str) -> LanguageRule | Problem:
    if not isinstance(entry, dict):
        return Problem(path, doc.line("languages", lang), None, f"'{lang}' must be a mapping")
    match = entry.get("match")
    deny = entry.get("deny")
    openers = entry.get("openers", [])
    if match not in ("words", "anywhere"):
        where = doc.line("languages", lang, "match")
        return Problem(path, where, None, f"'{lang}': 'match' must be 'words' or 'anywhere'")
    lists = (deny, openers)
    if not all(isinstance(x, list) and all(isinstance(w, str) and w for w in x) for x in lists):
        where = doc.line("languages", lang)
        return Problem(path, where, None, f"'{lang}': 'deny' and 'openers' must list texts")
    patterns = tuple((word, _pattern(word, match == "anywhere")) for word in deny or [])
    return LanguageRule(lang, patterns, frozenset(o.strip().casefold() for o in openers))


def read_rules(path: str, doc: Document) -> tuple[FirstLineRules, list[Problem]]:
    """Read the deny-lists; a mistake is a problem, and that language goes unchecked."""
    data = doc.data if isinstance(doc.data, dict) else {}
    problems: list[Problem] = []
    header_max = data.get("header_max", 60)
    if not isinstance(header_max, int) or header_max < 0:
        problems.append(Problem(path, doc.line("header_max"), None, "'header_max' is a number"))
        header_max = 60
    languages: dict[str, LanguageRule] = {}
    entries = data.get("languages")
    if not isinstance(entries, dict):
        entries = {}
        problems.append(Problem(path, 1, None, "'languages' must map languages to their lists"))
    for lang, entry in entries.items():
        read = _language(doc, str(lang), entry, path)
        if isinstance(read, Problem):
            problems.append(read)
        else:
            languages[str(lang)] = read
    for lang in LANGUAGE_WORDS:
        if lang not in entries:
            problems.append(Problem(path, 1, None, f"no list for '{lang}'"))
    return FirstLineRules(header_max, languages), problems


def trainee_messages(flows: FlowSet) -> list[tuple[Msg, str, str | None]]:
    """Every text a trainee can receive as a message, with its file and node (or key)."""
    found: list[tuple[Msg, str, str | None]] = [
        (msg, flows.system_path, None)
        for key, msg in flows.system.items()
        if key not in NOT_MESSAGES
    ]
    found += [(msg, flows.system_path, None) for msg in flows.replies.values()]
    for flow in sorted(flows.flows.values(), key=lambda f: f.path):
        for node in flow.nodes.values():
            say = getattr(node, "say", None)
            if say is not None:
                found.append((say, flow.path, node.id))
            if isinstance(node, AskNode) and node.retry is not None:
                found.append((node.retry, flow.path, node.id))
    return found


def check_first_lines(
    flows: FlowSet,
    rules: FirstLineRules,
    translate: Callable[[Msg, str], str],
    languages: Iterable[str] = LANGUAGE_WORDS,
) -> list[Problem]:
    """Return a warning for every first line that names a topic or is a heading."""
    problems = []
    for msg, path, node in trainee_messages(flows):
        for lang in languages:
            text = msg.text if lang == "en" else translate(msg, lang)
            if lang != "en" and text == msg.text:
                continue  # not translated: the English is what is shown, checked as English
            offence = rules.offence(lang, text, msg.text)
            if offence is None:
                continue
            name = LANGUAGE_WORDS.get(lang, lang)
            where = "" if node else f"{msg.context}: "
            problems.append(
                Problem(
                    path,
                    msg.line,
                    node,
                    f"{where}the first line in {name} ({lang}) {offence}; a locked phone "
                    "shows it. Start with a neutral line such as 'Here is some information:' "
                    "(see flows/data/first_lines.yaml)",
                    Severity.WARNING,
                )
            )
    return problems
