"""The unit of work's conversations: one per chat, its state and address sealed with its own key.

A chat is known by its keyed pseudonym only. The state holds the engine's place and the answers
kept for the conversation; the address is the chat id to answer, kept sealed and forgotten with
the conversation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.conversation import Conversation, dumps, loads
from bot.storage.models import CaseRow, ConversationKeyRow, ConversationRow
from bot.storage.unit_base import UnitBase


class ConversationPart(UnitBase):
    """Keep, read and forget conversations (see ``bot.records.Unit``)."""

    def _conversation_row(self, chat: str) -> ConversationRow | None:
        return self.session.scalars(
            select(ConversationRow).where(ConversationRow.chat_key == chat)
        ).one_or_none()

    def conversation(self, chat: str) -> Conversation | None:
        """Return the conversation of a chat, if any."""
        row = self._conversation_row(chat)
        if row is None or not self._conversation_bound(row):
            return None
        raw = None
        if row.state is not None:
            dek = self._dek("conversations", row.id, row.dek)
            raw = self._open(dek, "conversations", row.id, "state", row.state)
        case = None
        if row.case_id is not None:
            case = self.session.get(CaseRow, row.case_id)
        return loads(raw, row.lang, case.public_id if case else None)

    def save_conversation(
        self, chat: str, conversation: Conversation, address: str | None
    ) -> None:
        """Keep a conversation, sealed with its own data key."""
        now = self.clock()
        row = self._conversation_row(chat)
        if row is not None and not self._conversation_bound(row):
            self._forget(row)  # found by a chat key it does not vouch for: keep nothing of it
            row = None
        if row is None:
            row = ConversationRow(
                chat_key=chat, lang=conversation.lang, created_at=now, updated_at=now
            )
            self.session.add(row)
            self.session.flush()
            dek, row.dek = self._new_dek("conversations", row.id)
        else:
            dek = self._dek("conversations", row.id, row.dek)
        row.lang = conversation.lang
        row.state = self._seal(dek, "conversations", row.id, "state", dumps(conversation))
        if address is not None:
            row.address = self._seal(dek, "conversations", row.id, "address", address.encode())
        row.case_id = self._case_id(conversation.case) if conversation.case else None
        row.updated_at = now
        self._bind_conversation(row)

    def _forget(self, row: ConversationRow) -> None:
        """Delete a conversation row and its data key at once."""
        self.session.execute(
            delete(ConversationKeyRow).where(ConversationKeyRow.conversation_id == row.id)
        )
        self.session.execute(delete(ConversationRow).where(ConversationRow.id == row.id))
        self.session.expunge(row)
        self.shredded = True

    def address(self, chat: str) -> str | None:
        """Return the chat id a conversation answers to (for sending later)."""
        row = self._conversation_row(chat)
        if row is None or row.address is None or not self._conversation_bound(row):
            return None
        dek = self._dek("conversations", row.id, row.dek)
        return self._open(dek, "conversations", row.id, "address", row.address).decode()

    def end_conversation(self, chat: str) -> None:
        """Forget a chat's conversation, its answers and its address: its data key first."""
        found = select(ConversationRow.id).where(ConversationRow.chat_key == chat)
        self.session.execute(
            delete(ConversationKeyRow).where(ConversationKeyRow.conversation_id.in_(found))
        )
        self.session.execute(delete(ConversationRow).where(ConversationRow.chat_key == chat))
        self.shredded = True

    def idle_chats(self, before: datetime, chat: str | None = None) -> list[str]:
        """Return the chats whose conversation rests since before ``before``."""
        query = select(ConversationRow.chat_key).where(ConversationRow.updated_at < before)
        if chat is not None:
            query = query.where(ConversationRow.chat_key == chat)
        return list(self.session.scalars(query))
