"""Takedown and report drafts (``scamscope draft domain|phone VALUE SOURCE``).

A draft is Markdown text, Japanese and/or English, for a person to review and send: an abuse
report to a domain's registrar or hosting provider, or a report of a phone number to the carrier
or the police. Every fact in it comes from the scan records (URLs and when they were seen, the
verdict and its heaviest evidence, phone numbers and their explanations, screenshot hashes); the
framing texts are in ``scamscope/data/drafts.toml``. scamscope never sends anything.

Only scam and suspicious records are drafted from. A value found only on benign records is
refused (:class:`NotFound`): a draft must never accuse a real company's number or site. Brands'
own domains and hosting platforms as a whole are refused too.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scamscope.data import load
from scamscope.exchange.campaigns import brand_domain, iso, local_host
from scamscope.exchange.sources import ScanRecord
from scamscope.signals.brands import hosting_platform

LANGS = ("ja", "en")
MAX_URLS = 50
MAX_SCREENSHOTS = 20
MAX_PHONES = 10
MAX_CELL = 300


class NotFound(Exception):
    """The value is not in the source's scam/suspicious records (one line)."""


def _code(value: Any, limit: int = MAX_CELL) -> str:
    """``value`` as a Markdown code span: back-ticks, pipes and line breaks of hostile text cannot break out."""
    s = " ".join(str(value).split()).replace("`", "'").replace("|", "\\|")
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return f"`{s}`" if s else "``"


def _plain(value: Any, limit: int = 200) -> str:
    s = " ".join(str(value).split())
    for ch in "`*_[]<>|#":
        s = s.replace(ch, "\\" + ch)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _host(value: str) -> str:
    v = value.strip()
    if "://" in v or "/" in v:
        try:
            v = urlsplit(v if "://" in v else "http://" + v).hostname or ""
        except ValueError:
            return ""
    return v.lower().rstrip(".").strip("[]")


