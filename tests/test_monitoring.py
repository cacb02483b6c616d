"""The alert rules and the dashboard in deploy/monitoring/ watch metrics the helpline exports.

The exported names are read from the code (every ``helpline_…`` word in bot/telegram_adapter/,
and the histogram's derived series); the rules' expressions and the dashboard's queries may name
only those (and Prometheus' own ``up``). ``promtool check rules`` runs where installed. A
metrics-only server (polling mode) serves /metrics with the desk's gauges and takes no update.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from bot.storage.counts import job_times
from bot.telegram_adapter import jobs
from bot.telegram_adapter.gauges import LOOP_TURNED, note_loops
from bot.telegram_adapter.metrics import HELP, Metrics

from .fakes.telegram_server import post_update
from .harness import running

ROOT = Path(__file__).resolve().parent.parent
MONITORING = ROOT / "deploy" / "monitoring"
NAME = re.compile(r"\bhelpline_[a-z_]+\b")
BUILTIN = {"up"}
"""Series Prometheus makes itself for every target."""


def exported() -> set[str]:
    """Every metric name the adapter writes, as Prometheus sees it."""
    names: set[str] = set()
    for path in (ROOT / "bot" / "telegram_adapter").glob("*.py"):
        names |= set(re.findall(r'"(helpline_[a-z_]+)"', path.read_text(encoding="utf-8")))
    histogram = "helpline_update_seconds"
    return names | {f"{histogram}_{part}" for part in ("bucket", "sum", "count")}


def named(expression: str) -> set[str]:
    """The metrics an expression reads (PromQL functions and labels are not ``helpline_``)."""
    words = set(NAME.findall(expression))
    bare = re.findall(r"(?<![\w\"'=~.{])(up)\s*(?:\{|==|\)|$)", expression)
    return words | set(bare)


def rules() -> list[dict[str, object]]:
    document = yaml.safe_load((MONITORING / "helpline-alerts.yaml").read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_queries() -> list[str]:
    board = json.loads((MONITORING / "helpline-dashboard.json").read_text(encoding="utf-8"))
    return [target["expr"] for panel in board["panels"] for target in panel["targets"]]


def test_every_exported_name_has_its_help_line() -> None:
    names = exported() - {f"helpline_update_seconds_{p}" for p in ("bucket", "sum", "count")}
    assert sorted(names - set(HELP)) == []
    assert {"helpline_desk_oldest_unclaimed_seconds", LOOP_TURNED, "helpline_job_overdue"} <= names


def test_the_alert_rules_watch_only_exported_metrics_and_cover_what_matters() -> None:
    found = rules()
    alerts = {str(rule["alert"]): str(rule["expr"]) for rule in found}
    for alert, expression in alerts.items():
        names = named(expression)
        assert names, alert
        assert sorted(names - exported() - BUILTIN) == [], (alert, expression)
    watched = set().union(*(named(e) for e in alerts.values()))
    for metric in (
        LOOP_TURNED,  # not polling
        "helpline_queue_depth",  # outbox backlog
        "helpline_job_overdue",  # purge or idle wipe not run
        "helpline_job_last_success_timestamp_seconds",
        "helpline_database_up",  # database down
        "helpline_desk_oldest_unclaimed_seconds",  # desk unanswered
    ):
        assert metric in watched, metric
    assert all(rule.get("annotations") and rule.get("for") for rule in found)


def test_the_dashboard_parses_and_reads_only_exported_metrics() -> None:
    queries = dashboard_queries()
    assert len(queries) >= 10
    for query in queries:
        assert named(query), query
        assert sorted(named(query) - exported() - BUILTIN) == [], query


def test_a_misspelt_metric_would_be_caught() -> None:
    assert named('max(helpline_queue_dept{queue="outbox"}) > 200') - exported() == {
        "helpline_queue_dept"
    }
    assert named('up{job="helpline"} == 0') == {"up"}


def test_promtool_accepts_the_rules() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus)")
    done = subprocess.run(
        [promtool, "check", "rules", str(MONITORING / "helpline-alerts.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(rules())} rules found" in done.stdout


def test_the_heartbeat_notes_when_each_loop_turned() -> None:
    metrics = Metrics()
    note_loops(metrics, {"intake": 1000.0, "worker": None, "clock": 990.0})
    text = metrics.render()
    assert f'{LOOP_TURNED}{{loop="intake"}} 1000' in text
    assert f'{LOOP_TURNED}{{loop="clock"}} 990' in text
    assert 'loop="worker"' not in text  # never turned: no series, rather than a false time


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.asyncio
async def test_polling_serves_metrics_with_the_desk_s_load_and_takes_no_update(
    tmp_path: Path,
) -> None:
    async with running(tmp_path, metrics_listen=("127.0.0.1", 0)) as bot:
        for _ in range(100):  # the polling task starts the server
            if bot.parts.metrics_port is not None:
                break
            await asyncio.sleep(0.05)
        base = f"http://127.0.0.1:{bot.parts.metrics_port}"
        records = bot.parts.database.records
        with records.unit() as unit:
            unit.open_case("vi", {}, "v1")
        status, body = await asyncio.to_thread(fetch, base + "/metrics")
        assert status == 200
        assert "helpline_database_up 1" in body
        assert "helpline_cases_open 1" in body and "helpline_desk_unclaimed_cases 1" in body
        assert "helpline_desk_oldest_unclaimed_seconds" in body
        assert (await asyncio.to_thread(fetch, base + "/healthz"))[0] == 200
        forged = {"update_id": 987654, "message": {"message_id": 1, "date": 0, "text": "/start",
                  "chat": {"id": 1001, "type": "private"}}}  # fmt: skip
        for path in ("/", "/telegram/hook", "/healthz/x"):
            assert await asyncio.to_thread(post_update, base + path, forged, "") in (404, 405)
        waiting = await asyncio.to_thread(bot.parts.worker.inbox.waiting, 50)
        assert all(each.update_id != forged["update_id"] for each in waiting)


@pytest.mark.asyncio
async def test_the_idle_wipe_notes_its_run_for_doctor(tmp_path: Path) -> None:
    async with running(tmp_path) as bot:
        engine = bot.parts.database.engine
        for _ in range(100):  # the leader's first round runs as it starts
            if "idle_wipe" in await asyncio.to_thread(job_times, engine):
                break
            await asyncio.sleep(0.05)
        first = (await asyncio.to_thread(job_times, engine))["idle_wipe"]
        await jobs.wipe_idle(bot.settings, bot.parts)
        assert (await asyncio.to_thread(job_times, engine))["idle_wipe"] > first
