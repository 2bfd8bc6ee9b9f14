"""ScreenConnect (ConnectWise Control) client: Application event log records and ``*.config`` files.

The client service logs to the Application log under the provider ``ScreenConnect Client (<instance
thumbprint>)``. Public detection rules and incident write-ups quote these messages: ``Connected`` /
``Disconnected`` (a participant joined or left, with the participant's name), ``Transferred files
with action 'Transfer': <files>`` (event 201 in Sigma's rule) and ``Executed command of length:
<n>`` (event 200). We match the messages, not the event IDs (which we could not check on a real
log); the sessions say so in ``time_note``. Event log times are UTC.

The client's ``user.config`` / ``system.config`` (.NET settings XML) are listed as settings; values
that look like a relay host or URL are flagged (they identify the scammer's ScreenConnect instance).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import UTC, datetime

from scamscope import rx
from scamscope.triage.remote import label
from scamscope.triage.remote.common import Found, Out, Parser, attach_transfers, reason
from scamscope.triage.remote.heuristic import Item, Patterns, build
from scamscope.triage.types import Ref, Session, Transfer

KEY = "screenconnect"
LABEL = label(KEY)

PATTERNS = Patterns(
    # RE2: with re, the lazy name re-read a run of white space from each of its characters
    start=rx.compile(r"^(?:(?P<name>[^\n]+?)\s+)?Connected\b", ignore_case=True),
    end=re.compile(r"\bDisconnected\b", re.IGNORECASE),
)
RE_TRANSFER = re.compile(
    r"Transferred files with action '(?P<action>[^']*)'\s*:?\s*(?P<files>.*)", re.IGNORECASE | re.DOTALL
)
RE_COMMAND = re.compile(r"Executed command of length:?\s*(?P<length>\d+)", re.IGNORECASE)
RE_INSTANCE = re.compile(r"\((?P<instance>[0-9a-fA-F]{8,})\)")
RE_HOSTLIKE = re.compile(
    r"(?i)(?:\bh=[^&\s]+|https?://[^\s\"'<>]+|relay:[^\s\"'<>]+|(?<![a-z0-9-])[a-z0-9-]+\.(?:screenconnect\.com|connectwise\.com|itsupport247\.net))"
)
MAX_CONFIG_BYTES = 2 * 1024 * 1024


def instance_of(provider: str) -> str | None:
    m = RE_INSTANCE.search(provider)
    return m["instance"] if m else None


def from_events(out: Out, items: list[Item]) -> None:
    """Event records of ScreenConnect providers -> sessions, transfers and command events."""
    by_provider: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_provider[str(item.fields.get("provider", ""))].append(item)
    for provider, group in by_provider.items():
        instance = instance_of(provider)
        rest: list[Item] = []
        transfers: list[Transfer] = []
        for item in sorted(group, key=lambda i: i.ts):
            fields = {**item.fields, "instance": instance}
            if m := RE_COMMAND.search(item.message):
                out.event(
                    item.ts,
                    "remote.log",
                    f"{LABEL}: the remote side ran a command on this PC (length {m['length']})",
                    item.ref,
                    "Event Time",
                    None,
                    fields | {"command_length": int(m["length"])},
                    ["remote_command"],
                )
            elif m := RE_TRANSFER.search(item.message):
                names = [n.strip() for n in re.split(r"[\r\n,;]+", m["files"]) if n.strip()] or [
                    "(file names not logged)"
                ]
                for name in names:
                    transfer = Transfer(ts=item.ts, name=name, direction="unknown", tool=KEY, ref=item.ref)
                    transfers.append(transfer)
                    out.transfer_event(transfer, extra=f" (action '{m['action']}')")
            else:
                rest.append(item)
        note = "event log times are UTC"
        detailed, _ = build(out, rest, PATTERNS, note)
        sessions = [d[0] for d in detailed]
        for session, _, _ in detailed:
            if instance:
                session.remote_id = session.remote_id or f"instance {instance}"
        left = attach_transfers(sessions, transfers)
        if left and not sessions:
            # transfers without a logged connect: the session itself is certain, its bounds are not
            first = min(t.ts for t in left if t.ts)
            session = Session(
                tool=KEY,
                start=first,
                end=None,
                remote_id=f"instance {instance}" if instance else None,
                refs=[t.ref for t in left if t.ref],
                time_note=note + "; only file transfers logged",
            )
            attach_transfers([session], left)
            detailed.append((session, session.refs[0] if session.refs else None, None))
        for session, start_ref, end_ref in detailed:
            out.add_session(session, start_ref, end_ref)


def _settings(root: ET.Element) -> list[tuple[str, str]]:
    pairs = []
    for element in root.iter():
        if element.tag.split("}")[-1].lower() != "setting":
            continue
        name = element.get("name") or "?"
        value = "".join(v.text or "" for v in element.iter() if v.tag.split("}")[-1].lower() == "value").strip()
        pairs.append((name, value))
    return pairs


def parse_config(out: Out, found: Found) -> None:
    """A client ``*.config``: its settings as one timeline entry at the file's modification time."""
    label = found.path.name
    try:
        with found.path.open("rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
        mtime = datetime.fromtimestamp(found.path.stat().st_mtime, UTC)
    except Exception as exc:
        out.problem(f"{LABEL} {label}", f"unreadable ({reason(exc)})", found.shown, "error")
        return
    out.collected.sources_read.append(out.ref(label, found))
    if len(data) > MAX_CONFIG_BYTES:
        out.problem(f"{LABEL} {label}", "larger than 2 MiB: not parsed", found.shown)
        return
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        out.problem(
            f"{LABEL} {label}", "holds a DTD / entity declarations (not a .NET settings file): not parsed", found.shown
        )
        return
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        out.problem(f"{LABEL} {label}", f"not well-formed XML (corrupt or truncated): {exc}", found.shown)
        return
    settings = _settings(root)
    hosts = sorted(
        {m.group(0) for _, v in settings for m in RE_HOSTLIKE.finditer(v)}
        | {m.group(0) for m in RE_HOSTLIKE.finditer(data.decode("utf-8", "replace"))}
    )
    shown = "; ".join(f"{k}={v[:80]}" for k, v in settings[:20])
    instance = instance_of(found.shown)
    out.event(
        mtime,
        "remote.log",
        f"{LABEL}: client settings file{' of instance ' + instance if instance else ''} last modified"
        + (f"; relay/host values: {', '.join(hosts[:5])}" if hosts else "")
        + (f"; {shown}" if shown else ""),
        Ref(source=f"{LABEL} {label}", path=found.shown),
        "File Modified",
        found.user,
        {"settings": dict(settings[:50]), "hosts": hosts[:20], "instance": instance},
    )


class ScreenConnectConfigParser(Parser):
    """The client's ``*.config`` files (its Application log records are read by the event log collector)."""

    key = KEY
    looked_for = "{label} client configuration (the Application event log is read separately)"

    def read(self, found: Found) -> Found:
        return found  # parse_config reads the (small, size-checked) XML itself

    def feed(self, found: Found, data: Found) -> None:
        parse_config(self.out, found)
