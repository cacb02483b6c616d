"""Read the reference tables in ``flows/data/``: prefectures and minimum wages.

Same rules as flow files: safe YAML, every problem with its line, nothing stops at the first
mistake. Produces the pure tables of ``bot.prefectures`` and ``bot.calculators.minimum_wage``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.calculators.minimum_wage import MinimumWage, MinimumWageTable
from bot.contacts import Contact, ContactDirectory
from bot.flowdefs.problems import Problem
from bot.flowdefs.wage_table import table_problems
from bot.flowdefs.yamlsafe import Document
from bot.prefectures import PrefectureInfo, PrefectureTable

PREFECTURE_COUNT = 47
WAGE_ROW_KEYS = ("prefecture", "fiscal_year", "hourly", "effective", "confidence", "source")
INDUSTRY_ROW_KEYS = (*WAGE_ROW_KEYS, "industry", "name_ja", "name_en")
CONFIDENCE = ("V", "S")


def read_prefectures(path: str, doc: Document) -> tuple[PrefectureTable, list[Problem]]:
    """Read ``prefectures.yaml``."""
    problems: list[Problem] = []
    rows = doc.data.get("prefectures") if isinstance(doc.data, dict) else None
    if not isinstance(rows, list):
        return PrefectureTable([]), [Problem(path, 1, None, "'prefectures' should be a list")]
    found = []
    for index, row in enumerate(rows):
        line = doc.line("prefectures", index)
        if not (
            isinstance(row, dict)
            and isinstance(row.get("id"), str)
            and isinstance(row.get("code"), int)
            and isinstance(row.get("names"), dict)
        ):
            problems.append(
                Problem(path, line, None, "each prefecture needs 'id', 'code' and 'names'")
            )
            continue
        names = {str(k): str(v) for k, v in row["names"].items()}
        aliases = tuple(str(a) for a in row.get("aliases") or ())
        found.append(PrefectureInfo(row["id"], row["code"], names, aliases))
    table = PrefectureTable(found)
    if len(table) != PREFECTURE_COUNT:
        problems.append(
            Problem(
                path,
                1,
                None,
                f"there should be {PREFECTURE_COUNT} prefectures, but {len(table)} were read",
            )
        )
    return table, problems


def _wage_row(
    *, path: str, doc: Document, section: str, index: int, row: Any, prefectures: PrefectureTable
) -> tuple[MinimumWage | None, list[Problem]]:
    line = doc.line(section, index)
    keys = INDUSTRY_ROW_KEYS if section == "industry" else WAGE_ROW_KEYS
    if not isinstance(row, dict):
        return None, [Problem(path, line, None, f"each row needs {', '.join(keys)}")]
    problems = [
        Problem(path, line, None, f"unknown key '{key}' in a {section} row")
        for key in row
        if key not in keys
    ]
    missing = [key for key in keys if key not in row and key != "name_en"]
    if missing:
        problems.append(Problem(path, line, None, f"this row lacks {', '.join(missing)}"))
        return None, problems
    if row["prefecture"] not in prefectures:
        problems.append(
            Problem(
                path,
                line,
                None,
                f"unknown prefecture '{row['prefecture']}' (use an id from prefectures.yaml)",
            )
        )
    if not (isinstance(row["fiscal_year"], int) and 2000 <= row["fiscal_year"] <= 2100):  # noqa: PLR2004
        problems.append(Problem(path, line, None, "'fiscal_year' should be a year like 2026"))
    if not isinstance(row["effective"], date):
        problems.append(Problem(path, line, None, "'effective' should be a date like 2025-10-01"))
    if not (isinstance(row["hourly"], int) and 500 <= row["hourly"] <= 5000):  # noqa: PLR2004
        problems.append(
            Problem(
                path,
                line,
                None,
                "'hourly' should be yen per hour, a whole number between 500 and 5000",
            )
        )
    if row["confidence"] not in CONFIDENCE:
        problems.append(
            Problem(
                path,
                line,
                None,
                "'confidence' should be V (seen on an official "
                "page) or S (secondary sources); unverified figures stay out",
            )
        )
    if problems:
        return None, problems
    wage = MinimumWage(
        str(row["prefecture"]),
        int(row["fiscal_year"]),
        row["hourly"],
        row["effective"],
        str(row["source"]),
        row["confidence"],
        str(row["industry"]) if section == "industry" else None,
    )
    return wage, []


def read_minimum_wages(
    path: str, doc: Document, prefectures: PrefectureTable, today: date
) -> tuple[MinimumWageTable, list[Problem]]:
    """Read ``minimum_wages.yaml`` and check that every prefecture has a figure in force."""
    problems: list[Problem] = []
    data = doc.data if isinstance(doc.data, dict) else {}
    rows: list[MinimumWage] = []
    for section in ("regional", "industry"):
        section_rows = data.get(section) or []
        if not isinstance(section_rows, list):
            problems.append(
                Problem(path, doc.line(section), None, f"'{section}' should be a list")
            )
            continue
        for index, raw in enumerate(section_rows):
            row, found = _wage_row(
                path=path, doc=doc, section=section, index=index, row=raw, prefectures=prefectures
            )
            problems.extend(found)
            if row is not None:
                rows.append(row)
    seen: dict[tuple[str, str | None, int], int] = {}
    for row in rows:
        key = (row.prefecture, row.industry, row.fiscal_year)
        seen[key] = seen.get(key, 0) + 1
    problems.extend(
        Problem(
            path,
            1,
            None,
            f"{pref} has {count} rows for fiscal year {fy}"
            + (f" ({industry})" if industry else ""),
        )
        for (pref, industry, fy), count in seen.items()
        if count > 1
    )
    problems.extend(table_problems(path, rows, set(prefectures.ids)))
    table = MinimumWageTable(rows)
    problems.extend(
        Problem(
            path,
            1,
            None,
            f"no regional minimum wage for {pref} is in force on {today}; add its row",
        )
        for pref in prefectures.ids
        if table.on(pref, today) is None
    )
    return table, problems


CONTACT_KEYS = (
    "id",
    "name",
    "name_ja",
    "phone",
    "languages",
    "hours",
    "cost",
    "verified",
    "source",
)


def read_contacts(path: str, doc: Document) -> tuple[ContactDirectory, list[Problem]]:
    """Read ``contacts.yaml``, the help directory."""
    rows = doc.data.get("contacts") if isinstance(doc.data, dict) else None
    if not isinstance(rows, list):
        return ContactDirectory([]), [Problem(path, 1, None, "'contacts' should be a list")]
    problems: list[Problem] = []
    found: list[Contact] = []
    for index, row in enumerate(rows):
        line = doc.line("contacts", index)
        if not isinstance(row, dict):
            problems.append(Problem(path, line, None, "each contact is a mapping"))
            continue
        problems.extend(
            Problem(path, line, None, f"unknown key '{key}' in a contact")
            for key in row
            if key not in CONTACT_KEYS
        )
        missing = [key for key in CONTACT_KEYS if key not in row]
        if missing:
            problems.append(Problem(path, line, None, f"this contact lacks {', '.join(missing)}"))
            continue
        if not isinstance(row["verified"], bool):
            problems.append(Problem(path, line, None, "'verified' should be true or false"))
            continue
        phone = row["phone"]
        if phone is not None and not isinstance(phone, str):
            problems.append(
                Problem(
                    path,
                    line,
                    None,
                    'write the phone number in quotes, like phone: "0120-811-610"',
                )
            )
            continue
        found.append(
            Contact(
                str(row["id"]),
                str(row["name"]),
                str(row["name_ja"]),
                phone,
                tuple(str(lang) for lang in row["languages"] or ()),
                str(row["hours"]),
                str(row["cost"]),
                row["verified"],
                str(row["source"]),
            )
        )
    ids = [c.id for c in found]
    problems.extend(
        Problem(path, 1, None, f"the contact '{cid}' appears twice")
        for cid in sorted({i for i in ids if ids.count(i) > 1})
    )
    return ContactDirectory(found), problems
