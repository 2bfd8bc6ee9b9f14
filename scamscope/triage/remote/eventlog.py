"""Application event log records of remote-access tools, read with dissect.eventlog.

``Windows/System32/winevt/Logs/Application.evtx`` is read on every target. On a partial collection
(no registry, dissect's Windows plugins unavailable) loose ``*.evtx`` files are read too: exported
logs anywhere in the mapped volume down to four folders deep, and beside it in the collection
folder. Only records whose provider starts with a tool's ``evtx_providers`` prefix
(remote_tools.toml) are kept; each becomes an :class:`~scamscope.triage.remote.heuristic.Item` whose
``Ref.line`` is the record's EventRecordID.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scamscope.triage.remote.common import Found, Out, ci_glob, display_path
from scamscope.triage.remote.heuristic import Item
from scamscope.triage.types import Collected

APPLICATION = "Windows/System32/winevt/Logs/Application.evtx"
LOOSE_DEPTH = 4
MAX_LOOSE_FILES = 200


def evtx_files(ctx: Any) -> list[Found]:
    """Application.evtx, plus loose ``*.evtx`` of a partial collection."""
    files: list[Found] = [Found(p) for p in ci_glob(ctx.root, APPLICATION)]
    if not ctx.partial:
        return files
    seen = {f.shown.lower() for f in files}
    for depth in range(LOOSE_DEPTH + 1):
        for path in ci_glob(ctx.root, "/".join(["*"] * depth + ["*.evtx"])):
            shown = display_path(path)
            if shown.lower() not in seen and "/winevt/logs/" not in shown.lower():
                seen.add(shown.lower())
                files.append(Found(path))
    files += _beside_volume(ctx)
    return files[:MAX_LOOSE_FILES]


def _beside_volume(ctx: Any) -> list[Found]:
    """``*.evtx`` in the collection folder outside the mapped volume (e.g. ``EventLogs/Application.evtx``)."""
    try:
        base = Path(ctx.target.path)
        mount = ctx.target.fs.mounts.get("c:")
        volume = Path(getattr(mount, "base_path", "")).resolve() if mount is not None else None
    except Exception:
        return []
    if not base.is_dir():
        return []
    found = []
    base_depth = len(base.parts)
    for folder, dirs, names in os.walk(base):
        here = Path(folder)
        if volume is not None and (here.resolve() == volume):
            dirs[:] = []  # the volume itself is walked through dissect
            continue
        if len(here.parts) - base_depth >= LOOSE_DEPTH:
            dirs[:] = []
        for name in names:
            if name.lower().endswith(".evtx"):
                path = here / name
                found.append(Found(path, label=f"{path.relative_to(base).as_posix()} (in the collection folder)"))
    return found


def _value(value: Any) -> Any:
    getter = getattr(value, "get", None)
    if callable(getter) and type(value).__name__ == "BxmlSub":
        value = getter()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def _data(record: Any) -> list[str]:
    data = _value(record.get("Data"))
    values = data if isinstance(data, list) else [data]
    out = []
    for value in values:
        value = _value(value)
        if value is None:
            continue
        text = str(value).strip()
        if text and text != "(NULL)":
            out.append(text)
    return out


def provider_items(out: Out, found: Found, prefixes: dict[str, tuple[str, ...]]) -> Iterator[tuple[str, Item]]:
    """Records of ``found`` whose provider matches a tool's prefixes -> ``(tool key, Item)``.

    A file dissect cannot read at all becomes a Problem; records dissect skips inside a damaged
    chunk are lost without a word from it, so the count of records read is in ``sources_read``.
    """
    from dissect.eventlog import evtx

    label = f"event log {found.path.name}"
    try:
        fh = found.path.open("rb")
    except Exception as exc:
        out.problem(label, f"unreadable: {type(exc).__name__}: {exc}", found.shown)
        return
    try:
        head = fh.read(8)
        fh.seek(0)
        if head != b"ElfFile\x00":
            out.problem(label, "not an EVTX file (bad signature): skipped", found.shown)
            return
        try:
            size = found.path.stat().st_size
        except Exception:
            size = None
        if size is not None and size > 4096 and (size - 4096) % 0x10000:
            # dissect stops silently at an incomplete chunk: say that records are missing
            out.problem(
                label,
                f"truncated ({size} bytes): the incomplete last 64 KiB chunk cannot be read, its records are missing",
                found.shown,
            )
        count = 0
        for record in evtx.Evtx(fh):
            count += 1
            provider = str(_value(record.get("Provider_Name")) or "")
            low = provider.lower()
            for tool, starts in prefixes.items():
                if any(low.startswith(p) for p in starts):
                    ts = _value(record.get("TimeCreated_SystemTime"))
                    if not isinstance(ts, datetime):
                        continue
                    ts = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
                    rid = _value(record.get("EventRecordID"))
                    try:
                        line = int(rid) if rid is not None else None
                    except (TypeError, ValueError):
                        line = None
                    eid = _value(record.get("EventID"))
                    data = _data(record)
                    item = Item(
                        ts=ts.astimezone(UTC),
                        message="\n".join(data),
                        ref=out.ref(f"{found.path.name} ({provider})", found, line),
                        fields={
                            "provider": provider,
                            "event_id": eid,
                            "record_id": line,
                            "computer": _value(record.get("Computer")),
                        },
                    )
                    yield tool, item
        out.collected.sources_read.append(out.ref(f"{found.path.name} ({count} records)", found))
    except Exception as exc:  # dissect raises many kinds on damaged files
        out.problem(
            label, f"damaged event log, read up to the damage: {type(exc).__name__}: {str(exc)[:200]}", found.shown
        )
    finally:
        fh.close()


def collect(ctx: Any) -> Collected:
    """Application event log records of every tool with ``evtx_providers``, read in one pass."""
    from scamscope.triage.remote import label, screenconnect, textlogs, tools
    from scamscope.triage.remote.common import attach_transfers
    from scamscope.triage.remote.heuristic import build

    reader = Out("", "")
    prefixes = {t["key"]: tuple(p.lower() for p in t["evtx_providers"]) for t in tools() if t.get("evtx_providers")}
    files = evtx_files(ctx)
    if not files:
        reader.problem(
            "event log",
            f"no {APPLICATION} (nor loose .evtx files) in the target: ScreenConnect and LogMeIn events cannot be read",
            severity="info",
        )
    buckets: dict[str, list[Item]] = {key: [] for key in prefixes}
    for found in files:
        for key, item in provider_items(reader, found, prefixes):
            buckets[key].append(item)
    result = reader.collected
    for key, items in buckets.items():
        out = Out(key, label(key))
        if key == "screenconnect":
            screenconnect.from_events(out, items)
        elif key in textlogs.TOOLS:
            detailed, transfers = build(out, items, textlogs.TOOLS[key][1], "event log times are UTC")
            attach_transfers([d[0] for d in detailed], transfers)
            for session, start_ref, end_ref in detailed:
                out.add_session(session, start_ref, end_ref)
        result.extend(out.collected)
    return result
