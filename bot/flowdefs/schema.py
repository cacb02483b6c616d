"""JSON Schemas of the flow and data files, built from the readers' own key tables.

Editors (VS Code with the YAML extension, JetBrains, Neovim's yaml-language-server) use them to
complete keys and flag mistakes while a maintainer types: each file's first line names its
schema. The schemas say only the *shape* (which keys, which kinds of values); the checker
(``helpline flows check``) still says everything else (links, placeholders, facts, dates).

Every key comes from the tables the readers use (``KEYS_BY_KIND``, ``BUTTON_KEYS``,
``FLOW_KEYS``, ``CONTACT_KEYS``, ``WAGE_ROW_KEYS``, the system and desk text keys), so a key
added there without a type here fails a test instead of drifting. ``helpline flows schema``
writes them to ``flows/schema/``; a test fails while the written files differ. Pure: returns
dicts; writing is the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.flowdefs.data import CONTACT_KEYS, INDUSTRY_ROW_KEYS, WAGE_ROW_KEYS
from bot.flowdefs.load import FLOW_KEYS
from bot.flowdefs.model import TRIGGER_LANGUAGES, Store
from bot.flowdefs.nodes import ACTION_KEYS, ASK_KINDS, BRANCH_ITEM_KEYS, BUTTON_KEYS, KEYS_BY_KIND
from bot.flowdefs.texts_needed import DESK_KEYS, SYSTEM_KEYS
from bot.flowdefs.triggers import COMMANDS, TARGET_KEYS

Schema = dict[str, Any]
DRAFT = "https://json-schema.org/draft/2020-12/schema"
NODE_ID = "^[a-z][a-z0-9_]*$"
TEXT: Schema = {"type": "string", "minLength": 1}
DAY: Schema = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


def _text(what: str) -> Schema:
    return {**TEXT, "description": what}


BUTTON_TYPES: Mapping[str, Schema] = {
    "label": _text("the button's text: short, it must fit on a phone"),
    "next": {"type": "string", "pattern": NODE_ID, "description": "the node it leads to"},
    "value": {"type": ["string", "number", "boolean"], "description": "what is kept if pressed"},
    "danger": {"type": "boolean", "description": "true: show 110/119 and the emergency flow"},
    "exit": {"type": "boolean", "description": "true: this button clears the chat (/exit)"},
}
BRANCH_TYPES: Mapping[str, Schema] = {
    "if": _text("a condition, like: pay_kind == monthly and hours > 0"),
    "next": {"type": "string", "pattern": NODE_ID},
}


def _object(types: Mapping[str, Schema], keys: Iterable[str], required: Iterable[str]) -> Schema:
    keys = list(keys)
    return {
        "type": "object",
        "properties": {key: types[key] for key in keys},
        "required": [key for key in required if key in keys],
        "additionalProperties": False,
    }


NODE_TYPES: Mapping[str, Schema] = {
    "say": _text("what the trainee reads; its first line must be neutral (a locked phone)"),
    "buttons": {
        "type": "array",
        "minItems": 1,
        "items": _object(BUTTON_TYPES, BUTTON_KEYS, ["label"]),
    },
    "ask": {"enum": [str(kind) for kind in ASK_KINDS], "description": "the kind of answer"},
    "retry": _text("said when the answer cannot be read"),
    "min": {"type": "number"},
    "max": {"type": "number"},
    "store": {"enum": [str(store) for store in Store], "description": "how long it is kept"},
    "purpose": _text("why it is kept (the trainee is told)"),
    "staff_label": _text("a short Japanese label for the desk's case card, like 月額基本給"),
    "next": {"type": "string", "pattern": NODE_ID, "description": "the node that follows"},
    "compute": _text("the calculator's name, e.g. wage_check"),
    "with": {"type": "object", "description": "the calculator's arguments"},
    "branch": {
        "type": "array",
        "minItems": 1,
        "items": _object(BRANCH_TYPES, BRANCH_ITEM_KEYS, ["next"]),
    },
    "handoff": {"enum": ["normal", "urgent"]},
    "jump": {"type": "string", "pattern": NODE_ID, "description": "the flow to go to"},
    "end": {"const": True},
}
FLOW_TYPES: Mapping[str, Schema] = {
    "version": {"const": 1},
    "flow": {
        "type": "string",
        "pattern": NODE_ID,
        "description": "the file's name, without .yaml",
    },
    "title": _text("for maintainers (charts, reports); trainees never see it"),
    "description": _text("for maintainers"),
    "reviewed": {**DAY, "description": "the day the content was last checked against the law"},
    "sources": {"type": "array", "minItems": 1, "items": TEXT},
    "start": {"type": "string", "pattern": NODE_ID},
    "nodes": {"type": "object"},  # filled in by flow_schema
}
CONTACT_TYPES: Mapping[str, Schema] = {
    "id": {"type": "string", "pattern": NODE_ID},
    "name": TEXT,
    "name_ja": TEXT,
    "phone": {"type": ["string", "null"], "pattern": r"^[0-9-]+$"},
    "languages": {"type": "array", "items": {"type": "string"}},
    "hours": TEXT,
    "cost": TEXT,
    "verified": {"type": "boolean", "description": "true only if seen on an official page"},
    "source": TEXT,
}
PREFECTURE_KEYS = ("id", "code", "names", "aliases")
"""The keys ``bot.flowdefs.data.read_prefectures`` reads."""
PREFECTURE_TYPES: Mapping[str, Schema] = {
    "id": {"type": "string", "pattern": NODE_ID},
    "code": {"type": "integer", "minimum": 1, "maximum": 47},
    "names": {"type": "object", "additionalProperties": TEXT, "required": ["en", "ja"]},
    "aliases": {"type": "array", "items": TEXT, "description": "other spellings trainees type"},
}
WAGE_TYPES: Mapping[str, Schema] = {
    "prefecture": {"type": "string", "pattern": NODE_ID},
    "fiscal_year": {"type": "integer", "minimum": 2000},
    "hourly": {"type": "integer", "minimum": 1},
    "effective": DAY,
    "confidence": {"enum": ["V", "S"]},
    "source": TEXT,
    "industry": {"type": "string", "pattern": NODE_ID},
    "name_ja": TEXT,
    "name_en": TEXT,
}


def _node_kind(kind: str) -> Schema:
    keys = KEYS_BY_KIND[kind]
    schema = _object(NODE_TYPES, keys, [kind] if kind in ACTION_KEYS else ["say"])
    schema["title"] = f"a '{kind}' node"
    if kind not in ACTION_KEYS:  # a plain message: none of the action keys
        schema["not"] = {"anyOf": [{"required": [key]} for key in ACTION_KEYS]}
    return schema


def flow_schema() -> Schema:
    """The schema of ``flows/<name>.yaml``."""
    nodes = {
        "type": "object",
        "propertyNames": {"pattern": NODE_ID},
        "additionalProperties": {"anyOf": [_node_kind(kind) for kind in KEYS_BY_KIND]},
    }
    schema = _object({**FLOW_TYPES, "nodes": nodes}, FLOW_KEYS, ["version", "flow", "start"])
    schema["required"] = ["version", "flow", "reviewed", "sources", "start", "nodes"]
    return {"$schema": DRAFT, "title": "A helpline flow file (docs/flows.md)", **schema}


def _texts_schema(title: str, keys: Iterable[str], *, replies: bool = False) -> Schema:
    keys = list(keys)
    messages = _object(dict.fromkeys(keys, TEXT), keys, keys)
    canned = {
        "type": "object",
        "propertyNames": {"pattern": NODE_ID},
        "additionalProperties": TEXT,
        "description": "the desk's canned replies (/reply NAME), in English: translated",
    }
    types = {"version": {"const": 1}, "reviewed": DAY, "messages": messages, "replies": canned}
    names = ("version", "reviewed", "messages", *(("replies",) if replies else ()))
    top = _object(types, names, ("version", "messages"))
    return {"$schema": DRAFT, "title": title, **top}


def _rows_schema(title: str, section_rows: Mapping[str, Schema]) -> Schema:
    sections = {name: {"type": "array", "items": rows} for name, rows in section_rows.items()}
    types = {
        "version": {"const": 1},
        "reviewed": DAY,
        "sources": FLOW_TYPES["sources"],
        **sections,
    }
    top = _object(types, types, ("version", *section_rows))
    return {"$schema": DRAFT, "title": title, **top}


def _first_lines_schema() -> Schema:
    words = {"type": "array", "items": TEXT}
    language = _object(
        {"match": {"enum": ["words", "anywhere"]}, "openers": words, "deny": words},
        ("match", "openers", "deny"),
        ("match", "deny"),
    )
    languages = {"type": "object", "additionalProperties": language}
    types: dict[str, Schema] = {
        "version": {"const": 1},
        "header_max": {"type": "integer", "minimum": 0},
        "languages": languages,
    }
    top = _object(types, types, ("version", "languages"))
    return {"$schema": DRAFT, "title": "What a message's first line may not say", **top}


def _triggers_schema() -> Schema:
    phrases = {"type": "array", "minItems": 1, "items": TEXT}
    by_language = {
        "type": "object",
        "properties": dict.fromkeys(TRIGGER_LANGUAGES, phrases),
        "required": list(TRIGGER_LANGUAGES),
        "additionalProperties": False,
    }
    target_types: dict[str, Schema] = {
        "go": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"},
        "command": {"enum": sorted(COMMANDS)},
        "phrases": by_language,
    }
    target = _object(target_types, TARGET_KEYS, ("phrases",))
    types: dict[str, Schema] = {
        "version": {"const": 1},
        "targets": {"type": "object", "additionalProperties": target},
        "danger_words": by_language,
    }
    top = _object(types, types, ("version", "targets"))
    return {"$schema": DRAFT, "title": "What trainees type, and where it should lead", **top}


def schemas() -> dict[str, Schema]:
    """Every schema, by the file name it is written to in ``flows/schema/``."""
    return {
        "flow.schema.json": flow_schema(),
        "system.schema.json": _texts_schema(
            "The helpline's system texts", SYSTEM_KEYS, replies=True
        ),
        "desk_texts.schema.json": _texts_schema("The union desk's own texts", DESK_KEYS),
        "contacts.schema.json": _rows_schema(
            "The help directory", {"contacts": _object(CONTACT_TYPES, CONTACT_KEYS, CONTACT_KEYS)}
        ),
        "first_lines.schema.json": _first_lines_schema(),
        "triggers.schema.json": _triggers_schema(),
        "prefectures.schema.json": _rows_schema(
            "The 47 prefectures and their names",
            {"prefectures": _object(PREFECTURE_TYPES, PREFECTURE_KEYS, ("id", "code", "names"))},
        ),
        "minimum_wages.schema.json": _rows_schema(
            "Minimum wages by prefecture and fiscal year",
            {
                "regional": _object(WAGE_TYPES, WAGE_ROW_KEYS, WAGE_ROW_KEYS),
                "industry": _object(WAGE_TYPES, INDUSTRY_ROW_KEYS, INDUSTRY_ROW_KEYS),
            },
        ),
    }


def schema_of(relative: str) -> str | None:
    """The schema file a file inside ``flows/`` follows, or None (transcripts, unknown data)."""
    if relative in SCHEMA_OF:
        return SCHEMA_OF[relative]
    return "flow.schema.json" if "/" not in relative and relative.endswith(".yaml") else None


SCHEMA_OF = {
    "system.yaml": "system.schema.json",
    "data/desk_texts.yaml": "desk_texts.schema.json",
    "data/contacts.yaml": "contacts.schema.json",
    "data/minimum_wages.yaml": "minimum_wages.schema.json",
    "data/prefectures.yaml": "prefectures.schema.json",
    "data/first_lines.yaml": "first_lines.schema.json",
    "data/triggers.yaml": "triggers.schema.json",
}
"""Which schema each non-flow file follows (paths inside ``flows/``); flow files: flow.schema."""