def _digits(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", value) if c.isdigit())


def _phone_targets(value: str) -> tuple[set[str], str]:
    """E.164 forms the value may stand for, and its digits."""
    from scamscope.phones import find_phones

    norm = unicodedata.normalize("NFKC", value).strip()
    digits = _digits(norm)
    out = {"+" + digits} if norm.startswith("+") and digits else set()
    try:
        for p in find_phones(norm[:200]):
            if p.e164:
                out.add(p.e164)
    except Exception:  # a value the phone parser cannot read is matched by its digits alone
        pass
    return out, digits


@dataclass
class Match:
    records: list[ScanRecord]  # scam/suspicious records that show the value
    benign: int  # benign records that show it too
    urls: dict[str, list[datetime]]  # URL -> times seen (domain drafts: URLs on the domain; phone drafts: page URLs)
    phones: list[dict[str, Any]]  # phone entries of the value (phone drafts) or on the pages (domain drafts)


def _phone_of(rec: ScanRecord, targets: set[str], digits: str) -> list[dict[str, Any]]:
    out = []
    for p in rec.phones:
        e164 = str(p.get("e164") or "")
        raw_digits = _digits(str(p.get("raw") or ""))
        if (e164 and e164 in targets) or (digits and len(digits) >= 6 and (raw_digits == digits or _digits(e164) == digits)):
            out.append(p)
    return out


def match_phone(records: list[ScanRecord], value: str) -> Match:
    targets, digits = _phone_targets(value)
    if not targets and len(digits) < 6:
        raise NotFound(f"{value!r} is not a phone number")
    shown = [(r, _phone_of(r, targets, digits)) for r in records]
    hits = [(r, ps) for r, ps in shown if ps and r.at_least("suspicious")]
    benign = sum(1 for r, ps in shown if ps and r.verdict == "benign")
    if not hits:
        if benign:
            raise NotFound(f"{value} was seen only on pages judged benign: no draft (it may be a real company's number)")
        raise NotFound(f"{value} is not on any scam or suspicious page in the source")
    urls: dict[str, list[datetime]] = {}
    phones: list[dict[str, Any]] = []
    for r, ps in hits:
        urls.setdefault(r.url or r.input, []).append(r.scanned_at)
        phones.extend(ps)
    return Match([r for r, _ in hits], benign, urls, phones)


def match_domain(records: list[ScanRecord], value: str) -> Match:
    target = _host(value)
    if not target or any(c.isspace() for c in target):
        raise NotFound(f"{value!r} is not a domain or URL")
    platform = hosting_platform(target)
    if platform is not None and (target == platform.suffix or (platform.pattern is not None and target.startswith(("s3.", "s3-")))):
        raise NotFound(f"{target} is the hosting platform {platform.name} as a whole: give the site's own host name")
    if brand_domain(target):
        raise NotFound(f"{target} is a brand's own domain: no draft against it")
    if local_host(target):
        raise NotFound(f"{target} is a local or private address: no draft")

    def on_target(url: str) -> bool:
        try:
            host = (urlsplit(url).hostname or "").lower().rstrip(".")
        except ValueError:
            return False
        return host == target or host.endswith("." + target)

    hits = [r for r in records if r.at_least("suspicious") and any(on_target(u) for u in r.urls)]
    benign = sum(1 for r in records if r.verdict == "benign" and any(on_target(u) for u in r.urls))
    if not hits:
        if benign:
            raise NotFound(f"{target} was seen only on pages judged benign: no draft")
        raise NotFound(f"{target} is not on any scam or suspicious page in the source")
    urls: dict[str, list[datetime]] = {}
    phones: list[dict[str, Any]] = []
    for r in hits:
        for u in r.urls:
            if on_target(u):
                urls.setdefault(u, []).append(r.scanned_at)
        phones.extend(p for p in r.phones if p.get("e164") or p.get("raw"))
    return Match(hits, benign, urls, phones)


# --- writing -----------------------------------------------------------------------------------


def top_reasons(records: list[ScanRecord], n: int = 3) -> list[dict[str, Any]]:
    """The heaviest positive evidence over ``records``, one per signal."""
    best: dict[str, dict[str, Any]] = {}
    for r in records:
        for e in r.evidence:
            w = e.get("weight")
            sig = e.get("signal")
            if not isinstance(w, (int, float)) or w <= 0 or not isinstance(sig, str):
                continue
            if sig not in best or w > best[sig]["weight"]:
                best[sig] = {"signal": sig, "weight": float(w), "detail": str(e.get("detail") or ""), "excerpt": str(e.get("excerpt") or "")}
    return sorted(best.values(), key=lambda e: (-e["weight"], e["signal"]))[:n]


def _flag_sentences(flags: list[str], lang: str) -> list[str]:
    out = []
    for entry in load("guard_page").get("flag", []):
        f = entry.get("flag")
        if f and f in flags and entry.get(lang):
            out.append(str(entry[lang]))
    return out


def _unique_phones(phones: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for p in phones:
        key = str(p.get("e164") or p.get("raw") or "")
        if not key:
            continue
        m = merged.setdefault(key, {"e164": p.get("e164"), "raw": [], "flags": [], "explanation": ""})
        raw = str(p.get("raw") or "")
        if raw and raw not in m["raw"] and len(m["raw"]) < 5:
            m["raw"].append(raw)
        for f in p.get("flags") or []:
            if isinstance(f, str) and f not in m["flags"]:
                m["flags"].append(f)
        if not m["explanation"] and p.get("explanation"):
            m["explanation"] = str(p["explanation"])
    return list(merged.values())[:MAX_PHONES]


def _shots(records: list[ScanRecord]) -> list[str]:
    out: list[str] = []
    for r in records:
        for s in r.screenshot_sha256:
            if s not in out:
                out.append(s)
    return out[:MAX_SCREENSHOTS]


def _common(lang: str) -> dict[str, str]:
    return load("drafts")["common"][lang]


def _verdict_section(t: dict[str, str], records: list[ScanRecord]) -> list[str]:
    scam = sum(1 for r in records if r.verdict == "scam")
    verdict = t["verdict_scam"] if scam else t["verdict_suspicious"]
    count = scam or len(records)
    scores = [r.score for r in records if isinstance(r.score, (int, float))]
    lines = [f"## {t['verdict']}", "", t["verdict_line"].format(verdict=verdict, count=count, score=f"{max(scores):.2f}" if scores else "-"), ""]
    reasons = top_reasons(records)
    if reasons:
        lines += [t["reasons"] + ":", ""]
        for i, e in enumerate(reasons, 1):
            line = f"{i}. {_code(e['signal'])} ({e['weight']:.2f}): {_plain(e['detail'])}"
            if e["excerpt"]:
                line += f" — {_code(e['excerpt'], 160)}"
            lines.append(line)
        lines.append("")
    return lines


def _url_table(t: dict[str, str], urls: dict[str, list[datetime]], verdicts: dict[str, str]) -> list[str]:
    lines = [f"| {t['url_col']} | {t['first_col']} | {t['last_col']} | {t['verdict_col']} |", "|---|---|---|---|"]
    rows = sorted(urls.items(), key=lambda kv: (min(kv[1]), kv[0]))[:MAX_URLS]
    for url, times in rows:
        v = verdicts.get(url, "scam")
        lines.append(f"| {_code(url)} | {iso(min(times))} | {iso(max(times))} | {t['verdict_' + v] if 'verdict_' + v in t else v} |")
    if len(urls) > MAX_URLS:
        lines.append(f"| … (+{len(urls) - MAX_URLS}) | | | |")
    return [*lines, ""]


def _url_verdicts(m: Match, phone: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in m.records:
        keys = [r.url or r.input] if phone else r.urls
        for u in keys:
            if out.get(u) != "scam":
                out[u] = r.verdict or "suspicious"
    return out


def _screens(t: dict[str, str], records: list[ScanRecord]) -> list[str]:
    shots = _shots(records)
    return [f"## {t['screenshots']}", "", *([f"- {_code(s)}" for s in shots] or [t["no_screenshots"]]), ""]


def _header(t: dict[str, str], m: Match, source: str) -> list[str]:
    lines = [f"> {t['notice']}", ">", f"> {t['generated'].format(count=len(m.records), source=_plain(source))}"]
    if m.benign:
        lines += [">", f"> {t['benign_warning'].format(benign=m.benign)}"]
    return [*lines, ""]


def domain_draft(m: Match, value: str, lang: str, source: str) -> str:
    t = {**_common(lang), **load("drafts")["domain"][lang]}
    target = _host(value)
    platform = hosting_platform(target)
    recipient = t["recipient_platform"].format(platform=platform.name) if platform else t["recipient_generic"]
    lines = [*_header(t, m, source), f"# {t['title']}", "", t["to"].format(recipient=recipient), "", t["subject"].format(target=target), ""]
    lines += [t["intro"].format(target=_code(target)), ""]
    lines += [f"## {t['urls']}", "", *_url_table(t, m.urls, _url_verdicts(m, False))]
    lines += _verdict_section(t, m.records)
    phones = _unique_phones(m.phones)
    if phones:
        lines += [f"## {t['phones']}", ""]
        for p in phones:
            shown = ", ".join(_code(r) for r in p["raw"])
            lines.append(f"- {_code(p['e164'] or '-')}" + (f" ({shown})" if shown else ""))
        lines.append("")
    lines += _screens(t, m.records)
    lines += [t["request"], "", t["signature"], ""]
    return "\n".join(lines)


def phone_draft(m: Match, value: str, lang: str, source: str) -> str:
    t = {**_common(lang), **load("drafts")["phone"][lang]}
    phones = _unique_phones(m.phones)
    e164s = [p["e164"] for p in phones if p.get("e164")]
    target = e164s[0] if e164s else value.strip()
    lines = [*_header(t, m, source), f"# {t['title']}", "", t["to"].format(recipient=t["recipient"]), "", t["subject"].format(target=target), ""]
    lines += [t["intro"], "", f"## {t['number']}", ""]
    for p in phones:
        lines.append(f"- {t['number']}: {_code(p['e164'] or '-')}")
        if p["raw"]:
            lines.append(f"- {t['as_shown']}: " + ", ".join(_code(r) for r in p["raw"]))
        sentences = _flag_sentences(p["flags"], lang)
        if lang == "en" and p["explanation"]:
            sentences = [_plain(p["explanation"], 400) + ".", *sentences]
        if sentences:
            lines.append(f"- {t['explanation']}: " + " ".join(sentences))
        if lang == "ja" and p["explanation"]:
            lines.append(f"  - ({_plain(p['explanation'], 400)})")
        if p["flags"]:
            lines.append("- flags: " + ", ".join(_code(f) for f in p["flags"]))
    lines.append("")
    lines += [f"## {t['pages']}", "", *_url_table(t, m.urls, _url_verdicts(m, True))]
    lines += _verdict_section(t, m.records)
    lines += _screens(t, m.records)
    lines += [t["request"], "", t["signature"], ""]
    return "\n".join(lines)


def make_draft(records: list[ScanRecord], what: str, value: str, *, lang: str = "both", source: str = "", force: bool = False) -> str:
    """The draft (Markdown). Raises :class:`NotFound` when ``value`` is not on a scam/suspicious record,
    or (unless ``force``) when pages judged benign show it too: it may be a real company's, and a
    report against it would do harm; forced, the draft says so."""
    if what == "domain":
        m = match_domain(records, value)
        write = domain_draft
    elif what == "phone":
        m = match_phone(records, value)
        write = phone_draft
    else:
        raise ValueError(f"unknown draft kind {what!r} (domain or phone)")
    if m.benign and not force:
        raise NotFound(f"{value} is also on {m.benign} page(s) judged benign: it may be a real company's; check them, then draft with --force")
    langs = LANGS if lang == "both" else (lang,)
    return "\n---\n\n".join(write(m, value, lg, source) for lg in langs)
