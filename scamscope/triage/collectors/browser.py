"""Browser history and downloads (Chrome, Edge, Brave, Firefox) of every user profile.

The profile databases are found by walking each user's home (so this works on partial
collections too) and read with dissect's own SQLite reader (``dissect.database.sqlite3``, the
reader of dissect's browser plugins; it applies a ``-wal`` file lying next to the database and
never writes). The row logic follows dissect's chromium/firefox plugins, plus the old Chrome
download schema (``full_path``, Unix-time ``start_time``) and explicit problems for corrupt
databases, which the plugins only log.

Every URL + title is scored with the detection core (:func:`scamscope.scan.scan_text`, cached per
distinct pair) and tagged: ``scam_page``, ``banking`` / ``payment`` / ``gift_card`` (data/sites.toml),
``remote_tool_site`` (a remote-access vendor's site), ``search`` (a search-results page: its title
repeats the query, so it is never a scam page even when the core scores it) and, for downloads,
``remote_tool_download`` (a remote tool or fake security program by file name or vendor domain).
"""

from __future__ import annotations

import gc
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from scamscope.triage.collectors._util import aware, display_path
from scamscope.triage.context import TriageContext, UserHome
from scamscope.triage.matching import match_download, scam_page_rule, sites_for_url
from scamscope.triage.types import Collected, Event, Problem, Ref, Visit
from scamscope.types import Phone

GC_EVERY = 20_000  # rows between collections of the SQLite reader's evicted pages (see _rows)
MAX_ROWS = 500_000  # per table: a hostile database cannot keep the triage busy for ever
MAX_URL = 4096
MAX_TITLE = 1000

# (browser key, display name, user-data folder relative to the home) - the Windows paths of
# dissect's chrome/edge/brave plugins (DIRS)
CHROMIUM = (
    ("chrome", "Chrome", "AppData/Local/Google/Chrome/User Data"),
    ("edge", "Edge", "AppData/Local/Microsoft/Edge/User Data"),
    ("brave", "Brave", "AppData/Local/BraveSoftware/Brave-Browser/User Data"),
    ("brave", "Brave", "AppData/Roaming/BraveSoftware/Brave-Browser/User Data"),
)
FIREFOX = ("AppData/Roaming/Mozilla/Firefox/Profiles", "AppData/Local/Mozilla/Firefox/Profiles")

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Score:
    score: float | None
    verdict: str | None
    evidence: list[str]


@dataclass(slots=True)
class _Page:
    """What every visit to one page (URL, title, profile) shares: kept once, never copied per visit."""

    fields: dict[str, Any]  # the timeline event's shared fields
    message: str
    score: _Score
    visit_tags: list[str]
    event_tags: list[str]
    phones: list[Phone]
    notable: bool  # its visits are kept as Visit records (see Scorer.add_visit)


