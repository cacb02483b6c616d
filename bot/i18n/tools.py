"""Maintainers' translation tools: extract, update, compile and check the catalogs.

* ``extract``: collect every text of ``flows/`` into ``locales/messages.pot`` with the Babel
  extractor (rewritten only when a text changed, so the file does not churn).
* ``update``: merge the template into each language's ``.po``; a text whose English changed
  keeps its old translation, marked fuzzy with the English it was made for (``#| msgid``),
  because changed legal text must be reviewed again. Nothing is guessed from other texts
  (``bot.i18n.review`` says when a text counts as changed).
* ``compile``: write ``.mo`` files (fuzzy entries left out).
* ``check``: per language, count untranslated, fuzzy and placeholder mismatches; fail on any;
  each finding names the ``.po`` file and line. A ``.po`` not in the layout ``update`` writes
  (hand-wrapped lines) is reported too, so rewrapping never shows up in someone else's diff.
* ``review``: each fuzzy entry of one language, old English, new English and translation.

``translation_problems`` gives the same findings per node, with file and line, for
``helpline flows check``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.contacts import PHONE_NUMBER
from bot.flowdefs.check import MAX_MESSAGE
from bot.flowdefs.model import FlowSet, Msg, all_messages, placeholders
from bot.flowdefs.problems import Problem, Severity
from bot.i18n.catalog import DOMAIN, po_path, read_catalog
from bot.i18n.glossary import Term, lacking, read_glossary, terms_in
from bot.i18n.locales import TRAINEE_LANGUAGES
from bot.i18n.review import carry_over, describe, fuzzy_entries, snapshot

PROJECT = "trainee-helpline"
LANGUAGE_NAMES = {
    "vi": "Vietnamese",
    "zh_Hans": "Chinese (Simplified)",
    "ja": "Japanese",
    "en": "English",
}
WIDTH = 99
METHOD_MAP = [("*.yaml", "helpline_flows")]
GLOSSARY_FILE = "glossary.yaml"
HEADER = """\
# Translations of the trainee helpline.
# Keep every {placeholder} exactly as it is. Keep the first line of each text neutral:
# it is what a locked phone shows. Use the terms in locales/glossary.yaml."""


def pot_path(locales_dir: Path) -> Path:
    """Return where the template lives."""
    return locales_dir / f"{DOMAIN}.pot"


def build_template(flows_dir: Path) -> Catalog:
    """Extract every text of ``flows_dir`` with the registered Babel extractor."""
    template = Catalog(project=PROJECT, domain=DOMAIN, header_comment=HEADER, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(flows_dir),
        method_map=METHOD_MAP,
        keywords=DEFAULT_KEYWORDS,
    ):
        template.add(
            message, None, [(f"flows/{filename}", lineno)], auto_comments=comments, context=context
        )
    return template


def serialise(catalog: Catalog) -> bytes:
    """Return a catalog as .po bytes, wrapped and flagged the way this project writes them."""
    # Babel guesses "python-format" from any "%" ("60% of") and "python-brace-format" from
    # "{...}"; our texts use neither format, and the flags would mislead gettext tools.
    for message in catalog:
        message.flags.difference_update({"python-format", "python-brace-format"})
    buffer = io.BytesIO()
    # "#| msgid" lines: the English a fuzzy translation was made for (read back by
    # ``catalog.restore_previous``). One width, always: a stable layout means a stable diff.
    write_po(buffer, catalog, width=WIDTH, include_previous=True, include_lineno=False)
    return buffer.getvalue()


def _signature(catalog: Catalog) -> list[tuple[object, ...]]:
    """What matters in a template: the texts, their notes and files (lines are not written)."""
    return [
        (m.context, m.id, " ".join(m.auto_comments), tuple(path for path, _ in m.locations))
        for m in catalog
        if m.id
    ]


def _read_signature(path: Path) -> list[tuple[object, ...]]:
    with path.open("rb") as handle:
        return _signature(read_po(handle))


def extract(flows_dir: Path, locales_dir: Path) -> bool:
    """Write the template; return whether it changed."""
    template = build_template(flows_dir)
    target = pot_path(locales_dir)
    if target.exists() and _read_signature(target) == _signature(template):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(serialise(template))
    return True


