"""The PC's time zone from the SYSTEM hive alone (no SOFTWARE hive), its source and confidence, and
conflicts between sources.

Real hives from regipy: SYSTEM_WIN_10_1709 (Windows 10, TimeZoneKeyName "Pacific Standard Time"),
SYSTEM (TimeZoneKeyName "Eastern Standard Time") and corrupted_system_hive (an older-style SYSTEM with
only StandardName "Eastern Standard Time" and Bias 300, where dissect falls back to UTC). Each is laid
out as ``C/Windows/System32/config/SYSTEM`` with no SOFTWARE hive. The synthetic cases change one
value of the real hive's TimeZoneInformation key.
"""

from __future__ import annotations

import lzma
import shutil
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scamscope.triage.context import open_target
from scamscope.triage.pipeline import run
from scamscope.triage.timezone import decide, zone_from_values
from tests.conftest import require_shared
from tests.test_triage_pipeline import FORENSICS

REGIPY = FORENSICS / "regipy"
SPLASHTOP = FORENSICS / "dfir-artifact-museum" / "Windows" / "Splashtop"
SPLASHTOP_LOG = "C/Program Files (x86)/Splashtop/Splashtop Remote/Server/log"


def hive(name: str, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(lzma.decompress(require_shared(REGIPY / f"{name}.xz").read_bytes()))
    return dst


def system_only(root: Path, name: str) -> Path:
    """A Windows volume holding only the SYSTEM hive ``name`` and a user folder (no SOFTWARE, no SAM)."""
    hive(name, root / "C" / "Windows" / "System32" / "config" / "SYSTEM")
    (root / "C" / "Users" / "alice" / "Documents").mkdir(parents=True)
    (root / "C" / "Users" / "alice" / "Documents" / "note.txt").write_text("x")
    return root


@pytest.fixture(scope="module")
def pacific(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return system_only(tmp_path_factory.mktemp("pacific"), "SYSTEM_WIN_10_1709")


@pytest.fixture(scope="module")
def real_values(pacific: Path) -> dict[str, Any]:
    """The TimeZoneInformation values of the real Windows 10 hive, as dissect reads them."""
    from dissect.regf import RegistryHive

    with (pacific / "C" / "Windows" / "System32" / "config" / "SYSTEM").open("rb") as fh:
        key = RegistryHive(fh).open("ControlSet001\\Control\\TimeZoneInformation")
        return {v.name: v.value for v in key.values()}


def tz_problems(ctx: Any, severity: str) -> list[str]:
    return [p.message for p in ctx.problems if p.source == "time zone" and p.severity == severity]


def test_pacific_from_system_without_software_converts_splashtop_times(pacific: Path, tmp_path: Path) -> None:
    """Was: zone "unknown" and Splashtop's local times reported 7 h off."""
    ev = tmp_path / "ev"
    shutil.copytree(pacific, ev)
    for name in ("SPLog.txt", "FTCLog.txt"):
        (ev / SPLASHTOP_LOG).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(require_shared(SPLASHTOP / name), ev / SPLASHTOP_LOG / name)
    assert not (ev / "C" / "Windows" / "System32" / "config" / "SOFTWARE").exists()
    result = run(ev, tmp_path / "case", progress=None, pdf=False)
    assert (result.local_tz, result.tz_source) == ("America/Los_Angeles", "registry TimeZoneKeyName")
    [session] = [s for s in result.collected.sessions if s.tool == "splashtop"]
    # SPLog.txt line 1 "<1>Sep  1 11:40:53 ... can connect" is Pacific daylight time (UTC-7); year 2022 from FTCLog
    assert session.start == datetime(2022, 9, 1, 18, 40, 53, tzinfo=UTC)
    assert "America/Los_Angeles" in session.time_note
    assert not [p for p in result.problems if p.source == "time zone" and p.severity != "info"]


def test_pacific_source_and_confidence(pacific: Path) -> None:
    ctx = open_target(pacific)
    assert (str(ctx.local_tz), ctx.tz_source, ctx.tz_confidence) == ("America/Los_Angeles", "registry TimeZoneKeyName", "high")
    assert ctx.tz_detail == "TimeZoneKeyName 'Pacific Standard Time' -> America/Los_Angeles, Bias 480 agrees"


@pytest.mark.parametrize(("name", "zone", "source", "confidence"), [
    ("SYSTEM", "America/New_York", "registry TimeZoneKeyName", "high"),
    # older style, no TimeZoneKeyName: dissect said UTC and the report "UTC (source: registry)"
    ("corrupted_system_hive", "America/New_York", "registry StandardName+Bias", "medium"),
])
def test_other_real_hives(name: str, zone: str, source: str, confidence: str, tmp_path: Path) -> None:
    ctx = open_target(system_only(tmp_path, name))
    assert (str(ctx.local_tz), ctx.tz_source, ctx.tz_confidence) == (zone, source, confidence)
    assert not tz_problems(ctx, "warning")
    summer = datetime(2022, 7, 1, 12, tzinfo=ctx.local_tz)
    assert summer.utcoffset() == timedelta(hours=-4)  # daylight saving time applies


def test_tz_option_conflicting_with_the_registry_is_a_warning(pacific: Path) -> None:
    ctx = open_target(pacific, tz=ZoneInfo("Asia/Tokyo"))
    assert (str(ctx.local_tz), ctx.tz_source, ctx.tz_confidence) == ("Asia/Tokyo", "--tz", "low")
    [warning] = tz_problems(ctx, "warning")
    assert "--tz Asia/Tokyo differs from the PC's registry (America/Los_Angeles, from registry TimeZoneKeyName)" in warning
    agreeing = open_target(pacific, tz=ZoneInfo("America/Los_Angeles"))
    assert (agreeing.tz_source, agreeing.tz_confidence) == ("--tz", "high") and not tz_problems(agreeing, "warning")


def test_tz_option_without_registry(tmp_path: Path) -> None:
    (tmp_path / "ev" / "Users" / "bob").mkdir(parents=True)
    (tmp_path / "ev" / "Users" / "bob" / "a.txt").write_text("x")
    ctx = open_target(tmp_path / "ev", tz=ZoneInfo("Asia/Tokyo"))
    assert (str(ctx.local_tz), ctx.tz_source, ctx.tz_confidence) == ("Asia/Tokyo", "--tz", "medium")
    assert open_target(tmp_path / "ev").local_tz is None


def _changed(values: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    out = dict(values)
    for k, v in changes.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def test_key_name_and_bias_disagreeing(real_values: dict[str, Any]) -> None:
    reading, warnings = zone_from_values(_changed(real_values, Bias=540))
    assert reading is not None and (str(reading.zone), reading.confidence) == ("America/Los_Angeles", "medium")
    assert warnings == ["the registry's TimeZoneKeyName 'Pacific Standard Time' (America/Los_Angeles) and its Bias 540 (UTC-09:00) "
                        "disagree; America/Los_Angeles was used"]


def test_resource_string_standard_name_without_key_name(real_values: dict[str, Any]) -> None:
    # the real hive's StandardName is "@tzres.dll,-212": English "Pacific Standard Time" from dissect's MUI table
    values = _changed(real_values, TimeZoneKeyName=None)
    assert values["StandardName"] == "@tzres.dll,-212"
    reading, warnings = zone_from_values(values)
    assert reading is not None and (str(reading.zone), reading.source, reading.confidence) == (
        "America/Los_Angeles", "registry StandardName+Bias", "medium")
    assert not warnings


def test_unmapped_names_fall_back_to_the_bias_with_a_warning(real_values: dict[str, Any]) -> None:
    values = _changed(real_values, TimeZoneKeyName=None, StandardName="太平洋標準時")
    reading, warnings = zone_from_values(values)
    assert reading is not None and (str(reading.zone), reading.source, reading.confidence) == ("UTC-08:00", "registry Bias", "low")
    assert len(warnings) == 1 and "summer times may be 1 h off" in warnings[0]
    # a zone without daylight saving: the fixed offset is exact
    no_dst = _changed(values, Bias=4294966756, DaylightStart=bytes(16), StandardStart=bytes(16))  # -540: UTC+09:00
    reading, warnings = zone_from_values(no_dst)
    assert reading is not None and (str(reading.zone), reading.confidence, warnings) == ("UTC+09:00", "medium", [])


def test_automatic_dst_adjustment_off(real_values: dict[str, Any]) -> None:
    reading, warnings = zone_from_values(_changed(real_values, DynamicDaylightTimeDisabled=1))
    assert reading is not None and str(reading.zone) == "UTC-08:00"
    assert "automatic daylight saving adjustment was off" in warnings[0]


def test_decide_reports_each_conflict_once(real_values: dict[str, Any]) -> None:
    decision = decide(_changed(real_values, Bias=540), ZoneInfo("Europe/Berlin"))
    assert decision.reading is not None and decision.reading.source == "--tz"
    assert decision.registry is not None and str(decision.registry.zone) == "America/Los_Angeles"
    assert len(decision.warnings) == 2 and "disagree" in decision.warnings[0] and "--tz Europe/Berlin differs" in decision.warnings[1]
