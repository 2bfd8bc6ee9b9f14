"""Sanity checks of a disk image's structure: truncation shows here before it silently hides files.

A truncated image (an interrupted copy, a partial download) still opens: the directory tree may
even list files whose data lies past the end. Their reads then come back short or empty, and the
collectors would report "not found" rather than "unreadable". These checks compare what the
volume's own boot sector and the partition table declare with what the image holds.
"""

from __future__ import annotations

from typing import Any

from scamscope.triage.types import Problem


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def _ntfs_truncation(vol: Any) -> Problem | None:
    """Compare an NTFS volume's declared size (its boot sector, read with dissect.ntfs's structure) with what is there.

    Works on volumes dissect could not mount too: cut before its file table, an NTFS volume has no
    filesystem for dissect, but its boot sector still says how big it was.
    """
    from dissect.ntfs.c_ntfs import NTFS_SIGNATURE, c_ntfs

    try:
        vol.seek(0)
        boot = c_ntfs.BOOT_SECTOR(vol)
        if boot.Oem != NTFS_SIGNATURE:
            return None
        sector = int(boot.Bpb.BytesPerSector) or 512
        declared, held = int(boot.NumberSectors) * sector, int(vol.size)
    except Exception:
        return None
    if held + sector >= declared:  # NTFS keeps a backup boot sector in the last sector, outside NumberSectors
        return None
    missing = 100 * (declared - held) / declared
    return Problem("disk image", f"truncated: the NTFS volume declares {_mb(declared)} but the image holds {_mb(held)} "
                   f"({missing:.0f}% missing); files stored in the missing part cannot be read and may be reported as absent",
                   severity="error")


def image_problems(target: Any) -> list[Problem]:
    """Problems (severity "error") for partitions past the end of their disk and NTFS volumes cut short."""
    out: list[Problem] = []
    for disk in getattr(target, "disks", []) or []:
        size = getattr(disk, "size", None)
        for vol in getattr(target, "volumes", []) or []:
            if getattr(vol, "disk", None) is not disk or size is None:
                continue
            offset, vsize = getattr(vol, "offset", 0) or 0, getattr(vol, "size", 0) or 0
            if offset + vsize > size:
                out.append(Problem("disk image", f"truncated: partition {getattr(vol, 'name', '') or ''} at offset {offset} declares "
                                   f"{_mb(vsize)} but the image ends after {_mb(size)}; data past the end is missing", severity="error"))
    for vol in getattr(target, "volumes", []) or []:
        problem = _ntfs_truncation(vol)
        if problem:
            out.append(problem)
    return out


def truncation_hint(path: Any) -> str | None:
    """Why an image dissect found no system in may be damaged: its truncation, if the structures show one."""
    try:
        from dissect.target import Target

        problems = image_problems(Target.open(path))
    except Exception:
        return None
    return problems[0].message if problems else None
