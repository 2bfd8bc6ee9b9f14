"""Installed software: Uninstall registry keys (HKLM and every user's HKCU, incl. WOW6432Node),
services installed (System event 7045) and Windows Installer events (Application log, MsiInstaller).

Registry: dissect's registry plugin when the target has one (full images); every user hive it did
not map (partial collections, profiles missing from ProfileList) is opened directly with
dissect's regf reader (``regutil.RegfHive``). Event logs: read with dissect's EVTX parser
(``dissect.eventlog``) from ``Windows/System32/winevt/Logs``. Each entry is matched against
data/remote_tools.toml and data/fake_software.toml (:mod:`scamscope.triage.matching`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from scamscope.triage.collectors._util import apply_match, aware, child, display_path, guarded, software_event, text
from scamscope.triage.context import TriageContext
from scamscope.triage.matching import match_program
from scamscope.triage.types import NO_SOFTWARE_HIVE, Collected, Problem, Ref, Software

UNINSTALL = "Microsoft\\Windows\\CurrentVersion\\Uninstall"
HKLM_KEYS = (f"HKLM\\SOFTWARE\\{UNINSTALL}", f"HKLM\\SOFTWARE\\WOW6432Node\\{UNINSTALL}")
USER_KEYS = (f"Software\\{UNINSTALL}", f"Software\\WOW6432Node\\{UNINSTALL}")
LOGS_DIR = ("Windows", "System32", "winevt", "Logs")
MAX_EVENTS = 2_000_000  # per log file

# MsiInstaller event IDs (Microsoft: "Windows Installer event logging")
MSI_INSTALLED = 1033  # Data: product name, version, language, status, manufacturer
MSI_REMOVED = 1034  # same layout
MSI_BEGIN = 1040  # Data: package path, client process id
MSI_INSTALL_DONE = 11707  # "Product: NAME -- Installation completed successfully."
MSI_INSTALL_FAILED = 11708  # "Product: NAME -- Installation failed."
MSI_REMOVE_DONE = 11724  # "Product: NAME -- Removal completed successfully."
MSI_IDS = {MSI_INSTALLED, MSI_REMOVED, MSI_BEGIN, MSI_INSTALL_DONE, MSI_INSTALL_FAILED, MSI_REMOVE_DONE}
SERVICE_INSTALLED = 7045

_PRODUCT = re.compile(r"^Product: (.+?) -- ", re.S)
_EXE = re.compile(r'^\s*"([^"]+)"|^\s*(\S.*?\.(?:exe|sys|dll|com|bat|cmd|ps1|msi))(?=\s|,|$)', re.I)


def collect(ctx: TriageContext) -> Collected:
    out = Collected()
    guarded(out, "Uninstall keys", _uninstall_entries, ctx, out)
    sids = {h.sid: h.name for h in ctx.user_homes() if h.sid}
    logs = _logs_dir(ctx)
    guarded(out, "System.evtx", _services, out, logs, sids)
    guarded(out, "Application.evtx", _msi, out, logs, sids)
    return out


# --- Uninstall keys -----------------------------------------------------------------------------------


def _uninstall_entries(ctx: TriageContext, out: Collected) -> None:
    mapped: set[str] = set()
    registry = _registry(ctx)
    if registry is None:
        out.problems.append(
            Problem(NO_SOFTWARE_HIVE, "no registry in the target (SOFTWARE hive missing): machine-wide installed programs unknown", severity="info")
        )
    else:
        for path in HKLM_KEYS:
            for key in _keys(registry, path, out):
                _add_uninstall_key(out, key, _hive_path(key, "HKLM\\SOFTWARE"), "SOFTWARE hive", None)
        for path in (f"HKCU\\{k}" for k in USER_KEYS):
            for key in _keys(registry, path, out):
                user = _registry_user(registry, key)
                _add_uninstall_key(out, key, _hive_path(key, "HKCU"), "NTUSER.DAT", user)
        try:  # after the HKCU queries: dissect maps the user hives on first use
            hives = [(name, display_path(p)) for name, _, p in registry.iterhives() if p is not None]
        except Exception:
            hives = []
        mapped = {p.lower() for _, p in hives}
        out.sources_read.extend(Ref(f"registry hive {name}", p) for name, p in hives)
    found = 0
    for home in ctx.user_homes():
        hive_path = child(home.home, "NTUSER.DAT")
        if hive_path is None:
            continue
        found += 1
        if display_path(hive_path).lower() in mapped:
            continue  # already read through dissect's registry
        _read_user_hive(out, hive_path, home.name)
    if not found:
        out.problems.append(Problem("Uninstall (HKCU)", "no NTUSER.DAT found in any user profile", severity="info"))


def _registry(ctx: TriageContext) -> Any:
    try:
        if ctx.is_windows and ctx.target.has_function("registry"):
            return ctx.target.registry
    except Exception:
        pass
    return None


def _keys(registry: Any, path: str, out: Collected) -> list[Any]:
    """The keys at ``path`` in every hive mapped there (``registry.key``: unlike ``registry.keys`` it
    does not expand control sets, which fails when the SYSTEM hive is missing)."""
    from dissect.target.exceptions import HiveUnavailableError, RegistryKeyNotFoundError

    try:
        return list(registry.key(path))
    except (RegistryKeyNotFoundError, HiveUnavailableError):
        return []
    except Exception as exc:
        out.problems.append(Problem("registry", f"{path}: {type(exc).__name__}: {str(exc)[:160]}"))
        return []


def _registry_user(registry: Any, key: Any) -> str | None:
    try:
        user = registry.get_user(key)
        return getattr(user, "name", None) if user is not None else None
    except Exception:
        return None


def _hive_path(key: Any, fallback: str) -> str:
    path = getattr(getattr(key, "hive", None), "filepath", None)
    return display_path(path) if path is not None else fallback


def _read_user_hive(out: Collected, path: Any, user: str) -> None:
    from dissect.target.helpers.regutil import RegfHive

    shown = display_path(path)
    try:
        hive = RegfHive(path)
    except Exception as exc:
        out.problems.append(Problem("NTUSER.DAT", f"not a readable registry hive ({type(exc).__name__}: {str(exc)[:160]})", shown))
        return
    out.sources_read.append(Ref("NTUSER.DAT", shown))
    user_uninstall_entries(out, hive, shown, user)


def user_uninstall_entries(out: Collected, hive: Any, shown: str, user: str | None) -> None:
    """The per-user Uninstall entries of one user hive (any dissect ``regutil`` hive)."""
    from dissect.target.exceptions import RegistryKeyNotFoundError

    for key_path in USER_KEYS:
        try:
            key = hive.key(key_path)
        except RegistryKeyNotFoundError:
            continue
        except Exception as exc:
            out.problems.append(Problem("NTUSER.DAT", f"{key_path}: {type(exc).__name__}: {str(exc)[:160]}", shown))
            continue
        _add_uninstall_key(out, key, shown, "NTUSER.DAT", user)


def _add_uninstall_key(out: Collected, key: Any, hive_path: str, hive_label: str, user: str | None) -> None:
    try:
        subkeys = list(key.subkeys())
    except Exception as exc:
        out.problems.append(Problem(hive_label, f"Uninstall key unreadable: {type(exc).__name__}: {str(exc)[:160]}", hive_path))
        return
    for sub in subkeys:
        try:
            _add_uninstall_entry(out, sub, hive_path, hive_label, user)
        except Exception as exc:  # one damaged entry never hides the others
            out.problems.append(Problem(hive_label, f"Uninstall entry {getattr(sub, 'name', '?')}: {type(exc).__name__}: {str(exc)[:120]}", hive_path))


def _add_uninstall_entry(out: Collected, sub: Any, hive_path: str, hive_label: str, user: str | None) -> None:
    values: dict[str, Any] = {}
    for value in sub.values():
        try:
            values[value.name] = value.value
        except Exception:
            continue
    name = text(values.get("DisplayName"), 300)
    match = match_program(name or sub.name, _exe_of(values))
    if not name and match is None:
        return  # hotfix / component keys without a display name
    written = aware(getattr(sub, "timestamp", None))
    install_date = _install_date(text(values.get("InstallDate"), 20))
    where = "HKCU" if user is not None or hive_label == "NTUSER.DAT" else "HKLM"
    sw = Software(
        name=name or sub.name,
        evidence="uninstall_entry",
        ref=Ref(f"Uninstall key ({hive_label})", f"{hive_path}: {_key_path(sub)}"),
        version=text(values.get("DisplayVersion"), 100),
        publisher=text(values.get("Publisher"), 200),
        path=text(values.get("InstallLocation"), 500) or _exe_of(values),
        user=user,
        installed=written or install_date,
    )
    apply_match(sw, match)
    out.software.append(sw)
    ts = written or install_date
    if ts is not None:
        desc = "Uninstall Key Last Written" if written else "Install Date"
        out.events.append(
            software_event(
                sw, ts, "software.installed", desc, f"Installed ({where}): {sw.name}" + (f" {sw.version}" if sw.version else ""),
                install_date=text(values.get("InstallDate"), 20), uninstall_string=text(values.get("UninstallString"), 500),
                key=sub.name, hive=where,
            )
        )


def _key_path(key: Any) -> str:
    try:
        return str(key.path)
    except Exception:
        return str(getattr(key, "name", ""))


def _exe_of(values: dict[str, Any]) -> str | None:
    for name in ("DisplayIcon", "UninstallString"):
        path = exe_path(text(values.get(name), 500))
        if path:
            return path
    return None


def exe_path(command: str | None) -> str | None:
    """The program path of a command line / icon reference (``"C:\\x\\a.exe" --svc``, ``C:\\x\\a.exe,0``)."""
    if not command:
        return None
    m = _EXE.match(command)
    if not m:
        return None
    return (m.group(1) or m.group(2)).strip()


def _install_date(value: str | None) -> datetime | None:
    """``InstallDate`` (YYYYMMDD, a local date) -> midnight UTC of that date."""
    if not value or not re.fullmatch(r"\d{8}", value):
        return None
    try:
        return datetime.strptime(value, "%Y%m%d").replace(tzinfo=UTC)
    except ValueError:
        return None


# --- event logs ---------------------------------------------------------------------------------------


def _logs_dir(ctx: TriageContext) -> Any:
    return child(ctx.root, *LOGS_DIR)


def iter_evtx(out: Collected, path: Any, label: str, wanted: set[int]) -> Iterator[dict[str, Any]]:
    """Events of ``path`` whose EventID is in ``wanted``, as dicts of plain values (dissect's
    ``format_value``); a corrupt or truncated log gives what was read plus a problem."""
    from dissect.eventlog import evtx
    from dissect.target.plugins.os.windows.log.evtx import format_value

    shown = display_path(path)
    try:
        fh = path.open("rb")
    except Exception as exc:
        out.problems.append(Problem(label, f"cannot be opened: {type(exc).__name__}: {str(exc)[:160]}", shown))
        return
    seen = 0
    try:
        with fh:
            log = evtx.Evtx(fh)
            if bytes(log.header.magic) != b"ElfFile\x00":
                out.problems.append(Problem(label, "not an EVTX event log (bad signature)", shown))
                return
            out.sources_read.append(Ref(label, shown))
            _check_size(out, path, log.header, label, shown)
            for record in log:
                seen += 1
                if seen > MAX_EVENTS:
                    out.problems.append(Problem(label, f"stopped after {MAX_EVENTS:,} events", shown))
                    return
                try:
                    event_id = int(format_value(record.get("EventID")) or -1)
                except (TypeError, ValueError):
                    continue
                if event_id in wanted:
                    yield {k: format_value(v) for k, v in record.items()} | {"EventID": event_id}
    except (Exception, RecursionError) as exc:
        out.problems.append(
            Problem(label, f"corrupt or truncated after {seen:,} events ({type(exc).__name__}: {str(exc)[:120]}); events before it kept", shown)
        )


def _check_size(out: Collected, path: Any, header: Any, label: str, shown: str) -> None:
    """dissect stops quietly at a short chunk: say so when the file holds fewer chunks than its header counts."""
    try:
        size = path.stat().st_size
        expected = int(header.header_block_size) + int(header.num_chunks) * 0x10000
    except Exception:
        return
    if size < expected:
        have = max(0, (size - int(header.header_block_size)) // 0x10000)
        out.problems.append(
            Problem(label, f"truncated: {size:,} bytes hold {have} of the {int(header.num_chunks)} chunks the header counts; events of the missing chunks are lost", shown)
        )


def _log(out: Collected, logs: Any, name: str, what: str) -> Any:
    path = child(logs, name) if logs is not None else None
    if path is None:
        out.problems.append(Problem(name, f"event log absent: {what} unknown", severity="info"))
    return path


def _ts(event: dict[str, Any]) -> datetime | None:
    return aware(event.get("TimeCreated_SystemTime"))


def _services(out: Collected, logs: Any, sids: dict[str, str]) -> None:
    path = _log(out, logs, "System.evtx", "services installed (7045)")
    if path is None:
        return
    shown = display_path(path)
    for ev in iter_evtx(out, path, "System.evtx", {SERVICE_INSTALLED}):
        if "service control manager" not in (text(ev.get("Provider_Name")) or "").lower():
            continue
        ts = _ts(ev)
        name = text(ev.get("ServiceName"), 300) or text(ev.get("param1"), 300)
        if ts is None or not name:
            continue
        image = text(ev.get("ImagePath"), 1000) or text(ev.get("param2"), 1000)
        sid = text(ev.get("Security_UserID"), 200)
        sw = Software(
            name=name, evidence="service", ref=Ref("System.evtx", shown, _int(ev.get("EventRecordID"))),
            path=exe_path(image) or image, user=sids.get(sid or ""), installed=ts,
        )
        apply_match(sw, match_program(name, exe_path(image)))
        out.software.append(sw)
        out.events.append(
            software_event(
                sw, ts, "service.installed", "Service Installed", f"Service installed: {name} ({image})",
                image_path=image, service_type=text(ev.get("ServiceType")), start_type=text(ev.get("StartType")),
                account=text(ev.get("AccountName")), sid=sid, event_id=SERVICE_INSTALLED,
            )
        )


def _msi(out: Collected, logs: Any, sids: dict[str, str]) -> None:
    path = _log(out, logs, "Application.evtx", "Windows Installer (MSI) installs")
    if path is None:
        return
    shown = display_path(path)
    events = [ev for ev in iter_evtx(out, path, "Application.evtx", MSI_IDS) if "msiinstaller" in (text(ev.get("Provider_Name")) or "").lower()]
    # 1033/1034 carry the product fields; 11707/11724 repeat them as a sentence a moment later
    detailed = {(ev["EventID"], _data(ev)[0].lower()) for ev in events if ev["EventID"] in (MSI_INSTALLED, MSI_REMOVED) and _data(ev)}
    for ev in events:
        ts = _ts(ev)
        if ts is None:
            continue
        eid, data = ev["EventID"], _data(ev)
        sid = text(ev.get("Security_UserID"), 200)
        ref = Ref("Application.evtx", shown, _int(ev.get("EventRecordID")))
        common = {"event_id": eid, "sid": sid, "data": data[:8]}
        if eid in (MSI_INSTALLED, MSI_REMOVED):
            if not data:
                continue
            name, version, manufacturer = data[0], _at(data, 1), _at(data, 4)
            status = _at(data, 3)
        else:
            m = _PRODUCT.match(data[0]) if data else None
            if eid == MSI_BEGIN:
                name, version, manufacturer, status = (data[0] if data else ""), None, None, None
            elif m is None:
                continue
            else:
                name, version, manufacturer, status = m.group(1).strip(), None, None, None
                if (MSI_INSTALLED if eid == MSI_INSTALL_DONE else MSI_REMOVED, name.lower()) in detailed:
                    continue  # already recorded from its 1033 / 1034 twin
        if not name:
            continue
        if eid == MSI_BEGIN:  # the package being installed (an .msi the victim ran?): a Software only when it matched
            sw = Software(name=_base(name), evidence="msi", ref=ref, path=name, user=sids.get(sid or ""), installed=ts)
            apply_match(sw, match_program(_base(name), name))
            if sw.category:
                out.software.append(sw)
            out.events.append(software_event(sw, ts, "msi.transaction", "Installer Transaction Start", f"Windows Installer started: {name}", **common))
            continue
        sw = Software(name=name, evidence="msi", ref=ref, version=version, publisher=manufacturer, user=sids.get(sid or ""), installed=ts)
        apply_match(sw, match_program(name))
        if eid in (MSI_INSTALLED, MSI_INSTALL_DONE):
            out.software.append(sw)
            kind, desc, verb = "msi.installed", "Install Time", "installed"
        elif eid == MSI_INSTALL_FAILED:
            kind, desc, verb = "msi.install_failed", "Install Failed", "installation failed"
        else:
            kind, desc, verb = "msi.removed", "Uninstall Time", "removed"
        out.events.append(
            software_event(sw, ts, kind, desc, f"Windows Installer {verb}: {name}" + (f" {version}" if version else ""), status=status, **common)
        )


def _data(ev: dict[str, Any]) -> list[str]:
    value = ev.get("Data")
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [text(v, 1000) or "" for v in items]


def _at(items: list[str], i: int) -> str | None:
    v = items[i] if i < len(items) else None
    return None if v in (None, "", "(NULL)") else v


def _base(path: str) -> str:
    return re.split(r"[\\/]", path)[-1]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
