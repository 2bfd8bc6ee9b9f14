"""Phone numbers in ``tel:`` links and in URL parameters (``?phone=``, base64 ``?n=``, ``#+1888...``)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import unquote, urlsplit

from scamscope.phones.classify import Context, classify_candidate, dedup_phones
from scamscope.phones.knowledge import MAX_LINKS, MAX_PARSED, MAX_WIDE, NON_DIGIT, knowledge
from scamscope.types import Phone

_PHONE_VALUE = re.compile(r"^\s*\+?[\d\s().\-]{7,30}$")
_B64_VALUE = re.compile(r"^[A-Za-z0-9+/_-]{8,60}={0,2}$")


def _decode_b64(value: str) -> str | None:
    """Base64 (standard or URL-safe) of a phone number, or None."""
    if not _B64_VALUE.match(value) or value.isdigit():
        return None
    padded = value + "=" * (-len(value) % 4)
    for decoder in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            out = decoder(padded.encode("ascii")).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if _PHONE_VALUE.match(out):
            return out.strip()
    return None


def _raw_params(part: str) -> list[tuple[str, str]]:
    """``a=1&b=2`` split without turning a leading '+' into a space (it may start a number)."""
    out: list[tuple[str, str]] = []
    for item in part.split("&")[:50]:
        if "=" not in item:
            continue
        key, _, value = item.partition("=")
        value = unquote(value).strip()
        value = value[:1] + value[1:].replace("+", " ")
        out.append((unquote(key).strip().lower(), value.strip()))
    return out


def _url_values(url: str) -> list[tuple[str, str, bool]]:
    """(parameter, number text, was base64) for numbers carried by a URL's query or fragment."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return []
    k = knowledge()
    out: list[tuple[str, str, bool]] = []
    for key, value in _raw_params(parts.query) + _raw_params(parts.fragment):
        if key in k.url_phone_params and _PHONE_VALUE.match(value):
            out.append((key, value, False))
        elif key in k.url_phone_params or key in k.url_b64_params:
            decoded = _decode_b64(value)
            if decoded:
                out.append((key, decoded, True))
    frag = unquote(parts.fragment)
    if frag and "=" not in frag and _PHONE_VALUE.match(frag) and len(NON_DIGIT.sub("", frag)) >= 9:
        out.append(("#", frag.strip(), False))
    return out


def phones_in_url(url: str, *, language: str | None = None, where: str = "url_param") -> list[Phone]:
    """Numbers passed in a URL: ``?phone=``, ``?ph0n=``, base64 ``?n=``, ``#+1888…``."""
    out: list[Phone] = []
    for key, value, was_b64 in _url_values(url):
        phone = classify_candidate(
            value, language=language, where=where, ctx=Context(), extra=("from_url_param",), keep_invalid=True
        )
        if phone is None:
            continue
        how = "base64 in URL parameter" if was_b64 else "URL parameter" if key != "#" else "URL fragment"
        out.append(replace(phone, explanation=f"{phone.explanation} (read from {how} '{key}')"))
    return out


def _ignored_host(link: str) -> bool:
    """A messaging / social / maps link: its phone parameter is ordinary "click to chat"."""
    try:
        host = (urlsplit(link.strip()).hostname or "").lower()
    except ValueError:
        return False
    return bool(host) and any(host == h or host.endswith("." + h) for h in knowledge().ignore_link_hosts)


_LINK_PARAM = re.compile(r"[?#&;][\w-]{1,30}=.|#\s*\+?\d")


def phones_in_links(links: Sequence[str], *, language: str | None = None) -> list[Phone]:
    """Numbers in ``tel:`` links and in URL parameters of links (one per number and kind)."""
    out: list[Phone] = []
    numbers: set[str] = set()
    for link in links[:MAX_LINKS]:
        head = link[:8].lower().lstrip()
        if head.startswith(("tel:", "callto:")):
            number = unquote(link.split(":", 1)[1]).split("?")[0].strip("/ ")
            if number in numbers or len(numbers) >= MAX_PARSED:
                continue
            numbers.add(number)
            phone = classify_candidate(
                number,
                language=language,
                where="tel_link",
                ctx=Context(),
                extra=("tel_link",),
                keep_invalid=True,
                wide=len(numbers) <= MAX_WIDE,
            )
            out.extend([phone] if phone else [])
        elif _LINK_PARAM.search(link) and not _ignored_host(link):
            out.extend(phones_in_url(link, language=language))
    return dedup_phones(out)
