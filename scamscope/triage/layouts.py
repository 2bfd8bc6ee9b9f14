"""Finding the collections and volumes inside the evidence an examiner hands over, and opening one.

The evidence may be a folder, a zip, a tar (also compressed) or a disk image, and the collection may
sit at any depth: ``EV/case-17/KAPE_out/C/Windows/...``, a Velociraptor zip one folder down, a KAPE
output inside a tar.gz. :func:`find_candidates` walks the evidence (at most :data:`MAX_DEPTH` folder
levels, :data:`MAX_ENTRIES` entries) and lists every collection or volume it holds;
:func:`open_candidate` opens one of them with dissect.target.

Where dissect's own loaders work they are used (Velociraptor, KAPE folders, acquire/UAC archives,
disk images). Two cases are mapped here instead:

- a folder holding a copy of (part of) a Windows volume, also one without ``Windows/`` (a copy of
  ``Users/`` and ``ProgramData/``), which dissect maps case-sensitively or not at all;
- a generic zip or tar, whose volume dissect only finds at the archive's root, and (tar) whose case
  sensitivity dissect decides from the first member (see ``docs/dissect-tar-member-order.md``).
  Here the folder that holds ``Windows/System32`` (or ``Users/``) is mapped as the volume, with a
  case-insensitive filesystem built over the members, whatever their order and with or without ``./``.

Nothing is extracted: archives are read member by member, in place.
"""

from __future__ import annotations

import os
import tarfile
import zipfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_DEPTH = 6  # folder levels below the evidence (and inside an archive) where a collection is looked for
MAX_ENTRIES = 200_000  # folder entries looked at before the search stops (a whole disk copied as a folder)

# folders at the root of a Windows volume: one of them is enough for a (partial) copy of a volume
VOLUME_FOLDERS = frozenset({"users", "programdata", "program files", "program files (x86)", "documents and settings"})
IMAGE_SUFFIXES = frozenset({
    ".e01", ".ex01", ".s01", ".l01", ".vmdk", ".vhd", ".vhdx", ".vdi", ".qcow2", ".dd", ".raw", ".img", ".001",
    ".aff4", ".asdf", ".vmx", ".vbox", ".ova", ".ovf", ".xva", ".vma", ".ad1", ".vbk", ".hdd", ".hds",
})
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz")


@dataclass(frozen=True)
class Volume:
    """One volume of a collection: its drive letter and where its root is (a folder, or a member
    prefix inside an archive such as ``KAPE_out/C/``)."""

    letter: str
    root: str
    windows: bool  # holds Windows/System32 (else a copy of Users/, ProgramData/, ... only)


@dataclass(frozen=True)
class Candidate:
    """A collection or volume found in the evidence."""

    path: Path  # the folder or file on disk
    kind: str  # "folder", "velociraptor", "kape", "image", "zip", "tar", "dissect" (an archive dissect's own loader reads)
    label: str  # where it is, relative to the evidence ("case-17/KAPE_out", "v.tar/C"); what --collection takes
    volumes: tuple[Volume, ...] = ()  # for "folder", "zip", "tar": the volume(s) to map

    @property
    def description(self) -> str:
        what = {
            "folder": "folder", "velociraptor": "Velociraptor collection", "kape": "KAPE collection",
            "image": "disk image", "zip": "zip archive", "tar": "tar archive", "dissect": "collection archive",
        }[self.kind]
        if self.volumes:
            vols = ", ".join(f"{v.letter.upper()}: ({'Windows volume' if v.windows else 'Users/ProgramData only'})" for v in self.volumes)
            what += f", {vols}"
        return what


@dataclass
class Discovery:
    candidates: list[Candidate] = field(default_factory=list)
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # (severity, message, path)


def drive_letter(name: str) -> str | None:
    """``C``, ``C:``, ``C%3A``, ``%5C%5C.%5CC%3A`` (Velociraptor), ``sysvol`` -> the drive letter."""
    n = name.lower()
    if len(n) == 1 and n.isalpha():
        return n
    if len(n) == 2 and n[0].isalpha() and n[1] == ":":
        return n[0]
    if len(n) == 4 and n[0].isalpha() and n.endswith("%3a"):
        return n[0]
    if len(n) == 14 and n.startswith("%5c%5c.%5c") and n.endswith("%3a") and n[10].isalpha():
        return n[10]
    if n == "sysvol":
        return "c"
    return None


def _volume_kind(names: set[str], has_system32: bool) -> bool | None:
    """True: a Windows volume; False: a partial copy (Users/ProgramData); None: neither."""
    if ("windows" in names and has_system32) or "winnt" in names:
        return True
    if names & VOLUME_FOLDERS:
        return False
    return None


