"""Reading a Telegram update: which private chat, which event, what to remember or answer.

Pure: no I/O and no state. Messages and button presses in groups are handed to the union desk
as ``StaffMessage`` (which decides who may act); every update from a group or channel names it
(``group_chat``), so that the intake can drop those of any chat but the desk's group. Channels,
other bots, inline queries and anything unknown are not for the helpline; edits of messages
already read are ignored. Commands count only when Telegram marks them as commands at the start
of the message and they are not addressed to another bot.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import Bot, Message, Update
from telegram.constants import ChatMemberStatus, ChatType, MessageEntityType

from bot import engine
from bot.desk.staff import StaffMessage
from bot.events import DeleteAsked, HelpAsked, Incoming, Opened, ResumeAsked

COMMANDS: dict[str, engine.Command] = {
    "menu": engine.Command.MENU,
    "back": engine.Command.BACK,
    "language": engine.Command.LANGUAGE,
    "talk": engine.Command.PERSON,
    "exit": engine.Command.EXIT,
}
"""Commands the engine knows; /start, /resume, /delete and /help are the service's."""


@dataclass(frozen=True, slots=True)
class Arrival:
    """What one update means for the helpline."""

    update_id: int
    chat_id: int | None = None
    """The private chat it belongs to; None: not for the helpline."""
    event: Incoming | None = None
    """What to hand to the service; None: nothing to do."""
    language_code: str | None = None
    message_id: int | None = None
    """The trainee's own message, to delete later."""
    callback_id: str | None = None
    """A button press, which Telegram wants answered."""
    blocked: bool | None = None
    """The trainee blocked (True) or unblocked (False) the bot."""
    copyable: bool = False
    caption: str | None = None
    """A photo's or file's caption (the desk sees it with invisible characters written out)."""
    """A photo, file, voice or video the desk may receive as a copy (never a contact card or
    a location: they identify the trainee)."""
    group: StaffMessage | None = None
    """A message or button press in a group: for the union desk (``bot.desk.staff``)."""
    group_data: str | None = None
    """The data of a button pressed in a group."""
    group_chat: int | None = None
    """The group or channel any update (message, press, edit, membership) comes from."""


def username_of(bot: Bot) -> str | None:
    """The bot's username, once ``get_me`` has run (None before: some tests skip it)."""
    try:
        return bot.username
    except RuntimeError:
        return None


def read(update: Update, bot_username: str | None = None) -> Arrival:
    """Return what an update means (an ``Arrival`` with no chat if it is not for us)."""
    if update.message is not None:
        return _message(update.update_id, update.message, bot_username)
    if update.callback_query is not None:
        query = update.callback_query
        user = query.from_user
        message = query.message
        if message is not None and message.chat.type != ChatType.PRIVATE:
            staff = StaffMessage(message.chat.id, user.id, user.is_bot, thread_id=None)
            return Arrival(
                update.update_id,
                callback_id=query.id,
                group=staff,
                group_data=query.data,
                group_chat=message.chat.id,
            )
        chat_id = message.chat.id if message is not None else user.id
        return Arrival(
            update.update_id,
            chat_id,
            engine.ButtonPressed(query.data or ""),
            user.language_code,
            callback_id=query.id,
        )
    member = update.my_chat_member
    if member is not None and member.chat.type == ChatType.PRIVATE:
        status = member.new_chat_member.status
        blocked = status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
        return Arrival(update.update_id, member.chat.id, blocked=blocked)
    if update.edited_message is not None and update.edited_message.chat.type == ChatType.PRIVATE:
        return Arrival(update.update_id, update.edited_message.chat.id)
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        return Arrival(update.update_id, group_chat=chat.id)
    return Arrival(update.update_id)


def _message(update_id: int, message: Message, bot_username: str | None) -> Arrival:
    user = message.from_user
    if message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        return Arrival(update_id, group=_staff(message), group_chat=message.chat.id)
    if message.chat.type == ChatType.CHANNEL:
        return Arrival(update_id, group_chat=message.chat.id)
    if message.chat.type != ChatType.PRIVATE or user is None or user.is_bot:
        return Arrival(update_id)
    language = user.language_code
    arrival = Arrival(update_id, message.chat.id, None, language, message.message_id)
    text = message.text
    if text is None:
        copyable = any(
            getattr(message, kind) for kind in ("photo", "document", "voice", "audio", "video")
        ) or bool(message.video_note or message.sticker or message.animation)
        media = engine.MediaSent(copyable)
        return replace(arrival, event=media, copyable=copyable, caption=message.caption)
    command = _command(message, bot_username)
    if command is None:
        return _with(arrival, engine.TextEntered(text))
    event: Incoming
    match command:
        case "start":
            event = Opened(language)
        case "resume":
            event = ResumeAsked(language)
        case "delete":
            event = DeleteAsked(language)
        case "help":
            event = HelpAsked()
        case _ if command in COMMANDS:
            event = engine.CommandGiven(COMMANDS[command])
        case _:
            event = engine.TextEntered(text)  # an unknown command: a kind re-prompt
    return _with(arrival, event)


def _with(arrival: Arrival, event: Incoming) -> Arrival:
    return replace(arrival, event=event)


def _staff(message: Message) -> StaffMessage:
    """A message in a group, as the desk reads it.

    ``reply_to``: the person whose message it answers (``/handover`` as a reply). In a topic,
    a message that answers nothing points at the topic's first message (the bot's): not a person.
    """
    user = message.from_user
    replied = message.reply_to_message
    author = replied.from_user if replied is not None else None
    return StaffMessage(
        message.chat.id,
        user.id if user else None,
        bool(user and user.is_bot),
        on_behalf_of_chat=message.sender_chat is not None,
        thread_id=message.message_thread_id if message.is_topic_message else None,
        message_id=message.message_id,
        text=message.text or message.caption,
        media=message.text is None,
        reply_to=author.id if author is not None and not author.is_bot else None,
    )


def _command(message: Message, bot_username: str | None) -> str | None:
    """Return the command a message starts with (lower case, without /), if any."""
    for entity in message.entities:
        if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            word = message.parse_entity(entity).lstrip("/")
            name, _, addressee = word.partition("@")
            if addressee and bot_username and addressee.lower() != bot_username.lower():
                return None  # /menu@some_other_bot
            return name.lower() or None
    return None
