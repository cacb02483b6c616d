"""The JSON Schemas editors use: written from the readers' key tables, true to every file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bot.content_tools import write_schemas
from bot.flowdefs.nodes import BUTTON_KEYS, KEYS_BY_KIND
from bot.flowdefs.schema import flow_schema, schema_of, schemas
from bot.flowdefs.yamlsafe import load

from ..conftest import FLOWS

FILES = sorted(FLOWS.glob("*.yaml")) + sorted((FLOWS / "data").glob("*.yaml"))


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schemas()[name], format_checker=jsonschema.FormatChecker()
    )


def as_json(path: Path) -> Any:
    """The file as an editor's YAML server sees it (dates as strings)."""
    return json.loads(json.dumps(load(path.read_text(encoding="utf-8")).data, default=str))


def test_the_written_schemas_are_the_ones_the_readers_make(tmp_path: Path) -> None:
    written = write_schemas(tmp_path)
    assert written == sorted(p.name for p in (FLOWS / "schema").glob("*.json"))
    for name in written:
        assert (FLOWS / "schema" / name).read_text(encoding="utf-8") == (
            tmp_path / name
        ).read_text(encoding="utf-8"), f"run 'helpline flows schema': {name} is out of date"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_names_its_schema_and_follows_it(path: Path) -> None:
    relative = str(path.relative_to(FLOWS))
    name = schema_of(relative)
    assert name is not None, f"{relative} has no schema"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema={'../' * relative.count('/')}schema/{name}"
    assert (path.parent / first.split("$schema=")[1]).resolve() == FLOWS / "schema" / name
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validator(name).iter_errors(as_json(path))
    ]
    assert errors == []


def test_each_node_kind_allows_exactly_the_keys_its_reader_reads() -> None:
    kinds = flow_schema()["properties"]["nodes"]["additionalProperties"]["anyOf"]
    assert [set(kind["properties"]) for kind in kinds] == [set(k) for k in KEYS_BY_KIND.values()]
    buttons = kinds[0]["properties"]["buttons"]["items"]
    assert set(buttons["properties"]) == set(BUTTON_KEYS)


FLOW = {
    "version": 1,
    "flow": "example",
    "reviewed": "2026-12-01",
    "sources": ["Labour Standards Act Art. 24"],
    "start": "ask_pay",
}


@pytest.mark.parametrize(
    ("node", "wrong"),
    [
        ({"say": "Hello", "nxt": "b"}, "nxt"),
        ({"say": "Pick one", "buttons": [{"lable": "Yes", "next": "b"}]}, "lable"),
        ({"say": "How much?", "ask": "money", "next": "b"}, "money"),
        ({"handoff": "soon", "next": "b"}, "soon"),
        ({"say": "Hello", "next": "B-2"}, "B-2"),
    ],
)
def test_an_editor_flags_a_mistyped_node(node: dict[str, Any], wrong: str) -> None:
    good = {**FLOW, "nodes": {"ask_pay": {"say": "Hello", "next": "b"}, "b": {"end": True}}}
    assert list(validator("flow.schema.json").iter_errors(good)) == []
    bad = {**FLOW, "nodes": {"ask_pay": node, "b": {"end": True}}}
    assert list(validator("flow.schema.json").iter_errors(bad)), wrong
