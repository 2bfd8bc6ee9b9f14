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
from typing import Any

from scamscope.triage.remote.common import Out, attach_transfers, dissect_files, find_files, local_time_note, safely
from scamscope.triage.remote.heuristic import Item, Patterns, build, items_from_text
from scamscope.triage.types import Collected

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

TOOLS: dict[str, tuple[str, Patterns, str]] = {
    "supremo": (
        "Supremo",
        Patterns(start=_START, end=_END, auth=_AUTH, transfer=_TRANSFER, partner_id=_NINE_DIGIT_ID),
        "Supremo log",
    ),
    "ultraviewer": (
        "UltraViewer",
        Patterns(start=_START, end=_END, auth=_AUTH, transfer=_TRANSFER, partner_id=_NINE_DIGIT_ID),
        "UltraViewer log",
    ),
    "logmein": (
        "LogMeIn",
        Patterns(start=_START, end=_END, auth=_AUTH, transfer=_TRANSFER, partner_id=_NINE_DIGIT_ID),
        "LogMeIn log",
    ),
    "zohoassist": (
        "Zoho Assist",
        Patterns(start=_START, end=_END, auth=_AUTH, transfer=_TRANSFER, partner_id=_NINE_DIGIT_ID),
        "Zoho Assist log",
    ),
    "rustdesk": (
        "RustDesk",
        Patterns(
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
        "RustDesk log",
    ),
}

# dissect's rustdesk plugin knows where RustDesk logs are; on a full target its file list is used too
DISSECT_PLUGINS = {"rustdesk": ("rustdesk", ("log_files",))}


def collect_text(ctx: Any, key: str) -> Collected:
    """Sessions, logins and transfers from the text logs of tool ``key`` (one of :data:`TOOLS`)."""
    from scamscope.triage.remote import tool

    label, patterns, what = TOOLS[key]
    out = Out(key, label)
    entry = tool(key)
    extra = dissect_files(ctx, *DISSECT_PLUGINS[key]) if key in DISSECT_PLUGINS else []
    files = find_files(ctx, entry.get("system_globs", []), entry.get("user_globs", []), extra)
    if not files:
        out.absent(f"{label} log")
        return out.collected
    items: list[Item] = []
    local = False
    for found in files:
        text = out.read(found.path.name, found)
        if text is None:
            continue
        result = safely(out, found.path.name, items_from_text, out, ctx, text, found, found.path.name)
        if result:
            items += result[0]
            local = local or result[1]
    note = local_time_note(ctx, what) if local else f"{what} times carry their UTC offset"
    if local and ctx.local_tz is None:
        out.problem(
            label, f"{what} times are local time and the PC's time zone is unknown: read as UTC", severity="info"
        )
    detailed, transfers = safely(out, "sessions", build, out, items, patterns, note) or ([], [])
    attach_transfers([d[0] for d in detailed], transfers)
    for session, start_ref, end_ref in detailed:
        out.add_session(session, start_ref, end_ref)
    return out.collected
