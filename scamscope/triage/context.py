"""Opening a target with dissect.target, and what every collector needs from it.

``open_target`` accepts anything dissect opens (disk images, VM disks, KAPE/acquire/Velociraptor
collections, a directory holding a copy of a Windows volume), also nested at any depth in folders,
zips and tars (:mod:`scamscope.triage.layouts`). A *partial* collection (a copy of ``Users/`` and
``ProgramData/`` without ``Windows/``) is not recognised by dissect's loaders; it is mapped as the C:
drive of an OS-less target so that collectors can still walk ``Users/*``. The time zone comes from the
SYSTEM hive (:mod:`scamscope.triage.timezone`) or ``--tz``.

dissect opens everything read-only: nothing here writes to the evidence.
"""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

from scamscope.triage.layouts import (
    MAX_DEPTH,
    VOLUME_FOLDERS,
    Candidate,
    Volume,
    choose,
    find_candidates,
    open_candidate,
)
from scamscope.triage.types import Problem


@dataclass
class UserHome:
    """A user profile folder and its name, from the registry or from walking ``Users/*``."""

    name: str
    home: Any  # dissect TargetPath
    sid: str | None = None


@dataclass
class TriageContext:
    """The opened target plus what collectors share: user homes, time zone, problems."""

    target: Any  # dissect.target.Target
    root: Any  # dissect TargetPath of the Windows volume (``sysvol`` or the mapped C: of a partial collection)
    partial: bool  # True when dissect found no Windows OS (no registry: users found by walking Users/*)
    local_tz: tzinfo | None = None  # the PC's time zone (registry or --tz); None when unknown
    tz_source: str = ""  # "registry TimeZoneKeyName", "registry StandardName+Bias", "registry Bias", "--tz", "" (unknown)
    tz_confidence: str = ""  # "high", "medium", "low", "" (unknown)
    tz_detail: str = ""  # what the zone was read from, e.g. "TimeZoneKeyName 'Pacific Standard Time' -> America/Los_Angeles"
    opened: str = ""  # the collection opened inside the evidence, as listed (empty: the evidence itself)
    problems: list[Problem] = field(default_factory=list)
    _homes: list[UserHome] | None = None

    @property
    def is_windows(self) -> bool:
        return not self.partial

    def problem(self, source: str, message: str, path: str | None = None, severity: str = "warning") -> None:
        self.problems.append(Problem(source=source, message=message, path=path, severity=severity))

    def user_homes(self) -> list[UserHome]:
        """Every user profile: from dissect's user records, plus any ``Users/*`` folder they missed."""
        if self._homes is not None:
            return self._homes
        homes: list[UserHome] = []
        seen: set[str] = set()
        if self.is_windows:
            try:
                for ud in self.target.user_details.all_with_home():
                    key = str(ud.home_path).lower()
                    if key not in seen:
                        seen.add(key)
                        homes.append(UserHome(name=ud.user.name or ud.home_path.name, home=ud.home_path, sid=getattr(ud.user, "sid", None)))
            except Exception as exc:  # no SAM/SOFTWARE hive: fall back to walking Users/*
                self.problem("user profiles", f"could not read users from the registry ({type(exc).__name__}); walked Users/* instead", severity="info")
        from scamscope.triage.remote.common import reason, shown_path

        users_dir = self.root.joinpath("Users")
        try:
            entries = list(users_dir.iterdir()) if users_dir.exists() else []
        except Exception as exc:  # an unreadable Users/ hides every profile in it: say so
            entries = []
            self.problem("user profiles", f"Users folder unreadable ({reason(exc)}): the profiles in it were not examined",
                         path=shown_path(self, users_dir), severity="error")
        for entry in entries:
            try:
                if not entry.is_dir() or entry.name.lower() in ("all users", "default user", "public", "default"):
                    continue
            except Exception as exc:
                self.problem("user profiles", f"profile folder unreadable ({reason(exc)}): not examined",
                             path=shown_path(self, entry), severity="error")
                continue
            key = str(entry).lower()
            if key not in seen and not any(str(h.home).lower().endswith("/" + entry.name.lower()) for h in homes):
                seen.add(key)
                homes.append(UserHome(name=entry.name, home=entry))
        self._homes = homes
        return homes

    def glob(self, pattern: str) -> Iterator[Any]:
        """Case-insensitive-enough glob under the Windows volume root (``ProgramData/AnyDesk/*.trace``)."""
        try:
            yield from self.root.glob(pattern)
        except Exception as exc:
            from scamscope.triage.remote.common import reason

            self.problem("filesystem", f"glob {pattern}: {reason(exc)}")


