"""``helpline replies preview [NAME]``: the desk's canned replies in every language, before use.

Reads the flows and the catalogs as the bot would (``load_content``) and prints each canned
reply (``replies:`` in ``flows/system.yaml``), or the one named, in Japanese, Vietnamese,
Chinese and English, with its first line as a locked phone would show it. Sends nothing,
touches no database. The desk's ``/preview NAME`` shows the same in the group.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.assemble import japan_today, load_content
from bot.config import Settings

LANGUAGES = (("ja", "日本語"), ("vi", "Tiếng Việt"), ("zh_Hans", "中文"), ("en", "English"))


def replies_command(
    settings: Settings, name: str | None, stdout: TextIO, stderr: TextIO | None = None
) -> int:
    """Print the canned replies (or the one named) in every language; 1 for an unknown name."""
    flows, renderer = load_content(settings.flows_dir, settings.locales_dir, japan_today())
    replies = flows.replies
    if name is not None and name not in replies:
        known = ", ".join(sorted(replies)) or "(none)"
        print(f"helpline: no canned reply '{name}'; there are: {known}", file=stderr or sys.stderr)
        return 1
    for reply in [name] if name is not None else sorted(replies):
        print(f"== {reply}  (/reply {reply})", file=stdout)
        for lang, language in LANGUAGES:
            text = renderer.text(replies[reply], lang)
            print(f"-- {lang} ({language}), {len(text)} characters", file=stdout)
            print(text, file=stdout)
        print(file=stdout)
    return 0
