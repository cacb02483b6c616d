"""The Telegram adapter: python-telegram-bot 22's Bot API client in front of the service.

The only package that imports ``telegram``. It holds no flow logic and no texts; what it adds
is what a trainee on a shared phone, and a helpline that must not lose a message, need:

* ``reading``: which private chat an update belongs to and which event it is;
* ``intake``: long polling (or ``webhook``) into the durable inbox, with flood control;
* ``worker``: inbox → service → outbox, one transaction per update, chats in parallel;
* ``sender``: outbox → Telegram, protected messages, rate limits, retries, wipes;
* ``limits``: Telegram's rate limits and the flood gate;
* ``runtime``: assembling and running it all, command menus, the idle wipe, a clean stop.

Chats are known by keyed pseudonym; the chat id needed to answer is kept sealed. No Telegram
id, name or text ever reaches a log. Importing the package imports nothing else: the CLI's
maintainer commands load without the loops, the webhook server or uvicorn (``runtime.run``
starts the helpline).
"""
