"""Programs run or installed: Amcache.hve and Prefetch.

Amcache: ``Windows/AppCompat/Programs/Amcache.hve`` (or a loose ``Amcache.hve`` at the top of a
collection) opened with dissect's regf reader and parsed by dissect's amcache plugin code
(InventoryApplicationFile / InventoryApplication on Windows 10+, File / Programs before).
Transaction logs (``.LOG1``/``.LOG2``) are not replayed: dissect.regf reads the primary file only.
Prefetch: ``Windows/Prefetch/*.pf`` parsed by dissect's prefetch parser (incl. Windows 10
MAM-compressed files, which dissect decompresses; no such sample was at hand to test). Each program becomes a :class:`Software` and timeline events, matched
against the remote tools and fake security software data.
"""

from __future__ import annotations

from typing import Any

from scamscope.triage.collectors._util import (
    apply_match,
    aware,
    child,
    guarded,
    software_event,
    text,
    user_of_path,
)
from scamscope.triage.context import TriageContext
from scamscope.triage.matching import basename, match_program
from scamscope.triage.remote.common import reason, shown_path
from scamscope.triage.types import Collected, Problem, Ref, Software

AMCACHE_PATHS = (("Windows", "AppCompat", "Programs", "Amcache.hve"), ("Amcache.hve",))
MAX_PREFETCH = 5000


def collect(ctx: TriageContext) -> Collected:
    out = Collected()
    guarded(out, "Amcache.hve", _amcache, ctx, out)
    guarded(out, "Prefetch", _prefetch, ctx, out)
    return out


# --- Amcache ------------------------------------------------------------------------------------------


def find_amcache(ctx: TriageContext) -> Any:
    """The Amcache.hve of the target: its Windows path, else a loose copy at the top or one level down."""
    for parts in AMCACHE_PATHS:
        path = child(ctx.root, *parts)
        if path is not None and _is_file(path):
            return path
    try:
        for sub in sorted(ctx.root.iterdir(), key=lambda p: p.name):
            path = child(sub, "Amcache.hve") if sub.is_dir() else None
            if path is not None and _is_file(path):
                return path
    except Exception:
        pass
    return None


def _is_file(path: Any) -> bool:
    try:
        return path.is_file()
    except Exception:
        return False


def _amcache_plugin(path: Any) -> Any:
    """dissect's AmcachePlugin parsing ``path``. It is bound to an empty dissect Target: the
    plugin's constructor needs %windir% (which a partial collection lacks), and its records look
    up the host name of their target for every entry (slow on a target without a registry)."""
    from dissect.target import Target
    from dissect.target.helpers import regutil
    from dissect.target.plugins.os.windows.amcache import AmcachePlugin

    hive = regutil.RegfHive(path)  # raises for a file that is not a registry hive
    plugin = AmcachePlugin.__new__(AmcachePlugin)
    plugin.target = Target()
    plugin.amcache = regutil.HiveCollection([hive])
    plugin.amcache_applaunch = False
    return plugin


def _amcache(ctx: TriageContext, out: Collected) -> None:
    path = find_amcache(ctx)
    if path is None:
        out.problems.append(Problem("Amcache.hve", "absent: program execution/installation inventory unknown", severity="info"))
        return
    shown = shown_path(ctx, path)
    try:
        plugin = _amcache_plugin(path)
    except Exception as exc:
        out.problems.append(Problem("Amcache.hve", f"not a readable registry hive ({reason(exc)})", shown))
        return
    out.sources_read.append(Ref("Amcache.hve", shown))
    for section, method, add in (
        ("InventoryApplicationFile", plugin.parse_inventory_application_file, _add_file),
        ("InventoryApplication", plugin.parse_inventory_application, _add_application),
        ("File", plugin.parse_file, _add_old_file),
        ("Programs", plugin.parse_programs, _add_old_program),
    ):
        if not _has_key(plugin, f"Root\\{section}"):
            continue
        n = 0
        try:
            for record in method():
                n += 1
                try:
                    add(out, record, Ref(f"Amcache.hve {section}", shown))
                except Exception as exc:
                    out.problems.append(Problem("Amcache.hve", f"{section} entry: {reason(exc)}", shown))
        except (Exception, RecursionError) as exc:
            out.problems.append(
                Problem("Amcache.hve", f"{section} corrupt after {n} entries ({reason(exc)})", shown)
            )


def _has_key(plugin: Any, key: str) -> bool:
    try:
        plugin.amcache.key(key)
        return True
    except Exception:
        return False


def _path_str(value: Any) -> str | None:
    s = text(value, 1000)
    return None if s in (None, ".", "None") else s


def _add_file(out: Collected, r: Any, ref: Ref) -> None:
    """InventoryApplicationFile: an executable Windows saw (run, or installed by a program)."""
    path = _path_str(r.path)
    name = text(r.name, 300) or basename(path or "")
    if not name:
        return
    ts = aware(r.mtime_regf)
    sw = Software(
        name=name, evidence="amcache", ref=ref, version=text(r.version, 100), publisher=text(r.publisher, 200),
        path=path, user=user_of_path(path), last_run=ts,
    )
    apply_match(sw, match_program(name, path) or match_program(text(r.product_name, 300)))
    out.software.append(sw)
    if ts is not None:
        sha1 = getattr(getattr(r, "digest", None), "sha1", None)
        out.events.append(
            software_event(
                sw, ts, "software.executed", "Amcache Entry Written", f"Amcache: {path or name}",
                product=text(r.product_name, 300), sha1=sha1, link_date=_iso(r.link_date), size=_int(r.size),
                note="Amcache lists files Windows saw run or installed; the key time is close to the first run",
            )
        )