def _is_tar_name(path: Path) -> bool:
    return path.name.lower().endswith(TAR_SUFFIXES)


# --- the search ---------------------------------------------------------------------------------


def find_candidates(evidence: Path) -> Discovery:
    """Every collection or volume in ``evidence`` (a folder or a file), in a stable order."""
    found = Discovery()
    if evidence.is_dir():
        _walk(evidence, found)
    else:
        found.candidates += _file_candidates(evidence, evidence, found, top=True)
    found.candidates.sort(key=lambda c: c.label)
    return found


def _label(evidence: Path, path: Path, inner: str = "") -> str:
    rel = "." if path == evidence else path.relative_to(evidence).as_posix()
    if evidence.is_file():
        rel = evidence.name
    return f"{rel}/{inner.strip('/')}" if inner.strip("/") else rel


def _walk(evidence: Path, found: Discovery) -> None:
    """Breadth-first walk of a folder: stop at each collection, never follow links, stay bounded."""
    groups: dict[Path, list[Volume]] = {}  # collection folder -> its drive-letter volumes
    queue: deque[tuple[Path, int]] = deque([(evidence, 0)])
    seen = 0
    too_deep = 0
    while queue:
        folder, depth = queue.popleft()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            found.notes.append(("warning", f"could not look inside this folder for collections ({exc.strerror or type(exc).__name__}); "
                                           "a collection there would be missed", str(folder)))
            continue
        seen += len(entries)
        if seen > MAX_ENTRIES:
            found.notes.append(("warning", f"stopped looking for collections after {MAX_ENTRIES:,} folder entries; "
                                           "give the folder of the collection itself", str(folder)))
            break
        dirs = {e.name.lower(): e for e in entries if _is_dir(e)}
        if "uploads" in dirs and any(e.name == "uploads.json" for e in entries):
            found.candidates.append(Candidate(folder, "velociraptor", _label(evidence, folder)))
            continue
        windows = dirs.get("windows")
        kind = _volume_kind(set(dirs), windows is not None and _has_child(Path(windows.path), "system32"))
        if kind is not None:
            letter = drive_letter(folder.name)
            if letter and folder != evidence:
                groups.setdefault(folder.parent, []).append(Volume(letter, str(folder), kind))
            else:
                found.candidates.append(Candidate(folder, "folder", _label(evidence, folder), (Volume("c", str(folder), kind),)))
            continue
        for entry in entries:
            if _is_dir(entry):
                if depth < MAX_DEPTH:
                    queue.append((Path(entry.path), depth + 1))
                else:
                    too_deep += 1
            elif _is_file(entry):
                found.candidates += _file_candidates(evidence, Path(entry.path), found, top=False)
            elif entry.is_symlink():
                found.notes.append(("info", "a symbolic link in the evidence was not followed: a collection it points to is not searched",
                                    entry.path))
    for folder, volumes in groups.items():
        kape = _is_kape(folder)
        found.candidates.append(Candidate(folder, "kape" if kape else "folder", _label(evidence, folder), tuple(volumes)))
    if too_deep:
        found.notes.append(("info", f"did not look for collections deeper than {MAX_DEPTH} folder levels ({too_deep} folder(s) not searched)",
                            str(evidence)))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def _has_child(folder: Path, name: str) -> bool:
    try:
        return any(p.name.lower() == name for p in folder.iterdir())
    except OSError:
        return False


def _is_kape(folder: Path) -> bool:
    try:
        from dissect.target.loaders.kape import KapeLoader

        return bool(KapeLoader.detect(folder))
    except Exception:
        return False


def _file_candidates(evidence: Path, path: Path, found: Discovery, top: bool) -> list[Candidate]:
    """The candidates one file holds: an archive is looked into, an image is one candidate.

    ``top``: the file is the evidence itself; any file dissect may open then counts (a raw image may
    have any name), while in a folder only known image suffixes do."""
    name = path.name.lower()
    try:
        unknown = top and Path(name).suffix not in IMAGE_SUFFIXES  # a raw image may end with zip-like bytes
        if name.endswith(".zip") or (unknown and zipfile.is_zipfile(path)):
            return _zip_candidates(evidence, path, found)
        if _is_tar_name(path) or (top and _is_tar(path)):
            return _tar_candidates(evidence, path, found)
    except Exception as exc:  # OSError, BadZipFile, TarError, EOFError, decompressor errors: hostile archives raise anything
        found.notes.append(("warning", f"could not read this archive ({type(exc).__name__}: {str(exc)[:200]}); "
                                       "a collection inside it would be missed", str(path)))
        return []
    if top or Path(name).suffix in IMAGE_SUFFIXES:
        return [Candidate(path, "image", _label(evidence, path))]
    return []


