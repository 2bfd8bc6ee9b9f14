"""Quick Assist (クイック アシスト): its embedded browser's history (``EBWebView/*/History``).

Quick Assist writes no connection log. Its user interface is a web app shown in an embedded Edge
(WebView2) whose profile keeps a Chromium ``History`` SQLite database under the user's profile;
the page loads there show when Quick Assist was used. Read with dissect.database's SQLite3 (WAL
sidecar included). Loads less than 30 minutes apart form one sitting, reported as a session whose
start / end are the first / last page load: the helper's identity and address are not recorded,
and whether this PC shared its screen or helped is inferred only from page addresses.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scamscope.triage.remote import label
from scamscope.triage.remote.common import Found, Out, Parser, reason
from scamscope.triage.types import Ref, Session

KEY = "quickassist"
LABEL = label(KEY)
GAP = timedelta(minutes=30)
MAX_VISITS = 5000
SHARER_HINTS = ("share", "getassistance", "get-assistance")  # guesses: page addresses of the sharing side


def read_history(out: Out, found: Found) -> list[tuple[datetime, str, str, int]]:
    """``(visit time UTC, url, title, visit id)`` of a Chromium History database."""
    from dissect.database.sqlite3 import SQLite3
    from dissect.util.ts import webkittimestamp

    label = f"{LABEL} History"
    try:
        db = SQLite3(found.path)
    except Exception as exc:
        out.problem(
            label,
            f"not a readable SQLite database (unreadable, corrupt or not a History file): {reason(exc)}",
            found.shown,
        )
        return []
    out.collected.sources_read.append(Ref(source=label, path=found.shown))
    visits = []
    try:
        urls = {row.id: row for row in db.table("urls").rows()}
        for row in db.table("visits").rows():
            if len(visits) >= MAX_VISITS:
                out.problem(label, f"more than {MAX_VISITS} visits: the rest were not read", found.shown, "info")
                break
            url_row = urls.get(row.url)
            try:
                ts = webkittimestamp(row.visit_time)
            except Exception:
                continue
            visits.append(
                (ts, str(getattr(url_row, "url", "") or ""), str(getattr(url_row, "title", "") or ""), int(row.id))
            )
    except Exception as exc:
        out.problem(
            label,
            f"damaged History database, read up to the damage: {reason(exc)}",
            found.shown,
        )
    visits.sort()
    return visits


class QuickAssistParser(Parser):
    """Page loads of Quick Assist's web UI, grouped into sittings (its History is an SQLite database, not lines)."""

    key = KEY
    looked_for = "{label} EBWebView History"

    def read(self, found: Found) -> list[tuple[datetime, str, str, int]]:
        return read_history(self.out, found)

    def feed(self, found: Found, data: list[tuple[datetime, str, str, int]]) -> None:
        out = self.out
        sitting: list[tuple[datetime, str, str, int]] = []
        for visit in data:
            ts, url, title, visit_id = visit
            ref = Ref(source=f"{LABEL} History", path=found.shown, line=visit_id)
            out.event(
                ts,
                "remote.log",
                f"{LABEL}: page loaded {url}" + (f" ({title})" if title else ""),
                ref,
                "Visit Time",
                found.user,
                {"url": url, "title": title},
            )
            if sitting and ts - sitting[-1][0] > GAP:
                _session(out, found, sitting)
                sitting = []
            sitting.append(visit)
        if sitting:
            _session(out, found, sitting)


def _session(out: Out, found: Found, sitting: list[tuple[datetime, str, str, int]]) -> None:
    text = " ".join(f"{url} {title}".lower() for _, url, title, _ in sitting)
    sharer = any(hint in text for hint in SHARER_HINTS)
    first, last = sitting[0], sitting[-1]
    refs = [Ref(source=f"{LABEL} History", path=found.shown, line=first[3])]
    if last is not first:
        refs.append(Ref(source=f"{LABEL} History", path=found.shown, line=last[3]))
    session = Session(
        tool=KEY,
        start=first[0],
        end=last[0] if last is not first else None,
        direction="incoming" if sharer else "unknown",
        access="security code entered in Quick Assist" if sharer else None,
        user=found.user,
        refs=refs,
        time_note="History times are UTC; start / end are the first / last page load of Quick Assist's web UI in one sitting (it logs no connection)",
    )
    out.add_session(session, refs[0], refs[-1])