def open_target(path: Path, tz: tzinfo | None = None, collection: str | None = None) -> TriageContext:
    """Find the collection or volume in ``path`` (at any depth, see :mod:`scamscope.triage.layouts`) and
    open it with dissect.target; map a partial Windows collection as C: when dissect finds no OS.

    ``collection`` picks one when ``path`` holds several (its number in the list, or its path).
    Raises ``ValueError`` with the reason when the path cannot be opened, or when it holds several
    collections and none was picked (the message lists them and says how to pick one).
    """
    logging.getLogger("dissect").setLevel(logging.ERROR)
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file or directory")
    mode = path.stat().st_mode
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode):  # reading one could block for ever
        raise ValueError(f"{path}: not a file, folder or disk (a FIFO, socket or character device is never opened)")
    found = find_candidates(path)
    chosen = choose(path, found.candidates, collection)
    if chosen is None and not path.is_dir():
        why = "; ".join(message for _, message, _ in found.notes)
        raise ValueError(f"{path}: no Windows volume, KAPE or Velociraptor collection found in the archive (looked for "
                         f"Windows/System32, Users/ and ProgramData/ up to {MAX_DEPTH} folders deep)" + (f"; {why}" if why else ""))
    ctx = _open(path, chosen)
    for severity, message, where in found.notes:
        ctx.problem("collections", message, path=where, severity=severity)
    if chosen is not None and (chosen.path != path or len(chosen.volumes) > 1 or chosen.label != _label_of(path)):
        ctx.opened = chosen.label
        ctx.problem("collections", f"opened {chosen.label} ({chosen.description}) inside the evidence", path=str(chosen.path), severity="info")
    _set_zone(ctx, tz)
    _require_homes(ctx, path, chosen)
    return ctx


def _label_of(path: Path) -> str:
    return path.name if path.is_file() else "."


def _open(path: Path, chosen: Candidate | None) -> TriageContext:
    """Open the chosen candidate (None: the folder itself, mapped as C:)."""
    fallback = chosen is None
    if chosen is None:  # a folder where nothing looks like a volume: map it as C: (no user profile: an error later)
        chosen = Candidate(path, "folder", ".", (Volume("c", str(path), False),))
    try:
        target = open_candidate(chosen)
    except Exception as exc:  # dissect raises many kinds on unrecognised input
        where = path if chosen.path == path else f"{chosen.label} in {path}"
        raise ValueError(f"{where}: dissect.target cannot open it ({type(exc).__name__}: {str(exc)[:200]})") from exc
    if target.os == "windows":
        return TriageContext(target=target, root=target.fs.path("sysvol"), partial=False)
    root = target.fs.path("c:") if fallback else _volume_root(target)
    if root is None:
        raise ValueError(f"{path}: dissect.target found no Windows system in it (os: {getattr(target, 'os', '?')})")
    ctx = TriageContext(target=target, root=root, partial=True)
    ctx.problem(
        "registry",
        "no Windows directory in the collection: SOFTWARE, SYSTEM and SAM hives are missing, users were found by walking Users/*",
        severity="info",
    )
    return ctx


def _set_zone(ctx: TriageContext, tz: tzinfo | None) -> None:
    """The zone from the SYSTEM hive (without SOFTWARE) and/or --tz, with its source, confidence and conflicts."""
    from scamscope.triage.timezone import KEY, decide, registry_values

    values = registry_values(ctx.target) if ctx.is_windows else None
    decision = decide(values, tz)
    for warning in decision.warnings:
        ctx.problem("time zone", warning, path=KEY)
    if decision.reading is None:
        if values is None and ctx.is_windows:
            ctx.problem("time zone", "the PC's time zone could not be read from the registry (no SYSTEM hive, or no TimeZoneInformation key)",
                        path=KEY, severity="info")
        return
    r = decision.reading
    ctx.local_tz, ctx.tz_source, ctx.tz_confidence, ctx.tz_detail = r.zone, r.source, r.confidence, r.detail
    ctx.problem("time zone", f"{r.detail} (source: {r.source}, confidence: {r.confidence})", path=KEY if r.source != "--tz" else None,
                severity="info")


def _require_homes(ctx: TriageContext, path: Path, chosen: Candidate | None) -> None:
    """No user profile means the user-level artifacts were never examined: an error, not a clean result."""
    if ctx.user_homes():
        return
    looked = "Users/ of the Windows volume and the registry's profile list" if ctx.is_windows else "Users/ of the folder mapped as C:"
    if chosen is None:
        inside = f"{path} (no collection or volume recognised in it)"
    else:
        inside = str(path) if chosen.label in (".", path.name) else f"{chosen.label} in {path}"
        inside += f" ({chosen.description})"
    ctx.problem("user profiles", f"no user profile found: looked in {looked}, in {inside}; browser history, user-level remote-tool logs and "
                                 "other per-user artifacts were not examined", path=str(chosen.path if chosen else path), severity="error")


def _volume_root(target: Any) -> Any:
    """The mount point of the first filesystem that looks like (part of) a Windows volume, or None."""
    mounts = sorted(getattr(target.fs, "mounts", {}))
    drives = [m for m in mounts if len(m) == 2 and m[1] == ":"]  # "c:" before "/": paths then read C:/...
    for mount in [*drives, "/", *(m for m in mounts if m not in drives)]:
        try:
            root = target.fs.path(mount)
            if {p.name.lower() for p in root.iterdir()} & (VOLUME_FOLDERS | {"windows"}):
                return root
        except Exception:
            continue
    return None
