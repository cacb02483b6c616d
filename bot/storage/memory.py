"""Conversations kept in this process's memory: for the terminal chat and for tests.

Nothing survives a restart, which is what a one-off terminal session wants.
"""

from __future__ import annotations

from bot.service import Conversation


class MemoryStore:
    """A ``ConversationStore`` backed by a dict."""

    def __init__(self) -> None:
        self._conversations: dict[str, Conversation] = {}

    def load(self, chat: str) -> Conversation | None:
        """Return the conversation of ``chat``, if any."""
        return self._conversations.get(chat)

    def save(self, chat: str, conversation: Conversation) -> None:
        """Keep ``conversation`` for ``chat``."""
        self._conversations[chat] = conversation

    def delete(self, chat: str) -> None:
        """Forget ``chat``."""
        self._conversations.pop(chat, None)

    def __len__(self) -> int:
        return len(self._conversations)
