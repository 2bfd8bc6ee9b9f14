"""What every remote-access parser shares: finding files, reading hostile text, times, records.

Finding files works the same on a full Windows target and on a partial collection: a
case-insensitive walk under the volume root and under every user home (dissect's glob is
case-sensitive on a directory-mapped partial collection). A folder or file the walk cannot read is
a :class:`Problem` with its path and the operating system's reason, never a silent gap.

Reading never trusts the file and never caps it: a log of any size is streamed line by line with
bounded memory (:class:`Text`), with BOM / UTF-16 detection, NUL runs (AnyDesk traces after a crash
hold them) stripped, over-long lines cut before parsing, and counts of what was cut or dropped so
that a corrupt log becomes a :class:`Problem`.

Every tool's parser runs in one skeleton, :func:`collect_tool`: find its files -> stream each one
-> feed the parser -> let it build sessions; the one place that catches a collector's failure is
the pipeline (:func:`scamscope.triage.pipeline.run_collectors`).
"""

from __future__ import annotations

import codecs
import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar

from scamscope.triage.types import Collected, Event, Problem, Ref, Session, Transfer

if TYPE_CHECKING:
    from scamscope.triage.context import TriageContext

MAX_WALK_ENTRIES = 20000  # directory entries looked at by one ``**`` walk
MAX_EVENTS_PER_FILE = 2000  # remote.log events one file may add to the timeline
MAX_LINE_CHARS = 4096  # longer lines are cut before parsing (bounds regex work on hostile input)
MAX_LINE_BYTES = 4 * MAX_LINE_CHARS + 4  # bytes of one line kept while streaming (the rest up to its end is skipped)
CHUNK = 1024 * 1024  # bytes read at a time when streaming a log
TAGS = ["remote_tool"]

_GLOB_CHARS = re.compile(r"[*?\[]")
_DRIVE = re.compile(r"^([a-zA-Z]):/")
_IPV4 = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")

OnError = Callable[[Any, BaseException], None]


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


def shown_path(ctx: TriageContext, path: Any) -> str:
    """A path of the target as a person reads it: under the Windows volume's root -> ``C:/...``.

    The root may be ``sysvol`` (a full target), ``c:`` or ``/`` (a Windows collection mapped by the
    context), so the path is taken relative to it rather than guessed from its prefix.
    """
    text = str(path).replace("\\", "/")
    root = str(getattr(ctx, "root", "") or "").replace("\\", "/").rstrip("/")
    if root and text.lower().startswith(root.lower() + "/"):
        return "C:/" + text[len(root) + 1 :]
    if root == "" and getattr(ctx, "partial", False) and text.startswith("/") and not text.lower().startswith(("/sysvol/", "/c:/")):
        return "C:" + text
    return display_path(text)


