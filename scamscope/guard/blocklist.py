"""Known-bad addresses, refused at request time before a byte is fetched.

A block list is built from files, each either

- a **list** (one entry per line, ``#`` comments): ``example.com`` (that host and every host under
  it), ``*.example.com`` (the same), a URL pattern with ``*`` wildcards (``https://*.r2.dev/*?ph=*``;
  any entry holding ``/`` is a pattern, matched against the whole URL without its fragment, case
  blind), ``re:REGEX`` (RE2, searched in the URL) or ``tel:+18005550100`` (a scam number: any URL
  carrying it is refused); or
- the **desk's indicator export** (``/indicators.csv``: ``kind,value,...,scans,scam_or_suspicious_scans``):
  its numbers, and its domains seen on scam or suspicious pages only (a domain also seen on a
  benign page is left out: it may be a compromised site, or a real company's).

Never blocked, whatever a file says: hosting platforms as a whole (``github.io``, ``r2.dev``; only
their sub-domains can be listed), the brands' own domains (``microsoft.com``) and the guard's
passthrough hosts. Entries refused that way, and lines that are not entries, are counted in
:attr:`BlockList.problems` (first few shown), never fatal.

Besides the files, :func:`url_shape` knows scam URL shapes: a phone number carried in the query or
fragment of a page on free hosting or storage (``…/index.html?phone=0101…``), or a number
disguised as Japanese (``0101…``) in any URL.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from scamscope import rx
from scamscope.netguard import normalize_host

MAX_ENTRIES = 1_000_000
MAX_LINE = 4096
MAX_FILE_BYTES = 256 * 1024 * 1024
SHOWN_PROBLEMS = 5
RELOAD_CHECK_S = 5.0
MIN_NUMBER_DIGITS = 9  # shorter numbers match too much by accident


class BlockListError(Exception):
    """A block-list file cannot be read at all (one line)."""


@dataclass(frozen=True)
class Match:
    """Why an address is blocked: ``rule`` is the entry as written, ``source`` where it came from."""

    rule: str
    source: str
    kind: str  # domain | pattern | regex | phone | shape | reported


@dataclass
class _Rules:
    domains: dict[str, str] = field(default_factory=dict)  # host -> source
    patterns: list[tuple[rx.Regex, str, str, str]] = field(default_factory=list)  # (compiled, rule, source, kind)
    numbers: dict[str, str] = field(default_factory=dict)  # national significant digits -> "tel:+…" @ source
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    def problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(text)

    @property
    def size(self) -> int:
        return len(self.domains) + len(self.patterns) + len(self.numbers)


def _official_domains() -> frozenset[str]:
    """The brands' own domains (``microsoft.com``): never blocked as a whole."""
    from scamscope.signals import brands

    return frozenset(d for b in brands.BRANDS for d in b.domains)


def never_blocked(host: str) -> str | None:
    """Why ``host`` may not be blocked as a whole (with everything under it), or None."""
    from scamscope.guard.settings import settings
    from scamscope.signals import brands

    ext = brands._TLD.extract_str(host)
    if not _is_ip(host) and not ext.domain:
        return "a public suffix"
    if host in _official_domains():
        return "a brand's own domain"
    for h in brands.HOSTING:
        if h.pattern is None:
            if host == h.suffix or h.suffix.endswith("." + host):
                return f"the hosting platform {h.name} as a whole"
        elif h.matches(host) and not ("." in host and h.matches(host.split(".", 1)[1])):
            return f"the hosting platform {h.name} as a whole"
    if any(host == d or d.endswith("." + host) for d in settings().never_block):
        return "a cloud provider's shared domain"
    return None


def _glob(pattern: str) -> rx.Regex:
    """A ``*`` wildcard URL pattern as an anchored, case-blind RE2 regex."""
    body = ".*".join(rx_escape(part) for part in pattern.split("*"))
    return rx.compile(f"^{body}$", ignore_case=True, dot_all=True)


def rx_escape(text: str) -> str:
    return "".join("\\" + ch if not ch.isalnum() and ch != "_" and ord(ch) < 128 else ch for ch in text)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() and ch.isascii())