def update(flows_dir: Path, locales_dir: Path, languages: Iterable[str]) -> list[str]:
    """Merge the current texts into each language's catalog; return one line per language."""
    template = build_template(flows_dir)
    report = []
    for lang in languages:
        path = po_path(locales_dir, lang)
        if path.exists():
            catalog = read_catalog(path, lang)
            before = snapshot(catalog)
            catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
            carried = carry_over(before, catalog)
            catalog.obsolete.clear()  # removed texts live on in git history, not in the file
            action = "updated" + (f" ({carried} changed texts marked fuzzy)" if carried else "")
        else:
            catalog = Catalog(
                locale=lang, domain=DOMAIN, project=PROJECT, header_comment=HEADER, fuzzy=False
            )
            for message in template:
                if message.id:
                    catalog.add(
                        message.id,
                        "",
                        list(message.locations),
                        auto_comments=message.auto_comments,
                        context=message.context,
                    )
            path.parent.mkdir(parents=True, exist_ok=True)
            action = "created"
        path.write_bytes(serialise(catalog))
        report.append(f"{path}: {action}")
    return report


def compile_catalogs(locales_dir: Path, languages: Iterable[str]) -> list[str]:
    """Write a ``.mo`` next to each ``.po`` (fuzzy entries left out)."""
    report = []
    for lang in languages:
        path = po_path(locales_dir, lang)
        catalog = read_catalog(path, lang)
        with path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        report.append(f"{path.with_suffix('.mo')}: compiled")
    return report


@dataclass(frozen=True, slots=True)
class Finding:
    """One translation problem of one text in one language."""

    msg: Msg
    lang: str
    what: str  # "missing", "fuzzy", "placeholders", "too_long", "phone", "glossary"
    detail: str = ""
    line: int = 0  # the entry's line in the .po (0: not in the file)


KINDS = ("missing", "fuzzy", "placeholders", "too_long", "phone", "glossary")


def findings(
    messages: Iterable[Msg], catalogs: dict[str, Catalog], glossary: list[Term] | None = None
) -> Iterator[Finding]:
    """Yield every missing, fuzzy, mismatched, too long or off-glossary translation."""
    for msg in messages:
        want = sorted(placeholders(msg.text))
        present = terms_in(msg.text, glossary or [])
        for lang, catalog in catalogs.items():
            entry: Message | None = catalog.get(msg.text, context=msg.context)
            if entry is None:
                yield Finding(msg, lang, "missing")
                continue
            line = entry.lineno or 0
            if not entry.string:
                yield Finding(msg, lang, "missing", line=line)
                continue
            if entry.fuzzy:
                yield Finding(msg, lang, "fuzzy", line=line)
            if not isinstance(entry.string, str):
                continue
            if sorted(placeholders(entry.string)) != want:
                detail = placeholder_difference(want, placeholders(entry.string))
                yield Finding(msg, lang, "placeholders", detail, line)
            if len(entry.string) > MAX_MESSAGE:
                yield Finding(msg, lang, "too_long", line=line)
            for number in PHONE_NUMBER.findall(entry.string):
                yield Finding(msg, lang, "phone", number, line)
            for term in lacking(entry.string, lang, present):
                agreed = f"'{term.en}' ({' / '.join(term.agreed[lang])})"
                yield Finding(msg, lang, "glossary", agreed, line)


def placeholder_difference(want: Iterable[str], have: Iterable[str]) -> str:
    """Say exactly which ``{placeholders}`` a translation lacks and which it should not have."""
    wanted, had = sorted(want), sorted(have)
    missing = [name for name in dict.fromkeys(wanted) if had.count(name) < wanted.count(name)]
    extra = [name for name in dict.fromkeys(had) if had.count(name) > wanted.count(name)]
    parts = []
    if missing:
        parts.append("it lacks " + ", ".join(f"{{{name}}}" for name in missing))
    if extra:
        parts.append(
            "it has " + ", ".join(f"{{{name}}}" for name in extra) + ", which the English has not"
        )
    return "; ".join(parts)


def read_catalogs(locales_dir: Path, languages: Iterable[str]) -> dict[str, Catalog]:
    """Read each language's catalog; a missing file counts as an empty catalog."""
    catalogs = {}
    for lang in languages:
        path = po_path(locales_dir, lang)
        catalogs[lang] = read_catalog(path, lang) if path.exists() else Catalog(locale=lang)
    return catalogs


