"""The union desk: what volunteers see and do, kept apart from Telegram and from storage.

* ``hours``: the desk's office hours, with Japan's public holidays;
* ``roster``: the volunteers, their languages and hours, from a file the desk edits;
* ``card``: the case card in Japanese, and the topic's name, from what a case keeps;
* ``staff``: reading a volunteer's message (a command, a note, or a reply to relay) and
  deciding whether its sender may act at all.

Pure: no I/O beyond reading the roster file; the Telegram adapter carries the decisions out.
"""