def _add_application(out: Collected, r: Any, ref: Ref) -> None:
    """InventoryApplication: an installed program (MSI, AppX, setup with an Uninstall key)."""
    name = text(r.name, 300)
    if not name:
        return
    root = _path_str(r.root_dir_path)
    installed = aware(r.install_date)
    written = aware(r.mtime_regf)
    sw = Software(
        name=name, evidence="amcache", ref=ref, publisher=text(r.publisher, 200), path=root,
        user=user_of_path(root), installed=installed or written,
    )
    apply_match(sw, match_program(name, None))
    out.software.append(sw)
    ts = installed or written
    if ts is not None:
        out.events.append(
            software_event(
                sw, ts, "software.installed", "Install Time (Amcache)" if installed else "Amcache Entry Written",
                f"Amcache application: {name}", source=text(r.source, 100), type=text(r.type, 100),
                uninstall_string=text(r.uninstall_string, 500), registry_key=text(r.registry_key_path, 500),
            )
        )


def _add_old_file(out: Collected, r: Any, ref: Ref) -> None:
    """Root\\File (Windows 7/8 Amcache)."""
    path = _path_str(r.path)
    if not path:
        return
    ts = aware(r.mtime_regf)
    sw = Software(
        name=basename(path), evidence="amcache", ref=ref, publisher=text(r.company_name, 200), path=path,
        user=user_of_path(path), last_run=ts,
    )
    apply_match(sw, match_program(text(r.product_name, 300) or basename(path), path))
    out.software.append(sw)
    if ts is not None:
        out.events.append(software_event(sw, ts, "software.executed", "Amcache Entry Written", f"Amcache: {path}", product=text(r.product_name, 300)))


def _add_old_program(out: Collected, r: Any, ref: Ref) -> None:
    """Root\\Programs (Windows 7/8 Amcache); the per-file duplicates of a program are skipped."""
    name = text(r.name, 300)
    if not name or r.path is not None:
        return
    installed = aware(r.install_date)
    sw = Software(name=name, evidence="amcache", ref=ref, version=text(r.version, 100), publisher=text(r.publisher, 200), installed=installed)
    apply_match(sw, match_program(name, None))
    out.software.append(sw)
    ts = installed or aware(r.mtime_regf)
    if ts is not None:
        out.events.append(software_event(sw, ts, "software.installed", "Install Time (Amcache)", f"Amcache program: {name}"))


def _iso(value: Any) -> str | None:
    ts = aware(value)
    return ts.isoformat() if ts else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Prefetch -----------------------------------------------------------------------------------------


def _prefetch(ctx: TriageContext, out: Collected) -> None:
    folder = child(ctx.root, "Windows", "Prefetch")
    if folder is None:
        out.problems.append(Problem("Prefetch", "absent: program executions from Prefetch unknown", severity="info"))
        return
    try:
        files = sorted((p for p in folder.iterdir() if p.name.lower().endswith(".pf")), key=lambda p: p.name)
    except Exception as exc:
        out.problems.append(Problem("Prefetch", f"folder unreadable ({reason(exc)}): program executions unknown", shown_path(ctx, folder), severity="error"))
        return
    if not files:
        out.problems.append(Problem("Prefetch", "folder is empty (Prefetch disabled, or cleared)", shown_path(ctx, folder), severity="info"))
    for path in files[:MAX_PREFETCH]:
        _read_pf(out, path, shown_path(ctx, path))
    if len(files) > MAX_PREFETCH:
        out.problems.append(Problem("Prefetch", f"read the first {MAX_PREFETCH} of {len(files)} files", shown_path(ctx, folder)))


def _read_pf(out: Collected, path: Any, shown: str) -> None:
    from dissect.target.plugins.os.windows.prefetch import Prefetch

    try:
        with path.open("rb") as fh:
            pf = Prefetch(fh)
            exe = pf.header.name.decode("utf-16-le", errors="ignore").split("\x00")[0].strip()
            last = aware(pf.latest_timestamp)
            previous = [t for t in (aware(t) for t in pf.previous_timestamps) if t is not None]
            runs = _int(pf.fn.run_count)
            metrics = [m for m in (pf.metrics or []) if isinstance(m, str)]
    except Exception as exc:
        out.problems.append(Problem("Prefetch", f"{path.name}: not a readable prefetch file ({reason(exc)})", shown))
        return
    out.sources_read.append(Ref("Prefetch", shown))
    if not exe:
        return
    full = next((m for m in metrics if m.upper().endswith("\\" + exe.upper())), None)
    sw = Software(name=exe, evidence="prefetch", ref=Ref("Prefetch", shown), path=full, user=user_of_path(full), last_run=last)
    apply_match(sw, match_program(exe, full or exe))
    out.software.append(sw)
    for i, ts in enumerate([last, *previous]):
        if ts is None:
            continue
        desc = "Last Executed" if i == 0 else "Previous Execution"
        out.events.append(software_event(sw, ts, "software.executed", desc, f"Prefetch: {exe} run", run_count=runs, prefetch=path.name))

