"""Make the example advocacy report in docs/reports/ from synthetic cases (no real data).

``make bench`` runs it (or ``.venv/bin/python bench/example_report.py``). 400 made-up cases
over January–March 2026 go through the real store into a SQLite file: opened, some closed by
the desk, the rest purged, all counted into the tallies on the way. Then ``helpline report``
writes the Markdown and HTML reports in English and Japanese, and the charts are saved as PNG
files beside them for the Markdown.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_reports import population, store  # noqa: E402

from bot.assemble import japan_today  # noqa: E402
from bot.flowdefs.folder import load_flowset  # noqa: E402
from bot.reports.report import CHARTED, chart_png, make_report  # noqa: E402
from bot.storage.counts import open_cases, read_tallies  # noqa: E402
from tests.databases import sqlite_engine  # noqa: E402

OUT = ROOT / "docs" / "reports"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        engine = sqlite_engine(Path(folder))
        store(engine, population(2026, 400))
        env = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
        env["HELPLINE_DATA_DIR"] = folder
        for lang in ("en", "ja"):
            for fmt in ("md", "html"):
                target = OUT / f"example-{lang}.{fmt}"
                period = ["--from", "2026-01-01", "--to", "2026-03-31"]
                options = ["--format", fmt, "--lang", lang, "--output", str(target)]
                subprocess.run(  # as an operator would
                    [sys.executable, "-m", "bot", "report", *period, *options],
                    cwd=ROOT,
                    env=env,
                    check=True,
                )
        flows, _ = load_flowset(ROOT / "flows", japan_today())
        report = make_report(
            read_tallies(engine, "2026-01", "2026-03"),
            start=date(2026, 1, 1),
            end=date(2026, 3, 31),
            made=date(2026, 4, 1),
            open_now=open_cases(engine),
            lang="en",
            prefecture_name=lambda pref: flows.data.prefectures.name(pref, "en"),
        )
        for table in report.tables:
            if table.dimension in CHARTED:
                png = chart_png(report, table)
                if png is not None:
                    (OUT / f"example-{table.dimension}.png").write_bytes(png)
        engine.dispose()
    print(f"Wrote the example reports and charts to {OUT}")


if __name__ == "__main__":
    main()