def _number_key(value: str) -> str | None:
    """A number entry's national significant digits (what a URL carries, with or without +CC)."""
    import phonenumbers

    raw = value.strip()
    try:
        parsed = phonenumbers.parse(raw if raw.startswith("+") else "+" + _digits(raw), None)
    except phonenumbers.NumberParseException:
        return None
    nsn = phonenumbers.national_significant_number(parsed)
    return nsn if len(nsn) >= MIN_NUMBER_DIGITS - 1 else None


class BlockList:
    """Thread-safe matcher over the files given (re-read when one changes) plus reported URLs."""

    def __init__(self, paths: Iterable[str] = (), protected_hosts: Iterable[str] = ()) -> None:
        self.paths = [str(p) for p in paths]
        self.protected = frozenset(normalize_host(h) for h in protected_hosts)
        self._lock = threading.Lock()
        self._rules = _Rules()
        self._stamps: dict[str, tuple[float, int]] = {}
        self._checked = 0.0
        self._reported: dict[str, str] = {}  # URL without fragment -> how it was reported
        self.load()

    # --- loading -------------------------------------------------------------------------------

    def load(self) -> None:
        """(Re-)read every file; BlockListError when one cannot be read (the rules in force stay)."""
        rules = _Rules()
        stamps: dict[str, tuple[float, int]] = {}
        for path in self.paths:
            try:
                st = os.stat(path)
                if st.st_size > MAX_FILE_BYTES:
                    raise BlockListError(f"block list {path}: larger than {MAX_FILE_BYTES // 2**20} MiB")
                with open(path, "rb") as fh:
                    data = fh.read(MAX_FILE_BYTES + 1)
            except OSError as exc:
                raise BlockListError(f"cannot read block list {path}: {exc.strerror or exc}") from None
            stamps[path] = (st.st_mtime, st.st_size)
            text = data.decode("utf-8-sig", errors="replace")
            if text.lstrip().lower().startswith("kind,value"):
                self._read_desk_csv(text, path, rules)
            else:
                self._read_list(text, path, rules)
        with self._lock:
            self._rules, self._stamps = rules, stamps

    def maybe_reload(self) -> str | None:
        """Reload when a file changed (checked at most every few seconds); the error, if reading failed."""
        now = time.monotonic()
        if now - self._checked < RELOAD_CHECK_S:
            return None
        self._checked = now
        changed = False
        for path in self.paths:
            try:
                st = os.stat(path)
            except OSError:
                continue  # a file being replaced: the rules in force stay until it is back
            if self._stamps.get(path) != (st.st_mtime, st.st_size):
                changed = True
        if not changed:
            return None
        try:
            self.load()
        except BlockListError as exc:
            return str(exc)
        return None

    def _add_domain(self, host: str, source: str, rules: _Rules, line: str) -> None:
        host = normalize_host(host.removeprefix("*."))
        if not host or any(ch in host for ch in "/?#@ \t") or ("." not in host and not _is_ip(host)):
            rules.problem(f"{source}: not a host name: {line[:80]!r}")
            return
        passthrough = any(p == host or p.endswith("." + host) for p in self.protected)
        why = "a passthrough host (or above one)" if passthrough else never_blocked(host)
        if why is not None:
            rules.problem(f"{source}: {host} is never blocked as a whole: {why}")
            return
        rules.domains[host] = source

    def _add_entry(self, line: str, source: str, rules: _Rules) -> None:
        if rules.size >= MAX_ENTRIES:
            rules.problem(f"{source}: more than {MAX_ENTRIES:,} entries: the rest is ignored")
            return
        low = line.lower()
        try:
            if low.startswith("re:"):
                rules.patterns.append((rx.compile(line[3:].strip(), ignore_case=True), line, source, "regex"))
            elif low.startswith("tel:"):
                key = _number_key(line[4:])
                if key is None:
                    rules.problem(f"{source}: not a phone number: {line[:80]!r}")
                else:
                    rules.numbers[key] = f"{line} @ {source}"
            elif "/" in line:
                rules.patterns.append((_glob(line), line, source, "pattern"))
            else:
                self._add_domain(line, source, rules, line)
        except Exception as exc:  # a bad regex (RE2 rejects it) is one bad line, not a dead guard
            rules.problem(f"{source}: {str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__}")

    def _read_list(self, text: str, path: str, rules: _Rules) -> None:
        for n, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if len(line) > MAX_LINE:
                rules.problem(f"{path}:{n}: line longer than {MAX_LINE} characters")
                continue
            self._add_entry(line, f"{path}:{n}", rules)

    def _read_desk_csv(self, text: str, path: str, rules: _Rules) -> None:
        reader = csv.DictReader(io.StringIO(text))
        for n, row in enumerate(reader, 2):
            kind = (row.get("kind") or "").strip().lower()
            value = (row.get("value") or "").strip().lstrip("'")  # the desk escapes cells that look like formulas
            try:
                scans = int(row.get("scans") or 0)
                flagged = int(row.get("scam_or_suspicious_scans") or 0)
            except ValueError:
                rules.problem(f"{path}:{n}: counts are not numbers")
                continue
            if not value or flagged <= 0:
                continue  # seen on benign pages only: a real company's number or site
            if kind == "phone":
                self._add_entry(f"tel:{value}", f"{path}:{n}", rules)
            elif kind == "domain":
                if scans > flagged:
                    continue  # also on benign pages: not blocked as a whole
                self._add_entry(value, f"{path}:{n}", rules)

    # --- reported at run time ----------------------------------------------------------------------

    def add_reported(self, url: str, how: str) -> None:
        """Block this exact page from now on (its watcher caught it locking a browser)."""
        with self._lock:
            if len(self._reported) < 100_000:
                self._reported[url.split("#", 1)[0]] = how

    # --- matching ----------------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return self._rules.size

    @property
    def problems(self) -> tuple[int, list[str]]:
        return self._rules.problem_count, list(self._rules.problems)

    def host_match(self, host: str) -> Match | None:
        """The rule blocking this host name (or one above it), if any."""
        rules = self._rules
        name = normalize_host(host)
        while name:
            source = rules.domains.get(name)
            if source is not None:
                return Match(name, source, "domain")
            if "." not in name or _is_ip(name):
                return None
            name = name.split(".", 1)[1]
        return None

    def match(self, url: str, hosts: Iterable[str] = ()) -> Match | None:
        """The rule blocking ``url`` (also tried: the other names the request goes by, e.g. its Host header)."""
        rules = self._rules
        bare = url.split("#", 1)[0]
        how = self._reported.get(bare)
        if how is not None:
            return Match(bare, how, "reported")
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        for host in (parts.hostname or "", *hosts):
            found = self.host_match(host) if host else None
            if found is not None:
                return found
        for compiled, rule, source, kind in rules.patterns:
            if compiled.search(bare) is not None:
                return Match(rule, source, kind)
        if rules.numbers:
            carried = _digits(unquote(parts.query + " " + parts.fragment))
            if len(carried) >= MIN_NUMBER_DIGITS - 1:
                for key, source in rules.numbers.items():
                    if key in carried:
                        rule, _, where = source.partition(" @ ")
                        return Match(rule, where, "phone")
        return url_shape(url)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def url_shape(url: str) -> Match | None:
    """A known scam URL shape: a number carried by the URL of a page on free hosting or storage, or a
    number disguised as Japanese (0101…) in any URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    tail = parts.query + parts.fragment
    if sum(ch.isdigit() for ch in tail) < MIN_NUMBER_DIGITS - 1:
        return None  # the common case, decided without parsing anything
    from scamscope.phones import phones_in_url
    from scamscope.signals.brands import hosting_platform

    phones = phones_in_url(url)
    if not phones:
        return None
    disguised = [p for p in phones if "jp_international_disguised" in p.flags]
    if disguised:
        return Match(f"number disguised as Japanese in the URL: {disguised[0].raw}", "built-in URL shape", "shape")
    platform = hosting_platform(normalize_host(parts.hostname or ""))
    if platform is not None:
        return Match(f"phone number {phones[0].raw} in the URL of a page on {platform.name}", "built-in URL shape", "shape")
    return None
