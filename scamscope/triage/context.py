"""Opening a target with dissect.target, and what every collector needs from it.

``open_target`` accepts anything dissect opens (disk images, VM disks, KAPE/acquire/Velociraptor
collections, a directory holding a copy of a Windows volume). A *partial* collection (a copy of
``Users/`` and ``ProgramData/`` without ``Windows/``) is not recognised by dissect's loaders; it is
mapped as the C: drive of an OS-less target so that collectors can still walk ``Users/*``.

dissect opens everything read-only: nothing here writes to the evidence.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

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
    tz_source: str = ""  # "registry", "--tz", "" (unknown: local-time logs are read as UTC and flagged)
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
        users_dir = self.root.joinpath("Users")
        try:
            entries = list(users_dir.iterdir()) if users_dir.exists() else []
        except Exception:
            entries = []
        for entry in entries:
            try:
                if not entry.is_dir() or entry.name.lower() in ("all users", "default user", "public", "default"):
                    continue
            except Exception:
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
            self.problem("filesystem", f"glob {pattern}: {type(exc).__name__}: {exc}")


def open_target(path: Path, tz: tzinfo | None = None, collection: str | None = None) -> TriageContext:
    """Open ``path`` with dissect.target; map a partial Windows collection as C: if dissect cannot.

    Raises ``ValueError`` with a one-line reason when the path cannot be opened at all.
    """
    from dissect.target import Target
    from dissect.target.exceptions import TargetError

    logging.getLogger("dissect").setLevel(logging.ERROR)
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such file or directory")
    target = None
    try:
        target = Target.open(path)
    except (TargetError, Exception) as exc:  # dissect raises many kinds on unrecognised input
        if not path.is_dir():
            raise ValueError(f"{path}: dissect.target cannot open it ({type(exc).__name__}: {str(exc)[:200]})") from exc
    if target is not None and target.os == "windows":
        ctx = TriageContext(target=target, root=target.fs.path("sysvol"), partial=False)
        try:
            # dissect falls back to UTC without a word when the SYSTEM hive is missing: require the key itself
            target.registry.key("HKLM\\SYSTEM\\CurrentControlSet\\Control\\TimeZoneInformation")
            ctx.local_tz = target.datetime.tzinfo
            ctx.tz_source = "registry"
        except Exception:
            ctx.problem("time zone", "the PC's time zone could not be read from the registry", severity="info")
    else:
        if path.is_dir():
            target = _partial_target(path)
            root = target.fs.path("c:")
        else:  # an image of a volume without Windows/ (a copy of Users/ and ProgramData/ only)
            root = _volume_root(target) if target is not None else None
            if root is None:
                raise ValueError(f"{path}: dissect.target found no Windows system in it (os: {getattr(target, 'os', '?')})")
        ctx = TriageContext(target=target, root=root, partial=True)
        ctx.problem(
            "registry",
            "no Windows directory in the collection: SOFTWARE, SYSTEM and SAM hives are missing, users were found by walking Users/*",
            severity="info",
        )
    if tz is not None:
        ctx.local_tz, ctx.tz_source = tz, "--tz"
    return ctx


VOLUME_FOLDERS = {"users", "programdata", "windows", "program files", "program files (x86)"}


def _volume_root(target: Any) -> Any:
    """The mount point of the first filesystem that looks like (part of) a Windows volume, or None."""
    for mount in ["/", *sorted(getattr(target.fs, "mounts", {}))]:
        try:
            root = target.fs.path(mount)
            if {p.name.lower() for p in root.iterdir()} & VOLUME_FOLDERS:
                return root
        except Exception:
            continue
    return None


def _partial_target(path: Path) -> Any:
    """A target whose C: drive is the directory ``path`` (a copy of parts of a Windows volume)."""
    from dissect.target import Target
    from dissect.target.loaders.dir import map_dirs
    from dissect.target.plugin import OperatingSystem

    root = path
    # a collection may hold the volume one level down (C/, c/, "%3A" folders of KAPE, ...)
    for candidate in [path, *sorted(p for p in path.iterdir() if p.is_dir())]:
        names = {p.name.lower() for p in candidate.iterdir() if p.is_dir()}
        if names & VOLUME_FOLDERS:
            root = candidate
            break
    target = Target(path=path)
    map_dirs(target, [("c", root)], OperatingSystem.WINDOWS)
    target.apply()
    return target