def reason(exc: BaseException) -> str:
    """Why a read failed, for a person: the OS error under dissect's wrappers (which often carry no message).

    ``FilesystemError(None)`` caused by ``PermissionError(13, ...)`` -> ``"PermissionError: Permission
    denied (errno 13)"``; an exception with an empty message says so instead of ``None``.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and (current.strerror or current.errno):
            errno = f" (errno {current.errno})" if current.errno else ""
            return f"{type(current).__name__}: {current.strerror or current}{errno}"
        current = current.__cause__ or current.__context__
    message = str(exc) if exc.args and exc.args != (None,) else ""
    return f"{type(exc).__name__}: {message[:200] or 'no reason given by the reader'}"


class WalkLimit(Exception):
    """A ``**`` walk met more than :data:`MAX_WALK_ENTRIES` entries and stopped (passed to ``on_error``)."""


def _over_budget(current: Any, budget: list[int], on_error: OnError | None) -> bool:
    budget[0] += 1
    if budget[0] <= MAX_WALK_ENTRIES:
        return False
    if budget[0] == MAX_WALK_ENTRIES + 1 and on_error is not None:
        on_error(current, WalkLimit(f"more than {MAX_WALK_ENTRIES:,} entries: the search stopped here"))
    return True


def _children(directory: Any, on_error: OnError | None) -> list[Any]:
    try:
        return list(directory.iterdir())
    except Exception as exc:
        if on_error is not None and _is_dir(directory):
            on_error(directory, exc)
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


def ci_glob(base: Any, pattern: str, on_error: OnError | None = None) -> list[Any]:
    """Case-insensitive glob of ``pattern`` (``/``-separated, ``*``, ``?``, ``[..]`` and ``**``) under ``base``.

    Works on any dissect TargetPath; returns paths with their real case. ``**`` matches zero or more
    directories (bounded by :data:`MAX_WALK_ENTRIES`). ``on_error(folder, exception)`` is called for
    every folder on the way that cannot be listed (unreadable, damaged), and with a
    :class:`WalkLimit` where the bound stopped the walk.
    """
    parts = [p for p in pattern.replace("\\", "/").split("/") if p]
    found: list[Any] = []
    _walk(base, parts, found, [0], on_error)
    seen: set[str] = set()
    unique = []
    for p in found:
        key = str(p).lower()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _walk(current: Any, parts: list[str], found: list[Any], budget: list[int], on_error: OnError | None) -> None:
    if not parts:
        found.append(current)
        return
    head, rest = parts[0], parts[1:]
    if head == "**":
        _walk(current, rest, found, budget, on_error)  # zero directories
        for child in _children(current, on_error):
            if _over_budget(current, budget, on_error):
                return
            if _is_dir(child):
                _walk(child, parts, found, budget, on_error)
        return
    if not _GLOB_CHARS.search(head):
        direct = current.joinpath(head)
        try:
            if direct.exists() and direct.name == head:
                _walk(direct, rest, found, budget, on_error)
                return
        except Exception:
            pass  # listing the folder below says why
    want = head.lower()
    for child in _children(current, on_error):
        if _over_budget(current, budget, on_error):
            return
        name = child.name.lower()
        if name == want or (_GLOB_CHARS.search(head) and fnmatch.fnmatchcase(name, want)):
            if rest and not _is_dir(child):
                continue
            _walk(child, rest, found, budget, on_error)


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
    ctx: TriageContext,
    system_globs: Iterable[str] = (),
    user_globs: Iterable[str] = (),
    extra: Iterable[Found] = (),
    out: Out | None = None,
    what: str = "files",
) -> list[Found]:
    """Files matching ``system_globs`` (relative to the volume root) and ``user_globs`` (relative to each home).

    ``extra`` adds files found another way (dissect's plugins); duplicates are dropped. With ``out``,
    every folder on the way that cannot be listed is an error Problem (``what`` may be in it).
    """
    found: list[Found] = []
    seen: set[str] = set()
    on_error = _folder_errors(ctx, out, what) if out is not None else None

    def add(path: Any, user: str | None, label: str | None = None) -> None:
        shown = label or shown_path(ctx, path)
        if shown.lower() in seen:
            return
        try:
            is_file = path.is_file()
        except Exception as exc:
            if out is not None:
                out.problem(out.label, f"cannot be examined ({reason(exc)})", shown, "error")
            return
        if is_file:
            seen.add(shown.lower())
            found.append(Found(path, user, shown))

    for pattern in system_globs:
        for path in ci_glob(ctx.root, pattern, on_error):
            add(path, None)
    try:
        homes = ctx.user_homes()
    except Exception as exc:
        homes = []
        if out is not None:
            out.problem(out.label, f"user profiles could not be listed ({reason(exc)}): their {what} were not looked for")
    for home in homes:
        for pattern in user_globs:
            for path in ci_glob(home.home, pattern, on_error):
                add(path, home.name)
    for f in extra:
        add(f.path, f.user, f.label)
    return found


def _folder_errors(ctx: TriageContext, out: Out, what: str) -> OnError:
    reported: set[str] = set()

    def on_error(folder: Any, exc: BaseException) -> None:
        shown = shown_path(ctx, folder)
        if shown.lower() in reported:
            return
        reported.add(shown.lower())
        if isinstance(exc, WalkLimit):
            out.problem(out.label, f"{exc}; {what} further in may have been missed", shown)
        else:
            out.problem(out.label, f"folder unreadable ({reason(exc)}): {what} in it cannot be read", shown, "error")

    return on_error


def dissect_files(ctx: TriageContext, namespace: str, attributes: Iterable[str]) -> list[Found]:
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
        try:
            items = list(getattr(plugin, attribute, None) or ())
        except Exception:  # the plugin walks the target itself; our own walk reports what it cannot read
            continue
        for item in items:
            path, user = item if isinstance(item, tuple) else (item, None)
            try:
                path = ctx.target.fs.path(str(path)) if isinstance(path, str) else path
            except Exception:
                continue
            name = getattr(user, "name", None) or getattr(getattr(user, "user", None), "name", None)
            out.append(Found(path, name))
    return out


def _encoding(head: bytes) -> tuple[str, int]:
    """``(codec, BOM length)`` of a log from its first bytes: BOM, then UTF-16 by its NUL pattern, else UTF-8."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", 3
    if head.startswith(b"\xff\xfe"):
        return "utf-16-le", 2
    if head.startswith(b"\xfe\xff"):
        return "utf-16-be", 2
    sample = head[:4096]
    if len(sample) >= 8:
        odd_nuls = sample[1::2].count(0)
        even_nuls = sample[0::2].count(0)
        half = len(sample) // 2
        if odd_nuls > half * 0.6 and even_nuls < half * 0.1:
            return "utf-16-le", 0
        if even_nuls > half * 0.6 and odd_nuls < half * 0.1:
            return "utf-16-be", 0
    try:
        head.decode("utf-8")
        return "utf-8", 0
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut by the end of the sample
            return "utf-8", 0
        text = head.decode("utf-8", errors="replace")
        return ("cp1252" if text.count("\ufffd") > len(text) / 100 else "utf-8"), 0


_UNPRINTABLE = re.compile("[\ufffd\x00-\x08\x0a-\x1f]")


def _garbage(line: str) -> bool:
    """Mostly unprintable: more than a tenth of the line (and more than 2 characters)."""
    if not line:
        return False
    return len(_UNPRINTABLE.findall(line)) > max(2, len(line) // 10)


class Text:
    """A text log streamed line by line from the target (read-only), whatever its size.

    Iterating (``for number, line in text.lines``) opens the file and yields ``(1-based line
    number, line)``; memory stays bounded by one chunk and one line, and the file is opened only
    when it is iterated (a parser going through it once reads it once). The encoding is decided
    from its first 4 KiB. Runs of NUL bytes (a log cut by a crash or power loss) are removed; lines
    longer than :data:`MAX_LINE_CHARS` are cut; lines that are still mostly unprintable are
    dropped. The counts of each, and why the file could not be opened or read to its end, are
    those of the last complete pass (reported by :meth:`Out.report`).
    """

    def __init__(self, path: Any) -> None:
        self.path = path
        self.encoding = ""  # decided when the file is first read
        self.garbage_lines = 0  # lines dropped for being binary garbage
        self.nul_lines = 0  # lines that held NUL bytes
        self.long_lines = 0  # lines cut to MAX_LINE_CHARS
        self.read_lines = 0  # lines met (kept or not)
        self.kept_lines: int | None = None  # lines yielded by the last complete pass (None: no pass yet)
        self.open_error: str | None = None  # why the file could not be opened (the last pass)
        self.error: str | None = None  # why the last pass stopped before the end of the file
        self.passes = 0  # complete passes so far
        self.reported = 0  # passes already reported by Out.report

    @property
    def lines(self) -> Text:
        return self

    def __bool__(self) -> bool:
        """Whether the log holds any line worth parsing (known without a new read after a complete pass)."""
        if self.kept_lines is not None:
            return self.kept_lines > 0
        return next(iter(self._lines(count=False)), None) is not None

    def __iter__(self) -> Iterator[tuple[int, str]]:
        return self._lines(count=True)

    def _lines(self, count: bool) -> Iterator[tuple[int, str]]:
        if count:
            self.garbage_lines = self.nul_lines = self.long_lines = self.read_lines = 0
            self.error = self.open_error = None
        number = kept = 0
        try:
            fh = self.path.open("rb")
        except Exception as exc:
            if count:
                self.open_error = reason(exc)
                self.read_lines, self.kept_lines, self.passes = 0, 0, self.passes + 1
            return
        try:
            with fh:
                head = fh.read(4096)
                self.encoding, bom = _encoding(head)
                for raw, had_nul, cut in _split(_chunks(fh, self.encoding, head[bom:])):
                    number += 1
                    line = (raw if isinstance(raw, str) else self._decode(raw)).replace("\x00", "").rstrip()
                    if cut or len(line) > MAX_LINE_CHARS:
                        line = line[:MAX_LINE_CHARS]
                        self.long_lines += count
                    if not line.strip():
                        self.nul_lines += count and had_nul
                        continue
                    if _garbage(line):
                        self.garbage_lines += count
                        continue
                    self.nul_lines += count and had_nul
                    kept += 1
                    yield number, line
        except Exception as exc:
            if count:
                self.error = f"reading stopped after line {number}: {reason(exc)}"
        if count:
            self.read_lines, self.kept_lines, self.passes = number, kept, self.passes + 1

    def _decode(self, raw: bytes) -> str:
        if self.encoding == "cp1252":
            return raw.decode("cp1252", errors="replace")
        return raw.decode("utf-8", errors="replace")


def _chunks(fh: Any, encoding: str, head: bytes = b"") -> Iterator[bytes | str]:
    """``head`` then the rest of the file in :data:`CHUNK` pieces: bytes for 8-bit encodings, text for UTF-16."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace") if encoding.startswith("utf-16") else None
    data = head
    while data or (data := fh.read(CHUNK)):
        yield decoder.decode(data) if decoder is not None else data
        data = b""
    if decoder is not None and (tail := decoder.decode(b"", final=True)):
        yield tail


def _split(chunks: Iterable[Any]) -> Iterator[tuple[Any, bool, bool]]:
    """Chunks -> ``(line, held NULs, was cut)``; NULs are removed before a line's length is counted."""
    pending: Any = None
    had_nul = cut = False
    for data in chunks:
        newline, nul = ("\n", "\x00") if isinstance(data, str) else (b"\n", b"\x00")
        if pending is None:
            pending = data[:0]
        start = 0
        while True:
            end = data.find(newline, start)
            piece = data[start : end if end >= 0 else len(data)]
            if nul in piece:
                had_nul = True
                piece = piece.replace(nul, data[:0])
            if not cut:
                room = MAX_LINE_BYTES - len(pending)
                if len(piece) > room:
                    piece, cut = piece[:room], True
                pending += piece
            if end < 0:
                break
            yield pending, had_nul, cut
            pending, had_nul, cut = data[:0], False, False
            start = end + 1
    if pending or had_nul:
        yield pending, had_nul, cut


def open_text(path: Any) -> Text:
    """A :class:`Text` over ``path`` (the file is opened when iterated)."""
    return Text(path)


def to_utc(naive: datetime, tz: tzinfo | None) -> datetime:
    """A naive local time from a log -> aware UTC (``tz`` None: the time is taken as UTC)."""
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    if tz is None:
        return naive.replace(tzinfo=UTC)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def tz_label(ctx: TriageContext) -> str:
    tz = getattr(ctx, "local_tz", None)
    return str(getattr(tz, "key", None) or tz) if tz is not None else ""


def local_time_note(ctx: TriageContext, what: str) -> str:
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

    def read(self, source: str, found: Found) -> Text:
        """``found`` as a streamed :class:`Text` (opened when a parser goes through it).

        Whether it could be opened, and what streaming met (cut lines, NUL runs, garbage, a read
        error), is reported by :meth:`report` once the parser has gone through the lines.
        """
        return Text(found.path)

    def report(self, source: str, found: Found, text: Text) -> None:
        """The file as read (``sources_read``), or a Problem with its path and the reason it could not be
        opened; Problems for what the last pass over ``text`` cut, dropped or could not read."""
        if text.passes == text.reported:  # not gone through yet, or already reported
            return
        text.reported = text.passes
        label = f"{self.label} {source}"
        if text.open_error:
            self.problem(label, f"unreadable ({text.open_error})", found.shown, "error")
            return
        self.collected.sources_read.append(Ref(source=label, path=found.shown))
        if text.error:
            self.problem(label, f"{text.error}; the lines before it were read", found.shown, "error")
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
            f"{out.label} {what}", f"could not be parsed: {reason(exc)}", severity="warning"
        )
        return None


class Parser:
    """One tool's parser in the shared collect skeleton (:func:`collect_tool`).

    A subclass sets ``key`` (its ``[[tool]]`` in remote_tools.toml: globs and label come from there),
    ``looked_for`` (what the "not found" note names) and, when dissect has a plugin for the tool,
    ``dissect`` (plugin namespace, attributes listing files). :meth:`feed` takes one file's streamed
    lines (or what :meth:`read` returns); :meth:`finish` turns what was fed into sessions and events.
    """

    key: ClassVar[str]
    looked_for: ClassVar[str] = "{label} log"  # ``{label}``: the tool's label from remote_tools.toml
    dissect: ClassVar[tuple[str, tuple[str, ...]] | None] = None

    def __init__(self, out: Out, ctx: TriageContext) -> None:
        self.out = out
        self.ctx = ctx

    def source(self, found: Found) -> str:
        """How the file is named in refs and problems (``"ad_svc.trace"``)."""
        return found.path.name

    def read(self, found: Found) -> Any:
        """The file's content for :meth:`feed` (a streamed :class:`Text`); None when unreadable (a Problem is kept)."""
        return self.out.read(self.source(found), found)

    def feed(self, found: Found, data: Any) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Build sessions from everything fed (default: nothing more to do)."""


def collect_tool(parser: type[Parser], ctx: TriageContext) -> Collected:
    """The collect skeleton every remote parser shares: find files -> stream each -> parse -> sessions.

    A failure inside one file's parsing or the session building is a Problem and the rest goes on;
    anything else is caught, once, by the pipeline.
    """
    from scamscope.triage.remote import label, tool

    entry = tool(parser.key)
    out = Out(parser.key, label(parser.key))
    extra = dissect_files(ctx, *parser.dissect) if parser.dissect else []
    looked_for = parser.looked_for.format(label=out.label)
    files = find_files(ctx, entry.get("system_globs", []), entry.get("user_globs", []), extra, out, looked_for)
    if not files:
        out.absent(looked_for)
        return out.collected
    run = parser(out, ctx)
    for found in files:
        data = run.read(found)
        if data is None:
            continue
        safely(out, run.source(found), run.feed, found, data)
        if isinstance(data, Text):
            out.report(run.source(found), found, data)
    safely(out, "sessions", run.finish)
    return out.collected
