"""The terminal chat as a person uses it: in a real pseudo-terminal, with keys, Ctrl-C and a width.

``helpline chat`` runs as its own process on a pty 40 columns wide, on an SQLite file in a
temporary data folder, and is driven by the bytes a keyboard sends.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from bot.display import columns

from .conftest import ROOT

WIDTH = 40
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r")


def _controlling_terminal() -> None:
    """In the child: a session of its own whose terminal is the pty (Ctrl-C sends SIGINT)."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A ``helpline chat`` process on a pseudo-terminal, and what it has shown."""

    def __init__(self, data: Path) -> None:
        main, side = pty.openpty()
        fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 24, WIDTH, 0, 0))
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")},
            "HELPLINE_DATA_DIR": str(data),
            "HELPLINE_FLOWS_DIR": str(ROOT / "flows"),
            "HELPLINE_LOCALES_DIR": str(ROOT / "locales"),
            "TERM": "xterm",
            "COLUMNS": str(WIDTH),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat"],
            stdin=side,
            stdout=side,
            stderr=side,
            env=env,
            cwd=ROOT,
            preexec_fn=_controlling_terminal,  # noqa: PLW1509 - so Ctrl-C is a signal, as at a desk
        )
        os.close(side)
        self.main = main
        self.shown = ""
        self._typed_at = 0

    def wait_for(self, text: str, timeout: float = 30) -> None:
        """Read what the chat shows until ``text`` appears."""
        deadline = time.monotonic() + timeout
        while text not in self.screen():
            left = deadline - time.monotonic()
            assert left > 0, f"never showed {text!r}; showed:\n{self.screen()[-2000:]}"
            ready, _, _ = select.select([self.main], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.main, 65536)
                except OSError:  # the process ended
                    chunk = b""
                if not chunk:
                    assert text in self.screen(), self.screen()[-2000:]
                    return
                self.shown += chunk.decode("utf-8", "replace")

    def type(self, keys: str) -> None:
        """Type at the prompt, once the chat waits for a line (as a person would)."""
        self.wait_for_prompt()
        os.write(self.main, keys.encode("utf-8"))

    def wait_for_prompt(self) -> None:
        """Wait until the chat has printed a new "> " prompt since the last keys typed."""
        start = self._typed_at
        deadline = time.monotonic() + 30
        while "> " not in self.shown[start:]:
            assert time.monotonic() < deadline, self.screen()[-2000:]
            ready, _, _ = select.select([self.main], [], [], 0.5)
            if ready:
                self.shown += os.read(self.main, 65536).decode("utf-8", "replace")
        self._typed_at = len(self.shown)

    def screen(self) -> str:
        return ANSI.sub("", self.shown)

    def finish(self, timeout: float = 20) -> int:
        """Read everything until the process ends; return its exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.main], [], [], 0.2)
            chunk = b""
            if ready:
                try:
                    chunk = os.read(self.main, 65536)
                except OSError:  # the process ended and the pty closed
                    chunk = b""
                self.shown += chunk.decode("utf-8", "replace")
            if not chunk and self.process.poll() is not None:
                break
        os.close(self.main)
        return self.process.wait(1)


def test_ctrl_c_ends_the_chat_cleanly_and_the_next_session_starts_at_the_picker(
    tmp_path: Path,
) -> None:
    chat = Terminal(tmp_path)
    chat.wait_for("Choose your language")
    chat.type("2\r")  # Tiếng Việt
    chat.wait_for("/exit")
    chat.type("1\r")  # the first topic
    chat.wait_for("1)")
    chat.type("\x03")  # Ctrl-C
    code = chat.finish()
    screen = chat.screen()
    assert code == 0, screen[-3000:]
    assert "Traceback" not in screen and "KeyboardInterrupt" not in screen
    flat = " ".join(screen.split())
    assert "[Trên Telegram, lúc này toàn bộ cuộc trò chuyện bị xoá ở cả hai phía.]" in flat
    assert "On Telegram" not in screen  # the notes come in the chat's language

    again = Terminal(tmp_path)
    again.wait_for("Choose your language")
    again.type("\x04")  # Ctrl-D at the picker
    assert again.finish() == 0


def test_arrow_keys_edit_the_line_instead_of_printing_escapes(tmp_path: Path) -> None:
    chat = Terminal(tmp_path)
    chat.wait_for("Choose your language")
    chat.type("x1\x1b[D\x1b[D\x1b[3~\r")  # type "x1", go left twice, delete the "x": "1"
    chat.wait_for("/exit")  # "1" chose a language: the line was edited, not sent as "x1"
    chat.type("\x04")
    assert chat.finish() == 0
    assert "^[" not in chat.screen()  # no escape shown as text


def test_replies_are_wrapped_to_the_terminal_by_display_width(tmp_path: Path) -> None:
    chat = Terminal(tmp_path)
    chat.wait_for("Choose your language")
    chat.type("4\r")  # 日本語 (the picker lists English last when the terminal has no language)
    chat.wait_for("/exit")
    chat.type("\x04")
    assert chat.finish() == 0
    lines = [line for line in chat.screen().split("\n") if not line.startswith("helpline:")]
    japanese = [line for line in lines if any(columns(c) == 2 for c in line)]
    assert len(japanese) > 3
    assert all(columns(line) <= WIDTH for line in lines), [
        line for line in lines if columns(line) > WIDTH
    ]
    assert not any(line.startswith(("。", "、", "）")) for line in lines)