def _describe(finding: Finding) -> tuple[str, Severity]:
    name = f"{LANGUAGE_NAMES[finding.lang]} ({finding.lang})"
    po = f"locales/{finding.lang}/LC_MESSAGES/{DOMAIN}.po"
    where = f"{po}:{finding.line}" if finding.line else po
    match finding.what:
        case "missing" if not finding.line:
            return (
                f'no {name} translation yet for "{_short(finding.msg.text)}"; run '
                f"'helpline i18n update', then translate it in {po}",
                Severity.WARNING,
            )
        case "missing":
            return (
                f'no {name} translation yet for "{_short(finding.msg.text)}": '
                f"translate it at {where}",
                Severity.WARNING,
            )
        case "fuzzy":
            return (
                f'the {name} translation of "{_short(finding.msg.text)}" at {where} is marked '
                f"fuzzy: see 'helpline i18n review {finding.lang}', check it, then delete "
                "the '#, fuzzy' line",
                Severity.WARNING,
            )
        case "placeholders":
            return (
                f'the {name} translation of "{_short(finding.msg.text)}" at {where} does not '
                f"have the same {{placeholders}} as the English: {finding.detail}",
                Severity.ERROR,
            )
        case "too_long":
            return (
                f"the {name} translation at {where} is longer than {MAX_MESSAGE:,} characters",
                Severity.ERROR,
            )
        case "phone":
            return (
                f"the {name} translation at {where} writes out the number {finding.detail}; "
                "numbers come "
                "only from {phone.<id>} placeholders, as in the English",
                Severity.ERROR,
            )
        case _:
            return (
                f'the {name} translation of "{_short(finding.msg.text)}" at {where} does not '
                f"use the agreed term for {finding.detail}; see locales/glossary.yaml",
                Severity.WARNING,
            )


def _short(text: str, width: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def translation_problems(
    flowset: FlowSet, locales_dir: Path, languages: Iterable[str] = TRAINEE_LANGUAGES
) -> list[Problem]:
    """Return translation findings as problems at the line of the text in its flow file."""
    catalogs = read_catalogs(locales_dir, languages)
    glossary = read_glossary(locales_dir / GLOSSARY_FILE)
    problems = []
    for msg, path, node in all_messages(flowset):
        for finding in findings([msg], catalogs, glossary):
            message, severity = _describe(finding)
            problems.append(Problem(path, msg.line, node, message, severity))
    return problems


def check(
    flowset: FlowSet,
    flows_dir: Path,
    locales_dir: Path,
    languages: Iterable[str] = TRAINEE_LANGUAGES,
) -> tuple[list[str], bool]:
    """Return a report (one line per language, then details) and whether all is complete."""
    languages = list(languages)
    catalogs = read_catalogs(locales_dir, languages)
    messages = [msg for msg, _, _ in all_messages(flowset)]
    found = list(findings(messages, catalogs, read_glossary(locales_dir / GLOSSARY_FILE)))
    lines = []
    ok = True
    target = pot_path(locales_dir)
    if not target.exists() or _read_signature(target) != _signature(build_template(flows_dir)):
        lines.append(f"{target}: out of date; run 'helpline i18n update'")
        ok = False
    for lang in languages:
        path = po_path(locales_dir, lang)
        if path.exists() and serialise(catalogs[lang]) != path.read_bytes():
            lines.append(
                f"{path}: lines are wrapped differently from how 'helpline i18n update' "
                "writes them; run it (it changes no text) so that the rewrapping is not left "
                "for someone else's change"
            )
            ok = False
        mine = [f for f in found if f.lang == lang]
        counts = {what: sum(1 for f in mine if f.what == what) for what in KINDS}
        translated = len(messages) - counts["missing"] - counts["fuzzy"]
        rare = [
            f"{counts[what]} {label}"
            for what, label in (("too_long", "too long"), ("phone", "written-out phone numbers"))
            if counts[what]
        ]
        lines.append(
            f"{lang:8} {translated}/{len(messages)} translated, "
            f"{counts['missing']} untranslated, {counts['fuzzy']} fuzzy, "
            f"{counts['placeholders']} placeholder mismatches, "
            f"{counts['glossary']} glossary misses" + "".join(f", {r}" for r in rare)
        )
        ok = ok and not any(counts.values())
    for finding in found:
        message, _ = _describe(finding)
        lines.append(f"  {finding.msg.context}: {message}")
    return lines, ok


def review(locales_dir: Path, lang: str) -> list[str]:
    """Return, for each fuzzy entry of ``lang``, what a translator needs to review it."""
    path = po_path(locales_dir, lang)
    shown = f"locales/{lang}/LC_MESSAGES/{DOMAIN}.po"
    entries = list(fuzzy_entries(path, read_catalog(path, lang)))
    lines = [f"{len(entries)} fuzzy entries in {shown}"]
    for entry in entries:
        lines += ["", *describe(entry, shown)]
    return lines
