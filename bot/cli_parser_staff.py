"""The words of the ``helpline`` commands for volunteers' enrolment, canned replies and backups.

Split from ``bot.cli_parser`` (which builds the whole parser with them): ``staff enrol | list |
revoke``, ``replies preview`` and ``backup``, each with a sentence, an example and its docs.
Runs nothing.
"""

from __future__ import annotations

from pathlib import Path

from bot.cli_words import Commands, Words, action, actions
from bot.operator_backup import KEEP

STAFF: Words = {
    "enrol": (
        "print a one-time enrolment code for a volunteer",
        "Print a one-time code a volunteer sends to the bot in a private chat to enrol and "
        "choose a staff PIN. The code is kept only as a keyed hash and expires.",
        "helpline staff enrol --hours 24",
    ),
    "list": (
        "list enrolled volunteers by opaque id",
        "List the enrolled volunteers by their opaque ids (never a Telegram id or name).",
        "helpline staff list",
    ),
    "revoke": (
        "remove a volunteer's enrolment",
        "Remove an enrolled volunteer (by the id 'list' shows): they see no case content until "
        "they enrol again. Audited.",
        "helpline staff revoke staff:3f9a1c",
    ),
}


def staff_commands(commands: Commands) -> None:
    """``staff enrol | list | revoke``: who may see case content (``bot.operator_staff``)."""
    staff = commands.add_parser(
        "staff",
        help="volunteers who may see a case's content: enrol, list, revoke",
        epilog="more: docs/desk.md (The staff step-up)",
    )
    each = staff.add_subparsers(dest="action", required=True, metavar="ACTION")
    added = actions(each, STAFF, "docs/desk.md (The staff step-up)")
    added["enrol"].add_argument("--hours", type=int, metavar="N", help="valid for N hours (24)")
    added["revoke"].add_argument("staff_id", help="the id 'helpline staff list' shows")


def backup_command(commands: Commands) -> None:
    """``backup``: the database, never the keys (``bot.operator_backup``)."""
    backup = action(
        commands,
        "backup",
        "back up the database (never the keys) and keep the newest N",
        "Back up the database while the helpline runs (SQLite's online backup, or pg_dump "
        "for PostgreSQL) into a folder of its own, files readable by their owner only, and "
        "delete all but the newest N backups. Refuses a folder that holds the key file.",
        "helpline backup --to /var/backups/helpline --keep 30",
        "deploy/README.md (Backups)",
    )
    backup.add_argument(
        "--to",
        dest="folder",
        type=Path,
        required=True,
        metavar="FOLDER",
        help="a folder of its own (made 0700), never the key file's",
    )
    backup.add_argument(
        "--keep", type=int, default=KEEP, metavar="N", help=f"backups to keep (default: {KEEP})"
    )


def replies_commands(commands: Commands) -> None:
    """``replies preview [NAME]``: the desk's canned replies in every language."""
    replies = commands.add_parser(
        "replies",
        help="the desk's canned replies: preview them in every language",
        epilog="more: docs/desk.md (Canned replies)",
    )
    each = replies.add_subparsers(dest="action", required=True, metavar="ACTION")
    preview = action(
        each,
        "preview",
        "print canned replies in Japanese, Vietnamese, Chinese and English",
        "Print each canned reply (or the one named) as a trainee would get it in each "
        "language, with its length. Sends nothing; reads no database.",
        "helpline replies preview within_day",
        "docs/desk.md (Canned replies)",
    )
    preview.add_argument("name", nargs="?", help="one reply (default: all)")
