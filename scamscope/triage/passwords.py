"""Browsers' saved-password stores: whether they exist, how many logins, for which sites. Never the secrets.

A remote operator sitting at the victim's desktop can open the browser's password manager, so the
leak assessment says which stores were there. Chromium's ``Login Data`` is read with dissect's
SQLite reader (``dissect.database.sqlite3``); Firefox's ``logins.json`` is JSON. Only the row
count and the site host of each saved login are kept: no user names, no encrypted values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scamscope.data import load
from scamscope.triage.remote.common import ci_glob, display_path
from scamscope.triage.types import Problem, Ref

MAX_JSON = 50 * 1024 * 1024


@dataclass
class PasswordStore:
    browser: str
    user: str | None
    path: str  # inside the target
    saved: int | None  # saved logins (None: the store could not be read)
    never_saved: int = 0  # Chromium's "never save for this site" rows (no password in them)
    sites: list[str] = field(default_factory=list)  # host names of the saved logins, sorted, unique
    error: str | None = None

    @property
    def ref(self) -> Ref:
        return Ref(source=f"{self.browser} saved passwords", path=self.path)


def _host(url: Any) -> str:
    text = str(url or "")
    try:
        return (urlsplit(text).hostname or text).lower()
    except ValueError:
        return text.lower()


def _chromium(path: Any) -> tuple[int, int, list[str]]:
    from dissect.database.sqlite3 import SQLite3

    db = SQLite3(path)
    table = db.table("logins")
    if table is None:
        raise ValueError("no 'logins' table")
    saved = never = 0
    sites = set()
    for row in table.rows():
        try:
            blocked = int(row.blacklisted_by_user or 0)
        except Exception:
            blocked = 0
        if blocked:
            never += 1
            continue
        saved += 1
        sites.add(_host(row.origin_url or row.signon_realm))
    return saved, never, sorted(s for s in sites if s)


def _firefox(path: Any) -> tuple[int, int, list[str]]:
    with path.open("rb") as fh:
        data = json.loads(fh.read(MAX_JSON))
    logins = data.get("logins") if isinstance(data, dict) else None
    if not isinstance(logins, list):
        raise ValueError("no 'logins' list")
    sites = {_host(x.get("hostname")) for x in logins if isinstance(x, dict)}
    return len(logins), 0, sorted(s for s in sites if s)


READERS = {"chromium": _chromium, "firefox": _firefox}


def password_stores(ctx: Any) -> tuple[list[PasswordStore], list[Problem]]:
    """Every saved-password store in every user's home (read-only), and problems met on the way."""
    stores: list[PasswordStore] = []
    problems: list[Problem] = []
    rules = load("triage_rules")["password_store"]
    for home in ctx.user_homes():
        for rule in rules:
            try:  # case-insensitive: a directory-mapped collection keeps the copier's case
                paths = sorted(ci_glob(home.home, rule["path"]), key=str)
            except Exception as exc:
                problems.append(Problem("saved passwords", f"cannot search {rule['path']}: {type(exc).__name__}", display_path(home.home)))
                continue
            for p in paths:
                store = PasswordStore(browser=rule["browser"], user=home.name, path=display_path(p), saved=None)
                try:
                    store.saved, store.never_saved, store.sites = READERS[rule["format"]](p)
                except Exception as exc:
                    store.error = f"unreadable or corrupt ({type(exc).__name__}: {str(exc)[:120]})"
                    problems.append(Problem(f"{rule['browser']} saved passwords", store.error, store.path))
                stores.append(store)
    return stores, problems
