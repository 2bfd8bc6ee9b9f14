"""Installed software: Uninstall registry keys (HKLM and every user's HKCU, incl. WOW6432Node),
services installed (System event 7045) and Windows Installer events (Application log, MsiInstaller).

Registry: dissect's registry plugin when the target has one (full images); every user hive it did
not map (partial collections, profiles missing from ProfileList) is opened directly with
dissect's regf reader (``regutil.RegfHive``). Event logs are read once for every collector by
:mod:`scamscope.triage.remote.eventlog`, which hands the 7045 and MsiInstaller records to
:func:`services_installed` and :func:`msi_installs` here. Each entry is matched against
data/remote_tools.toml and data/fake_software.toml (:mod:`scamscope.triage.matching`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from scamscope.triage.collectors._util import apply_match, aware, child, display_path, guarded, software_event, text
from scamscope.triage.context import TriageContext
from scamscope.triage.matching import match_program
from scamscope.triage.remote.common import reason, shown_path
from scamscope.triage.types import NO_SOFTWARE_HIVE, Collected, Problem, Ref, Software

UNINSTALL = "Microsoft\\Windows\\CurrentVersion\\Uninstall"
HKLM_KEYS = (f"HKLM\\SOFTWARE\\{UNINSTALL}", f"HKLM\\SOFTWARE\\WOW6432Node\\{UNINSTALL}")
USER_KEYS = (f"Software\\{UNINSTALL}", f"Software\\WOW6432Node\\{UNINSTALL}")

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
    """Uninstall keys; services and MSI installs come from the one event log pass (:func:`services_installed`, :func:`msi_installs`)."""
    out = Collected()
    guarded(out, "Uninstall keys", _uninstall_entries, ctx, out)
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
        _read_user_hive(out, hive_path, home.name, shown_path(ctx, hive_path))
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
        out.problems.append(Problem("registry", f"{path}: {reason(exc)}"))
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


def _read_user_hive(out: Collected, path: Any, user: str, shown: str) -> None:
    from dissect.target.helpers.regutil import RegfHive

    try:
        hive = RegfHive(path)
    except Exception as exc:
        out.problems.append(Problem("NTUSER.DAT", f"not a readable registry hive ({reason(exc)})", shown))
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
            out.problems.append(Problem("NTUSER.DAT", f"{key_path}: {reason(exc)}", shown))
            continue
        _add_uninstall_key(out, key, shown, "NTUSER.DAT", user)


def _add_uninstall_key(out: Collected, key: Any, hive_path: str, hive_label: str, user: str | None) -> None:
    try:
        subkeys = list(key.subkeys())
    except Exception as exc:
        out.problems.append(Problem(hive_label, f"Uninstall key unreadable: {reason(exc)}", hive_path))
        return
    for sub in subkeys:
        try:
            _add_uninstall_entry(out, sub, hive_path, hive_label, user)
        except Exception as exc:  # one damaged entry never hides the others
            out.problems.append(Problem(hive_label, f"Uninstall entry {getattr(sub, 'name', '?')}: {reason(exc)}", hive_path))


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


def _ts(event: dict[str, Any]) -> datetime | None:
    return aware(event.get("TimeCreated_SystemTime"))


def services_installed(out: Collected, events: list[dict[str, Any]], sids: dict[str, str]) -> None:
    """Service Control Manager 7045 records (plain values, ``_file`` / ``_path`` of their log) -> services installed."""
    for ev in events:
        ts = _ts(ev)
        name = text(ev.get("ServiceName"), 300) or text(ev.get("param1"), 300)
        if ts is None or not name:
            continue
        image = text(ev.get("ImagePath"), 1000) or text(ev.get("param2"), 1000)
        sid = text(ev.get("Security_UserID"), 200)
        sw = Software(
            name=name, evidence="service", ref=Ref(ev["_file"], ev["_path"], _int(ev.get("EventRecordID"))),
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


def msi_installs(out: Collected, records: list[dict[str, Any]], sids: dict[str, str]) -> None:
    """MsiInstaller records of the Application log (plain values, ``_file`` / ``_path``) -> installs, removals."""
    events = []
    for ev in records:
        eid = _int(ev.get("EventID"))
        if eid in MSI_IDS:
            events.append(ev | {"EventID": eid})
    # 1033/1034 carry the product fields; 11707/11724 repeat them as a sentence a moment later
    detailed = {(ev["EventID"], _data(ev)[0].lower()) for ev in events if ev["EventID"] in (MSI_INSTALLED, MSI_REMOVED) and _data(ev)}
    for ev in events:
        ts = _ts(ev)
        if ts is None:
            continue
        eid, data = ev["EventID"], _data(ev)
        sid = text(ev.get("Security_UserID"), 200)
        ref = Ref(ev["_file"], ev["_path"], _int(ev.get("EventRecordID")))
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
