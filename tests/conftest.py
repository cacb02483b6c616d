"""Shared fixtures: the real flows and a service over them, on a fixed day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.assemble import build_helpline
from bot.flowdefs.folder import load_or_fail
from bot.flowdefs.model import FlowSet
from bot.service import Helpline
from bot.storage.memory import MemoryStore

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
LOCALES = ROOT / "locales"
TODAY = date(2026, 11, 27)


@pytest.fixture(name="flows", scope="session")
def _flows() -> FlowSet:
    return load_or_fail(FLOWS, TODAY)


@pytest.fixture(name="helpline")
def _helpline() -> Helpline:
    return build_helpline(FLOWS, LOCALES, MemoryStore(), today=lambda: TODAY)
