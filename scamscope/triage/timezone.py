"""The PC's time zone from its SYSTEM hive alone, with where it came from and how sure it is.

``HKLM\\SYSTEM\\<CurrentControlSet>\\Control\\TimeZoneInformation`` says it in two ways:

- ``TimeZoneKeyName`` (Windows Vista and later), e.g. ``Pacific Standard Time``: mapped to IANA with
  the CLDR table dissect ships (``dissect.target.helpers.localeutil.WINDOWS_ZONE_MAP``);
- ``StandardName`` + ``Bias`` (older Windows), where ``StandardName`` may be a resource string such as
  ``@tzres.dll,-112`` (translated with dissect's ``MUI_TZ_MAP``). The name is mapped to IANA when the
  zone's standard offset agrees with ``Bias``; otherwise the offset of ``Bias`` is used as a fixed
  zone, with a warning when the PC also kept daylight saving time (summer times may then be 1 h off).

dissect's own ``target.datetime.tzinfo`` needs the SOFTWARE hive's ``Time Zones`` key and falls back
to UTC without a word when that is missing; nothing here needs SOFTWARE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

KEY = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\TimeZoneInformation"


@dataclass(frozen=True)
class ZoneReading:
    """A time zone and how it was obtained."""

    zone: tzinfo
    source: str  # "registry TimeZoneKeyName", "registry StandardName+Bias", "registry Bias", "--tz"
    confidence: str  # "high", "medium", "low"
    detail: str  # what was read, for the examiner


@dataclass
class ZoneDecision:
    """The zone used for the triage, and the warnings about it (conflicts, guesses)."""

    reading: ZoneReading | None
    registry: ZoneReading | None = None
    warnings: list[str] = field(default_factory=list)


def zone_label(zone: tzinfo) -> str:
    return str(getattr(zone, "key", None) or zone)


def _signed(value: Any) -> int | None:
    """A REG_DWORD bias as minutes (``DaylightBias`` -60 is stored as 4294967236)."""
    if value is None:
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n - 2**32 if n >= 2**31 else n


def _text(value: Any) -> str:
    return str(value or "").replace("\x00", "").strip()


def _offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def english_name(name: str) -> str:
    """``@tzres.dll,-112`` -> ``Eastern Standard Time``; other names unchanged."""
    if name.startswith("@") and ",-" in name:
        from dissect.target.helpers.mui import MUI_TZ_MAP

        try:
            return MUI_TZ_MAP.get(int(name.rsplit(",-", 1)[1]), name)
        except ValueError:
            return name
    return name


def iana_for(windows_name: str) -> ZoneInfo | None:
    from dissect.target.helpers.localeutil import WINDOWS_ZONE_MAP

    iana = WINDOWS_ZONE_MAP.get(windows_name)
    if not iana:
        return None
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def standard_offset_agrees(zone: tzinfo, minutes: int, years: range | None = None) -> bool:
    """Whether ``zone`` had the standard (non-DST) offset ``minutes`` east of UTC in any recent year
    (zones change their offset now and then; a hive may be older than the change)."""
    for year in years or range(2000, datetime.now(UTC).year + 1):
        for month in (1, 7):
            dt = datetime(year, month, 15, 12, tzinfo=zone)
            if dt.dst() == timedelta(0) and dt.utcoffset() == timedelta(minutes=minutes):
                return True
    return False


def _has_dst(values: Mapping[str, Any]) -> bool:
    """The PC kept daylight saving time: a DaylightStart month is set and automatic adjustment is on."""
    start = values.get("DaylightStart")
    month = int.from_bytes(start[2:4], "little") if isinstance(start, bytes | bytearray) and len(start) >= 4 else 0
    return month != 0 and not _signed(values.get("DynamicDaylightTimeDisabled"))


def zone_from_values(values: Mapping[str, Any]) -> tuple[ZoneReading | None, list[str]]:
    """The zone the ``TimeZoneInformation`` values say, and warnings (conflicts between its values)."""
    warnings: list[str] = []
    bias = _signed(values.get("Bias"))  # UTC = local time + Bias
    key_name = _text(values.get("TimeZoneKeyName"))
    std_raw = _text(values.get("StandardName"))
    std_name = english_name(std_raw)
    auto_dst_off = bool(_signed(values.get("DynamicDaylightTimeDisabled")))
    if auto_dst_off and bias is not None:
        # the clock was not moved for summer time: the IANA zone would add an hour the PC never had
        warnings.append(f"automatic daylight saving adjustment was off on the PC: times were converted with the fixed offset "
                        f"{_offset(-bias)} (Bias {bias}) rather than the rules of {key_name or std_name or 'its zone'}")
        return ZoneReading(timezone(timedelta(minutes=-bias)), "registry Bias (DST adjustment off)", "medium",
                           f"Bias {bias}, DynamicDaylightTimeDisabled 1"), warnings
    if key_name:
        zone = iana_for(key_name)
        if zone is not None:
            detail = f"TimeZoneKeyName {key_name!r} -> {zone.key}"
            if bias is not None and not standard_offset_agrees(zone, -bias):
                warnings.append(f"the registry's TimeZoneKeyName {key_name!r} ({zone.key}) and its Bias {bias} ({_offset(-bias)}) "
                                f"disagree; {zone.key} was used")
                return ZoneReading(zone, "registry TimeZoneKeyName", "medium", detail + f"; Bias {bias} disagrees"), warnings
            return ZoneReading(zone, "registry TimeZoneKeyName", "high", detail + (f", Bias {bias} agrees" if bias is not None else "")), warnings
        warnings.append(f"the registry's TimeZoneKeyName {key_name!r} is not a known Windows time zone")
    if std_name:
        zone = iana_for(std_name)
        shown = std_raw if std_raw == std_name else f"{std_raw} ({std_name})"
        if zone is not None and bias is not None and standard_offset_agrees(zone, -bias):
            return ZoneReading(zone, "registry StandardName+Bias", "medium", f"StandardName {shown!r}, Bias {bias} -> {zone.key}"), warnings
        if zone is not None and bias is None:
            return ZoneReading(zone, "registry StandardName", "low", f"StandardName {shown!r} -> {zone.key} (no Bias to check it)"), warnings
        if zone is not None:
            warnings.append(f"the registry's StandardName {shown!r} ({zone.key}) and its Bias {bias} ({_offset(-bias)}) disagree; "
                            f"the offset of Bias was used")
    if bias is None:
        return None, warnings
    fixed = timezone(timedelta(minutes=-bias))
    detail = f"Bias {bias}" + (f", StandardName {std_raw!r} not mapped" if std_raw else "")
    if _has_dst(values):
        warnings.append(f"the PC's zone could not be mapped to a named zone: times were converted with its standard offset "
                        f"{_offset(-bias)} (Bias {bias}); the PC also kept daylight saving time, so summer times may be 1 h off")
        return ZoneReading(fixed, "registry Bias", "low", detail + ", daylight saving not applied"), warnings
    return ZoneReading(fixed, "registry Bias", "medium", detail + ", no daylight saving"), warnings


def registry_values(target: Any) -> Mapping[str, Any] | None:
    """The ``TimeZoneInformation`` values of the target's SYSTEM hive, or None when there is none."""
    try:
        key = target.registry.key(KEY)
        return {v.name: v.value for v in key.values()}
    except Exception:  # no SYSTEM hive, no CurrentControlSet, a damaged hive: the zone is unknown
        return None


