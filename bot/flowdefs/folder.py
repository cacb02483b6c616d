"""Read the whole flows folder: flow files, ``system.yaml`` and the tables in ``data/``.

The one place that reads flow files from disk. Returns a ``FlowSet`` and every problem found
(shape and fit, not translations); ``load_or_fail`` is for the running helpline, which refuses
to start on errors.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.calculators.base import ReferenceData
from bot.calculators.minimum_wage import MinimumWageTable
from bot.contacts import ContactDirectory
from bot.flowdefs.check import check
from bot.flowdefs.check.first_lines import FIRST_LINES_FILE, FirstLineRules, read_rules
from bot.flowdefs.data import read_contacts, read_minimum_wages, read_prefectures
from bot.flowdefs.load import read_desk_texts, read_flow, read_replies, read_system
from bot.flowdefs.model import Flow, FlowSet, Msg, Triggers
from bot.flowdefs.problems import Problem, errors
from bot.flowdefs.texts_needed import DESK_FILE, SYSTEM_KEYS
from bot.flowdefs.triggers import check_triggers, read_triggers
from bot.flowdefs.yamlsafe import Document, YamlRefused, load
from bot.prefectures import PrefectureTable

SYSTEM_FILE = "system.yaml"
PREFECTURES_FILE = "data/prefectures.yaml"
MINIMUM_WAGES_FILE = "data/minimum_wages.yaml"
CONTACTS_FILE = "data/contacts.yaml"
TRIGGERS_FILE = "data/triggers.yaml"
DATA_FILES = (
    PREFECTURES_FILE,
    MINIMUM_WAGES_FILE,
    CONTACTS_FILE,
    DESK_FILE,
    FIRST_LINES_FILE,
    TRIGGERS_FILE,
)


class FlowError(ValueError):
    """The flows folder has errors; ``problems`` lists them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"the flows have {len(problems)} error(s):\n{lines}")


def display_path(path: Path) -> str:
    """Return ``path`` relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read(path: Path) -> tuple[Document | None, list[Problem]]:
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        return None, [Problem(shown, 0, None, f"cannot read the file: {error.strerror}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, [Problem(shown, 0, None, "the file is not UTF-8 text; save it as UTF-8")]
    try:
        return load(text), []
    except YamlRefused as refused:
        return None, [Problem(shown, refused.line, None, refused.message)]


def flow_files(flows_dir: Path) -> list[Path]:
    """Return the flow files in ``flows_dir`` (every ``*.yaml`` but ``system.yaml``)."""
    return sorted(p for p in flows_dir.glob("*.yaml") if p.name != SYSTEM_FILE)


def _read_data(flows_dir: Path, today: date) -> tuple[ReferenceData, list[Problem]]:
    """Read the tables in ``data/``: prefectures, minimum wages and contacts."""
    problems: list[Problem] = []
    doc, found = _read(flows_dir / PREFECTURES_FILE)
    problems += found
    prefectures = PrefectureTable([])
    if doc is not None:
        prefectures, found = read_prefectures(display_path(flows_dir / PREFECTURES_FILE), doc)
        problems += found

    doc, found = _read(flows_dir / MINIMUM_WAGES_FILE)
    problems += found
    wages = MinimumWageTable([])
    if doc is not None:
        wages, found = read_minimum_wages(
            display_path(flows_dir / MINIMUM_WAGES_FILE), doc, prefectures, today
        )
        problems += found

    doc, found = _read(flows_dir / CONTACTS_FILE)
    problems += found
    contacts = ContactDirectory([])
    if doc is not None:
        contacts, found = read_contacts(display_path(flows_dir / CONTACTS_FILE), doc)
        problems += found
    return ReferenceData(prefectures, wages, contacts), problems


def _read_system_file(
    flows_dir: Path,
) -> tuple[dict[str, Msg], dict[str, Msg], list[Problem]]:
    """Read ``system.yaml``: the system texts and the desk's canned replies."""
    system_path = display_path(flows_dir / SYSTEM_FILE)
    doc, problems = _read(flows_dir / SYSTEM_FILE)
    system: dict[str, Msg] = {}
    replies: dict[str, Msg] = {}
    if doc is not None:
        system, found = read_system(system_path, doc, SYSTEM_KEYS)
        problems += found
        replies, found = read_replies(system_path, doc)
        problems += found
    return system, replies, problems


def _read_desk_file(flows_dir: Path) -> tuple[dict[str, Msg], list[Problem]]:
    """Read the union desk's own texts (``data/desk_texts.yaml``)."""
    doc, problems = _read(flows_dir / DESK_FILE)
    if doc is None:
        return {}, problems
    desk, found = read_desk_texts(display_path(flows_dir / DESK_FILE), doc)
    return desk, problems + found


def _read_triggers_file(flows_dir: Path) -> tuple[Triggers, list[Problem]]:
    """Read what typed text may lead to (``data/triggers.yaml``); none without the file."""
    path = flows_dir / TRIGGERS_FILE
    if not path.exists():
        return Triggers(), []
    doc, problems = _read(path)
    if doc is None:
        return Triggers(path=display_path(path)), problems
    triggers, found = read_triggers(display_path(path), doc)
    return triggers, problems + found


def _read_flows(flows_dir: Path) -> tuple[dict[str, Flow], set[str], list[Problem]]:
    """Read every flow file; return the flows read, the names of those that could not be."""
    problems: list[Problem] = []
    flows: dict[str, Flow] = {}
    unreadable: set[str] = set()
    for path in flow_files(flows_dir):
        doc, found = _read(path)
        problems += found
        flow = None
        if doc is not None:
            flow, found = read_flow(display_path(path), path.stem, doc)
            problems += found
        if flow is None:
            unreadable.add(path.stem)
        else:
            flows[flow.name] = flow
    return flows, unreadable, problems


def load_flowset(flows_dir: Path, today: date) -> tuple[FlowSet, list[Problem]]:
    """Read and check everything in ``flows_dir``; what could not be read is left out."""
    data, problems = _read_data(flows_dir, today)
    system, replies, found = _read_system_file(flows_dir)
    problems += found
    flows, unreadable, found = _read_flows(flows_dir)
    problems += found
    desk, found = _read_desk_file(flows_dir)
    problems += found
    triggers, found = _read_triggers_file(flows_dir)
    problems += found
    flowset = FlowSet(
        flows,
        system,
        data,
        display_path(flows_dir / SYSTEM_FILE),
        frozenset(unreadable),
        replies,
        desk,
        triggers,
    )
    problems += check(flowset, today, display_path(flows_dir))
    problems += check_triggers(flowset)
    return flowset, sorted(set(problems))


def load_first_line_rules(flows_dir: Path) -> tuple[FirstLineRules, list[Problem]]:
    """Read ``data/first_lines.yaml``: what a message's first line may not say."""
    doc, problems = _read(flows_dir / FIRST_LINES_FILE)
    if doc is None:
        return FirstLineRules(0, {}), problems
    rules, found = read_rules(display_path(flows_dir / FIRST_LINES_FILE), doc)
    return rules, problems + found


def load_or_fail(flows_dir: Path, today: date) -> FlowSet:
    """Return the FlowSet, or raise ``FlowError`` if the folder has any error."""
    flowset, problems = load_flowset(flows_dir, today)
    if errors(problems):
        raise FlowError(errors(problems))
    return flowset
