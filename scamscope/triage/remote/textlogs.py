"""Text logs of Supremo, UltraViewer, LogMeIn, Zoho Assist and RustDesk, read heuristically.

No public sample of these logs was available to this project; the patterns below follow the
vendors' descriptions of what their logs record (incoming connection, partner ID, authentication,
file transfer, disconnection) and RustDesk's source (``Connection opened from ADDR``, ``Connection
closed``; its lines carry a UTC offset, dissect's rustdesk plugin reads them the same way). Sessions
built here are marked as a heuristic reading (:mod:`scamscope.triage.remote.heuristic`); times
without an offset are local time, converted with the PC's time zone.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scamscope.triage.remote.common import Found, Out, Parser, Text, attach_transfers, local_time_note
from scamscope.triage.remote.heuristic import Item, Patterns, build, items_from_text

if TYPE_CHECKING:
    from scamscope.triage.context import TriageContext

_TRANSFER = re.compile(
    r"(?i)\b(?P<dir>upload(?:ed|ing)?|download(?:ed|ing)?|sen[dt](?:ing)?|receiv(?:ed|ing)|copied|transferr?(?:ed|ing))\b[^\n]{0,40}?\bfiles?\b"
    r"[:\s'\"]*(?P<name>[A-Za-z]:\\[^\n\"']+|[^\s'\"]+\.[A-Za-z0-9]{1,5})?"
)
_START = re.compile(
    r"(?i)\b(?:remote control session (?:started|established)|(?:incoming|new|remote) (?:connection|session)\b(?: (?:from|accepted|established|started))?"
    r"|session (?:started|established|opened) (?:by|from|with)|partner (?:has )?connected|(?:viewer|technician|supporter|operator) (?:has )?connected)"
)
_END = re.compile(
    r"(?i)\b(?:(?:remote control )?session (?:ended|closed|terminated|stopped|finished)|connection (?:closed|terminated|ended)"
    r"|(?:remote|user|technician|viewer|partner|client|supporter|operator) (?:has )?disconnected)\b"
)
_AUTH = re.compile(
    r"(?i)\b(?:authenticat\w* (?:succeeded|successful\w*|ok)|successfully authenticated|login succeeded|logged in|access (?:granted|accepted)|password accepted)\b"
)
_NINE_DIGIT_ID = re.compile(
    r"(?i)\b(?:partner|remote|client|viewer)?\s*ID\b[\s:#=]*(?P<id>\d{3}[ -]?\d{3}[ -]?\d{3,4})\b"
)


_GENERIC = Patterns(start=_START, end=_END, auth=_AUTH, transfer=_TRANSFER, partner_id=_NINE_DIGIT_ID)

# the patterns of each tool (its label comes from remote_tools.toml)
TOOLS: dict[str, Patterns] = {
    "supremo": _GENERIC,
    "ultraviewer": _GENERIC,
    "logmein": _GENERIC,
    "zohoassist": _GENERIC,
    "rustdesk": Patterns(
            start=re.compile(
                r"(?i)Connection opened from (?:\[?::ffff:)?(?P<ip>\d{1,3}(?:\.\d{1,3}){3})?|\bnew (?:incoming )?connection\b"
            ),
            end=re.compile(r"(?i)\bconnection closed\b|\bclose connection\b"),
            auth=re.compile(
                r"(?i)\b(?:password|authori[sz]ation|login|logon) (?:accepted|ok|succeeded|successful\w*)\b|\blogon response\b"
            ),
            transfer=re.compile(
                r"(?i)\b(?P<dir>receive|send|write|read)[_ ]?file\b(?:[^\n]*?(?P<name>[A-Za-z]:[\\/][^\s\"',]+|/[^\s\"',]+))?"
            ),
        partner_id=re.compile(r"(?i)\b(?:peer[_ ]?id|my_id|from id|remote id)\W+(?P<id>\d{6,12})"),
    ),
}



class TextLogParser(Parser):
    """A tool's text logs read heuristically (:mod:`scamscope.triage.remote.heuristic`); one subclass per tool."""

    looked_for = "{label} log"

    def __init__(self, out: Out, ctx: TriageContext) -> None:
        super().__init__(out, ctx)
        self.items: list[Item] = []
        self.local = False

    @property
    def what(self) -> str:
        return f"{self.out.label} log"

    def feed(self, found: Found, data: Text) -> None:
        items, local = items_from_text(self.out, self.ctx, data, found, found.path.name, TOOLS[self.key])
        self.items += items
        self.local = self.local or local

    def finish(self) -> None:
        out, ctx, what = self.out, self.ctx, self.what
        note = local_time_note(ctx, what) if self.local else f"{what} times carry their UTC offset"
        if self.local and ctx.local_tz is None:
            out.problem(
                out.label, f"{what} times are local time and the PC's time zone is unknown: read as UTC", severity="info"
            )
        detailed, transfers = build(out, self.items, TOOLS[self.key], note)
        attach_transfers([d[0] for d in detailed], transfers)
        for session, start_ref, end_ref in detailed:
            out.add_session(session, start_ref, end_ref)


class SupremoParser(TextLogParser):
    key = "supremo"


class UltraViewerParser(TextLogParser):
    key = "ultraviewer"


class LogMeInParser(TextLogParser):
    key = "logmein"


class ZohoAssistParser(TextLogParser):
    key = "zohoassist"


class RustDeskParser(TextLogParser):
    key = "rustdesk"
    dissect = ("rustdesk", ("log_files",))  # dissect's rustdesk plugin knows where its logs are
