"""What every remote-access parser shares: finding files, reading hostile text, times, records.

Finding files works the same on a full Windows target and on a partial collection: a
case-insensitive walk under the volume root and under every user home (dissect's glob is
case-sensitive on a directory-mapped partial collection). Reading never trusts the file: a size
cap, BOM / UTF-16 detection, NUL runs (AnyDesk traces after a crash hold them) stripped, and a
count of undecodable lines so that a corrupt log becomes a :class:`Problem`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from scamscope.triage.types import Collected, Event, Problem, Ref, Session, Transfer

MAX_LOG_BYTES = 64 * 1024 * 1024  # a text log bigger than this is read up to here (and said so)
MAX_WALK_ENTRIES = 20000  # directory entries looked at by one ``**`` walk
MAX_EVENTS_PER_FILE = 2000  # remote.log events one file may add to the timeline
MAX_LINE_CHARS = 4096  # longer lines are cut before parsing (bounds regex work on hostile input)
TAGS = ["remote_tool"]

_GLOB_CHARS = re.compile(r"[*?\[]")
_DRIVE = re.compile(r"^([a-zA-Z]):/")
_IPV4 = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")


def display_path(path: Any) -> str:
    """``sysvol/ProgramData/x`` or ``c:/ProgramData/x`` -> ``C:/ProgramData/x`` (the path as a person reads it)."""
    text = str(path).replace("\\", "/")
    if text.lower().startswith(("/sysvol/", "/c:/")):  # dissect's absolute forms of the same paths
        text = text[1:]
    if text.lower().startswith("sysvol/"):
        return "C:/" + text[len("sysvol/") :]
    if m := _DRIVE.match(text):
        return m.group(1).upper() + text[1:]
    return text


def _children(directory: Any) -> list[Any]:
    try:
        return list(directory.iterdir())
    except Exception:
        return []


def _is_dir(path: Any) -> bool:
    try:
        return path.is_dir()
    except Exception:
        return False


def _is_file(path: Any) -> bool:
    try:
        return path.is_file()
    except Exception:
        return False


def ci_glob(base: Any, pattern: str) -> list[Any]:
    """Case-insensitive glob of ``pattern`` (``/``-separated, ``*``, ``?``, ``[..]`` and ``**``) under ``base``.

    Works on any dissect TargetPath; returns paths with their real case. ``**`` matches zero or more
    directories (bounded by :data:`MAX_WALK_ENTRIES`).
    """
    parts = [p for p in pattern.replace("\\", "/").split("/") if p]
    found: list[Any] = []
    _walk(base, parts, found, [0])
    seen: set[str] = set()
    unique = []
    for p in found:
        key = str(p).lower()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _walk(current: Any, parts: list[str], found: list[Any], budget: list[int]) -> None:
    if not parts:
        found.append(current)
        return
    head, rest = parts[0], parts[1:]
    if head == "**":
        _walk(current, rest, found, budget)  # zero directories
        for child in _children(current):
            budget[0] += 1
            if budget[0] > MAX_WALK_ENTRIES:
                return
            if _is_dir(child):
                _walk(child, parts, found, budget)
        return
    if not _GLOB_CHARS.search(head):
        direct = current.joinpath(head)
        try:
            if direct.exists() and direct.name == head:
                _walk(direct, rest, found, budget)
                return
        except Exception:
            pass
    want = head.lower()
    for child in _children(current):
        budget[0] += 1
        if budget[0] > MAX_WALK_ENTRIES:
            return
        name = child.name.lower()
        if name == want or (_GLOB_CHARS.search(head) and fnmatch.fnmatchcase(name, want)):
            if rest and not _is_dir(child):
                continue
            _walk(child, rest, found, budget)


@dataclass
class Found:
    """A file of a tool: where it is, whose profile it is in (None: system-wide)."""

    path: Any
    user: str | None = None
    label: str | None = None  # how to show a file outside the target's volume

    @property
    def shown(self) -> str:
        return self.label or display_path(self.path)


def find_files(
    ctx: Any, system_globs: Iterable[str] = (), user_globs: Iterable[str] = (), extra: Iterable[Found] = ()
) -> list[Found]:
    """Files matching ``system_globs`` (relative to the volume root) and ``user_globs`` (relative to each home).

    ``extra`` adds files found another way (dissect's plugins); duplicates are dropped.
    """
    out: list[Found] = []
    seen: set[str] = set()

    def add(path: Any, user: str | None) -> None:
        key = display_path(path).lower()
        if key not in seen and _is_file(path):
            seen.add(key)
            out.append(Found(path, user))

    for pattern in system_globs:
        for path in ci_glob(ctx.root, pattern):
            add(path, None)
    try:
        homes = ctx.user_homes()
    except Exception:
        homes = []
    for home in homes:
        for pattern in user_globs:
            for path in ci_glob(home.home, pattern):
                add(path, home.name)
    for f in extra:
        add(f.path, f.user)
    return out


def dissect_files(ctx: Any, namespace: str, attributes: Iterable[str]) -> list[Found]:
    """Files that a dissect remote-access plugin found (full Windows targets only; ``[]`` when it cannot run).

    The plugins (``anydesk``, ``teamviewer``, ``splashtop``, ``rustdesk``) resolve user homes from the
    registry and know vendor paths; their records carry no line numbers and parse only part of what
    a triage needs, so we take the files they found and parse them with the parsers here.
    """
    if getattr(ctx, "partial", True):
        return []
    try:
        plugin = getattr(ctx.target, namespace)
    except Exception:
        return []
    out = []
    for attribute in attributes:
        for item in getattr(plugin, attribute, None) or ():
            path, user = item if isinstance(item, tuple) else (item, None)
            try:
                path = ctx.target.fs.path(str(path)) if isinstance(path, str) else path
            except Exception:
                continue
            name = getattr(user, "name", None) or getattr(getattr(user, "user", None), "name", None)
            out.append(Found(path, name))
    return out


@dataclass
class Text:
    """A decoded text file and what was wrong with it."""

    text: str
    encoding: str
    size: int
    truncated: bool = False
    garbage_lines: int = 0  # lines dropped for being binary garbage
    nul_lines: int = 0  # lines that held NUL bytes (a log cut by a crash or power loss)
    long_lines: int = 0  # lines cut to MAX_LINE_CHARS
    lines: list[tuple[int, str]] = field(default_factory=list)  # (1-based line number, line)


def decode(data: bytes) -> tuple[str, str]:
    """Bytes of a log -> text: BOM first, then UTF-16 by its NUL pattern, then UTF-8, else cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le", errors="replace"), "utf-16-le"
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", errors="replace"), "utf-16-be"
    sample = data[:4096]
    if len(sample) >= 8:
        odd_nuls = sample[1::2].count(0)
        even_nuls = sample[0::2].count(0)
        half = len(sample) // 2
        if odd_nuls > half * 0.6 and even_nuls < half * 0.1:
            return data.decode("utf-16-le", errors="replace"), "utf-16-le"
        if even_nuls > half * 0.6 and odd_nuls < half * 0.1:
            return data.decode("utf-16-be", errors="replace"), "utf-16-be"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        if text.count("\ufffd") > len(text) / 100:
            return data.decode("cp1252", errors="replace"), "cp1252"
        return text, "utf-8"


def _garbage(line: str) -> bool:
    if not line:
        return False
    bad = sum(1 for ch in line if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t"))
    return bad > max(2, len(line) // 10)


def read_text(path: Any, max_bytes: int = MAX_LOG_BYTES) -> Text:
    """Read a text log from the target (read-only), split into numbered lines.

    Runs of NUL bytes (a log cut by a crash or power loss) are removed; lines that are still mostly
    unprintable are dropped and counted in ``garbage_lines``. Raises ``OSError`` when unreadable.
    """
    with path.open("rb") as fh:
        data = fh.read(max_bytes + 1)
    truncated = len(data) > max_bytes
    data = data[:max_bytes]
    text, encoding = decode(data)
    result = Text(text=text, encoding=encoding, size=len(data), truncated=truncated)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.replace("\x00", "").rstrip()
        if len(line) > MAX_LINE_CHARS:
            line = line[:MAX_LINE_CHARS]
            result.long_lines += 1
        if not line.strip():
            result.nul_lines += "\x00" in raw
            continue
        if _garbage(line):
            result.garbage_lines += 1
            continue
        result.nul_lines += "\x00" in raw
        result.lines.append((number, line))
    return result


def to_utc(naive: datetime, tz: tzinfo | None) -> datetime:
    """A naive local time from a log -> aware UTC (``tz`` None: the time is taken as UTC)."""
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    if tz is None:
        return naive.replace(tzinfo=UTC)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def tz_label(ctx: Any) -> str:
    tz = getattr(ctx, "local_tz", None)
    return str(getattr(tz, "key", None) or tz) if tz is not None else ""


def local_time_note(ctx: Any, what: str) -> str:
    """The ``time_note`` of a session read from a log in the PC's local time."""
    if getattr(ctx, "local_tz", None) is None:
        return f"{what} times are local time; the PC's time zone is unknown, so they were read as UTC"
    return f"{what} times are local time, converted to UTC with {tz_label(ctx)} ({ctx.tz_source or 'given'})"


def ipv4s(text: str) -> list[str]:
    """IPv4 addresses in ``text`` without loopback / unspecified ones."""
    return [ip for ip in _IPV4.findall(text) if not ip.startswith(("127.", "0."))]


def size_to_bytes(number: str, unit: str) -> int | None:
    """``"4.20", "MiB"`` -> 4404019; ``KB`` is read as 1024 (logs mix both notations)."""
    try:
        value = float(number.replace(",", "."))
    except ValueError:
        return None
    powers = {
        "b": 0,
        "byte": 0,
        "bytes": 0,
        "k": 1,
        "kb": 1,
        "kib": 1,
        "m": 2,
        "mb": 2,
        "mib": 2,
        "g": 3,
        "gb": 3,
        "gib": 3,
        "t": 4,
        "tb": 4,
        "tib": 4,
    }
    power = powers.get(unit.strip().lower())
    if power is None:
        return None
    return int(round(value * 1024**power))


class Out:
    """A :class:`Collected` being filled by one tool's parser, with the tool's key and label."""

    def __init__(self, tool: str, label: str) -> None:
        self.tool = tool
        self.label = label
        self.collected = Collected()
        self._per_file: dict[str, int] = {}

    def ref(self, source: str, found: Found | str, line: int | None = None) -> Ref:
        path = found.shown if isinstance(found, Found) else str(found)
        return Ref(source=f"{self.label} {source}".strip(), path=path, line=line)

    def read(self, source: str, found: Found) -> Text | None:
        """Read ``found``; record it as read, and a Problem when it is unreadable, cut or partly garbage."""
        label = f"{self.label} {source}"
        try:
            text = read_text(found.path)
        except Exception as exc:
            self.problem(label, f"unreadable: {type(exc).__name__}: {str(exc)[:200]}", found.shown)
            return None
        self.collected.sources_read.append(Ref(source=label, path=found.shown))
        if text.truncated:
            self.problem(
                label, f"larger than {MAX_LOG_BYTES // (1024 * 1024)} MiB: only the beginning was read", found.shown
            )
        if text.nul_lines:
            self.problem(
                label,
                f"{text.nul_lines} line(s) held runs of NUL bytes (the log was cut, e.g. by a crash or power loss); the rest was read",
                found.shown,
                "info",
            )
        if text.long_lines:
            self.problem(
                label,
                f"{text.long_lines} line(s) longer than {MAX_LINE_CHARS} characters were cut before parsing",
                found.shown,
                "info",
            )
        if text.garbage_lines:
            self.problem(
                label,
                f"{text.garbage_lines} line(s) of binary garbage skipped (corrupt or partly overwritten log)",
                found.shown,
            )
        return text

    def problem(self, source: str, message: str, path: str | None = None, severity: str = "warning") -> None:
        self.collected.problems.append(Problem(source=source, message=message, path=path, severity=severity))

    def absent(self, looked_for: str) -> None:
        self.problem(self.label, f"no {looked_for} found", severity="info")

    def event(
        self,
        ts: datetime | None,
        kind: str,
        message: str,
        ref: Ref,
        desc: str = "Log Time",
        user: str | None = None,
        fields: dict[str, Any] | None = None,
        tags: Iterable[str] = (),
    ) -> Event | None:
        """Add a timeline event (``None`` ts: nothing added). ``remote.log`` events are capped per file."""
        if ts is None:
            return None
        if kind == "remote.log":
            count = self._per_file.get(ref.path, 0) + 1
            self._per_file[ref.path] = count
            if count == MAX_EVENTS_PER_FILE + 1:
                self.problem(
                    ref.source,
                    f"more than {MAX_EVENTS_PER_FILE} noteworthy lines: the rest are left out of the timeline",
                    ref.path,
                    "info",
                )
            if count > MAX_EVENTS_PER_FILE:
                return None
        event = Event(
            ts=ts,
            kind=kind,
            message=message,
            timestamp_desc=desc,
            ref=ref,
            tool=self.tool,
            user=user,
            fields={k: v for k, v in (fields or {}).items() if v is not None},
            tags=[*TAGS, *tags],
        )
        self.collected.events.append(event)
        return event

    def add_session(self, session: Session, start_ref: Ref | None = None, end_ref: Ref | None = None) -> None:
        """Add ``session`` and its start / end events."""
        self.collected.sessions.append(session)
        who = session.remote_id or session.remote_name or session.remote_ip or "an unknown remote side"
        detail = {
            "remote_id": session.remote_id,
            "remote_ip": session.remote_ip,
            "remote_name": session.remote_name,
            "direction": session.direction,
            "access": session.access,
            "time_note": session.time_note or None,
        }
        refs = session.refs or ([start_ref] if start_ref else [])
        if not refs:
            return
        way = {"incoming": "from", "outgoing": "to"}.get(session.direction, "with")
        extra = []
        if session.remote_ip:
            extra.append(f"IP {session.remote_ip}")
        if session.access:
            extra.append(session.access)
        tail = f" ({'; '.join(extra)})" if extra else ""
        self.event(
            session.start,
            "remote.session_start",
            f"{self.label}: {session.direction} session {way} {who} started{tail}",
            start_ref or refs[0],
            "Connection Start",
            session.user,
            detail,
        )
        if session.end:
            seconds = session.seconds
            length = f" after {_duration(seconds)}" if seconds is not None and seconds >= 0 else ""
            self.event(
                session.end,
                "remote.session_end",
                f"{self.label}: {session.direction} session {way} {who} ended{length}",
                end_ref or refs[-1],
                "Connection End",
                session.user,
                detail | {"seconds": seconds},
            )

    def transfer_event(self, transfer: Transfer, user: str | None = None, extra: str = "") -> None:
        if transfer.ts is None or transfer.ref is None:
            return
        way = {"to_victim": "onto this PC", "from_victim": "from this PC"}.get(
            transfer.direction, "(direction not logged)"
        )
        size = f", {transfer.size} bytes" if transfer.size is not None else ""
        self.event(
            transfer.ts,
            "remote.file_transfer",
            f"{self.label}: file {transfer.name} transferred {way}{size}{extra}",
            transfer.ref,
            "File Transfer Time",
            user,
            {"file": transfer.name, "direction": transfer.direction, "size": transfer.size},
        )


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def attach_transfers(sessions: list[Session], transfers: list[Transfer], window_hours: float = 8.0) -> list[Transfer]:
    """Put each transfer into the session it happened in; return the transfers no session covers.

    A session covers ``[start - 1 min, end + 1 min]``; one without an end covers ``window_hours`` after
    its start, but not past the next session's start.
    """
    ordered = sorted((s for s in sessions if s.start), key=lambda s: s.start)
    left: list[Transfer] = []
    for transfer in transfers:
        if transfer.ts is None:
            left.append(transfer)
            continue
        home = None
        for i, session in enumerate(ordered):
            lo = session.start.timestamp() - 60
            if session.end:
                hi = session.end.timestamp() + 60
            else:
                hi = session.start.timestamp() + window_hours * 3600
                if i + 1 < len(ordered):
                    hi = min(hi, ordered[i + 1].start.timestamp())
            if lo <= transfer.ts.timestamp() <= hi:
                home = session
        if home is None:
            left.append(transfer)
        else:
            home.transfers.append(transfer)
            if transfer.ref and transfer.ref not in home.refs:
                home.refs.append(transfer.ref)
    return left


def safely(out: Out, what: str, func: Any, *args: Any) -> Any:
    """Run one parser step; anything unexpected becomes a Problem instead of an exception."""
    try:
        return func(*args)
    except Exception as exc:  # hostile input must never stop the triage
        out.problem(
            f"{out.label} {what}", f"could not be parsed: {type(exc).__name__}: {str(exc)[:200]}", severity="warning"
        )
        return None


def guarded(tool: str, label: str, func: Any, ctx: Any) -> Collected:
    """Run a tool's ``collect``; an unexpected exception becomes an error Problem, never a crash."""
    try:
        return func(ctx)
    except Exception as exc:  # the triage of everything else must go on
        out = Out(tool, label)
        out.problem(label, f"collector failed: {type(exc).__name__}: {str(exc)[:300]}", severity="error")
        return out.collected