def _is_tar(path: Path) -> bool:
    from dissect.target.loaders.tar import TAR_MAGIC, TAR_MAGIC_COMP, is_tar_magic

    return is_tar_magic(path, TAR_MAGIC + TAR_MAGIC_COMP)


def _zip_candidates(evidence: Path, path: Path, found: Discovery) -> list[Candidate]:
    with path.open("rb") as fh, zipfile.ZipFile(fh) as zf:
        names = zf.namelist()
        root = zipfile.Path(zf)
        if "uploads.json" in names and any(n.startswith("uploads/") for n in names):
            return [Candidate(path, "velociraptor", _label(evidence, path))]
        if _dissect_zip_format(path, root):
            return [Candidate(path, "dissect", _label(evidence, path))]
    return _archive_candidates(evidence, path, "zip", names, found)


def _dissect_zip_format(path: Path, root: zipfile.Path) -> bool:
    from dissect.target.loaders.acquire import AcquireZipSubLoader
    from dissect.target.loaders.uac import UacZipSubLoader

    return any(_safe_detect(sub, path, root) for sub in (AcquireZipSubLoader, UacZipSubLoader))


def _tar_candidates(evidence: Path, path: Path, found: Discovery) -> list[Candidate]:
    from dissect.target.loaders.acquire import AcquireTarSubLoader
    from dissect.target.loaders.uac import UacTarSubloader

    with tarfile.open(path, mode="r:*") as tar:
        members, damage = read_members(tar)  # one pass over the (decompressed) stream; names and offsets only
        if damage:
            found.notes.append(("warning", f"the archive is damaged or cut short after {len(members)} member(s) ({damage}): "
                                           "what follows is missing from the triage", str(path)))
        if any(_safe_detect(sub, path, tar) for sub in (AcquireTarSubLoader, UacTarSubloader)):
            return [Candidate(path, "dissect", _label(evidence, path))]
    return _archive_candidates(evidence, path, "tar", [m.name + ("/" if m.isdir() else "") for m in members], found)


def read_members(tar: tarfile.TarFile) -> tuple[list[tarfile.TarInfo], str | None]:
    """The members of a tar up to the first damage, and the damage (None when the tar is whole).

    A truncated tar or tar.gz raises in the middle of ``getmembers()``; the members read until then
    are kept, and the tar is marked as loaded so that dissect's TarFilesystem uses them as they are."""
    members: list[tarfile.TarInfo] = []
    damage = None
    try:
        for member in tar:
            members.append(member)
    except Exception as exc:  # tarfile.ReadError, EOFError, zlib/lzma/bz2 errors, OSError
        damage = f"{type(exc).__name__}: {str(exc)[:200]}"
        tar.members = members
        tar._loaded = True  # noqa: SLF001 - stop getmembers() from reading past the damage again
    return members, damage


def _safe_detect(sub: Any, path: Path, handle: Any) -> bool:
    try:
        return bool(sub.detect(path, handle))
    except Exception:
        return False


def member_parts(name: str) -> list[str]:
    """An archive member's path as parts, without ``./`` or a leading ``/``."""
    return [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]


def _archive_candidates(evidence: Path, path: Path, kind: str, names: list[str], found: Discovery) -> list[Candidate]:
    """Volume roots inside an archive, from its member names alone (any order, any depth)."""
    roots: dict[tuple[str, ...], bool] = {}  # lower-case parts of a volume root -> holds Windows/System32
    original: dict[tuple[str, ...], tuple[str, ...]] = {}
    images = []
    for name in names:
        parts = member_parts(name)
        low = tuple(p.lower() for p in parts)
        is_dir = name.endswith("/")
        for i, part in enumerate(low[: MAX_DEPTH + 2]):
            folder = i + 1 < len(low) or is_dir  # a file named "Users" is not the Users folder
            windows = (part == "windows" and i + 1 < len(low) and low[i + 1] == "system32") or (part == "winnt" and folder)
            partial = part in VOLUME_FOLDERS and folder
            if windows or partial:
                key = low[:i]
                roots[key] = roots.get(key, False) or windows
                original.setdefault(key, tuple(parts[:i]))
        if Path(low[-1] if low else "").suffix in IMAGE_SUFFIXES:
            images.append(name)
    # a root inside another root is part of that volume (a folder named Users deep in a profile)
    keys = sorted(roots, key=len)
    kept = [k for k in keys if not any(len(o) < len(k) and k[: len(o)] == o for o in keys)]
    groups: dict[tuple[str, ...], list[Volume]] = {}
    out: list[Candidate] = []
    for key in kept:
        parts = original[key]
        letter = drive_letter(parts[-1]) if parts else None
        prefix = "/".join(parts)
        if letter:
            groups.setdefault(tuple(parts[:-1]), []).append(Volume(letter, prefix, roots[key]))
        else:
            out.append(Candidate(path, kind, _label(evidence, path, prefix), (Volume("c", prefix, roots[key]),)))
    for parent, volumes in groups.items():
        out.append(Candidate(path, kind, _label(evidence, path, "/".join(parent)), tuple(volumes)))
    if not out and images:
        found.notes.append(("warning", f"this archive holds disk image(s) ({', '.join(images[:3])}) that are not opened inside an archive; "
                                       "extract them and triage the image", str(path)))
    return out


