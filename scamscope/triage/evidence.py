"""Evidence handling: SHA-256 of every input file before and after the triage, versions, command, times.

The triage only reads the evidence. This module proves it: :func:`hash_inputs` is run before the
target is opened and again after every output is written, and ``evidence.json`` keeps both lists
plus the comparison. A file that changed, appeared or vanished is listed in ``changed``. Every file
seen is listed, an unreadable one with the reason (``error``), and so is every folder that could not
be listed (``kind: "folder"``): what it holds was not hashed, nor examined.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import re
import stat
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CHUNK = 1024 * 1024
# sibling files a disk image is split into or described by (E01 segments, split raw, VMDK extents)
SEGMENT = re.compile(r"\.(e|s|l)\d\d$|\.\d{3}$|-(flat|s\d{3}|f\d{3}|delta)\.vmdk$", re.IGNORECASE)
LIBRARIES = ("scamscope", "dissect.target", "dissect.ntfs", "dissect.regf", "dissect.evidence", "dissect.eventlog",
             "dissect.database", "dissect.hypervisor", "dissect.volume", "jinja2", "playwright")


@dataclass
class InputFile:
    """One file of the evidence: path relative to the input (or the file's own path), size, mtime, SHA-256."""

    path: str
    size: int
    mtime_ns: int
    sha256: str | None  # None when the file could not be read (the error says why)
    error: str | None = None
    kind: str = "file"  # "folder": a folder that could not be listed (its content is unknown)


@dataclass
class EvidenceLog:
    """What ``evidence.json`` holds."""

    target: str
    command: list[str]
    started: str
    ended: str = ""
    local_tz: str = ""
    tz_source: str = ""
    tz_confidence: str = ""
    opened: str = ""  # the collection opened inside the evidence (empty: the evidence itself)
    versions: dict[str, str] = field(default_factory=dict)
    inputs_before: list[InputFile] = field(default_factory=list)
    inputs_after: list[InputFile] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return bool(self.inputs_after) and not self.changed

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["unchanged"] = self.unchanged
        d["input_files"] = len(self.inputs_before)
        d["input_bytes"] = sum(f.size for f in self.inputs_before)
        return d

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def input_files(target: Path, unreadable: list[OSError] | None = None) -> list[Path]:
    """Every file that makes up the evidence: all files under a directory, or an image and its segments.

    A folder that cannot be listed is appended to ``unreadable`` (its OSError, with ``filename``).
    """
    target = Path(target)
    if target.is_dir():
        found = []
        for dirpath, dirnames, filenames in os.walk(target, followlinks=False, onerror=unreadable.append if unreadable is not None else None):
            dirnames.sort()
            found += [Path(dirpath) / name for name in sorted(filenames)]
        return found
    files = [target]
    stem = target.name.rsplit(".", 1)[0].lower()
    try:
        siblings = sorted(target.parent.iterdir())
    except OSError:
        siblings = []
    for p in siblings:
        if p != target and p.is_file() and p.name.lower().startswith(stem) and SEGMENT.search(p.name):
            files.append(p)
    return files


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:  # read-only; never opened for writing
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def hash_inputs(target: Path) -> list[InputFile]:
    """SHA-256, size and mtime of every input file (symlinks and special files are recorded, not read)."""
    target = Path(target)
    base = target if target.is_dir() else target.parent
    out = []
    unreadable: list[OSError] = []
    for p in input_files(target, unreadable):
        rel = p.relative_to(base).as_posix() if target.is_dir() else str(p)
        try:
            st = p.lstat()
            if p.is_symlink():
                out.append(InputFile(rel, st.st_size, st.st_mtime_ns, None, f"symlink to {os.readlink(p)} (not followed)"))
                continue
            if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
                out.append(InputFile(rel, 0, st.st_mtime_ns, None, "not a regular file (not read)"))
                continue
            out.append(InputFile(rel, st.st_size, st.st_mtime_ns, sha256_file(p)))
        except OSError as exc:
            out.append(InputFile(rel, 0, 0, None, f"{type(exc).__name__}: {exc.strerror or exc}"))
    for exc in unreadable:
        folder = Path(exc.filename or target)
        rel = (folder.relative_to(base).as_posix() if target.is_dir() else str(folder)) + "/"
        error = f"folder unreadable ({type(exc).__name__}: {exc.strerror or exc}): the files in it were not hashed nor examined"
        out.append(InputFile(rel, 0, 0, None, error, kind="folder"))
    return out


def compare(before: list[InputFile], after: list[InputFile]) -> list[str]:
    """Human-readable differences between two hash lists (empty when the evidence is unchanged)."""
    a = {f.path: f for f in before}
    b = {f.path: f for f in after}
    changed = []
    for path in sorted(a.keys() | b.keys()):
        x, y = a.get(path), b.get(path)
        if x is None:
            changed.append(f"{path}: appeared during the triage")
        elif y is None:
            changed.append(f"{path}: vanished during the triage")
        elif (x.sha256, x.size, x.mtime_ns) != (y.sha256, y.size, y.mtime_ns):
            changed.append(f"{path}: changed (sha256 {x.sha256} -> {y.sha256}, mtime_ns {x.mtime_ns} -> {y.mtime_ns})")
    return changed


def versions() -> dict[str, str]:
    """Python, platform and the versions of the libraries that read the evidence."""
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
