"""Maintainers' translation tools: extract, update, compile and check the catalogs.

* ``extract``: collect every text of ``flows/`` into ``locales/messages.pot`` with the Babel
  extractor (rewritten only when a text changed, so the file does not churn).
* ``update``: merge the template into each language's ``.po``; a text whose English changed is
  marked fuzzy, because changed legal text must be reviewed again.
* ``compile``: write ``.mo`` files (fuzzy entries left out).
* ``check``: per language, count untranslated, fuzzy and placeholder mismatches; fail on any.

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

PROJECT = "trainee-helpline"
LANGUAGE_NAMES = {
    "vi": "Vietnamese",
    "zh_Hans": "Chinese (Simplified)",
    "ja": "Japanese",
    "en": "English",
}
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
    # No "#| msgid" lines: Babel wraps them into ordinary comments that would then stay for
    # ever. A fuzzy entry shows the new English beside the old translation, which is enough.
    write_po(buffer, catalog, width=99, include_previous=False, include_lineno=False)
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
            catalog.update(template, update_creation_date=False)
            catalog.obsolete.clear()  # removed texts live on in git history, not in the file
            action = "updated"
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
            if entry is None or not entry.string:
                yield Finding(msg, lang, "missing")
                continue
            if entry.fuzzy:
                yield Finding(msg, lang, "fuzzy")
            if not isinstance(entry.string, str):
                continue
            if sorted(placeholders(entry.string)) != want:
                yield Finding(msg, lang, "placeholders")
            if len(entry.string) > MAX_MESSAGE:
                yield Finding(msg, lang, "too_long")
            for number in PHONE_NUMBER.findall(entry.string):
                yield Finding(msg, lang, "phone", number)
            for term in lacking(entry.string, lang, present):
                yield Finding(
                    msg, lang, "glossary", f"'{term.en}' ({' / '.join(term.agreed[lang])})"
                )


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
    match finding.what:
        case "missing":
            return (
                f'no {name} translation yet for "{_short(finding.msg.text)}"; run '
                f"'helpline i18n update', then translate it in {po}",
                Severity.WARNING,
            )
        case "fuzzy":
            return (
                f'the {name} translation of "{_short(finding.msg.text)}" is marked fuzzy '
                "(the English changed): check it, then delete the '#, fuzzy' line",
                Severity.WARNING,
            )
        case "placeholders":
            return (
                f'the {name} translation of "{_short(finding.msg.text)}" does not have the '
                f"same {{placeholders}} as the English: {sorted(placeholders(finding.msg.text))}",
                Severity.ERROR,
            )
        case "too_long":
            return (
                f"the {name} translation is longer than {MAX_MESSAGE:,} characters",
                Severity.ERROR,
            )
        case "phone":
            return (
                f"the {name} translation writes out the number {finding.detail}; numbers come "
                "only from {phone.<id>} placeholders, as in the English",
                Severity.ERROR,
            )
        case _:
            return (
                f'the {name} translation of "{_short(finding.msg.text)}" does not use the '
                f"agreed term for {finding.detail}; see locales/glossary.yaml",
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
        lines.append(
            f"{target}: out of date; run 'helpline i18n extract' and 'helpline i18n update'"
        )
        ok = False
    for lang in languages:
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
