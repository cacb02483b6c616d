"""Checks of the texts a flow shows: their length, their placeholders and phone numbers.

A text must fit in one Telegram message; a ``{placeholder}`` must name a variable; a phone
number must come from ``flows/data/contacts.yaml`` as ``{phone.<id>}`` and be verified there.
Translations are checked by ``bot.i18n.check``, which may use babel; this module may not. Pure:
adds problems to a ``FlowCheck``, never raises for a mistake in the files.
"""

from __future__ import annotations

from bot.contacts import PHONE_NUMBER, PHONE_PLACEHOLDER
from bot.flowdefs.check.context import MAX_MESSAGE, VARIABLE, FlowCheck
from bot.flowdefs.model import Msg, Node, placeholders, says
from bot.flowdefs.problems import did_you_mean


def check_texts(c: FlowCheck, node: Node) -> None:
    """Check a node's name against the reserved 'phone', and every text it shows."""
    if node.id == "phone":
        c.add(
            node.line,
            node.id,
            "'phone' is reserved for {phone.<id>} numbers; give the node another name",
        )
    for msg in says(node):
        _check_text(c, node, msg)
        _check_phones(c, node, msg)


def _check_phones(c: FlowCheck, node: Node, msg: Msg) -> None:
    contacts = c.flows.data.contacts
    for name in placeholders(msg.text):
        if not name.startswith(PHONE_PLACEHOLDER):
            continue
        contact_id = name.removeprefix(PHONE_PLACEHOLDER)
        contact = contacts.get(contact_id)
        if contact is None:
            hint = did_you_mean(contact_id, [c.id for c in contacts.verified])
            c.add(
                msg.line,
                node.id,
                f"'{{{name}}}': there is no contact '{contact_id}' "
                f"in flows/data/contacts.yaml.{hint}",
            )
        elif not contact.verified or contact.phone is None:
            c.add(
                msg.line,
                node.id,
                f"'{{{name}}}': the number of '{contact_id}' is not "
                "marked verified in flows/data/contacts.yaml, so it may not be shown",
            )
    for number in PHONE_NUMBER.findall(msg.text):
        c.add(
            msg.line,
            node.id,
            f"write the number {number} as {{phone.<id>}}, so that "
            "it comes from flows/data/contacts.yaml where it is checked and verified",
        )


def _check_text(c: FlowCheck, node: Node, msg: Msg) -> None:
    if len(msg.text) > MAX_MESSAGE:
        c.add(
            msg.line,
            node.id,
            f"this text is {len(msg.text):,} characters; Telegram "
            f"shows at most {MAX_MESSAGE:,} in one message. Split it into two nodes",
        )
    for name in placeholders(msg.text):
        if not VARIABLE.match(name):
            c.add(
                msg.line,
                node.id,
                f"'{{{name}}}' is not a variable: write a node "
                "name like {monthly_pay} or a result like {check.hourly_base}",
            )