class Scorer:
    """Detection-core score of a (title, URL) pair, cached: histories repeat the same pages.

    It also keeps, per page, what its visits share (:class:`_Page`), so that a history of 200,000
    visits to 50,000 pages holds 50,000 texts, not 400,000."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], _Score] = {}
        self._pages: dict[tuple[Any, ...], _Page] = {}
        self._strong, self._counter = scam_page_rule()

    def score(self, title: str, url: str) -> _Score:
        key = (title, url)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._run(title, url)
        return hit

    @staticmethod
    def _run(title: str, url: str) -> _Score:
        from scamscope.scan import scan_text

        if not url.lower().startswith(("http://", "https://")):
            return _Score(None, None, [])
        result = scan_text(title, url=url, input_name=url)
        if result.score is None:
            return _Score(None, None, [])
        return _Score(round(result.score, 4), result.verdict, [e.signal for e in result.evidence])

    def tags(self, s: _Score, sites: list[Any]) -> list[str]:
        tags: list[str] = []
        search = any(site.category == "search" for site in sites)
        strong = bool(self._strong.intersection(s.evidence)) and not self._counter.intersection(s.evidence)
        if not search and (s.verdict in ("scam", "suspicious") or strong):
            tags.append("scam_page")
        for site in sites:
            tag = "remote_tool_site" if site.category == "remote_tool" else site.category
            if tag not in tags:
                tags.append(tag)
        return tags

    def page(self, url: str, title: str, browser: str, label: str, shared: dict[str, Any]) -> _Page:
        key = (url, title, browser, label, *shared.items())
        hit = self._pages.get(key)
        if hit is None:
            s = self.score(title, url)
            sites = sites_for_url(url) if url else []
            tags = self.tags(s, sites)
            phones = url_phones(url, title, "scam_page" in tags or s.verdict in ("scam", "suspicious"))
            if phones:
                tags.append("phone_in_url")
            fields: dict[str, Any] = {"url": url, "title": title, "browser": browser, "profile": label}
            fields.update({k: v for k, v in shared.items() if v is not None})
            if s.score is not None:
                fields.update(score=s.score, verdict=s.verdict, evidence=s.evidence)
            if sites:
                fields["sites"] = [site.name for site in sites]
            if phones:
                fields.update(phones=[p.raw for p in phones], phone_notes=[p.explanation for p in phones])
            message = f"{label}: visited {title or url}" + (f" ({url})" if title else "")
            notable = bool(tags) or s.verdict in ("scam", "suspicious")
            hit = self._pages[key] = _Page(fields, message, s, tags, list(tags), phones, notable)
        return hit

    def add_visit(self, out: Collected, ts: datetime, url: str, title: str, browser: str, label: str, user: str, ref: Ref,
                  shared: dict[str, Any], from_visit: int | None) -> None:
        """One history visit: its timeline event, and a :class:`Visit` record when the page is notable
        (tagged, scored scam or suspicious, carrying a phone number); both point at the page's shared data.

        A plain visit is only a timeline event: its event's ``fields`` is the page's shared dict itself
        when the visit has no field of its own (events are never mutated in place, see :mod:`link`)."""
        p = self.page(url, title, browser, label, shared)
        out.visits_read += 1
        if p.notable:
            out.visits.append(Visit(ts=ts, url=url, title=title, browser=browser, ref=ref, user=user, score=p.score.score,
                                    verdict=p.score.verdict, evidence=p.score.evidence, tags=p.visit_tags, phones=p.phones))
        own, common = ({"from_visit": from_visit}, p.fields) if from_visit else (p.fields, None)
        out.events.append(Event(ts=ts, kind="browser.visit", message=p.message, timestamp_desc="Visit Time", ref=ref, user=user,
                                fields=own, tags=p.event_tags, shared=common))


PHONE_PARAMS = frozenset({"phone", "ph0n", "ph0ne", "phone_number", "phonenumber", "number", "tel", "tfn", "callnumber", "helpline",
                          "mobile", "phn", "phno", "phnum"})
_JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")


def url_phones(url: str, title: str, scam_page: bool) -> list[Phone]:
    """Phone numbers a visited URL carries in its parameters (``?phone=0101-…``, base64 ``?n=…``, ``#tel=…``),
    read and explained by the detection core (:func:`scamscope.phones.phones_in_url`).

    On a scam or suspicious page every number the core reads counts. On any other page only a
    parameter whose name says phone/tel/number counts, and only when the number itself is suspicious
    (a disguised international call, a 050 number...): an ordinary ``?tel=0120…`` on a shop's page, or
    an ``?id=0120…``, is not a scam indicator."""
    from urllib.parse import urlsplit

    from scamscope.phones import is_suspicious, phones_in_url

    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    tail = parts.query + parts.fragment
    if sum(ch.isdigit() for ch in tail) < 7 and "=" not in tail:
        return []
    language = "ja" if _JAPANESE.search(title) else None
    if scam_page:
        return phones_in_url(url, language=language)
    named = [kv for kv in re.split("[&;]", parts.query) + re.split("[&;]", parts.fragment)
             if kv.partition("=")[0].strip().lower() in PHONE_PARAMS]
    if not named:
        return []
    found = phones_in_url(f"{parts.scheme}://{parts.netloc}{parts.path}?" + "&".join(named), language=language)
    return [p for p in found if is_suspicious(replace(p, flags=tuple(f for f in p.flags if f != "from_url_param")))]


def collect(ctx: TriageContext) -> Collected:
    out = Collected()
    scorer = Scorer()
    found = 0
    for home in ctx.user_homes():
        for db_path, browser, label in _databases(home, out):
            found += 1
            try:
                if browser == "firefox":
                    _read_firefox(out, db_path, label, home.name, scorer)
                else:
                    _read_chromium(out, db_path, browser, label, home.name, scorer)
            except Exception as exc:  # last resort: one database never stops the others
                out.problems.append(
                    Problem(f"{label} history", f"could not be read: {type(exc).__name__}: {str(exc)[:200]}", display_path(db_path))
                )
    if not found and not any(p.source == "browser history" for p in out.problems):
        homes = len(ctx.user_homes())
        out.problems.append(
            Problem("browser history", f"no Chrome, Edge, Brave or Firefox profile database found in the {homes} user profile(s) examined"
                    if homes else "no user profile could be examined, so no browser history was looked for", severity="info" if homes else "warning")
        )
    return out


def _databases(home: UserHome, out: Collected) -> Iterator[tuple[Any, str, str]]:
    """(database path, browser key, label) of every Chromium ``History`` and Firefox ``places.sqlite``;
    a folder on the way that cannot be listed is a problem (its profiles are not examined), never a silent skip."""
    for browser, name, rel in CHROMIUM:
        for profile in _subdirs(home.home, rel, out):
            db = profile.joinpath("History")
            if _is_file(db):
                yield db, browser, f"{name} {profile.name}"
    for rel in FIREFOX:
        for profile in _subdirs(home.home, rel, out):
            db = profile.joinpath("places.sqlite")
            if _is_file(db):
                yield db, "firefox", f"Firefox {profile.name}"


def _subdirs(home: Any, rel: str, out: Collected) -> list[Any]:
    """The sub-folders of ``home/rel``, walked one level at a time so that an unreadable level is named."""
    from scamscope.triage.remote.common import reason

    path = home
    try:
        for part in rel.split("/"):
            # Windows names are case-insensitive (a copy may say "Appdata")
            step = next((child for child in path.iterdir() if child.name.lower() == part.lower()), None)
            if step is None:
                return []
            path = step
        return sorted((p for p in path.iterdir() if p.is_dir()), key=lambda p: p.name)
    except Exception as exc:
        shown = display_path(path)
        if not any(p.path == shown and p.source == "browser history" for p in out.problems):
            out.problems.append(Problem("browser history", f"folder unreadable ({reason(exc)}): the browser profiles in it "
                                        "were not examined", shown, "error"))
        return []


def _is_file(path: Any) -> bool:
    try:
        return path.is_file()
    except Exception:
        return False


def _open(out: Collected, path: Any, source: str) -> Any:
    from dissect.database.sqlite3 import SQLite3

    try:
        db = SQLite3(path)
    except Exception as exc:
        out.problems.append(Problem(source, f"not a readable SQLite database ({type(exc).__name__}: {str(exc)[:160]})", display_path(path)))
        return None
    out.sources_read.append(Ref(source + (" (with -wal)" if db.wal is not None else ""), display_path(path)))
    return db


def _rows(out: Collected, db: Any, table: str, source: str, path: Any, required: bool = True) -> Iterator[Any]:
    """The rows of ``table``, one at a time (a history of any size is never held whole); a corrupt or
    truncated table gives the rows read so far plus a problem."""
    count = 0
    try:
        t = db.table(table)
        if t is None:
            if required:
                out.problems.append(Problem(source, f"table {table} is missing", display_path(path)))
            return
        for row in t.rows():
            count += 1
            yield row
            if count % GC_EVERY == 0:
                # dissect's SQLite reader caches pages in reference cycles (each page keeps an lru_cache of
                # its cells bound to itself): pages it evicts are freed only by a full collection, which
                # Python runs ever more rarely as the timeline grows. Unfreed, they would make memory grow
                # with the history (about 100 MB per 200,000 visits).
                gc.collect()
            if count >= MAX_ROWS:
                out.problems.append(Problem(source, f"table {table}: stopped after {MAX_ROWS:,} rows", display_path(path)))
                return
    except (Exception, RecursionError) as exc:
        got = f"; kept the {count:,} rows read before it" if count else ""
        out.problems.append(
            Problem(source, f"table {table} is corrupt or truncated ({type(exc).__name__}: {str(exc)[:120]}){got}", display_path(path))
        )


def _str(value: Any, limit: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value)[:limit]


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _webkit(value: Any) -> datetime | None:
    from dissect.util.ts import webkittimestamp

    v = _int(value)
    if not v:
        return None
    try:
        return aware(webkittimestamp(v))
    except (OverflowError, OSError, ValueError):
        return None


def _unix(value: Any, scale: int = 1) -> datetime | None:
    from dissect.util.ts import from_unix

    v = _int(value)
    if not v:
        return None
    try:
        return aware(from_unix(v / scale))
    except (OverflowError, OSError, ValueError):
        return None


# --- Chromium -----------------------------------------------------------------------------------------


def _read_chromium(out: Collected, path: Any, browser: str, label: str, user: str, scorer: Scorer) -> None:
    source = f"{label} History"
    db = _open(out, path, source)
    if db is None:
        return
    shown = display_path(path)
    # only what a visit needs of each URL row: dissect's row objects are large
    urls = {row.get("id"): (_str(row.get("url"), MAX_URL), _str(row.get("title"), MAX_TITLE), _int(row.get("visit_count")),
                            _int(row.get("typed_count"))) for row in _rows(out, db, "urls", source, path)}
    bad_ts = dangling = 0
    for row in _rows(out, db, "visits", source, path):
        page = urls.get(row.get("url"))
        if page is None:
            dangling += 1
            continue
        ts = _webkit(row.get("visit_time"))
        if ts is None:
            bad_ts += 1
            continue
        transition = _int(row.get("transition"))
        url, title, visit_count, typed_count = page
        scorer.add_visit(out, ts, url, title, browser, label, user, Ref(source, shown, _int(row.get("id"))),
                         {"visit_count": visit_count, "typed_count": typed_count,
                          "transition": None if transition is None else transition & 0xFF},
                         _int(row.get("from_visit")) or None)
    _note_skipped(out, source, path, dangling, bad_ts)
    _read_chromium_downloads(out, db, path, browser, label, user, scorer, source)


def _read_chromium_downloads(
    out: Collected, db: Any, path: Any, browser: str, label: str, user: str, scorer: Scorer, source: str
) -> None:
    table = _safe_table(db, "downloads")
    if table is None:
        return
    try:
        modern = bool({c.name for c in table.columns} & {"target_path", "current_path"})  # schema >= 24: WebKit times
    except Exception:
        modern = True
    chains: dict[Any, list[Any]] = {}
    for row in _rows(out, db, "downloads_url_chains", source, path, required=False):
        chains.setdefault(row.get("id"), []).append(row)
    for row in _rows(out, db, "downloads", source, path):
        if modern:
            ts = _webkit(row.get("start_time"))
            end = _webkit(row.get("end_time"))
            target = _str(row.get("target_path") or row.get("current_path"), MAX_URL) or None
            chain = sorted(chains.get(row.get("id"), []), key=lambda r: _int(r.get("chain_index")) or 0)
            url = _str(chain[-1].get("url"), MAX_URL) if chain else _str(row.get("tab_url"), MAX_URL)
        else:  # old schema (Chrome < 26): full_path, url, Unix seconds
            ts = _unix(row.get("start_time"))
            end = None
            target = _str(row.get("full_path"), MAX_URL) or None
            url = _str(row.get("url"), MAX_URL)
        if ts is None:
            _note_skipped(out, source, path, 0, 1)
            continue
        extra = {
            "download_id": _int(row.get("id")),
            "end_time": end.isoformat() if end else None,
            "size": _int(row.get("total_bytes")),
            "received": _int(row.get("received_bytes")),
            "state": _download_state(_int(row.get("state"))),
            "danger_type": _int(row.get("danger_type")),
            "mime_type": _str(row.get("mime_type"), 200) or None,
            "tab_url": _str(row.get("tab_url"), MAX_URL) or None,
            "referrer": _str(row.get("referrer") or row.get("tab_referrer_url"), MAX_URL) or None,
        }
        _add(out, scorer, ts, url, _basename(target), browser, label, user, Ref(source, display_path(path), _int(row.get("id"))),
             extra, kind="download", target_path=target)


def _safe_table(db: Any, table: str) -> Any:
    try:
        return db.table(table)
    except (Exception, RecursionError):
        return None


_STATES = {0: "in_progress", 1: "complete", 2: "cancelled", 3: "interrupted", 4: "interrupted"}  # as dissect's chromium plugin


def _download_state(state: int | None) -> str | None:
    return None if state is None else _STATES.get(state, str(state))


def _basename(path: str | None) -> str:
    if not path:
        return ""
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


# --- Firefox ------------------------------------------------------------------------------------------


def _read_firefox(out: Collected, path: Any, label: str, user: str, scorer: Scorer) -> None:
    source = f"{label} places.sqlite"
    db = _open(out, path, source)
    if db is None:
        return
    shown = display_path(path)
    places = {row.get("id"): (_str(row.get("url"), MAX_URL), _str(row.get("title"), MAX_TITLE), _int(row.get("visit_count")))
              for row in _rows(out, db, "moz_places", source, path)}
    bad_ts = dangling = 0
    for row in _rows(out, db, "moz_historyvisits", source, path):
        place = places.get(row.get("place_id"))
        if place is None:
            dangling += 1
            continue
        ts = _unix(row.get("visit_date"), 1_000_000)
        if ts is None:
            bad_ts += 1
            continue
        url, title, visit_count = place
        scorer.add_visit(out, ts, url, title, "firefox", label, user, Ref(source, shown, _int(row.get("id"))),
                         {"visit_count": visit_count, "visit_type": _int(row.get("visit_type"))}, _int(row.get("from_visit")) or None)
    _note_skipped(out, source, path, dangling, bad_ts)
    _read_firefox_downloads(out, db, path, places, label, user, scorer, source)


def _read_firefox_downloads(
    out: Collected, db: Any, path: Any, places: dict[Any, tuple[str, str, int | None]], label: str, user: str, scorer: Scorer, source: str
) -> None:
    """Downloads of Firefox >= 26: annotations ``downloads/destinationFileURI`` and ``downloads/metaData``."""
    attributes = {row.get("id"): _str(row.get("name"), 200) for row in _rows(out, db, "moz_anno_attributes", source, path, required=False)}
    if not any(name.startswith("downloads/") for name in attributes.values()):
        return
    per_place: dict[Any, dict[str, Any]] = {}
    for row in _rows(out, db, "moz_annos", source, path, required=False):
        name = attributes.get(row.get("anno_attribute_id"))
        if name in ("downloads/destinationFileURI", "downloads/metaData"):
            per_place.setdefault(row.get("place_id"), {})[name] = row
    for place_id, annos in per_place.items():
        dest = annos.get("downloads/destinationFileURI")
        if dest is None:
            continue
        meta: dict[str, Any] = {}
        if "downloads/metaData" in annos:
            try:
                parsed = json.loads(_str(annos["downloads/metaData"].get("content"), 100_000) or "{}")
                meta = parsed if isinstance(parsed, dict) else {}
            except ValueError:
                meta = {}
        ts = _unix(dest.get("dateAdded"), 1_000_000)
        if ts is None:
            continue
        target = _file_uri_path(_str(dest.get("content"), MAX_URL))
        place = places.get(place_id)
        url = place[0] if place is not None else ""
        end = _unix(meta.get("endTime"), 1000)
        extra = {
            "download_id": _int(dest.get("id")),
            "end_time": end.isoformat() if end else None,
            "size": _int(meta.get("fileSize")),
            "state": _int(meta.get("state")),
        }
        _add(out, scorer, ts, url, _basename(target), "firefox", label, user, Ref(source, display_path(path), _int(dest.get("id"))),
             extra, kind="download", target_path=target)


def _file_uri_path(uri: str) -> str | None:
    """``file:///C:/Users/a/Downloads/x.exe`` -> ``C:/Users/a/Downloads/x.exe``."""
    from urllib.parse import unquote

    if not uri:
        return None
    if uri.lower().startswith("file:///"):
        return unquote(uri[8:])
    return unquote(uri)


# --- records ------------------------------------------------------------------------------------------


def _note_skipped(out: Collected, source: str, path: Any, dangling: int, bad_ts: int) -> None:
    if dangling:
        out.problems.append(Problem(source, f"{dangling} visit rows point to missing URL rows (skipped)", display_path(path)))
    if bad_ts:
        out.problems.append(Problem(source, f"{bad_ts} rows without a usable timestamp (skipped)", display_path(path)))


def _add(
    out: Collected,
    scorer: Scorer,
    ts: datetime,
    url: str,
    title: str,
    browser: str,
    label: str,
    user: str,
    ref: Ref,
    extra: dict[str, Any],
    *,
    kind: str = "visit",
    target_path: str | None = None,
) -> None:
    s = scorer.score(title, url)
    sites = sites_for_url(url) if url else []
    tags = scorer.tags(s, sites)
    match = None
    if kind == "download":
        match = match_download(target_path, url)
        if match is not None:
            tags.append("remote_tool_download")
    phones = url_phones(url, title, "scam_page" in tags or s.verdict in ("scam", "suspicious"))
    if phones:
        tags.append("phone_in_url")
    visit = Visit(ts=ts, url=url, title=title, browser=browser, ref=ref, user=user, kind=kind, target_path=target_path,
                  score=s.score, verdict=s.verdict, evidence=list(s.evidence), tags=tags, phones=phones)
    out.visits.append(visit)
    out.visits_read += 1
    fields: dict[str, Any] = {"url": url, "title": title, "browser": browser, "profile": label}
    if target_path:
        fields["target_path"] = target_path
    fields.update({k: v for k, v in extra.items() if v is not None})
    if s.score is not None:
        fields.update(score=s.score, verdict=s.verdict, evidence=list(s.evidence))
    if sites:
        fields["sites"] = [site.name for site in sites]
    if match is not None:
        fields.update(match=match.key, match_category=match.category, match_how=match.how)
    if phones:
        fields.update(phones=[p.raw for p in phones], phone_notes=[p.explanation for p in phones])
    what = f"downloaded {_basename(target_path) or url}" if kind == "download" else f"visited {title or url}"
    out.events.append(
        Event(
            ts=ts,
            kind=f"browser.{kind}",
            message=f"{label}: {what}" + (f" ({url})" if kind == "visit" and title else f" from {url}" if kind == "download" else ""),
            timestamp_desc="Download Started" if kind == "download" else "Visit Time",
            ref=ref,
            tool=match.key if match is not None else None,
            user=user,
            fields=fields,
            tags=list(tags),
        )
    )