def _same_zone(a: tzinfo, b: tzinfo) -> bool:
    """The same offsets through two recent years (e.g. ``Asia/Tokyo`` and a fixed UTC+09:00 agree)."""
    if zone_label(a) == zone_label(b):
        return True
    year = datetime.now(UTC).year
    for y in (year - 1, year):
        for month in range(1, 13):
            for day in (1, 15):
                instant = datetime(y, month, day, 12, tzinfo=UTC)
                if instant.astimezone(a).utcoffset() != instant.astimezone(b).utcoffset():
                    return False
    return True


def decide(values: Mapping[str, Any] | None, option: tzinfo | None) -> ZoneDecision:
    """The zone to use: ``--tz`` when given (a conflict with the registry is warned about), else the registry's."""
    registry, warnings = zone_from_values(values) if values is not None else (None, [])
    if option is None:
        return ZoneDecision(registry, registry, warnings)
    given = zone_label(option)
    if registry is None:
        return ZoneDecision(ZoneReading(option, "--tz", "medium", f"--tz {given} (the registry does not say)"), None, warnings)
    if _same_zone(option, registry.zone):
        return ZoneDecision(ZoneReading(option, "--tz", "high", f"--tz {given}, agrees with the {registry.source}"), registry, warnings)
    warnings.append(f"--tz {given} differs from the PC's registry ({zone_label(registry.zone)}, from {registry.source}): "
                    f"--tz was used; local-time logs shift by the difference")
    return ZoneDecision(ZoneReading(option, "--tz", "low", f"--tz {given}, the registry says {zone_label(registry.zone)}"), registry, warnings)
