"""Plots of the load benchmark: throughput and p95 latency against simultaneous trainees.

``bench/load/run.py`` calls ``plot`` after measuring; run it alone to redraw from the saved
numbers: ``.venv/bin/python bench/plot.py`` (reads ``docs/bench/load.json``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")  # files only, no window
import matplotlib.pyplot as plt

STYLE = {
    "echo": ("echo bot (baseline)", "tab:gray", "--"),
    "sqlite": ("helpline, SQLite", "tab:blue", "-"),
    "postgres": ("helpline, PostgreSQL, 1 worker", "tab:green", "-"),
    "postgres×2": ("helpline, PostgreSQL, 2 workers", "tab:red", "-"),
}


def plot(source: Path, folder: Path) -> list[Path]:
    """Draw ``throughput.png`` and ``latency.png`` into ``folder``; return their paths."""
    data = json.loads(source.read_text())
    results = data["results"]
    drawn = []
    for name, key, label in (
        ("throughput.png", "steps_per_second", "steps answered per second"),
        ("latency.png", "p95_ms", "95th percentile of reply time (ms)"),
    ):
        figure, axes = plt.subplots(figsize=(7, 4.2), dpi=110)
        for setup, (title, colour, line) in STYLE.items():
            points = sorted((r["trainees"], r[key]) for r in results if r["setup"] == setup)
            if points:
                xs, ys = zip(*points, strict=True)
                axes.plot(xs, ys, line, marker="o", color=colour, label=title)
        if key == "steps_per_second":
            axes.axhline(30, color="black", linewidth=0.8, linestyle=":")
            axes.text(1, 30.5, "Telegram: 30 messages a second per bot", fontsize=8)
        else:
            axes.set_yscale("log")
        axes.set_xlabel("simultaneous trainees (each reads 1 s between steps)")
        axes.set_ylabel(label)
        axes.set_title(f"{label}: {data['machine']}, {data['date']}", fontsize=9)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8)
        figure.tight_layout()
        path = folder / name
        figure.savefig(path)
        plt.close(figure)
        drawn.append(path)
    return drawn


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "docs" / "bench" / "load.json"
    for path in plot(source, source.parent):
        print(path)
