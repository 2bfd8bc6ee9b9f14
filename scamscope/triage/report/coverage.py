"""What the triage could and could not read, so that every "none found" in the report says what it rests on.

"No scam page" means something only if a browser history was read; "no remote session" only if the
remote tools' logs that exist could be read. :func:`coverage` gives the facts and the qualified
sentences the report, the terminal summary and findings.json use.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from scamscope.data import load
from scamscope.triage.result import TriageResult
from scamscope.triage.types import NO_SOFTWARE_HIVE, Problem

BROWSER_SOURCES = ("history", "places.sqlite")


@cache
def _tool_words() -> tuple[str, ...]:
    words = set()
    for t in load("remote_tools").get("tool", []):
        words.add(t["key"].lower())
        words.add(t["name"].lower())
    return tuple(sorted(w for w in words if len(w) >= 4))


def _is_browser(source: str) -> bool:
    s = source.lower()
    return any(b in s for b in BROWSER_SOURCES)


def _is_remote(p: Problem) -> bool:
    s = f"{p.source} {p.path or ''}".lower()
    return not _is_browser(p.source) and any(w in s for w in _tool_words())


def coverage(result: TriageResult) -> dict[str, Any]:
    c = result.collected
    bad = [p for p in c.problems if p.severity in ("warning", "error")]
    browser_read = len({r.path for r in c.sources_read if _is_browser(r.source)})
    profiles_bad = [p for p in bad if p.source == "user profiles"]  # unreadable Users folder or profile: both are affected
    browser_bad = [p for p in bad if _is_browser(p.source)] + profiles_bad
    remote_bad = [p for p in bad if _is_remote(p)] + profiles_bad
    no_software = any(p.source == NO_SOFTWARE_HIVE for p in c.problems)
    if browser_read == 0:
        pages = "unknown: no browser history could be read" + (f" ({len(browser_bad)} unreadable)" if browser_bad else "")
    elif browser_bad:
        pages = f"in the {browser_read} browser histories read ({len(browser_bad)} could not be read in full)"
    else:
        pages = f"in the {browser_read} browser histories read"
    remote = (f"{len(remote_bad)} remote-tool log(s) could not be read in full, so a session may be missing" if remote_bad
              else "in the remote-tool logs read")
    return {
        "browser_histories_read": browser_read,
        "browser_problems": len(browser_bad),
        "remote_log_problems": len(remote_bad),
        "software_hive": not no_software,
        "pages_note": pages,
        "remote_note": remote,
        "installed_note": "unknown (no SOFTWARE hive)" if no_software else "from the SOFTWARE hive",
    }
