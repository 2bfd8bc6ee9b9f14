"""The page shown instead of a fake warning, in Japanese or English (``Accept-Language``).

It says the warning is fake and nothing is infected, shows the page's numbers with why not to call
them, how to close a stuck browser, and where to get help (IPA, 188): the texts live in
``data/guard_page.toml`` and ``data/advice.toml``. The page is static (no script, no outside
resource) and carries ``<meta name="scamscope-guard" content="blocked">`` for monitoring.
"""

from __future__ import annotations

from functools import cache
from html import escape
from typing import Any, Literal

from scamscope.data import load
from scamscope.types import Phone

Lang = Literal["ja", "en"]
Variant = Literal["scam", "watch", "unchecked"]  # blocked statically / stopped by the watcher / could not be checked
MARKER = '<meta name="scamscope-guard" content="blocked">'
MAX_PHONES = 5
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"  # framed kits show it in their frame


def pick_language(accept_language: str | None) -> Lang:
    """``ja`` or ``en``, whichever the browser prefers (by q value); ``ja`` without the header, ``en`` when it names neither."""
    if not accept_language or not accept_language.strip():
        return "ja"
    best: tuple[float, int, Lang] | None = None
    for i, item in enumerate(accept_language.split(",")[:40]):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("ja", "en"):
            continue
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        key = (q, -i, primary)  # type: ignore[assignment]
        if best is None or key[:2] > best[:2]:
            best = key  # type: ignore[assignment]
    return best[2] if best else "en"


@cache
def _texts() -> dict[str, Any]:
    return load("guard_page")


@cache
def _advice() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    from scamscope.advice.engine import _data

    data = _data()
    steps = {s["id"]: s for s in data["step"]}
    contacts = {c["id"]: c for c in data["contact"]}
    return steps, contacts


def why_not_call(phone: Phone, lang: Lang) -> str:
    """One sentence: why this number must not be called."""
    for entry in _texts()["flag"]:
        if not entry["flag"] or entry["flag"] in phone.flags:
            return str(entry[lang])
    return ""


def _phones_block(phones: list[Phone], lang: Lang, t: dict[str, str]) -> str:
    shown = [p for p in phones if "placeholder" not in p.flags][:MAX_PHONES]
    if not shown:
        return f"<p>{escape(t['numbers_none'])}</p>"
    items = "".join(
        f'<li><span class="num">{escape(p.raw)}</span>'
        + (f' <span class="e164">({escape(p.e164)})</span>' if p.e164 and p.e164 != p.raw else "")
        + f"<br>{escape(why_not_call(p, lang))}</li>"
        for p in shown
    )
    return f'<ul class="numbers">{items}</ul>'


def render(lang: Lang, *, variant: Variant = "scam", url: str = "", phones: list[Phone] | None = None, reasons: list[str] | None = None) -> str:
    """The block page as a complete HTML document."""
    t = _texts()["text"][lang]
    steps, contacts = _advice()
    title = {"scam": t["title"], "watch": t["watch_title"], "unchecked": t["unchecked_title"]}[variant]
    lead = {"scam": t["lead"], "watch": t["watch_lead"], "unchecked": t["unchecked_lead"]}[variant]
    close = "".join(f"<li>{escape(line)}</li>" for line in steps["close_screen"]["details"][lang])
    dont_call = "".join(f"<li>{escape(line)}</li>" for line in steps["dont_call"]["details"][lang])
    contact_rows = ""
    for cid in ("ipa", "hotline_188"):
        c = contacts[cid]
        contact_rows += f'<li><b>{escape(c["name"][lang])}</b> <span class="num">{escape(c["number"])}</span><br>{escape(c["for"][lang])}</li>'
    details = ""
    if reasons:
        details = f"<details><summary>{escape(t['details_heading'])}</summary><ul>" + "".join(f"<li>{escape(r[:300])}</li>" for r in reasons[:5]) + "</ul></details>"
    page = f'<p class="url">{escape(t["page_label"])}: <code>{escape(url[:300])}</code></p>' if url else ""
    not_infected = "" if variant == "unchecked" else f'<p class="ok">{escape(t["not_infected"])}</p>'
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
{MARKER}
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{escape(title)}</title>
<style>
body{{font-family:system-ui,"Hiragino Sans","Yu Gothic UI","Meiryo",sans-serif;background:#f4f6f8;color:#1b1f24;margin:0;line-height:1.7}}
main{{max-width:46rem;margin:2rem auto;background:#fff;border-radius:10px;padding:1.5rem 2rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}}
h1{{font-size:1.5rem;color:#8a1c1c;margin-top:0}} h2{{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #dde2e7}}
.ok{{background:#e8f5e9;border-left:5px solid #2e7d32;padding:.6rem 1rem;font-weight:600}}
.numbers li{{margin-bottom:.6rem}} .num{{font-weight:700;font-size:1.15rem;color:#8a1c1c}} .e164{{color:#555}}
.url code{{word-break:break-all;color:#555}} details{{margin-top:1.2rem;color:#444}}
</style></head>
<body><main>
<h1>{escape(title)}</h1>
<p>{escape(lead)}</p>
{not_infected}
<h2>{escape(t["numbers_heading"])}</h2>
{_phones_block(phones or [], lang, t)}
<ul>{dont_call}</ul>
<h2>{escape(t["close_heading"])}</h2>
<ol>{close}</ol>
<h2>{escape(t["contacts_heading"])}</h2>
<p>{escape(t["called_already"])}</p>
<ul>{contact_rows}</ul>
{page}
{details}
</main></body></html>
"""
