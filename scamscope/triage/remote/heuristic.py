"""Sessions from logs whose exact format we could not check against a real sample.

For Supremo, UltraViewer, LogMeIn, Zoho Assist and RustDesk text logs and for event-log messages
(ScreenConnect, LogMeIn) no public sample was available to this project. Their lines are read
with a generic time-stamp reader and per-tool patterns (connect / disconnect / authenticated /
file transfer); every session made this way says so in its ``time_note`` (``heuristic``), and
every matched line is in the timeline so that an examiner can check the reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from scamscope.rx import Regex
from scamscope.triage.remote.common import Found, Out, Text, ipv4s, to_utc
from scamscope.triage.types import Ref, Session, Transfer

if TYPE_CHECKING:
    from scamscope.triage.context import TriageContext

HEURISTIC = "heuristic reading: the log format was not checked against a real sample"

RE_ISO = re.compile(
    r"(?P<y>\d{4})[-/.](?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})[ T,]+(?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})(?:[.,:](?P<f>\d{1,6}))?"
    r"(?:\s*(?P<z>Z|UTC|[+-]\d{2}:?\d{2}))?"
)
RE_DMY = re.compile(
    r"(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})[ T,]+(?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})(?:[.,:](?P<f>\d{1,6}))?\s*(?P<ampm>[AaPp][Mm])?"
)

STAMP_SEARCH = 64  # characters at the start of a line where a time stamp is looked for


@dataclass
class Item:
    """A time-stamped message (a log line or an event record)."""

    ts: datetime
    message: str
    ref: Ref
    user: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)


def _zone(z: str | None) -> timezone | None:
    if not z:
        return None
    if z in ("Z", "UTC"):
        return UTC
    sign = -1 if z[0] == "-" else 1
    digits = z[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))


def stamped_lines(
    text: Text, keep: Callable[[str], bool] | None = None
) -> tuple[list[tuple[int, datetime, str]], str, int]:
    """Lines with a time stamp near their start -> ``(line, datetime, rest)``; naive when the log gives no zone.

    Numeric dates ``a/b/yyyy`` are read day-first unless the file shows a month-first one (a second
    field above 12); the second value returned says which reading was used, the third how many
    lines had a time stamp. With ``keep``, only the lines whose message it accepts are kept (the
    log is streamed: memory grows with the lines that matter, not with the log).
    """
    found: list[tuple[int, re.Match[str], str, str]] = []
    month_first = day_first = False
    stamped = 0
    for number, line in text.lines:
        head = line[:STAMP_SEARCH]
        m = RE_ISO.search(head)
        kind = "iso"
        if not m:
            m = RE_DMY.search(head)
            kind = "dmy"
            if m:
                a, b = int(m["a"]), int(m["b"])
                day_first = day_first or a > 12
                month_first = month_first or b > 12
        if m:
            stamped += 1
            rest = line[m.end() :].strip(" ]\t-:|")
            if keep is None or keep(rest):
                found.append((number, m, kind, rest))
    order = "month-first" if month_first and not day_first else "day-first"
    out = []
    for number, m, kind, rest in found:
        try:
            if kind == "iso":
                y, mo, d = int(m["y"]), int(m["mo"]), int(m["d"])
                zone = _zone(m["z"])
            else:
                a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
                d, mo = (b, a) if order == "month-first" else (a, b)
                zone = None
            h = int(m["h"])
            if kind == "dmy" and m["ampm"]:
                h = h % 12 + (12 if m["ampm"].lower() == "pm" else 0)
            frac = int((m["f"] or "0").ljust(6, "0")[:6])
            stamp = datetime(y, mo, d, h, int(m["mi"]), int(m["s"]), frac, tzinfo=zone)
        except (ValueError, TypeError):
            continue
        out.append((number, stamp, rest))
    return out, order, stamped


@dataclass
class Patterns:
    """What marks a session in one tool's log: compiled regular expressions (named groups used when present).

    Groups: ``id`` (partner ID), ``ip``, ``name`` (partner / file name), ``dir`` (transfer direction word).
    """

    start: re.Pattern[str] | Regex
    end: re.Pattern[str] | Regex
    auth: re.Pattern[str] | Regex | None = None
    transfer: re.Pattern[str] | Regex | None = None
    partner_id: re.Pattern[str] | Regex | None = None
    to_victim_words: tuple[str, ...] = ("download", "receiv", "incoming", "upload to", "write")
    from_victim_words: tuple[str, ...] = ("upload", "send", "sent", "outgoing")
    access: str | None = None  # how access is granted with this tool, when a start line shows it

    def matches(self, message: str) -> bool:
        """Whether :func:`build` does anything with a line of this message."""
        return any(p is not None and p.search(message) for p in (self.start, self.end, self.auth, self.transfer, self.partner_id))


def _group(m: re.Match[str], name: str) -> str | None:
    if name not in m.re.groupindex:
        return None
    value = m.group(name)
    return value.strip() if value else None


def items_from_text(
    out: Out, ctx: TriageContext, text: Text, found: Found, source: str, patterns: Patterns | None = None
) -> tuple[list[Item], bool]:
    """A text log -> items with UTC times; the bool says whether local time had to be assumed.

    With ``patterns``, only the lines :func:`build` can use are kept (:meth:`Patterns.matches`).
    """
    rows, _, stamped = stamped_lines(text, patterns.matches if patterns is not None else None)
    if text.lines and not stamped:
        out.problem(f"{out.label} {source}", "no time-stamped line found (unknown format, or corrupt)", found.shown)
    items = []
    local = False
    for number, stamp, rest in rows:
        if stamp.tzinfo is None:
            local = True
        items.append(Item(to_utc(stamp, ctx.local_tz), rest, out.ref(source, found, number), found.user))
    return items, local


def build(
    out: Out, items: Iterable[Item], patterns: Patterns, note: str
) -> tuple[list[tuple[Session, Ref | None, Ref | None]], list[Transfer]]:
    """Connect / disconnect lines -> sessions; every matched line becomes a timeline event."""
    sessions: list[dict[str, Any]] = []
    transfers: list[Transfer] = []
    for item in sorted(items, key=lambda i: i.ts):
        msg = item.message
        current = next((s for s in reversed(sessions) if s["end"] is None), None)
        partner = None
        if patterns.partner_id and (pm := patterns.partner_id.search(msg)):
            partner = _group(pm, "id")
        ips = ipv4s(msg)
        if m := patterns.end.search(msg):
            if current is not None:
                current["end"], current["end_ref"] = item.ts, item.ref
                current["refs"].append(item.ref)
            out.event(
                item.ts,
                "remote.log",
                f"{out.label}: {msg[:300]}",
                item.ref,
                "Log Time",
                item.user,
                {"marker": "session end", **item.fields},
            )
        elif m := patterns.start.search(msg):
            partner = _group(m, "id") or partner
            ip = _group(m, "ip") or (ips[0] if ips else None)
            name = _group(m, "name")
            if (
                current is not None
                and (item.ts - current["last"]).total_seconds() <= 30
                and current["id"] in (None, partner)
            ):
                session = current  # the same connection logged twice
            else:
                session = {
                    "start": item.ts,
                    "end": None,
                    "id": None,
                    "ip": None,
                    "name": None,
                    "access": patterns.access,
                    "user": item.user,
                    "refs": [],
                    "start_ref": item.ref,
                    "end_ref": None,
                    "last": item.ts,
                }
                sessions.append(session)
            session["id"] = session["id"] or partner
            session["ip"] = session["ip"] or ip
            session["name"] = session["name"] or name
            session["refs"].append(item.ref)
            session["last"] = item.ts
            out.event(
                item.ts,
                "remote.log",
                f"{out.label}: {msg[:300]}",
                item.ref,
                "Log Time",
                item.user,
                {"marker": "session start", "remote_id": partner, "remote_ip": ip, **item.fields},
            )
        elif patterns.auth and (m := patterns.auth.search(msg)):
            if current is not None:
                current["access"] = current["access"] or m.group(0).strip()
                current["refs"].append(item.ref)
                current["id"] = current["id"] or partner
                current["ip"] = current["ip"] or (ips[0] if ips else None)
            out.event(
                item.ts,
                "remote.login",
                f"{out.label}: {msg[:300]}",
                item.ref,
                "Login Time",
                item.user,
                {"remote_id": partner, "remote_ip": ips[0] if ips else None, **item.fields},
            )
        elif patterns.transfer and (m := patterns.transfer.search(msg)):
            name = _group(m, "name") or msg[:200]
            word = (_group(m, "dir") or m.group(0)).lower()
            direction = "unknown"
            if any(w in word for w in patterns.to_victim_words):
                direction = "to_victim"
            elif any(w in word for w in patterns.from_victim_words):
                direction = "from_victim"
            transfer = Transfer(ts=item.ts, name=name, direction=direction, tool=out.tool, ref=item.ref)
            transfers.append(transfer)
            out.transfer_event(transfer, item.user)
        elif current is not None and partner and not current["id"]:
            current["id"] = partner
    result = []
    for s in sessions:
        session = Session(
            tool=out.tool,
            start=s["start"],
            end=s["end"],
            remote_id=s["id"],
            remote_ip=s["ip"],
            remote_name=s["name"],
            direction="incoming",
            access=s["access"],
            user=s["user"],
            refs=s["refs"],
            time_note=f"{note}; {HEURISTIC}",
        )
        result.append((session, s["start_ref"], s["end_ref"]))
    return result, transfers
