"""The terminal summary of a triage: a few lines that answer the first questions."""

from __future__ import annotations

from datetime import datetime

from scamscope.triage.fmt import both, zone_name
from scamscope.triage.report.serialize import summary
from scamscope.triage.result import TriageResult


def summary_lines(result: TriageResult) -> list[str]:
    s = summary(result)
    tz = result.tz

    def _t(ts: datetime | None) -> str:
        return both(ts, tz) if ts else "?"

    lines = [
        ("SCAM INDICATORS FOUND" if s["scam_indicators"] else
         "no scam indicator found" + (" in what could be read" if s["problems"]["error"] else ""))
        + f" — {s['findings']} finding(s), possible leak: {s['leak_level']}",
    ]
    if s["scam_pages"]:
        lines.append(f"scam page visits: {s['scam_pages']}")
    for n in s["phone_numbers"][:5]:
        lines.append(f"phone number in a visited URL: {n['raw']} — {n['explanation']}"[:300])
    if s["fake_security_software"]:
        lines.append(f"fake security software: {', '.join(s['fake_security_software'])}")
    tools = [f"{t['name']} ({t['sessions']} session(s){', still installed' if t.get('still_installed') else ''})" for t in s["tools"]]
    cov = s["coverage"]
    if not s["scam_pages"] and not cov["browser_histories_read"]:
        lines.append(f"scam page visits: {cov['pages_note']}")
    lines.append(f"remote-access tools: {', '.join(tools) if tools else 'none'}"
                 + (f" ({cov['remote_note']})" if cov["remote_log_problems"] else ""))
    for sess in result.collected.sessions[:10]:
        who = ", ".join(x for x in (f"ID {sess.remote_id}" if sess.remote_id else "", f"IP {sess.remote_ip}" if sess.remote_ip else "") if x)
        lines.append(f"  {sess.id} {sess.tool} {sess.direction} {_t(sess.start)}" + (f" -> {_t(sess.end)}" if sess.end else "")
                     + (f"  {who}" if who else ""))
    if len(result.collected.sessions) > 10:
        lines.append(f"  ... {len(result.collected.sessions) - 10} more session(s) in the report")
    lines.append(f"first contact: {s['first_contact_text'] or 'not found'}; last contact: {s['last_contact_text'] or 'not found'}")
    files = s["files_moved"]
    lines.append("files moved: " + (", ".join(f"{f['name']} ({f['direction'].replace('_', ' ')})" for f in files[:8])
                                    + (f" and {len(files) - 8} more" if len(files) > 8 else "") if files else "none logged"))
    for prob in [x for x in result.problems if x.severity == "error"][:3]:
        lines.append(f"ERROR {prob.source}: {prob.message}"[:300])
    p = s["problems"]
    if p["error"] or p["warning"]:
        lines.append(f"problems: {p['error']} error(s), {p['warning']} warning(s) (see the report's Limitations)")
    if not result.evidence.unchanged:
        lines.append("WARNING: the evidence's hashes differ after the triage (see evidence.json)")
    lines.append(f"times: UTC and local time ({result.local_tz}, {zone_name(tz)}; source: {result.tz_source})" if tz is not None
                 else "times: UTC (the PC's time zone is unknown: no local time shown)")
    lines.append(f"case folder: {result.out} ({', '.join(sorted(result.outputs))})")
    return lines