# --- choosing one -------------------------------------------------------------------------------


def choose(evidence: Path, candidates: list[Candidate], choice: str | None) -> Candidate | None:
    """The candidate to open: the only one, or the one ``choice`` names (a number from the list, or
    its path as listed, or its folder/file path). Raises ``ValueError`` listing them otherwise."""
    if choice is None:
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        raise ValueError(listing(evidence, candidates, f"{evidence} holds {len(candidates)} collections or volumes; "
                                                       "triage them one at a time, picking each with --collection"))
    text = choice.strip()
    if text.isdigit() and 1 <= int(text) <= len(candidates):
        return candidates[int(text) - 1]
    wanted = text.rstrip("/") or "."
    for c in candidates:
        if c.label == wanted:
            return c
    for base in (Path.cwd(), evidence if evidence.is_dir() else evidence.parent):
        try:
            resolved = (base / wanted).resolve()
        except OSError:
            continue
        matches = [c for c in candidates if c.path.resolve() == resolved]
        if len(matches) == 1:
            return matches[0]
    if not candidates:
        raise ValueError(f"--collection {choice}: no collection or volume was found in {evidence}")
    raise ValueError(listing(evidence, candidates, f"--collection {choice}: no such collection in {evidence}"))


def listing(evidence: Path, candidates: list[Candidate], head: str) -> str:
    lines = [head + ":"]
    lines += [f"  {i}. {c.label}  ({c.description})" for i, c in enumerate(candidates, 1)]
    lines.append(f"e.g. scamscope triage {evidence} --collection 1 -o CASE_DIR  (or --collection {candidates[0].label})")
    return "\n".join(lines)


# --- opening one --------------------------------------------------------------------------------


def open_candidate(c: Candidate) -> Any:
    """A dissect Target for the candidate (``apply()``-ed). Raises what dissect raises."""
    from dissect.target import Target

    if c.kind in ("velociraptor", "kape", "image", "dissect"):
        return Target.open(c.path)
    target = Target(c.path)
    if c.kind == "folder":
        from dissect.target.loaders.dir import map_dirs
        from dissect.target.plugin import OperatingSystem

        map_dirs(target, [(v.letter, Path(v.root)) for v in c.volumes], OperatingSystem.WINDOWS)
    else:
        _map_archive(target, c)
    target.apply()
    return target


def _map_archive(target: Any, c: Candidate) -> None:
    """Map each volume of a zip or tar as a case-insensitive filesystem over its members."""
    from dissect.target.filesystems.tar import TarFilesystem
    from dissect.target.filesystems.zip import ZipFilesystem
    from dissect.target.helpers import loaderutil

    fh = c.path.open("rb")  # kept open for the target's lifetime, read only
    tar = tarfile.open(fileobj=fh, mode="r:*") if c.kind == "tar" else None
    if tar is not None:
        read_members(tar)  # damage was reported when the archive was searched
    for v in c.volumes:
        if tar is not None:
            # TarFilesystem drops "./" itself; its base must end with "/" or C would also match C2/
            fs: Any = TarFilesystem(fh, base=v.root + "/" if v.root else "", tarfile=tar, alt_separator="\\", case_sensitive=False)
        else:
            fs = ZipFilesystem(fh, base=_zip_base(fh, v.root), alt_separator="\\", case_sensitive=False)
        target.filesystems.add(fs)
        target.fs.mount(f"{v.letter}:", fs)
        loaderutil.add_virtual_ntfs_filesystem(target, fs)


def _zip_base(fh: Any, root: str) -> str:
    """The member-name prefix of ``root`` as the zip writes it (ZipFilesystem strips ``/`` but keeps ``./``)."""
    if not root:
        return ""
    fh.seek(0)
    with zipfile.ZipFile(fh) as zf:
        for name in zf.namelist():
            stripped, lead = name.strip("/"), ""
            while stripped.startswith("./"):
                stripped, lead = stripped[2:], lead + "./"
            if stripped.startswith(root + "/"):
                return lead + root + "/"
    return root + "/"
